package handlers

import (
	"crypto/hmac"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/dchest/captcha"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// newCaptcha returns a fresh id for a captcha image URL ("" when switched
// off). Nothing is stored: the image request makes the digits and sets
// them, sealed and bound to this browser, in the captcha cookie (tokens.go),
// so an anonymous page view costs the server nothing.
func (s *Server) newCaptcha() string {
	if s.noCaptcha {
		return ""
	}
	return newToken()[:16]
}

// captchaOK checks the form's captcha answer against the sealed answer in
// the captcha cookie: the token must open with the server's key, be
// unexpired, have been issued to this browser (its nonce cookie) and not
// have been used before; it is spent by this check whatever the answer.
func (s *Server) captchaOK(c *fiber.Ctx) bool {
	if s.noCaptcha {
		return true
	}
	tok, answer := c.Cookies(captchaCookie), formValue(c, "captcha")
	if tok == "" {
		return false
	}
	c.Cookie(&fiber.Cookie{Name: captchaCookie, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax", Expires: time.Unix(1, 0)})
	keys, err := s.keys()
	if err != nil {
		s.reqLog(c).Error("token keys", "err", err)
		return false
	}
	t, err := keys.openCaptcha(tok)
	now := s.now()
	if err != nil || !now.Before(t.exp) || !hmac.Equal(t.bind, bindNonce(c.Cookies(nonceCookie))) {
		return false
	}
	if err := s.store.SpendOnce("captcha", t.id, t.exp.Sub(now)); err != nil {
		if domain.ErrorCode(err) != domain.ECONFLICT {
			s.reqLog(c).Error("spend captcha", "err", err)
		}
		return false
	}
	if len(answer) != captchaLen {
		return false
	}
	got := make([]byte, captchaLen)
	for i := range got {
		got[i] = answer[i] - '0'
	}
	return subtle.ConstantTimeCompare(got, t.digits) == 1
}

const captchaMessage = "验证码不正确或已失效，请输入新图片中的数字。"

// captchaImage serves /captcha/<id>.png: new digits every time, their
// sealed answer in the captcha cookie. Images are rate-limited per address
// (captchaLimiter), the only cost an anonymous visitor can cause here.
func (s *Server) captchaImage(c *fiber.Ctx) error {
	noStore(c)
	if s.noCaptcha || !strings.HasSuffix(c.Params("file"), ".png") {
		return fiber.ErrNotFound
	}
	keys, err := s.keys()
	if err != nil {
		return err
	}
	digits := captcha.RandomDigits(captchaLen)
	tok := keys.sealCaptcha(digits, s.browserNonce(c), s.now().Add(captchaTTL))
	t, err := keys.openCaptcha(tok)
	if err != nil {
		return err
	}
	img, err := captchaPNG(t.id, digits)
	if err != nil {
		return err
	}
	c.Cookie(s.cookie(captchaCookie, tok))
	c.Type("png")
	return c.Send(img)
}

// refreshCaptcha is 换一张 with htmx: only the image is swapped, so what
// the user typed (the password too) stays in the form.
func (s *Server) refreshCaptcha(c *fiber.Ctx) error {
	noStore(c)
	if s.noCaptcha {
		return fiber.ErrNotFound
	}
	return s.write(c, fiber.StatusOK, views.CaptchaImage(s.newCaptcha()))
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

// doLogin checks the captcha, the login throttle and the password, then
// starts a new session. A registered and an unknown name take the same
// path (throttle record, a password hash compared, a failure recorded) and
// get the same answer, so the form does not tell which are registered.
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
	throttle, err := s.store.LoginThrottle(login)
	if err != nil {
		return err
	}
	// While the name waits, the password is not even checked: a guess made
	// now tells nothing, and the wait is not made longer.
	if err := throttle.CheckLoginAttempt(now); err != nil {
		return retry(fiber.StatusTooManyRequests, domain.ErrorMessage(err))
	}
	acct, err := s.store.AccountByLogin(login)
	hash := dummyHash
	switch {
	case err == nil:
		hash = acct.PasswordHash
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return err
	}
	if !s.checkPassword(password, hash) || acct == nil {
		throttle, err = s.store.RecordLoginFailure(kv.LoginFailure{Login: login, At: now, IP: s.clientIP(c)})
		if err != nil {
			return err
		}
		return retry(fiber.StatusUnauthorized, throttle.FailureMessage(now))
	}
	if acct.Disabled {
		return retry(fiber.StatusForbidden, "该账号已被停用，请联系管理员。")
	}
	if throttle.Failures > 0 {
		if err := s.store.ClearLoginThrottle(login); err != nil {
			return err
		}
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
	case domain.RoleInvigilator:
		return "/checkin"
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
			// Said once, at the field, with the ways on (views.RegisterPage).
			f.Registered = true
			f.CaptchaID = s.newCaptcha()
			return s.registerPage(c, fiber.StatusConflict, f)
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
