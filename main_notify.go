package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"time"

	"examreg/kv"
	"examreg/notify"
)

// notifyFlags configure how messages leave the system.
type notifyFlags struct {
	smtpHost, smtpUser, smtpFrom, smtpTLS *string
	smtpPort                              *int
	smsGateway                            *string
}

func addNotifyFlags(fs *flag.FlagSet) *notifyFlags {
	return &notifyFlags{
		smtpHost:   fs.String("smtp-host", envOr("EXAMREG_SMTP_HOST", ""), "SMTP server for e-mail (EXAMREG_SMTP_HOST); empty: no e-mail"),
		smtpPort:   fs.Int("smtp-port", envInt("EXAMREG_SMTP_PORT", 587), "SMTP port (EXAMREG_SMTP_PORT)"),
		smtpUser:   fs.String("smtp-user", envOr("EXAMREG_SMTP_USER", ""), "SMTP user name (EXAMREG_SMTP_USER); the password comes from EXAMREG_SMTP_PASSWORD only"),
		smtpFrom:   fs.String("smtp-from", envOr("EXAMREG_SMTP_FROM", ""), "From address of e-mail (EXAMREG_SMTP_FROM)"),
		smtpTLS:    fs.String("smtp-tls", envOr("EXAMREG_SMTP_TLS", "mandatory"), "mandatory, opportunistic, ssl or none (EXAMREG_SMTP_TLS)"),
		smsGateway: fs.String("sms-gateway", envOr("EXAMREG_SMS_GATEWAY", ""), "URL of the SMS gateway: POST JSON {to, text} (EXAMREG_SMS_GATEWAY); empty: no SMS"),
	}
}

// sender builds the sender: under -demo everything goes to the outbox the
// administrator reads at /admin/outbox; otherwise SMTP and the SMS gateway
// as configured (an unconfigured channel's deliveries are marked skipped).
func (f *notifyFlags) sender(store *kv.Store, demo bool) (notify.Sender, error) {
	if demo {
		ob := notify.Outbox{Store: store, Clock: time.Now}
		return notify.Router{Email: ob, SMS: ob}, nil
	}
	var r notify.Router
	if *f.smtpHost != "" {
		s, err := notify.NewSMTP(notify.SMTPConfig{
			Host: *f.smtpHost, Port: *f.smtpPort, Username: *f.smtpUser, Password: os.Getenv("EXAMREG_SMTP_PASSWORD"),
			From: *f.smtpFrom, TLS: *f.smtpTLS,
		})
		if err != nil {
			return nil, err
		}
		r.Email = s
	}
	if *f.smsGateway != "" {
		r.SMS = &notify.HTTPSMS{URL: *f.smsGateway}
	}
	return r, nil
}

// startDispatcher sends due deliveries in the background; the returned
// function stops it and waits (call it before closing the store).
func startDispatcher(store *kv.Store, sender notify.Sender, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d := &notify.Dispatcher{Store: store, Sender: sender, Clock: time.Now, Log: logger}
	// One node at a time sends (a lease in the store): no message twice.
	go func() { defer close(done); store.RunLeased(ctx, "notify-dispatcher", kv.LeaseTTL, d.Run) }()
	return func() { cancel(); <-done }
}
