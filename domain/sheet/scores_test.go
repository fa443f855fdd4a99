package sheet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"examreg/domain"
)

var scoreSubjects = []domain.ScoreSubject{
	{Name: "公共科目", Weight: 50, FullMark: 10000},
	{Name: "专业科目", Weight: 50, FullMark: 15000},
}

// scoreTickets knows 20230100101 … 20230100199, all in position P1.
func scoreTickets(no string) (ScoreTicket, bool) {
	if len(no) == 11 && strings.HasPrefix(no, "202301001") {
		return ScoreTicket{AppID: "app" + no[9:], Position: "P1"}, true
	}
	return ScoreTicket{}, false
}

func csvOf(rows ...string) []byte { return []byte(strings.Join(rows, "\n")) }

func TestDecodeScoresGood(t *testing.T) {
	xlsx := book(t, []string{"序号", "专业科目（满分150）", "准考证号", "姓名", "公共科目", "加分"},
		[]string{"1", "120.5", "20230100101", "张三", "78", "2"},
		[]string{"2", "缺考", "20230100102", "李四", "缺考", ""},
		[]string{"3", "99", "20230100103", "王五", "违纪", ""},
	)
	utf := csvOf("\xef\xbb\xbf湖北省2023年度公开遴选笔试成绩", "准考证号,公共科目,专业科目,加分", "20230100101,78,120.5,2", "20230100102,缺考,缺考,", "20230100103,违纪,99,", ",,,")
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf[3:])
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data []byte
		file string
	}{"xlsx": {xlsx, "成绩.xlsx"}, "csv utf-8": {utf, "成绩.csv"}, "csv gb18030": {gbk, "成绩.CSV"}} {
		t.Run(name, func(t *testing.T) {
			f, err := DecodeScores(tc.data, tc.file, scoreSubjects, scoreTickets, ScoreLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Problems) > 0 {
				t.Fatalf("problems %+v", f.Problems)
			}
			if len(f.Rows) != 3 {
				t.Fatalf("rows %+v", f.Rows)
			}
			r := f.Rows[0]
			if r.TicketNo != "20230100101" || r.AppID != "app01" || r.Position != "P1" || r.Scores[0] != 7800 || r.Scores[1] != 12050 || r.Bonus != 200 || r.Mark() != domain.MarkNone {
				t.Errorf("row 1 %+v", r)
			}
			if f.Rows[1].Mark() != domain.MarkAbsent || f.Rows[2].Mark() != domain.MarkMisconduct {
				t.Errorf("marks %+v %+v", f.Rows[1], f.Rows[2])
			}
		})
	}
}

func TestDecodeScoresProblemsByRowAndColumn(t *testing.T) {
	hdr := "准考证号,公共科目,专业科目,加分"
	tests := []struct {
		name   string
		rows   []string
		row    int
		column string
		want   string
	}{
		{"unknown ticket", []string{"20230199999,70,80,"}, 2, "准考证号", "不是本考试的准考证号"},
		{"empty ticket", []string{",70,80,"}, 2, "准考证号", "为空"},
		{"duplicate row", []string{"20230100101,70,80,", "20230100101,71,81,"}, 3, "准考证号", "与第 3 行重复"},
		{"out of range", []string{"20230100101,100.5,80,"}, 2, "公共科目", "超出范围"},
		{"out of range, subject full mark", []string{"20230100101,100,150.01,"}, 2, "专业科目", "超出范围（0～150）"},
		{"not a number", []string{"20230100101,七十,80,"}, 2, "公共科目", "不是有效的分数"},
		{"negative", []string{"20230100101,-1,80,"}, 2, "公共科目", "不是有效的分数"},
		{"three decimals", []string{"20230100101,70.125,80,"}, 2, "公共科目", "不是有效的分数"},
		{"empty score", []string{"20230100101,,80,"}, 2, "公共科目", "成绩为空"},
		{"mixed mark and score", []string{"20230100101,缺考 85,80,"}, 2, "公共科目", "同时有标记和分数"},
		{"bonus not a number", []string{"20230100101,70,80,两分"}, 2, "加分", "不是数字"},
		{"bonus too large", []string{"20230100101,70,80,21"}, 2, "加分", "超过上限"},
		{"csv formula", []string{"20230100101,=60+10,80,"}, 2, "公共科目", "公式"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := csvOf(append([]string{hdr, "20230100150,60,60,"}, tt.rows...)...)
			// the good first data row shifts every row by one
			f, err := DecodeScores(data, "s.csv", scoreSubjects, scoreTickets, ScoreLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Rows) != 0 {
				t.Errorf("rows returned with problems: %d", len(f.Rows))
			}
			for _, p := range f.Problems {
				if p.Row == tt.row+1 && p.Column == tt.column && strings.Contains(p.Message, tt.want) {
					return
				}
			}
			t.Errorf("want row %d column %s %q, got %+v", tt.row+1, tt.column, tt.want, f.Problems)
		})
	}
}

