package domain

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	formBirth = sh(1990, 3, 7, 0, 0)
	formNow   = sh(2023, 3, 5, 10, 0)
)

func TestOptionLists(t *testing.T) {
	if len(Ethnicities) != 56 {
		t.Errorf("%d ethnicities, want 56", len(Ethnicities))
	}
	for name, list := range map[string][]string{"Ethnicities": Ethnicities, "PoliticalStatuses": PoliticalStatuses,
		"Educations": Educations, "Degrees": Degrees, "AppraisalOptions": AppraisalOptions, "HealthOptions": HealthOptions} {
		seen := map[string]bool{}
		for _, v := range list {
			if seen[v] {
				t.Errorf("%s: duplicate %s", name, v)
			}
			seen[v] = true
		}
	}
	if len(DemocraticParties) != 8 || DemocraticParties[0] != "民革党员" || DemocraticParties[7] != "台盟盟员" {
		t.Errorf("DemocraticParties = %v", DemocraticParties)
	}
	for i, e := range Educations {
		if EducationRank(e) != len(Educations)-1-i {
			t.Errorf("EducationRank(%s) = %d", e, EducationRank(e))
		}
	}
	for i, d := range Degrees {
		if DegreeRank(d) != len(Degrees)-1-i {
			t.Errorf("DegreeRank(%s) = %d", d, DegreeRank(d))
		}
	}
}

