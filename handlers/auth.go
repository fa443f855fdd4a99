package handlers

import (
	"strings"

	"github.com/dchest/captcha"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// newCaptcha returns the id of a fresh 6-digit captcha ("" when switched off).
// dchest/captcha keeps the answers server-side and forgets each on its
// first check, so an answer is never reusable.
func (s *Server) newCaptcha() string {
	if s.noCaptcha {
		return ""
	}
	return captcha.New()
}

// captchaOK checks the captcha answer of a form.
func (s *Server) captchaOK(c *fiber.Ctx) bool {
	if s.noCaptcha {
		return true
	}
	id, answer := formValue(c, "captcha_id"), formValue(c, "captcha")
	return id != "" && answer != "" && captcha.VerifyString(id, answer)
}

const captchaMessage = "验证码不正确或已失效，请输入新图片中的数字。"

// captchaImage serves /captcha/<id>.png (and .wav for the audio version).
func (s *Server) captchaImage(c *fiber.Ctx) error {
	file := c.Params("file")
	noStore(c)
	switch {
	case strings.HasSuffix(file, ".png"):
		c.Type("png")
		if err := captcha.WriteImage(c, strings.TrimSuffix(file, ".png"), 160, 60); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "验证码已失效，请刷新页面。")
		}
		return nil
	case strings.HasSuffix(file, ".wav"):
		c.Type("wav")
		if err := captcha.WriteAudio(c, strings.TrimSuffix(file, ".wav"), "zh"); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "验证码已失效，请刷新页面。")
		}
		return nil
	}
	return domain.Errorf(domain.ENOTFOUND, "验证码不存在。")
}

// showLogin renders the login page.
func (s *Server) showLogin(c *fiber.Ctx) error {
	if account(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	f := views.LoginForm{Next: safeNext(c.Query("next")), CaptchaID: s.newCaptcha()}
	if msg, _ := c.Locals(localEnded).(string); msg != "" {
		f.Notice = msg
	}
	return s.loginPage(c, fiber.StatusOK, f)
}

func (s *Server) loginPage(c *fiber.Ctx, status int, f views.LoginForm) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	f.CSRF = tok
	return s.page(c, status, "考生登录", "login", views.LoginPage(f), nil)
}

// wrongCredentials is the same for an unknown ID and a wrong password, so
// the form does not tell which ID numbers are registered.
const wrongCredentials = "身份证号（用户名）或密码错误。"

