package domain

import (
	"slices"
	"time"
)

// Overturn applies an administrator's correction of a review decision
// (改判): an approved (not yet paid), returned or rejected application gets
// another outcome, with a reason that the candidate sees. A rejection
// overturned frees the position again. Errors: EFORBIDDEN (not an
// administrator), ECONFLICT (nothing decided to overturn, or the same
// outcome), EINVALID (action, reason, parts).
func Overturn(app *Application, exam *Exam, d Decision, actorID string, role Role, now time.Time) error {
	if role != RoleAdmin {
		return Errorf(EFORBIDDEN, "只有管理员可以改判审核结论。")
	}
	var next State
	switch d.Action {
	case ActionApprove:
		next = StateApproved
	case ActionReturn:
		next = StateReturned
	case ActionReject:
		next = StateRejected
	default:
		return Errorf(EINVALID, "未知的审核操作。")
	}
	cur := ReviewBucket(app)
	if app.State != StateApproved && cur != StateReturned && cur != StateRejected {
		return Errorf(ECONFLICT, "该报名当前状态为“%s”，没有可改判的审核结论。", app.State.Label())
	}
	if cur == next {
		return Errorf(ECONFLICT, "该报名的审核结论已是“%s”。", BucketLabel(cur))
	}
	if err := CheckReason(ActionReject, d.Reason); err != nil {
		return FieldError("reason", "请填写改判的理由，考生将看到该理由。")
	}
	parts, err := CheckReturnParts(d.Action, d.Parts)
	if err != nil {
		return err
	}
	if app.State == StateRejected {
		app.RejectedPositions = slices.DeleteFunc(app.RejectedPositions, func(c string) bool { return c == app.PositionCode })
	}
	Apply(app, next, actorID, role, now, "改判："+d.Reason)
	app.ReturnedParts, app.CorrectionDeadline = nil, time.Time{}
	if next == StateReturned {
		app.ReturnedParts = parts
		app.CorrectionDeadline = now.Add(exam.CorrectionPeriod())
	}
	return nil
}
