package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

var testExam = &domain.Exam{ID: "e1", Levels: []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "ds", Name: "市州机关"}}}

func header() []string {
	var h []string
	for _, f := range domain.PositionFields {
		h = append(h, f.Header)
	}
	return h
}

func row(code string, edit ...func(m map[string]string)) []string {
	m := map[string]string{
		"code": code, "department": "湖北省财政厅", "employer": "湖北省财政厅办公室", "title": "综合文字岗",
		"level": "省直机关", "description": "文稿起草", "quota": "1", "education": "大学本科及以上", "degree": "学士及以上",
		"major": "中国语言文学类", "max_age": "35", "political": "中共党员", "grassroots_years": "2", "rank": "不限",
		"other": "", "phone": "027-87231405",
	}
	for _, e := range edit {
		e(m)
	}
	var out []string
	for _, f := range domain.PositionFields {
		out = append(out, m[f.Key])
	}
	return out
}

// book writes rows (the first is whatever header the test wants) as an .xlsx.
func book(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	sh := Sheet{Name: "职位表"}
	for _, h := range rows[0] {
		sh.Columns = append(sh.Columns, Column{Header: h})
	}
	for _, r := range rows[1:] {
		cells := make([]any, len(r))
		for i, c := range r {
			cells[i] = c
		}
		sh.Rows = append(sh.Rows, cells)
	}
	data, err := Write(sh)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeGood(t *testing.T) {
	rows, problems, err := DecodePositions(book(t, header(), row("14230001"), row("14230002", func(m map[string]string) {
		m["level"], m["quota"], m["max_age"], m["political"] = "ds", "3", "不限", "不限"
	})), testExam, DefaultLimits)
	if err != nil || len(problems) > 0 {
		t.Fatalf("%v %v", err, problems)
	}
	if len(rows) != 2 || rows[1].Line != 3 {
		t.Fatalf("rows %+v", rows)
	}
	p := rows[1].Position
	if p.LevelCode != "ds" || p.Quota != 3 || p.MaxAge != 0 || p.Political != "" || p.ExamID != "e1" {
		t.Errorf("position %+v", p)
	}
}

func TestDecodeAnyOrderTitleRowAliases(t *testing.T) {
	h := header()
	r := row("0001")
	// reverse the columns, rename two to aliases, add a 序号 column and a title row
	var hh, rr []string
	for i := len(h) - 1; i >= 0; i-- {
		hh, rr = append(hh, h[i]), append(rr, r[i])
	}
	for i, x := range hh {
		switch x {
		case "遴选计划":
			hh[i] = "遴选人数（人）"
		case "咨询电话":
			hh[i] = " 联系\n电话 "
		}
	}
	hh, rr = append([]string{"序号"}, hh...), append([]string{"1"}, rr...)
	title := []string{"湖北省2023年度公开遴选职位表"}
	sh := Sheet{Name: "S", Columns: []Column{{Header: title[0]}}}
	sh.Rows = append(sh.Rows, toAny(hh), toAny(rr))
	data, err := Write(sh)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems, err := DecodePositions(data, testExam, DefaultLimits)
	if err != nil || len(problems) > 0 || len(rows) != 1 {
		t.Fatalf("%v %v %v", err, problems, rows)
	}
	if p := rows[0].Position; p.Code != "0001" || p.Phone != "027-87231405" || p.Quota != 1 || rows[0].Line != 3 {
		t.Errorf("%+v", rows[0])
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func TestDecodeRowProblems(t *testing.T) {
	data := book(t, header(),
		row("1"),
		row("2", func(m map[string]string) { m["quota"] = "0" }),
		row("3", func(m map[string]string) { m["quota"] = "若干" }),
		row("1"),   // duplicate of row 2
		[]string{}, // blank row: skipped
		row("5", func(m map[string]string) { m["level"] = "县级机关"; m["education"] = "博士后" }),
	)
	_, problems, err := DecodePositions(data, testExam, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"3 遴选计划 遴选计划必须在 1 到 999 之间。",
		"4 遴选计划 遴选计划必须是整数，例如 1。",
		"5 职位代码 职位代码 1 与第 2 行重复。",
		"7 层级",
		"7 学历",
	}
	var got []string
	for _, p := range problems {
		got = append(got, fmt.Sprintf("%d %s %s", p.Row, p.Column, p.Message))
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d: got %q want prefix %q", i, got[i], want[i])
		}
	}
}

func TestDecodeFileErrors(t *testing.T) {
	h := header()
	missing := append([]string{}, h[:len(h)-2]...)
	unknown := append(append([]string{}, h...), "籍贯")
	dup := append(append([]string{}, h...), "职位代码")
	small := DefaultLimits
	small.MaxUnzipped = 64 << 10
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want string // in the message
		code domain.Code
	}{
		{"empty", nil, DefaultLimits, "请选择", domain.EINVALID},
		{"text named xlsx", []byte("职位代码,遴选机关\n1,2"), DefaultLimits, "不是有效的 .xlsx", domain.EINVALID},
		{"old xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...), DefaultLimits, "另存为", domain.EINVALID},
		{"zip not workbook", zipOf(map[string][]byte{"a.txt": []byte("x")}), DefaultLimits, "不是 Excel", domain.EINVALID},
		{"truncated", book(t, h, row("1"))[:300], DefaultLimits, "损坏", domain.EINVALID},
		{"missing headers", book(t, missing, row("1")[:len(h)-2]), DefaultLimits, "缺少列：其他条件、咨询电话", domain.EINVALID},
		{"unknown header", book(t, unknown, row("1")), DefaultLimits, "无法识别的列：籍贯", domain.EINVALID},
		{"duplicate header", book(t, dup, row("1")), DefaultLimits, "重复的列：职位代码", domain.EINVALID},
		{"no header", book(t, []string{"a", "b"}, []string{"1", "2"}), DefaultLimits, "未找到表头", domain.EINVALID},
		{"header only", book(t, h), DefaultLimits, "没有职位", domain.EINVALID},
		{"too large", append([]byte("PK\x03\x04"), make([]byte, 20<<20)...), DefaultLimits, "20 MB", domain.ETOOLARGE},
		{"zip bomb by ratio", bomb(4 << 20), DefaultLimits, "压缩", domain.EINVALID},
		{"zip bomb by size", bomb(200 << 10), small, "解压后超过", domain.EINVALID},
		{"corrupt xml", zipOf(map[string][]byte{"[Content_Types].xml": []byte("<"), "xl/workbook.xml": []byte("<<<")}), DefaultLimits, "", domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodePositions(tt.data, testExam, tt.lim)
			if domain.ErrorCode(err) != tt.code {
				t.Fatalf("code %v: %v", domain.ErrorCode(err), err)
			}
			if msg := domain.ErrorFields(err)["file"]; !strings.Contains(msg, tt.want) {
				t.Errorf("message %q lacks %q", msg, tt.want)
			}
		})
	}
}

func zipOf(files map[string][]byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range files {
		f, _ := w.Create(name)
		f.Write(data)
	}
	w.Close()
	return buf.Bytes()
}

// bomb is a workbook-shaped zip whose sheet inflates to n bytes of zeros.
func bomb(n int) []byte {
	return zipOf(map[string][]byte{
		"[Content_Types].xml":      []byte("<Types/>"),
		"xl/workbook.xml":          []byte("<workbook/>"),
		"xl/worksheets/sheet1.xml": make([]byte, n),
	})
}

func TestExportImportsUnchanged(t *testing.T) {
	now := time.Date(2023, 3, 1, 0, 0, 0, 0, domain.Shanghai)
	var list []domain.Position
	for i := range 50 {
		text := map[string]string{}
		r := row(fmt.Sprintf("%08d", i+1), func(m map[string]string) {
			if i%2 == 1 {
				m["level"], m["education"], m["degree"], m["political"], m["max_age"], m["grassroots_years"] = "ds", "研究生", "硕士", "", "", "5"
				m["description"], m["other"] = "第一行\n第二行", "需经常出差"
			}
		})
		for j, f := range domain.PositionFields {
			text[f.Key] = r[j]
		}
		p, fe := domain.ParsePosition(text, testExam)
		if len(fe) > 0 {
			t.Fatal(fe)
		}
		p.UpdatedAt = now
		list = append(list, p)
	}
	data, err := EncodePositions(list, testExam)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems, err := DecodePositions(data, testExam, DefaultLimits)
	if err != nil || len(problems) > 0 || len(rows) != len(list) {
		t.Fatalf("%v %v %d", err, problems, len(rows))
	}
	for i, r := range rows {
		if !domain.SamePosition(&r.Position, &list[i]) {
			t.Fatalf("row %d changed:\n%+v\n%+v", i, r.Position, list[i])
		}
	}
	tpl, err := Template(testExam)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := DecodePositions(tpl, testExam, DefaultLimits); !strings.Contains(domain.ErrorMessage(err), "没有职位") {
		t.Errorf("template should have the headers and no rows: %v", err)
	}
}

func BenchmarkDecode10000(b *testing.B) {
	rows := [][]string{header()}
	for i := range 10000 {
		rows = append(rows, row(fmt.Sprintf("%08d", i+1)))
	}
	data := book(b, rows...)
	b.ReportMetric(float64(len(data)), "file-bytes")
	b.ResetTimer()
	for b.Loop() {
		out, problems, err := DecodePositions(data, testExam, DefaultLimits)
		if err != nil || len(problems) > 0 || len(out) != 10000 {
			b.Fatal(err, problems)
		}
	}
}
