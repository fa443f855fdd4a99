package domain

import (
	"slices"
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
