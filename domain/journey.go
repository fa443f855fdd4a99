package domain

import (
	"strconv"
	"strings"
	"time"
)

// Situation is what the home page says about one exam to a signed-in
// candidate: where the application stands, in a sentence, and the one
// step to take next.
type Situation struct {
	Headline string // e.g. "待审核，已等待 2 天"
	Detail   string // the reviewer's reason, a deadline, a window
	Next     *Step  // the step to take now; nil when there is nothing to do
}

// CandidateSituation words the state of app (nil: not applied) for the home
// page. steps are Steps(app, exam, …) at now; the next step is the current
// one when the candidate can act on it.
func CandidateSituation(app *Application, exam *Exam, steps []Step, now time.Time) Situation {
	var s Situation
	for i := range steps {
		if steps[i].Status == StepCurrent && steps[i].Actionable {
			s.Next = &steps[i]
			break
		}
	}
	// 退回修改: the next step is fixing what the reviewer named, which
	// Steps shows as done-but-actionable, not as current.
	if app != nil && app.InReturnLoop() {
		if st := returnedStep(app.ReturnedParts, steps); st != nil {
			s.Next = st
		}
	}
	if app == nil {
		if exam.Registration.Open(now) {
			s.Headline = "尚未报名"
			s.Detail = "报名截止时间：" + FormatTime(exam.Registration.End)
		} else {
			s.Headline = "未在报名时间"
			s.Detail = "报名时间：" + exam.Registration.String()
		}
		return s
	}
	switch app.State {
	case StateSubmitted:
		s.Headline = "待审核，" + waited(app.submittedAt(), now)
		s.Detail = "审核时间：" + exam.Review.String()
	case StateReturned:
		s.Headline = "退回修改"
		if parts := PartTitles(app.ReturnedParts); len(parts) > 0 {
			s.Headline += "：请修改 " + strings.Join(parts, "、")
		}
		s.Headline += "，补正截止 " + FormatTime(exam.Registration.End)
		s.Detail = reasonLine(app.ReviewReason)
	case StateRejected:
		s.Headline = "审核不通过"
		if exam.Registration.Open(now) {
			s.Headline += "，报名截止前可再次提交原职位或改报其他职位"
		}
		s.Detail = reasonLine(app.ReviewReason)
	case StateApproved:
		s.Headline = "审核通过，请按时网上缴费"
		s.Detail = "缴费时间：" + exam.Payment.String()
	case StatePaid:
		s.Headline = "已缴费，等待打印准考证"
		s.Detail = "打印准考证时间：" + exam.Ticket.String()
	case StateTicketIssued:
		s.Headline = "准考证已生成"
		s.Detail = "打印准考证时间：" + exam.Ticket.String()
		if ScoresPublished(exam, now) {
			s.Headline = "笔试成绩已公布"
			s.Detail = "请在“成绩查询”中查看成绩、排名及是否进入资格复审/面试。"
		}
	case StateScored:
		s.Headline = "成绩已公布"
	default:
		s.Headline = "报名未完成"
		if s.Next != nil {
			s.Headline += "，下一步：" + s.Next.Title
		}
		s.Detail = "报名截止时间：" + FormatTime(exam.Registration.End) + "。材料确认后才进入资格审核。"
	}
	return s
}

// returnedStep is the first actionable step that fixes one of the parts a
// reviewer named (照片, a 填报信息 section, 报考职位; a new 推荐表 starts
// with 报名信息确认).
func returnedStep(parts []string, steps []Step) *Step {
	want := map[string]bool{}
	for _, p := range parts {
		switch p {
		case PartPhoto:
			want[StepPhoto] = true
		case PartPosition:
			want[StepPosition] = true
		case PartRecommendation:
			want[StepConfirm] = true
		default:
			want[StepInfo] = true
		}
	}
	for i := range steps {
		if want[steps[i].Key] && steps[i].Actionable {
			return &steps[i]
		}
	}
	return nil
}

func reasonLine(reason string) string {
	if reason == "" {
		return ""
	}
	return "审核意见：" + reason
}

// submittedAt is when the application last entered 待审核.
func (a *Application) submittedAt() time.Time {
	for i := len(a.History) - 1; i >= 0; i-- {
		if a.History[i].To == StateSubmitted {
			return a.History[i].At
		}
	}
	return a.UpdatedAt
}

// waited words the calendar days (Beijing time) between since and now.
func waited(since, now time.Time) string {
	y1, m1, d1 := since.In(Shanghai).Date()
	y2, m2, d2 := now.In(Shanghai).Date()
	days := int(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	if days <= 0 {
		return "今天提交"
	}
	return "已等待 " + strconv.Itoa(days) + " 天"
}

// DescribeEvent words one history entry as a sentence the candidate
// understands ("您确认了报名信息。"), instead of the internal state names.
// The note is folded in where it adds something: the position's code, the
// reviewer's reason.
func DescribeEvent(h HistoryEntry) string {
	switch h.To {
	case StateStarted:
		return "您选择了报考层级，开始报名。"
	case StateInfoSaved:
		if h.From == StateStarted {
			return "您阅读并接受了报考承诺书。"
		}
		return "您保存了填报信息。"
	case StatePositionSelected:
		verb := "您选择了报考职位"
		if h.From == StatePositionSelected || h.From == StateRejected || h.From == StateReturned {
			verb = "您改选了报考职位"
		}
		for _, prefix := range []string{"选择职位 ", "改报职位 "} {
			if code, ok := strings.CutPrefix(h.Note, prefix); ok {
				return verb + " " + code + "。"
			}
		}
		return verb + "。"
	case StateConfirmed:
		return "您确认了报名信息，报名信息不能再修改。"
	case StateMaterialsUploaded:
		if h.From == StateMaterialsUploaded {
			return "您更换了报名推荐表。"
		}
		return "您上传了报名推荐表。"
	case StateSubmitted:
		return "您确认提交了材料，进入资格审核。"
	case StateApproved:
		return "资格审核通过。"
	case StateReturned:
		return withReason("审核员退回修改", h.Note)
	case StateRejected:
		return withReason("资格审核不通过", h.Note)
	case StatePaid:
		return "网上缴费成功。"
	case StateTicketIssued:
		return "准考证已生成，可以打印。"
	case StateScored:
		return "成绩已公布。"
	}
	return h.To.Label() + "。"
}

// withReason is "what：reason。", or "what。" without a reason.
func withReason(what, reason string) string {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return what + "。"
	}
	if !strings.HasSuffix(reason, "。") {
		reason += "。"
	}
	return what + "：" + reason
}
