package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"examreg/domain"
	"examreg/kv"
)

// openData opens the store in dir; the test closes it.
func openData(t *testing.T, dir string) *kv.Store {
	t.Helper()
	s, err := kv.Open(kv.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAdminCreate(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	const pw = "Kaoyuan2023admin"
	err := adminCreate([]string{"-data", dir, "-login", "kaoshiyuan", "-name", "王管理"}, strings.NewReader(pw+"\n"), &out)
	if err != nil {
		t.Fatalf("adminCreate: %v", err)
	}
	if !strings.Contains(out.String(), "已创建管理员账号 kaoshiyuan") {
		t.Errorf("output %q", out.String())
	}
	if strings.Contains(out.String(), pw) {
		t.Error("the password was echoed")
	}

	s := openData(t, dir)
	a, err := s.AccountByLogin("KAOSHIYUAN")
	if err != nil {
		s.Close()
		t.Fatalf("admin not stored: %v", err)
	}
	if a.Role != domain.RoleAdmin || a.Name != "王管理" {
		t.Errorf("stored %+v", a)
	}
	if ok, err := argon2id.ComparePasswordAndHash(pw, a.PasswordHash); !ok || err != nil {
		t.Errorf("password does not verify: %v", err)
	}
	s.Close()

	// The same login name twice is refused (the store is closed again in between).
	err = adminCreate([]string{"-data", dir, "-login", "KaoShiYuan", "-name", "李管理"}, strings.NewReader(pw+"\r\n"), &bytes.Buffer{})
	if err == nil || !hasChinese(err.Error()) {
		t.Fatalf("duplicate login: %v, want a refusal in Chinese", err)
	}
	s = openData(t, dir)
	defer s.Close()
	admins, _ := s.AccountsByRole(domain.RoleAdmin)
	if len(admins) != 1 || admins[0].Name != "王管理" {
		t.Fatalf("admins after the duplicate: %+v", admins)
	}
}

func TestAdminCreateRefuses(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		input string
	}{
		{"short password", []string{"-login", "admin2", "-name", "王"}, "abc123\n"},
		{"letters only", []string{"-login", "admin2", "-name", "王"}, "abcdefghij\n"},
		{"digits only", []string{"-login", "admin2", "-name", "王"}, "1234567890\n"},
		{"empty password", []string{"-login", "admin2", "-name", "王"}, ""},
		{"login too short", []string{"-login", "ab", "-name", "王"}, "Kaoyuan2023admin\n"},
		{"login with a space", []string{"-login", "ad min", "-name", "王"}, "Kaoyuan2023admin\n"},
		{"login with a dash", []string{"-login", "ad-min", "-name", "王"}, "Kaoyuan2023admin\n"},
		{"login in Chinese", []string{"-login", "管理员", "-name", "王"}, "Kaoyuan2023admin\n"},
		{"login too long", []string{"-login", strings.Repeat("a", 33), "-name", "王"}, "Kaoyuan2023admin\n"},
		{"no login", []string{"-name", "王"}, "Kaoyuan2023admin\n"},
		{"no name", []string{"-login", "admin2"}, "Kaoyuan2023admin\n"},
		{"blank name", []string{"-login", "admin2", "-name", "  "}, "Kaoyuan2023admin\n"},
		{"unknown flag", []string{"-login", "admin2", "-name", "王", "-role", "x"}, "Kaoyuan2023admin\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			err := adminCreate(append([]string{"-data", dir}, tc.args...), strings.NewReader(tc.input), &out)
			if err == nil {
				t.Fatal("accepted")
			}
			s := openData(t, dir)
			defer s.Close()
			if admins, _ := s.AccountsByRole(domain.RoleAdmin); len(admins) != 0 {
				t.Fatalf("refused command created %d admins", len(admins))
			}
		})
	}
}

func TestSeedDemoIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)
	s := openData(t, dir)

	type counts struct{ admins, reviewers, candidates, exams, positions, notices int }
	count := func(s *kv.Store) counts {
		t.Helper()
		var c counts
		for role, n := range map[domain.Role]*int{domain.RoleAdmin: &c.admins, domain.RoleReviewer: &c.reviewers, domain.RoleCandidate: &c.candidates} {
			list, err := s.AccountsByRole(role)
			if err != nil {
				t.Fatal(err)
			}
			*n = len(list)
		}
		exams, err := s.Exams()
		if err != nil {
			t.Fatal(err)
		}
		c.exams = len(exams)
		for _, e := range exams {
			c.positions += s.PositionCount(e.ID)
		}
		notices, err := s.Notices(100)
		if err != nil {
			t.Fatal(err)
		}
		c.notices = len(notices)
		return c
	}

	var out bytes.Buffer
	if err := seedDemo(s, now, &out); err != nil {
		t.Fatalf("seedDemo: %v", err)
	}
	first := count(s)
	if first.admins != 1 || first.reviewers != 1 || first.candidates != 1+len(demoStates) || first.exams != 1 || first.positions < 1 || first.notices != 1 {
		t.Fatalf("after the first seed: %+v", first)
	}
	candidateID := demoCandidateBody + string(domain.IDCheckDigit(demoCandidateBody))
	for _, want := range []string{demoPassword, candidateID, demoReviewerLogin, demoAdminLogin} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed credentials lack %q:\n%s", want, out.String())
		}
	}
	cand, err := s.AccountByLogin(candidateID)
	if err != nil || cand.BirthDate != "1993-03-07" || cand.Sex != "男" {
		t.Errorf("demo candidate %+v, %v", cand, err)
	}
	if ok, _ := argon2id.ComparePasswordAndHash(demoPassword, cand.PasswordHash); !ok {
		t.Error("the demo password does not open the demo candidate")
	}

	// Again on the same open store, and again after a restart: nothing new.
	out.Reset()
	if err := seedDemo(s, now.Add(time.Hour), &out); err != nil {
		t.Fatalf("second seedDemo: %v", err)
	}
	if got := count(s); got != first {
		t.Fatalf("second seed changed the store: %+v, want %+v", got, first)
	}
	if !strings.Contains(out.String(), demoPassword) {
		t.Error("the second start does not print the credentials")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openData(t, dir)
	defer s.Close()
	if err := seedDemo(s, now.Add(24*time.Hour), &bytes.Buffer{}); err != nil {
		t.Fatalf("seed after restart: %v", err)
	}
	if got := count(s); got != first {
		t.Fatalf("seed after restart changed the store: %+v, want %+v", got, first)
	}
}

func hasChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
