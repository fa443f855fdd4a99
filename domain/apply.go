package domain

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// LocksPhoto reports whether an application in state s freezes the
// candidate's photo: from 报名信息确认 on, except while the candidate is
// editing again after 退回修改 or 审核不通过 (the photo is frozen anew at the
// next confirmation).
func (s State) LocksPhoto() bool {
	return s.stage() >= StateConfirmed.stage()
}

// CheckPhotoChange refuses replacing the account's photo while any of the
// candidate's applications has it frozen, or is being fixed after 退回修改
// without the photo among the named parts (the next confirmation would
// freeze the new photo). ECONFLICT.
func CheckPhotoChange(apps []*Application) error {
	for _, a := range apps {
		if a.State.LocksPhoto() {
			return Errorf(ECONFLICT, "报名信息已确认，照片不能再更换。")
		}
		if err := CheckPartChange(a, PartPhoto); err != nil {
			return err
		}
	}
	return nil
}

// CheckVersion refuses a form rendered for an older version of app: the
// application changed in another tab or by a reviewer since.
func CheckVersion(app *Application, version int) error {
	if version != app.Version {
		return Errorf(ECONFLICT, "报名信息已在其他页面或由审核员更新，本页内容已过期。请查看最新状态后重新操作。")
	}
	return nil
}

// CheckLevelChoice decides whether the candidate may (re)choose the 报考层级
// code of exam for app (nil: no application yet) at now.
func CheckLevelChoice(app *Application, exam *Exam, code string, now time.Time) error {
	if err := CheckWindow(exam, WindowRegistration, now); err != nil {
		return err
	}
	if _, ok := exam.Level(code); !ok {
		return FieldError("level", "请选择报考层级。")
	}
	if app != nil && !slices.Contains([]State{StateStarted, StateInfoSaved}, app.State) {
		return Errorf(ECONFLICT, "已选择报考职位，不能再更换报考层级。")
	}
	return nil
}

// CheckPositionLevel refuses a position outside the application's level.
func CheckPositionLevel(app *Application, p *Position) error {
	if p.LevelCode != app.LevelCode {
		return FieldError("position_code", "职位"+p.Code+"不属于您选择的报考层级。")
	}
	return nil
}

// The candidate's actions. Each decides one step on the application as
// loaded inside the store's transaction: it checks everything the step
// needs and either changes app or returns the reason it is refused. kv
// runs it, writes the record with its indexes and counts, and applies
// what it returns (a blob to delete). The pages that offer a step ask the
// same functions (or the Check… they call) why it is not possible.

// NewApplication starts the candidate's application to exam at the level
// code (选择报考层级). id comes from the store.
func NewApplication(id string, exam *Exam, candidateID, code string, now time.Time) (*Application, error) {
	if err := CheckLevelChoice(nil, exam, code, now); err != nil {
		return nil, err
	}
	return &Application{
		ID: id, ExamID: exam.ID, CandidateID: candidateID, LevelCode: code,
		State: StateStarted, Version: 1, CreatedAt: now, UpdatedAt: now,
		History: []HistoryEntry{{At: now, ActorID: candidateID, Role: RoleCandidate, To: StateStarted, Note: "选择报考层级"}},
	}, nil
}

// ChangeLevel changes the 报考层级 before a position is chosen. It is not a
// state change: no history line.
func ChangeLevel(app *Application, exam *Exam, code string, now time.Time) error {
	if err := CheckLevelChoice(app, exam, code, now); err != nil {
		return err
	}
	app.LevelCode = code
	touch(app, now)
	return nil
}

// touch records a change that keeps the state (a draft save, a new
// level): the version moves on so other tabs see they are stale.
func touch(app *Application, now time.Time) {
	app.Version++
	app.UpdatedAt = now
}

// DefaultPledge is the 报考承诺书 of an exam that defines none of its own;
// accepting it records version 0.
var DefaultPledge = Pledge{Version: 0, Text: `本人已认真阅读本次公开遴选公告及相关政策规定，清楚并理解其内容。
本人承诺：所填报的个人信息和提交的材料真实、准确、完整，符合所报职位的资格条件；不弄虚作假，不伪造、使用假证明和假材料。
本人承诺遵守考试纪律，诚信参加考试；如有违反，自愿接受取消考试资格、取消遴选资格等处理，并承担相应责任。
本人知晓：报名信息确认后不能修改；资格审查贯穿遴选全过程，任何环节发现不符合条件的，取消遴选资格。`}

