package kv

import (
	"testing"

	"examreg/domain"
)

// SignedIn reads the live session and the account in one go; its decoding
// is reused only while the stored account is unchanged, whoever changed it,
// and a caller's change to its copy reaches nothing shared.
func TestSignedInFollowsTheStore(t *testing.T) {
	s := openAt(t, t.TempDir())
	if _, _, err := s.SignedIn("a1"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("unknown account: %v", err)
	}
	a := &domain.Account{ID: "a1", Role: domain.RoleReviewer, LoginName: "shenhe9", Name: "审核员", Departments: []string{"湖北省财政厅"}, CreatedAt: testNow}
	if err := s.Update(func(tx *Tx) error { return tx.Put(accountKey(a.ID), a) }); err != nil {
		t.Fatal(err)
	}
	acct, live, err := s.SignedIn("a1")
	if err != nil || live != "" || acct.Name != "审核员" {
		t.Fatalf("first read: %+v %q %v", acct, live, err)
	}
	acct.Name, acct.Departments[0] = "改了", "改了"
	if err := s.SetLiveSession("a1", "s1"); err != nil {
		t.Fatal(err)
	}
	acct, live, _ = s.SignedIn("a1")
	if acct.Name != "审核员" || acct.Departments[0] != "湖北省财政厅" || live != "s1" {
		t.Fatalf("second read: %+v %q (a copy's change leaked, or the live session is stale)", acct, live)
	}

	// Disabled by an administrator (any node: the stored bytes change).
	if _, err := s.UpdateAccount("a1", func(a *domain.Account) error { a.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if acct, _, _ = s.SignedIn("a1"); !acct.Disabled {
		t.Fatal("a disabled account still reads as enabled")
	}
	// Written raw, as another node's transaction would be (no hook here).
	b := *a
	b.Name = "别的节点改名"
	if err := s.Update(func(tx *Tx) error { return tx.Put(accountKey(b.ID), &b) }); err != nil {
		t.Fatal(err)
	}
	if acct, _, _ = s.SignedIn("a1"); acct.Name != "别的节点改名" || acct.Disabled {
		t.Fatalf("another node's change not seen: %+v", acct)
	}
}

// liveSession reads the account's live session id ("" when none) as stored.
func liveSession(t testing.TB, s *Store, accountID string) string {
	t.Helper()
	vals, err := s.readKeys(sessionKey(accountID))
	if err != nil {
		t.Fatal(err)
	}
	return string(vals[0])
}