func TestDecodeScoresHeaderProblems(t *testing.T) {
	tests := []struct {
		name, header, column, want string
	}{
		{"missing subject column", "准考证号,公共科目", "专业科目", "缺少科目「专业科目」"},
		{"unknown column", "准考证号,公共科目,专业科目,行测", "D 列", "无法识别的列「行测」"},
		{"repeated column", "准考证号,公共科目,专业科目,公共科目", "D 列", "重复"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeScores(csvOf(tt.header, "20230100101,70,80"), "s.csv", scoreSubjects, scoreTickets, ScoreLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Problems) == 0 || f.Problems[0].Row != 1 || f.Problems[0].Column != tt.column || !strings.Contains(f.Problems[0].Message, tt.want) {
				t.Errorf("problems %+v", f.Problems)
			}
		})
	}
}

func TestDecodeScoresFormulaCellInXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for i, v := range []any{"准考证号", "公共科目", "专业科目"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue("Sheet1", cell, v)
	}
	f.SetCellValue("Sheet1", "A2", "20230100101")
	f.SetCellValue("Sheet1", "B2", 70)
	f.SetCellFormula("Sheet1", "C2", "=B2+10")
	got := decodeScoreBook(t, f)
	if len(got.Problems) != 1 || got.Problems[0].Row != 2 || got.Problems[0].Column != "专业科目" || !strings.Contains(got.Problems[0].Message, "公式") {
		t.Errorf("problems %+v", got.Problems)
	}
}

func TestDecodeScoresFileErrors(t *testing.T) {
	small := ScoreLimits
	small.MaxUnzipped = 64 << 10
	tests := []struct {
		name string
		data []byte
		file string
		lim  Limits
		code domain.Code
		want string
	}{
		{"empty", nil, "s.xlsx", ScoreLimits, domain.EINVALID, "请选择"},
		{"a pdf", []byte("%PDF-1.4"), "s.pdf", ScoreLimits, domain.EINVALID, ".xlsx 工作簿或 .csv"},
		{"50 MB xlsx", append([]byte("PK\x03\x04"), make([]byte, 50<<20)...), "s.xlsx", ScoreLimits, domain.ETOOLARGE, "20 MB"},
		{"50 MB csv", bytes.Repeat([]byte("1,2,3\n"), 50<<20/6), "s.csv", ScoreLimits, domain.ETOOLARGE, "20 MB"},
		{"zip bomb by ratio", bomb(4 << 20), "s.xlsx", ScoreLimits, domain.EINVALID, "压缩"},
		{"zip bomb by size", bomb(200 << 10), "s.xlsx", small, domain.EINVALID, "解压后超过"},
		{"no header", csvOf("a,b", "1,2"), "s.csv", ScoreLimits, domain.EINVALID, "未找到表头"},
		{"header only", csvOf("准考证号,公共科目,专业科目"), "s.csv", ScoreLimits, domain.EINVALID, "没有成绩"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeScores(tt.data, tt.file, scoreSubjects, scoreTickets, tt.lim)
			if domain.ErrorCode(err) != tt.code || !strings.Contains(domain.ErrorFields(err)["file"], tt.want) {
				t.Errorf("err %v, want %s with %q", err, tt.code, tt.want)
			}
		})
	}
}

