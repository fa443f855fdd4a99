package domain

import (
	"strings"
	"testing"
	"time"
)

// completeForm is a filled, valid 填报信息 for a candidate born 1990-03-07.
func completeForm() ApplicationForm {
	return ApplicationForm{
		Ethnicity: "汉族", NativePlace: "湖北武汉", BirthPlace: "湖北武汉", Political: "中共党员",
		PartyJoinDate: "2012-06", WorkStartDate: "2012-07", CivilServantDate: "2013-01-15",
		Employer: "武汉市江岸区发展和改革局科员", Rank: "一级科员", RankDate: "2016-01",
		GrassrootsYears: 5, Health: "健康",
		FullTimeEducation: "大学本科", FullTimeDegree: "学士", FullTimeSchool: "武汉大学",
		FullTimeMajor: "经济学", FullTimeGradDate: "2012-06-30",
		Appraisals: "2020年称职，2021年优秀，2022年称职", Phone: "13800138000", Address: "湖北省武汉市江岸区",
		Resume: "2008.09-2012.06 武汉大学经济学专业学习", Rewards: "无",
		Family: []FamilyMember{{Relation: "父亲", Name: "张大山", BirthMonth: "1962-05", Political: "群众", Work: "退休"}},
	}
}

func TestSteps(t *testing.T) {
	exam := testExam()
	withForm := func(s State) *Application {
		a := appIn(s)
		a.Form = completeForm()
		return a
	}
	returned := withForm(StateReturned)
	returned.ReviewReason = "推荐表缺少背面"
	// Statuses in order 照片 承诺书 填报信息 选择职位 报名信息确认 材料上传 材料确认 审核 缴费 准考证 成绩查询:
	// D done, C current, O open, L locked, X closed.
	tests := []struct {
		name  string
		app   *Application
		photo bool
		now   time.Time
		want  string
	}{
		{"no application, no photo", nil, false, tReg, "CLLLLLLLLLL"},
		{"no application", nil, true, tReg, "DLLLLLLLLLL"},
		{"started", appIn(StateStarted), true, tReg, "DCLLLLLLLLL"},
		{"started without photo", appIn(StateStarted), false, tReg, "CLLLLLLLLLL"},
		{"started after registration", appIn(StateStarted), true, tReview, "DXLLLLLLLLL"},
		{"pledged, form empty", &Application{State: StateInfoSaved}, true, tReg, "DDCOLLLLLLL"},
		{"form filled, no position", &Application{State: StateInfoSaved, Form: completeForm()}, true, tReg, "DDDCLLLLLLL"},
		{"position, form empty", appIn(StatePositionSelected), true, tReg, "DDCDLLLLLLL"},
		{"ready to confirm", withForm(StatePositionSelected), true, tReg, "DDDDCLLLLLL"},
		{"ready but photo gone", withForm(StatePositionSelected), false, tReg, "CDDDLLLLLLL"},
		{"ready but closed", withForm(StatePositionSelected), true, tReview, "DDDDXLLLLLL"},
		{"confirmed", withForm(StateConfirmed), true, tReg, "DDDDDCLLLLL"},
		{"confirmed, closed", withForm(StateConfirmed), true, tReview, "DDDDDXLLLLL"},
		{"uploaded", withForm(StateMaterialsUploaded), true, tReg, "DDDDDDCLLLL"},
		{"submitted", withForm(StateSubmitted), true, tReg, "DDDDDDDCLLL"},
		{"returned", returned, true, tReg, "DDDDCLLLLLL"},
		{"returned after registration", returned, true, tReview, "DDDDXLLLLLL"},
		{"rejected", withForm(StateRejected), true, tReg, "DDDCLLLLLLL"},
		{"approved before payment", withForm(StateApproved), true, tReview, "DDDDDDDDXLL"},
		{"approved in payment", withForm(StateApproved), true, tPay, "DDDDDDDDCLL"},
		{"paid", withForm(StatePaid), true, tPay, "DDDDDDDDDLL"},
		{"ticket, window shut", withForm(StateTicketIssued), true, tPay, "DDDDDDDDDXX"},
		{"ticket printable", withForm(StateTicketIssued), true, tTicket, "DDDDDDDDDCX"},
		{"scored", withForm(StateScored), true, tTicket, "DDDDDDDDDCX"},
	}
	letter := map[StepStatus]byte{StepDone: 'D', StepCurrent: 'C', StepOpen: 'O', StepLocked: 'L', StepClosed: 'X'}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := Steps(tt.app, exam, tt.photo, tt.now)
			var got []byte
			for _, s := range steps {
				got = append(got, letter[s.Status])
				if (s.Status == StepLocked || s.Status == StepClosed) && s.Reason == "" {
					t.Errorf("%s %s without reason", s.Title, s.Status)
				}
				if s.Status == StepOpen && !s.Actionable {
					t.Errorf("%s open but not actionable", s.Title)
				}
			}
			if string(got) != tt.want {
				for _, s := range steps {
					t.Logf("%s %s %v %s %s", s.Title, s.Status, s.Actionable, s.Reason, s.Note)
				}
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if strings.Count(string(got), "C") > 1 {
				t.Errorf("more than one current step")
			}
		})
	}
}

