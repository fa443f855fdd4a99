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
	exam := &Exam{ID: "e1"}
	app := cancelledApp()
	if _, err := DecideRefundRequest(app, exam, &Account{ID: "c9", Role: RoleCandidate}, openingNow); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another candidate: %v", err)
	}
	if _, err := DecideRefundRequest(app, exam, admin, openingNow); ErrorCode(err) != ECONFLICT {
		t.Errorf("administrator inside the window: %v", err)
	}
	if next, err := DecideRefundRequest(app, exam, admin, openingNow.Add(72*time.Hour)); err != nil || next != StateRefundPending {
		t.Errorf("administrator after the window: %s %v", next, err)
	}
	next, err := DecideRefundRequest(app, exam, cand, openingNow)
	if err != nil {
		t.Fatal(err)
	}
	ApplyRefundRequest(app, next, cand, openingNow, 10000, "T1")
	if _, err := DecideRefundRequest(app, exam, cand, openingNow); ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "请勿重复") {
		t.Errorf("refund twice: %v", err)
	}
	if got := DescribeEvent(app.History[len(app.History)-1]); !strings.Contains(got, "申请了退费") || !strings.Contains(got, "100.00 元") {
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
	ApplyRefundRequest(app, StateRefundPending, &Account{ID: "c1", Role: RoleCandidate}, openingNow, 10000, "T1")
	if err := TicketAvailability(exam, app, nil, openingNow); !strings.Contains(ErrorMessage(err), "没有准考证") {
		t.Errorf("refunded: %v", err)
	}
	switched := cancelledApp()
	ApplySwitch(switched, &Position{Code: "P2"}, "c1", openingNow)
	if err := TicketAvailability(exam, switched, nil, openingNow); !strings.Contains(ErrorMessage(err), "考场尚未编排") {
		t.Errorf("switched: %v", err)
	}
}

// TestRefundJourney walks refund cases through the state machine: who
// asks, where each lands, what a candidate may still do, what they count
// for, and what the candidate reads.
func TestRefundJourney(t *testing.T) {
	exam := &Exam{ID: "e1"}
	cand := &Account{ID: "c1", Role: RoleCandidate}
	admin := &Account{ID: "admin", Role: RoleAdmin}
	after := openingNow.Add(72 * time.Hour)
	refundAt := openingNow.Add(96 * time.Hour)
	for _, tc := range []struct {
		name      string
		actor     *Account
		now       time.Time
		fen       int64
		trade     string
		made      bool // the refund was made at Alipay afterwards
		want      State
		history   string // in the last entry's words
		situation string // in the home page's headline
		summary   []string
	}{
		{"candidate asks", cand, openingNow, 10000, "T1", false, StateRefundPending, "您申请了退费：报考费 100.00 元待原路退回付款的支付宝账户",
			"已申请退费，待退款", []string{"100.00 元", "将原路退回您付款的支付宝账户", "T1", "申请退费"}},
		{"candidate asks, refund made", cand, openingNow, 10000, "T1", true, StateRefunded, "退费完成：报考费 100.00 元已原路退回付款的支付宝账户（交易号 T1）",
			"报考费已退还", []string{"100.00 元", "已于 " + FormatTime(refundAt), "原路退回您付款的支付宝账户"}},
		{"overdue, the administrator queues it", admin, after, 5000, "T2", false, StateRefundPending, "改报截止前未改报，已转入退费：报考费 50.00 元",
			"待退款", []string{"转入退费", "50.00 元"}},
		{"nothing paid online", cand, openingNow, 0, "", true, StateRefunded, "无网上缴费记录，无需退款",
			"已退还", []string{"无需退款"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := cancelledApp()
			next, err := DecideRefundRequest(app, exam, tc.actor, tc.now)
			if err != nil || next != StateRefundPending {
				t.Fatalf("request: %s %v", next, err)
			}
			ApplyRefundRequest(app, next, tc.actor, tc.now, tc.fen, tc.trade)
			if h := app.History[len(app.History)-1]; h.From != StatePaid || h.To != StateRefundPending || h.Role != tc.actor.Role {
				t.Fatalf("history entry %+v", h)
			}
			if tc.made {
				next, err := DecideRefundMade(app, exam, RoleAdmin, refundAt)
				if err != nil {
					t.Fatal(err)
				}
				ApplyRefundMade(app, next, "admin", RoleAdmin, refundAt)
			}
			if app.State != tc.want || !app.State.Final() || !app.State.Refund() {
				t.Fatalf("state %s, want %s (final, refund)", app.State, tc.want)
			}
			if got := DescribeEvent(app.History[len(app.History)-1]); !strings.Contains(got, tc.history) {
				t.Errorf("history %q lacks %q", got, tc.history)
			}
			sit := CandidateSituation(app, exam, Steps(app, exam, true, tc.now), tc.now)
			if !strings.Contains(sit.Headline, tc.situation) || sit.Next != nil {
				t.Errorf("situation %+v", sit)
			}
			sum := RefundSummary(app)
			for _, w := range tc.summary {
				if !strings.Contains(sum, w) {
					t.Errorf("summary %q lacks %q", sum, w)
				}
			}
			if sit.Detail != sum {
				t.Errorf("home says %q, status says %q", sit.Detail, sum)
			}
			// No 改报, no second refund, no payment, no seat once refund is chosen.
			if err := DecideSwitch(app, cand, exam, nil, &SwitchTarget{Position: &Position{ExamID: "e1", Code: "P2", Quota: 1}}, openingNow); ErrorCode(err) != ECONFLICT {
				t.Errorf("改报 after refund: %v", err)
			}
			if _, err := DecideRefundRequest(app, exam, cand, openingNow); ErrorCode(err) != ECONFLICT {
				t.Errorf("second refund: %v", err)
			}
			if _, err := CheckTransition(app, exam, ActionIssueTicket, RoleSystem, tc.now); ErrorCode(err) != ECONFLICT {
				t.Errorf("seat after refund: %v", err)
			}
			if c := CountsOf(app.State); c.Paid != 0 || c.Approved != 1 {
				t.Errorf("counts %+v", c)
			}
			if ReviewBucket(app) != StateApproved {
				t.Errorf("review bucket %s", ReviewBucket(app))
			}
			if err := TicketAvailability(exam, app, nil, tc.now); !strings.Contains(ErrorMessage(err), "已申请退费") {
				t.Errorf("ticket: %v", err)
			}
			for _, st := range Steps(app, exam, true, tc.now) {
				if st.Key == StepTicket && !strings.Contains(st.Reason, "已申请退费") {
					t.Errorf("准考证 step: %+v", st)
				}
				if st.Status == StepCurrent {
					t.Errorf("a current step after refund: %+v", st)
				}
			}
		})
	}
}

