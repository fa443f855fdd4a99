package kv

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"time"

	"examreg/domain"
)

// putRawTTL stores b at key for ttl; the engine drops it afterwards.
func (tx *Tx) putRawTTL(key string, b []byte, ttl time.Duration) error {
	tx.noteCachedWrite(key)
	return tx.t.setWithTTL(key, b, ttl)
}

// LoginThrottle returns the failed-login record of a login name (a zero
// record when there is none), registered or not.
func (s *Store) LoginThrottle(login string) (t domain.LoginThrottle, err error) {
	err = s.View(func(tx *Tx) error {
		if err := tx.Get(throttleKey(login), &t); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	})
	return t, err
}

// LoginFailure is one wrong password (or unknown name) to record.
type LoginFailure struct {
	Login string
	At    time.Time
	IP    string
}

// RecordLoginFailure counts a failed login for f.Login in one transaction:
// the throttle record (kept LoginFailureMemory) is updated by the domain
// rule and, when the name belongs to a reviewer or administrator, an audit
// entry is written. The account lookup runs for every name, so registered
// and unknown names cost the same.
func (s *Store) RecordLoginFailure(f LoginFailure) (out domain.LoginThrottle, err error) {
	err = s.Update(func(tx *Tx) error {
		var t domain.LoginThrottle
		if err := tx.Get(throttleKey(f.Login), &t); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		out = t.AfterFailure(f.At)
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := tx.putRawTTL(throttleKey(f.Login), b, domain.LoginFailureMemory); err != nil {
			return err
		}
		acct, err := tx.AccountByLogin(f.Login)
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			return nil
		case err != nil:
			return err
		case acct.Role == domain.RoleCandidate:
			return nil
		}
		return tx.AppendAudit(AuditEntry{
			At: f.At, Action: "login.failed", Target: acct.ID, IP: f.IP,
			Detail: "密码错误，连续失败 " + itoa(out.Failures) + " 次",
		})
	})
	return out, err
}

// ClearLoginThrottle forgets the failures of a login name after a
// successful login.
func (s *Store) ClearLoginThrottle(login string) error {
	return s.Update(func(tx *Tx) error { return tx.Delete(throttleKey(login)) })
}

// Secret returns the named 32-byte server secret, creating it on first use.
// It lives in the store so every process on the data directory (and every
// restart) signs and checks tokens with the same key.
func (s *Store) Secret(name string) (secret []byte, err error) {
	err = s.Update(func(tx *Tx) error {
		b, err := tx.GetRaw(secretKey(name))
		if err == nil && len(b) == 32 {
			secret = b
			return nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		b = make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		secret = b
		return tx.PutRaw(secretKey(name), b)
	})
	return secret, err
}

// SpendOnce marks the single-use token id of kind as spent for ttl (its
// remaining lifetime). It returns ECONFLICT when it was already spent.
func (s *Store) SpendOnce(kind, id string, ttl time.Duration) error {
	if ttl <= 0 {
		return domain.Errorf(domain.ECONFLICT, "已失效。")
	}
	return s.Update(func(tx *Tx) error {
		ok, err := tx.Exists(onceKey(kind, id))
		if err != nil {
			return err
		}
		if ok {
			return domain.Errorf(domain.ECONFLICT, "已使用。")
		}
		return tx.putRawTTL(onceKey(kind, id), nil, ttl)
	})
}
