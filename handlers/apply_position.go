package handlers

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// positionPageLimit bounds the rows of one result page.
const positionPageLimit = 100

// showChoosePosition is 选择职位: the positions of the chosen level, searchable;
// ?code= shows the clicked one (点击选择) with its requirements and 保存.
func (s *Server) showChoosePosition(c *fiber.Ctx) error {
	ac, err := s.loadApply(c)
	if err != nil {
		return err
	}
	if ok, err := s.requireApp(c, ac); !ok {
		return err
	}
	p, err := s.positionProps(c, ac, strings.Clone(c.Query("q")), strings.Clone(c.Query("code")))
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "选择职位", "apply", views.ApplyPositionPage(p), nil)
}

func (s *Server) positionProps(c *fiber.Ctx, ac *applyCtx, q, code string) (views.ApplyPositionProps, error) {
	h, err := s.hidden(c, ac)
	if err != nil {
		return views.ApplyPositionProps{}, err
	}
	p := views.ApplyPositionProps{
		Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name, LevelName: ac.levelName(),
		Query: q, Current: ac.app.PositionCode,
	}
	if _, err := domain.CheckTransition(ac.app, ac.exam, domain.ActionSelectPosition, domain.RoleCandidate, s.now()); err != nil {
		p.Disabled = domain.ErrorMessage(err)
	}
	for _, pos := range s.levelPositions(ac, q) {
		p.Total++
		if len(p.Rows) < positionPageLimit {
			p.Rows = append(p.Rows, views.ApplyPositionRow{
				Position: pos,
				Chosen:   pos.Code == ac.app.PositionCode && ac.app.State != domain.StateRejected,
				Rejected: slices.Contains(ac.app.RejectedPositions, pos.Code),
			})
		}
	}
	if code != "" && p.Disabled == "" {
		pos, ok := s.store.Position(ac.exam.ID, code)
		if !ok || pos.LevelCode != ac.app.LevelCode {
			p.Error = "职位 " + code + " 不存在或不属于您选择的报考层级。"
		} else {
			p.Selected = &pos
			p.Hard, p.Soft = domain.CheckEligibility(&pos, ac.acct, &ac.app.Form, ac.exam)
			if err := domain.CheckPositionChoice(ac.app, code); err != nil {
				p.Hard = append(p.Hard, domain.ErrorMessage(err))
			}
		}
	}
	return p, nil
}

// levelPositions filters the exam's positions to the application's level
// and the query (code, title, department or employer contains it).
func (s *Server) levelPositions(ac *applyCtx, q string) []domain.Position {
	q = strings.TrimSpace(q)
	var out []domain.Position
	for _, pos := range s.store.Positions(ac.exam.ID) {
		if pos.LevelCode != ac.app.LevelCode {
			continue
		}
		if q != "" && !strings.Contains(pos.Code, q) && !strings.Contains(pos.Title, q) &&
			!strings.Contains(pos.Department, q) && !strings.Contains(pos.Employer, q) {
			continue
		}
		out = append(out, pos)
	}
	return out
}

// saveChosenPosition is 保存 on 选择职位 (and 改报 after 审核不通过): the hard
// requirements the data can decide are checked in the transaction; the
// rest must be acknowledged and go to the reviewer.
func (s *Server) saveChosenPosition(c *fiber.Ctx) error {
	if err := checkFormAccount(c); err != nil {
		return err
	}
	ac, err := s.loadApply(c)
	if err != nil {
		return err
	}
	if ok, err := s.requireApp(c, ac); !ok {
		return err
	}
	code, ack := formValue(c, "code"), formValue(c, "ack") == "1"
	now := s.now()
	refuse := func(err error) error {
		p, perr := s.positionProps(c, ac, "", code)
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
