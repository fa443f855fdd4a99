package domain

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// makePDF builds an A4 PDF of n pages with fpdf; each page carries a
// line of text and, when withImage, a JPEG as a scanner would produce.
func makePDF(t testing.TB, n int, withImage bool, protect func(*fpdf.Fpdf)) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	if protect != nil {
		protect(p)
	}
	if withImage {
		p.RegisterImageOptionsReader("scan", fpdf.ImageOptions{ImageType: "JPG"},
			bytes.NewReader(encJPEG(t, photoLike(300, 420, 8, false), 80)))
	}
	p.SetFont("Helvetica", "", 14)
	for i := range n {
		p.AddPage()
		p.Cell(0, 10, fmt.Sprintf("Recommendation form, page %d", i+1))
		if withImage {
			p.ImageOptions("scan", 20, 30, 100, 140, false, fpdf.ImageOptions{}, 0, "")
		}
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckRecommendationPDF(t *testing.T) {
	two := makePDF(t, 2, true, nil)
	tests := []struct {
		name  string
		data  []byte
		pages int    // want on success
		code  Code   // want on failure
		msg   string // want on failure
	}{
		{name: "2 pages", data: two, pages: 2},
		{name: "3 pages", data: makePDF(t, 3, true, nil), pages: 3},
		{name: "2 pages text only", data: makePDF(t, 2, false, nil), pages: 2},
		{name: "1 page", data: makePDF(t, 1, true, nil), code: EINVALID, msg: fmt.Sprintf(MsgPDFPages, 1)},
		{name: "empty", data: nil, code: EINVALID, msg: MsgPDFEmpty},
		{name: "over 5 MB", data: append([]byte("%PDF-1.4\n"), make([]byte, MaxRecommendationPDF)...), code: ETOOLARGE, msg: MsgPDFTooLarge},
		{name: "jpeg renamed pdf", data: encJPEG(t, photoLike(300, 420, 0, false), 80), code: EINVALID, msg: MsgPDFNotPDF},
		{name: "text", data: []byte("hello, this is not a PDF"), code: EINVALID, msg: MsgPDFNotPDF},
		{name: "header only", data: []byte("%PDF-1.7\n"), code: EINVALID, msg: MsgPDFCorrupt},
		{name: "header then garbage", data: append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("garbage "), 500)...), code: EINVALID, msg: MsgPDFCorrupt},
		{name: "truncated to half", data: two[:len(two)/2], code: EINVALID, msg: MsgPDFCorrupt},
		{name: "truncated to 10%", data: two[:len(two)/10], code: EINVALID, msg: MsgPDFCorrupt},
		{name: "encrypted, empty user password", data: makePDF(t, 2, false, func(p *fpdf.Fpdf) {
			p.SetProtection(fpdf.CnProtectPrint, "", "owner-secret")
		}), code: EINVALID, msg: MsgPDFEncrypted},
		{name: "encrypted, user password", data: makePDF(t, 2, false, func(p *fpdf.Fpdf) {
			p.SetProtection(fpdf.CnProtectPrint, "user-secret", "owner-secret")
		}), code: EINVALID, msg: MsgPDFEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := CheckRecommendationPDF(tt.data)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if n != tt.pages {
					t.Errorf("pages = %d, want %d", n, tt.pages)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted (%d pages)", n)
			}
			if ErrorCode(err) != tt.code || ErrorMessage(err) != tt.msg {
				t.Errorf("got %q %q, want %q %q", ErrorCode(err), ErrorMessage(err), tt.code, tt.msg)
			}
			if ErrorFields(err)[RecommendationField] == "" {
				t.Errorf("no message on field %q", RecommendationField)
			}
		})
	}
}

// TestCheckRecommendationPDFTruncatedAnywhere cuts a valid PDF at many
// points: every cut must be refused or, when pdfcpu can rebuild the file
// (only the trailer lost), still report the true page count, and never panic.
func TestCheckRecommendationPDFTruncatedAnywhere(t *testing.T) {
	full := makePDF(t, 2, true, nil)
	for i := 1; i < 40; i++ {
		cut := len(full) * i / 40
		n, err := CheckRecommendationPDF(full[:cut])
		if err == nil && n != 2 {
			t.Errorf("cut at %d/%d: accepted with %d pages", cut, len(full), n)
		}
		if err != nil && ErrorMessage(err) != MsgPDFCorrupt && !strings.HasPrefix(ErrorMessage(err), "推荐表须包含正反两面") {
			t.Errorf("cut at %d: message %q", cut, ErrorMessage(err))
		}
	}
}

// TestPDFCheckWritesNoConfig: pdfcpu must not create its config directory
// (~/.config/pdfcpu) when the server checks an upload.
func TestPDFCheckWritesNoConfig(t *testing.T) {
	if model.ConfigPath != "disable" {
		t.Fatalf("pdfcpu config dir not disabled: ConfigPath = %q", model.ConfigPath)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	if _, err := CheckRecommendationPDF(makePDF(t, 2, false, nil)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 0 {
		t.Errorf("pdfcpu wrote into $HOME: %v", entries)
	}
}

func BenchmarkCheckRecommendationPDF(b *testing.B) {
	data := makePDF(b, 2, true, nil)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := CheckRecommendationPDF(data); err != nil {
			b.Fatal(err)
		}
	}
}
