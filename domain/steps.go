package domain

import (
	"slices"
	"strings"
	"time"
)

// StepStatus is how a step of the 报考流程 page stands.
type StepStatus string

// Step statuses.
const (
	StepDone    StepStatus = "done"    // completed (may still be Actionable, e.g. edit info, replace the PDF)
	StepCurrent StepStatus = "current" // the next thing to do, or what the application waits for (审核)
	StepOpen    StepStatus = "open"    // can be done now, but is not the next step
	StepLocked  StepStatus = "locked"  // not possible: an earlier step is missing, or locked after confirmation
	StepClosed  StepStatus = "closed"  // not possible now: its time window is not open
)

// Step keys, stable for URLs and templates.
const (
	StepPhoto            = "photo"
	StepPledge           = "pledge"
	StepInfo             = "info"
	StepPosition         = "position"
	StepConfirm          = "confirm"
	StepUpload           = "upload"
	StepConfirmMaterials = "confirm_materials"
	StepReview           = "review"
	StepPayment          = "payment"
	StepTicket           = "ticket"
	StepScore            = "score"
)

// Step is one line of the 报考流程 page.
type Step struct {
	Key    string
	Title  string
	Status StepStatus
	// Actionable: the candidate can use the step's page now (a done step may
	// be redone, e.g. 填报信息 before confirmation).
	Actionable bool
	// Reason says, in Chinese, why the step cannot be used now (locked or
	// closed, or done but no longer changeable), or what the candidate waits for.
	Reason string
	// Note carries extra information: the chosen position, the review reason.
	Note string
}

// stepFacts is what every step rule looks at, computed once per page.
type stepFacts struct {
	a                   Application // zero when there is none yet
	exam                *Exam
	now                 time.Time
	hasPhoto            bool
	st                  State
	started             bool
	editable            bool
	regErr              error // the registration window, nil when open
	lockedMsg           string
	infoDone            bool
	positionDone        bool
	confirmed           bool
	recommendationAsked bool
}

// stepCalc is how one step stands, before statuses are assigned.
type stepCalc struct {
	done, can bool
	closed    bool // not possible because its window is shut
	waiting   bool // the application waits on this step (审核): current when nothing else is
	reason    string
	note      string
}

// candidateStep applies the registration window to a step whose state
// conditions allow it.
func (f *stepFacts) candidateStep(c stepCalc) stepCalc {
	if c.can && f.regErr != nil {
		c.can, c.closed, c.reason = false, !c.done, ErrorMessage(f.regErr)
	}
	return c
}

// notAsked: while fixing the parts a reviewer named (退回修改), the others are locked.
func notAsked(part string) string { return "审核员未要求修改" + PartTitle(part) + "。" }

// stepRule is one row of the 报考流程 page: a later step (缴费 online,
// 成绩查询) is one more row.
type stepRule struct {
	key, title string
	calc       func(f *stepFacts) stepCalc
}

// stepRules are the rows of the 报考流程 page, in order.
var stepRules = []stepRule{
	{StepPhoto, "照片", photoStep},
	{StepPledge, "承诺书", pledgeStep},
	{StepInfo, "填报信息", infoStep},
	{StepPosition, "选择职位", positionStep},
	{StepConfirm, "报名信息确认", confirmStep},
	{StepUpload, "材料上传", uploadStep},
	{StepConfirmMaterials, "材料确认", confirmMaterialsStep},
	{StepReview, "审核", reviewStep},
	{StepPayment, "缴费", paymentStep},
	{StepTicket, "准考证", ticketStep},
	{StepScore, "成绩查询", scoreStep},
}

