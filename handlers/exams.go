package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// publicExam picks the exam a public page shows: the published exam named
// by want (?exam=), else the newest published one. An administrator may also see
// drafts by id. Returns the exam and the choices for a switcher; ENOTFOUND
// when there is none.
func (s *Server) publicExam(c *fiber.Ctx, want string) (*domain.Exam, []views.ExamChoice, error) {
	exams, err := s.store.PublishedExams()
	if err != nil {
		return nil, nil, err
	}
	var cur *domain.Exam
	for _, e := range exams {
		if e.ID == want {
			cur = e
		}
	}
	if cur == nil && want != "" {
		if acct := account(c); acct != nil && acct.Role == domain.RoleAdmin {
			if e, err := s.store.Exam(want); err == nil {
				cur = e
				exams = append(exams, e)
			}
		}
		if cur == nil {
			return nil, nil, domain.Errorf(domain.ENOTFOUND, "考试不存在或尚未发布。")
		}
	}
	if cur == nil {
		if len(exams) == 0 {
			return nil, nil, domain.Errorf(domain.ENOTFOUND, "目前没有发布的考试。")
		}
		cur = exams[0]
	}
	choices := make([]views.ExamChoice, len(exams))
	for i, e := range exams {
		choices[i] = views.ExamChoice{ID: e.ID, Name: e.Name, Current: e.ID == cur.ID}
	}
	return cur, choices, nil
}

// staffAudit starts the audit entry of an administrator's action.
func (s *Server) staffAudit(c *fiber.Ctx, action, detail string) kv.AuditEntry {
	e := kv.AuditEntry{At: s.now(), Action: action, Detail: detail, IP: s.clientIP(c)}
	if acct := account(c); acct != nil {
		e.ActorID = acct.ID
	}
	return e
}

// queryGetter reads request parameters as copies: Fiber reuses the memory
// behind c.Query after the handler returns.
func queryGetter(c *fiber.Ctx) func(string) string {
	return func(k string) string { return strings.Clone(c.Query(k)) }
}

// fieldMessages joins the per-field messages of a query error into one line
// (the results area shows it; the form shows each at its field).
func fieldMessages(err error) string {
	msg := ""
	for _, k := range []string{"q", "level", "dept", "edu", "pol", "sort", "page", "size"} {
		if m := domain.ErrorFields(err)[k]; m != "" {
			if msg != "" {
				msg += " "
			}
			msg += m
		}
	}
	if msg == "" {
		msg = domain.ErrorMessage(err)
	}
	return msg
}
