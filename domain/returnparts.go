package domain

import (
	"slices"
	"strings"
	"time"
)

// Parts a reviewer names when returning an application (退回修改), besides
// the 填报信息 sections, which are named by their FormSection ids.
const (
	PartPhoto          = "photo"          // 照片
	PartPosition       = "position"       // 报考职位
	PartRecommendation = "recommendation" // 报名推荐表
)

// ReturnPart is one part of an application a reviewer can name when
// returning it: what the candidate is asked to fix.
type ReturnPart struct {
	ID    string
	Title string
}

// ReturnParts lists the parts a reviewer can name, in the order of the
// 报考流程: the photo, each 填报信息 section, the position, the 推荐表.
func ReturnParts() []ReturnPart {
	out := []ReturnPart{{PartPhoto, "照片"}}
	for _, s := range FormSections {
		out = append(out, ReturnPart{s.ID, s.Title})
	}
	return append(out, ReturnPart{PartPosition, "报考职位"}, ReturnPart{PartRecommendation, "报名推荐表"})
}

// PartTitle is the title of a nameable part, the id itself when unknown.
func PartTitle(id string) string {
	for _, p := range ReturnParts() {
		if p.ID == id {
			return p.Title
		}
	}
	return id
}

// PartTitles are the titles of ids, in the same order.
func PartTitles(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = PartTitle(id)
	}
	return out
}

// CheckReturnParts checks the parts of a review decision and returns them
// without duplicates, in ReturnParts order. A return must name at least one
// known part; approval and rejection name none. Errors are EINVALID, keyed
// "parts".
func CheckReturnParts(action Action, parts []string) ([]string, error) {
	if action != ActionReturn {
		if len(parts) > 0 {
			return nil, FieldError("parts", "只有退回修改需要指明考生修改的部分。")
		}
		return nil, nil
	}
	var out []string
	for _, p := range ReturnParts() {
		if slices.Contains(parts, p.ID) {
			out = append(out, p.ID)
		}
	}
	for _, id := range parts {
		if !slices.ContainsFunc(ReturnParts(), func(p ReturnPart) bool { return p.ID == id }) {
			return nil, FieldError("parts", "未知的修改部分“"+id+"”。")
		}
	}
	if len(out) == 0 {
		return nil, FieldError("parts", "退回修改须至少指明一项考生需要修改的部分（照片、填报信息的某部分、报考职位或报名推荐表）。")
	}
	return out, nil
}

// InReturnLoop reports whether the candidate is fixing the parts a reviewer
// named: from 退回修改 until the next 报名信息确认, including after choosing
// a position again (which leaves the returned state for position_selected).
// An application returned without named parts (recorded before parts
// existed) is not restricted.
func (a *Application) InReturnLoop() bool {
	return len(a.ReturnedParts) > 0 && a.State.Editable()
}

// MayChange reports whether, as far as 退回修改 is concerned, the candidate
// may change part (a ReturnParts id): outside the loop always; inside it
// only the named parts. The 推荐表 may always be replaced: it has to be
// confirmed again in any case (state rules decide when an upload is
// possible). The state machine and the windows are checked separately.
func (a *Application) MayChange(part string) bool {
	if part == PartRecommendation || !a.InReturnLoop() {
		return true
	}
	return slices.Contains(a.ReturnedParts, part)
}

// CheckPartChange refuses, with ECONFLICT, changing a part the reviewer did
// not name while the application is in the 退回修改 loop.
func CheckPartChange(a *Application, part string) error {
	if a.MayChange(part) {
		return nil
	}
	return Errorf(ECONFLICT, "审核员未要求修改“%s”，该部分不能修改。", PartTitle(part))
}

// EditableSections are the ids of the 填报信息 sections the candidate may
// save as far as 退回修改 is concerned (all of them outside the loop).
func EditableSections(a *Application) []string {
	var out []string
	for _, s := range FormSections {
		if a.MayChange(s.ID) {
			out = append(out, s.ID)
		}
	}
	return out
}

// Decision is a reviewer's decision on a 待审核 application.
type Decision struct {
	Action Action   // ActionApprove, ActionReturn or ActionReject
	Reason string   // required for 退回修改 and 审核不通过
	Parts  []string // 退回修改 only: the ReturnParts ids the candidate must fix
}

// Review applies a reviewer's decision: CheckTransition, CheckReason,
// CheckReturnParts, then Apply; a return records the named parts in
// ReturnedParts and sets the 补正截止 (CorrectionDeadline); approval and
// rejection clear both. Errors: EINVALID (unknown action, reason, parts),
// EFORBIDDEN (role, window), ECONFLICT (not 待审核).
func Review(app *Application, exam *Exam, d Decision, actorID string, role Role, now time.Time) error {
	switch d.Action {
	case ActionApprove, ActionReturn, ActionReject:
	default:
		return Errorf(EINVALID, "未知的审核操作。")
	}
	return transition(app, exam, d.Action, actorID, role, now, d.Reason, d.Parts)
}

func transition(app *Application, exam *Exam, action Action, actorID string, role Role, now time.Time, note string, parts []string) error {
	next, err := CheckTransition(app, exam, action, role, now)
	if err != nil {
		return err
	}
	if err := CheckReason(action, note); err != nil {
		return err
	}
	parts, err = CheckReturnParts(action, parts)
	if err != nil {
		return err
	}
	if strings.TrimSpace(note) == "" {
		note = action.Label()
	}
	Apply(app, next, actorID, role, now, note)
	switch action {
	case ActionReturn:
		app.ReturnedParts = parts
		app.CorrectionDeadline = CorrectionDeadline(exam, now)
	case ActionApprove, ActionReject:
		// Also ends a 逾期未补正 loop decided as it stands.
		app.ReturnedParts, app.CorrectionDeadline = nil, time.Time{}
	}
	return nil
}
