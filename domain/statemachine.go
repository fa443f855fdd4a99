package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RoleSystem is the actor of transitions no person performs: a payment
// confirmed by Alipay, seats assigned and scores imported by a batch job.
const RoleSystem Role = "system"

// Action is something an actor does to an application; every state change
// goes through CheckTransition with one of these.
type Action string

// Actions of the application state machine; the states are in application.go,
// the rules in the rules table below.
const (
	ActionAcceptPledge     Action = "accept_pledge"     // 接受报考承诺书: started → info_saved
	ActionSaveInfo         Action = "save_info"         // 保存填报信息: state unchanged
	ActionSelectPosition   Action = "select_position"   // 选择职位 / 改报: → position_selected
	ActionConfirm          Action = "confirm"           // 报名信息确认
	ActionUploadMaterials  Action = "upload_materials"  // 上传报名推荐表 (or replace it)
	ActionConfirmMaterials Action = "confirm_materials" // 材料确认: → submitted
	ActionApprove          Action = "approve"           // 审核通过
	ActionReturn           Action = "return"            // 退回修改 (reason required)
	ActionReject           Action = "reject"            // 审核不通过 (reason required)
	ActionPay              Action = "pay"               // 缴费成功
	ActionIssueTicket      Action = "issue_ticket"      // 生成准考证 (seat assigned)
	ActionScore            Action = "score"             // 录入成绩
	// 开考比例: a paid candidate of a cancelled position asks for the fee
	// back (or, after the 改报截止, the administrator decides it for them).
	ActionRequestRefund Action = "request_refund" // 申请退费: paid → refund_pending
	ActionRefund        Action = "refund"         // 退费 made at Alipay: refund_pending → refunded
)

// Label is the action's name in the UI and in history notes.
func (a Action) Label() string {
	switch a {
	case ActionAcceptPledge:
		return "接受报考承诺书"
	case ActionSaveInfo:
		return "保存填报信息"
	case ActionSelectPosition:
		return "选择职位"
	case ActionConfirm:
		return "报名信息确认"
	case ActionUploadMaterials:
		return "上传报名推荐表"
	case ActionConfirmMaterials:
		return "材料确认"
	case ActionApprove:
		return "审核通过"
	case ActionReturn:
		return "退回修改"
	case ActionReject:
		return "审核不通过"
	case ActionPay:
		return "缴费"
	case ActionIssueTicket:
		return "生成准考证"
	case ActionScore:
		return "录入成绩"
	case ActionRequestRefund:
		return "申请退费"
	case ActionRefund:
		return "退费"
	}
	return string(a)
}

// Editable reports whether the candidate may change 填报信息 and the chosen
// position in state s: before 报名信息确认, and again after 退回修改 or 审核不通过.
func (s State) Editable() bool {
	switch s {
	case StateInfoSaved, StatePositionSelected, StateReturned, StateRejected:
		return true
	}
	return false
}

// AwaitingReview reports whether the application waits for a reviewer (待审核).
func (s State) AwaitingReview() bool { return s == StateSubmitted }

// Final reports whether the review outcome is final: approved and every
// later state. Nothing the candidate or a reviewer does can change the
// application's content any more, so a status page may stop polling.
// Returned and rejected are not final: the candidate may still act on them.
// The refund states are final too: the candidate's journey has ended.
func (s State) Final() bool {
	switch s {
	case StateApproved, StatePaid, StateTicketIssued, StateScored, StateRefundPending, StateRefunded:
		return true
	}
	return false
}

// Refund reports whether s is a refund state (申请退费 or 已退费): the
// position was cancelled (开考比例) and the candidate left the exam.
func (s State) Refund() bool { return s == StateRefundPending || s == StateRefunded }

// stage orders the states along the main path; returned and rejected sit
// with info_saved because the candidate is editing again.
func (s State) stage() int {
	switch s {
	case StateStarted:
		return 0
	case StateInfoSaved, StateReturned, StateRejected:
		return 1
	case StatePositionSelected:
		return 2
	case StateConfirmed:
		return 3
	case StateMaterialsUploaded:
		return 4
	case StateSubmitted:
		return 5
	case StateApproved:
		return 6
	case StatePaid, StateRefundPending, StateRefunded:
		// The refund states branch off paid: the fee was paid, no ticket follows.
		return 7
	case StateTicketIssued:
		return 8
	case StateScored:
		return 9
	}
	return -1
}

// rule describes one action: from which states, by which roles, in which window.
type rule struct {
	from   []State
	roles  []Role
	window WindowKind // empty: no window check
}

