package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

func profileForm(a *domain.Account) views.ProfileForm {
	return views.ProfileForm{
		IDMasked: domain.MaskedID(a.LoginName), Name: a.Name, BirthDate: a.BirthDate, Sex: a.Sex,
		Phone: a.Phone, Email: a.Email,
	}
}

// showProfile renders 注册信息维护.
func (s *Server) showProfile(c *fiber.Ctx) error {
	f := profileForm(account(c))
	f.Saved = c.Query("saved") == "1"
	return s.profilePage(c, fiber.StatusOK, f)
}

func (s *Server) profilePage(c *fiber.Ctx, status int, f views.ProfileForm) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	f.CSRF = tok
	return s.page(c, status, "注册信息维护", "profile", views.ProfilePage(f), nil)
}

// saveProfile changes phone and e-mail; the ID number, name and the data
// derived from the ID never change here.
func (s *Server) saveProfile(c *fiber.Ctx) error {
	acct := account(c)
	phone, email := formValue(c, "phone"), formValue(c, "email")
	fields := domain.FieldErrors{}
	if err := domain.ValidatePhone(phone); err != nil {
		fields.Add("phone", domain.ErrorMessage(err))
	}
	if err := domain.ValidateEmail(email); err != nil {
		fields.Add("email", domain.ErrorMessage(err))
	}
	if err := fields.Err(); err != nil {
		f := profileForm(acct)
		f.Phone, f.Email, f.Fields, f.Error = phone, email, fields, domain.ErrorMessage(err)
		return s.profilePage(c, invalidStatus, f)
	}
	if _, err := s.store.UpdateAccount(acct.ID, func(a *domain.Account) error {
		a.Phone, a.Email, a.UpdatedAt = phone, email, s.now()
		return nil
	}); err != nil {
		return err
	}
	return s.redirectFlash(c, "/account/profile", "ok", "注册信息已保存。")
}

// showPassword renders 修改密码.
func (s *Server) showPassword(c *fiber.Ctx) error {
	return s.passwordPage(c, fiber.StatusOK, views.PasswordForm{})
}

func (s *Server) passwordPage(c *fiber.Ctx, status int, f views.PasswordForm) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	f.CSRF = tok
	return s.page(c, status, "修改密码", "password", views.PasswordPage(f), nil)
}

// savePassword needs the old password; the new one replaces it, this
// session stays and every other session of the account ends.
func (s *Server) savePassword(c *fiber.Ctx) error {
	acct := account(c)
	old := strings.Clone(c.FormValue("old_password"))
	pw := strings.Clone(c.FormValue("password"))
	confirm := c.FormValue("password_confirm")
	fields := domain.FieldErrors{}
	if old == "" || !s.checkPassword(old, acct.PasswordHash) {
		fields.Add("old_password", "原密码不正确。")
	}
	if err := domain.ValidatePassword(pw, acct.LoginName); err != nil {
		fields.Add("password", domain.ErrorMessage(err))
	}
	if pw != confirm {
		fields.Add("password_confirm", "两次输入的新密码不一致。")
	}
	if err := fields.Err(); err != nil {
		return s.passwordPage(c, invalidStatus, views.PasswordForm{Fields: fields, Error: domain.ErrorMessage(err)})
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return err
	}
	updated, err := s.store.UpdateAccount(acct.ID, func(a *domain.Account) error {
		a.PasswordHash, a.UpdatedAt = hash, s.now()
		a.MustChangePassword = false
		return nil
	})
	if err != nil {
		return err
	}
	// A fresh session id for this browser; recording it as the live one
	// ends the account's sessions everywhere else.
	if err := s.login(c, updated); err != nil {
		return err
	}
	return s.redirectFlash(c, "/", "ok", "密码修改成功，其他设备上的登录已退出。")
}
