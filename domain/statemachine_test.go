package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func sh(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, Shanghai)
}

func testExam() *Exam {
	return &Exam{
		ID: "e1", Name: "湖北省2023年度市州级以上机关公开遴选公务员", ReferenceDate: "2023-03-07",
		Registration: Window{sh(2023, 3, 1, 9, 0), sh(2023, 3, 7, 17, 0)},
		Review:       Window{sh(2023, 3, 1, 9, 0), sh(2023, 3, 10, 17, 0)},
		Payment:      Window{sh(2023, 3, 12, 9, 0), sh(2023, 3, 15, 17, 0)},
		Ticket:       Window{sh(2023, 4, 1, 9, 0), sh(2023, 4, 8, 17, 0)},
		Score:        Window{sh(2023, 5, 1, 9, 0), sh(2023, 6, 1, 0, 0)},
	}
}

// Moments of the test exam's calendar.
var (
	tEarly  = sh(2023, 2, 1, 10, 0)  // nothing open
	tReg    = sh(2023, 3, 3, 10, 0)  // registration and review open
	tReview = sh(2023, 3, 8, 10, 0)  // review only
	tPay    = sh(2023, 3, 13, 10, 0) // payment
	tTicket = sh(2023, 4, 2, 10, 0)  // ticket printing
)

var allStates = []State{StateStarted, StateInfoSaved, StatePositionSelected, StateConfirmed,
	StateMaterialsUploaded, StateSubmitted, StateApproved, StateReturned, StateRejected,
	StatePaid, StateTicketIssued, StateScored, StateRefundPending, StateRefunded}
var allActions = []Action{ActionAcceptPledge, ActionSaveInfo, ActionSelectPosition, ActionConfirm,
	ActionUploadMaterials, ActionConfirmMaterials, ActionApprove, ActionReturn, ActionReject,
	ActionPay, ActionIssueTicket, ActionScore, ActionRequestRefund, ActionRefund}
var allRoles = []Role{RoleCandidate, RoleReviewer, RoleAdmin, RoleSystem}
var allTimes = map[string]time.Time{"early": tEarly, "reg": tReg, "review": tReview, "pay": tPay, "ticket": tTicket}

func appIn(s State) *Application {
	return &Application{ID: "a1", State: s, PositionCode: "P1", RecommendationID: "pdf1"}
}

type allowed struct {
	action Action
	from   State
	role   Role
	when   string
}

