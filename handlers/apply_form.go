package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// showForm is 填报信息.
func (s *Server) showForm(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	if ac.app.State == domain.StateStarted {
		return s.redirectFlash(c, "/apply/"+ac.exam.ID+"/pledge", "info", "请先阅读并接受报考承诺书。")
	}
	p, err := s.formProps(c, ac, ac.app.Form)
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

// formFields are the scalar fields of the form, by their posted names.
func formFields(f *domain.ApplicationForm) map[string]*string {
	return map[string]*string{
		"ethnicity": &f.Ethnicity, "native_place": &f.NativePlace, "birth_place": &f.BirthPlace,
		"political": &f.Political, "party_join_date": &f.PartyJoinDate, "health": &f.Health,
		"work_start_date": &f.WorkStartDate, "civil_servant_date": &f.CivilServantDate,
		"employer": &f.Employer, "rank": &f.Rank, "rank_date": &f.RankDate,
		"ft_education": &f.FullTimeEducation, "ft_degree": &f.FullTimeDegree, "ft_school": &f.FullTimeSchool,
		"ft_major": &f.FullTimeMajor, "ft_grad_date": &f.FullTimeGradDate,
		"pt_education": &f.PartTimeEducation, "pt_degree": &f.PartTimeDegree, "pt_school": &f.PartTimeSchool,
		"pt_major": &f.PartTimeMajor, "appraisals": &f.Appraisals, "phone": &f.Phone, "address": &f.Address,
		"resume": &f.Resume, "rewards": &f.Rewards,
	}
}

// parseForm reads the posted 填报信息. raw keeps values that did not parse
// (shown back as typed); fe gets their messages.
func parseForm(c *fiber.Ctx) (f domain.ApplicationForm, raw map[string]string, fe domain.FieldErrors) {
	raw, fe = map[string]string{}, domain.FieldErrors{}
	for name, ptr := range formFields(&f) {
		*ptr = formValue(c, name)
	}
	if v := formValue(c, "grassroots_years"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			raw["grassroots_years"] = v
			fe.Add("grassroots_years", "基层工作经历年限请填写整数年，没有填 0")
		} else {
			f.GrassrootsYears = n
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

// birthDate is the candidate's birth date from the account (derived from the ID).
func birthDate(acct *domain.Account) time.Time {
	t, err := time.ParseInLocation("2006-01-02", acct.BirthDate, domain.Shanghai)
	if err != nil {
		return time.Time{}
	}
	return t
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
	// sections are the parts of the form this post saves.
	var sections []string
	switch {
	case !hxSection:
		section = ""
		sections = domain.EditableSections(ac.app)
		if len(sections) == 0 {
			return s.actionRefused(c, ac, domain.Errorf(domain.ECONFLICT, "审核员未要求修改填报信息，该部分不能修改。"))
		}
	default:
		if _, ok := domain.Section(section); !ok {
			return domain.Errorf(domain.EINVALID, "未知的表单部分。")
		}
		if err := domain.CheckPartChange(ac.app, section); err != nil {
			return s.actionRefused(c, ac, err)
		}
		sections = []string{section}
	}

	now := s.now()
	// Merge what was posted into the stored form, section by section.
	form := ac.app.Form
	for _, id := range sections {
		form.MergeSection(id, posted)
	}
	form.Normalize()
	fe := domain.FieldErrors{}
	for _, id := range sections {
		for k, v := range form.ValidateSection(id, birthDate(ac.acct), now, false) {
			fe.Add(k, v)
		}
	}
	for k, v := range parseErrs {
		// A field of a section this post does not save is ignored.
		if slices.Contains(sections, domain.SectionOfField(k)) {
			fe.Add(k, v)
		}
	}
	if len(fe) > 0 {
		p, err := s.formProps(c, ac, form)
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

	app, err := s.updateApp(ac, formVersion(c), func(tx *kv.Tx, a *domain.Application) error {
		if err := domain.Transition(a, ac.exam, domain.ActionSaveInfo, ac.acct.ID, domain.RoleCandidate, now, ""); err != nil {
			return err
		}
		// A save is not a state change: keep the version bump and the
		// time, drop the history line Transition wrote for it.
		a.History = a.History[:len(a.History)-1]
		for _, id := range sections {
			if err := domain.CheckPartChange(a, id); err != nil {
				return err
			}
			a.Form.MergeSection(id, form)
		}
		return nil
	})
	if err != nil {
		return s.actionRefused(c, ac, err)
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
	return s.redirectFlash(c, "/apply/"+ac.exam.ID, "ok", "保存成功。")
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
