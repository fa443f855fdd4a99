package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
	"strconv"
)

// showExams is 选择考试: the published exams with their registration windows.
func (s *Server) showExams(c *fiber.Ctx) error {
	acct := account(c)
	exams, err := s.store.Exams()
	if err != nil {
		return err
	}
	apps, err := s.store.ApplicationsOfCandidate(acct.ID)
	if err != nil {
		return err
	}
	byExam := map[string]*domain.Application{}
	for _, a := range apps {
		byExam[a.ExamID] = a
	}
	var p views.ApplyExamsProps
	for _, e := range exams {
		if !e.Published {
			continue
		}
		p.Exams = append(p.Exams, s.examItem(e, byExam[e.ID]))
	}
	return s.page(c, fiber.StatusOK, "选择考试", "exams", views.ApplyExamsPage(p), nil)
}

func (s *Server) examItem(e *domain.Exam, app *domain.Application) views.ApplyExamItem {
	it := views.ApplyExamItem{ID: e.ID, Name: e.Name, Registration: e.Registration.String()}
	for _, l := range e.Levels {
		it.Levels = append(it.Levels, l.Name)
	}
	it.Closed = s.regClosed(e)
	it.Open = it.Closed == ""
	if app != nil {
		it.Applied, it.State = true, app.State.Label()
	}
	return it
}

// showApplyIndex is 报考流程 from the menu: the one application's flow,
// or the list when the candidate applied to several exams.
func (s *Server) showApplyIndex(c *fiber.Ctx) error {
	apps, err := s.store.ApplicationsOfCandidate(account(c).ID)
	if err != nil {
		return err
	}
	if len(apps) == 0 {
		return s.showJourney(c)
	}
	if len(apps) == 1 {
		return c.Redirect(views.ApplyPaths(apps[0].ExamID).Flow(), fiber.StatusSeeOther)
	}
	var p views.ApplyListProps
	for _, a := range apps {
		e, err := s.store.Exam(a.ExamID)
		if err != nil {
			return err
		}
		p.Items = append(p.Items, s.examItem(e, a))
	}
	return s.page(c, fiber.StatusOK, "报考流程", "apply", views.ApplyListPage(p), nil)
}

// showFlow is the 报考流程 page of one exam.
func (s *Server) showFlow(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	return s.flowPage(c, fiber.StatusOK, ac, "")
}

// stepHref is where each step of the 报考流程 page leads.
func stepHref(examID, key string) string {
	p := views.ApplyPaths(examID)
	switch key {
	case domain.StepPhoto:
		return "/photo"
	case domain.StepPledge:
		return p.Pledge()
	case domain.StepInfo:
		return p.Form()
	case domain.StepPosition:
		return p.Position()
	case domain.StepConfirm:
		return p.Confirm()
	case domain.StepUpload, domain.StepConfirmMaterials:
		return p.Materials()
	case domain.StepReview:
		return "/status"
	case domain.StepPayment:
		return "/pay"
	case domain.StepTicket:
		return "/ticket"
	case domain.StepScore:
		return "/scores"
	}
	return ""
}

func (s *Server) flowPage(c *fiber.Ctx, status int, ac *applyCtx, errMsg string) error {
	p := views.ApplyFlowProps{
		ExamID: ac.exam.ID, ExamName: ac.exam.Name, LevelName: ac.levelName(),
		State: ac.app.State, PositionCode: ac.app.PositionCode, Error: errMsg, Returned: returnedNotice(ac.app),
		Refund: domain.RefundSummary(ac.app),
	}
	if pos, ok := s.store.Position(ac.exam.ID, ac.app.PositionCode); ok {
		p.PositionDept, p.PositionName = pos.Department, pos.Title
	}
	for _, st := range domain.Steps(ac.app, ac.exam, ac.acct.PhotoID != "", s.now()) {
		p.Steps = append(p.Steps, views.FlowStep{Step: st, Href: stepHref(ac.exam.ID, st.Key)})
	}
	return s.page(c, status, "报考流程", "apply", views.ApplyFlowPage(p), nil)
}

// showLevel is 选择报考层级.
func (s *Server) showLevel(c *fiber.Ctx) error {
	ac, err := s.loadApply(c)
	if err != nil {
		return err
	}
	return s.levelPage(c, fiber.StatusOK, ac, "")
}

