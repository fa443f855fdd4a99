package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
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
		p.Problems = domain.ConfirmProblems(a, ac.exam, ac.acct, p.Position, s.now())
		if _, err := domain.CheckTransition(a, ac.exam, domain.ActionConfirm, domain.RoleCandidate, s.now()); err != nil {
			p.Disabled = domain.ErrorMessage(err)
		} else if len(p.Problems) > 0 {
			p.Disabled = "请先补充上述信息。"
		}
	}
	return p, nil
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

// doConfirm is 报名信息确认 (kv.Store.ConfirmApplication).
func (s *Server) doConfirm(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	_, err = s.store.ConfirmApplication(s.act(c, ac))
	switch domain.ErrorCode(err) {
	case "":
		return s.redirectFlash(c, views.ApplyPaths(ac.exam.ID).Flow(), "ok", "确认成功。请下载报名推荐表，签署盖章后扫描上传。")
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
