package domain

import (
	"strings"
	"testing"
	"time"
)

var openingNow = time.Date(2023, 5, 1, 9, 0, 0, 0, Shanghai)

func TestParseRatio(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"3", 30, true}, {"2.5", 25, true}, {"3:1", 30, true}, {" 3：1 ", 30, true}, {"20", 200, true}, {"0.5", 5, true},
		{"0", 0, false}, {"0.0", 0, false}, {"", 0, false}, {"三", 0, false}, {"abc", 0, false}, {"-3", 0, false},
		{"2.55", 0, false}, {"21", 0, false}, {"3.", 0, false}, {".5", 0, false}, {"1e3", 0, false},
	} {
		got, ok := parseRatio(tc.in)
		if got != tc.want && tc.ok || ok != tc.ok {
			t.Errorf("parseRatio(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOpeningInputValidate(t *testing.T) {
	end := openingNow.Add(48 * time.Hour).Format(DatetimeLocal)
	for _, tc := range []struct {
		name  string
		in    OpeningInput
		field string // "" = valid
	}{
		{"valid", OpeningInput{Ratio: "3", SwitchEnd: end}, ""},
		{"valid with cap", OpeningInput{Ratio: "2.5", SwitchCap: "5", SwitchEnd: end}, ""},
		{"ratio zero", OpeningInput{Ratio: "0", SwitchEnd: end}, "ratio"},
		{"ratio text", OpeningInput{Ratio: "三比一", SwitchEnd: end}, "ratio"},
		{"cap zero", OpeningInput{Ratio: "3", SwitchCap: "0", SwitchEnd: end}, "switch_cap"},
		{"cap text", OpeningInput{Ratio: "3", SwitchCap: "多", SwitchEnd: end}, "switch_cap"},
		{"no end", OpeningInput{Ratio: "3"}, "switch_end"},
		{"bad end", OpeningInput{Ratio: "3", SwitchEnd: "明天"}, "switch_end"},
		{"end passed", OpeningInput{Ratio: "3", SwitchEnd: openingNow.Add(-time.Hour).Format(DatetimeLocal)}, "switch_end"},
	} {
		_, err := tc.in.Validate("e1", openingNow)
		fields := ErrorFields(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && fields[tc.field] == "":
			t.Errorf("%s: want an error at %s, got %v", tc.name, tc.field, err)
		}
	}
}

func openingFacts(quota, paid int) OpeningFacts {
	return OpeningFacts{
		Exam:     &Exam{Payment: Window{Start: openingNow.AddDate(0, 0, -10), End: openingNow.AddDate(0, 0, -1)}},
		Settings: &OpeningSettings{RatioTenths: 30, SwitchEnd: openingNow.Add(48 * time.Hour)},
		Position: &Position{ExamID: "e1", Code: "P1", Quota: quota},
		Paid:     paid, ActorID: "admin", Now: openingNow,
	}
}

func TestDecideCancelAndReduce(t *testing.T) {
	type check func(OpeningFacts) (*PositionOpening, error)
	cancel := func(f OpeningFacts) (*PositionOpening, error) { return DecideCancel(f) }
	reduce := func(typed string) check {
		return func(f OpeningFacts) (*PositionOpening, error) { return DecideReduce(f, typed) }
	}
	for _, tc := range []struct {
		name   string
		facts  func() OpeningFacts
		do     check
		code   Code   // "" = allowed
		field  string // with EINVALID
		quota  int    // new quota when reduced
		substr string
	}{
		{"cancel below ratio", func() OpeningFacts { return openingFacts(2, 5) }, cancel, "", "", 0, ""},
		{"cancel without candidates", func() OpeningFacts { return openingFacts(1, 0) }, cancel, "", "", 0, ""},
		{"cancel at ratio", func() OpeningFacts { return openingFacts(2, 6) }, cancel, ECONFLICT, "", 0, "已达到开考比例"},
		{"cancel twice", func() OpeningFacts {
			f := openingFacts(2, 5)
			f.Prev = &PositionOpening{Kind: OpeningCancelled, At: openingNow}
			return f
		}, cancel, ECONFLICT, "", 0, "不能重复"},
		{"cancel without settings", func() OpeningFacts { f := openingFacts(2, 5); f.Settings = nil; return f }, cancel, ECONFLICT, "", 0, "请先设置"},
		{"cancel after seats", func() OpeningFacts { f := openingFacts(2, 5); f.Seated = true; return f }, cancel, ECONFLICT, "", 0, "考场已编排"},
		{"cancel while payment open", func() OpeningFacts {
			f := openingFacts(2, 5)
			f.Exam.Payment.End = openingNow.Add(time.Hour)
			return f
		}, cancel, ECONFLICT, "", 0, "缴费尚未结束"},
		{"cancel after the 改报截止", func() OpeningFacts {
			f := openingFacts(2, 5)
			f.Settings.SwitchEnd = openingNow.Add(-time.Hour)
			return f
		}, cancel, ECONFLICT, "", 0, "改报截止时间"},
		{"lower ratio opens it", func() OpeningFacts { f := openingFacts(2, 5); f.Settings.RatioTenths = 25; return f }, cancel, ECONFLICT, "", 0, "2.5:1"},
		{"reduce to supported", func() OpeningFacts { return openingFacts(5, 7) }, reduce("2"), "", "", 2, ""},
		{"reduce to 1", func() OpeningFacts { return openingFacts(5, 7) }, reduce("1"), "", "", 1, ""},
		{"reduce beyond support", func() OpeningFacts { return openingFacts(5, 7) }, reduce("3"), EINVALID, "quota", 0, "最多支持 2 名"},
		{"reduce to current", func() OpeningFacts { return openingFacts(5, 7) }, reduce("5"), EINVALID, "quota", 0, "须小于当前计划"},
		{"reduce above current", func() OpeningFacts { return openingFacts(5, 7) }, reduce("9"), EINVALID, "quota", 0, "须小于当前计划"},
		{"reduce to 0", func() OpeningFacts { return openingFacts(5, 7) }, reduce("0"), EINVALID, "quota", 0, "请取消"},
		{"reduce below 0", func() OpeningFacts { return openingFacts(5, 7) }, reduce("-2"), EINVALID, "quota", 0, "至少为 1"},
		{"reduce text", func() OpeningFacts { return openingFacts(5, 7) }, reduce("两"), EINVALID, "quota", 0, "整数"},
		{"reduce with too few", func() OpeningFacts { return openingFacts(5, 2) }, reduce("1"), EINVALID, "quota", 0, "不足 1 名"},
		{"reduce a cancelled one", func() OpeningFacts {
			f := openingFacts(5, 2)
			f.Prev = &PositionOpening{Kind: OpeningCancelled}
			return f
		}, reduce("1"), ECONFLICT, "", 0, ""},
	} {
		op, err := tc.do(tc.facts())
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.code == "" && tc.quota > 0 && (op.Kind != OpeningReduced || op.NewQuota != tc.quota):
			t.Errorf("%s: %+v", tc.name, op)
		case tc.code != "" && ErrorCode(err) != tc.code:
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		case tc.field != "" && ErrorFields(err)[tc.field] == "":
			t.Errorf("%s: no message at %s: %v", tc.name, tc.field, err)
		case tc.substr != "" && !strings.Contains(ErrorMessage(err), tc.substr):
			t.Errorf("%s: message %q lacks %q", tc.name, ErrorMessage(err), tc.substr)
		}
	}
}

func cancelledApp() *Application {
	app := &Application{ID: "a1", ExamID: "e1", CandidateID: "c1", State: StatePaid, PositionCode: "P1", LevelCode: "sz"}
	OpenCase(app, &PositionOpening{Code: "P1", At: openingNow, ActorID: "admin"}, openingNow.Add(48*time.Hour))
	return app
}

func TestDecideSwitch(t *testing.T) {
	exam := &Exam{ID: "e1", ReferenceDate: "2023-05-01"}
	cand := &Account{ID: "c1", Role: RoleCandidate}
	settings := &OpeningSettings{RatioTenths: 30, SwitchCap: 5, SwitchEnd: openingNow.Add(48 * time.Hour)}
	open := func(code string) *SwitchTarget {
		return &SwitchTarget{Position: &Position{ExamID: "e1", Code: code, Quota: 2, LevelCode: "sz"}}
	}
	for _, tc := range []struct {
		name   string
		app    func() *Application
		acct   *Account
		target *SwitchTarget
		now    time.Time
		code   Code
		substr string
	}{
		{"switch", cancelledApp, cand, open("P2"), openingNow, "", ""},
		{"another candidate's", cancelledApp, &Account{ID: "c2", Role: RoleCandidate}, open("P2"), openingNow, ENOTFOUND, ""},
		{"position not cancelled", func() *Application { a := cancelledApp(); a.Opening = nil; return a }, cand, open("P2"), openingNow, ECONFLICT, "未被取消"},
		{"after the window", cancelledApp, cand, open("P2"), openingNow.Add(49 * time.Hour), EFORBIDDEN, "截止"},
		{"no position", cancelledApp, cand, nil, openingNow, EINVALID, "请选择"},
		{"same position", cancelledApp, cand, open("P1"), openingNow, EINVALID, "原职位"},
		{"cancelled target", cancelledApp, cand, &SwitchTarget{Position: open("P3").Position, Opening: &PositionOpening{Kind: OpeningCancelled}}, openingNow, EINVALID, "已取消"},
		{"full target", cancelledApp, cand, &SwitchTarget{Position: open("P3").Position, Paid: 10}, openingNow, EINVALID, "已满"},
		{"reduced target takes it", cancelledApp, cand, &SwitchTarget{Position: open("P3").Position, Opening: &PositionOpening{Kind: OpeningReduced}, Paid: 9}, openingNow, "", ""},
		{"other exam", cancelledApp, cand, &SwitchTarget{Position: &Position{ExamID: "e2", Code: "P2"}}, openingNow, EINVALID, "不属于"},
		{"ineligible", cancelledApp, cand, &SwitchTarget{Position: &Position{ExamID: "e1", Code: "P4", Quota: 1, Political: "中共党员"}}, openingNow, "", ""},
		{"rejected before", func() *Application { a := cancelledApp(); a.RejectedPositions = []string{"P2"}; return a }, cand, open("P2"), openingNow, EINVALID, "审核未通过"},
		{"switched already", func() *Application {
			a := cancelledApp()
			ApplySwitch(a, &Position{Code: "P2"}, "c1", openingNow)
			return a
		}, cand, open("P3"), openingNow, ECONFLICT, "已于"},
	} {
		err := DecideSwitch(tc.app(), tc.acct, exam, settings, tc.target, tc.now)
		switch {
		case tc.name == "ineligible":
			// 政治面貌 not filled in is soft, not hard: the switch goes through
			// (the reviewer's check stands), as it does for 选择职位.
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.code != "" && ErrorCode(err) != tc.code:
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		case tc.substr != "" && !strings.Contains(ErrorMessage(err), tc.substr):
			t.Errorf("%s: %q lacks %q", tc.name, ErrorMessage(err), tc.substr)
		}
	}
	// A clearly ineligible candidate (age) is refused at the field.
	birth := &Account{ID: "c1", Role: RoleCandidate, LoginName: "420102197001012345"}
	app := cancelledApp()
	err := DecideSwitch(app, birth, exam, settings, &SwitchTarget{Position: &Position{ExamID: "e1", Code: "P5", Quota: 1, MaxAge: 35}}, openingNow)
	if ErrorFields(err)["position_code"] == "" || !strings.Contains(ErrorMessage(err), "不符合") {
		t.Errorf("ineligible by age: %v", err)
	}
}

func TestRefundRequestAndSettled(t *testing.T) {
	cand := &Account{ID: "c1", Role: RoleCandidate}
	admin := &Account{ID: "admin", Role: RoleAdmin}
	app := cancelledApp()
	if err := DecideRefundRequest(app, &Account{ID: "c9", Role: RoleCandidate}, openingNow); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another candidate: %v", err)
	}
	if err := DecideRefundRequest(app, admin, openingNow); ErrorCode(err) != ECONFLICT {
		t.Errorf("administrator inside the window: %v", err)
	}
	if err := DecideRefundRequest(app, admin, openingNow.Add(72*time.Hour)); err != nil {
		t.Errorf("administrator after the window: %v", err)
	}
	if err := DecideRefundRequest(app, cand, openingNow); err != nil {
		t.Fatal(err)
	}
	ApplyRefundRequest(app, cand, openingNow, "报考费 100.00 元待原路退回")
	if err := DecideRefundRequest(app, cand, openingNow); ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "请勿重复") {
		t.Errorf("refund twice: %v", err)
	}
	if got := DescribeEvent(app.History[len(app.History)-1]); !strings.Contains(got, "已申请退款") {
		t.Errorf("history: %q", got)
	}
	if got := DescribeEvent(app.History[0]); !strings.Contains(got, "P1") || !strings.Contains(got, "开考比例") {
		t.Errorf("history: %q", got)
	}

	s := &OpeningSettings{SwitchEnd: openingNow.Add(time.Hour)}
	for _, tc := range []struct {
		cancelled, pending int
		now                time.Time
		ok                 bool
	}{
		{0, 0, openingNow, true},
		{1, 0, openingNow, false},
		{1, 0, openingNow.Add(2 * time.Hour), true},
		{1, 2, openingNow.Add(2 * time.Hour), false},
	} {
		err := CheckOpeningSettled(s, tc.cancelled, tc.pending, tc.now)
		if (err == nil) != tc.ok {
			t.Errorf("CheckOpeningSettled(%d, %d, %v) = %v", tc.cancelled, tc.pending, tc.now, err)
		}
	}

	sit := CandidateSituation(cancelledApp(), &Exam{}, nil, openingNow)
	if !strings.Contains(sit.Headline, "已取消") || !strings.Contains(sit.Detail, "改报") {
		t.Errorf("situation: %+v", sit)
	}
}

func TestTicketAvailabilityOfCancelled(t *testing.T) {
	exam := &Exam{}
	app := cancelledApp()
	if err := TicketAvailability(exam, app, nil, openingNow); !strings.Contains(ErrorMessage(err), "请先改报") {
		t.Errorf("undecided: %v", err)
	}
	ApplyRefundRequest(app, &Account{ID: "c1", Role: RoleCandidate}, openingNow, "")
	if err := TicketAvailability(exam, app, nil, openingNow); !strings.Contains(ErrorMessage(err), "没有准考证") {
		t.Errorf("refunded: %v", err)
	}
	switched := cancelledApp()
	ApplySwitch(switched, &Position{Code: "P2"}, "c1", openingNow)
	if err := TicketAvailability(exam, switched, nil, openingNow); !strings.Contains(ErrorMessage(err), "考场尚未编排") {
		t.Errorf("switched: %v", err)
	}
}