// TestAdoptRefundCase: an application stored before the refund states
// (paid, Opening.Decision refund, a "申请退款" stamp) is brought into them.
func TestAdoptRefundCase(t *testing.T) {
	exam := &Exam{ID: "e1"}
	old := func(by string) *Application {
		app := cancelledApp()
		app.Opening.Decision, app.Opening.DecidedAt, app.Opening.DecidedBy = CaseRefund, openingNow, by
		app.History = append(app.History, HistoryEntry{At: openingNow, ActorID: by, From: StatePaid, To: StatePaid, Note: noteRefundQueued + "报考费 100.00 元待原路退回"})
		return app
	}
	refundedAt := openingNow.Add(time.Hour)
	for _, tc := range []struct {
		name       string
		app        *Application
		refundedAt time.Time
		adopted    bool
		want       State
		entries    int // history entries after
	}{
		{"queued", old("c1"), time.Time{}, true, StateRefundPending, 2},
		{"refunded at Alipay", old("c1"), refundedAt, true, StateRefunded, 3},
		{"settled by the administrator", old("admin"), time.Time{}, true, StateRefundPending, 2},
		{"undecided stays", cancelledApp(), time.Time{}, false, StatePaid, 1},
		{"switched stays", func() *Application {
			a := cancelledApp()
			ApplySwitch(a, &Position{Code: "P2"}, "c1", openingNow)
			return a
		}(), time.Time{}, false, StatePaid, 2},
		{"already adopted", func() *Application { a := old("c1"); AdoptRefundCase(a, exam, 10000, "T1", time.Time{}); return a }(), time.Time{}, false, StateRefundPending, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := AdoptRefundCase(tc.app, exam, 10000, "T1", tc.refundedAt)
			if err != nil || ok != tc.adopted || tc.app.State != tc.want || len(tc.app.History) != tc.entries {
				t.Fatalf("adopted %v %v, state %s, %d entries", ok, err, tc.app.State, len(tc.app.History))
			}
			if !tc.adopted {
				return
			}
			if h := tc.app.History[1]; h.From != StatePaid || h.To != StateRefundPending || !h.At.Equal(openingNow) {
				t.Errorf("the 申请退款 entry became %+v", h)
			}
			if c := tc.app.Opening; c.RefundFen != 10000 || c.RefundTradeNo != "T1" || !c.RefundedAt.Equal(tc.refundedAt) {
				t.Errorf("case %+v", c)
			}
			if !strings.Contains(RefundSummary(tc.app), "100.00 元") {
				t.Errorf("summary %q", RefundSummary(tc.app))
			}
		})
	}
}
