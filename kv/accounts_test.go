package kv

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"examreg/domain"
)

var acctTime = time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)

func newAccount(login string, role domain.Role) *domain.Account {
	return &domain.Account{
		ID: NewID(acctTime), Role: role, LoginName: login, Name: "李小明",
		PasswordHash: "$argon2id$x", CreatedAt: acctTime, UpdatedAt: acctTime,
	}
}

// 20 browsers submit the same ID number at the same moment: exactly one
// account is created; the others get ECONFLICT with the message for the form.
func TestCreateAccountSameLoginConcurrently(t *testing.T) {
	s := openAt(t, t.TempDir())
	const n = 20
	const login = "420102199003071234"
	accts := make([]*domain.Account, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		accts[i] = newAccount(login, domain.RoleCandidate)
		accts[i].Name = fmt.Sprintf("考生%c", '甲'+rune(i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.CreateAccount(accts[i])
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("goroutines %d and %d both created the account", winner, i)
			}
			winner = i
		case domain.ErrorCode(err) != domain.ECONFLICT:
			t.Fatalf("goroutine %d: %v, want ECONFLICT", i, err)
		case domain.ErrorMessage(err) == "":
			t.Fatalf("goroutine %d: conflict without a message", i)
		}
	}
	if winner < 0 {
		t.Fatal("nobody created the account")
	}
	got, err := s.AccountByLogin(login)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != accts[winner].ID || got.Name != accts[winner].Name {
		t.Fatalf("index points to %s (%s), winner was %s", got.ID, got.Name, accts[winner].ID)
	}
	list, err := s.AccountsByRole(domain.RoleCandidate)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d candidate records, want 1", len(list))
	}
	for i, a := range accts {
		if i == winner {
			continue
		}
		if _, err := s.Account(a.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("loser %d left a record: %v", i, err)
		}
	}
}

func TestAccountLookups(t *testing.T) {
	s := openAt(t, t.TempDir())
	if _, err := s.Account("nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("Account(nope): %v", err)
	}
	if _, err := s.AccountByLogin("nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("AccountByLogin(nope): %v", err)
	}
	cand := newAccount("420102199003071234", domain.RoleCandidate)
	admin := newAccount("ADMIN", domain.RoleAdmin)
	rev := newAccount("REVIEWER", domain.RoleReviewer)
	rev.Departments = []string{"中共湖北省委办公厅"}
	for _, a := range []*domain.Account{cand, admin, rev} {
		if err := s.CreateAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	for role, want := range map[domain.Role]string{domain.RoleCandidate: cand.ID, domain.RoleAdmin: admin.ID, domain.RoleReviewer: rev.ID} {
		list, err := s.AccountsByRole(role)
		if err != nil || len(list) != 1 || list[0].ID != want {
			t.Errorf("AccountsByRole(%s) = %v, %v", role, list, err)
		}
	}
	got, err := s.AccountByLogin("REVIEWER")
	if err != nil || got.Departments[0] != "中共湖北省委办公厅" {
		t.Errorf("reviewer = %+v, %v", got, err)
	}
}

func TestUpdateAccount(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	if err := s.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	// A refusing function writes nothing.
	refuse := domain.Errorf(domain.EINVALID, "不行")
	if _, err := s.UpdateAccount(a.ID, func(x *domain.Account) error { x.Phone = "13700000000"; return refuse }); err != refuse {
		t.Fatalf("UpdateAccount returned %v", err)
	}
	if got, _ := s.Account(a.ID); got.Phone != "" {
		t.Fatalf("refused update wrote phone %q", got.Phone)
	}
	if _, err := s.UpdateAccount("nope", func(*domain.Account) error { return nil }); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("update of a missing account: %v", err)
	}
}

// Failed logins at once from several browsers are all counted, for a
// registered and an unknown name alike; only a staff account's are audited.
func TestRecordLoginFailure(t *testing.T) {
	s := openAt(t, t.TempDir())
	staff := &domain.Account{ID: NewID(acctTime), Role: domain.RoleAdmin, LoginName: "KAOSHIYUAN", Name: "管理员", CreatedAt: acctTime}
	if err := s.CreateAccount(staff); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"KAOSHIYUAN", "NOSUCHNAME"} {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.RecordLoginFailure(LoginFailure{Login: login, At: acctTime, IP: "192.0.2.1"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if th, err := s.LoginThrottle(login); err != nil || th.Failures != 4 || !th.NotBefore.After(acctTime) {
			t.Fatalf("%s after 4 concurrent failures: %+v, %v", login, th, err)
		}
	}
	log, _ := s.AuditLog(10)
	if len(log) != 4 || log[0].Action != "login.failed" || log[0].Target != staff.ID || log[0].IP != "192.0.2.1" {
		t.Fatalf("audit log %+v, want 4 login.failed entries for the administrator", log)
	}
	if err := s.ClearLoginThrottle("KAOSHIYUAN"); err != nil {
		t.Fatal(err)
	}
	if th, _ := s.LoginThrottle("KAOSHIYUAN"); th.Failures != 0 {
		t.Fatalf("cleared throttle: %+v", th)
	}
}

// A secret is made once and kept across a reopen; a single-use id is spent once.
func TestSecretAndSpendOnce(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	a, err := s.Secret("tokens")
	if err != nil || len(a) != 32 {
		t.Fatalf("secret %x, %v", a, err)
	}
	if b, _ := s.Secret("tokens"); string(b) != string(a) {
		t.Fatal("secret changed")
	}
	if b, _ := s.Secret("other"); string(b) == string(a) {
		t.Fatal("two names share a secret")
	}
	if err := s.SpendOnce("captcha", "id1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SpendOnce("captcha", "id1", time.Minute); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("second spend: %v", err)
	}
	if err := s.SpendOnce("captcha", "id2", 0); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("spend of an expired token: %v", err)
	}
	s.Close()
	s = openAt(t, dir)
	if b, _ := s.Secret("tokens"); string(b) != string(a) {
		t.Fatal("secret not kept across a reopen")
	}
}

func TestLiveSession(t *testing.T) {
	s := openAt(t, t.TempDir())
	if sid := liveSession(t, s, "a1"); sid != "" {
		t.Fatalf("no session yet: %q", sid)
	}
	if err := s.SetLiveSession("a1", "s1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLiveSession("a1", "s2"); err != nil {
		t.Fatal(err)
	}
	if sid := liveSession(t, s, "a1"); sid != "s2" {
		t.Fatalf("live session = %q, want the newest", sid)
	}
	// Logging out of a replaced session leaves the newer one alone.
	if err := s.ClearLiveSession("a1", "s1"); err != nil {
		t.Fatal(err)
	}
	if sid := liveSession(t, s, "a1"); sid != "s2" {
		t.Fatalf("stale logout cleared the live session: %q", sid)
	}
	if err := s.ClearLiveSession("a1", "s2"); err != nil {
		t.Fatal(err)
	}
	if sid := liveSession(t, s, "a1"); sid != "" {
		t.Fatalf("after logout: %q", sid)
	}
	if err := s.ClearLiveSession("a1", "s2"); err != nil {
		t.Fatalf("clearing twice: %v", err)
	}
}
