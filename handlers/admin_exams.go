package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// adminExams is 考试管理: every exam, drafts included.
func (s *Server) adminExams(c *fiber.Ctx) error {
	exams, err := s.store.Exams()
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, e := range exams {
		counts[e.ID] = s.store.PositionCount(e.ID)
	}
	return s.page(c, fiber.StatusOK, "考试管理", "admin", views.AdminExamListPage(views.AdminExamListProps{Exams: exams, Positions: counts}), nil)
}

// examFormOf reads the exam form from the request.
func examFormOf(c *fiber.Ctx) domain.ExamForm {
	f := domain.ExamForm{
		Name: formValue(c, "name"), Code: formValue(c, "code"), Levels: formValue(c, "levels"),
		Subjects: formValue(c, "subjects"), Fee: formValue(c, "fee"), Pledge: formValue(c, "pledge"),
		ReferenceDate: formValue(c, "reference_date"), Published: c.FormValue("published") == "1",
		Windows: map[domain.WindowKind][2]string{},
	}
	for _, k := range domain.WindowKinds {
		f.Windows[k] = [2]string{formValue(c, domain.WindowField(k, false)), formValue(c, domain.WindowField(k, true))}
	}
	return f
}

func (s *Server) examFormPage(c *fiber.Ctx, status int, p views.AdminExamFormProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	title := "新建考试"
	if p.ID != "" {
		title = "编辑考试"
	}
	return s.page(c, status, title, "admin", views.AdminExamFormPage(p), nil)
}

// newExam shows an empty exam form.
func (s *Server) newExam(c *fiber.Ctx) error {
	return s.examFormPage(c, fiber.StatusOK, views.AdminExamFormProps{Form: domain.ExamForm{Fee: "100", Levels: "sz 省直机关\nds 市州机关"}})
}

// createExam validates and stores a new exam.
func (s *Server) createExam(c *fiber.Ctx) error {
	now := s.now()
	e := &domain.Exam{ID: kv.NewID(now)}
	return s.saveExam(c, e, examFormOf(c), "exam.create")
}

// editExam shows the form of an existing exam.
func (s *Server) editExam(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	return s.examFormPage(c, fiber.StatusOK, views.AdminExamFormProps{ID: e.ID, Form: domain.ExamFormOf(e), PledgeVersion: e.CurrentPledge().Version})
}

// updateExam validates and stores changes to an exam.
func (s *Server) updateExam(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	return s.saveExam(c, e, examFormOf(c), "exam.update")
}

func (s *Server) saveExam(c *fiber.Ctx, e *domain.Exam, f domain.ExamForm, action string) error {
	isNew := e.CreatedAt.IsZero()
	retry := func(err error) error {
		p := views.AdminExamFormProps{Form: f, Fields: domain.ErrorFields(err), Error: domain.ErrorMessage(err), PledgeVersion: e.CurrentPledge().Version}
		if !isNew {
			p.ID = e.ID
		}
		return s.examFormPage(c, statusOf(domain.ErrorCode(err)), p)
	}
	if err := f.Apply(e, s.now()); err != nil {
		return retry(err)
	}
	detail := e.Code + " " + e.Name + "，承诺书第 " + strconv.Itoa(e.CurrentPledge().Version) + " 版"
	if e.Published {
		detail += "，已发布"
	}
	if err := s.store.SaveExam(e, s.staffAudit(c, action, detail)); err != nil {
		if domain.ErrorFields(err) != nil {
			return retry(err)
		}
		return err
	}
	return s.redirectFlash(c, "/admin/exams/"+e.ID, "ok", "考试已保存。")
}

// adminExam is an exam's overview.
func (s *Server) adminExam(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, e.Name, "admin", views.AdminExamPage(views.AdminExamProps{
		CSRF: tok, Exam: e, Positions: s.store.PositionCount(e.ID), Totals: s.store.CountTotals(e.ID),
	}), nil)
}

// rebuildCounts recomputes the public counts of an exam from its
// applications and reports the positions whose counts had drifted.
func (s *Server) rebuildCounts(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	drift, err := s.store.RebuildCounts(e.ID)
	if err != nil {
		return err
	}
	if err := s.store.AppendAudit(withTarget(s.staffAudit(c, "counts.rebuild", strconv.Itoa(len(drift))+" 个职位不一致"), e.ID)); err != nil {
		return err
	}
	p := views.AdminRebuildProps{Exam: e}
	for _, d := range drift {
		p.Drift = append(p.Drift, views.AdminDrift{Code: d.Code, Stored: d.Stored, Actual: d.Actual})
	}
	return s.page(c, fiber.StatusOK, "重建报名人数统计", "admin", views.AdminRebuildPage(p), nil)
}

func withTarget(e kv.AuditEntry, target string) kv.AuditEntry {
	e.Target = target
	return e
}
