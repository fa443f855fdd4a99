package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// scoreResult gathers one application's 成绩查询: its row in the position's
// ranking in the application's position (kv.PositionScores reads that
// position only; TicketHolders files rows under it). The caller has
// checked domain.ScoreAvailability.
func (s *Server) scoreResult(e *domain.Exam, app *domain.Application, seat *domain.Seat, name string) (*views.ScoreResult, error) {
	res, err := s.store.PositionScores(e, app.PositionCode)
	if err != nil {
		return nil, err
	}
	pos, _ := s.store.Position(e.ID, app.PositionCode)
	r := &views.ScoreResult{
		ExamName: e.Name, Name: name, TicketNo: seat.TicketNo, Subjects: e.ScoreSubjects(), Result: res,
		Position: strings.TrimSpace(pos.Code + " " + pos.Department + " " + pos.Title),
	}
	if en, ok := res.Entry(seat.TicketNo); ok {
		r.Entry, r.Found = *en, true
	}
	return r, nil
}

// showScores is the signed-in candidate's 成绩查询: the application that
// holds a 准考证 (the latest one otherwise), or why there is nothing yet.
func (s *Server) showScores(c *fiber.Ctx) error {
	acct := account(c)
	render := func(p views.ScorePageProps) error {
		return s.page(c, fiber.StatusOK, "成绩查询", "scores", views.ScorePage(p), nil)
	}
	apps, err := s.store.ApplicationsOfCandidate(acct.ID)
	if err != nil {
		return err
	}
	var app *domain.Application
	for _, a := range apps {
		if a.State == domain.StateTicketIssued || a.State == domain.StateScored {
			app = a
		}
	}
	if app == nil {
		return render(views.ScorePageProps{Unavailable: "您没有参加笔试的报名记录（生成准考证的考生在成绩公布后可查询成绩）。"})
	}
	e, err := s.store.Exam(app.ExamID)
	if err != nil {
		return err
	}
	if err := domain.ScoreAvailability(e, s.now()); err != nil {
		return render(views.ScorePageProps{Unavailable: domain.ErrorMessage(err)})
	}
	seat, err := s.store.Seat(e.ID, app.ID)
	if err != nil {
		return err
	}
	if seat == nil {
		return render(views.ScorePageProps{Unavailable: "您的报名没有准考证号，无法查询成绩。"})
	}
	r, err := s.scoreResult(e, app, seat, acct.Name)
	if err != nil {
		return err
	}
	return render(views.ScorePageProps{Result: r})
}

// scoreQueryExams are the exams whose scores are published now.
func (s *Server) scoreQueryExams() ([]*domain.Exam, []views.ExamChoice, error) {
	exams, err := s.store.PublishedExams()
	if err != nil {
		return nil, nil, err
	}
	var open []*domain.Exam
	var choices []views.ExamChoice
	for _, e := range exams {
		if domain.ScoresPublished(e, s.now()) {
			open = append(open, e)
			choices = append(choices, views.ExamChoice{ID: e.ID, Name: e.Name})
		}
	}
	return open, choices, nil
}

func (s *Server) scoreQueryPage(c *fiber.Ctx, status int, p views.ScoreQueryProps) error {
	noStore(c)
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	_, choices, err := s.scoreQueryExams()
	if err != nil {
		return err
	}
	p.CSRF, p.Exams = tok, choices
	if len(choices) == 0 {
		p.Closed = "目前没有可查询的笔试成绩。成绩公布后即可在此凭准考证号和身份证号查询。"
	}
	if p.Result == nil {
		p.CaptchaID = s.newCaptcha()
	}
	return s.page(c, status, "成绩公开查询", "score-query", views.ScoreQueryPage(p), nil)
}

// showScoreQuery is the public 成绩查询 form.
func (s *Server) showScoreQuery(c *fiber.Ctx) error {
	return s.scoreQueryPage(c, fiber.StatusOK, views.ScoreQueryProps{})
}

// scoreQueryFailed is the one answer for a 准考证号 that does not exist
// and for a 身份证号 that does not match it: same status, same words, and
// neither value echoed, so the page is byte for byte the same.
const scoreQueryFailed = "准考证号或身份证号不正确，未查到成绩。"

// doScoreQuery checks the captcha, the per-number throttle, then the
// 准考证号 and 身份证号 together.
func (s *Server) doScoreQuery(c *fiber.Ctx) error {
	exams, _, err := s.scoreQueryExams()
	if err != nil {
		return err
	}
	var exam *domain.Exam
	for _, e := range exams {
		if exam == nil || e.ID == formValue(c, "exam") {
			exam = e
		}
	}
	p := views.ScoreQueryProps{ExamID: formValue(c, "exam"), TicketNo: formValue(c, "ticket_no"), IDNumber: formValue(c, "id_number")}
	if exam == nil {
		return s.scoreQueryPage(c, fiber.StatusForbidden, p)
	}
	fe := domain.FieldErrors{}
	if _, _, _, _, err := domain.ParseTicketNumber(p.TicketNo); err != nil {
		fe.Add("ticket_no", domain.ErrorMessage(err))
	}
	id, err := domain.ParseIDNumber(p.IDNumber, s.now())
	if err != nil {
		fe.Add("id_number", domain.ErrorMessage(err))
	}
	if !s.captchaOK(c) {
		fe.Add("captcha", captchaMessage)
	}
	if len(fe) > 0 {
		p.Fields, p.Error = fe, "请检查标记的项目后重新查询。"
		return s.scoreQueryPage(c, invalidStatus, p)
	}
	now := s.now()
	if err := s.store.CheckScoreQuery(exam.ID, p.TicketNo, now); err != nil {
		return s.scoreQueryPage(c, statusOf(domain.ErrorCode(err)), views.ScoreQueryProps{Error: domain.ErrorMessage(err)})
	}
	app, seat, acct, err := s.store.TicketApplication(exam.ID, p.TicketNo)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if err != nil || acct.LoginName != id.Number {
		if err := s.store.RecordScoreQueryFailure(exam.ID, p.TicketNo, now); err != nil {
			return err
		}
		return s.scoreQueryPage(c, invalidStatus, views.ScoreQueryProps{Error: scoreQueryFailed})
	}
	r, err := s.scoreResult(exam, app, seat, acct.Name)
	if err != nil {
		return err
	}
	return s.scoreQueryPage(c, fiber.StatusOK, views.ScoreQueryProps{Result: r})
}