func TestCheckTransitionMatrix(t *testing.T) {
	// Every permitted combination and where it leads; everything else must fail.
	ok := map[allowed]State{}
	add := func(a Action, froms []State, roles []Role, whens []string, next func(State) State) {
		for _, f := range froms {
			for _, r := range roles {
				for _, w := range whens {
					ok[allowed{a, f, r, w}] = next(f)
				}
			}
		}
	}
	to := func(s State) func(State) State { return func(State) State { return s } }
	cand := []Role{RoleCandidate}
	reg := []string{"reg"}
	edit := []State{StateInfoSaved, StatePositionSelected, StateReturned, StateRejected}
	everywhen := []string{"early", "reg", "review", "pay", "ticket"}
	add(ActionAcceptPledge, []State{StateStarted}, cand, reg, to(StateInfoSaved))
	add(ActionSaveInfo, edit, cand, reg, func(s State) State { return s })
	add(ActionSelectPosition, edit, cand, reg, to(StatePositionSelected))
	add(ActionConfirm, []State{StatePositionSelected}, cand, reg, to(StateConfirmed))
	add(ActionConfirm, []State{StateReturned}, cand, reg, to(StateMaterialsUploaded)) // PDF kept
	add(ActionUploadMaterials, []State{StateConfirmed, StateMaterialsUploaded}, cand, reg, to(StateMaterialsUploaded))
	add(ActionConfirmMaterials, []State{StateMaterialsUploaded}, cand, reg, to(StateSubmitted))
	rev := []Role{RoleReviewer, RoleAdmin}
	add(ActionApprove, []State{StateSubmitted}, rev, []string{"reg", "review"}, to(StateApproved))
	add(ActionReturn, []State{StateSubmitted}, rev, []string{"reg", "review"}, to(StateReturned))
	add(ActionReject, []State{StateSubmitted}, rev, []string{"reg", "review"}, to(StateRejected))
	add(ActionPay, []State{StateApproved}, cand, []string{"pay"}, to(StatePaid))
	add(ActionPay, []State{StateApproved}, []Role{RoleSystem}, everywhen, to(StatePaid))
	ops := []Role{RoleAdmin, RoleSystem}
	add(ActionIssueTicket, []State{StatePaid}, ops, everywhen, to(StateTicketIssued))
	add(ActionScore, []State{StateTicketIssued}, ops, everywhen, to(StateScored))
	// 开考比例 refunds: the matrix's applications carry a cancelled position's case.
	add(ActionRequestRefund, []State{StatePaid}, []Role{RoleCandidate, RoleAdmin, RoleSystem}, everywhen, to(StateRefundPending))
	add(ActionRefund, []State{StateRefundPending}, ops, everywhen, to(StateRefunded))

	exam := testExam()
	n := 0
	for _, a := range allActions {
		for _, s := range allStates {
			for _, r := range allRoles {
				for w, now := range allTimes {
					app := appIn(s)
					app.Opening = &OpeningCase{Position: "P1"}
					next, err := CheckTransition(app, exam, a, r, now)
					want, permitted := ok[allowed{a, s, r, w}]
					name := fmt.Sprintf("%s from %s by %s at %s", a, s, r, w)
					if permitted {
						n++
						if err != nil || next != want {
							t.Errorf("%s: got %q, %v; want %q", name, next, err, want)
						}
						continue
					}
					if err == nil {
						t.Errorf("%s: permitted (→ %s), want refused", name, next)
						continue
					}
					if c := ErrorCode(err); c != EFORBIDDEN && c != ECONFLICT {
						t.Errorf("%s: code %s", name, c)
					}
					if !containsHan(ErrorMessage(err)) {
						t.Errorf("%s: message not in Chinese: %q", name, ErrorMessage(err))
					}
				}
			}
		}
	}
	if n != len(ok) {
		t.Errorf("checked %d permitted combinations, table has %d", n, len(ok))
	}
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestCheckTransitionMessages(t *testing.T) {
	exam := testExam()
	tests := []struct {
		name   string
		app    *Application
		action Action
		role   Role
		now    time.Time
		code   Code
		msg    string
	}{
		{"window names dates", appIn(StateInfoSaved), ActionSaveInfo, RoleCandidate, tReview, EFORBIDDEN,
			"报名时间为 2023-03-01 09:00 至 2023-03-07 17:00，当前不在报名时间内。"},
		{"window end is exclusive", appIn(StateInfoSaved), ActionSaveInfo, RoleCandidate, sh(2023, 3, 7, 17, 0), EFORBIDDEN, "当前不在报名时间内"},
		{"window start inclusive", appIn(StateInfoSaved), ActionSaveInfo, RoleCandidate, sh(2023, 3, 1, 9, 0), "", ""},
		{"review window", appIn(StateSubmitted), ActionApprove, RoleReviewer, tPay, EFORBIDDEN,
			"审核时间为 2023-03-01 09:00 至 2023-03-10 17:00，当前不在审核时间内。"},
		{"payment window", appIn(StateApproved), ActionPay, RoleCandidate, tReview, EFORBIDDEN, "缴费时间为 2023-03-12 09:00"},
		{"edit after confirm", appIn(StateConfirmed), ActionSaveInfo, RoleCandidate, tReg, ECONFLICT, "报名信息已确认，不能再修改。"},
		{"edit while waiting", appIn(StateSubmitted), ActionSelectPosition, RoleCandidate, tReg, ECONFLICT, "报名信息已确认，不能再修改。"},
		{"edit after approval", appIn(StateApproved), ActionSaveInfo, RoleCandidate, tReg, ECONFLICT, "资格审查已通过"},
		{"edit before pledge", appIn(StateStarted), ActionSaveInfo, RoleCandidate, tReg, ECONFLICT, "承诺书"},
		{"pledge twice", appIn(StateInfoSaved), ActionAcceptPledge, RoleCandidate, tReg, ECONFLICT, "无需重复接受"},
		{"confirm without position state", appIn(StateInfoSaved), ActionConfirm, RoleCandidate, tReg, ECONFLICT, "请先选择报考职位"},
		{"confirm twice", appIn(StateConfirmed), ActionConfirm, RoleCandidate, tReg, ECONFLICT, "请勿重复确认"},
		{"confirm after reject", appIn(StateRejected), ActionConfirm, RoleCandidate, tReg, ECONFLICT, "请先选择职位"},
		{"confirm rejected position again", &Application{State: StatePositionSelected, PositionCode: "P1", RejectedPositions: []string{"P1"}},
			ActionConfirm, RoleCandidate, tReg, "", ""},
		{"confirm with no position", &Application{State: StatePositionSelected}, ActionConfirm, RoleCandidate, tReg, ECONFLICT, "请先选择报考职位"},
		{"returned without pdf", &Application{State: StateReturned, PositionCode: "P1"}, ActionConfirm, RoleCandidate, tReg, "", ""},
		{"upload before confirm", appIn(StatePositionSelected), ActionUploadMaterials, RoleCandidate, tReg, ECONFLICT, "请先进行报名信息确认"},
		{"upload after submit", appIn(StateSubmitted), ActionUploadMaterials, RoleCandidate, tReg, ECONFLICT, "不能再更换"},
		{"confirm materials without pdf state", appIn(StateConfirmed), ActionConfirmMaterials, RoleCandidate, tReg, ECONFLICT, "请先上传报名推荐表"},
		{"confirm materials without pdf", &Application{State: StateMaterialsUploaded}, ActionConfirmMaterials, RoleCandidate, tReg, ECONFLICT, "请先上传报名推荐表"},
		{"confirm materials twice", appIn(StateSubmitted), ActionConfirmMaterials, RoleCandidate, tReg, ECONFLICT, "请勿重复提交"},
		{"candidate approves", appIn(StateSubmitted), ActionApprove, RoleCandidate, tReg, EFORBIDDEN, "只有审核员或管理员"},
		{"reviewer edits", appIn(StateInfoSaved), ActionSaveInfo, RoleReviewer, tReg, EFORBIDDEN, "只有考生本人"},
		{"review not submitted", appIn(StateMaterialsUploaded), ActionReject, RoleReviewer, tReg, ECONFLICT, "不是待审核状态"},
		{"pay twice", appIn(StatePaid), ActionPay, RoleCandidate, tPay, ECONFLICT, "请勿重复缴费"},
		{"pay before approval", appIn(StateSubmitted), ActionPay, RoleCandidate, tPay, ECONFLICT, "审核通过后才能缴费"},
		{"late payment notice recorded", appIn(StateApproved), ActionPay, RoleSystem, tTicket, "", ""},
		{"reviewer pays", appIn(StateApproved), ActionPay, RoleReviewer, tPay, EFORBIDDEN, "只有考生本人可以缴费"},
		{"ticket before pay", appIn(StateApproved), ActionIssueTicket, RoleAdmin, tPay, ECONFLICT, "尚未缴费"},
		{"candidate issues ticket", appIn(StatePaid), ActionIssueTicket, RoleCandidate, tPay, EFORBIDDEN, "只有管理员"},
		{"unset window", appIn(StateApproved), ActionPay, RoleCandidate, tPay, EFORBIDDEN, "缴费时间尚未公布"},
		{"unknown action", appIn(StateApproved), Action("fly"), RoleCandidate, tPay, EINVALID, "未知的操作"},
		{"refund of an open position", appIn(StatePaid), ActionRequestRefund, RoleCandidate, tTicket, ECONFLICT, "未被取消"},
		{"refund after switching", refundCase(StatePaid, CaseSwitched), ActionRequestRefund, RoleCandidate, tTicket, ECONFLICT, "改报职位 P2"},
		{"refund asked", refundCase(StatePaid, ""), ActionRequestRefund, RoleCandidate, tTicket, "", ""},
		{"refund asked twice", refundCase(StateRefundPending, CaseRefund), ActionRequestRefund, RoleCandidate, tTicket, ECONFLICT, "请勿重复申请"},
		{"refund after refunded", refundCase(StateRefunded, CaseRefund), ActionRequestRefund, RoleCandidate, tTicket, ECONFLICT, "请勿重复申请"},
		{"refund with a ticket", refundCase(StateTicketIssued, ""), ActionRequestRefund, RoleCandidate, tTicket, ECONFLICT, "准考证已生成"},
		{"refund before payment", refundCase(StateApproved, ""), ActionRequestRefund, RoleCandidate, tTicket, ECONFLICT, "已缴费的考生"},
		{"reviewer asks refund", refundCase(StatePaid, ""), ActionRequestRefund, RoleReviewer, tTicket, EFORBIDDEN, "考生本人或管理员"},
		{"refund made", refundCase(StateRefundPending, CaseRefund), ActionRefund, RoleAdmin, tTicket, "", ""},
		{"refund made twice", refundCase(StateRefunded, CaseRefund), ActionRefund, RoleAdmin, tTicket, ECONFLICT, "请勿重复退费"},
		{"refund made unasked", refundCase(StatePaid, ""), ActionRefund, RoleAdmin, tTicket, ECONFLICT, "尚未申请退费"},
		{"candidate refunds", refundCase(StateRefundPending, CaseRefund), ActionRefund, RoleCandidate, tTicket, EFORBIDDEN, "只有管理员可以退费"},
		{"pay after refund", refundCase(StateRefundPending, CaseRefund), ActionPay, RoleCandidate, tPay, ECONFLICT, "不能再缴费"},
		{"seat after refund", refundCase(StateRefunded, CaseRefund), ActionIssueTicket, RoleSystem, tTicket, ECONFLICT, "已申请退费"},
		{"edit after refund", refundCase(StateRefunded, CaseRefund), ActionSelectPosition, RoleCandidate, tReg, ECONFLICT, "不能再修改"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := exam
			if tt.name == "unset window" {
				e := *exam
				e.Payment = Window{}
				ex = &e
			}
			_, err := CheckTransition(tt.app, ex, tt.action, tt.role, tt.now)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if ErrorCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.msg) {
				t.Errorf("got %v, want %s containing %q", err, tt.code, tt.msg)
			}
		})
	}
}

