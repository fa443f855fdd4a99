package domain

import (
	"strings"
	"testing"
	"time"
)

func validExamForm() ExamForm {
	return ExamForm{
		Name: "湖北省2023年度市州级以上机关公开遴选公务员", Code: "2023HBLX",
		Levels: "sz 省直机关\nds 市州机关", Subjects: "公共基础知识", Fee: "100.5", Pledge: "本人承诺……",
		Published: true,
		Windows: map[WindowKind][2]string{
			WindowRegistration: {"2023-03-01T09:00", "2023-03-08T17:00"},
			WindowReview:       {"2023-03-01T09:00", "2023-03-10T17:00"},
			WindowPayment:      {"2023-03-12T09:00", "2023-03-15T17:00"},
		},
	}
}

func TestExamFormApply(t *testing.T) {
	now := time.Date(2023, 2, 1, 0, 0, 0, 0, Shanghai)
	tests := []struct {
		name  string
		edit  func(f *ExamForm)
		field string // "" = valid
	}{
		{"valid", func(f *ExamForm) {}, ""},
		{"no name", func(f *ExamForm) { f.Name = " " }, "name"},
		{"bad code", func(f *ExamForm) { f.Code = "中文" }, "code"},
		{"no levels", func(f *ExamForm) { f.Levels = "" }, "levels"},
		{"bad level line", func(f *ExamForm) { f.Levels = "省直机关" }, "levels"},
		{"duplicate level", func(f *ExamForm) { f.Levels = "sz 省直机关\nsz 市州机关" }, "levels"},
		{"fee text", func(f *ExamForm) { f.Fee = "一百" }, "fee"},
		{"fee 3 decimals", func(f *ExamForm) { f.Fee = "1.005" }, "fee"},
		{"fee negative", func(f *ExamForm) { f.Fee = "-1" }, "fee"},
		{"window ends before it starts", func(f *ExamForm) {
			f.Windows[WindowRegistration] = [2]string{"2023-03-08T17:00", "2023-03-01T09:00"}
		}, "registration_end"},
		{"window ends when it starts", func(f *ExamForm) {
			f.Windows[WindowPayment] = [2]string{"2023-03-12T09:00", "2023-03-12T09:00"}
		}, "payment_end"},
		{"review ends before registration", func(f *ExamForm) {
			f.Windows[WindowReview] = [2]string{"2023-03-01T09:00", "2023-03-08T16:59"}
		}, "review_end"},
		{"review starts before registration", func(f *ExamForm) {
			f.Windows[WindowReview] = [2]string{"2023-02-28T09:00", "2023-03-10T17:00"}
		}, "review_start"},
		{"payment before review starts", func(f *ExamForm) {
			f.Windows[WindowPayment] = [2]string{"2023-02-28T09:00", "2023-03-15T17:00"}
		}, "payment_start"},
		{"missing registration", func(f *ExamForm) { delete(f.Windows, WindowRegistration) }, "registration_start"},
		{"half a window", func(f *ExamForm) { f.Windows[WindowTicket] = [2]string{"2023-03-20T09:00", ""} }, "ticket_end"},
		{"garbage time", func(f *ExamForm) { f.Windows[WindowScore] = [2]string{"tomorrow", "2023-04-01T09:00"} }, "score_start"},
		{"bad reference date", func(f *ExamForm) { f.ReferenceDate = "2023/13/01" }, "reference_date"},
		{"publish without pledge", func(f *ExamForm) { f.Pledge = "" }, "pledge"},
		{"pledge too long", func(f *ExamForm) { f.Pledge = strings.Repeat("承", MaxPledgeLen+1) }, "pledge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validExamForm()
			tt.edit(&f)
			e := &Exam{ID: "e1"}
			err := f.Apply(e, now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if ErrorFields(err)[tt.field] == "" {
				t.Fatalf("want error on %s, got %v", tt.field, err)
			}
			if e.Name != "" {
				t.Errorf("exam changed on error")
			}
		})
	}
}

