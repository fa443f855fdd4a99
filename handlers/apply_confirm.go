package handlers

import (
	"maps"
	"slices"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// confirmProps builds the read-only summary of the application.
func (s *Server) confirmProps(c *fiber.Ctx, ac *applyCtx) (views.ApplyConfirmProps, error) {
	h, err := s.hidden(c, ac)
	if err != nil {
		return views.ApplyConfirmProps{}, err
	}
	a := ac.app
	p := views.ApplyConfirmProps{
		Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name, LevelName: ac.levelName(),
		Name: ac.acct.Name, IDNumber: domain.MaskedID(ac.acct.LoginName), Sex: ac.acct.Sex,
		BirthDate: ac.acct.BirthDate, Phone: ac.acct.Phone, Form: a.Form, State: a.State,
		Confirmed: a.State.LocksPhoto(),
	}
	switch {
	case a.PhotoID != "" && p.Confirmed:
		p.PhotoURL = ac.base() + "/photo.jpg"
	case ac.acct.PhotoID != "":
		p.PhotoURL = "/photo/current.jpg"
	}
	if a.PositionCode != "" {
		if pos, ok := s.store.Position(a.ExamID, a.PositionCode); ok {
			p.Position = &pos
			_, p.Soft = domain.CheckEligibility(&pos, ac.acct, &a.Form, ac.exam)
		}
	}
	if !p.Confirmed {
		p.Problems = s.confirmProblems(ac, a)
		if _, err := domain.CheckTransition(a, ac.exam, domain.ActionConfirm, domain.RoleCandidate, s.now()); err != nil {
			p.Disabled = domain.ErrorMessage(err)
		} else if len(p.Problems) > 0 {
			p.Disabled = "请先补充上述信息。"
		}
	}
	return p, nil
}

// confirmProblems lists what blocks 报名信息确认 besides the state machine:
// the photo, the complete form, the position's hard requirements.
func (s *Server) confirmProblems(ac *applyCtx, a *domain.Application) []string {
	var out []string
	if ac.acct.PhotoID == "" {
		out = append(out, "尚未上传照片")
	}
	for _, sec := range domain.FormSections {
		fe := a.Form.ValidateSection(sec.ID, birthDate(ac.acct), s.now(), true)
		for _, k := range slices.Sorted(maps.Keys(fe)) {
			out = append(out, sec.Title+"："+fe[k])
		}
	}
	if a.PositionCode != "" {
		if pos, ok := s.store.Position(a.ExamID, a.PositionCode); ok {
			hard, _ := domain.CheckEligibility(&pos, ac.acct, &a.Form, ac.exam)
			out = append(out, hard...)
		}
	}
	return out
}

// showConfirm is 报名信息确认: everything on one page.
func (s *Server) showConfirm(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	p, err := s.confirmProps(c, ac)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "报名信息确认", "apply", views.ApplyConfirmPage(p), nil)
}

// doConfirm is 报名信息确认: in one transaction the version, the state
// machine, the account's photo, the complete form and the position's hard
// requirements are checked; the photo is frozen into the application.
func (s *Server) doConfirm(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	now := s.now()
	_, err = s.updateApp(ac, formVersion(c), func(tx *kv.Tx, a *domain.Application) error {
		if _, err := domain.CheckTransition(a, ac.exam, domain.ActionConfirm, domain.RoleCandidate, now); err != nil {
			return err
		}
		acct, err := tx.Account(a.CandidateID)
		if err != nil {
			return err
		}
		if acct.PhotoID == "" {
			return domain.Errorf(domain.EINVALID, "请先上传照片。")
		}
		if fe := a.Form.Validate(birthDate(acct), now, true); len(fe) > 0 {
			return domain.Errorf(domain.EINVALID, "填报信息不完整或有误，请修改后再确认。")
		}
		pos, err := tx.Position(a.ExamID, a.PositionCode)
		if err != nil {
			return err
		}
		if hard, _ := domain.CheckEligibility(pos, acct, &a.Form, ac.exam); len(hard) > 0 {
			return domain.Errorf(domain.EINVALID, "不符合所报职位的要求，请改报其他职位。")
		}
		if err := domain.Transition(a, ac.exam, domain.ActionConfirm, ac.acct.ID, domain.RoleCandidate, now, ""); err != nil {
			return err
		}
		a.PhotoID = acct.PhotoID
		if a.State == domain.StateConfirmed && a.RecommendationID != "" {
			// A 推荐表 is due (the reviewer named it, or a position was
			// chosen again): the one on file can no longer be confirmed.
			if err := tx.DeleteBlob(a.RecommendationID); err != nil {
				return err
			}
			a.RecommendationID, a.RecommendationName = "", ""
		}
		return nil
	})
	switch domain.ErrorCode(err) {
	case "":
		return s.redirectFlash(c, "/apply/"+ac.exam.ID, "ok", "确认成功。请下载报名推荐表，签署盖章后扫描上传。")
	case domain.EINVALID:
		p, perr := s.confirmProps(c, ac)
		if perr != nil {
			return perr
		}
		p.Error = domain.ErrorMessage(err)
		return s.page(c, invalidStatus, "报名信息确认", "apply", views.ApplyConfirmPage(p), nil)
	}
	return s.actionRefused(c, ac, err)
}
