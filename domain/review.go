package domain

import (
	"strconv"
	"strings"
	"time"
)

// DefaultCorrectionHours is the 补正 period after a 退回修改 when the exam
// sets none: real review offices give the candidate about 48 hours.
const DefaultCorrectionHours = 48

// CorrectionPeriod is how long a candidate has to fix a returned application.
func (e *Exam) CorrectionPeriod() time.Duration {
	h := e.CorrectionHours
	if h <= 0 {
		h = DefaultCorrectionHours
	}
	return time.Duration(h) * time.Hour
}

// CorrectionDeadline is the 补正截止 of a 退回修改 decided at decided: the
// exam's correction period later, but never past the end of the review
// window (a correction nobody could review would be pointless).
func CorrectionDeadline(exam *Exam, decided time.Time) time.Time {
	d := decided.Add(exam.CorrectionPeriod())
	if end := exam.Review.End; !end.IsZero() && d.After(end) {
		d = end
	}
	return d
}

// inCorrectionLoop reports whether app is between a 退回修改 and the
// candidate's resubmission (材料确认): returned, or on the way back after
// choosing a position or confirming again.
func inCorrectionLoop(a *Application) bool {
	if a.CorrectionDeadline.IsZero() {
		return false
	}
	switch a.State {
	case StateReturned, StateInfoSaved, StatePositionSelected, StateConfirmed, StateMaterialsUploaded:
		return true
	}
	return false
}

// InCorrection reports whether the candidate may still fix a returned
// application at now (before its 补正截止).
func InCorrection(a *Application, now time.Time) bool {
	return a != nil && inCorrectionLoop(a) && now.Before(a.CorrectionDeadline)
}

// CorrectionOverdue reports whether a returned application was not fixed
// and resubmitted before its 补正截止 (逾期未补正): the reviewer may then
// decide it as it stands.
func CorrectionOverdue(a *Application, now time.Time) bool {
	return a != nil && inCorrectionLoop(a) && !now.Before(a.CorrectionDeadline)
}

// CandidateWindow decides whether the candidate's registration actions
// (填报信息, 选择职位, 确认, 材料) are possible on app at now: while
// registration is open, and after it only to fix a 退回修改 before its
// 补正截止. Returns nil or an EFORBIDDEN error that says which.
func CandidateWindow(app *Application, exam *Exam, now time.Time) error {
	regErr := CheckWindow(exam, WindowRegistration, now)
	if regErr == nil || InCorrection(app, now) {
		return nil
	}
	if CorrectionOverdue(app, now) {
		return Errorf(EFORBIDDEN, "补正截止时间（%s）已过，报名信息不能再修改。", FormatTime(app.CorrectionDeadline))
	}
	return regErr
}

// CheckReviewVersion refuses a decision taken on a page opened for an older
// version of app: the candidate or another reviewer changed it since.
// version 0 means the caller did not say (batch tools).
func CheckReviewVersion(app *Application, version int) error {
	if version == 0 || version == app.Version {
		return nil
	}
	return Errorf(ECONFLICT, "该报名在您打开页面后已有变化，请查看最新内容后再审核。")
}

// ReviewBucket is the queue an application is listed in on the review
// dashboard: 待审核, 已通过 (approved and every later state), 已退回 (from
// the return until resubmission) or 不通过; "" for applications not yet
// submitted, which reviewers never see.
func ReviewBucket(a *Application) State {
	switch a.State {
	case StateSubmitted:
		return StateSubmitted
	case StateApproved, StatePaid, StateTicketIssued, StateScored, StateRefundPending, StateRefunded:
		return StateApproved
	case StateRejected:
		return StateRejected
	case StateReturned:
		return StateReturned
	}
	if inCorrectionLoop(a) {
		return StateReturned
	}
	return ""
}

// ReviewBuckets are the dashboard's queues, in display order.
var ReviewBuckets = []State{StateSubmitted, StateApproved, StateReturned, StateRejected}

// ParseReviewBucket reads a queue name from a filter; "" is 待审核.
func ParseReviewBucket(s string) (State, error) {
	if s == "" {
		return StateSubmitted, nil
	}
	for _, b := range ReviewBuckets {
		if string(b) == s {
			return b, nil
		}
	}
	return "", FieldError("state", "未知的审核状态。")
}

// BucketLabel is the queue's name on the dashboard.
func BucketLabel(b State) string {
	switch b {
	case StateSubmitted:
		return "待审核"
	case StateApproved:
		return "已通过"
	case StateReturned:
		return "已退回"
	case StateRejected:
		return "不通过"
	}
	return b.Label()
}

// BucketSince is when app entered its review bucket: the last transition
// into the bucket's entry state (submitted, approved, returned, rejected).
// It orders the queue (oldest first) and is derived from the history, so
// the same record always yields the same index key.
func BucketSince(a *Application) time.Time {
	b := ReviewBucket(a)
	for i := len(a.History) - 1; i >= 0; i-- {
		h := a.History[i]
		if h.To == b && h.From != h.To {
			return h.At
		}
	}
	return a.UpdatedAt
}

// WaitingLabel says how long something has waited, for the queue:
// "3天2小时", "5小时10分", "12分钟".
func WaitingLabel(since, now time.Time) string {
	d := now.Sub(since)
	if d < time.Minute {
		return "不到1分钟"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d/time.Hour) % 24
	mins := int(d/time.Minute) % 60
	switch {
	case days > 0:
		return strconv.Itoa(days) + "天" + strconv.Itoa(hours) + "小时"
	case hours > 0:
		return strconv.Itoa(hours) + "小时" + strconv.Itoa(mins) + "分"
	}
	return strconv.Itoa(mins) + "分钟"
}

// MatchesSearch reports whether a queue entry matches the reviewer's search
// text: part of the name, or part of the ID number as the viewer sees it
// (masked for reviewers, so a search cannot probe hidden digits).
func MatchesSearch(q, name, shownID string) bool {
	q = strings.TrimSpace(q)
	if q == "" {
		return true
	}
	return strings.Contains(name, q) || strings.Contains(shownID, strings.ToUpper(q))
}

// MaxCorrectionHours bounds the 补正 period an exam may set (30 days).
const MaxCorrectionHours = 30 * 24

// ParseCorrectionHours reads the exam form's 补正期限: empty is 0 (the
// default), else whole hours from 1 to MaxCorrectionHours; msg says why not.
func ParseCorrectionHours(s string) (hours int, msg string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ""
	}
	h, err := strconv.Atoi(s)
	if err != nil || h < 1 || h > MaxCorrectionHours {
		return 0, "补正期限请填写 1 至 720 之间的整数（小时）。"
	}
	return h, ""
}
