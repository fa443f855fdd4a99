package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
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
		return c.Redirect("/apply/"+apps[0].ExamID, fiber.StatusSeeOther)
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
	base := "/apply/" + examID
	switch key {
	case domain.StepPhoto:
		return "/photo"
	case domain.StepPledge:
		return base + "/pledge"
	case domain.StepInfo:
		return base + "/form"
	case domain.StepPosition:
		return base + "/position"
	case domain.StepConfirm:
		return base + "/confirm"
	case domain.StepUpload, domain.StepConfirmMaterials:
		return base + "/materials"
	case domain.StepReview:
		return "/status"
	case domain.StepPayment:
		return "/pay"
	case domain.StepTicket:
		return "/ticket"
	}
	return ""
}

func (s *Server) flowPage(c *fiber.Ctx, status int, ac *applyCtx, errMsg string) error {
	p := views.ApplyFlowProps{
		ExamID: ac.exam.ID, ExamName: ac.exam.Name, LevelName: ac.levelName(),
		State: ac.app.State, PositionCode: ac.app.PositionCode, Error: errMsg, Returned: returnedNotice(ac.app),
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

// chooseLevel creates the application (one per candidate per exam, by the
// store's unique index) or changes its level before a position is chosen.
func (s *Server) chooseLevel(c *fiber.Ctx) error {
	ac, err := s.loadPosted(c)
	if err != nil {
		return err
	}
	code := formValue(c, "level")
	now := s.now()
	if err := domain.CheckLevelChoice(ac.app, ac.exam, code, now); err != nil {
		status := statusOf(domain.ErrorCode(err))
		return s.levelPage(c, status, ac, domain.ErrorMessage(err))
	}
	next := "/apply/" + ac.exam.ID + "/pledge"
	if ac.app == nil {
		app := &domain.Application{
			ID: kv.NewID(now), ExamID: ac.exam.ID, CandidateID: ac.acct.ID, LevelCode: code,
			State: domain.StateStarted, Version: 1, CreatedAt: now, UpdatedAt: now,
			History: []domain.HistoryEntry{{At: now, ActorID: ac.acct.ID, Role: domain.RoleCandidate, To: domain.StateStarted, Note: "选择报考层级"}},
		}
		if cerr := s.store.CreateApplication(app); cerr != nil {
			if domain.ErrorCode(cerr) != domain.ECONFLICT {
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
		return s.redirect(c, next)
	}
	if _, err := s.updateApp(ac, formVersion(c), func(tx *kv.Tx, a *domain.Application) error {
		if err := domain.CheckLevelChoice(a, ac.exam, code, now); err != nil {
			return err
		}
		a.LevelCode, a.Version, a.UpdatedAt = code, a.Version+1, now
		return nil
	}); err != nil {
		return s.actionRefused(c, ac, err)
	}
	if ac.app.State != domain.StateStarted {
		next = "/apply/" + ac.exam.ID
	}
	return s.redirectFlash(c, next, "ok", "报考层级已保存。")
}

// defaultPledge is shown when the exam defines no 承诺书 of its own;
// accepting it records version 0.
var defaultPledge = domain.Pledge{Version: 0, Text: `本人已认真阅读本次公开遴选公告及相关政策规定，清楚并理解其内容。
本人承诺：所填报的个人信息和提交的材料真实、准确、完整，符合所报职位的资格条件；不弄虚作假，不伪造、使用假证明和假材料。
本人承诺遵守考试纪律，诚信参加考试；如有违反，自愿接受取消考试资格、取消遴选资格等处理，并承担相应责任。
本人知晓：报名信息确认后不能修改；资格审查贯穿遴选全过程，任何环节发现不符合条件的，取消遴选资格。`}

func pledgeOf(exam *domain.Exam) domain.Pledge {
	if p := exam.CurrentPledge(); p.Text != "" {
		return p
	}
	return defaultPledge
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
	p := views.ApplyPledgeProps{Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name, Pledge: pledgeOf(ac.exam), Error: errMsg}
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
	switch {
	case ac.acct.PhotoID == "":
		p.Disabled = "请先上传照片，再阅读并接受报考承诺书。"
	default:
		p.Disabled = s.regClosed(ac.exam)
	}
	return s.page(c, status, "报考承诺书", "apply", views.ApplyPledgePage(p), nil)
}

// acceptPledge records 接受: which text version, when, from which IP.
func (s *Server) acceptPledge(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	if ac.acct.PhotoID == "" {
		return s.redirectFlash(c, "/photo", "info", "请先上传照片。")
	}
	pledge := pledgeOf(ac.exam)
	if formValue(c, "pledge_version") != itoa(pledge.Version) {
		return s.pledgePage(c, fiber.StatusConflict, ac, "报考承诺书已更新，请阅读新版本后再接受。")
	}
	now, ip := s.now(), s.clientIP(c)
	if _, err := s.updateApp(ac, formVersion(c), func(tx *kv.Tx, a *domain.Application) error {
		if err := domain.Transition(a, ac.exam, domain.ActionAcceptPledge, ac.acct.ID, domain.RoleCandidate, now, "接受报考承诺书（版本 "+itoa(pledge.Version)+"）"); err != nil {
			return err
		}
		a.PledgeVersion, a.PledgeAt, a.PledgeIP = pledge.Version, now, ip
		return nil
	}); err != nil {
		return s.actionRefused(c, ac, err)
	}
	return s.redirect(c, "/apply/"+ac.exam.ID+"/form")
}
