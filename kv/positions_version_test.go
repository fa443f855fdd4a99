package kv

import (
	"testing"
	"time"

	"examreg/domain"
)

// TestCatalogVersionFollowsTheStore: the catalog (and the search index built
// from it) follows the version stored with the positions. A change made
// through SavePosition is seen by the next read; a change written by
// "another node" (straight into the store, without this process's commit
// hooks) is seen once the version is read again, and the version changes
// with it, so caches keyed by it are invalidated.
func TestCatalogVersionFollowsTheStore(t *testing.T) {
	s := openExamsTestStore(t)
	s.positions.versions.ttl = 0 // read the version on every call (the test's "a second later")
	p := testPosition("e1", "100", "sz")
	if err := s.SavePosition(&p, true, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	v1, err := s.CatalogVersion("e1")
	if err != nil || v1 == "" {
		t.Fatalf("version after a save: %q %v", v1, err)
	}
	search := func() domain.PositionPage {
		return s.PositionIndex("e1").Search(domain.PositionQuery{Keyword: "审计"}, nil, nil)
	}
	if got := search(); got.Total != 0 {
		t.Fatalf("before the edit: %+v", got)
	}

	// This node edits the title: the next search finds it.
	p.Title = "审计岗"
	if err := s.SavePosition(&p, false, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	v2, _ := s.CatalogVersion("e1")
	if got := search(); got.Total != 1 || v2 == v1 {
		t.Fatalf("after a local edit: total %d, version %q → %q", got.Total, v1, v2)
	}

	// Another node adds a position and renews the version (no hook here).
	q := testPosition("e1", "200", "sz")
	q.Title = "内部审计岗"
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Put(positionKey("e1", "200"), &q); err != nil {
			return err
		}
		return tx.PutRaw(catalogVersionKey("e1"), []byte("other-node"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := search(); got.Total != 2 {
		t.Fatalf("another node's position not seen: %+v", got)
	}
	if got, ok := s.Position("e1", "200"); !ok || got.Title != "内部审计岗" {
		t.Errorf("Position after another node's write: %+v %v", got, ok)
	}
	if v3, _ := s.CatalogVersion("e1"); v3 != "other-node" {
		t.Errorf("version %q", v3)
	}
	// And deletes one (through the store, again without hooks).
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Delete(positionKey("e1", "100")); err != nil {
			return err
		}
		return tx.PutRaw(catalogVersionKey("e1"), []byte("other-node-2"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := search(); got.Total != 1 || s.PositionCount("e1") != 1 {
		t.Errorf("another node's delete not seen: %+v, count %d", got, s.PositionCount("e1"))
	}
}

// TestCountsRefresh: with a refresh interval the counts readers see lag the
// commits (version and map together); with none every change shows at once.
// The interval is an hour here, so nothing depends on the test's timing.
func TestCountsRefresh(t *testing.T) {
	s := openExamsTestStore(t)
	add := func(id string) {
		if err := s.CreateApplication(&domain.Application{ID: id, ExamID: "e1", CandidateID: "c" + id, PositionCode: "100", State: domain.StateApproved}); err != nil {
			t.Fatal(err)
		}
	}
	add("a1")
	v1 := s.CountsVersion("e1")
	if got := s.CountsView("e1")["100"].Approved; got != 1 {
		t.Fatalf("approved %d", got)
	}
	s.SetCountsRefresh(time.Hour)
	add("a2")
	if got, v := s.CountsView("e1")["100"].Approved, s.CountsVersion("e1"); got != 1 || v != v1 {
		t.Errorf("within the refresh interval: approved %d, version %d → %d; want the old snapshot", got, v1, v)
	}
	if got := s.PositionCounts("e1", "100").Approved; got != 2 {
		t.Errorf("PositionCounts lags too: %d", got)
	}
	s.SetCountsRefresh(0)
	if got, v := s.CountsView("e1")["100"].Approved, s.CountsVersion("e1"); got != 2 || v == v1 {
		t.Errorf("without a refresh interval: approved %d, version %d", got, v)
	}
	if tot := s.CountTotals("e1"); tot.Approved != 2 {
		t.Errorf("totals %+v", tot)
	}
}