func TestDecodeScoresProblemsAreBounded(t *testing.T) {
	rows := []string{"准考证号,公共科目,专业科目"}
	for i := 0; i < 1000; i++ {
		rows = append(rows, fmt.Sprintf("9999%07d,x,y", i))
	}
	f, err := DecodeScores(csvOf(rows...), "s.csv", scoreSubjects, scoreTickets, ScoreLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != MaxScoreProblems || f.MoreProblems != 3000-MaxScoreProblems {
		t.Errorf("%d problems, %d more", len(f.Problems), f.MoreProblems)
	}
}

// scoreBook is an .xlsx of n score rows (the benchmark's file).
func scoreBook(tb testing.TB, n int) []byte {
	sh := Sheet{Name: "成绩", Columns: []Column{{Header: "准考证号"}, {Header: "公共科目"}, {Header: "专业科目"}, {Header: "加分"}}}
	for i := 0; i < n; i++ {
		sh.Rows = append(sh.Rows, []any{fmt.Sprintf("2023%07d", i), fmt.Sprintf("%d.5", i%100), fmt.Sprint(i % 150), ""})
	}
	data, err := Write(sh)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkDecodeScores100000 streams and checks a 100,000-row .xlsx.
func BenchmarkDecodeScores100000(b *testing.B) {
	data := scoreBook(b, 100000)
	any := func(string) (ScoreTicket, bool) { return ScoreTicket{AppID: "a", Position: "P"}, true }
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		f, err := DecodeScores(data, "s.xlsx", scoreSubjects, any, ScoreLimits)
		if err != nil || len(f.Rows) != 100000 {
			b.Fatal(err, len(f.Problems))
		}
	}
}

// A score is read as stored, not as displayed: a "0" number format shows
// 78.5 as 79, and a double that came through a calculation is the two
// decimals typed.
func TestDecodeScoresReadsStoredNumbers(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"准考证号", "公共科目", "专业科目"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"20230100101", 78.5, 78.450000000000003})
	f.SetSheetRow("Sheet1", "A3", &[]any{"20230100102", 60.125, 1})
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 1}) // "0"
	f.SetCellStyle("Sheet1", "B2", "B3", style)
	got := decodeScoreBook(t, f)
	if len(got.Problems) != 1 || got.Problems[0].Row != 3 || got.Problems[0].Column != "公共科目" {
		t.Fatalf("want one problem (60.125 has three decimals), got %+v", got.Problems)
	}
	for _, tc := range []struct {
		in   string
		want domain.Points
		ok   bool
	}{{"78.450000000000003", 7845, true}, {"7.85E1", 7850, true}, {"60.125", 0, false}, {"-1", 0, false}, {"NaN", 0, false}} {
		p, ok := storedPoints(tc.in)
		if ok != tc.ok || p != tc.want {
			t.Errorf("storedPoints(%q) = %d, %v", tc.in, p, ok)
		}
	}
	// The good row alone: 78.5 (shown as 79) and 78.45.
	f.RemoveRow("Sheet1", 3)
	got = decodeScoreBook(t, f) // fails the test on a decode error
	if len(got.Rows) != 1 || got.Rows[0].Scores[0] != 7850 || got.Rows[0].Scores[1] != 7845 {
		t.Fatalf("rows %+v problems %+v", got.Rows, got.Problems)
	}
}

// decodeScoreBook writes f, a score workbook built cell by cell, and
// decodes it as an upload against the test's subjects and tickets.
func decodeScoreBook(t *testing.T, f *excelize.File) *ScoreFile {
	t.Helper()
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeScores(buf.Bytes(), "s.xlsx", scoreSubjects, scoreTickets, ScoreLimits)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
