package domain

import (
	"strings"
	"testing"
	"time"
)

func TestCheckEligibility(t *testing.T) {
	exam := testExam() // ReferenceDate 2023-03-07
	// Born 1987-03-07: 36 on the reference date; 1987-03-08: still 35.
	acct36 := &Account{BirthDate: "1987-03-07"}
	acct35 := &Account{BirthDate: "1987-03-08"}
	form := completeForm() // 大学本科 学士 中共党员, 5 years grassroots
	tests := []struct {
		name   string
		pos    Position
		acct   *Account
		change func(*ApplicationForm)
		exam   *Exam
		hard   []string // substrings, one per expected hard failure, in order
		soft   []string
	}{
		{name: "no requirements", pos: Position{}, acct: acct35},
		{name: "age ok at 35", pos: Position{MaxAge: 35}, acct: acct35},
		{name: "age 36", pos: Position{MaxAge: 35}, acct: acct36, hard: []string{"年龄要求为35周岁以下（计算至2023-03-07），您届时为36周岁"}},
		{name: "age from id number", pos: Position{MaxAge: 35}, acct: &Account{LoginName: makeID("42010619870307157")}, hard: []string{"36周岁"}},
		{name: "age unknown", pos: Position{MaxAge: 35}, acct: &Account{}, soft: []string{"无法确定出生日期"}},
		{name: "age from registration end", pos: Position{MaxAge: 35}, acct: acct36,
			exam: func() *Exam {
				e := testExam()
				e.ReferenceDate = ""
				e.Registration.End = sh(2023, 3, 7, 0, 0)
				return e
			}()},
		{name: "no reference", pos: Position{MaxAge: 35}, acct: acct36, exam: &Exam{}, soft: []string{"未设置年龄计算日期"}},
		{name: "leap day birthday", pos: Position{MaxAge: 22}, acct: &Account{BirthDate: "2000-02-29"},
			exam: &Exam{ReferenceDate: "2023-02-28"}},
		{name: "leap day birthday passed", pos: Position{MaxAge: 22}, acct: &Account{BirthDate: "2000-02-29"},
			exam: &Exam{ReferenceDate: "2023-03-01"}, hard: []string{"23周岁"}},
		{name: "education ok", pos: Position{Education: "大学本科及以上"}, acct: acct35},
		{name: "education too low", pos: Position{Education: "研究生"}, acct: acct35, hard: []string{"学历要求为研究生，您填报的最高学历为大学本科"}},
		{name: "part-time education counts", pos: Position{Education: "研究生"}, acct: acct35,
			change: func(f *ApplicationForm) { f.PartTimeEducation = "研究生" }},
		{name: "full-time required", pos: Position{Education: "全日制研究生"}, acct: acct35,
			change: func(f *ApplicationForm) { f.PartTimeEducation = "研究生" }, hard: []string{"全日制学历为大学本科"}},
		{name: "education unknown text", pos: Position{Education: "985高校本科"}, acct: acct35, soft: []string{"学历要求：985高校本科"}},
		{name: "education not filled", pos: Position{Education: "大学本科"}, acct: acct35,
			change: func(f *ApplicationForm) { *f = ApplicationForm{} }, soft: []string{"请先填报学历"}},
		{name: "degree too low", pos: Position{Degree: "硕士"}, acct: acct35, hard: []string{"学位要求为硕士，您填报的最高学位为学士"}},
		{name: "degree none", pos: Position{Degree: "学士学位"}, acct: acct35,
			change: func(f *ApplicationForm) { f.FullTimeDegree = "无" }, hard: []string{"学位为无"}},
		{name: "degree part-time", pos: Position{Degree: "硕士及以上"}, acct: acct35,
			change: func(f *ApplicationForm) { f.PartTimeDegree = "硕士" }},
		{name: "degree unrestricted", pos: Position{Degree: "不限"}, acct: acct35},
		{name: "party member", pos: Position{Political: "中共党员"}, acct: acct35},
		{name: "probationary accepted", pos: Position{Political: "中共党员"}, acct: acct35,
			change: func(f *ApplicationForm) { f.Political = "中共预备党员" }},
		{name: "full member required", pos: Position{Political: "中共正式党员"}, acct: acct35,
			change: func(f *ApplicationForm) { f.Political = "中共预备党员" }, hard: []string{"您填报的是中共预备党员"}},
		{name: "masses refused", pos: Position{Political: "中共党员（含预备党员）"}, acct: acct35,
			change: func(f *ApplicationForm) { f.Political = "群众" }, hard: []string{"政治面貌要求为中共党员（含预备党员），您填报的是群众"}},
		{name: "alternatives", pos: Position{Political: "中共党员或民主党派"}, acct: acct35,
			change: func(f *ApplicationForm) { f.Political = "九三学社社员" }},
		{name: "political unknown text", pos: Position{Political: "中共党员且党龄5年"}, acct: acct35, soft: []string{"政治面貌要求"}},
		{name: "political not filled", pos: Position{Political: "中共党员"}, acct: acct35,
			change: func(f *ApplicationForm) { f.Political = "" }, soft: []string{"请先填报政治面貌"}},
		{name: "grassroots ok", pos: Position{GrassrootsYears: 5}, acct: acct35},
		{name: "grassroots short", pos: Position{GrassrootsYears: 6}, acct: acct35, hard: []string{"要求具有6年以上基层工作经历，您填报的是5年"}},
		{name: "grassroots unknown", pos: Position{GrassrootsYears: 2}, acct: acct35,
			change: func(f *ApplicationForm) { *f = ApplicationForm{} }, soft: []string{"请先填报工作情况"}},
		{name: "soft texts", pos: Position{Major: "经济学类", Rank: "四级主任科员及以下", Other: "需经常出差"}, acct: acct35,
			soft: []string{"专业要求：经济学类", "职级要求：四级主任科员及以下", "其他条件：需经常出差"}},
		{name: "soft unrestricted", pos: Position{Major: "不限", Other: "无"}, acct: acct35},
		{name: "several failures", pos: Position{MaxAge: 35, Education: "研究生", Political: "中共党员", GrassrootsYears: 8}, acct: acct36,
			change: func(f *ApplicationForm) { f.Political = "群众" },
			hard:   []string{"年龄", "学历", "政治面貌", "基层工作经历"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := form
			f.Family = nil
			if tt.change != nil {
				tt.change(&f)
			}
			ex := tt.exam
			if ex == nil {
				ex = exam
			}
			hard, soft := CheckEligibility(&tt.pos, tt.acct, &f, ex)
			match(t, "hard", hard, tt.hard)
			match(t, "soft", soft, tt.soft)
			if MeetsHardRequirements(&tt.pos, tt.acct, &f, ex) != (len(tt.hard) == 0) {
				t.Error("MeetsHardRequirements disagrees with CheckEligibility")
			}
		})
	}
}

