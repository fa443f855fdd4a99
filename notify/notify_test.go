package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"examreg/domain"
	"examreg/kv"
)

// smtpBackend is an SMTP server for the test: it requires PLAIN auth and
// keeps each message it receives.
type smtpBackend struct {
	mu   sync.Mutex
	got  []string
	rcpt []string
}

type smtpSession struct {
	b    *smtpBackend
	auth bool
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }
func (s *smtpSession) AuthMechanisms() []string                    { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "examreg" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.rcpt = append(s.b.rcpt, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.got = append(s.b.got, string(b))
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// The SMTP sender delivers a Chinese plain-text message, authenticated, to
// a real SMTP server (go-smtp) running in the test.
func TestSMTPSender(t *testing.T) {
	be := &smtpBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port

	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, Username: "examreg", Password: "s3cret", From: "noreply@example.gov.cn", TLS: "none", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Message{Channel: domain.ChannelEmail, To: "kaosheng@example.com", Subject: "资格审核通过", Body: "您报考的职位已通过资格审核。"})
	if err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.got) != 1 || len(be.rcpt) != 1 || be.rcpt[0] != "kaosheng@example.com" {
		t.Fatalf("server got %d messages to %v", len(be.got), be.rcpt)
	}
	msg, err := mail.ReadMessage(strings.NewReader(be.got[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if msg.Header.Get("From") != "<noreply@example.gov.cn>" || subject != "资格审核通过" || strings.TrimSpace(string(body)) != "您报考的职位已通过资格审核。" {
		t.Fatalf("from %q subject %q body %q", msg.Header.Get("From"), subject, body)
	}

	bad, _ := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, Username: "examreg", Password: "wrong", From: "noreply@example.gov.cn", TLS: "none", Timeout: 5 * time.Second})
	if err := bad.Send(context.Background(), Message{To: "kaosheng@example.com", Subject: "x", Body: "x"}); err == nil {
		t.Fatal("wrong SMTP password: no error")
	}
}

// The SMS sender posts JSON to the gateway and treats a non-2xx as failure.
func TestHTTPSMS(t *testing.T) {
	var got map[string]string
	status := http.StatusOK
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
	}))
	defer ts.Close()
	s := &HTTPSMS{URL: ts.URL}
	if err := s.Send(context.Background(), Message{To: "13800138000", Body: "验证码 123456", EventKey: "e1"}); err != nil {
		t.Fatal(err)
	}
	if got["to"] != "13800138000" || !strings.Contains(got["text"], "验证码 123456") {
		t.Fatalf("%v", got)
	}
	status = http.StatusBadGateway
	if err := s.Send(context.Background(), Message{To: "13800138000", Body: "x"}); err == nil {
		t.Fatal("502 from the gateway: no error")
	}
}

// recordingSender fails the first `fail` sends, then records.
type recordingSender struct {
	mu   sync.Mutex
	fail int
	sent []Message
}

func (r *recordingSender) Send(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("connection refused")
	}
	r.sent = append(r.sent, m)
	return nil
}

// The dispatcher sends each event once: a second round sends nothing, a
// failed send is retried after its pause, and an unconfigured channel is
// marked skipped rather than retried.
func TestDispatcherSendsOnce(t *testing.T) {
	store, err := kv.Open(kv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)
	a := &domain.Account{ID: kv.NewID(now), Role: domain.RoleCandidate, LoginName: "420102199003071234", Name: "张三", Phone: "13800138000", Email: "z@example.com", CreatedAt: now}
	if err := store.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the same event twice
		if err := store.Update(func(tx *kv.Tx) error {
			_, err := tx.Notify(kv.Notification{AccountID: a.ID, EventKey: "decision/x/1", Title: "资格审核通过", Body: "…"}, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	email := &recordingSender{fail: 1}
	clock := now
	d := &Dispatcher{Store: store, Sender: Router{Email: email}, Clock: func() time.Time { return clock }, Log: slog.New(slog.DiscardHandler)}
	if n := d.RunOnce(context.Background()); n != 2 {
		t.Fatalf("first round took %d", n)
	}
	if len(email.sent) != 0 {
		t.Fatal("sent despite failure")
	}
	if n := d.RunOnce(context.Background()); n != 0 {
		t.Fatalf("retried at once: %d", n)
	}
	clock = now.Add(2 * time.Minute)
	if n := d.RunOnce(context.Background()); n != 1 {
		t.Fatalf("retry round took %d", n)
	}
	clock = now.Add(time.Hour)
	d.RunOnce(context.Background())
	if len(email.sent) != 1 || email.sent[0].To != "z@example.com" {
		t.Fatalf("sent %+v", email.sent)
	}
	list, _ := store.Deliveries(10)
	states := map[domain.Channel]string{}
	for _, dl := range list {
		states[dl.Channel] = dl.State
	}
	if states[domain.ChannelEmail] != kv.DeliverySent || states[domain.ChannelSMS] != kv.DeliverySkipped {
		t.Fatalf("states %v", states)
	}
}

// Under -demo the outbox keeps what would have been sent.
func TestOutboxSender(t *testing.T) {
	store, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ob := Outbox{Store: store, Clock: time.Now}
	if err := ob.Send(context.Background(), Message{Channel: domain.ChannelSMS, To: "13800138000", Subject: "找回密码验证码", Body: "验证码 123456"}); err != nil {
		t.Fatal(err)
	}
	list, _ := store.Outbox(10)
	if len(list) != 1 || list[0].Body != "验证码 123456" {
		t.Fatalf("%+v", list)
	}
}