// Steps computes the 报考流程 page of app (nil: no application yet) at now.
// hasPhoto tells whether the candidate's photo passed its check. At most
// one step is StepCurrent: the first one the candidate can and should do,
// or 审核 while the application waits for a reviewer.
func Steps(app *Application, exam *Exam, hasPhoto bool, now time.Time) []Step {
	f := &stepFacts{exam: exam, now: now, hasPhoto: hasPhoto}
	if app != nil {
		f.a = *app
	}
	a := &f.a
	f.st = a.State
	f.started = app != nil && f.st.stage() >= 0
	f.editable = f.st.Editable()
	f.regErr = CandidateWindow(app, exam, now)
	f.lockedMsg = "报名信息已确认，不能再修改。"
	if f.st.Final() {
		f.lockedMsg = "资格审查已通过，报名信息不能再修改。"
	}
	f.infoDone = f.started && f.st != StateStarted && a.Form.Complete()
	f.positionDone = a.PositionCode != "" && f.st != StateRejected && f.st.stage() >= 1
	f.confirmed = f.st.stage() >= StateConfirmed.stage()
	f.recommendationAsked = a.InReturnLoop() && slices.Contains(a.ReturnedParts, PartRecommendation)

	steps := make([]Step, len(stepRules))
	haveCurrent := false
	for i, r := range stepRules {
		c := r.calc(f)
		s := Step{Key: r.key, Title: r.title, Actionable: c.can, Reason: c.reason, Note: c.note}
		switch {
		case c.done:
			s.Status = StepDone
		case c.can && !haveCurrent:
			s.Status, haveCurrent = StepCurrent, true
		case c.can:
			s.Status = StepOpen
		case c.closed:
			s.Status = StepClosed
		case c.waiting && !haveCurrent:
			s.Status, haveCurrent = StepCurrent, true
		default:
			s.Status = StepLocked
		}
		steps[i] = s
	}
	return steps
}

// 照片: the account's photo, frozen into the application at confirmation.
func photoStep(f *stepFacts) stepCalc {
	st, a := f.st, &f.a
	c := stepCalc{done: f.hasPhoto, can: !f.confirmed || st == StateReturned || st == StateRejected}
	switch {
	case !c.can:
		c.reason = "报名信息确认后照片不能更换。"
	case !a.MayChange(PartPhoto):
		c.can, c.reason = false, notAsked(PartPhoto)
	case a.InReturnLoop():
		c.note = "审核员要求修改照片。"
	}
	return c
}

// 承诺书
func pledgeStep(f *stepFacts) stepCalc {
	switch {
	case !f.started:
		return stepCalc{reason: "请先选择报考层级。"}
	case f.st != StateStarted:
		return stepCalc{done: true}
	case !f.hasPhoto:
		return stepCalc{reason: "请先上传照片。"}
	}
	return f.candidateStep(stepCalc{can: true})
}

// 填报信息
func infoStep(f *stepFacts) stepCalc {
	switch {
	case !f.started || f.st == StateStarted:
		return stepCalc{reason: "请先阅读并接受报考承诺书。"}
	case f.editable && f.a.InReturnLoop():
		if secs := EditableSections(&f.a); len(secs) > 0 {
			return f.candidateStep(stepCalc{done: f.infoDone, can: true, note: "审核员要求修改：" + strings.Join(PartTitles(secs), "、") + "。"})
		}
		return stepCalc{done: f.infoDone, reason: "审核员未要求修改填报信息。"}
	case f.editable:
		return f.candidateStep(stepCalc{done: f.infoDone, can: true})
	}
	return stepCalc{done: f.infoDone, reason: f.lockedMsg}
}

// 选择职位
func positionStep(f *stepFacts) stepCalc {
	a := &f.a
	var c stepCalc
	switch {
	case !f.started || f.st == StateStarted:
		c = stepCalc{reason: "请先阅读并接受报考承诺书。"}
	case f.editable && !a.MayChange(PartPosition):
		c = stepCalc{done: f.positionDone, reason: notAsked(PartPosition)}
	case f.editable:
		c = stepCalc{done: f.positionDone, can: true}
		if a.InReturnLoop() {
			c.note = "审核员要求修改报考职位。改报其他职位后须重新上传报名推荐表。"
		}
		if f.st == StateRejected {
			c.note = "所报职位" + a.PositionCode + "审核不通过。如还想继续报考该职位，请再次提交职位；也可改报其他职位。"
		}
		c = f.candidateStep(c)
	default:
		c = stepCalc{done: f.positionDone, reason: f.lockedMsg}
	}
	if c.done {
		c.note = strings.TrimSpace(c.note + " 已选职位：" + a.PositionCode)
	}
	return c
}

// 报名信息确认
func confirmStep(f *stepFacts) stepCalc {
	switch {
	case f.confirmed:
		return stepCalc{done: true}
	case !f.hasPhoto:
		return stepCalc{reason: "请先上传照片。"}
	case !f.started || f.st == StateStarted:
		return stepCalc{reason: "请先阅读并接受报考承诺书。"}
	case !f.infoDone:
		return stepCalc{reason: "请先完整填写报考信息。"}
	case !f.positionDone:
		return stepCalc{reason: "请先选择报考职位。"}
	}
	return f.candidateStep(stepCalc{can: true})
}

