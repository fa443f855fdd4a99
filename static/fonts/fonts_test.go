package fonts

import (
	"bytes"
	"testing"
)

func TestCJKIsTrueType(t *testing.T) {
	// A standalone TrueType file starts with version 0x00010000; a .ttc
	// collection would start with "ttcf" and fpdf could not read it.
	if !bytes.HasPrefix(CJK, []byte{0, 1, 0, 0}) {
		t.Fatalf("CJK does not start with a TrueType header: % x", CJK[:4])
	}
	if len(CJK) < 1<<20 {
		t.Fatalf("CJK is only %d bytes", len(CJK))
	}
}