// PledgeOf is the 承诺书 a candidate of exam accepts now.
func PledgeOf(exam *Exam) Pledge {
	if p := exam.CurrentPledge(); p.Text != "" {
		return p
	}
	return DefaultPledge
}

// CheckPledge says why the 承诺书 cannot be accepted now: no photo yet
// (EINVALID), or the window (EFORBIDDEN) and state (ECONFLICT).
func CheckPledge(app *Application, exam *Exam, acct *Account, now time.Time) error {
	if acct.PhotoID == "" {
		return Errorf(EINVALID, "请先上传照片，再阅读并接受报考承诺书。")
	}
	_, err := CheckTransition(app, exam, ActionAcceptPledge, RoleCandidate, now)
	return err
}

// AcceptPledge is 接受报考承诺书: version is the text the candidate read; a
// newer one must be read first (ECONFLICT on the field pledge_version). Records which version, when,
// from which address.
func AcceptPledge(app *Application, exam *Exam, acct *Account, version int, ip string, now time.Time) error {
	if err := CheckPledge(app, exam, acct, now); err != nil {
		return err
	}
	pledge := PledgeOf(exam)
	if version != pledge.Version {
		const msg = "报考承诺书已更新，请阅读新版本后再接受。"
		return &Error{Code: ECONFLICT, Message: msg, Fields: FieldErrors{"pledge_version": msg}}
	}
	if err := Transition(app, exam, ActionAcceptPledge, acct.ID, RoleCandidate, now, "接受报考承诺书（版本 "+itoa(pledge.Version)+"）"); err != nil {
		return err
	}
	app.PledgeVersion, app.PledgeAt, app.PledgeIP = pledge.Version, now, ip
	return nil
}

// CheckFormSave says why 填报信息 cannot be saved now: window, state, and
// while fixing a 退回修改 a section the reviewer did not name.
func CheckFormSave(app *Application, exam *Exam, sections []string, now time.Time) error {
	if _, err := CheckTransition(app, exam, ActionSaveInfo, RoleCandidate, now); err != nil {
		return err
	}
	if len(sections) == 0 {
		return Errorf(ECONFLICT, "审核员未要求修改填报信息，该部分不能修改。")
	}
	for _, id := range sections {
		if _, ok := Section(id); !ok {
			return Errorf(EINVALID, "未知的表单部分。")
		}
		if err := CheckPartChange(app, id); err != nil {
			return err
		}
	}
	return nil
}

// MergeSections is app's stored form with the given sections taken from
// posted, normalised: what a save of those sections would store.
func MergeSections(stored, posted ApplicationForm, sections []string) ApplicationForm {
	form := stored
	form.Family = slices.Clone(stored.Family)
	for _, id := range sections {
		form.MergeSection(id, posted)
	}
	form.Normalize()
	return form
}

