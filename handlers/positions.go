package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// searchPositions is the public 职位查询 (GET /positions). Reads come from
// the store's in-memory position index and counts: no scan per request.
// With HX-Request only the results fragment is rendered.
func (s *Server) searchPositions(c *fiber.Ctx) error {
	exam, choices, err := s.publicExam(c, c.Query("exam"))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND && c.Query("exam") == "" {
			return s.page(c, fiber.StatusOK, "职位查询", "positions", views.NotOpenPage("职位查询", "目前没有发布的考试，职位表将随考试公告一同公布。"), nil)
		}
		return err
	}
	q, qerr := domain.ParsePositionQuery(queryGetter(c))
	eligible, hint := s.eligibilityFor(c, exam)
	extra := [][2]string{{"exam", exam.ID}}
	results := views.PositionResultsProps{
		Query: q, BaseURL: "/positions", Extra: extra, Levels: views.LevelNames(exam), ShowCounts: true,
		DetailURL: func(p *domain.Position) string { return views.BuildURL("/positions/"+exam.ID+"/"+p.Code, nil) },
	}
	results.Cells = s.positionCells(c.UserContext(), results.Levels, results.DetailURL)
	page := views.PositionSearchPageProps{ExamName: exam.Name, Exams: choices, Results: results, EligibleHint: hint}
	status := fiber.StatusOK
	search := func() { results.Page = s.store.PositionIndex(exam.ID).Search(q, s.store.CountsView(exam.ID), eligible) }
	switch {
	case qerr != nil:
		status = invalidStatus
		page.Results.Error = fieldMessages(qerr)
	case q.Eligible && eligible != nil:
		// The candidate's own filter: personal, never cached.
		search()
		page.Results = results
	default:
		// The same for every visitor: a cached fragment, 304 for a repeat.
		key, ok := s.fragmentKey("positions", exam, q)
		if !ok {
			search()
			page.Results = results
			break
		}
		if isHX(c) && s.notModified(c, key) {
			return nil
		}
		f, err := s.cachedFragment(c.UserContext(), key, func() templ.Component {
			search()
			return views.PositionResults(results)
		})
		if err != nil {
			return err
		}
		if isHX(c) {
			return sendFragment(c, status, f)
		}
		page.ResultsHTML = rawHTML(f.body)
	}
	page.Form = s.searchForm(exam, views.PositionSearchFormProps{
		Action: "/positions", Hidden: extra, Target: "#position-results", Query: q,
		Fields: domain.ErrorFields(qerr), Levels: exam.Levels,
		CanFilterEligible: eligible != nil,
	})
	return s.page(c, status, "职位查询", "positions", views.PositionSearchPage(page), views.PositionResults(page.Results))
}

// eligibilityFor returns the "only positions I qualify for" filter of a
// logged-in candidate who has saved the application form of exam, or a
// hint on how to get it.
func (s *Server) eligibilityFor(c *fiber.Ctx, exam *domain.Exam) (func(*domain.Position) bool, string) {
	acct := account(c)
	if acct == nil || acct.Role != domain.RoleCandidate {
		return nil, "考生登录并保存报名信息后，可只看符合自己学历、年龄、政治面貌等条件的职位。"
	}
	app, err := s.store.ApplicationOf(acct.ID, exam.ID)
	if err != nil || (app.Form.FullTimeEducation == "" && app.Form.Political == "") {
		return nil, "保存报名信息（填报信息）后，可只看符合自己学历、年龄、政治面貌等条件的职位。"
	}
	return domain.EligibilityFilter(acct, &app.Form, exam), ""
}

// showPosition is a position's public detail page.
func (s *Server) showPosition(c *fiber.Ctx) error {
	exam, _, err := s.publicExam(c, c.Params("exam"))
	if err != nil {
		return err
	}
	p, ok := s.store.Position(exam.ID, c.Params("code"))
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "职位不存在。")
	}
	lv := p.LevelCode
	if l, ok := exam.Level(p.LevelCode); ok {
		lv = l.Name
	}
	return s.page(c, fiber.StatusOK, p.Title, "positions", views.PositionDetailPage(views.PositionDetailProps{
		ExamName: exam.Name, LevelName: lv, Position: p, Counts: s.store.PositionCounts(exam.ID, p.Code),
		BackURL: views.BuildURL("/positions", [][2]string{{"exam", exam.ID}}),
	}), nil)
}