func TestStatePredicates(t *testing.T) {
	editable := []State{StateInfoSaved, StatePositionSelected, StateReturned, StateRejected}
	final := []State{StateApproved, StatePaid, StateTicketIssued, StateScored, StateRefundPending, StateRefunded}
	for _, s := range allStates {
		if got := s.Editable(); got != slices.Contains(editable, s) {
			t.Errorf("%s.Editable() = %v", s, got)
		}
		if got := s.Final(); got != slices.Contains(final, s) {
			t.Errorf("%s.Final() = %v", s, got)
		}
		if got := s.AwaitingReview(); got != (s == StateSubmitted) {
			t.Errorf("%s.AwaitingReview() = %v", s, got)
		}
	}
}

func TestCheckReason(t *testing.T) {
	tests := []struct {
		action Action
		reason string
		want   string
	}{
		{ActionReturn, "推荐表缺少背面", ""},
		{ActionReturn, "  ", "请填写退回修改的原因"},
		{ActionReject, "", "请填写审核不通过的原因"},
		{ActionReject, "年龄不符合职位要求", ""},
		{ActionApprove, "", ""},
		{ActionReject, strings.Repeat("长", 501), "不能超过500个字"},
	}
	for _, tt := range tests {
		checkMsg(t, string(tt.action)+" "+tt.reason, CheckReason(tt.action, tt.reason), tt.want)
	}
}