func TestRanks(t *testing.T) {
	edu := map[string]int{"大学本科及以上": 4, "本科": 4, "硕士研究生": 5, "大专以上学历": 3, "本科学历以上": 4, "研究生及以上学历": 5, "初中及以下": 0, "小学": -1, "": -1}
	for s, want := range edu {
		if got := EducationRank(s); got != want {
			t.Errorf("EducationRank(%q) = %d, want %d", s, got, want)
		}
	}
	deg := map[string]int{"学士学位": 1, "硕士及以上": 2, "博士学位": 3, "无": 0, "不限": -1}
	for s, want := range deg {
		if got := DegreeRank(s); got != want {
			t.Errorf("DegreeRank(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestParseFormDate(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		month bool
		ok    bool
	}{
		{"2012-07", "2012-07-01", true, true},
		{"2012-7", "2012-07-01", true, true},
		{"2012/07", "2012-07-01", true, true},
		{"2012.07.15", "2012-07-15", false, true},
		{"2012-07-15", "2012-07-15", false, true},
		{" 2012-7-5 ", "2012-07-05", false, true},
		{"2012-02-30", "", false, false},
		{"2012-13", "", false, false},
		{"201207", "", false, false},
		{"去年", "", false, false},
	}
	for _, tt := range tests {
		got, month, ok := ParseFormDate(tt.in)
		if ok != tt.ok || ok && (got.Format("2006-01-02") != tt.want || month != tt.month) {
			t.Errorf("ParseFormDate(%q) = %v %v %v", tt.in, got, month, ok)
		}
	}
}

func TestFormValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ApplicationForm)
		final  bool
		key    string // "" = valid
		msg    string
	}{
		{"complete", func(*ApplicationForm) {}, true, "", ""},
		{"empty draft", func(f *ApplicationForm) { *f = ApplicationForm{} }, false, "", ""},
		{"empty final", func(f *ApplicationForm) { *f = ApplicationForm{} }, true, "work_start_date", "请填写参加工作时间"},
		{"missing rewards", func(f *ApplicationForm) { f.Rewards = "" }, true, "rewards", "没有请填“无”"},
		{"missing rewards draft", func(f *ApplicationForm) { f.Rewards = "" }, false, "", ""},
		{"no family", func(f *ApplicationForm) { f.Family = nil }, true, "family", "至少填写一名"},
		{"unknown ethnicity", func(f *ApplicationForm) { f.Ethnicity = "汉" }, false, "ethnicity", "请从列表中选择民族"},
		{"unknown political", func(f *ApplicationForm) { f.Political = "党员" }, false, "political", "政治面貌"},
		{"bad health", func(f *ApplicationForm) { f.Health = "很好" }, false, "health", "健康状况"},
		{"bad education", func(f *ApplicationForm) { f.FullTimeEducation = "本科" }, false, "ft_education", "学历"},
		{"bad degree", func(f *ApplicationForm) { f.FullTimeDegree = "学士学位" }, false, "ft_degree", "学位"},
		{"bad date format", func(f *ApplicationForm) { f.WorkStartDate = "2012年7月" }, false, "work_start_date", "格式不正确"},
		{"impossible date", func(f *ApplicationForm) { f.RankDate = "2016-02-30" }, false, "rank_date", "格式不正确"},
		{"work before 16", func(f *ApplicationForm) { f.WorkStartDate = "2006-02" }, false, "work_start_date", "不能早于16周岁（2006-03-07）"},
		{"work at 16 same month", func(f *ApplicationForm) {
			f.WorkStartDate, f.CivilServantDate, f.PartyJoinDate = "2006-03", "2008-01", ""
			f.Political = "群众"
		}, false, "", ""},
		{"work in future", func(f *ApplicationForm) { f.WorkStartDate = "2023-04" }, false, "work_start_date", "不能晚于今天"},
		{"work this month", func(f *ApplicationForm) {
			f.WorkStartDate, f.CivilServantDate, f.RankDate, f.GrassrootsYears = "2023-03", "2023-03", "2023-03-05", 0
		}, false, "", ""},
		{"civil servant before work", func(f *ApplicationForm) { f.CivilServantDate = "2012-06" }, false, "civil_servant_date", "不能早于参加工作时间（2012-07）"},
		{"civil servant same month as work", func(f *ApplicationForm) { f.CivilServantDate = "2012-07-01" }, false, "", ""},
		{"rank before civil servant", func(f *ApplicationForm) { f.RankDate = "2013-01-14" }, false, "rank_date", "不能早于公务员登记时间"},
		{"party for non member", func(f *ApplicationForm) { f.Political = "群众" }, false, "party_join_date", "才填写入党时间"},
		{"party missing final", func(f *ApplicationForm) { f.PartyJoinDate = "" }, true, "party_join_date", "请填写入党时间"},
		{"probationary member", func(f *ApplicationForm) { f.Political = "中共预备党员"; f.PartyJoinDate = "2022-07" }, true, "", ""},
		{"party before 18", func(f *ApplicationForm) { f.PartyJoinDate = "2008-02" }, false, "party_join_date", "不能早于18周岁"},
		{"graduated before 15", func(f *ApplicationForm) { f.FullTimeGradDate = "2004-06" }, false, "ft_grad_date", "不能早于15周岁"},
		{"grassroots negative", func(f *ApplicationForm) { f.GrassrootsYears = -1 }, false, "grassroots_years", "0至50"},
		{"grassroots 51", func(f *ApplicationForm) { f.GrassrootsYears = 51 }, false, "grassroots_years", "0至50"},
		{"grassroots beyond service", func(f *ApplicationForm) { f.GrassrootsYears = 12 }, false, "grassroots_years", "参加工作以来"},
		{"grassroots partial year", func(f *ApplicationForm) { f.GrassrootsYears = 11 }, false, "", ""},
		{"landline", func(f *ApplicationForm) { f.Phone = "027-87710491" }, false, "", ""},
		{"landline no dash", func(f *ApplicationForm) { f.Phone = "02787710491" }, false, "", ""},
		{"bad phone", func(f *ApplicationForm) { f.Phone = "1380013800" }, false, "phone", "联系电话应为11位手机号码"},
		{"bad landline", func(f *ApplicationForm) { f.Phone = "27-87710491" }, false, "phone", "联系电话"},
		{"long resume", func(f *ApplicationForm) { f.Resume = strings.Repeat("字", 2001) }, false, "resume", "不能超过2000个字"},
		{"resume at limit", func(f *ApplicationForm) { f.Resume = strings.Repeat("字", 2000) }, false, "", ""},
		{"long employer", func(f *ApplicationForm) { f.Employer = strings.Repeat("字", 101) }, false, "employer", "不能超过100个字"},
		{"part-time incomplete", func(f *ApplicationForm) { f.PartTimeEducation = "研究生" }, true, "pt_school", "请填写在职教育毕业院校"},
		{"part-time incomplete draft", func(f *ApplicationForm) { f.PartTimeEducation = "研究生" }, false, "", ""},
		{"family row without name", func(f *ApplicationForm) {
			f.Family = append(f.Family, FamilyMember{Relation: "母亲"}, FamilyMember{Work: "退休"})
		}, true, "family.1.name", "请填写姓名"},
		{"family row without relation", func(f *ApplicationForm) {
			f.Family = append(f.Family, FamilyMember{Relation: "母亲", Name: "李四"}, FamilyMember{Name: "王五"})
		}, true, "family.2.relation", "请填写称谓"},
		{"family bad month", func(f *ApplicationForm) { f.Family[0].BirthMonth = "1962年" }, false, "family.0.birth_month", "格式不正确"},
		{"family future", func(f *ApplicationForm) { f.Family[0].BirthMonth = "2024-01" }, false, "family.0.birth_month", "不能晚于今天"},
		{"family bad name", func(f *ApplicationForm) { f.Family[0].Name = "张3" }, false, "family.0.name", "不能包含数字"},
		{"family bad political", func(f *ApplicationForm) { f.Family[0].Political = "党员" }, false, "family.0.political", "政治面貌"},
		{"too many family", func(f *ApplicationForm) {
			for len(f.Family) < 16 {
				f.Family = append(f.Family, FamilyMember{Relation: "亲属", Name: "张三"})
			}
		}, false, "family", "最多填写15人"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := completeForm()
			tt.change(&f)
			fe := f.Validate(formBirth, formNow, tt.final)
			if tt.key == "" {
				if len(fe) != 0 {
					t.Fatalf("unexpected errors %v", fe)
				}
				return
			}
			if !strings.Contains(fe[tt.key], tt.msg) {
				t.Errorf("errors %v; want %s containing %q", fe, tt.key, tt.msg)
			}
		})
	}
}

