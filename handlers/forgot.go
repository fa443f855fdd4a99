package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// The 忘记密码 pages answer the same whether or not an account exists: the
// same page, status and work (one store write) for a known and an unknown
// 身份证号, so they cannot be used to find out who is registered.

func (s *Server) forgotPage(c *fiber.Ctx, status int, f views.ForgotForm) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	f.CSRF = tok
	f.CaptchaID = s.newCaptcha()
	noStore(c)
	return s.page(c, status, "忘记密码", "login", views.ForgotPage(f), nil)
}

// showForgot renders step 1: 身份证号, channel, captcha.
func (s *Server) showForgot(c *fiber.Ctx) error {
	return s.forgotPage(c, fiber.StatusOK, views.ForgotForm{})
}

// doForgot queues a one-time code to the account's registered phone or
// e-mail (when the account exists and the limits allow) and gives the one
// neutral answer.
func (s *Server) doForgot(c *fiber.Ctx) error {
	login := strings.ToUpper(formValue(c, "id_number"))
	ch := domain.ChannelSMS
	if formValue(c, "channel") == "email" {
		ch = domain.ChannelEmail
	}
	f := views.ForgotForm{IDNumber: login, Channel: string(ch), Fields: map[string]string{}}
	if login == "" || len(login) > 32 {
		f.Fields["id_number"] = "请输入注册时的身份证号。"
	}
	if !s.captchaOK(c) {
		f.Fields["captcha"] = captchaMessage
	}
	if len(f.Fields) > 0 {
		f.Error = "请检查标记的项目。"
		return s.forgotPage(c, invalidStatus, f)
	}
	salt, code := newResetCode()
	if _, err := s.store.IssueResetCode(login, ch, salt, code, s.now()); err != nil {
		return err
	}
	f.Sent = true
	return s.forgotPage(c, fiber.StatusOK, f)
}

// newResetCode returns a random salt (hex) and a 6-digit code.
func newResetCode() (salt, code string) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	n, _ := rand.Int(rand.Reader, big.NewInt(1000000))
	return hex.EncodeToString(b[:]), fmt.Sprintf("%06d", n.Int64())
}

func (s *Server) resetPage(c *fiber.Ctx, status int, f views.ResetForm) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	f.CSRF = tok
	noStore(c)
	return s.page(c, status, "重设密码", "login", views.ResetPage(f), nil)
}

// showReset renders step 2: code and new password.
func (s *Server) showReset(c *fiber.Ctx) error {
	return s.resetPage(c, fiber.StatusOK, views.ResetForm{})
}

// doReset sets the new password when the code is right; a wrong, expired,
// used or unknown code all get the same message.
func (s *Server) doReset(c *fiber.Ctx) error {
	login := strings.ToUpper(formValue(c, "id_number"))
	code := formValue(c, "code")
	pw := strings.Clone(c.FormValue("password"))
	fields := domain.FieldErrors{}
	if login == "" || len(login) > 32 {
		fields.Add("id_number", "请输入注册时的身份证号。")
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		fields.Add("code", "请输入收到的 6 位数字验证码。")
	}
	if err := domain.ValidatePassword(pw, login); err != nil {
		fields.Add("password", domain.ErrorMessage(err))
	}
	if pw != c.FormValue("password_confirm") {
		fields.Add("password_confirm", "两次输入的新密码不一致。")
	}
	f := views.ResetForm{IDNumber: login}
	retry := func(err error) error {
		f.Error, f.Fields = domain.ErrorMessage(err), domain.ErrorFields(err)
		return s.resetPage(c, invalidStatus, f)
	}
	if err := fields.Err(); err != nil {
		return retry(err)
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return err
	}
	audit := s.staffAudit(c, "account.reset_by_code", "")
	if err := s.store.ResetPasswordWithCode(login, code, hash, audit, s.now()); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			return retry(err)
		}
		return err
	}
	return s.redirectFlash(c, "/login", "ok", "密码已重设，请用新密码登录。其他设备上的登录已退出。")
}
