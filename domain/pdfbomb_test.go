package domain

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"examreg/domain/domaintest"
)

// Hostile 推荐表 uploads, built here (nothing large is committed), and a
// child process that measures what checking each one costs.

// pdfObj is one object of a hand-built PDF: inline (body) or packed into
// the object stream.
type pdfObj struct {
	body     string
	inObjStm bool
}

// buildPDF writes a PDF 1.5 with a cross-reference stream. Objects are
// numbered from 1 in order; those marked inObjStm go into one object
// stream whose decoded content is padded with pad spaces (a Flate bomb
// when pad is large). meta, when positive, adds a catalog /Metadata
// stream inflating to that many bytes.
func buildPDF(t testing.TB, objs []pdfObj, pad int) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	n := len(objs)
	stmNr := n + 1
	xrefNr := n + 2
	type ent struct {
		typ      byte
		off      int
		idxInStm int
	}
	ents := make([]ent, xrefNr+1)
	var prolog, packed strings.Builder
	k := 0
	for i, o := range objs {
		nr := i + 1
		if o.inObjStm {
			fmt.Fprintf(&prolog, "%d %d ", nr, packed.Len())
			packed.WriteString(o.body + "\n")
			ents[nr] = ent{typ: 2, off: stmNr, idxInStm: k}
			k++
			continue
		}
		ents[nr] = ent{typ: 1, off: b.Len()}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", nr, o.body)
	}
	// The object stream (present even when empty, so the layout is fixed).
	first := prolog.Len()
	content := zlibOf(t, prolog.String()+packed.String(), pad)
	ents[stmNr] = ent{typ: 1, off: b.Len()}
	fmt.Fprintf(&b, "%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n", stmNr, k, first, len(content))
	b.Write(content)
	b.WriteString("\nendstream\nendobj\n")
	// The cross-reference stream, uncompressed: W [1 4 2].
	ents[xrefNr] = ent{typ: 1, off: b.Len()}
	var x bytes.Buffer
	for nr, e := range ents {
		row := make([]byte, 7)
		switch {
		case nr == 0:
			binary.BigEndian.PutUint16(row[5:], 0xffff)
		case e.typ == 1:
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:], uint32(e.off))
		case e.typ == 2:
			row[0] = 2
			binary.BigEndian.PutUint32(row[1:], uint32(e.off))
			binary.BigEndian.PutUint16(row[5:], uint16(e.idxInStm))
		}
		x.Write(row)
	}
	fmt.Fprintf(&b, "%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n", xrefNr, xrefNr+1, x.Len())
	b.Write(x.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", ents[xrefNr].off)
	return b.Bytes()
}