func TestFormValidateUnknownBirth(t *testing.T) {
	f := completeForm()
	f.WorkStartDate = "1990-01" // would be before 16 for the test candidate
	f.GrassrootsYears = 0
	if fe := f.Validate(time.Time{}, formNow, true); len(fe) != 0 {
		t.Errorf("birth-relative check ran without a birth date: %v", fe)
	}
}

// jsonNames lists ApplicationForm's JSON field names.
func jsonNames() []string {
	var names []string
	tp := reflect.TypeFor[ApplicationForm]()
	for i := 0; i < tp.NumField(); i++ {
		name, _, _ := strings.Cut(tp.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

func TestFormSectionsCoverEveryField(t *testing.T) {
	count := map[string]int{}
	for _, s := range FormSections {
		for _, f := range s.Fields {
			count[f]++
		}
	}
	for _, name := range jsonNames() {
		if count[name] != 1 {
			t.Errorf("field %s is in %d sections", name, count[name])
		}
		delete(count, name)
	}
	for name := range count {
		t.Errorf("section field %s is not a field of ApplicationForm", name)
	}
	// Every key Validate can report must belong to a section.
	f := ApplicationForm{Family: []FamilyMember{{Work: "x"}}}
	for k := range f.Validate(formBirth, formNow, true) {
		field, _, _ := strings.Cut(k, ".")
		if !slices.Contains(jsonNames(), field) {
			t.Errorf("error key %s is not a field", k)
		}
	}
}

func TestMergeSection(t *testing.T) {
	src := completeForm()
	src.PartTimeEducation = "研究生"
	for _, s := range FormSections {
		t.Run(s.ID, func(t *testing.T) {
			var dst ApplicationForm
			if !dst.MergeSection(s.ID, src) {
				t.Fatal("section not found")
			}
			dv, sv := reflect.ValueOf(dst), reflect.ValueOf(src)
			for i, name := range jsonNames() {
				in := slices.Contains(s.Fields, name)
				got := dv.Field(i).Interface()
				if in && !reflect.DeepEqual(got, sv.Field(i).Interface()) {
					t.Errorf("%s not copied", name)
				}
				if !in && !dv.Field(i).IsZero() {
					t.Errorf("%s copied but not in section", name)
				}
			}
		})
	}
	var dst ApplicationForm
	dst.MergeSection("family", src)
	dst.Family[0].Name = "改名"
	if src.Family[0].Name == "改名" {
		t.Error("family rows shared with the source")
	}
	if dst.MergeSection("nope", src) {
		t.Error("unknown section merged")
	}
}

func TestValidateSection(t *testing.T) {
	f := completeForm()
	f.Phone = "123"
	f.WorkStartDate = "bad"
	if fe := f.ValidateSection("contact", formBirth, formNow, false); len(fe) != 1 || fe["phone"] == "" {
		t.Errorf("contact: %v", fe)
	}
	if fe := f.ValidateSection("work", formBirth, formNow, false); len(fe) != 1 || fe["work_start_date"] == "" {
		t.Errorf("work: %v", fe)
	}
	if fe := f.ValidateSection("basic", formBirth, formNow, true); len(fe) != 0 {
		t.Errorf("basic: %v", fe)
	}
	f.Family = []FamilyMember{{Relation: "父亲"}}
	if fe := f.ValidateSection("family", formBirth, formNow, true); fe["family.0.name"] == "" {
		t.Errorf("family: %v", fe)
	}
	if fe := f.ValidateSection("x", formBirth, formNow, false); fe["section"] == "" {
		t.Errorf("unknown: %v", fe)
	}
}

func TestNormalize(t *testing.T) {
	f := ApplicationForm{
		Ethnicity: " 汉族 ", WorkStartDate: "2012/7", RankDate: "2016.1.5", CivilServantDate: "xx",
		Family: []FamilyMember{{}, {Relation: " 父亲 ", Name: "张大山", BirthMonth: "1962/5"}, {Work: "  "}},
	}
	f.Normalize()
	want := ApplicationForm{
		Ethnicity: "汉族", WorkStartDate: "2012-07", RankDate: "2016-01-05", CivilServantDate: "xx",
		Family: []FamilyMember{{Relation: "父亲", Name: "张大山", BirthMonth: "1962-05"}},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got %+v", f)
	}
	var empty ApplicationForm
	empty.Family = []FamilyMember{{}}
	empty.Normalize()
	if empty.Family != nil {
		t.Errorf("empty rows kept: %v", empty.Family)
	}
}

func TestComplete(t *testing.T) {
	f := completeForm()
	if !f.Complete() {
		t.Error("complete form reported incomplete")
	}
	f.PartyJoinDate = ""
	if f.Complete() {
		t.Error("party member without 入党时间 reported complete")
	}
	f.Political = "群众"
	if !f.Complete() {
		t.Error("non-member without 入党时间 reported incomplete")
	}
	f.Family = nil
	if f.Complete() {
		t.Error("no family reported complete")
	}
}

func TestCheckPlainText(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		multiline bool
		want      string // part of the message; "" for accepted
	}{
		{"plain Chinese", "湖北省武汉市江岸区沿江大道1号", false, ""},
		{"full-width space and punctuation", "2020年度优秀，2021年度称职　（其间借调）", false, ""},
		{"newline in a textarea", "2006.09—2010.07 武汉大学\r\n2010.07— 科员\t", true, ""},
		{"newline in a one-line field", "武汉\n大学", false, "控制字符"},
		{"NUL", "武汉\x00大学", true, "控制字符"},
		{"ESC", "\x1b[31m红色", true, "控制字符"},
		{"DEL", "abc\x7f", false, "控制字符"},
		{"C1 control", "abc\u0085", false, "控制字符"},
		{"right-to-left override", "武汉大学\u202e学大", false, "格式字符"},
		{"bidi isolate", "\u2066x\u2069", true, "格式字符"},
		{"zero-width space", "武汉\u200b大学", false, "格式字符"},
		{"byte order mark", "\ufeff武汉大学", false, "格式字符"},
		{"invalid UTF-8", "武汉\xff大学", false, "格式字符"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckPlainText("毕业院校", tt.in, tt.multiline)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("CheckPlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got != "" && !strings.HasPrefix(got, "毕业院校") {
				t.Errorf("message %q does not name the field", got)
			}
		})
	}
}

// Every free-text field of the table refuses hidden characters, draft or
// final, keyed by its own name; family cells too.
func TestValidateRefusesHiddenCharacters(t *testing.T) {
	for _, d := range FormFields {
		if d.Kind != KindText && d.Kind != KindTextarea {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			f := completeForm()
			f.SetValue(d.Name, "正常\u202e文字")
			if msg := f.Validate(formBirth, formNow, false)[d.Name]; !strings.Contains(msg, "格式字符") {
				t.Errorf("%s with U+202E: %q", d.Name, msg)
			}
			f.SetValue(d.Name, "正常\x00文字")
			if msg := f.Validate(formBirth, formNow, true)[d.Name]; !strings.Contains(msg, "控制字符") {
				t.Errorf("%s with NUL: %q", d.Name, msg)
			}
		})
	}
	f := completeForm()
	f.Family[0].Work = "退休\x1b"
	f.Family[0].Relation = "父\u200d亲"
	fe := f.Validate(formBirth, formNow, false)
	if !strings.Contains(fe["family.0.work"], "控制字符") || !strings.Contains(fe["family.0.relation"], "格式字符") {
		t.Errorf("family cells: %v", fe)
	}
}

