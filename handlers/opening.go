package handlers

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// openingRoutes: 开考比例 (administrators: settings, 取消职位, 核减计划,
// 逾期未改报转退款) and 改报或退款 (candidates of a cancelled position).
func (s *Server) openingRoutes(app *fiber.App) {
	adm := s.requireRole(domain.RoleAdmin)
	app.Get("/admin/exams/:id/opening", adm, s.adminOpening)
	app.Post("/admin/exams/:id/opening/settings", adm, limitBody(formLimit), s.saveOpeningSettings)
	app.Post("/admin/exams/:id/opening/settle", adm, limitBody(formLimit), s.settleUndecided)
	app.Post("/admin/exams/:id/opening/:code/cancel", adm, limitBody(formLimit), s.cancelPosition)
	app.Post("/admin/exams/:id/opening/:code/reduce", adm, limitBody(formLimit), s.reducePosition)

	candidate := s.requireRole(domain.RoleCandidate)
	app.Get("/opening/:exam", candidate, s.showSwitch)
	app.Post("/opening/:exam/switch", candidate, limitBody(formLimit), s.switchPosition)
	app.Post("/opening/:exam/refund", candidate, limitBody(formLimit), s.requestRefund)
}

// openingForm is the page's state after a refused post: the settings as
// typed, or the position (and typed quota) a refusal belongs to.
type openingForm struct {
	in    *domain.OpeningInput
	code  string
	quota string
	err   error
}

func (s *Server) adminOpening(c *fiber.Ctx) error {
	return s.openingPage(c, fiber.StatusOK, openingForm{})
}