// doLogin checks captcha, lock and password, then starts a new session.
func (s *Server) doLogin(c *fiber.Ctx) error {
	login := strings.ToUpper(formValue(c, "id_number"))
	password := c.FormValue("password")
	f := views.LoginForm{IDNumber: login, Next: safeNext(formValue(c, "next")), Fields: map[string]string{}}
	retry := func(status int, msg string) error {
		f.Error = msg
		f.CaptchaID = s.newCaptcha()
		return s.loginPage(c, status, f)
	}
	if login == "" {
		f.Fields["id_number"] = "请输入身份证号或用户名。"
	}
	if password == "" {
		f.Fields["password"] = "请输入密码。"
	}
	if !s.captchaOK(c) {
		f.Fields["captcha"] = captchaMessage
	}
	if len(f.Fields) > 0 {
		return retry(invalidStatus, "请检查标记的项目。")
	}
	now := s.now()
	acct, err := s.store.AccountByLogin(login)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		s.checkPassword(password, dummyHash)
		return retry(fiber.StatusUnauthorized, wrongCredentials)
	}
	if err != nil {
		return err
	}
	if acct.Locked(now) {
		return retry(fiber.StatusLocked, "密码连续输错 5 次，账号已锁定，请于 "+domain.FormatTime(acct.LockedUntil)+" 后再试。")
	}
	if !s.checkPassword(password, acct.PasswordHash) {
		acct, err = s.store.UpdateAccount(acct.ID, func(a *domain.Account) error {
			a.RecordFailedLogin(now)
			return nil
		})
		if err != nil {
			return err
		}
		if acct.Locked(now) {
			return retry(fiber.StatusLocked, "密码连续输错 5 次，账号已锁定，请于 "+domain.FormatTime(acct.LockedUntil)+" 后再试。")
		}
		return retry(fiber.StatusUnauthorized, wrongCredentials)
	}
	if acct.Disabled {
		return retry(fiber.StatusForbidden, "该账号已被停用，请联系管理员。")
	}
	acct, err = s.store.UpdateAccount(acct.ID, func(a *domain.Account) error {
		a.RecordLogin()
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.login(c, acct); err != nil {
		return err
	}
	return s.redirect(c, afterLogin(acct, f.Next))
}

// afterLogin picks the first page after login: a candidate without a photo
// must upload one first (seed step 2).
func afterLogin(acct *domain.Account, next string) string {
	if acct.MustChangePassword {
		return "/account/password"
	}
	if acct.Role == domain.RoleCandidate && acct.PhotoID == "" {
		return "/photo"
	}
	if next != "" {
		return next
	}
	switch acct.Role {
	case domain.RoleReviewer:
		return "/review"
	case domain.RoleAdmin:
		return "/admin/exams"
	}
	return "/"
}

// showRegister renders the registration page.
func (s *Server) showRegister(c *fiber.Ctx) error {
	if account(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return s.registerPage(c, fiber.StatusOK, views.RegisterForm{CaptchaID: s.newCaptcha()})
}

func (s *Server) registerPage(c *fiber.Ctx, status int, f views.RegisterForm) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	f.CSRF = tok
	return s.page(c, status, "用户注册", "register", views.RegisterPage(f), nil)
}

// doRegister validates the form, creates the candidate account (one per ID
// number, enforced by the store's unique index) and logs the candidate in.
func (s *Server) doRegister(c *fiber.Ctx) error {
	in := domain.RegistrationInput{
		IDNumber:        formValue(c, "id_number"),
		Name:            formValue(c, "name"),
		Phone:           formValue(c, "phone"),
		Email:           formValue(c, "email"),
		Password:        strings.Clone(c.FormValue("password")),
		PasswordConfirm: strings.Clone(c.FormValue("password_confirm")),
	}
	f := views.RegisterForm{IDNumber: in.IDNumber, Name: in.Name, Phone: in.Phone, Email: in.Email}
	retry := func(err error) error {
		f.Error = domain.ErrorMessage(err)
		f.Fields = domain.ErrorFields(err)
		f.CaptchaID = s.newCaptcha()
		return s.registerPage(c, statusOf(domain.ErrorCode(err)), f)
	}
	now := s.now()
	id, verr := in.Validate(now)
	fields := domain.ErrorFields(verr)
	if fields == nil {
		fields = domain.FieldErrors{}
	}
	if !s.captchaOK(c) {
		fields.Add("captcha", captchaMessage)
	}
	if err := fields.Err(); err != nil {
		return retry(err)
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return err
	}
	acct := &domain.Account{
		ID:           kv.NewID(now),
		Role:         domain.RoleCandidate,
		LoginName:    id.Number,
		Name:         in.Name,
		Phone:        in.Phone,
		Email:        in.Email,
		PasswordHash: hash,
		BirthDate:    id.BirthDateString(),
		Sex:          id.Sex,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if err := s.store.CreateAccount(acct); err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return retry(domain.FieldError("id_number", domain.ErrorMessage(err)))
		}
		return err
	}
	if err := s.login(c, acct); err != nil {
		return err
	}
	if err := s.setFlash(c, "ok", "注册成功，已为您登录。请先上传照片。"); err != nil {
		return err
	}
	return s.redirect(c, afterLogin(acct, ""))
}

// doLogout is 安全退出: the session is destroyed and the login page says so.
func (s *Server) doLogout(c *fiber.Ctx) error {
	if err := s.logout(c); err != nil {
		return err
	}
	return s.redirectFlash(c, "/login", "ok", "您已安全退出系统。使用公共电脑的考生，请关闭浏览器。")
}
