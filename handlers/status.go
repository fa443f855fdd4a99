package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// statusStopPolling is htmx's "stop polling" status.
const statusStopPolling = 286

func (s *Server) statusItem(a *domain.Application) (views.StatusItem, error) {
	exam, err := s.store.Exam(a.ExamID)
	if err != nil {
		return views.StatusItem{}, err
	}
	it := views.StatusItem{
		ExamID: exam.ID, ExamName: exam.Name, LevelName: a.LevelCode, State: a.State,
		PositionCode: a.PositionCode, Reason: a.ReviewReason, History: a.History,
		UpdatedAt: domain.FormatTime(a.UpdatedAt),
	}
	if a.InReturnLoop() {
		it.Parts = domain.PartTitles(a.ReturnedParts)
	}
	if domain.ReviewBucket(a) == domain.StateReturned && !a.CorrectionDeadline.IsZero() {
		it.Deadline = domain.FormatTime(a.CorrectionDeadline)
		it.Overdue = domain.CorrectionOverdue(a, s.now())
	}
	if l, ok := exam.Level(a.LevelCode); ok {
		it.LevelName = l.Name
	}
	if pos, ok := s.store.Position(a.ExamID, a.PositionCode); ok {
		it.PositionName, it.PositionDept = pos.Title, pos.Department
	}
	it.ScoresOut = (a.State == domain.StateTicketIssued || a.State == domain.StateScored) && domain.ScoresPublished(exam, s.now())
	it.Refund = domain.RefundSummary(a) // 开考比例 refund cases (refund helper)
	return it, nil
}

// showStatus is 查看报考状态: every application, state, position and history.
func (s *Server) showStatus(c *fiber.Ctx) error {
	apps, err := s.store.ApplicationsOfCandidate(account(c).ID)
	if err != nil {
		return err
	}
	var p views.StatusProps
	for _, a := range apps {
		it, err := s.statusItem(a)
		if err != nil {
			return err
		}
		p.Items = append(p.Items, it)
	}
	return s.page(c, fiber.StatusOK, "查看报考状态", "status", views.StatusPage(p), nil)
}

// statusFragment is one application's status: polled by htmx every 10 s
// while it waits for review; 286 once final stops the polling. Once decided
// it also replaces the page's flash (views.StatusPoll). A plain GET gets
// the full status page. The poll carries the stamp of the version it shows
// (?v=): while the application is unchanged the answer is 204 from memory,
// with nothing read from the store or rendered.
func (s *Server) statusFragment(c *fiber.Ctx) error {
	if !isHX(c) {
		return s.showStatus(c)
	}
	acct := account(c)
	stamp := s.store.StatusStamp(acct.ID, c.Params("exam")) // before the read: see kv.StatusStamp
	if v := c.Query("v"); v != "" && v == stamp {
		c.Vary("HX-Request")
		return c.SendStatus(fiber.StatusNoContent)
	}
	a, err := s.store.ApplicationOf(acct.ID, c.Params("exam"))
	if err != nil {
		return err
	}
	it, err := s.statusItem(a)
	if err != nil {
		return err
	}
	it.Stamp = stamp
	status := fiber.StatusOK
	if a.State.Final() {
		status = statusStopPolling
	}
	c.Vary("HX-Request")
	return s.write(c, status, views.StatusPoll(it))
}
