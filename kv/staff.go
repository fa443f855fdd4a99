package kv

import (
	"errors"
	"slices"
	"strings"
	"time"

	"examreg/domain"
)

// indexAccount keeps the support look-up indexes (姓名, phone) of an
// account in step with a change from old (nil for a new account) to a.
func (tx *Tx) indexAccount(old, a *domain.Account) error {
	if old != nil && old.Name != a.Name && old.Name != "" {
		if err := tx.Delete(acctNameKey(old.Name, a.ID)); err != nil {
			return err
		}
	}
	if old != nil && old.Phone != a.Phone && old.Phone != "" {
		if err := tx.Delete(acctPhoneKey(old.Phone, a.ID)); err != nil {
			return err
		}
	}
	if a.Name != "" && (old == nil || old.Name != a.Name) {
		if err := tx.PutRaw(acctNameKey(a.Name, a.ID), nil); err != nil {
			return err
		}
	}
	if a.Phone != "" && (old == nil || old.Phone != a.Phone) {
		if err := tx.PutRaw(acctPhoneKey(a.Phone, a.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// ReindexAccounts writes the 姓名 and phone indexes of every account (for
// stores made before the indexes existed); it is idempotent. It returns the
// number of accounts seen.
func (s *Store) ReindexAccounts() (n int, err error) {
	var ids []string
	if err := s.View(func(tx *Tx) error {
		return tx.Scan(prefixAccount, ScanOptions{KeysOnly: true}, func(k string, _ []byte) error {
			ids = append(ids, k[len(prefixAccount):])
			return nil
		})
	}); err != nil {
		return 0, err
	}
	if err := updateInBatches(s, ids, 500, func(tx *Tx, id string) error {
		a, err := tx.Account(id)
		if err != nil {
			return err
		}
		return tx.indexAccount(nil, a)
	}); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// CreateStaffAccount stores a new reviewer (or administrator) account with
// its audit entry, in one transaction. ECONFLICT on field "login" when the
// user name is taken.
func (s *Store) CreateStaffAccount(a *domain.Account, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		if err := tx.ClaimUnique(UniqueLogin, a.LoginName, a.ID, "用户名 "+a.LoginName+" 已被使用。"); err != nil {
			return domain.FieldError("login", domain.ErrorMessage(err))
		}
		if err := tx.PutRaw(roleKey(string(a.Role), a.ID), nil); err != nil {
			return err
		}
		if err := tx.indexAccount(nil, a); err != nil {
			return err
		}
		audit.Target = a.ID
		audit.Detail = "新建" + a.Role.Label() + " " + a.LoginName + "（" + a.Name + "）遴选机关：" + strings.Join(a.Departments, "、")
		if a.Venue != "" {
			audit.Detail = "新建" + a.Role.Label() + " " + a.LoginName + "（" + a.Name + "）考点：" + a.Venue
		}
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
}

// reviewer loads a reviewer account; other roles are ENOTFOUND here.
func (tx *Tx) reviewer(id string) (*domain.Account, error) {
	a, err := tx.Account(id)
	if err != nil {
		return nil, err
	}
	if a.Role != domain.RoleReviewer {
		return nil, domain.Errorf(domain.ENOTFOUND, "审核员账号不存在。")
	}
	return a, nil
}

// SetReviewerDepartments replaces a reviewer's 遴选机关 (already validated)
// and audits the change before→after.
func (s *Store) SetReviewerDepartments(id string, depts []string, audit AuditEntry, now time.Time) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.reviewer(id)
		if err != nil {
			return err
		}
		if slices.Equal(a.Departments, depts) {
			return domain.Errorf(domain.ECONFLICT, "遴选机关没有变化。")
		}
		audit.Target = a.ID
		audit.Detail = a.LoginName + " 遴选机关：" + strings.Join(a.Departments, "、") + " → " + strings.Join(depts, "、")
		a.Departments, a.UpdatedAt = depts, now
		out = a
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
	return out, err
}

// SetReviewerDisabled disables or re-enables a reviewer. Disabling ends the
// account's live session in the same transaction, so its open browser is
// logged out on its next request.
func (s *Store) SetReviewerDisabled(id string, disabled bool, audit AuditEntry, now time.Time) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.reviewer(id)
		if err != nil {
			return err
		}
		if err := domain.SetStaffDisabled(a, disabled, now); err != nil {
			return err
		}
		audit.Target = a.ID
		if disabled {
			audit.Detail = a.LoginName + " 启用 → 停用"
			if err := tx.Delete(sessionKey(a.ID)); err != nil {
				return err
			}
		} else {
			audit.Detail = a.LoginName + " 停用 → 启用"
		}
		out = a
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
	return out, err
}

// SetPasswordByAdmin gives an account a password an administrator chose
// (hash), which must be changed at the next login; it lifts any lock and
// ends the account's live session. Administrators' own accounts are not
// reset this way (ENOTFOUND).
func (s *Store) SetPasswordByAdmin(id, hash string, audit AuditEntry, now time.Time) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Account(id)
		if err != nil {
			return err
		}
		if a.Role == domain.RoleAdmin {
			return domain.Errorf(domain.ENOTFOUND, "账号不存在。")
		}
		domain.SetPasswordByAdmin(a, hash, now)
		if err := tx.Delete(throttleKey(a.LoginName)); err != nil {
			return err
		}
		audit.Target = a.ID
		audit.Detail = domain.MaskedID(a.LoginName) + " 密码由管理员重置（一次性密码，下次登录须修改）"
		if err := tx.Delete(sessionKey(a.ID)); err != nil {
			return err
		}
		out = a
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
	return out, err
}

// UnlockAccount clears an account's failed-login record (the login
// throttle), audited before→after. ECONFLICT when nothing counts.
func (s *Store) UnlockAccount(id string, audit AuditEntry, now time.Time) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Account(id)
		if err != nil {
			return err
		}
		var t domain.LoginThrottle
		if err := tx.Get(throttleKey(a.LoginName), &t); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := domain.CheckUnlock(t, now); err != nil {
			return err
		}
		if err := tx.Delete(throttleKey(a.LoginName)); err != nil {
			return err
		}
		audit.Target = a.ID
		audit.Detail = domain.MaskedID(a.LoginName) + " " + domain.ThrottleSummary(t, now) + " → 已解除"
		out = a
		return tx.AppendAudit(audit)
	})
	return out, err
}

