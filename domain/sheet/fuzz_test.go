package sheet

import (
	"strings"
	"testing"

	"examreg/domain"
)

// FuzzDecodePositions: any upload as a 职位表 is refused as a file with a
// user message, or read into rows and problems within the limits. Seeds: a
// good 职位表, one with a very wide row, and one with long cells, all made
// by the real writer, so the fuzzer starts inside excelize's row paths.
func FuzzDecodePositions(f *testing.F) {
	f.Add(book(f, header(), row("1001"), row("1002")))
	wide := append(row("2001"), make([]string, 300)...)
	for i := range wide[len(row("")):] {
		wide[len(row(""))+i] = "x"
	}
	f.Add(book(f, header(), wide))
	f.Add(book(f, header(), row("3001", func(m map[string]string) { m["description"] = strings.Repeat("文稿", 3000) })))
	f.Add([]byte("PK\x03\x04 not really a zip"))
	lim := DefaultLimits
	lim.MaxRows = 200 // keep each run cheap; the limit logic is the same
	exam := &domain.Exam{ID: "e1", Levels: []domain.Level{{Code: "sz", Name: "省直机关"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems, err := DecodePositions(data, exam, lim)
		if err != nil {
			code := domain.ErrorCode(err)
			if code != domain.EINVALID && code != domain.ETOOLARGE || domain.ErrorMessage(err) == "" {
				t.Fatalf("refused without a user message: %v", err)
			}
			return
		}
		if len(rows) > lim.MaxRows {
			t.Fatalf("%d rows read past the limit of %d", len(rows), lim.MaxRows)
		}
		for _, p := range problems {
			if p.Message == "" {
				t.Fatalf("a problem without a message: %+v", p)
			}
		}
	})
}