func (s *Server) openingPage(c *fiber.Ctx, status int, f openingForm) error {
	exam, err := s.store.Exam(param(c, "id"))
	if err != nil {
		return err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	ov, err := s.store.OpeningOverview(exam.ID)
	if err != nil {
		return err
	}
	p := views.OpeningProps{CSRF: tok, ExamID: exam.ID, ExamName: exam.Name, Pending: ov.Pending, Seated: ov.Seated,
		Ratio: "3", RatioText: domain.FormatRatio(ov.Settings.Ratio())}
	if o := ov.Settings; o != nil {
		p.Saved = true
		p.Ratio = trimRatio(o.Ratio())
		if o.SwitchCap > 0 {
			p.SwitchCap = strconv.Itoa(o.SwitchCap)
		}
		p.SwitchEnd = o.SwitchEnd.In(domain.Shanghai).Format(domain.DatetimeLocal)
		p.EndText = domain.FormatTime(o.SwitchEnd)
	}
	if f.in != nil {
		p.Ratio, p.SwitchCap, p.SwitchEnd = f.in.Ratio, f.in.SwitchCap, f.in.SwitchEnd
	}
	ratio := ov.Settings.Ratio()
	for _, r := range ov.Under {
		row := openingRow(r)
		row.Need = fmt.Sprintf("%d 人", (ratio*r.Position.Quota+9)/10)
		row.Supported = min(domain.SupportedQuota(r.Paid, ratio), r.Position.Quota-1)
		row.QuotaValue = ""
		if row.Supported >= 1 {
			row.QuotaValue = strconv.Itoa(row.Supported)
		}
		if f.code == r.Position.Code {
			row.QuotaValue = f.quota
			row.QuotaError = domain.ErrorFields(f.err)["quota"]
		}
		if r.Paid > 0 {
			p.Under = append(p.Under, row)
		} else {
			p.Empty = append(p.Empty, row)
		}
	}
	for _, r := range ov.Decided {
		row := openingRow(r)
		row.Decision = views.OpeningDecisionText(r.Decision)
		p.Decided = append(p.Decided, row)
	}
	if f.err != nil {
		p.Error, p.Fields = domain.ErrorMessage(f.err), domain.ErrorFields(f.err)
		if f.code != "" {
			p.Error = "职位 " + f.code + "：" + p.Error
		}
	}
	return s.page(c, status, "开考比例", "admin", views.OpeningPage(p), nil)
}

func openingRow(r kv.OpeningRow) views.OpeningRow {
	return views.OpeningRow{Code: r.Position.Code, Department: r.Position.Department, Title: r.Position.Title,
		Quota: r.Position.Quota, Paid: r.Paid, Pending: r.Cases.Pending, Switched: r.Cases.Switched, Refund: r.Cases.Refund}
}

// trimRatio writes tenths back as the form's number: 30 → "3", 25 → "2.5".
func trimRatio(tenths int) string {
	s := strconv.Itoa(tenths / 10)
	if tenths%10 != 0 {
		s += "." + strconv.Itoa(tenths%10)
	}
	return s
}

// openingRefused re-renders the page for a domain refusal (4xx), or passes
// an internal error on.
func (s *Server) openingRefused(c *fiber.Ctx, f openingForm) error {
	switch code := domain.ErrorCode(f.err); code {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN, domain.ENOTFOUND:
		return s.openingPage(c, statusOf(code), f)
	}
	return f.err
}

func (s *Server) saveOpeningSettings(c *fiber.Ctx) error {
	examID := param(c, "id")
	in := domain.OpeningInput{Ratio: formValue(c, "ratio"), SwitchCap: formValue(c, "switch_cap"), SwitchEnd: formValue(c, "switch_end")}
	o, err := in.Validate(examID, s.now())
	if err == nil {
		err = s.store.SaveOpeningSettings(o, account(c), s.now())
	}
	if err != nil {
		return s.openingRefused(c, openingForm{in: &in, err: err})
	}
	return s.redirectFlash(c, "/admin/exams/"+examID+"/opening", "ok", "开考比例设置已保存。")
}

func (s *Server) cancelPosition(c *fiber.Ctx) error {
	examID, code := param(c, "id"), param(c, "code")
	op, err := s.store.CancelPosition(examID, code, account(c), s.now())
	if err != nil {
		return s.openingRefused(c, openingForm{code: code, err: err})
	}
	return s.redirectFlash(c, "/admin/exams/"+examID+"/opening", "ok",
		fmt.Sprintf("职位 %s 已取消，已通知 %d 名已缴费考生改报或退款。", code, op.Paid))
}

func (s *Server) reducePosition(c *fiber.Ctx) error {
	examID, code, typed := param(c, "id"), param(c, "code"), formValue(c, "quota")
	op, err := s.store.ReducePosition(examID, code, typed, account(c), s.now())
	if err != nil {
		return s.openingRefused(c, openingForm{code: code, quota: typed, err: err})
	}
	return s.redirectFlash(c, "/admin/exams/"+examID+"/opening", "ok",
		fmt.Sprintf("职位 %s 计划已由 %d 名核减为 %d 名。", code, op.OldQuota, op.NewQuota))
}

func (s *Server) settleUndecided(c *fiber.Ctx) error {
	examID := param(c, "id")
	n, err := s.store.SettleUndecided(examID, account(c), s.now())
	if err != nil {
		return s.openingRefused(c, openingForm{err: err})
	}
	return s.redirectFlash(c, "/admin/exams/"+examID+"/opening", "ok", fmt.Sprintf("已将 %d 名逾期未改报的考生转入退款。", n))
}

// maxSwitchOptions bounds the positions listed on the 改报 page; any other
// is reached by typing its code.
const maxSwitchOptions = 20

// showSwitch is 改报或退款 for the candidate's own application to the exam.
func (s *Server) showSwitch(c *fiber.Ctx) error {
	return s.switchPage(c, fiber.StatusOK, "", nil)
}

func (s *Server) switchPage(c *fiber.Ctx, status int, typed string, ferr error) error {
	acct := account(c)
	exam, err := s.store.Exam(param(c, "exam"))
	if err != nil {
		return err
	}
	app, err := s.store.ApplicationOf(acct.ID, exam.ID)
	if err != nil {
		return err
	}
	if app.Opening == nil {
		return domain.Errorf(domain.ENOTFOUND, "您的报考职位未被取消，无需改报或退款。")
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	now := s.now()
	c0 := app.Opening
	p := views.SwitchProps{CSRF: tok, ExamID: exam.ID, ExamName: exam.Name, SwitchEnd: domain.FormatTime(c0.SwitchEnd),
		Open: now.Before(c0.SwitchEnd), Code: typed}
	p.From = c0.Position
	if pos, ok := s.store.Position(exam.ID, c0.Position); ok {
		p.From += " " + pos.Department + " " + pos.Title
	}
	switch c0.Decision {
	case domain.CaseSwitched:
		p.Decision = "您已于 " + domain.FormatTime(c0.DecidedAt) + " 改报职位 " + c0.ToPosition + "，报考费已随之转入。"
	case domain.CaseRefund:
		p.Decision = domain.RefundSummary(app)
		if p.Decision == "" { // an older store's case not yet adopted (kv adopts them at open)
			p.Decision = "您已于 " + domain.FormatTime(c0.DecidedAt) + " 申请退款，报考费将原路退回。"
		}
	}
	if p.Decision == "" && p.Open {
		settings, decided, err := s.store.OpeningDecisions(exam.ID)
		if err != nil {
			return err
		}
		s.switchOptions(&p, app, acct, exam, settings, decided)
	}
	if ferr != nil {
		p.Error, p.Fields = domain.ErrorMessage(ferr), domain.ErrorFields(ferr)
	}
	return s.page(c, status, "改报或退款", "status", views.SwitchPage(p), nil)
}

// switchOptions lists the positions domain.SwitchRefusal accepts, those of
// the candidate's level first, at most maxSwitchOptions.
func (s *Server) switchOptions(p *views.SwitchProps, app *domain.Application, acct *domain.Account, exam *domain.Exam,
	settings *domain.OpeningSettings, decided map[string]*domain.PositionOpening) {
	var same, other []views.SwitchOption
	list := s.store.PositionList(exam.ID)
	for i := range list {
		pos := &list[i]
		paid := s.store.PositionCounts(exam.ID, pos.Code).Paid
		t := domain.SwitchTarget{Position: pos, Opening: decided[pos.Code], Paid: paid}
		if domain.SwitchRefusal(app, acct, exam, settings, t) != "" {
			continue
		}
		o := views.SwitchOption{Code: pos.Code, Department: pos.Department, Title: pos.Title, Quota: pos.Quota, Paid: paid}
		if pos.LevelCode == app.LevelCode {
			same = append(same, o)
		} else {
			other = append(other, o)
		}
	}
	all := append(same, other...)
	if len(all) > maxSwitchOptions {
		p.More = len(all) - maxSwitchOptions
		all = all[:maxSwitchOptions]
	}
	p.Options = all
}

// switchRefused re-renders the 改报 page for a refusal (4xx).
func (s *Server) switchRefused(c *fiber.Ctx, typed string, err error) error {
	switch code := domain.ErrorCode(err); code {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN:
		return s.switchPage(c, statusOf(code), typed, err)
	}
	return err
}

func (s *Server) switchPosition(c *fiber.Ctx) error {
	acct := account(c)
	examID := param(c, "exam")
	code := formValue(c, "position_code")
	app, err := s.store.ApplicationOf(acct.ID, examID)
	if err != nil {
		return err
	}
	if _, err := s.store.SwitchPosition(acct, app.ID, code, s.now()); err != nil {
		return s.switchRefused(c, code, err)
	}
	return s.redirectFlash(c, "/opening/"+examID, "ok", "改报成功：您已改报职位 "+code+"，无需再缴费。")
}

func (s *Server) requestRefund(c *fiber.Ctx) error {
	acct := account(c)
	examID := param(c, "exam")
	app, err := s.store.ApplicationOf(acct.ID, examID)
	if err != nil {
		return err
	}
	if _, err := s.store.RequestRefund(acct, app.ID, s.now()); err != nil {
		return s.switchRefused(c, "", err)
	}
	return s.redirectFlash(c, "/opening/"+examID, "ok", "已申请退款，报考费将原路退回。")
}
