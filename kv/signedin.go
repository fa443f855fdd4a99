package kv

import (
	"bytes"
	"sync"

	"examreg/domain"
)

// Every request of a signed-in user checks that its session is still the
// account's live one and loads the account (disabled? must change the
// password? which role?). A status poll does little else, so both are read
// together (readKeys: from the read cache while unchanged, else in one
// transaction), and the account's JSON is decoded only when its stored
// bytes differ from the ones last decoded for that id.

// maxDecodedAccounts bounds the decoded-account cache (≈ 1.5 KB each with
// the stored bytes, so ≈ 24 MB): the accounts active within minutes of a
// last day; an evicted one is only decoded again.
const maxDecodedAccounts = 16_384

type decodedAccounts struct {
	mu sync.RWMutex
	m  map[string]decodedAccount
}

type decodedAccount struct {
	raw  []byte
	acct *domain.Account // shared, read only: handed out as clones
}

// SignedIn returns the account and its live session id ("" when none), read
// in one transaction or from the read cache (readcache.go). Returns
// ENOTFOUND for an unknown account.
func (s *Store) SignedIn(accountID string) (acct *domain.Account, live string, err error) {
	vals, err := s.readKeys(sessionKey(accountID), accountKey(accountID))
	if err != nil {
		return nil, "", err
	}
	live, raw := string(vals[0]), vals[1]
	if raw == nil {
		return nil, "", domain.Errorf(domain.ENOTFOUND, "账号不存在。")
	}
	d := &s.accounts
	d.mu.RLock()
	e, ok := d.m[accountID]
	d.mu.RUnlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.acct.Clone(), live, nil
	}
	var a domain.Account
	if err := jsonUnmarshal(raw, &a); err != nil {
		return nil, "", err
	}
	d.mu.Lock()
	if d.m == nil {
		d.m = map[string]decodedAccount{}
	}
	if _, ok := d.m[accountID]; !ok && len(d.m) >= maxDecodedAccounts {
		for k := range d.m { // drop an arbitrary entry: it is only decoded again
			delete(d.m, k)
			break
		}
	}
	d.m[accountID] = decodedAccount{raw: raw, acct: &a}
	d.mu.Unlock()
	return a.Clone(), live, nil
}
