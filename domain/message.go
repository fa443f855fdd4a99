package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Message is a 站内消息 for one account: what happened to their application,
// shown on their home page and the 消息 page until read.
type Message struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	EventKey  string    `json:"event_key"` // one message per event: a retried action never writes two
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Link      string    `json:"link,omitempty"` // where to act on it, e.g. /status
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitempty"`
}

// Unread reports whether the message has not been opened.
func (m *Message) Unread() bool { return m.ReadAt.IsZero() }

// Channel is how a message leaves the system.
type Channel string

// Channels.
const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// Label names the channel in the UI.
func (c Channel) Label() string {
	if c == ChannelSMS {
		return "短信"
	}
	return "电子邮件"
}

// DecisionMessage is what a candidate is told about a review decision on
// their application (app is already in its new state). deadline is the
// 补正截止 of a return (zero when none is set).
func DecisionMessage(app *Application, positionTitle string, deadline time.Time) (title, body string) {
	pos := positionTitle
	if pos == "" {
		pos = app.PositionCode
	}
	switch app.State {
	case StateApproved:
		return "资格审核通过", "您报考的职位「" + pos + "」已通过资格审核。请在规定时间内登录系统完成网上缴费。"
	case StateReturned:
		body = "您报考的职位「" + pos + "」的报名被退回修改。原因：" + app.ReviewReason + "。"
		if parts := PartTitles(app.ReturnedParts); len(parts) > 0 {
			body += "需修改：" + joinTitles(parts) + "。"
		}
		if !deadline.IsZero() {
			body += "请于 " + FormatTime(deadline) + " 前修改并重新提交。"
		} else {
			body += "请修改后重新提交。"
		}
		return "报名被退回修改", body
	case StateRejected:
		return "资格审核未通过", "您报考的职位「" + pos + "」未通过资格审核。原因：" + app.ReviewReason + "。报名期间内可改报其他职位。"
	}
	return "报名状态变更", "您的报名状态已变为：" + app.State.Label() + "。"
}

// ReturnDeadlineMessage reminds a candidate that a return's 补正截止 is near.
func ReturnDeadlineMessage(deadline time.Time) (title, body string) {
	return "补正截止提醒", "您被退回修改的报名将于 " + FormatTime(deadline) + " 截止补正，逾期未补正的将按现有材料审核。请尽快登录修改并重新提交。"
}

// ReturnReminderDue reports whether the 24-hour reminder of a return's
// deadline is due at now: the application is still returned, the deadline
// is in the future and at most ReturnReminderLead away.
func ReturnReminderDue(app *Application, deadline, now time.Time) bool {
	return app.State == StateReturned && !deadline.IsZero() && now.Before(deadline) && deadline.Sub(now) <= ReturnReminderLead
}

// ReturnReminderLead is how long before 补正截止 the reminder goes out.
const ReturnReminderLead = 24 * time.Hour

func joinTitles(ts []string) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += "、"
		}
		out += t
	}
	return out
}

// Password reset by code (忘记密码): limits.
const (
	ResetCodeTTL         = 15 * time.Minute // a code works this long
	ResetCodeMaxAttempts = 5                // wrong codes before it is spent
	ResetCodeResendGap   = time.Minute      // no new code for the same account sooner
	ResetCodesPerDay     = 10               // codes per account per day
)

// ResetCode is a one-time password-reset code as stored: only a keyed hash
// of the code is kept, never the code.
type ResetCode struct {
	AccountID string    `json:"account_id"`
	Salt      string    `json:"salt"` // hex, random per code
	Hash      string    `json:"hash"` // hex HMAC-SHA256(salt, code)
	Channel   Channel   `json:"channel"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Attempts  int       `json:"attempts"`
	Used      bool      `json:"used"`
	// IssuedToday counts the codes issued on IssuedAt's day (Shanghai), for the daily cap.
	IssuedToday int `json:"issued_today"`
}

// HashResetCode is the stored form of code with salt (hex).
func HashResetCode(salt, code string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// MayIssueResetCode decides whether a new code may be sent for an account
// whose previous code is prev (nil when none), and returns the count of
// codes issued today including the new one. Refusals are ERATELIMIT; the
// web layer never shows them (the answer must not reveal the account exists).
func MayIssueResetCode(prev *ResetCode, now time.Time) (int, error) {
	if prev == nil {
		return 1, nil
	}
	if now.Sub(prev.IssuedAt) < ResetCodeResendGap {
		return 0, Errorf(ERATELIMIT, "验证码发送过于频繁。")
	}
	if !sameDay(prev.IssuedAt, now) {
		return 1, nil
	}
	if prev.IssuedToday >= ResetCodesPerDay {
		return 0, Errorf(ERATELIMIT, "今日验证码发送次数已达上限。")
	}
	return prev.IssuedToday + 1, nil
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(Shanghai), b.In(Shanghai)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// errBadCode is the one answer for a wrong, expired, used or unknown code,
// so the form does not tell them apart.
func errBadCode() error {
	return FieldError("code", "验证码错误或已失效，请重新获取。")
}

// UseResetCode checks code against the stored one at now. A wrong code
// counts an attempt (the caller stores c either way); the right one spends
// it. Every refusal is the same EINVALID on field "code".
func (c *ResetCode) UseResetCode(code string, now time.Time) error {
	if c == nil || c.Used || !now.Before(c.ExpiresAt) || c.Attempts >= ResetCodeMaxAttempts {
		return errBadCode()
	}
	if !hmac.Equal([]byte(HashResetCode(c.Salt, code)), []byte(c.Hash)) {
		c.Attempts++
		return errBadCode()
	}
	c.Used = true
	return nil
}