// SaveForm is 保存填报信息 for the given sections (a draft: only filled
// fields are checked, EINVALID with the messages per field). Saving is not
// a state change: no history line.
func SaveForm(app *Application, exam *Exam, birth time.Time, sections []string, posted ApplicationForm, now time.Time) error {
	if err := CheckFormSave(app, exam, sections, now); err != nil {
		return err
	}
	form := MergeSections(app.Form, posted, sections)
	fe := FieldErrors{}
	for _, id := range sections {
		for k, v := range form.ValidateSection(id, birth, now, false) {
			fe.Add(k, v)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	app.Form = form
	touch(app, now)
	return nil
}

// CheckPositionStep says why 选择职位 is not possible now (window, state,
// a part the reviewer did not name).
func CheckPositionStep(app *Application, exam *Exam, now time.Time) error {
	if _, err := CheckTransition(app, exam, ActionSelectPosition, RoleCandidate, now); err != nil {
		return err
	}
	return CheckPartChange(app, PartPosition)
}

// ChoosePosition is 保存 on 选择职位 (and 改报 after 审核不通过). pos is the
// position named code (nil when there is none). Requirements the data
// decides must be met; the others must be acknowledged (ack) and go to
// the reviewer. A different position voids the uploaded 推荐表 (it names
// the position): its blob id is returned as drop.
func ChoosePosition(app *Application, exam *Exam, acct *Account, code string, pos *Position, ack bool, now time.Time) (drop string, err error) {
	if err := CheckPositionStep(app, exam, now); err != nil {
		return "", err
	}
	if err := CheckPositionChoice(app, code); err != nil {
		return "", err
	}
	if pos == nil {
		return "", FieldError("position_code", "职位 "+code+" 不存在。")
	}
	if err := CheckPositionLevel(app, pos); err != nil {
		return "", err
	}
	hard, soft := CheckEligibility(pos, acct, &app.Form, exam)
	if len(hard) > 0 {
		return "", FieldError("position_code", "不符合职位要求："+strings.Join(hard, "；"))
	}
	if len(soft) > 0 && !ack {
		return "", FieldError("ack", "请确认您符合上述条件")
	}
	if code != app.PositionCode && app.RecommendationID != "" {
		drop = app.RecommendationID
		app.RecommendationID, app.RecommendationName = "", ""
	}
	note := "选择职位 " + code
	if app.State == StateRejected {
		note = "改报职位 " + code
	}
	if err := Transition(app, exam, ActionSelectPosition, acct.ID, RoleCandidate, now, note); err != nil {
		return "", err
	}
	app.PositionCode, app.AcknowledgedTerms = code, len(soft) > 0
	return drop, nil
}

// ConfirmProblems lists what the candidate must still supply before 报名信息
// 确认: the photo, the complete form (by section), the position's hard
// requirements. pos is the chosen position (nil when none). The
// confirmation page shows the list and Confirm refuses while it is not
// empty, so the two cannot disagree.
func ConfirmProblems(app *Application, exam *Exam, acct *Account, pos *Position, now time.Time) []string {
	var out []string
	if acct.PhotoID == "" {
		out = append(out, "尚未上传照片")
	}
	for _, sec := range FormSections {
		fe := app.Form.ValidateSection(sec.ID, BirthOf(acct), now, true)
		for _, k := range slices.Sorted(maps.Keys(fe)) {
			out = append(out, sec.Title+"："+fe[k])
		}
	}
	if pos != nil {
		hard, _ := CheckEligibility(pos, acct, &app.Form, exam)
		out = append(out, hard...)
	}
	return out
}

// Confirm is 报名信息确认: the state machine (window, state, a position not
// rejected), then ConfirmProblems (EINVALID listing them). The account's
// photo is frozen into the application. When a new 推荐表 is due (the
// reviewer named it, or a position was chosen again) the one on file is
// returned as drop.
func Confirm(app *Application, exam *Exam, acct *Account, pos *Position, now time.Time) (drop string, err error) {
	if _, err := CheckTransition(app, exam, ActionConfirm, RoleCandidate, now); err != nil {
		return "", err
	}
	if problems := ConfirmProblems(app, exam, acct, pos, now); len(problems) > 0 {
		return "", Errorf(EINVALID, "报名信息尚不完整或不符合职位要求（%s），请修改后再确认。", strings.Join(problems, "；"))
	}
	if err := Transition(app, exam, ActionConfirm, acct.ID, RoleCandidate, now, ""); err != nil {
		return "", err
	}
	app.PhotoID = acct.PhotoID
	if app.State == StateConfirmed && app.RecommendationID != "" {
		drop = app.RecommendationID
		app.RecommendationID, app.RecommendationName = "", ""
	}
	return drop, nil
}

// UploadRecommendation records a new 推荐表 (blob id and file name) in
// place of any earlier one, whose blob id is returned as drop. The file's
// content is checked before (CheckRecommendationPDF).
func UploadRecommendation(app *Application, exam *Exam, actorID, blobID, name string, now time.Time) (drop string, err error) {
	if err := Transition(app, exam, ActionUploadMaterials, actorID, RoleCandidate, now, "上传报名推荐表"); err != nil {
		return "", err
	}
	drop = app.RecommendationID
	app.RecommendationID, app.RecommendationName = blobID, name
	return drop, nil
}

// ConfirmMaterials is 材料确认: the application goes to 待审核.
func ConfirmMaterials(app *Application, exam *Exam, actorID string, now time.Time) error {
	return Transition(app, exam, ActionConfirmMaterials, actorID, RoleCandidate, now, "")
}

// BirthOf is the candidate's birth date from the account (derived from
// the ID number); zero when unknown.
func BirthOf(acct *Account) time.Time {
	t, err := time.ParseInLocation("2006-01-02", acct.BirthDate, Shanghai)
	if err != nil {
		return time.Time{}
	}
	return t
}