// zlibOf compresses s followed by pad spaces (best compression: a run of
// spaces shrinks about 1000:1).
func zlibOf(t testing.TB, s string, pad int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, _ := zlib.NewWriterLevel(&out, zlib.BestCompression)
	w.Write([]byte(s))
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for pad > 0 {
		n := min(pad, len(chunk))
		w.Write(chunk[:n])
		pad -= n
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

const pageObj = "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>>>"

// objStmBomb: a 2-page PDF whose pages live in an object stream that
// inflates to inflate bytes.
func objStmBomb(t testing.TB, inflate int) []byte {
	return buildPDF(t, []pdfObj{
		{body: "<</Type/Catalog/Pages 2 0 R>>"},
		{body: "<</Type/Pages/Kids[3 0 R 4 0 R]/Count 2>>"},
		{body: pageObj, inObjStm: true},
		{body: pageObj, inObjStm: true},
	}, inflate)
}

// metadataBomb: a valid 2-page PDF whose catalog /Metadata stream
// inflates to inflate bytes (pdfcpu's validation decodes it with its own
// 512 MB default, not the configured limit).
func metadataBomb(t testing.TB, inflate int) []byte {
	stream := zlibOf(t, "", inflate)
	body := fmt.Sprintf("<</Type/Metadata/Subtype/XML/Filter/FlateDecode/Length %d>>\nstream\n%s\nendstream", len(stream), stream)
	return buildPDF(t, []pdfObj{
		{body: "<</Type/Catalog/Pages 2 0 R/Metadata 5 0 R>>"},
		{body: "<</Type/Pages/Kids[3 0 R 4 0 R]/Count 2>>"},
		{body: pageObj},
		{body: pageObj},
		{body: body},
	}, 0)
}

// pageTreeBomb: a page tree whose root lists the same page n times.
func pageTreeBomb(t testing.TB, n int, inObjStm bool) []byte {
	kids := strings.Repeat("3 0 R ", n)
	return buildPDF(t, []pdfObj{
		{body: "<</Type/Catalog/Pages 2 0 R>>"},
		{body: "<</Type/Pages/Kids[" + kids + "]/Count " + strconv.Itoa(n) + ">>", inObjStm: inObjStm},
		{body: pageObj},
	}, 0)
}

func TestHandBuiltPDFsAreAccepted(t *testing.T) {
	// The builder itself makes valid PDFs: with no bomb, they pass.
	for name, data := range map[string][]byte{
		"object stream": objStmBomb(t, 0),
		"metadata":      metadataBomb(t, 1000),
		"page tree 2":   pageTreeBomb(t, 2, false),
	} {
		if n, err := CheckRecommendationPDF(data); err != nil || n != 2 {
			t.Errorf("%s: pages %d, err %v", name, n, err)
		}
	}
}

func TestHostilePDFsAreRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hundreds of MB of compressed data")
	}
	for _, tt := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"object stream inflating to 300 MB", objStmBomb(t, 300<<20), MsgPDFCorrupt},
		{"metadata inflating to 300 MB", metadataBomb(t, 300<<20), MsgPDFCorrupt},
		{"page tree of 600,000 entries", pageTreeBomb(t, 600_000, false), MsgPDFTooMany},
		{"page tree of 600,000 entries in an object stream", pageTreeBomb(t, 600_000, true), MsgPDFTooMany},
		{"11 pages", pageTreeBomb(t, 11, false), MsgPDFTooMany},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) > MaxRecommendationPDF {
				t.Fatalf("hostile input is %d bytes, over the upload limit", len(tt.data))
			}
			_, err := CheckRecommendationPDF(tt.data)
			if ErrorMessage(err) != tt.msg {
				t.Errorf("got %v, want %q", err, tt.msg)
			}
		})
	}
}

// pdfChildEnv names the file a child process checks (see TestPDFCheckChild).
const pdfChildEnv = "EXAMREG_PDF_CHECK_CHILD"

// TestPDFCheckCostIsBounded checks each hostile PDF in a fresh child
// process and reads the kernel's peak-RSS mark (VmHWM, reset just before
// the check) and the CPU time the check used: any upload up to 5 MB must
// cost < 64 MB extra memory and < 1 s of CPU. CPU time, unlike wall time,
// does not grow when the machine is busy with other work.
func TestPDFCheckCostIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hundreds of MB of compressed data and runs child processes")
	}
	domaintest.SkipUnlessMeasurable(t)
	cases := []struct {
		name string
		data []byte
	}{
		{"a real 4-page scan", makePDF(t, 4, true, nil)},
		{"object stream inflating to 300 MB", objStmBomb(t, 300<<20)},
		{"metadata inflating to 300 MB", metadataBomb(t, 300<<20)},
		{"page tree of 600,000 entries", pageTreeBomb(t, 600_000, false)},
		{"page tree of 600,000 entries in an object stream", pageTreeBomb(t, 600_000, true)},
	}
	dir := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cost := domaintest.ChildCost(t, dir, strconv.Itoa(i)+".pdf", tc.data, "TestPDFCheckChild", pdfChildEnv)
			if cost.ExtraMB >= 64 {
				t.Errorf("check cost %.1f MB extra memory, want < 64 MB", cost.ExtraMB)
			}
			if cost.CPUms >= 1000 {
				t.Errorf("check cost %.0f ms CPU, want < 1 s", cost.CPUms)
			}
		})
	}
}

// TestPDFCheckChild is the child of TestPDFCheckCostIsBounded; it does
// nothing in a normal run.
func TestPDFCheckChild(t *testing.T) {
	data := domaintest.ChildInput(t, pdfChildEnv)
	domaintest.MeasureInChild(t, func() string {
		_, err := CheckRecommendationPDF(data)
		return fmt.Sprintf("check: %v", err)
	})
}