func match(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %q, want %d entries like %q", what, got, len(want), want)
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s[%d] = %q, want it to contain %q", what, i, got[i], want[i])
		}
	}
}

func TestCheckEligibilityNilForm(t *testing.T) {
	hard, soft := CheckEligibility(&Position{Education: "大学本科", MaxAge: 35}, &Account{BirthDate: "1990-01-01"}, nil, testExam())
	if len(hard) != 0 || len(soft) != 1 {
		t.Errorf("hard %q soft %q", hard, soft)
	}
}

func TestReferenceDate(t *testing.T) {
	tests := []struct {
		exam Exam
		want string
	}{
		{Exam{ReferenceDate: "2023-03-31"}, "2023-03-31"},
		{Exam{Registration: Window{End: sh(2023, 3, 7, 17, 0)}}, "2023-03-07"},
		{Exam{Registration: Window{End: sh(2023, 3, 8, 0, 0)}}, "2023-03-07"},
		{Exam{Registration: Window{End: time.Date(2023, 3, 7, 16, 30, 0, 0, time.UTC)}}, "2023-03-08"}, // 00:30 in Shanghai
	}
	for _, tt := range tests {
		got, ok := referenceDate(&tt.exam)
		if !ok || got.Format("2006-01-02") != tt.want {
			t.Errorf("referenceDate(%+v) = %v", tt.exam, got)
		}
	}
}
