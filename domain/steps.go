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

// Steps computes the 报考流程 page of app (nil: no application yet) at now.
// hasPhoto tells whether the candidate's photo passed its check. At most
// one step is StepCurrent: the first one the candidate can and should do,
// or 审核 while the application waits for a reviewer.
func Steps(app *Application, exam *Exam, hasPhoto bool, now time.Time) []Step {
	var a Application
	if app != nil {
		a = *app
	}
	st := a.State
	started := app != nil && st.stage() >= 0
	editable := st.Editable()
	regErr := CandidateWindow(app, exam, now)
	lockedMsg := "报名信息已确认，不能再修改。"
	if st.Final() {
		lockedMsg = "资格审查已通过，报名信息不能再修改。"
	}
	infoDone := started && st != StateStarted && a.Form.Complete()
	positionDone := a.PositionCode != "" && st != StateRejected && st.stage() >= 1
	confirmed := st.stage() >= StateConfirmed.stage()
	// While fixing the parts a reviewer named (退回修改), the others are locked.
	notAsked := func(part string) string { return "审核员未要求修改" + PartTitle(part) + "。" }
	recommendationAsked := a.InReturnLoop() && slices.Contains(a.ReturnedParts, PartRecommendation)

	type calc struct {
		done, can bool
		closed    bool // not possible because its window is shut
		reason    string
		note      string
	}
	// candidateStep applies the registration window to a step whose state
	// conditions allow it.
	candidateStep := func(c calc) calc {
		if c.can && regErr != nil {
			c.can, c.closed, c.reason = false, !c.done, ErrorMessage(regErr)
		}
		return c
	}
	var cs [10]calc

	// 照片: the account's photo, frozen into the application at confirmation.
	cs[0] = calc{done: hasPhoto, can: !confirmed || st == StateReturned || st == StateRejected}
	switch {
	case !cs[0].can:
		cs[0].reason = "报名信息确认后照片不能更换。"
	case !a.MayChange(PartPhoto):
		cs[0].can, cs[0].reason = false, notAsked(PartPhoto)
	case a.InReturnLoop():
		cs[0].note = "审核员要求修改照片。"
	}

	// 承诺书
	switch {
	case !started:
		cs[1] = calc{reason: "请先选择报考层级。"}
	case st != StateStarted:
		cs[1] = calc{done: true}
	case !hasPhoto:
		cs[1] = calc{reason: "请先上传照片。"}
	default:
		cs[1] = candidateStep(calc{can: true})
	}

	// 填报信息
	switch {
	case !started || st == StateStarted:
		cs[2] = calc{reason: "请先阅读并接受报考承诺书。"}
	case editable && a.InReturnLoop():
		if secs := EditableSections(&a); len(secs) > 0 {
			cs[2] = candidateStep(calc{done: infoDone, can: true, note: "审核员要求修改：" + strings.Join(PartTitles(secs), "、") + "。"})
		} else {
			cs[2] = calc{done: infoDone, reason: "审核员未要求修改填报信息。"}
		}
	case editable:
		cs[2] = candidateStep(calc{done: infoDone, can: true})
	default:
		cs[2] = calc{done: infoDone, reason: lockedMsg}
	}

	// 选择职位
	switch {
	case !started || st == StateStarted:
		cs[3] = calc{reason: "请先阅读并接受报考承诺书。"}
	case editable && !a.MayChange(PartPosition):
		cs[3] = calc{done: positionDone, reason: notAsked(PartPosition)}
	case editable:
		c := calc{done: positionDone, can: true}
		if a.InReturnLoop() {
			c.note = "审核员要求修改报考职位。改报其他职位后须重新上传报名推荐表。"
		}
		if st == StateRejected {
			c.note = "所报职位" + a.PositionCode + "审核不通过，可改报其他职位。"
		}
		cs[3] = candidateStep(c)
	default:
		cs[3] = calc{done: positionDone, reason: lockedMsg}
	}
	if cs[3].done {
		cs[3].note = strings.TrimSpace(cs[3].note + " 已选职位：" + a.PositionCode)
	}

	// 报名信息确认
	switch {
	case confirmed:
		cs[4] = calc{done: true}
	case !hasPhoto:
		cs[4] = calc{reason: "请先上传照片。"}
	case !started || st == StateStarted:
		cs[4] = calc{reason: "请先阅读并接受报考承诺书。"}
	case !infoDone:
		cs[4] = calc{reason: "请先完整填写报考信息。"}
	case !positionDone:
		cs[4] = calc{reason: "请先选择报考职位。"}
	default:
		cs[4] = candidateStep(calc{can: true})
	}

	// 材料上传
	switch {
	case st == StateConfirmed || st == StateMaterialsUploaded:
		cs[5] = candidateStep(calc{done: st == StateMaterialsUploaded, can: true})
	case confirmed:
		cs[5] = calc{done: true, reason: "材料已确认提交，不能再更换。"}
	default:
		cs[5] = calc{reason: "请先进行报名信息确认。"}
		switch {
		case recommendationAsked:
			cs[5].note = "审核员要求重新上传报名推荐表，请在重新确认报名信息后上传。"
		case st == StateReturned && a.RecommendationID != "":
			cs[5].note = "已上传的报名推荐表将保留，重新确认报名信息后可更换。"
		}
	}

	// 材料确认
	switch {
	case st == StateMaterialsUploaded:
		cs[6] = candidateStep(calc{can: true})
	case st.stage() >= StateSubmitted.stage():
		cs[6] = calc{done: true}
	case confirmed:
		cs[6] = calc{reason: "请先上传报名推荐表。"}
	case recommendationAsked:
		cs[6] = calc{reason: "请先完成报名信息确认，再重新上传报名推荐表。"}
	case st == StateReturned && a.RecommendationID != "":
		// Re-confirming goes straight to materials_uploaded: the PDF stays.
		cs[6] = calc{reason: "请先完成报名信息确认。已上传的报名推荐表将保留。"}
	case st == StateRejected:
		// A new position needs a new 推荐表 (it names the position).
		cs[6] = calc{reason: "请先改报职位并完成报名信息确认，再上传新的报名推荐表。"}
	default:
		cs[6] = calc{reason: "请先完成报名信息确认，再上传报名推荐表。"}
	}

	// 审核
	review := calc{}
	switch {
	case st.stage() >= StateApproved.stage():
		review.done = true
	case st == StateSubmitted:
		review.reason = "材料已提交，等待资格审查。审核时间为 " + exam.Review.String() + "。"
	case st == StateReturned:
		review.reason = "退回修改，请按要求修改后重新确认报名信息和材料。"
		review.note = a.ReviewReason
	case st == StateRejected:
		review.reason = "审核不通过，可改报其他职位后重新确认。"
		review.note = a.ReviewReason
	default:
		review.reason = "材料确认后进入资格审查。"
	}
	if (st == StateReturned || st == StateRejected) && regErr != nil {
		review.reason += "报名已结束，不能再修改。"
	}
	cs[7] = review

	// 缴费
	switch {
	case st.stage() > StateApproved.stage():
		cs[8] = calc{done: true}
	case st == StateApproved:
		if err := CheckWindow(exam, WindowPayment, now); err != nil {
			cs[8] = calc{closed: true, reason: ErrorMessage(err)}
		} else {
			cs[8] = calc{can: true}
		}
	default:
		cs[8] = calc{reason: "资格审查通过后才能缴费。"}
	}

	// 准考证: printing can be repeated, so the step is never "done".
	switch {
	case st == StateTicketIssued || st == StateScored:
		if err := CheckWindow(exam, WindowTicket, now); err != nil {
			cs[9] = calc{closed: true, reason: ErrorMessage(err)}
		} else {
			cs[9] = calc{can: true}
		}
	case st == StatePaid:
		cs[9] = calc{reason: "准考证尚未生成。打印准考证时间为 " + exam.Ticket.String() + "。"}
	default:
		cs[9] = calc{reason: "缴费成功后才能打印准考证。"}
	}

	titles := [10][2]string{
		{StepPhoto, "照片"}, {StepPledge, "承诺书"}, {StepInfo, "填报信息"}, {StepPosition, "选择职位"},
		{StepConfirm, "报名信息确认"}, {StepUpload, "材料上传"}, {StepConfirmMaterials, "材料确认"},
		{StepReview, "审核"}, {StepPayment, "缴费"}, {StepTicket, "准考证"},
	}
	steps := make([]Step, len(cs))
	haveCurrent := false
	for i, c := range cs {
		s := Step{Key: titles[i][0], Title: titles[i][1], Actionable: c.can, Reason: c.reason, Note: c.note}
		switch {
		case c.done:
			s.Status = StepDone
		case c.can && !haveCurrent:
			s.Status, haveCurrent = StepCurrent, true
		case c.can:
			s.Status = StepOpen
		case c.closed:
			s.Status = StepClosed
		case i == 7 && st == StateSubmitted && !haveCurrent:
			s.Status, haveCurrent = StepCurrent, true
		default:
			s.Status = StepLocked
		}
		steps[i] = s
	}
	return steps
}