func TestStepsReasons(t *testing.T) {
	exam := testExam()
	a := appIn(StatePositionSelected)
	a.Form = completeForm()
	steps := Steps(a, exam, true, tReview)
	if r := steps[4].Reason; !strings.Contains(r, "2023-03-01 09:00 至 2023-03-07 17:00") {
		t.Errorf("closed reason %q lacks dates", r)
	}
	if n := steps[3].Note; n != "已选职位：P1" {
		t.Errorf("position note %q", n)
	}
	a.State = StateConfirmed
	steps = Steps(a, exam, true, tReg)
	if r := steps[2].Reason; r != "报名信息已确认，不能再修改。" || steps[2].Actionable {
		t.Errorf("info after confirm: %+v", steps[2])
	}
	a.State, a.ReviewReason = StateRejected, "年龄不符"
	steps = Steps(a, exam, true, tReg)
	if steps[7].Note != "年龄不符" || !strings.Contains(steps[3].Note, "P1") {
		t.Errorf("rejected notes: %+v %+v", steps[7], steps[3])
	}
	if r := steps[4].Reason; r != "请先选择报考职位。" {
		t.Errorf("confirm after reject reason %q", r)
	}
	a.State = StateApproved
	steps = Steps(a, exam, true, tReview)
	if r := steps[8].Reason; !strings.Contains(r, "缴费时间为 2023-03-12 09:00") {
		t.Errorf("payment reason %q", r)
	}
	if r := steps[2].Reason; !strings.Contains(r, "资格审查已通过") {
		t.Errorf("info after approval reason %q", r)
	}
}

// TestStepsConfirmMaterialsReason: the 材料确认 step says what is really
// missing; after 退回修改 the 推荐表 on file stays, so it must not ask for
// an upload.
func TestStepsConfirmMaterialsReason(t *testing.T) {
	exam := testExam()
	app := func(s State, pdf string) *Application {
		a := appIn(s)
		a.Form, a.RecommendationID = completeForm(), pdf
		return a
	}
	tests := []struct {
		name string
		app  *Application
		want string // the step's Reason
	}{
		{"before confirmation", app(StatePositionSelected, ""), "请先完成报名信息确认，再上传报名推荐表。"},
		{"confirmed, no PDF", app(StateConfirmed, ""), "请先上传报名推荐表。"},
		{"uploaded", app(StateMaterialsUploaded, "pdf1"), ""},
		{"returned, PDF kept", app(StateReturned, "pdf1"), "请先完成报名信息确认。已上传的报名推荐表将保留。"},
		{"returned, PDF dropped with a new position", app(StateReturned, ""), "请先完成报名信息确认，再上传报名推荐表。"},
		{"rejected", app(StateRejected, "pdf1"), "请先改报职位并完成报名信息确认，再上传新的报名推荐表。"},
		{"submitted", app(StateSubmitted, "pdf1"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range Steps(tt.app, exam, true, tReg) {
				if s.Key == StepConfirmMaterials && s.Reason != tt.want {
					t.Errorf("材料确认 reason %q, want %q", s.Reason, tt.want)
				}
			}
		})
	}
}
