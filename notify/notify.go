// Package notify sends the messages the kv outbox holds: e-mail over SMTP,
// SMS through an HTTP gateway, or (under -demo) into a store the
// administrator reads at /admin/outbox. The Dispatcher takes due
// deliveries from the outbox and hands each to a Sender once.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/wneessen/go-mail"

	"examreg/domain"
	"examreg/kv"
)

// Message is one e-mail or SMS to send.
type Message struct {
	Channel  domain.Channel
	To       string // e-mail address or mobile number
	Subject  string
	Body     string
	EventKey string
}

// Sender delivers a message. A returned error means it was not delivered
// and may be tried again later.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrNoChannel is returned by Router for a channel with no sender configured.
var ErrNoChannel = errors.New("notify: no sender for this channel")

// Router sends each message through the sender of its channel.
type Router struct {
	Email Sender // nil: e-mail is not configured
	SMS   Sender // nil: SMS is not configured
}

// Send implements Sender.
func (r Router) Send(ctx context.Context, m Message) error {
	s := r.Email
	if m.Channel == domain.ChannelSMS {
		s = r.SMS
	}
	if s == nil {
		return ErrNoChannel
	}
	return s.Send(ctx, m)
}

// SMTPConfig configures the SMTP sender.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // empty: no authentication
	Password string
	From     string // e.g. 报名系统 <noreply@example.gov.cn>
	// TLS: "mandatory" (STARTTLS required, the default), "opportunistic",
	// "none" (a relay on localhost) or "ssl" (implicit TLS, port 465).
	TLS     string
	Timeout time.Duration
}

// SMTP sends e-mail through an SMTP server with go-mail.
type SMTP struct{ cfg SMTPConfig }

// NewSMTP checks the configuration and returns the sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" || cfg.From == "" {
		return nil, errors.New("notify: SMTP needs a host and a From address")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	return &SMTP{cfg: cfg}, nil
}

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("notify: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("notify: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "opportunistic":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case "ssl":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: smtp send: %w", err)
	}
	return nil
}

// HTTPSMS posts each SMS as JSON {"to": ..., "text": ...} to a gateway URL
// (the SMS provider's or an adapter in front of it); any 2xx is success.
type HTTPSMS struct {
	URL    string
	Client *http.Client
}

// Send implements Sender.
func (h *HTTPSMS) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]string{"to": m.To, "text": "【公开遴选报名系统】" + m.Body, "event": m.EventKey})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("notify: sms gateway: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify: sms gateway answered %s", resp.Status)
	}
	return nil
}

// Outbox is the -demo sender: nothing leaves the machine; each message is
// kept in the store for the administrator to read at /admin/outbox.
type Outbox struct {
	Store *kv.Store
	Clock domain.Clock
}

// Send implements Sender.
func (o Outbox) Send(_ context.Context, m Message) error {
	return o.Store.AppendOutbox(kv.OutboxMail{Channel: m.Channel, To: m.To, Subject: m.Subject, Body: m.Body, EventKey: m.EventKey, At: o.Clock()})
}

// Dispatcher moves due deliveries from the kv outbox to the Sender.
type Dispatcher struct {
	Store    *kv.Store
	Sender   Sender
	Clock    domain.Clock
	Log      *slog.Logger
	Interval time.Duration // how often to look for due deliveries; 0 means 2 s
	Batch    int           // deliveries per round; 0 means 20
}

// retryAfter is the pause before the next try of a failed delivery: 1, 2,
// 4, … minutes, at most an hour.
func retryAfter(attempt int) time.Duration {
	d := time.Minute << max(attempt-1, 0)
	return min(d, time.Hour)
}

// Run marks deliveries a previous run left half-sent as unknown, then
// sends due deliveries until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	if n, err := d.Store.RecoverDeliveries(); err != nil {
		d.Log.Error("notify: recover deliveries", "err", err)
	} else if n > 0 {
		d.Log.Warn("notify: deliveries interrupted by a stop are marked unknown and not resent", "count", n)
	}
	every := d.Interval
	if every == 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for d.RunOnce(ctx) > 0 && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce sends one batch of due deliveries and returns how many it took.
func (d *Dispatcher) RunOnce(ctx context.Context) int {
	batch := d.Batch
	if batch == 0 {
		batch = 20
	}
	list, err := d.Store.ClaimDueDeliveries(d.Clock(), batch)
	if err != nil {
		d.Log.Error("notify: claim deliveries", "err", err)
		return 0
	}
	for _, dl := range list {
		err := d.Sender.Send(ctx, Message{Channel: dl.Channel, To: dl.To, Subject: dl.Subject, Body: dl.Body, EventKey: dl.EventKey})
		state, text := kv.DeliverySent, ""
		switch {
		case errors.Is(err, ErrNoChannel):
			state, text = kv.DeliverySkipped, "未配置"+dl.Channel.Label()+"发送"
		case err != nil:
			state, text = kv.DeliveryFailed, err.Error()
			d.Log.Warn("notify: send failed", "delivery", dl.ID, "channel", dl.Channel, "attempt", dl.Attempts, "err", err)
		}
		if ferr := d.Store.FinishDelivery(dl.ID, state, text, retryAfter(dl.Attempts), d.Clock()); ferr != nil {
			d.Log.Error("notify: finish delivery", "delivery", dl.ID, "err", ferr)
		}
	}
	return len(list)
}
