package handlers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/static"
	"examreg/views"
)

// home renders the landing page.
func (s *Server) home(c *fiber.Ctx) error {
	p := views.HomeProps{}
	if acct := account(c); acct != nil {
		p.User = &views.User{ID: acct.ID, Name: acct.Name, Role: acct.Role}
		if acct.Role == domain.RoleCandidate {
			msgs, err := s.correctionNotices(acct.ID)
			if err != nil {
				return err
			}
			p.Corrections = msgs
		}
	}
	exams, err := s.store.PublishedExams()
	if err != nil {
		return err
	}
	now := s.now()
	var mine map[string]*domain.Application
	acct := account(c)
	if acct != nil && acct.Role == domain.RoleCandidate {
		apps, err := s.store.ApplicationsOfCandidate(acct.ID)
		if err != nil {
			return err
		}
		mine = make(map[string]*domain.Application, len(apps))
		for _, a := range apps {
			mine[a.ExamID] = a
		}
	}
	for _, e := range exams {
		he := views.HomeExam{ID: e.ID, Name: e.Name, Registration: e.Registration.String(), Open: e.Registration.Open(now), Windows: examWindows(e, now)}
		if mine != nil {
			he.Mine = situation(mine[e.ID], e, acct.PhotoID != "", now)
		}
		p.Exams = append(p.Exams, he)
	}
	content, err := s.withUnreadBanner(acct, views.HomePage(p))
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "首页", "home", content, nil)
}

// examWindows lists an exam's windows that are set, for the home page.
func examWindows(e *domain.Exam, now time.Time) []views.HomeWindow {
	kinds := []struct {
		label string
		w     domain.Window
	}{{"报名", e.Registration}, {"资格审核", e.Review}, {"网上缴费", e.Payment}, {"打印准考证", e.Ticket}}
	var out []views.HomeWindow
	for _, k := range kinds {
		if k.w.Start.IsZero() {
			continue
		}
		out = append(out, views.HomeWindow{Label: k.label, Start: domain.FormatTime(k.w.Start), End: domain.FormatTime(k.w.End), Open: k.w.Open(now)})
	}
	return out
}

// situation adapts domain.Steps to the home page: the candidate's state in
// one exam, worded by domain.CandidateSituation, and the one next step.
func situation(app *domain.Application, exam *domain.Exam, hasPhoto bool, now time.Time) *views.HomeSituation {
	steps := domain.Steps(app, exam, hasPhoto, now)
	sit := domain.CandidateSituation(app, exam, steps, now)
	hs := &views.HomeSituation{FlowHref: "/apply/" + exam.ID, Headline: sit.Headline, Detail: sit.Detail}
	if app == nil {
		hs.FlowHref = "/apply"
	}
	switch {
	case app != nil && app.Opening.Pending() && app.State == domain.StatePaid:
		hs.NextLabel = "改报或申请退款"
		hs.NextHref = "/opening/" + exam.ID
	case app != nil && app.State.Refund():
		hs.NextLabel = "查看退费情况"
		hs.NextHref = "/status"
	case sit.Next != nil:
		hs.NextLabel = "下一步：" + nextStepLabel(sit.Next.Key, sit.Next.Title)
		hs.NextHref = stepHref(exam.ID, sit.Next.Key)
	case app == nil && exam.Registration.Open(now):
		hs.NextLabel = "下一步：选择报考层级"
		hs.NextHref = "/apply/" + exam.ID + "/level"
	case app != nil && app.State == domain.StateSubmitted:
		hs.NextLabel = "查看报考状态"
		hs.NextHref = "/status"
	case app != nil && app.State == domain.StateTicketIssued && domain.ScoresPublished(exam, now):
		hs.NextLabel = "查看笔试成绩"
		hs.NextHref = "/scores"
	}
	return hs
}