func TestExamFormApplyValues(t *testing.T) {
	now := time.Date(2023, 2, 1, 0, 0, 0, 0, Shanghai)
	e := &Exam{ID: "e1"}
	if err := validExamForm().Apply(e, now); err != nil {
		t.Fatal(err)
	}
	if e.FeeFen != 10050 || len(e.Levels) != 2 || e.Levels[1] != (Level{"ds", "市州机关"}) {
		t.Errorf("exam %+v", e)
	}
	if got := e.Registration.Start; !got.Equal(time.Date(2023, 3, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("start not read in Shanghai: %v", got)
	}
	if e.ReferenceDate != "2023-03-08" {
		t.Errorf("reference date %q", e.ReferenceDate)
	}
	if e.CurrentPledge().Version != 1 {
		t.Errorf("pledge %+v", e.Pledges)
	}
	// Same text: same version; changed text: a new version, the old kept.
	f := ExamFormOf(e)
	if err := f.Apply(e, now); err != nil || len(e.Pledges) != 1 {
		t.Fatalf("unchanged pledge: %v %+v", err, e.Pledges)
	}
	f.Pledge = "新的承诺书"
	if err := f.Apply(e, now); err != nil || e.CurrentPledge().Version != 2 || e.Pledges[0].Text != "本人承诺……" {
		t.Fatalf("new version: %v %+v", err, e.Pledges)
	}
	// The form of a stored exam gives the same exam back.
	before := *e
	if err := ExamFormOf(e).Apply(e, now); err != nil || e.FeeFen != before.FeeFen || !e.Payment.Start.Equal(before.Payment.Start) {
		t.Fatalf("form round trip: %v", err)
	}
}

func TestFee(t *testing.T) {
	for in, want := range map[string]int64{"100": 10000, "100.5": 10050, "0.05": 5, "100元": 10000, "0": 0} {
		if got, ok := ParseFee(in); !ok || got != want {
			t.Errorf("ParseFee(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "abc", "1.", ".5", "1e3", "1,000", "99999999"} {
		if _, ok := ParseFee(bad); ok {
			t.Errorf("ParseFee(%q) accepted", bad)
		}
	}
	if FormatFee(10050) != "100.50" || FormatFee(10000) != "100" {
		t.Error("FormatFee")
	}
}

func positionText() map[string]string {
	return map[string]string{
		"code": "14230001", "department": "湖北省财政厅", "employer": "湖北省财政厅办公室", "title": "综合文字岗",
		"level": "省直机关", "quota": "2", "education": "大学本科及以上", "degree": "学士及以上", "major": "中文",
		"max_age": "35周岁以下", "political": "中共党员", "grassroots_years": "2年以上", "phone": "027-87231405",
	}
}

func TestParsePosition(t *testing.T) {
	exam := &Exam{ID: "e1", Levels: []Level{{"sz", "省直机关"}, {"ds", "市州机关"}}}
	tests := []struct {
		name  string
		edit  func(m map[string]string)
		field string
	}{
		{"valid", func(m map[string]string) {}, ""},
		{"level by code", func(m map[string]string) { m["level"] = "ds" }, ""},
		{"不限 everywhere", func(m map[string]string) {
			m["education"], m["degree"], m["political"], m["max_age"], m["grassroots_years"] = "不限", "无", "不限", "不限", ""
		}, ""},
		{"missing code", func(m map[string]string) { delete(m, "code") }, "code"},
		{"bad code", func(m map[string]string) { m["code"] = "14 23" }, "code"},
		{"unknown level", func(m map[string]string) { m["level"] = "县级机关" }, "level"},
		{"quota 0", func(m map[string]string) { m["quota"] = "0" }, "quota"},
		{"quota text", func(m map[string]string) { m["quota"] = "两名" }, "quota"},
		{"quota missing", func(m map[string]string) { m["quota"] = "" }, "quota"},
		{"quota 1000", func(m map[string]string) { m["quota"] = "1000" }, "quota"},
		{"age 12", func(m map[string]string) { m["max_age"] = "12" }, "max_age"},
		{"age text", func(m map[string]string) { m["max_age"] = "年轻" }, "max_age"},
		{"years text", func(m map[string]string) { m["grassroots_years"] = "若干" }, "grassroots_years"},
		{"unknown education", func(m map[string]string) { m["education"] = "博士后" }, "education"},
		{"unknown degree", func(m map[string]string) { m["degree"] = "双学位" }, "degree"},
		{"unknown political", func(m map[string]string) { m["political"] = "积极分子" }, "political"},
		{"phone letters", func(m map[string]string) { m["phone"] = "call me" }, "phone"},
		{"title too long", func(m map[string]string) { m["title"] = strings.Repeat("岗", 101) }, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := positionText()
			tt.edit(m)
			p, fe := ParsePosition(m, exam)
			if tt.field == "" {
				if len(fe) > 0 {
					t.Fatalf("unexpected %v", fe)
				}
				if p.Code != "14230001" || p.ExamID != "e1" {
					t.Errorf("position %+v", p)
				}
				return
			}
			if fe[tt.field] == "" {
				t.Fatalf("want error on %s, got %v", tt.field, fe)
			}
		})
	}
	p, _ := ParsePosition(positionText(), exam)
	if p.Quota != 2 || p.MaxAge != 35 || p.GrassrootsYears != 2 || p.LevelCode != "sz" {
		t.Errorf("numbers %+v", p)
	}
	back, fe := ParsePosition(PositionText(&p, exam), exam)
	if len(fe) > 0 || !SamePosition(&p, &back) {
		t.Errorf("PositionText round trip: %+v %v", back, fe)
	}
}