// 材料上传
func uploadStep(f *stepFacts) stepCalc {
	st := f.st
	switch {
	case st == StateConfirmed || st == StateMaterialsUploaded:
		return f.candidateStep(stepCalc{done: st == StateMaterialsUploaded, can: true})
	case f.confirmed:
		return stepCalc{done: true, reason: "材料已确认提交，不能再更换。"}
	}
	c := stepCalc{reason: "请先进行报名信息确认。"}
	switch {
	case f.recommendationAsked:
		c.note = "审核员要求重新上传报名推荐表，请在重新确认报名信息后上传。"
	case st == StateReturned && f.a.RecommendationID != "":
		c.note = "已上传的报名推荐表将保留，重新确认报名信息后可更换。"
	}
	return c
}

// 材料确认
func confirmMaterialsStep(f *stepFacts) stepCalc {
	st := f.st
	switch {
	case st == StateMaterialsUploaded:
		return f.candidateStep(stepCalc{can: true})
	case st.stage() >= StateSubmitted.stage():
		return stepCalc{done: true}
	case f.confirmed:
		return stepCalc{reason: "请先上传报名推荐表。"}
	case f.recommendationAsked:
		return stepCalc{reason: "请先完成报名信息确认，再重新上传报名推荐表。"}
	case st == StateReturned && f.a.RecommendationID != "":
		// Re-confirming goes straight to materials_uploaded: the PDF stays.
		return stepCalc{reason: "请先完成报名信息确认。已上传的报名推荐表将保留。"}
	case st == StateRejected:
		// A new position needs a new 推荐表 (it names the position).
		return stepCalc{reason: "请先改报职位并完成报名信息确认，再上传新的报名推荐表。"}
	}
	return stepCalc{reason: "请先完成报名信息确认，再上传报名推荐表。"}
}

// 审核: current while the application waits for a reviewer.
func reviewStep(f *stepFacts) stepCalc {
	st := f.st
	c := stepCalc{}
	switch {
	case st.stage() >= StateApproved.stage():
		c.done = true
	case st == StateSubmitted:
		c.waiting = true
		c.reason = "材料已提交，等待资格审查。审核时间为 " + f.exam.Review.String() + "。"
	case st == StateReturned:
		c.reason = "退回修改，请按要求修改后重新确认报名信息和材料。"
		c.note = f.a.ReviewReason
	case st == StateRejected:
		c.reason = "审核不通过，请再次提交职位（原职位或其他职位）后重新确认。"
		c.note = f.a.ReviewReason
	default:
		c.reason = "材料确认后进入资格审查。"
	}
	if (st == StateReturned || st == StateRejected) && f.regErr != nil {
		c.reason += "报名已结束，不能再修改。"
	}
	return c
}

// 缴费
func paymentStep(f *stepFacts) stepCalc {
	switch {
	case f.st.Refund():
		return stepCalc{done: true, note: f.st.Label() + "（报考职位已取消）"}
	case f.st.stage() > StateApproved.stage():
		return stepCalc{done: true}
	case f.st == StateApproved:
		if err := CheckWindow(f.exam, WindowPayment, f.now); err != nil {
			return stepCalc{closed: true, reason: ErrorMessage(err)}
		}
		return stepCalc{can: true}
	}
	return stepCalc{reason: "资格审查通过后才能缴费。"}
}

// 准考证: printing can be repeated, so the step is never "done".
func ticketStep(f *stepFacts) stepCalc {
	switch f.st {
	case StateTicketIssued, StateScored:
		if err := CheckWindow(f.exam, WindowTicket, f.now); err != nil {
			return stepCalc{closed: true, reason: ErrorMessage(err)}
		}
		return stepCalc{can: true}
	case StatePaid:
		return stepCalc{reason: "准考证尚未生成。打印准考证时间为 " + f.exam.Ticket.String() + "。"}
	case StateRefundPending, StateRefunded:
		return stepCalc{reason: "报考职位已取消，您已申请退费，没有准考证。"}
	}
	return stepCalc{reason: "缴费成功后才能打印准考证。"}
}

// 成绩查询: done once the exam's scores are published (ScoreAvailability)
// for a candidate who held a 准考证; closed, with the publication time, before.
func scoreStep(f *stepFacts) stepCalc {
	if f.st != StateTicketIssued && f.st != StateScored {
		return stepCalc{reason: "参加笔试的考生在成绩公布后可查询成绩。"}
	}
	if err := ScoreAvailability(f.exam, f.now); err != nil {
		return stepCalc{closed: true, reason: ErrorMessage(err)}
	}
	return stepCalc{done: true, can: true, note: "成绩已公布，可查询成绩、排名和资格复审/面试名单。"}
}