// maxFound bounds an account search: support staff refine a longer list.
const maxFound = 50

// FindAccounts finds accounts for support by 身份证号 / user name (exact),
// phone (exact, 11 digits) or 姓名 (prefix), at most 50.
func (s *Store) FindAccounts(q string) (list []*domain.Account, err error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	err = s.View(func(tx *Tx) error {
		seen := map[string]bool{}
		add := func(id string) error {
			if seen[id] || len(list) >= maxFound {
				return nil
			}
			a, err := tx.Account(id)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return nil // a stale index entry
			}
			if err != nil {
				return err
			}
			seen[id] = true
			list = append(list, a)
			return nil
		}
		if id, err := tx.LookupUnique(UniqueLogin, strings.ToUpper(q)); err == nil {
			if err := add(string(id)); err != nil {
				return err
			}
		}
		scanIndex := func(prefix string) error {
			return tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(k string, _ []byte) error {
				if len(list) >= maxFound {
					return StopScan
				}
				return add(k[strings.LastIndexByte(k, '/')+1:])
			})
		}
		if err := scanIndex(prefixAcctPhone + keyPart(q) + "/"); err != nil {
			return err
		}
		// A name prefix: every key whose name part starts with q.
		return scanIndex(prefixAcctName + keyPart(q))
	})
	return list, err
}

// accountIndexMarker records that every account has its support indexes.
const accountIndexMarker = "acct_index_v1"

// EnsureAccountIndexes builds the 姓名 and phone indexes once for a store
// made before they existed (a marker remembers it is done); accounts
// created since write their own.
func (s *Store) EnsureAccountIndexes() error {
	var done bool
	if err := s.View(func(tx *Tx) error {
		var err error
		done, err = tx.Exists(seqKey(accountIndexMarker))
		return err
	}); err != nil || done {
		return err
	}
	if _, err := s.ReindexAccounts(); err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error { return tx.Put(seqKey(accountIndexMarker), 1) })
}
