package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// reviewOverview is the administrator's 审核进度 (GET /admin/review): per
// 遴选机关, or per position of one (?dept=), the queue sizes and the
// oldest waiting application, slowest first, so a department falling
// behind shows before the review window closes.
func (s *Server) reviewOverview(c *fiber.Ctx) error {
	exam, choices, err := s.publicExam(c, c.Query("exam"))
	if err != nil {
		return err
	}
	dept := c.Query("dept")
	sums, err := s.store.ReviewOverview(exam.ID, dept)
	if err != nil {
		return err
	}
	now := s.now()
	p := views.ReviewOverviewProps{ExamName: exam.Name, Exams: choices, ExamID: exam.ID, Department: dept}
	for _, sum := range sums {
		r := views.ReviewOverviewRow{
			Name:    sum.Department,
			Waiting: sum.Counts[domain.StateSubmitted], Approved: sum.Counts[domain.StateApproved],
			Returned: sum.Counts[domain.StateReturned], Rejected: sum.Counts[domain.StateRejected],
		}
		if dept == "" {
			r.URL = views.BuildURL("/admin/review", [][2]string{{"exam", exam.ID}, {"dept", sum.Department}})
			r.QueueURL = views.BuildURL("/review", [][2]string{{"exam", exam.ID}, {"dept", sum.Department}})
		} else {
			r.Name = sum.Position
			if pos, ok := s.store.Position(exam.ID, sum.Position); ok {
				r.Name = pos.Code + " " + pos.Title
			}
			r.QueueURL = views.BuildURL("/review", [][2]string{{"exam", exam.ID}, {"dept", dept}, {"pos", sum.Position}})
		}
		if !sum.Oldest.IsZero() {
			r.Oldest = domain.FormatTime(sum.Oldest)
			r.OldestAge = domain.WaitingLabel(sum.Oldest, now)
			r.Late = now.Sub(sum.Oldest) > exam.CorrectionPeriod()
		}
		p.Rows = append(p.Rows, r)
	}
	return s.page(c, fiber.StatusOK, "审核进度", "admin-review", views.ReviewOverviewPage(p), nil)
}

// correctionNotices are the home page's lines for a candidate whose
// application was returned: what to fix and by when (补正截止).
func (s *Server) correctionNotices(candidateID string) ([]string, error) {
	apps, err := s.store.ApplicationsOfCandidate(candidateID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []string
	for _, a := range apps {
		if domain.ReviewBucket(a) != domain.StateReturned || a.CorrectionDeadline.IsZero() {
			continue
		}
		if domain.CorrectionOverdue(a, now) {
			out = append(out, "您的报名已被退回修改，补正截止时间 "+domain.FormatTime(a.CorrectionDeadline)+" 已过（逾期未补正）。")
			continue
		}
		out = append(out, "您的报名已被退回修改，请在 "+domain.FormatTime(a.CorrectionDeadline)+"（补正截止）前修改并重新提交。")
	}
	return out, nil
}