var candidateOnly = []Role{RoleCandidate}
var reviewers = []Role{RoleReviewer, RoleAdmin}
var operators = []Role{RoleAdmin, RoleSystem}

var editableStates = []State{StateInfoSaved, StatePositionSelected, StateReturned, StateRejected}

var rules = map[Action]rule{
	ActionAcceptPledge:   {[]State{StateStarted}, candidateOnly, WindowRegistration},
	ActionSaveInfo:       {editableStates, candidateOnly, WindowRegistration},
	ActionSelectPosition: {editableStates, candidateOnly, WindowRegistration},
	// Not from rejected: the rejected position is still recorded, so the
	// candidate must first choose another one (改报).
	ActionConfirm:          {[]State{StatePositionSelected, StateReturned}, candidateOnly, WindowRegistration},
	ActionUploadMaterials:  {[]State{StateConfirmed, StateMaterialsUploaded}, candidateOnly, WindowRegistration},
	ActionConfirmMaterials: {[]State{StateMaterialsUploaded}, candidateOnly, WindowRegistration},
	ActionApprove:          {[]State{StateSubmitted}, reviewers, WindowReview},
	ActionReturn:           {[]State{StateSubmitted}, reviewers, WindowReview},
	ActionReject:           {[]State{StateSubmitted}, reviewers, WindowReview},
	ActionPay:              {[]State{StateApproved}, []Role{RoleCandidate, RoleSystem}, WindowPayment},
	ActionIssueTicket:      {[]State{StatePaid}, operators, ""},
	ActionScore:            {[]State{StateTicketIssued}, operators, ""},
	// Not window-checked: a refund is the candidate's money, asked for or
	// made whenever it is due (DecideRefundRequest holds the 改报 rules).
	ActionRequestRefund: {[]State{StatePaid}, []Role{RoleCandidate, RoleAdmin, RoleSystem}, ""},
	ActionRefund:        {[]State{StateRefundPending}, operators, ""},
}

// CheckTransition decides whether role may perform action on app at now and
// returns the state the application moves to. It checks, in this order, the
// role (EFORBIDDEN), the state (ECONFLICT), the exam window (EFORBIDDEN,
// naming the window and its dates) and the action's preconditions.
//
// Choices worth knowing:
//   - Confirm after 退回修改 goes straight to materials_uploaded when a 推荐表
//     is still on file, so the candidate only re-confirms the materials (and
//     may replace the PDF first). If they chose a position again while
//     returned, the state left returned and they must upload anew, because
//     the 推荐表 names the position. If the reviewer named the 推荐表 as a
//     part to fix, re-confirming also leads to confirmed: a new one is due.
//   - Pay by RoleSystem (the payment provider confirmed the charge) is not
//     window-checked: money already taken must be recorded even when the
//     notification arrives after the payment window closed. The candidate
//     starting a payment is window-checked.
//   - Completeness of 填报信息 before Confirm is the caller's job
//     (ApplicationForm.Validate with final=true), because it needs the birth
//     date from the account; the position's choice is checked here.
func CheckTransition(app *Application, exam *Exam, action Action, role Role, now time.Time) (State, error) {
	r, ok := rules[action]
	if !ok {
		return "", Errorf(EINVALID, "未知的操作。")
	}
	if !slices.Contains(r.roles, role) {
		return "", roleError(action)
	}
	// A return not fixed by its 补正截止 may be approved or rejected as it stands.
	overdueDecision := (action == ActionApprove || action == ActionReject) && CorrectionOverdue(app, now)
	if !slices.Contains(r.from, app.State) && !overdueDecision {
		return "", stateError(action, app.State)
	}
	switch {
	case r.window == WindowRegistration:
		// After registration closed, a 退回修改 may still be fixed until its 补正截止.
		if err := CandidateWindow(app, exam, now); err != nil {
			return "", err
		}
	case r.window != "" && !(action == ActionPay && role == RoleSystem):
		if err := CheckWindow(exam, r.window, now); err != nil {
			return "", err
		}
	}
	switch action {
	case ActionConfirm:
		if app.PositionCode == "" {
			return "", Errorf(ECONFLICT, "请先选择报考职位。")
		}
		if app.State == StateReturned && app.RecommendationID != "" && !slices.Contains(app.ReturnedParts, PartRecommendation) {
			return StateMaterialsUploaded, nil
		}
		return StateConfirmed, nil
	case ActionConfirmMaterials:
		if app.RecommendationID == "" {
			return "", Errorf(ECONFLICT, "请先上传报名推荐表。")
		}
		return StateSubmitted, nil
	case ActionRequestRefund:
		// Only a cancelled position's fee is refunded, and not once it moved (改报).
		switch c := app.Opening; {
		case c == nil:
			return "", Errorf(ECONFLICT, "您的报考职位未被取消，不能申请退费。")
		case c.Decision == CaseSwitched:
			return "", Errorf(ECONFLICT, "您已于 %s 改报职位 %s，报考费已随之转入，不能再申请退费。", FormatTime(c.DecidedAt), c.ToPosition)
		}
	}
	return nextState[action](app.State), nil
}

