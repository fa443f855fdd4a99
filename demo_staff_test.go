package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// -demo seeds two reviewers of different 遴选机关 that the demo 职位表 has,
// prints their credentials, and adds nothing on a second start.
func TestSeedDemoReviewers(t *testing.T) {
	s := openData(t, t.TempDir())
	defer s.Close()
	now := time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)
	if err := seedDemo(s, now, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for range 2 {
		out.Reset()
		if err := seedDemoReviewers(s, now, &out); err != nil {
			t.Fatal(err)
		}
	}
	exams, _ := s.Exams()
	depts := s.PositionDepartments(exams[0].ID)
	seen := map[string]bool{}
	for _, r := range demoReviewers {
		a, err := s.AccountByLogin(strings.ToUpper(r.login))
		if err != nil || len(a.Departments) != 1 || !slices.Contains(depts, a.Departments[0]) || a.MustChangePassword {
			t.Fatalf("%s: %+v %v", r.login, a, err)
		}
		seen[a.Departments[0]] = true
		if !strings.Contains(out.String(), r.login) {
			t.Errorf("credentials of %s not printed:\n%s", r.login, out.String())
		}
	}
	if len(seen) != 2 {
		t.Fatal("the demo reviewers share a department")
	}
	if list, _ := s.AccountsByRole(domain.RoleReviewer); len(list) != 3 {
		t.Fatalf("reviewers after two seeds: %d", len(list))
	}
}