// The table and the struct agree: every row names a field of
// ApplicationForm, every field has exactly one row, and Value/SetValue
// round-trip through it.
func TestFormFieldsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range FormFields {
		if seen[d.Name] {
			t.Errorf("%s twice", d.Name)
		}
		seen[d.Name] = true
		if !slices.Contains(jsonNames(), d.Name) {
			t.Errorf("row %s is not a field of ApplicationForm", d.Name)
		}
		if _, ok := Section(d.Section); !ok {
			t.Errorf("%s: unknown section %q", d.Name, d.Section)
		}
		if d.Label == "" {
			t.Errorf("%s has no label", d.Name)
		}
		if (d.Kind == KindText || d.Kind == KindTextarea) && d.Max == 0 {
			t.Errorf("%s: text without a length limit", d.Name)
		}
		if d.Kind == KindSelect && len(d.Options) == 0 {
			t.Errorf("%s: select without options", d.Name)
		}
	}
	for _, name := range jsonNames() {
		if !seen[name] {
			t.Errorf("field %s has no row in FormFields", name)
		}
	}
	var f ApplicationForm
	if msg := f.SetValue("grassroots_years", "7"); msg != "" || f.GrassrootsYears != 7 || f.Value("grassroots_years") != "7" {
		t.Errorf("number round trip: %q %d", msg, f.GrassrootsYears)
	}
	if msg := f.SetValue("grassroots_years", "七"); msg != "基层工作经历年限请填写整数年，没有填 0" || f.GrassrootsYears != 7 {
		t.Errorf("bad number: %q, kept %d", msg, f.GrassrootsYears)
	}
	if f.SetValue("employer", "科员"); f.Employer != "科员" || f.Value("employer") != "科员" {
		t.Errorf("text round trip: %q", f.Employer)
	}
}
