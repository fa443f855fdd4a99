package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// TestSeedDemo: the demo exam is named for the current year with windows
// at office hours, the demo candidate fits most positions by age, one
// candidate stands at each interesting state, every login is printed, and
// a second run adds nothing.
func TestSeedDemo(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, domain.Shanghai)
	store := openData(t, t.TempDir())
	defer store.Close()
	var out bytes.Buffer
	if err := seedDemo(store, now, &out); err != nil {
		t.Fatal(err)
	}
	exams, _ := store.Exams()
	if len(exams) != 1 || exams[0].Name != "湖北省2026年度市州级以上机关公开遴选公务员" || exams[0].Code != "2026HBLX" {
		t.Fatalf("exams %+v", exams)
	}
	e := exams[0]
	for _, w := range []domain.Window{e.Registration, e.Review, e.Payment, e.Ticket} {
		if s, en := w.Start.In(domain.Shanghai), w.End.In(domain.Shanghai); s.Hour() != 9 || s.Minute() != 0 || en.Hour() != 17 || en.Minute() != 0 {
			t.Errorf("window %s, want 9:00 to 17:00", w)
		}
	}
	if !e.Registration.Open(now) || !e.Review.Open(now) {
		t.Errorf("registration %s / review %s not open at %s", e.Registration, e.Review, now)
	}

	// 张三 is under 35 on the reference date: the age limits of the demo
	// positions do not refuse him.
	cand, err := store.AccountByLogin(demoCandidateID())
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, p := range store.PositionList(e.ID) {
		if p.MaxAge > 0 {
			if hard, _ := domain.CheckEligibility(&p, cand, &domain.ApplicationForm{}, e); strings.Contains(strings.Join(hard, ""), "周岁") {
				refused++
			}
		}
	}
	if refused > 0 {
		t.Errorf("the demo candidate is refused by the age limit of %d positions", refused)
	}

	text := out.String()
	for _, want := range []string{demoPassword, demoAdminLogin, demoReviewerLogin, demoCandidateID()} {
		if !strings.Contains(text, want) {
			t.Errorf("credentials do not list %q:\n%s", want, text)
		}
	}
	for _, dc := range demoStates {
		login := dc.idBody + string(domain.IDCheckDigit(dc.idBody))
		if !strings.Contains(text, login) || !strings.Contains(text, dc.state.Label()) {
			t.Errorf("credentials do not list %s (%s):\n%s", login, dc.state.Label(), text)
		}
		acct, err := store.AccountByLogin(login)
		if err != nil {
			t.Fatalf("%s not seeded: %v", dc.name, err)
		}
		app, err := store.ApplicationOf(acct.ID, e.ID)
		if err != nil {
			t.Fatalf("%s has no application: %v", dc.name, err)
		}
		if app.State != dc.state {
			t.Errorf("%s is %s, want %s", dc.name, app.State, dc.state)
		}
		if pos, _ := store.Position(e.ID, app.PositionCode); pos.Department != demoDepartmentName {
			t.Errorf("%s applied to %s of %s, which the demo reviewer cannot review", dc.name, app.PositionCode, pos.Department)
		}
	}
	if c := store.CountTotals(e.ID); c.Submitted != 1 || c.Approved != 1 {
		t.Errorf("counts %+v, want 1 待审核 and 1 审核通过", c)
	}

	// Safe on every start: nothing is added twice.
	before, _ := store.AccountsByRole(domain.RoleCandidate)
	if err := seedDemo(store, now.Add(time.Hour), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	after, _ := store.AccountsByRole(domain.RoleCandidate)
	exams, _ = store.Exams()
	if len(after) != len(before) || len(exams) != 1 {
		t.Errorf("second seed: %d → %d candidates, %d exams", len(before), len(after), len(exams))
	}
}
