package kv

import (
	"testing"
	"time"

	"examreg/domain"
)

// within polls cond until it holds or d has passed.
func within(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// TestTwoNodesViewsRefresh: two Stores (two nodes) on one cluster. A
// position created or edited on A, and counts changed on A, are seen in
// B's in-memory views within 2 s.
func TestTwoNodesViewsRefresh(t *testing.T) {
	st := newMockTiKV(t)
	a, b := openOnTiKV(t, st, "nodes"), openOnTiKV(t, st, "nodes")
	exam := &domain.Exam{ID: "e1", Name: "2026年度公开遴选"}
	if err := a.SeedExam(exam, []domain.Position{{Code: "001", Title: "综合科科员", Department: "省委办公厅", Quota: 1}}); err != nil {
		t.Fatal(err)
	}
	if !within(2*time.Second, func() bool { _, ok := b.Position("e1", "001"); return ok }) {
		t.Fatal("a position seeded on A is not in B's catalog after 2 s")
	}
	p, _ := a.Position("e1", "001")
	p.Title = "法规科科员"
	if err := a.SavePosition(&p, false, AuditEntry{At: time.Now(), Action: "position.update", Target: "001"}); err != nil {
		t.Fatal(err)
	}
	if !within(2*time.Second, func() bool { q, _ := b.Position("e1", "001"); return q.Title == "法规科科员" }) {
		q, _ := b.Position("e1", "001")
		t.Fatalf("B's catalog still has title %q 2 s after A's edit", q.Title)
	}
	if got := b.PositionIndex("e1"); got == nil {
		t.Fatal("no search index on B")
	}
	v := b.CountsVersion("e1")
	if err := a.Update(func(tx *Tx) error {
		return tx.adjustCounts("e1", "app1", "", "", "001", domain.StateSubmitted)
	}); err != nil {
		t.Fatal(err)
	}
	if !within(2*time.Second, func() bool { return b.PositionCounts("e1", "001").Submitted == 1 }) {
		t.Fatalf("B's counts: %+v 2 s after A counted a submission", b.PositionCounts("e1", "001"))
	}
	if b.CountsVersion("e1") == v {
		t.Error("B's counts version did not change: pages answering 'unchanged' would not render the new counts")
	}
	// An application written on A gives it a new status stamp on B (a
	// poll on B renders the change); other applications keep theirs.
	app := &domain.Application{ID: "app9", ExamID: "e1", CandidateID: "cand9", State: domain.StateInfoSaved}
	if err := a.Update(func(tx *Tx) error { return tx.writeApplication(nil, app) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * refreshEvery)
	before, other := b.StatusStamp("cand9", "e1"), b.StatusStamp("someone", "e1")
	changed := *app
	changed.State = domain.StateSubmitted
	if err := a.Update(func(tx *Tx) error { return tx.writeApplication(app, &changed) }); err != nil {
		t.Fatal(err)
	}
	if !within(2*time.Second, func() bool { return b.StatusStamp("cand9", "e1") != before }) {
		t.Error("B's status stamp of an application changed on A did not change within 2 s")
	}
	if b.StatusStamp("someone", "e1") != other {
		t.Error("B renewed the stamp of an application nobody changed")
	}
}
