package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// messagesShown bounds the 消息 page.
const messagesShown = 100

// showMessages lists the candidate's 站内消息.
func (s *Server) showMessages(c *fiber.Ctx) error {
	acct := account(c)
	list, unread, err := s.store.Messages(acct.ID, messagesShown)
	if err != nil {
		return err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "消息", "messages", views.MessagesPage(views.MessagesProps{CSRF: tok, Messages: list, Unread: unread}), nil)
}

// readMessage marks one of the candidate's messages read.
func (s *Server) readMessage(c *fiber.Ctx) error {
	if err := s.store.MarkMessageRead(account(c).ID, c.Params("id"), s.now()); err != nil {
		return err
	}
	return s.redirect(c, "/messages")
}

// withUnreadBanner puts the unread-messages line above a candidate's home page.
func (s *Server) withUnreadBanner(acct *domain.Account, content templ.Component) (templ.Component, error) {
	if acct == nil || acct.Role != domain.RoleCandidate {
		return content, nil
	}
	_, unread, err := s.store.Messages(acct.ID, 1)
	if err != nil {
		return nil, err
	}
	return templ.Join(views.UnreadBanner(unread), content), nil
}

// showOutbox is the administrator's view of outgoing e-mail and SMS: the
// demo sender's messages (under -demo) and the state of recent deliveries.
func (s *Server) showOutbox(c *fiber.Ctx) error {
	noStore(c)
	p := views.OutboxProps{Demo: s.demoOutbox}
	if s.demoOutbox {
		mails, err := s.store.Outbox(200)
		if err != nil {
			return err
		}
		for _, m := range mails {
			p.Mails = append(p.Mails, views.OutboxRow{At: domain.FormatTime(m.At), Channel: m.Channel.Label(), To: m.To, Subject: m.Subject, Body: m.Body})
		}
	}
	list, err := s.store.Deliveries(200)
	if err != nil {
		return err
	}
	for _, d := range list {
		to := d.To
		if d.Channel == domain.ChannelSMS {
			to = domain.MaskedPhone(d.To)
		}
		p.Deliveries = append(p.Deliveries, views.OutboxRow{At: domain.FormatTime(d.CreatedAt), Channel: d.Channel.Label(), To: to, Subject: d.Subject, State: deliveryStateLabel(d.State)})
	}
	return s.page(c, fiber.StatusOK, "发件箱", "admin-accounts", views.OutboxPage(p), nil)
}

func deliveryStateLabel(st string) string {
	switch st {
	case "pending":
		return "待发送"
	case "sending":
		return "发送中"
	case "sent":
		return "已发送"
	case "failed":
		return "发送失败"
	case "skipped":
		return "未配置发送渠道"
	case "unknown":
		return "发送中断（未重发）"
	}
	return st
}

// requirePasswordChange keeps an account whose password an administrator
// set (a new reviewer, a one-time reset) on 修改密码 until it is changed:
// every other page sends it there.
func (s *Server) requirePasswordChange(c *fiber.Ctx) error {
	acct := account(c)
	if acct == nil || !acct.MustChangePassword {
		return c.Next()
	}
	switch c.Path() {
	case "/account/password", "/logout", "/help":
		return c.Next()
	}
	if len(c.Path()) > 9 && c.Path()[:9] == "/captcha/" {
		return c.Next()
	}
	return s.redirectFlash(c, "/account/password", "info", "您的密码由管理员设置，请先修改密码后再继续使用系统。")
}

// endedMessage says why a session is no longer the account's live one:
// replaced by a newer login, or ended for it (disabled, password reset).
func (s *Server) endedMessage(accountID, live string) string {
	if live != "" {
		return "您的账号已在其他地方登录，本次登录已退出。如非本人操作，请立即修改密码。"
	}
	if a, err := s.store.Account(accountID); err == nil && a.Disabled {
		return "您的账号已被管理员停用，已退出登录。"
	}
	return "您的登录已失效（密码已重设或已退出），请重新登录。"
}