var nextState = map[Action]func(State) State{
	ActionAcceptPledge:    func(State) State { return StateInfoSaved },
	ActionSaveInfo:        func(s State) State { return s },
	ActionSelectPosition:  func(State) State { return StatePositionSelected },
	ActionUploadMaterials: func(State) State { return StateMaterialsUploaded },
	ActionApprove:         func(State) State { return StateApproved },
	ActionReturn:          func(State) State { return StateReturned },
	ActionReject:          func(State) State { return StateRejected },
	ActionPay:             func(State) State { return StatePaid },
	ActionIssueTicket:     func(State) State { return StateTicketIssued },
	ActionScore:           func(State) State { return StateScored },
	ActionRequestRefund:   func(State) State { return StateRefundPending },
	ActionRefund:          func(State) State { return StateRefunded },
}

// CheckWindow returns nil when the exam's window k is open at now, else an
// EFORBIDDEN error naming the window and its dates.
func CheckWindow(exam *Exam, k WindowKind, now time.Time) error {
	w := exam.Window(k)
	if w.Open(now) {
		return nil
	}
	return &Error{Code: EFORBIDDEN, Message: windowMessage(k, w)}
}

func windowMessage(k WindowKind, w Window) string {
	if w.Start.IsZero() {
		return k.Label() + "时间尚未公布。"
	}
	return k.Label() + "时间为 " + w.String() + "，当前不在" + k.Label() + "时间内。"
}

func roleError(action Action) error {
	switch action {
	case ActionApprove, ActionReturn, ActionReject:
		return Errorf(EFORBIDDEN, "只有审核员或管理员可以进行资格审核。")
	case ActionIssueTicket, ActionScore, ActionRefund:
		return Errorf(EFORBIDDEN, "只有管理员可以%s。", action.Label())
	case ActionRequestRefund:
		return Errorf(EFORBIDDEN, "只有考生本人或管理员可以申请退费。")
	case ActionPay:
		return Errorf(EFORBIDDEN, "只有考生本人可以缴费。")
	}
	return Errorf(EFORBIDDEN, "只有考生本人可以%s。", action.Label())
}

// stateError explains, for the candidate or reviewer, why action is not
// possible in state s.
func stateError(action Action, s State) error {
	conflict := func(msg string) error { return &Error{Code: ECONFLICT, Message: msg} }
	switch action {
	case ActionAcceptPledge:
		return conflict("已接受报考承诺书，无需重复接受。")
	case ActionSaveInfo, ActionSelectPosition, ActionConfirm:
		switch {
		case s == StateStarted:
			return conflict("请先阅读并接受报考承诺书。")
		case s == StateInfoSaved && action == ActionConfirm:
			return conflict("请先选择报考职位。")
		case s == StateRejected && action == ActionConfirm:
			return conflict("审核不通过后须再次提交职位（原职位或其他职位），请先选择职位。")
		case s.Final():
			return conflict("资格审查已通过，报名信息不能再修改。")
		case action == ActionConfirm:
			return conflict("报名信息已确认，请勿重复确认。")
		}
		return conflict("报名信息已确认，不能再修改。")
	case ActionUploadMaterials:
		if s.stage() < StateConfirmed.stage() {
			return conflict("请先进行报名信息确认，再上传材料。")
		}
		return conflict("材料已确认提交，不能再更换。")
	case ActionConfirmMaterials:
		switch {
		case s == StateConfirmed:
			return conflict("请先上传报名推荐表。")
		case s.stage() < StateConfirmed.stage():
			return conflict("请先进行报名信息确认并上传报名推荐表。")
		}
		return conflict("材料已确认，请勿重复提交。")
	case ActionApprove, ActionReturn, ActionReject:
		return conflict("该报名当前状态为“" + s.Label() + "”，不是待审核状态，不能审核。")
	case ActionPay:
		if s.Refund() {
			return conflict("您已申请退费，本次报名已结束，不能再缴费。")
		}
		if s.stage() > StateApproved.stage() {
			return conflict("已缴费，请勿重复缴费。")
		}
		return conflict("审核通过后才能缴费。")
	case ActionIssueTicket:
		if s.Refund() {
			return conflict("该考生已申请退费，不能生成准考证。")
		}
		if s.stage() > StatePaid.stage() {
			return conflict("准考证已生成。")
		}
		return conflict("尚未缴费，不能生成准考证。")
	case ActionScore:
		if s == StateScored {
			return conflict("成绩已录入。")
		}
		return conflict("尚未生成准考证，不能录入成绩。")
	case ActionRequestRefund:
		switch {
		case s.Refund():
			return conflict("您已申请退费，请勿重复申请。")
		case s.stage() > StatePaid.stage():
			return conflict("准考证已生成，不能申请退费。")
		}
		return conflict("只有已缴费的考生才能申请退费。")
	case ActionRefund:
		if s == StateRefunded {
			return conflict("报考费已退还，请勿重复退费。")
		}
		return conflict("考生尚未申请退费，不能退费。")
	}
	return conflict("当前状态不能进行此操作。")
}

