package kv

import (
	"errors"

	"examreg/domain"
)

// CreateAccount stores a new account and claims its login name in the unique
// index in the same transaction. Returns ECONFLICT when the login name (the
// 身份证号 for candidates) is already registered.
func (s *Store) CreateAccount(a *domain.Account) error {
	return s.Update(func(tx *Tx) error {
		if err := tx.ClaimUnique(UniqueLogin, a.LoginName, a.ID, "该身份证号已注册，请直接登录；如忘记密码请联系考试院。"); err != nil {
			return err
		}
		if err := tx.PutRaw(roleKey(string(a.Role), a.ID), nil); err != nil {
			return err
		}
		if err := tx.indexAccount(nil, a); err != nil {
			return err
		}
		return tx.Put(accountKey(a.ID), a)
	})
}

// Account loads an account by id. Returns ENOTFOUND.
func (tx *Tx) Account(id string) (*domain.Account, error) {
	var a domain.Account
	if err := tx.Get(accountKey(id), &a); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "账号不存在。")
		}
		return nil, err
	}
	return &a, nil
}

// AccountByLogin loads an account by login name. Returns ENOTFOUND.
func (tx *Tx) AccountByLogin(login string) (*domain.Account, error) {
	id, err := tx.LookupUnique(UniqueLogin, login)
	if errors.Is(err, ErrNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "账号不存在。")
	}
	if err != nil {
		return nil, err
	}
	return tx.Account(id)
}

// PutAccount writes an account that already exists (its login name never changes).
func (tx *Tx) PutAccount(a *domain.Account) error {
	return tx.Put(accountKey(a.ID), a)
}

// Account loads an account by id in its own transaction.
func (s *Store) Account(id string) (a *domain.Account, err error) {
	err = s.View(func(tx *Tx) error { a, err = tx.Account(id); return err })
	return a, err
}

// AccountByLogin loads an account by login name in its own transaction.
func (s *Store) AccountByLogin(login string) (a *domain.Account, err error) {
	err = s.View(func(tx *Tx) error { a, err = tx.AccountByLogin(login); return err })
	return a, err
}

// UpdateAccount loads the account, lets fn change it and writes it back, in
// one transaction. fn may be run again on a conflict.
func (s *Store) UpdateAccount(id string, fn func(a *domain.Account) error) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Account(id)
		if err != nil {
			return err
		}
		before := *a
		if err := fn(a); err != nil {
			return err
		}
		out = a
		if err := tx.indexAccount(&before, a); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
	return out, err
}

// AccountsByRole lists the accounts with the given role, oldest first.
func (s *Store) AccountsByRole(role domain.Role) (list []*domain.Account, err error) {
	err = s.View(func(tx *Tx) error {
		prefix := roleKey(string(role), "")
		return tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
			a, err := tx.Account(key[len(prefix):])
			if err != nil {
				return err
			}
			list = append(list, a)
			return nil
		})
	})
	return list, err
}

// SetLiveSession records sid as the account's only live session, so a new
// login ends any other (a shared computer must be safe for the next person).
func (s *Store) SetLiveSession(accountID, sid string) error {
	return s.Update(func(tx *Tx) error { return tx.PutRaw(sessionKey(accountID), []byte(sid)) })
}

// ClearLiveSession forgets the account's live session if it is sid.
func (s *Store) ClearLiveSession(accountID, sid string) error {
	return s.Update(func(tx *Tx) error {
		b, err := tx.GetRaw(sessionKey(accountID))
		if errors.Is(err, ErrNotFound) || string(b) != sid {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Delete(sessionKey(accountID))
	})
}