func TestCheckPositionChoice(t *testing.T) {
	app := &Application{RejectedPositions: []string{"P1"}}
	checkMsg(t, "P2", CheckPositionChoice(app, "P2"), "")
	checkMsg(t, "P1 (rejected before: may be chosen again)", CheckPositionChoice(app, "P1"), "")
	checkMsg(t, "empty", CheckPositionChoice(app, ""), "请选择报考职位")
	if f := ErrorFields(CheckPositionChoice(app, "")); f["position_code"] == "" {
		t.Errorf("error not keyed position_code: %v", f)
	}
}

// TestJourney walks the whole seed journey, including a return and a
// rejection, through Transition so history and side effects are checked too.
func TestJourney(t *testing.T) {
	exam := testExam()
	app := &Application{ID: "a1", State: StateStarted}
	step := func(action Action, role Role, now time.Time, note string, want State) {
		t.Helper()
		if err := Transition(app, exam, action, "u-"+string(role), role, now, note); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if app.State != want {
			t.Fatalf("%s: state %s, want %s", action, app.State, want)
		}
	}
	step(ActionAcceptPledge, RoleCandidate, tReg, "", StateInfoSaved)
	step(ActionSaveInfo, RoleCandidate, tReg, "", StateInfoSaved)
	app.PositionCode = "P1"
	step(ActionSelectPosition, RoleCandidate, tReg, "", StatePositionSelected)
	step(ActionConfirm, RoleCandidate, tReg, "", StateConfirmed)
	app.RecommendationID = "pdf1"
	step(ActionUploadMaterials, RoleCandidate, tReg, "", StateMaterialsUploaded)
	step(ActionUploadMaterials, RoleCandidate, tReg, "", StateMaterialsUploaded) // replace
	step(ActionConfirmMaterials, RoleCandidate, tReg, "", StateSubmitted)

	if err := Transition(app, exam, ActionReturn, "r1", RoleReviewer, tReg, " "); err == nil {
		t.Fatal("return without reason accepted")
	}
	// A return names the parts to fix (Transition names none: refused).
	if err := Transition(app, exam, ActionReturn, "r1", RoleReviewer, tReg, "联系电话有误"); ErrorCode(err) != EINVALID {
		t.Fatalf("return without parts: %v", err)
	}
	if err := Review(app, exam, Decision{ActionReturn, "联系电话有误", []string{"contact"}}, "r1", RoleReviewer, tReg); err != nil {
		t.Fatalf("return: %v", err)
	}
	if app.State != StateReturned || app.ReviewReason != "联系电话有误" || !slices.Equal(app.ReturnedParts, []string{"contact"}) {
		t.Errorf("after return: %s %q %v", app.State, app.ReviewReason, app.ReturnedParts)
	}
	step(ActionSaveInfo, RoleCandidate, tReg, "", StateReturned)
	// Saving keeps what the reviewer asked for.
	if app.ReviewReason != "联系电话有误" || !slices.Equal(app.ReturnedParts, []string{"contact"}) {
		t.Errorf("after a save while returned: %q %v", app.ReviewReason, app.ReturnedParts)
	}
	step(ActionConfirm, RoleCandidate, tReg, "", StateMaterialsUploaded) // PDF kept
	if app.ReturnedParts != nil {
		t.Errorf("ReturnedParts after re-confirmation: %v", app.ReturnedParts)
	}
	step(ActionUploadMaterials, RoleCandidate, tReg, "", StateMaterialsUploaded)
	step(ActionConfirmMaterials, RoleCandidate, tReg, "", StateSubmitted)

	step(ActionReject, RoleReviewer, tReg, "专业不符合职位要求", StateRejected)
	if !slices.Equal(app.RejectedPositions, []string{"P1"}) {
		t.Errorf("RejectedPositions = %v", app.RejectedPositions)
	}
	// The seed: 如还想继续报考该职位请一定注意再次提交职位.
	if err := CheckPositionChoice(app, "P1"); err != nil {
		t.Errorf("the rejected position may be chosen again: %v", err)
	}
	app.PositionCode = "P2"
	step(ActionSelectPosition, RoleCandidate, tReg, "", StatePositionSelected)
	step(ActionConfirm, RoleCandidate, tReg, "", StateConfirmed) // must upload for the new position
	step(ActionUploadMaterials, RoleCandidate, tReg, "", StateMaterialsUploaded)
	step(ActionConfirmMaterials, RoleCandidate, tReg, "", StateSubmitted)
	step(ActionApprove, RoleAdmin, tReview, "", StateApproved)
	step(ActionPay, RoleSystem, tPay, "支付宝交易号 2023", StatePaid)
	step(ActionIssueTicket, RoleSystem, tPay, "", StateTicketIssued)
	step(ActionScore, RoleAdmin, tTicket, "", StateScored)

	if app.Version != len(app.History) || app.Version != 21 {
		t.Errorf("version %d, history %d", app.Version, len(app.History))
	}
	h := app.History[len(app.History)-1]
	if h.From != StateTicketIssued || h.To != StateScored || h.Role != RoleAdmin || h.ActorID != "u-admin" || !h.At.Equal(tTicket) || h.Note != "录入成绩" {
		t.Errorf("last history entry %+v", h)
	}
	if !app.UpdatedAt.Equal(tTicket) {
		t.Errorf("UpdatedAt = %v", app.UpdatedAt)
	}
}

func TestCanReview(t *testing.T) {
	p := &Position{Department: "省委组织部"}
	tests := []struct {
		acct Account
		want bool
	}{
		{Account{Role: RoleAdmin}, true},
		{Account{Role: RoleReviewer, Departments: []string{"省委组织部"}}, true},
		{Account{Role: RoleReviewer, Departments: []string{"省财政厅"}}, false},
		{Account{Role: RoleCandidate, Departments: []string{"省委组织部"}}, false},
	}
	for _, tt := range tests {
		if got := CanReview(&tt.acct, p); got != tt.want {
			t.Errorf("CanReview(%v) = %v", tt.acct, got)
		}
	}
}

// refundCase is an application in state st whose position was cancelled
// (开考比例), with the candidate's decision.
func refundCase(st State, decision string) *Application {
	app := appIn(st)
	app.Opening = &OpeningCase{Position: "P1", Decision: decision, DecidedAt: tPay}
	if decision == CaseSwitched {
		app.Opening.ToPosition = "P2"
	}
	return app
}