// MaxReasonLen bounds a review reason, in characters.
const MaxReasonLen = 500

// CheckReason requires a reason for 退回修改 and 审核不通过 (the candidate
// must know what to fix); other actions take an optional note. The error is
// keyed "reason".
func CheckReason(action Action, reason string) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxReasonLen {
		return FieldError("reason", "原因不能超过500个字")
	}
	if reason == "" {
		switch action {
		case ActionReturn:
			return FieldError("reason", "请填写退回修改的原因，考生将据此修改。")
		case ActionReject:
			return FieldError("reason", "请填写审核不通过的原因。")
		}
	}
	return nil
}

// CheckPositionChoice refuses a position that already rejected this
// candidate in this exam (改报 must choose another one).
func CheckPositionChoice(app *Application, code string) error {
	if code == "" {
		return FieldError("position_code", "请选择报考职位。")
	}
	return nil
}

// Apply moves app to next: it sets State, bumps Version, sets UpdatedAt
// and appends a HistoryEntry. Entering returned or rejected from a review
// also stores note as ReviewReason, and rejected records the position in
// RejectedPositions so it cannot be chosen again. Confirming (to confirmed
// or materials_uploaded) ends the 退回修改 loop: ReturnedParts is cleared.
// Call CheckTransition first (or use Transition or Review).
func Apply(app *Application, next State, actorID string, role Role, now time.Time, note string) {
	from := app.State
	app.State = next
	app.Version++
	app.UpdatedAt = now
	note = strings.TrimSpace(note)
	switch {
	case from == next:
		// Saving 填报信息 keeps the state: the review reason stays.
	case next == StateReturned:
		app.ReviewReason = note
	case next == StateConfirmed, next == StateMaterialsUploaded:
		app.ReturnedParts = nil
	case next == StateRejected:
		app.ReviewReason = note
		if app.PositionCode != "" && !slices.Contains(app.RejectedPositions, app.PositionCode) {
			app.RejectedPositions = append(app.RejectedPositions, app.PositionCode)
		}
	}
	app.History = append(app.History, HistoryEntry{At: now, ActorID: actorID, Role: role, From: from, To: next, Note: note})
}

// Transition checks and applies action in one step: CheckTransition, then
// CheckReason, then Apply with note (the action's label when note is empty,
// so history always says what happened). It names no parts, so 退回修改
// through Transition is refused (EINVALID): use Review.
func Transition(app *Application, exam *Exam, action Action, actorID string, role Role, now time.Time, note string) error {
	return transition(app, exam, action, actorID, role, now, note, nil)
}

// CanReview reports whether acct may review applications to position p:
// administrators all, reviewers those of their own 遴选机关.
func CanReview(acct *Account, p *Position) bool {
	switch acct.Role {
	case RoleAdmin:
		return true
	case RoleReviewer:
		return slices.Contains(acct.Departments, p.Department)
	}
	return false
}

// CountsOf is what one application in state s adds to its position's
// 报名人数统计: 待审核 while submitted, 审核通过 from approval on, 已缴费
// from payment on. Earlier states (a draft, a confirmation without
// materials) and returned or rejected ones count nowhere. A refund case
// (申请退费, 已退费) passed review but holds no paid place any more: it
// counts as 审核通过 only.
func CountsOf(s State) PositionCounts {
	switch s {
	case StateSubmitted:
		return PositionCounts{Submitted: 1}
	case StateApproved, StateRefundPending, StateRefunded:
		return PositionCounts{Approved: 1}
	case StatePaid, StateTicketIssued, StateScored:
		return PositionCounts{Approved: 1, Paid: 1}
	}
	return PositionCounts{}
}
