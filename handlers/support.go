package handlers

import (
	"crypto/rand"
	"math/big"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// supportRow shows an account found by 考生服务 (administrators see it whole).
func (s *Server) supportRow(a *domain.Account) views.SupportRow {
	r := views.SupportRow{ID: a.ID, Role: a.Role, Login: a.LoginName, Name: a.Name, Phone: a.Phone, Email: a.Email, Disabled: a.Disabled}
	if t, err := s.store.LoginThrottle(a.LoginName); err == nil {
		r.Locked = domain.ThrottleSummary(t, s.now())
	}
	return r
}

func (s *Server) supportPage(c *fiber.Ctx, status int, p views.SupportProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	if p.Query != "" {
		list, err := s.store.FindAccounts(p.Query)
		if err != nil {
			return err
		}
		p.Searched = true
		for _, a := range list {
			p.Results = append(p.Results, s.supportRow(a))
		}
	}
	noStore(c)
	return s.page(c, status, "考生账号服务", "admin-accounts", views.SupportPage(p), nil)
}

// showSupport finds accounts by ID number, name or phone.
func (s *Server) showSupport(c *fiber.Ctx) error {
	q := queryGetter(c)("q")
	if len([]rune(q)) > 32 {
		return s.supportPage(c, invalidStatus, views.SupportProps{Error: "查找内容过长。"})
	}
	return s.supportPage(c, fiber.StatusOK, views.SupportProps{Query: q})
}

// unlockAccount lifts a login lock.
func (s *Server) unlockAccount(c *fiber.Ctx) error {
	a, err := s.store.UnlockAccount(c.Params("id"), s.staffAudit(c, "account.unlock", ""), s.now())
	if err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return s.supportPage(c, fiber.StatusConflict, views.SupportProps{Query: formValue(c, "q"), Error: domain.ErrorMessage(err)})
		}
		return err
	}
	return s.redirectFlash(c, "/admin/support?q="+urlQueryEscape(a.LoginName), "ok", "已解除 "+a.Name+" 的账号锁定。")
}

// oneTimePassword sets a system-made one-time password on the account and
// shows it once; it must be changed at the next login.
func (s *Server) oneTimePassword(c *fiber.Ctx) error {
	pw := newOneTimePassword()
	hash, err := s.hashPassword(pw)
	if err != nil {
		return err
	}
	a, err := s.store.SetPasswordByAdmin(c.Params("id"), hash, s.staffAudit(c, "account.reset_password", ""), s.now())
	if err != nil {
		return err
	}
	return s.supportPage(c, fiber.StatusOK, views.SupportProps{Query: a.LoginName, OneTimeFor: a.Name + "（" + a.LoginName + "）", OneTimeValue: pw})
}

// newOneTimePassword makes a 10-character password of letters and digits
// that read unambiguously over the phone (no 0/O, 1/l/I).
func newOneTimePassword() string {
	const letters, digits = "abcdefghjkmnpqrstuvwxyz", "23456789"
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	b := make([]byte, 0, 10)
	for i := 0; i < 10; i++ {
		if i >= 3 && i < 7 {
			b = append(b, pick(digits))
		} else {
			b = append(b, pick(letters))
		}
	}
	return string(b)
}
