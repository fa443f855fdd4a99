package handlers

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// staffRow shows a reviewer in the account pages.
func staffRow(a *domain.Account) views.StaffRow {
	return views.StaffRow{ID: a.ID, Name: a.Name, Login: a.LoginName, Departments: a.Departments, Disabled: a.Disabled, MustChange: a.MustChangePassword}
}

// knownDepartments are the 遴选机关 a reviewer may be given: every
// department in the 职位表 of every exam, sorted.
func (s *Server) knownDepartments() ([]string, error) {
	exams, err := s.store.Exams()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range exams {
		for _, d := range s.store.PositionDepartments(e.ID) {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// adminAccounts lists the reviewer accounts.
func (s *Server) adminAccounts(c *fiber.Ctx) error {
	list, err := s.store.AccountsByRole(domain.RoleReviewer)
	if err != nil {
		return err
	}
	p := views.AdminAccountsProps{}
	for _, a := range list {
		p.Reviewers = append(p.Reviewers, staffRow(a))
	}
	return s.page(c, fiber.StatusOK, "账号管理", "admin-accounts", views.AdminAccountsPage(p), nil)
}

func (s *Server) staffForm(c *fiber.Ctx, status int, p views.StaffFormProps, edit bool) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	if p.Known, err = s.knownDepartments(); err != nil {
		return err
	}
	if edit {
		return s.page(c, status, "审核员账号", "admin-accounts", views.EditStaffPage(p), nil)
	}
	return s.page(c, status, "新建审核员账号", "admin-accounts", views.NewStaffPage(p), nil)
}

// newStaff renders the 新建审核员 form.
func (s *Server) newStaff(c *fiber.Ctx) error {
	return s.staffForm(c, fiber.StatusOK, views.StaffFormProps{}, false)
}

// formValues returns trimmed copies of every value of a repeated form field.
func formValues(c *fiber.Ctx, key string) []string {
	var out []string
	if form, err := c.MultipartForm(); err == nil && form != nil {
		for _, v := range form.Value[key] {
			out = append(out, strings.Clone(strings.TrimSpace(v)))
		}
		return out
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == key {
			out = append(out, strings.TrimSpace(string(v)))
		}
	})
	return out
}

// createStaffAccount creates a reviewer whose initial password must be
// changed at first login.
func (s *Server) createStaffAccount(c *fiber.Ctx) error {
	in := domain.StaffInput{
		Name: formValue(c, "name"), Login: formValue(c, "login"),
		Departments: formValues(c, "departments"), Password: strings.Clone(c.FormValue("password")),
	}
	p := views.StaffFormProps{Name: in.Name, Login: in.Login, Departments: in.Departments}
	retry := func(err error) error {
		p.Error, p.Fields = domain.ErrorMessage(err), domain.ErrorFields(err)
		return s.staffForm(c, statusOf(domain.ErrorCode(err)), p, false)
	}
	known, err := s.knownDepartments()
	if err != nil {
		return err
	}
	depts, err := in.Validate(known)
	if err != nil {
		return retry(err)
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return err
	}
	now := s.now()
	a := &domain.Account{
		ID: kv.NewID(now), Role: domain.RoleReviewer, LoginName: strings.ToUpper(in.Login), Name: strings.TrimSpace(in.Name),
		PasswordHash: hash, Departments: depts, MustChangePassword: true, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreateStaffAccount(a, s.staffAudit(c, "account.create", "")); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID || domain.ErrorCode(err) == domain.ECONFLICT {
			return retry(&domain.Error{Code: domain.ECONFLICT, Message: domain.ErrorMessage(err), Fields: domain.ErrorFields(err)})
		}
		return err
	}
	return s.redirectFlash(c, "/admin/accounts", "ok", "已创建审核员账号 "+a.LoginName+"。请将用户名和初始密码告知本人，首次登录后须修改密码。")
}

// reviewerParam loads the reviewer named in the URL (ENOTFOUND for any other account).
func (s *Server) reviewerParam(c *fiber.Ctx) (*domain.Account, error) {
	a, err := s.store.Account(c.Params("id"))
	if err != nil {
		return nil, err
	}
	if a.Role != domain.RoleReviewer {
		return nil, domain.Errorf(domain.ENOTFOUND, "审核员账号不存在。")
	}
	return a, nil
}

// editStaff renders one reviewer's page.
func (s *Server) editStaff(c *fiber.Ctx) error {
	a, err := s.reviewerParam(c)
	if err != nil {
		return err
	}
	row := staffRow(a)
	return s.staffForm(c, fiber.StatusOK, views.StaffFormProps{Account: &row, Departments: a.Departments}, true)
}

// saveStaffDepartments replaces a reviewer's 遴选机关.
func (s *Server) saveStaffDepartments(c *fiber.Ctx) error {
	a, err := s.reviewerParam(c)
	if err != nil {
		return err
	}
	chosen := formValues(c, "departments")
	known, err := s.knownDepartments()
	if err != nil {
		return err
	}
	row := staffRow(a)
	depts, err := domain.ValidateDepartments(chosen, known)
	if err == nil {
		_, err = s.store.SetReviewerDepartments(a.ID, depts, s.staffAudit(c, "account.departments", ""), s.now())
	}
	if err != nil {
		if code := domain.ErrorCode(err); code != domain.EINVALID && code != domain.ECONFLICT {
			return err
		}
		return s.staffForm(c, statusOf(domain.ErrorCode(err)), views.StaffFormProps{
			Account: &row, Departments: chosen, Error: domain.ErrorMessage(err), Fields: domain.ErrorFields(err),
		}, true)
	}
	return s.redirectFlash(c, "/admin/accounts/"+a.ID, "ok", "遴选机关已保存。")
}

// setStaffDisabled returns the handler that disables (true) or re-enables a reviewer.
func (s *Server) setStaffDisabled(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, err := s.reviewerParam(c)
		if err != nil {
			return err
		}
		action, msg := "account.enable", "账号已重新启用。"
		if disabled {
			action, msg = "account.disable", "账号已停用，该审核员已被强制退出。"
		}
		if _, err := s.store.SetReviewerDisabled(a.ID, disabled, s.staffAudit(c, action, ""), s.now()); err != nil {
			return err
		}
		return s.redirectFlash(c, "/admin/accounts/"+a.ID, "ok", msg)
	}
}
