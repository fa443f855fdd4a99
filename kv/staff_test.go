package kv

import (
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

func reviewerAccount(login string, depts ...string) *domain.Account {
	a := newAccount(strings.ToUpper(login), domain.RoleReviewer)
	a.Departments, a.MustChangePassword = depts, true
	return a
}

// A new reviewer is stored with an audit entry; the same user name again is
// ECONFLICT on "login" and writes nothing more.
func TestCreateStaffAccount(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := reviewerAccount("shenhe", "湖北省财政厅")
	if err := s.CreateStaffAccount(a, AuditEntry{At: acctTime, ActorID: "adm", Action: "account.create", IP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.AccountByLogin("SHENHE")
	if err != nil || !got.MustChangePassword || got.Departments[0] != "湖北省财政厅" {
		t.Fatalf("%+v %v", got, err)
	}
	dup := reviewerAccount("shenhe", "湖北省财政厅")
	err = s.CreateStaffAccount(dup, AuditEntry{At: acctTime, ActorID: "adm", Action: "account.create"})
	if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorFields(err)["login"] == "" {
		t.Fatalf("duplicate login: %v", err)
	}
	log, _ := s.AuditLog(10)
	if len(log) != 1 || log[0].Target != a.ID || log[0].IP != "10.0.0.1" || !strings.Contains(log[0].Detail, "湖北省财政厅") {
		t.Fatalf("audit %+v", log)
	}
}

// Disabling a reviewer ends its live session in the same transaction and
// is audited before→after; disabling twice is ECONFLICT; a candidate is not
// a reviewer (ENOTFOUND).
func TestSetReviewerDisabledEndsSession(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := reviewerAccount("shenhe", "湖北省财政厅")
	if err := s.CreateStaffAccount(a, AuditEntry{At: acctTime}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLiveSession(a.ID, "sid-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetReviewerDisabled(a.ID, true, AuditEntry{At: acctTime.Add(time.Millisecond), ActorID: "adm", Action: "account.disable"}, acctTime); err != nil {
		t.Fatal(err)
	}
	if sid := liveSession(t, s, a.ID); sid != "" {
		t.Fatalf("live session survived: %q", sid)
	}
	if _, err := s.SetReviewerDisabled(a.ID, true, AuditEntry{At: acctTime}, acctTime); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("disable twice: %v", err)
	}
	later := acctTime.Add(time.Second) // audit ids order by millisecond
	got, _ := s.SetReviewerDisabled(a.ID, false, AuditEntry{At: later, Action: "account.enable"}, later)
	if got == nil || got.Disabled {
		t.Fatalf("re-enable: %+v", got)
	}
	cand := newAccount("420102199003071234", domain.RoleCandidate)
	if err := s.CreateAccount(cand); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetReviewerDisabled(cand.ID, true, AuditEntry{At: acctTime}, acctTime); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("candidate disabled as reviewer: %v", err)
	}
	page, _ := s.QueryAudit(AuditFilter{Target: a.ID}, 10)
	if len(page.Entries) != 3 || page.Entries[0].Detail != "SHENHE 停用 → 启用" || page.Entries[1].Detail != "SHENHE 启用 → 停用" {
		t.Fatalf("audit %+v", page.Entries)
	}
}

func TestSetReviewerDepartments(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := reviewerAccount("shenhe", "甲机关")
	if err := s.CreateStaffAccount(a, AuditEntry{At: acctTime}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SetReviewerDepartments(a.ID, []string{"甲机关", "乙机关"}, AuditEntry{At: acctTime, Action: "account.departments"}, acctTime)
	if err != nil || len(got.Departments) != 2 {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := s.SetReviewerDepartments(a.ID, []string{"甲机关", "乙机关"}, AuditEntry{At: acctTime}, acctTime); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("no change: %v", err)
	}
	page, _ := s.QueryAudit(AuditFilter{Action: "account.departments"}, 10)
	if len(page.Entries) != 1 || page.Entries[0].Detail != "SHENHE 遴选机关：甲机关 → 甲机关、乙机关" {
		t.Fatalf("audit %+v", page.Entries)
	}
}

// Support finds an account by ID number, phone or name prefix; the indexes
// follow a phone change.
func TestFindAccounts(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	a.Name, a.Phone = "张三丰", "13800138000"
	b := newAccount("420102199103071235", domain.RoleCandidate)
	b.Name, b.Phone = "张三", "13900139000"
	for _, x := range []*domain.Account{a, b} {
		if err := s.CreateAccount(x); err != nil {
			t.Fatal(err)
		}
	}
	find := func(q string) []string {
		t.Helper()
		list, err := s.FindAccounts(q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range list {
			out = append(out, x.Name)
		}
		return out
	}
	for _, tt := range []struct {
		q    string
		want string
	}{
		{"420102199003071234", "张三丰"},
		{"13900139000", "张三"},
		{"张三", "张三,张三丰"},
		{"张三丰", "张三丰"},
		{"李", ""},
		{"", ""},
	} {
		got := find(tt.q)
		if strings.Join(got, ",") != tt.want && !(tt.q == "张三" && strings.Join(got, ",") == "张三丰,张三") {
			t.Errorf("find %q = %v, want %s", tt.q, got, tt.want)
		}
	}
	if _, err := s.UpdateAccount(a.ID, func(x *domain.Account) error { x.Phone = "13700137000"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := find("13800138000"); len(got) != 0 {
		t.Fatalf("old phone still finds %v", got)
	}
	if got := find("13700137000"); len(got) != 1 {
		t.Fatalf("new phone finds %v", got)
	}
}

// An administrator's one-time password must be changed at next login, lifts
// the lock and ends the live session; unlock refuses an unlocked account.
func TestSetPasswordByAdminAndUnlock(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	if err := s.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := s.RecordLoginFailure(LoginFailure{Login: a.LoginName, At: acctTime}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.SetLiveSession(a.ID, "sid")
	if _, err := s.UnlockAccount(a.ID, AuditEntry{At: acctTime, Action: "account.unlock"}, acctTime); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if th, _ := s.LoginThrottle(a.LoginName); th.Failures != 0 || th.CheckLoginAttempt(acctTime) != nil {
		t.Fatalf("still throttled: %+v", th)
	}
	if _, err := s.UnlockAccount(a.ID, AuditEntry{At: acctTime}, acctTime); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("unlock twice: %v", err)
	}
	got, err := s.SetPasswordByAdmin(a.ID, "$argon2id$new", AuditEntry{At: acctTime.Add(time.Second), Action: "account.reset_password"}, acctTime)
	if err != nil || !got.MustChangePassword || got.PasswordHash != "$argon2id$new" {
		t.Fatalf("reset: %+v %v", got, err)
	}
	if sid := liveSession(t, s, a.ID); sid != "" {
		t.Fatal("session survived the reset")
	}
	page, _ := s.QueryAudit(AuditFilter{Target: a.ID}, 10)
	if len(page.Entries) != 2 || !strings.Contains(page.Entries[1].Detail, "连续登录失败 5 次") {
		t.Fatalf("audit %+v", page.Entries)
	}
	adm := newAccount("ADMIN", domain.RoleAdmin)
	_ = s.CreateAccount(adm)
	if _, err := s.SetPasswordByAdmin(adm.ID, "x", AuditEntry{At: acctTime}, acctTime); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("admin reset through support: %v", err)
	}
}

// Accounts stored before the indexes existed are found after EnsureAccountIndexes.
func TestEnsureAccountIndexes(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	a.Phone = "13800138000"
	if err := s.Update(func(tx *Tx) error { return tx.PutAccount(a) }); err != nil { // no indexes
		t.Fatal(err)
	}
	if list, _ := s.FindAccounts("13800138000"); len(list) != 0 {
		t.Fatal("found before indexing")
	}
	if err := s.EnsureAccountIndexes(); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.FindAccounts("13800138000"); len(list) != 1 {
		t.Fatal("not found after indexing")
	}
}
