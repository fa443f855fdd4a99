package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// applyCtx is what every /apply/:exam handler works on.
type applyCtx struct {
	acct *domain.Account
	exam *domain.Exam
	app  *domain.Application // nil before a level was chosen
}

// loadExam loads the published exam named by the :exam parameter.
func (s *Server) loadExam(c *fiber.Ctx) (*domain.Exam, error) {
	exam, err := s.store.Exam(c.Params("exam"))
	if err != nil {
		return nil, err
	}
	if !exam.Published {
		return nil, domain.Errorf(domain.ENOTFOUND, "考试不存在。")
	}
	return exam, nil
}

// loadApply loads exam and the candidate's application to it; app stays
// nil when there is none yet.
func (s *Server) loadApply(c *fiber.Ctx) (*applyCtx, error) {
	exam, err := s.loadExam(c)
	if err != nil {
		return nil, err
	}
	ac := &applyCtx{acct: account(c), exam: exam}
	app, err := s.store.ApplicationOf(ac.acct.ID, exam.ID)
	switch domain.ErrorCode(err) {
	case "":
		ac.app = app
	case domain.ENOTFOUND:
	default:
		return nil, err
	}
	return ac, nil
}

// loadPosted is loadApply for a form post: the form must have been
// rendered for the signed-in account (checkFormAccount).
func (s *Server) loadPosted(c *fiber.Ctx) (*applyCtx, error) {
	if err := checkFormAccount(c); err != nil {
		return nil, err
	}
	return s.loadApply(c)
}

// application is the prologue of the /apply/:exam pages that need an
// application: it loads exam and application and sends a candidate
// without one to the level choice. ok false means the handler is done:
// it returns err (nil after that redirect).
func (s *Server) application(c *fiber.Ctx) (ac *applyCtx, ok bool, err error) {
	ac, err = s.loadApply(c)
	if err != nil {
		return nil, false, err
	}
	return s.requireApp(c, ac)
}

// postedApplication is application for a form post (checkFormAccount first).
func (s *Server) postedApplication(c *fiber.Ctx) (ac *applyCtx, ok bool, err error) {
	ac, err = s.loadPosted(c)
	if err != nil {
		return nil, false, err
	}
	return s.requireApp(c, ac)
}

// requireApp sends a candidate without an application to the level choice.
func (s *Server) requireApp(c *fiber.Ctx, ac *applyCtx) (*applyCtx, bool, error) {
	if ac.app != nil {
		return ac, true, nil
	}
	return nil, false, s.redirectFlash(c, views.ApplyPaths(ac.exam.ID).Level(), "info", "请先选择报考层级。")
}

func (ac *applyCtx) base() string { return views.ApplyPaths(ac.exam.ID).Flow() }

// returnedNotice is what the reviewer asked for while the candidate fixes
// a 退回修改 (nil otherwise).
func returnedNotice(a *domain.Application) *views.ReturnedNotice {
	if a == nil || !a.InReturnLoop() {
		return nil
	}
	return &views.ReturnedNotice{Reason: a.ReviewReason, Parts: domain.PartTitles(a.ReturnedParts)}
}

func (ac *applyCtx) levelName() string {
	if ac.app == nil {
		return ""
	}
	if l, ok := ac.exam.Level(ac.app.LevelCode); ok {
		return l.Name
	}
	return ac.app.LevelCode
}

// hidden builds the hidden fields of an application form and puts the
// CSRF token where the form components read it (the request's context).
func (s *Server) hidden(c *fiber.Ctx, ac *applyCtx) (views.ApplyHidden, error) {
	tok, err := s.csrfToken(c)
	if err != nil {
		return views.ApplyHidden{}, err
	}
	c.SetUserContext(views.WithCSRF(c.UserContext(), tok))
	h := views.ApplyHidden{Account: ac.acct.ID}
	if ac.app != nil {
		h.Version = ac.app.Version
	}
	return h, nil
}

// checkFormAccount refuses a form rendered for another account. The CSRF
// token is already bound to the session (and login resets it); this makes
// the binding explicit and survives any future change to sessions.
func checkFormAccount(c *fiber.Ctx) error {
	switch formValue(c, "for_account") {
	case account(c).ID:
		return nil
	case "":
		// Not one of our forms at all (no field, or not form-encoded).
		return domain.Errorf(domain.EINVALID, "提交的内容不完整，请返回页面后重新提交。")
	}
	return domain.Errorf(domain.EFORBIDDEN, "该页面是为其他账号打开的（本浏览器上已换人登录），请刷新页面后重新操作。")
}

// formVersion reads the application version a form was rendered with.
func formVersion(c *fiber.Ctx) int {
	v, err := strconv.Atoi(formValue(c, "version"))
	if err != nil {
		return -1
	}
	return v
}

// regClosed returns why registration actions are not possible now ("" when open).
func (s *Server) regClosed(exam *domain.Exam) string {
	if err := domain.CheckWindow(exam, domain.WindowRegistration, s.now()); err != nil {
		return domain.ErrorMessage(err)
	}
	return ""
}

// act names the application of ac for a store action, with the version
// the posted form was rendered with.
func (s *Server) act(c *fiber.Ctx, ac *applyCtx) kv.CandidateAct {
	return kv.CandidateAct{AppID: ac.app.ID, CandidateID: ac.acct.ID, Version: formVersion(c), Now: s.now()}
}

// actionRefused renders a refused state change (stale tab, double click,
// window closed) as the fresh 报考流程 page with the reason on top: never
// a wrong transition, never an old page.
func (s *Server) actionRefused(c *fiber.Ctx, ac *applyCtx, err error) error {
	switch domain.ErrorCode(err) {
	case domain.ECONFLICT, domain.EFORBIDDEN:
	default:
		return err
	}
	app, lerr := s.store.Application(ac.app.ID)
	if lerr != nil {
		return lerr
	}
	ac.app = app
	if isHX(c) {
		c.Set("HX-Retarget", "#main")
		c.Set("HX-Reswap", "innerHTML")
	}
	return s.flowPage(c, statusOf(domain.ErrorCode(err)), ac, domain.ErrorMessage(err))
}
