package domain

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// The fuzz targets run their seeds in every `go test` and explore for a few
// seconds each in CI (.ci/fuzz). Seeds: testdata/fuzz/<target>/ plus the
// generated documents added below (so the fuzzer starts from real PDFs,
// JPEGs and PNGs, not only from noise).

var fuzzNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// userError reports whether err is a refusal a user can be shown: a domain
// error with a message, never an internal one.
func userError(err error) bool {
	code := ErrorCode(err)
	return (code == EINVALID || code == ETOOLARGE) && ErrorMessage(err) != ""
}

// FuzzParseIDNumber: any input is refused with a field message or accepted
// as a number whose check digit, birth date and sex agree with it, and
// which parses again to itself.
func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"42010219900307123X", " 42010219900307123x ", "４２０１０２１９９００３０７１２３Ｘ", "420102199013071234", "", "12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIDNumber(s, fuzzNow)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorMessage(err) == "" {
				t.Fatalf("%q: refused without a field message: %v", s, err)
			}
			return
		}
		if len(id.Number) != 18 || IDCheckDigit(id.Number[:17]) != id.Number[17] {
			t.Fatalf("%q accepted as %q: bad check digit", s, id.Number)
		}
		if id.Sex != "男" && id.Sex != "女" || id.BirthDate.After(fuzzNow) || id.BirthDate.Year() < 1900 {
			t.Fatalf("%q accepted as %+v", s, id)
		}
		again, err := ParseIDNumber(id.Number, fuzzNow)
		if err != nil || again != id {
			t.Fatalf("%q: the accepted %q does not parse to itself: %+v %v", s, id.Number, again, err)
		}
	})
}

// FuzzFormParsers feeds one string to every parser of a form field: dates,
// fees, phone, e-mail, name, password, the position search query and the
// position form (every field set to the input). None may panic; what they
// accept must be well-formed.
func FuzzFormParsers(f *testing.F) {
	for _, s := range []string{"1990-03", "1990-03-07", "2026-12-01T09:00", "100.50", "13800138000", "lxm@example.com",
		"张三", "Abcdef123456", "不限", "-1", "9999999999999999999", "\x00", "<script>", "１３８００１３８０００"} {
		f.Add(s)
	}
	exam := &Exam{ID: "e1", Levels: []Level{{Code: "sz", Name: "省直机关"}}}
	f.Fuzz(func(t *testing.T, s string) {
		if d, _, ok := ParseFormDate(s); ok && d.IsZero() {
			t.Fatalf("ParseFormDate(%q) accepted a zero date", s)
		}
		if d, ok := ParseDatetimeLocal(s); ok && d.IsZero() {
			t.Fatalf("ParseDatetimeLocal(%q) accepted a zero time", s)
		}
		if fee, ok := ParseFee(s); ok && fee < 0 {
			t.Fatalf("ParseFee(%q) = %d", s, fee)
		}
		for _, v := range []func(string) error{ValidatePhone, ValidateEmail, ValidateName, ValidateStaffLogin} {
			if err := v(s); err != nil && ErrorMessage(err) == "" {
				t.Fatalf("%q refused without a message", s)
			}
		}
		if err := ValidatePassword(s, "42010219900307123X"); err != nil && ErrorMessage(err) == "" {
			t.Fatalf("password %q refused without a message", s)
		}
		_, _ = ParsePositionQuery(func(string) string { return s })
		text := map[string]string{}
		for _, pf := range PositionFields {
			text[pf.Key] = s
		}
		p, fe := ParsePosition(text, exam)
		for k, msg := range fe {
			if msg == "" || !utf8.ValidString(msg) {
				t.Fatalf("ParsePosition(%q): field %s has no readable message", s, k)
			}
		}
		if len(fe) == 0 && p.Code != strings.TrimSpace(s) {
			t.Fatalf("ParsePosition(%q) accepted code %q", s, p.Code)
		}
	})
}

// FuzzNormalizePhoto: an upload is refused with a user message, or turned
// into a stored photo that passes CheckPhotoStored and the size budget.
func FuzzNormalizePhoto(f *testing.F) {
	f.Add(encJPEG(f, photoLike(295, 413, 8, false), 85))
	f.Add(encPNG(f, photoLike(300, 420, 4, true)))
	f.Add([]byte("\xff\xd8\xff\xe0 not really a jpeg"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _, err := NormalizePhoto(data)
		if err != nil {
			if !userError(err) {
				t.Fatalf("refused without a user message: %v", err)
			}
			return
		}
		if len(out) > MaxPhotoBytes {
			t.Fatalf("stored photo of %d bytes", len(out))
		}
		if err := CheckPhotoStored(out); err != nil {
			t.Fatalf("the normalised photo fails CheckPhotoStored: %v", err)
		}
	})
}

// FuzzCheckRecommendationPDF: any upload is refused with a user message or
// accepted with at least the pages a 推荐表 needs. Seeds include fpdf's
// classic xref table and pdfcpu's rewrite with object and xref streams.
func FuzzCheckRecommendationPDF(f *testing.F) {
	plain := makePDF(f, 2, true, nil)
	f.Add(plain)
	var streams bytes.Buffer
	if err := api.Optimize(bytes.NewReader(plain), &streams, nil); err != nil {
		f.Fatal(err)
	}
	if !bytes.Contains(streams.Bytes(), []byte("/ObjStm")) {
		f.Fatal("the pdfcpu seed has no object stream")
	}
	f.Add(streams.Bytes())
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := CheckRecommendationPDF(data)
		if err != nil {
			if !userError(err) {
				t.Fatalf("refused without a user message: %v", err)
			}
			return
		}
		if pages < MinRecommendationPages {
			t.Fatalf("accepted with %d pages", pages)
		}
	})
}
