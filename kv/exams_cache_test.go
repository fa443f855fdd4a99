package kv

import (
	"testing"
)

// The exam cache follows the store: a local save shows at once, another
// node's write (a new version without this node's hook) once the version is
// read again, and a caller's change to its copy never reaches the cache.
func TestExamCacheFollowsTheStore(t *testing.T) {
	s := openExamsTestStore(t)
	s.exams.versions.ttl = 0 // read the version on every call (the test's "a moment later")
	e := testExam("e1", "2023A")
	if err := s.SaveExam(e, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Exam("e1")
	if err != nil || got.Name != "考试2023A" {
		t.Fatalf("after a save: %+v %v", got, err)
	}

	// A caller changing its copy changes nothing cached.
	got.Name = "改了"
	got.Levels[0].Name = "改了"
	again, _ := s.Exam("e1")
	list, _ := s.Exams()
	if again.Name != "考试2023A" || again.Levels[0].Name != "省直机关" || len(list) != 1 || list[0].Levels[0].Name != "省直机关" {
		t.Fatalf("a copy's change leaked into the cache: %+v %+v", again, list)
	}

	// This node publishes it: the next read sees it.
	e2 := *again
	e2.Published = true
	if err := s.SaveExam(&e2, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if pub, err := s.PublishedExams(); err != nil || len(pub) != 1 {
		t.Fatalf("published after a local save: %v %v", pub, err)
	}

	// Another node renames it and renews the version (no hook here).
	e3 := e2
	e3.Name = "别的节点改名"
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Put(examKey("e1"), &e3); err != nil {
			return err
		}
		return tx.PutRaw(examsVersionKey, []byte("other-node"))
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Exam("e1"); got.Name != "别的节点改名" {
		t.Fatalf("another node's change not seen: %q", got.Name)
	}

	// An exam the cache has not seen yet (created elsewhere within the
	// version's lifetime) is read from the store; an unknown one is ENOTFOUND.
	s.exams.versions.ttl = catalogVersionTTL * 1000
	if err := s.Update(func(tx *Tx) error { return tx.Put(examKey("e2"), testExam("e2", "2023B")) }); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Exam("e2"); err != nil || got.Code != "2023B" {
		t.Fatalf("uncached exam: %+v %v", got, err)
	}
	if _, err := s.Exam("nope"); err == nil {
		t.Fatal("unknown exam found")
	}
}
