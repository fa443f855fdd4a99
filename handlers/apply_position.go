package handlers

import (
	"slices"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
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
	if _, err := domain.CheckTransition(a, exam, domain.ActionSelectPosition, domain.RoleCandidate, s.now()); err != nil {
		p.Disabled = domain.ErrorMessage(err)
	} else if err := domain.CheckPartChange(a, domain.PartPosition); err != nil {
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
	page := domain.SearchPositions(s.store.PositionList(exam.ID), q, s.store.CountsView(exam.ID),
		domain.EligibilityFilter(ac.acct, &a.Form, exam))
	// The level is not the candidate's to change: links leave it out.
	q.Level = ""
	base := ac.base() + "/position"
	p.Search = views.PositionSearchFormProps{
		Action: base, Target: "#position-results", Query: q, KeywordLabel: "查询职位", Fields: domain.ErrorFields(qerr),
		Departments: s.store.PositionDepartments(exam.ID), CanFilterEligible: a.Form.FullTimeEducation != "",
	}
	pickQuery := q.Values()
	p.Results = views.PositionResultsProps{
		Page: page, Query: q, BaseURL: base, Levels: views.LevelNames(exam), Selected: a.PositionCode,
		DetailURL:    func(pos *domain.Position) string { return "/positions/" + exam.ID + "/" + pos.Code },
		ActionHeader: "选择",
		Action: func(pos *domain.Position) templ.Component {
			state := ""
			switch {
			case slices.Contains(a.RejectedPositions, pos.Code):
				state = "rejected"
			case pos.Code == a.PositionCode && a.State != domain.StateRejected:
				state = "chosen"
			case p.Disabled != "":
				state = "disabled"
			}
			return views.ApplyPickAction(views.PickURL(exam.ID, pos.Code, pickQuery), state, pos.Code)
		},
	}
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

// saveChosenPosition is 保存 on 选择职位 (and 改报 after 审核不通过): the hard
// requirements the data can decide are checked in the transaction; the
// rest must be acknowledged and go to the reviewer.
func (s *Server) saveChosenPosition(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	code, ack := formValue(c, "code"), formValue(c, "ack") == "1"
	now := s.now()
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
	_, err = s.updateApp(ac, formVersion(c), func(tx *kv.Tx, a *domain.Application) error {
		if _, err := domain.CheckTransition(a, ac.exam, domain.ActionSelectPosition, domain.RoleCandidate, now); err != nil {
			return err
		}
		if err := domain.CheckPartChange(a, domain.PartPosition); err != nil {
			return err
		}
		if err := domain.CheckPositionChoice(a, code); err != nil {
			return err
		}
		pos, err := tx.Position(a.ExamID, code)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return domain.FieldError("position_code", "职位 "+code+" 不存在。")
		}
		if err != nil {
			return err
		}
		if err := domain.CheckPositionLevel(a, pos); err != nil {
			return err
		}
		hard, soft := domain.CheckEligibility(pos, ac.acct, &a.Form, ac.exam)
		if len(hard) > 0 {
			return domain.FieldError("position_code", "不符合职位要求："+strings.Join(hard, "；"))
		}
		if len(soft) > 0 && !ack {
			return domain.FieldError("ack", "请确认您符合上述条件")
		}
		if code != a.PositionCode && a.RecommendationID != "" {
			// The 推荐表 names the position: a new one needs a new form.
			if err := tx.DeleteBlob(a.RecommendationID); err != nil {
				return err
			}
			a.RecommendationID, a.RecommendationName = "", ""
		}
		note := "选择职位 " + code
		if a.State == domain.StateRejected {
			note = "改报职位 " + code
		}
		if err := domain.Transition(a, ac.exam, domain.ActionSelectPosition, ac.acct.ID, domain.RoleCandidate, now, note); err != nil {
			return err
		}
		a.PositionCode, a.AcknowledgedTerms = code, len(soft) > 0
		return nil
	})
	switch domain.ErrorCode(err) {
	case "":
		return s.redirectFlash(c, "/apply/"+ac.exam.ID, "ok", "职位保存成功。")
	case domain.EINVALID:
		return refuse(err)
	}
	return s.actionRefused(c, ac, err)
}
