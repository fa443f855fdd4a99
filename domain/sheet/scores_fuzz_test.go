package sheet

import (
	"testing"

	"examreg/domain"
)

// FuzzDecodeScores: any upload as a score file (.xlsx or .csv) is refused
// as a file with a user message, or read into rows or problems, never both,
// every problem placed at a row and a column.
func FuzzDecodeScores(f *testing.F) {
	f.Add(book(f, []string{"准考证号", "公共科目", "专业科目", "加分"}, []string{"20230100101", "78.5", "缺考", "2"}), false)
	f.Add([]byte("准考证号,公共科目,专业科目\n20230100101,78,120.5\n20230100102,违纪,=1+1\n"), true)
	f.Add([]byte("\xef\xbb\xbf标题\n准考证号,专业科目,公共科目,姓名\n20230100101,100,缺考 5,张三\n"), true)
	f.Add([]byte("PK\x03\x04 not really a zip"), false)
	lim := ScoreLimits
	lim.MaxRows = 200 // keep each run cheap; the limit logic is the same
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		name := "s.xlsx"
		if csv {
			name = "s.csv"
		}
		file, err := DecodeScores(data, name, scoreSubjects, scoreTickets, lim)
		if err != nil {
			code := domain.ErrorCode(err)
			if code != domain.EINVALID && code != domain.ETOOLARGE || domain.ErrorMessage(err) == "" {
				t.Fatalf("refused without a user message: %v", err)
			}
			return
		}
		if len(file.Rows) > 0 && len(file.Problems) > 0 {
			t.Fatal("rows returned with problems")
		}
		if len(file.Rows) > lim.MaxRows || len(file.Problems) > MaxScoreProblems {
			t.Fatalf("%d rows, %d problems past the limits", len(file.Rows), len(file.Problems))
		}
		for _, p := range file.Problems {
			if p.Row < 1 || p.Column == "" || p.Message == "" {
				t.Fatalf("a problem without its place or message: %+v", p)
			}
		}
		for _, r := range file.Rows {
			if len(r.Scores) != len(scoreSubjects) || r.TicketNo == "" {
				t.Fatalf("a row without its scores or number: %+v", r)
			}
		}
	})
}
