package handlers

import (
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// showChoosePosition is 选择职位: the position search restricted to the
// application's level; ?code= shows the clicked one (点击选择) with its
// requirements and 保存. An htmx search gets only the results.
func (s *Server) showChoosePosition(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	p, err := s.positionProps(c, ac, strings.Clone(c.Query("code")))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if p.Results.Error != "" {
		status = invalidStatus
	}
	return s.page(c, status, "选择职位", "apply", views.ApplyPositionPage(p), views.PositionResults(p.Results))
}

func (s *Server) positionProps(c *fiber.Ctx, ac *applyCtx, code string) (views.ApplyPositionProps, error) {
	h, err := s.hidden(c, ac)
	if err != nil {
		return views.ApplyPositionProps{}, err
	}
	a, exam := ac.app, ac.exam
	p := views.ApplyPositionProps{
		Hidden: h, ExamID: exam.ID, ExamName: exam.Name, LevelName: ac.levelName(), Current: a.PositionCode,
	}
	if err := domain.CheckPositionStep(a, exam, s.now()); err != nil {
		p.Disabled = domain.ErrorMessage(err)
	}
	p.Returned = returnedNotice(a)

	// The shared search, with the level fixed to the application's.
	q, qerr := domain.ParsePositionQuery(func(k string) string {
		if c.Method() != fiber.MethodGet {
			return ""
		}
		return c.Query(k)
	})
	q.Level = a.LevelCode
	page := s.store.PositionIndex(exam.ID).Search(q, s.store.CountsView(exam.ID),
		domain.EligibilityFilter(ac.acct, &a.Form, exam))
	// The level is not the candidate's to change: links leave it out.
	q.Level = ""
	base := ac.base() + "/position"
	p.Search = s.searchForm(exam, views.PositionSearchFormProps{
		Action: base, Target: "#position-results", Query: q, KeywordLabel: "查询职位", Fields: domain.ErrorFields(qerr),
		CanFilterEligible: a.Form.FullTimeEducation != "",
	})
	pickQuery := q.Values()
	p.Results = views.PositionResultsProps{
		Page: page, Query: q, BaseURL: base, Levels: views.LevelNames(exam), Selected: a.PositionCode,
		DetailURL:    func(pos *domain.Position) string { return "/positions/" + exam.ID + "/" + pos.Code },
		ActionHeader: "选择",
		Action: func(pos *domain.Position) templ.Component {
			state := ""
			switch {
			case pos.Code == a.PositionCode && a.State != domain.StateRejected:
				state = "chosen"
			case p.Disabled != "":
				state = "disabled"
			}
			return views.ApplyPickAction(views.PickURL(exam.ID, pos.Code, pickQuery), state, pos.Code)
		},
	}
	p.Results.Cells = s.positionCells(c.UserContext(), p.Results.Levels, p.Results.DetailURL)
	if qerr != nil {
		p.Results.Error = domain.ErrorMessage(qerr)
	}

	if code != "" && p.Disabled == "" {
		pos, ok := s.store.Position(exam.ID, code)
		if !ok || pos.LevelCode != a.LevelCode {
			p.Error = "职位 " + code + " 不存在或不属于您选择的报考层级。"
		} else {
			p.Selected = &pos
			p.Hard, p.Soft = domain.CheckEligibility(&pos, ac.acct, &a.Form, exam)
			if err := domain.CheckPositionChoice(a, code); err != nil {
				p.Hard = append(p.Hard, domain.ErrorMessage(err))
			}
		}
	}
	return p, nil
}

// saveChosenPosition is 保存 on 选择职位 (and 改报 after 审核不通过):
// kv.Store.ChoosePosition.
func (s *Server) saveChosenPosition(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	code, ack := formValue(c, "code"), formValue(c, "ack") == "1"
	refuse := func(err error) error {
		p, perr := s.positionProps(c, ac, code)
		if perr != nil {
			return perr
		}
		p.Ack = ack
		p.Fields = domain.ErrorFields(err)
		p.Error = domain.ErrorMessage(err)
		return s.page(c, statusOf(domain.ErrorCode(err)), "选择职位", "apply", views.ApplyPositionPage(p), nil)
	}
	_, err = s.store.ChoosePosition(s.act(c, ac), code, ack)
	switch domain.ErrorCode(err) {
	case "":
		return s.redirectFlash(c, views.ApplyPaths(ac.exam.ID).Flow(), "ok", "职位保存成功。")
	case domain.EINVALID:
		return refuse(err)
	}
	return s.actionRefused(c, ac, err)
}
