package kv

import (
	"fmt"
	"testing"
	"time"

	"examreg/domain"
)

// A reset code is stored hashed, works once, within 15 minutes and 5 tries;
// an unknown login gets the same record write and the same refusal.
func TestResetCodes(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	a.Phone = "13800138000"
	if err := s.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	now := acctTime
	issue := func(login, code string, at time.Time) bool {
		t.Helper()
		sent, err := s.IssueResetCode(login, domain.ChannelSMS, "salt-"+code, code, at)
		if err != nil {
			t.Fatal(err)
		}
		return sent
	}
	reset := func(login, code string, at time.Time) error {
		return s.ResetPasswordWithCode(login, code, "$argon2id$new", AuditEntry{At: at}, at)
	}
	if !issue(a.LoginName, "123456", now) {
		t.Fatal("code not sent to a known account")
	}
	if issue("420102199912311239", "111111", now) {
		t.Fatal("code sent for an unknown login")
	}
	if ok, _ := s.View2Exists(resetKey("420102199912311239")); !ok {
		t.Fatal("an unknown login writes no record: its answer would be faster")
	}
	var rc domain.ResetCode
	_ = s.View(func(tx *Tx) error { return tx.Get(resetKey(a.LoginName), &rc) })
	if rc.Hash == "" || rc.Hash == "123456" || rc.Hash != domain.HashResetCode(rc.Salt, "123456") {
		t.Fatalf("stored %+v", rc)
	}
	if issue(a.LoginName, "654321", now.Add(30*time.Second)) {
		t.Fatal("a second code within a minute")
	}
	if err := reset("420102199912311239", "111111", now); domain.ErrorFields(err)["code"] == "" {
		t.Fatalf("unknown login: %v", err)
	}
	if err := reset(a.LoginName, "000000", now); domain.ErrorFields(err)["code"] == "" {
		t.Fatalf("wrong code: %v", err)
	}
	if err := reset(a.LoginName, "123456", now.Add(time.Minute)); err != nil {
		t.Fatalf("right code: %v", err)
	}
	got, _ := s.Account(a.ID)
	if got.PasswordHash != "$argon2id$new" || got.MustChangePassword {
		t.Fatalf("%+v", got)
	}
	if err := reset(a.LoginName, "123456", now.Add(2*time.Minute)); domain.ErrorFields(err)["code"] == "" {
		t.Fatalf("code used twice: %v", err)
	}

	// Expiry and the attempt limit.
	later := now.Add(time.Hour)
	issue(a.LoginName, "222222", later)
	if err := reset(a.LoginName, "222222", later.Add(domain.ResetCodeTTL)); err == nil {
		t.Fatal("expired code accepted")
	}
	later = later.Add(time.Hour)
	issue(a.LoginName, "333333", later)
	for range domain.ResetCodeMaxAttempts {
		_ = reset(a.LoginName, "999999", later)
	}
	if err := reset(a.LoginName, "333333", later); err == nil {
		t.Fatal("right code accepted after 5 wrong ones")
	}
}

// View2Exists reports whether key exists (test helper).
func (s *Store) View2Exists(key string) (ok bool, err error) {
	err = s.View(func(tx *Tx) error { ok, err = tx.Exists(key); return err })
	return ok, err
}

// BenchmarkIssueResetCode compares the store work of a 忘记密码 request for
// a registered account (code + outbox) and for an unknown ID number (the
// login's record only), with SyncWrites as in production: the answer's
// timing must not tell them apart.
func BenchmarkIssueResetCode(b *testing.B) {
	for _, known := range []bool{true, false} {
		name := "unknown"
		if known {
			name = "known"
		}
		b.Run(name, func(b *testing.B) {
			s := openTemp(b, true)
			logins := make([]string, b.N)
			for i := range logins {
				logins[i] = fmt.Sprintf("L%08d", i)
				if known {
					a := newAccount(logins[i], domain.RoleCandidate)
					a.ID, a.Phone = NewID(acctTime), "13800138000"
					if err := s.CreateAccount(a); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.IssueResetCode(logins[i], domain.ChannelSMS, "salt", "123456", acctTime); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