// nextStepLabel words a step as the thing to do ("上传照片", not "照片").
func nextStepLabel(key, title string) string {
	switch key {
	case domain.StepPhoto:
		return "上传照片"
	case domain.StepPledge:
		return "阅读并接受报考承诺书"
	case domain.StepInfo:
		return "填报信息"
	case domain.StepUpload:
		return "上传报名推荐表"
	case domain.StepPayment:
		return "网上缴费"
	case domain.StepTicket:
		return "打印准考证"
	}
	return title
}

// showJourney is 报考流程 before the first application: every step ahead,
// computed by domain.Steps for the exam open for registration (the first
// published one otherwise), after 选择考试和报考层级.
func (s *Server) showJourney(c *fiber.Ctx) error {
	acct := account(c)
	exams, err := s.store.PublishedExams()
	if err != nil {
		return err
	}
	now := s.now()
	var exam *domain.Exam
	for _, e := range exams {
		if exam == nil || (e.Registration.Open(now) && !exam.Registration.Open(now)) {
			exam = e
		}
	}
	var p views.JourneyProps
	if exam == nil {
		p.Steps = []views.JourneyStep{{Title: "选择考试和报考层级", Status: domain.StepClosed, Reason: "目前没有发布的考试。"}}
		return s.page(c, fiber.StatusOK, "报考流程", "apply", views.JourneyPage(p), nil)
	}
	p.ExamName = exam.Name
	steps := domain.Steps(nil, exam, acct.PhotoID != "", now)
	choose := views.JourneyStep{Title: "选择考试和报考层级", Status: domain.StepLocked, Reason: "报名时间：" + exam.Registration.String() + "。"}
	if acct.PhotoID == "" {
		choose.Reason = "请先上传照片。" + choose.Reason
	} else if exam.Registration.Open(now) {
		choose.Status, choose.Href, choose.Action, choose.Reason = domain.StepCurrent, "/exams", "选择考试", ""
	}
	for i, st := range steps {
		js := views.JourneyStep{Title: st.Title, Status: st.Status, Reason: st.Reason}
		if st.Actionable {
			js.Href, js.Action = stepHref(exam.ID, st.Key), nextStepLabel(st.Key, st.Title)
		}
		p.Steps = append(p.Steps, js)
		if i == 0 { // 照片 comes first: the exam is chosen after it
			p.Steps = append(p.Steps, choose)
		}
	}
	return s.page(c, fiber.StatusOK, "报考流程", "apply", views.JourneyPage(p), nil)
}

// help renders the seed's FAQ.
func (s *Server) help(c *fiber.Ctx) error {
	return s.page(c, fiber.StatusOK, "报考须知", "help", views.HelpPage(), nil)
}

// notOpen is the honest page for a menu item whose feature is not built or
// not open yet.
func (s *Server) notOpen(title, nav, reason string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.page(c, fiber.StatusOK, title, nav, views.NotOpenPage(title, reason), nil)
	}
}

// healthz answers 200 while the store is open and readable; the lines
// after "ok" report the data directory's free space and whether uploads
// are refused for low disk (still 200: everything else works).
func (s *Server) healthz(c *fiber.Ctx) error {
	noStore(c)
	if err := s.store.Ping(); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("store unavailable")
	}
	free, ok := s.diskFree()
	if !ok {
		return c.SendString("ok\nfree_disk_bytes unknown\nlow_disk unknown\n")
	}
	low := domain.CheckFreeDisk(free, s.minFreeDisk) != nil
	return c.SendString("ok\nfree_disk_bytes " + strconv.FormatUint(free, 10) +
		"\nmin_free_disk_bytes " + strconv.FormatUint(s.minFreeDisk, 10) +
		"\nlow_disk " + strconv.FormatBool(low) + "\n")
}

// serveStatic serves an embedded asset. A request carrying the current
// content hash may be cached for a year; others revalidate by ETag.
func serveStatic(c *fiber.Ctx) error {
	f, ok := static.Lookup(c.Params("name"))
	if !ok {
		return fiber.ErrNotFound
	}
	etag := `"` + f.Hash + `"`
	c.Set(fiber.HeaderETag, etag)
	if c.Query("v") == f.Hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=0, must-revalidate")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	return c.Send(f.Data)
}