func (s *Server) levelPage(c *fiber.Ctx, status int, ac *applyCtx, errMsg string) error {
	h, err := s.hidden(c, ac)
	if err != nil {
		return err
	}
	p := views.ApplyLevelProps{Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name, Levels: ac.exam.Levels, Error: errMsg}
	if ac.app != nil {
		p.Current = ac.app.LevelCode
	}
	if err := domain.CheckLevelChoice(ac.app, ac.exam, p.Current, s.now()); err != nil && domain.ErrorCode(err) != domain.EINVALID {
		p.Disabled = domain.ErrorMessage(err)
	}
	return s.page(c, status, "选择报考层级", "exams", views.ApplyLevelPage(p), nil)
}

// chooseLevel creates the application (kv.Store.StartApplication) or
// changes its level before a position is chosen (kv.Store.ChangeLevel).
func (s *Server) chooseLevel(c *fiber.Ctx) error {
	ac, err := s.loadPosted(c)
	if err != nil {
		return err
	}
	code := formValue(c, "level")
	if err := domain.CheckLevelChoice(ac.app, ac.exam, code, s.now()); err != nil {
		return s.levelPage(c, statusOf(domain.ErrorCode(err)), ac, domain.ErrorMessage(err))
	}
	next := views.ApplyPaths(ac.exam.ID).Pledge()
	if ac.app == nil {
		_, cerr := s.store.StartApplication(ac.acct.ID, ac.exam.ID, code, s.now())
		switch domain.ErrorCode(cerr) {
		case "":
			return s.redirect(c, next)
		case domain.ECONFLICT:
		default:
			return cerr
		}
		// A double-clicked 提交 or a second tab: the application exists.
		if ac, err = s.loadApply(c); err != nil {
			return err
		}
		if ac.app == nil {
			return cerr
		}
		return s.actionRefused(c, ac, cerr)
	}
	if _, err := s.store.ChangeLevel(s.act(c, ac), code); err != nil {
		return s.actionRefused(c, ac, err)
	}
	if ac.app.State != domain.StateStarted {
		next = views.ApplyPaths(ac.exam.ID).Flow()
	}
	return s.redirectFlash(c, next, "ok", "报考层级已保存。")
}

// showPledge is the 报考承诺书 page.
func (s *Server) showPledge(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	return s.pledgePage(c, fiber.StatusOK, ac, "")
}

func (s *Server) pledgePage(c *fiber.Ctx, status int, ac *applyCtx, errMsg string) error {
	h, err := s.hidden(c, ac)
	if err != nil {
		return err
	}
	p := views.ApplyPledgeProps{Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name, Pledge: domain.PledgeOf(ac.exam), Error: errMsg}
	if ac.app.State != domain.StateStarted {
		p.AcceptedAt = domain.FormatTime(ac.app.PledgeAt)
		if p.AcceptedAt == "" {
			p.AcceptedAt = "报名时"
		}
		for _, v := range ac.exam.Pledges {
			if v.Version == ac.app.PledgeVersion {
				p.Pledge = v
			}
		}
	}
	// Once accepted, the page only shows the text (and whether the window is open).
	switch err := domain.CheckPledge(ac.app, ac.exam, ac.acct, s.now()); domain.ErrorCode(err) {
	case domain.ECONFLICT:
		p.Disabled = s.regClosed(ac.exam)
	case "":
	default:
		p.Disabled = domain.ErrorMessage(err)
	}
	return s.page(c, status, "报考承诺书", "apply", views.ApplyPledgePage(p), nil)
}

// acceptPledge is 接受: kv.Store.AcceptPledge records which text version,
// when, from which IP.
func (s *Server) acceptPledge(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	if ac.acct.PhotoID == "" {
		return s.redirectFlash(c, "/photo", "info", "请先上传照片。")
	}
	version, verr := strconv.Atoi(formValue(c, "pledge_version"))
	if verr != nil {
		version = -1
	}
	_, err = s.store.AcceptPledge(s.act(c, ac), version, s.clientIP(c))
	switch {
	case err == nil:
		return s.redirect(c, views.ApplyPaths(ac.exam.ID).Form())
	case domain.ErrorFields(err)["pledge_version"] != "":
		return s.pledgePage(c, fiber.StatusConflict, ac, domain.ErrorMessage(err))
	}
	return s.actionRefused(c, ac, err)
}
