package handlers

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// showForm is 填报信息.
func (s *Server) showForm(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	if ac.app.State == domain.StateStarted {
		return s.redirectFlash(c, views.ApplyPaths(ac.exam.ID).Pledge(), "info", "请先阅读并接受报考承诺书。")
	}
	form := ac.app.Form
	if form.Phone == "" && ac.app.State.Editable() {
		form.Phone = ac.acct.Phone // the registration's number, until the candidate saves another
	}
	p, err := s.formProps(c, ac, form)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "填报信息", "apply", views.ApplyFormPage(p), nil)
}

func (s *Server) formProps(c *fiber.Ctx, ac *applyCtx, f domain.ApplicationForm) (views.ApplyFormProps, error) {
	h, err := s.hidden(c, ac)
	if err != nil {
		return views.ApplyFormProps{}, err
	}
	p := views.ApplyFormProps{
		Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name,
		Name: ac.acct.Name, Sex: ac.acct.Sex, BirthDate: ac.acct.BirthDate, Form: f,
	}
	if _, err := domain.CheckTransition(ac.app, ac.exam, domain.ActionSaveInfo, domain.RoleCandidate, s.now()); err != nil {
		p.Disabled = domain.ErrorMessage(err)
	}
	if ac.app.InReturnLoop() {
		p.Returned = returnedNotice(ac.app)
		p.Locked = map[string]bool{}
		for _, sec := range domain.FormSections {
			p.Locked[sec.ID] = !ac.app.MayChange(sec.ID)
		}
		if len(domain.EditableSections(ac.app)) == 0 && p.Disabled == "" {
			p.Disabled = "审核员未要求修改填报信息，无需修改。"
		}
	}
	return p, nil
}

// parseForm reads the posted 填报信息, field by field of domain.FormFields.
// raw keeps values that did not parse (shown back as typed); fe gets
// their messages.
func parseForm(c *fiber.Ctx) (f domain.ApplicationForm, raw map[string]string, fe domain.FieldErrors) {
	raw, fe = map[string]string{}, domain.FieldErrors{}
	for _, d := range domain.FormFields {
		if d.Kind == domain.KindFamily {
			continue
		}
		v := formValue(c, d.Name)
		if msg := f.SetValue(d.Name, v); msg != "" {
			raw[d.Name] = v
			fe.Add(d.Name, msg)
		}
	}
	n, _ := strconv.Atoi(formValue(c, "family_n"))
	n = min(max(n, 0), domain.MaxFamilyRows+1)
	for i := range n {
		key := func(field string) string { return "family." + itoa(i) + "." + field }
		f.Family = append(f.Family, domain.FamilyMember{
			Relation: formValue(c, key("relation")), Name: formValue(c, key("name")),
			BirthMonth: formValue(c, key("birth_month")), Political: formValue(c, key("political")),
			Work: formValue(c, key("work")),
		})
	}
	return f, raw, fe
}

// saveForm saves 填报信息 as a draft: the whole form (plain post), or one
// section (htmx "保存本部分"), or only reshapes the family table (添加一行 /
// 删除此行, nothing saved). While fixing a 退回修改, a section the reviewer
// did not name is refused (409, nothing written) and a whole-form post
// saves only the named sections.
func (s *Server) saveForm(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	posted, raw, parseErrs := parseForm(c)
	if op := formValue(c, "family_op"); op != "" {
		if err := domain.CheckPartChange(ac.app, "family"); err != nil {
			return s.actionRefused(c, ac, err)
		}
		return s.familyOp(c, ac, posted, raw, op)
	}
	section := formValue(c, "section")
	hxSection := isHX(c) && section != ""
	// sections are the parts of the form this post saves: one with htmx
	// (保存本部分), else all the candidate may change.
	sections := []string{section}
	if !hxSection {
		section, sections = "", domain.EditableSections(ac.app)
	}
	if err := domain.CheckFormSave(ac.app, ac.exam, sections, s.now()); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			return err
		}
		return s.actionRefused(c, ac, err)
	}
	fe := domain.FieldErrors{}
	for k, v := range parseErrs {
		// A field of a section this post does not save is ignored.
		if slices.Contains(sections, domain.SectionOfField(k)) {
			fe.Add(k, v)
		}
	}
	var app *domain.Application
	if len(fe) == 0 {
		app, err = s.store.SaveForm(s.act(c, ac), sections, posted)
		if err != nil && domain.ErrorCode(err) != domain.EINVALID {
			return s.actionRefused(c, ac, err)
		}
		fe = domain.ErrorFields(err)
	} else {
		// Show the other fields' messages too: the same rule, on a copy.
		trial := *ac.app
		for k, v := range domain.ErrorFields(domain.SaveForm(&trial, ac.exam, domain.BirthOf(ac.acct), sections, posted, s.now())) {
			fe.Add(k, v)
		}
	}
	if len(fe) > 0 {
		p, err := s.formProps(c, ac, domain.MergeSections(ac.app.Form, posted, sections))
		if err != nil {
			return err
		}
		p.Raw, p.Fields, p.Error = raw, fe, domain.ErrorMessage(fe.Err())
		if hxSection {
			sec, _ := domain.Section(section)
			return s.write(c, invalidStatus, views.ApplyFormSection(p, sec))
		}
		return s.page(c, invalidStatus, "填报信息", "apply", views.ApplyFormPage(p), nil)
	}
	if hxSection {
		ac.app = app
		p, err := s.formProps(c, ac, app.Form)
		if err != nil {
			return err
		}
		p.Saved = section
		sec, _ := domain.Section(section)
		return s.write(c, fiber.StatusOK, templJoin(views.ApplyFormSection(p, sec), views.ApplyVersionOOB(app.Version)))
	}
	return s.redirectFlash(c, views.ApplyPaths(ac.exam.ID).Flow(), "ok", "保存成功。")
}

// familyOp adds or removes a row of 家庭主要成员 without saving: htmx gets
// the family section, a plain post the whole form with the change.
func (s *Server) familyOp(c *fiber.Ctx, ac *applyCtx, posted domain.ApplicationForm, raw map[string]string, op string) error {
	rows := posted.Family
	switch {
	case op == "add":
		if len(rows) < domain.MaxFamilyRows {
			rows = append(rows, domain.FamilyMember{})
		}
	case strings.HasPrefix(op, "del:"):
		i, err := strconv.Atoi(strings.TrimPrefix(op, "del:"))
		if err == nil && i >= 0 && i < len(rows) {
			rows = append(rows[:i:i], rows[i+1:]...)
		}
	}
	posted.Family = rows
	p, err := s.formProps(c, ac, posted)
	if err != nil {
		return err
	}
	p.Raw = raw
	if isHX(c) {
		sec, _ := domain.Section("family")
		return s.write(c, fiber.StatusOK, views.ApplyFormSection(p, sec))
	}
	return s.page(c, fiber.StatusOK, "填报信息", "apply", views.ApplyFormPage(p), nil)
}
