package kv

import (
	"testing"
	"time"

	"examreg/domain"
)

// Review load of the issue: 100 departments (10,000 positions), 100,000
// applications of which 50,000 wait for review.
const (
	benchDepts      = 100
	benchPerDept    = 100
	benchApps       = 100_000
	benchWaitingPct = 50
)

// benchWaits: every other application of each department waits.
func benchWaits(i int) bool { return (i/benchDepts)%100 < benchWaitingPct }

// seedReviewLoad writes the review load in batched transactions (the
// record, its indexes and counts through writeApplication, as an action
// would) and returns the waiting applications' ids per department.
func seedReviewLoad(b *testing.B, s *Store) map[string][]*domain.Application {
	b.Helper()
	reviewFixture(b, s, benchDepts, benchPerDept)
	waiting := map[string][]*domain.Application{}
	states := []domain.State{domain.StateApproved, domain.StateReturned, domain.StateRejected, domain.StateApproved}
	const batch = 250
	for start := 0; start < benchApps; start += batch {
		if err := s.Update(func(tx *Tx) error {
			for i := start; i < start+batch; i++ {
				d, p := i%benchDepts, (i/benchDepts)%benchPerDept
				st := domain.StateSubmitted
				if !benchWaits(i) {
					st = states[i%len(states)]
				}
				a := submittedApp(i, "e1", posCode(d, p), benchStart.Add(-time.Duration(benchApps-i)*time.Second), st)
				if err := tx.Put(accountKey(a.CandidateID), candidateAccount(i, a.CandidateID)); err != nil {
					return err
				}
				if err := tx.writeApplication(nil, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range benchApps {
		if benchWaits(i) {
			d, p := i%benchDepts, (i/benchDepts)%benchPerDept
			dept := deptName(d)
			waiting[dept] = append(waiting[dept], submittedApp(i, "e1", posCode(d, p), benchStart.Add(-time.Duration(benchApps-i)*time.Second), domain.StateSubmitted))
		}
	}
	return waiting
}

// BenchmarkReviewLoad measures, at 100 departments, 100,000 applications
// and 50,000 waiting, on a disk store with SyncWrites:
//
//   - queue-page: one department's first page of 50 waiting applications
//     (ReviewQueue) plus its counts and poll version;
//
//   - queue-page-filtered: the same with a name search that scans the
//     department's whole waiting queue (500 entries);
//
//   - commit-floor: one fsync'd commit of one small key (the disk's floor);
//
//   - decision: one reviewer's decision committed (ReviewApplication,
//     fsync'd), one at a time.
//
//     go test -run '^$' -bench ReviewLoad -benchtime 2000x ./kv/
func BenchmarkReviewLoad(b *testing.B) {
	s := openTemp(b, true)
	waiting := seedReviewLoad(b, s)
	dept := []string{deptName(42)}
	if n := s.ReviewCounts("e1", dept, "")[domain.StateSubmitted]; n != benchApps*benchWaitingPct/100/benchDepts {
		b.Fatalf("department waits %d", n)
	}
	b.Run("queue-page", func(b *testing.B) {
		for b.Loop() {
			p, err := s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: dept, Bucket: domain.StateSubmitted, Limit: 50})
			if err != nil || len(p.Entries) != 50 {
				b.Fatal(err, len(p.Entries))
			}
			_ = s.ReviewCounts("e1", dept, "")
			_ = s.ReviewVersion("e1", dept)
		}
	})
	b.Run("queue-page-filtered", func(b *testing.B) {
		for b.Loop() {
			p, err := s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: dept, Bucket: domain.StateSubmitted, Limit: 50,
				Match: func(e *QueueEntry) bool {
					return domain.MatchesSearch("考生004242", e.Name, domain.MaskedID(e.IDNumber))
				}})
			if err != nil || len(p.Entries) == 0 {
				b.Fatal(err, len(p.Entries))
			}
		}
	})
	// The floor: one fsync'd commit of one small key on the same store.
	b.Run("commit-floor", func(b *testing.B) {
		for b.Loop() {
			if err := s.Update(func(tx *Tx) error { return tx.PutRaw("v1/bench/floor", []byte("x")) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decision", func(b *testing.B) {
		r := &domain.Account{ID: "r1", Role: domain.RoleReviewer}
		var list []*domain.Application
		for d := range benchDepts {
			r.Departments = append(r.Departments, deptName(d))
			list = append(list, waiting[deptName(d)]...)
		}
		if b.N > len(list) {
			b.Skipf("only %d waiting applications", len(list))
		}
		i := 0
		for b.Loop() {
			a := list[i]
			i++
			if _, err := s.ReviewApplication(a.ID, r, domain.Decision{Action: domain.ActionApprove}, benchStart, ReviewSeen{Version: a.Version}); err != nil {
				b.Fatal(err)
			}
		}
		// Keep the decided ones out of the next run's list.
		for d := range benchDepts {
			waiting[deptName(d)] = nil
		}
		for _, a := range list[i:] {
			p, _ := s.Position("e1", a.PositionCode)
			waiting[p.Department] = append(waiting[p.Department], a)
		}
	})
}
