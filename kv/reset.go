package kv

import (
	"errors"
	"fmt"
	"time"

	"examreg/domain"
)

// resetRecord loads the 忘记密码 record of a login name (nil when none).
func (tx *Tx) resetRecord(login string) (*domain.ResetCode, error) {
	var rc domain.ResetCode
	err := tx.Get(resetKey(login), &rc)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &rc, nil
}

// IssueResetCode starts a 忘记密码 reset for login: when the account exists
// and has a contact on channel, a code (given hashed: salt and code; only
// the hash is stored) is queued for sending through the outbox. The login's
// record is written whether the account exists or not, so both cost the
// same and the per-login limits (domain.MayIssueResetCode) apply to both.
// It reports whether a code went out, for tests; the web answer never says.
func (s *Store) IssueResetCode(login string, ch domain.Channel, salt, code string, now time.Time) (sent bool, err error) {
	err = s.Update(func(tx *Tx) error {
		sent = false
		prev, err := tx.resetRecord(login)
		if err != nil {
			return err
		}
		today, err := domain.MayIssueResetCode(prev, now)
		if err != nil {
			return nil // limited: nothing sent, and the answer stays the same
		}
		rc := domain.ResetCode{Channel: ch, IssuedAt: now, ExpiresAt: now.Add(domain.ResetCodeTTL), IssuedToday: today}
		acct, err := tx.AccountByLogin(login)
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			acct = nil
		case err != nil:
			return err
		}
		if acct != nil && !acct.Disabled && contactOf(acct, ch) != "" {
			rc.AccountID, rc.Salt, rc.Hash = acct.ID, salt, domain.HashResetCode(salt, code)
			body := fmt.Sprintf("您正在找回公开遴选网上报名系统的登录密码，验证码：%s，%d 分钟内有效，仅可使用一次。如非本人操作，请忽略本消息，切勿将验证码告诉他人。",
				code, int(domain.ResetCodeTTL.Minutes()))
			if sent, err = tx.Notify(Notification{
				AccountID: acct.ID, EventKey: "reset/" + acct.ID + "/" + fmt.Sprintf("%x", now.UnixNano()),
				Title: "找回密码验证码", Body: body, NoInbox: true, Sensitive: true, Channels: []domain.Channel{ch},
			}, now); err != nil {
				return err
			}
		}
		return tx.Put(resetKey(login), &rc)
	})
	return sent, err
}

func contactOf(a *domain.Account, ch domain.Channel) string {
	if ch == domain.ChannelSMS {
		return a.Phone
	}
	return a.Email
}

// ResetPasswordWithCode sets a new password (hash) for login when code is
// its current, unexpired, unused reset code. Every refusal is the same
// EINVALID on field "code"; a wrong code counts against the code's attempts
// (stored even though the reset is refused). Success spends the code, lifts
// any lock and ends the account's live session; it is audited with the
// account as actor.
func (s *Store) ResetPasswordWithCode(login, code, hash string, audit AuditEntry, now time.Time) error {
	var refused error
	err := s.Update(func(tx *Tx) error {
		refused = nil
		rc, err := tx.resetRecord(login)
		if err != nil {
			return err
		}
		if rc == nil || rc.AccountID == "" {
			refused = (*domain.ResetCode)(nil).UseResetCode(code, now)
			return nil
		}
		if refused = rc.UseResetCode(code, now); refused != nil {
			return tx.Put(resetKey(login), rc)
		}
		a, err := tx.Account(rc.AccountID)
		if err != nil {
			return err
		}
		a.PasswordHash, a.MustChangePassword, a.UpdatedAt = hash, false, now
		if err := tx.Delete(throttleKey(a.LoginName)); err != nil {
			return err
		}
		if err := tx.Delete(sessionKey(a.ID)); err != nil {
			return err
		}
		audit.ActorID, audit.Target = a.ID, a.ID
		audit.Detail = domain.MaskedID(a.LoginName) + " 通过" + rc.Channel.Label() + "验证码重设密码"
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		if err := tx.PutAccount(a); err != nil {
			return err
		}
		return tx.Put(resetKey(login), rc)
	})
	if err != nil {
		return err
	}
	return refused
}
