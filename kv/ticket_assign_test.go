package kv

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"examreg/domain"
)

// TestAssignSeatsWorkersWriteTheSameStore: a run written by seatWorkers
// side by side leaves, key for key, the store one worker leaves (the run's
// id, random, aside), for a first run and for a rerun with another seed.
func TestAssignSeatsWorkersWriteTheSameStore(t *testing.T) {
	defer func(n int) { seatWorkers = n }(seatWorkers)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	dumps := map[int][2]map[string]string{}
	for _, workers := range []int{1, 2, 3} {
		seatWorkers = workers
		s := openTemp(t, false)
		seedPaid(t, s, 700, 9, true)
		seatSetup(t, s, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12", 2) // 720 seats
		var d [2]map[string]string
		var runIDs []string
		for i, seed := range []uint64{11, 12} {
			run, err := s.AssignSeats("e1", admin, seed, ticketStart.Add(time.Duration(i)*time.Minute))
			if err != nil || run.Written != 700 {
				t.Fatalf("%d workers, seed %d: %+v %v", workers, seed, run, err)
			}
			runIDs = append(runIDs, run.ID)
			d[i] = storeDump(t, s, runIDs)
		}
		dumps[workers] = d
	}
	for _, workers := range []int{2, 3} {
		for i, what := range []string{"first run", "rerun"} {
			want, got := dumps[1][i], dumps[workers][i]
			if len(got) != len(want) {
				t.Errorf("%s, %d workers: %d keys, one worker %d", what, workers, len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("%s, %d workers: %s = %.200q, one worker %.200q", what, workers, k, got[k], v)
				}
			}
		}
	}
}

// storeDump reads every key of the store but the audit log and the catalog
// and exams versions (random ids of their own), with the runs' ids (random) replaced
// by "RUN1", "RUN2", ….
func storeDump(t *testing.T, s *Store, runIDs []string) map[string]string {
	t.Helper()
	var pairs []string
	for i, id := range runIDs {
		pairs = append(pairs, id, fmt.Sprintf("RUN%d", i+1))
	}
	norm := strings.NewReplacer(pairs...)
	m := map[string]string{}
	err := s.View(func(tx *Tx) error {
		return tx.Scan("", ScanOptions{}, func(k string, v []byte) error {
			if strings.HasPrefix(k, prefixAudit) || strings.HasPrefix(k, prefixAuditActor) || strings.HasPrefix(k, prefixAuditTarget) ||
				strings.HasPrefix(k, prefixCatVer) || k == examsVersionKey {
				return nil
			}
			m[norm.Replace(k)] = norm.Replace(string(v))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAssignSeatsResumedUnderAnotherPlan: a rerun cut short after some
// batches (applications moved to new seats, their old numbers left to the
// plan's new holders), then 40 candidates leave 已缴费 so the resumed run,
// same seed, plans fewer seats: when it completes, every number-index
// entry names the application seated there and nobody else has one.
func TestAssignSeatsResumedUnderAnotherPlan(t *testing.T) {
	s := openTemp(t, false)
	ids := seedPaid(t, s, 250, 7, true)
	seatSetup(t, s, "1\n2\n3\n4\n5", 2) // 300 seats
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	if _, err := s.AssignSeats("e1", admin, 1, ticketStart); err != nil {
		t.Fatal(err)
	}

	// The second run, seed 2, cut short after its first worker wrote 100
	// applications (in key order, as writeSeats hands them out).
	later := ticketStart.Add(time.Minute)
	exam, _ := s.Exam("e1")
	run := &domain.SeatRun{ID: NewID(later), ExamID: "e1", Seed: 2, ActorID: admin.ID, StartedAt: later, Candidates: 250, Seats: 300}
	var plan []domain.Seat
	if err := s.View(func(tx *Tx) error {
		cands, err := tx.seatCandidates("e1")
		if err != nil {
			return err
		}
		settings, _ := tx.ticketSettings("e1")
		venues, _ := tx.Venues("e1")
		plan, err = domain.PlanSeats("e1", settings.ExamNo, run.ID, venues, cands, run.Seed)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.Put(seatRunKey("e1"), run) }); err != nil {
		t.Fatal(err)
	}
	w := &seatWrite{exam: exam, run: run, now: later, planned: map[string]bool{}}
	for _, seat := range plan {
		w.planned[seat.TicketNo] = true
	}
	order := slices.Clone(plan)
	slices.SortFunc(order, func(a, b domain.Seat) int { return strings.Compare(a.AppID, b.AppID) })
	if err := s.writeSeatPart(w, 0, order[:100], make([]bool, 100), new(atomic.Bool)); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.SeatRun("e1"); r.Complete() || r.Written != 100 {
		t.Fatalf("run cut short reads %+v", r)
	}
	if bad := seatIndexMismatches(t, s); len(bad) == 0 {
		t.Fatal("the cut-short run left no number to a later holder: the test misses its case")
	}

	// 40 candidates leave 已缴费 (what a refund does), then the run resumes.
	left := map[string]bool{}
	for _, id := range ids[:40] {
		left[id] = true
		if _, err := s.UpdateApplication(id, func(_ *Tx, a *domain.Application) error {
			a.State = domain.StateApproved
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	resumed, err := s.AssignSeats("e1", admin, 99, later.Add(time.Minute))
	if err != nil || resumed.ID != run.ID || !resumed.Complete() || resumed.Written != 210 {
		t.Fatalf("resumed: %+v %v", resumed, err)
	}
	if bad := seatIndexMismatches(t, s); len(bad) > 0 {
		t.Fatalf("number index entries not matching a seat: %v", bad)
	}
	numbers, seated := map[string]bool{}, 0
	for _, id := range ids {
		seat, err := s.Seat("e1", id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case left[id] && seat != nil:
			t.Fatalf("%s left 已缴费 but keeps seat %s", id, seat.TicketNo)
		case left[id]:
			continue
		case seat == nil || seat.RunID != run.ID || numbers[seat.TicketNo]:
			t.Fatalf("%s: seat %+v", id, seat)
		}
		numbers[seat.TicketNo] = true
		seated++
	}
	if n, _ := s.KeyCount(seatNoPrefix("e1")); n != seated || seated != 210 {
		t.Fatalf("%d number index entries, %d seated, want 210 each", n, seated)
	}
	if n, _ := s.KeyCount(prefixSeatProg); n != 0 {
		t.Fatalf("%d progress counts left after the run completed", n)
	}
}

// seatIndexMismatches lists the 准考证号 index entries of e1 whose
// application's seat carries another number (or none).
func seatIndexMismatches(t *testing.T, s *Store) (bad []string) {
	t.Helper()
	prefix := seatNoPrefix("e1")
	err := s.View(func(tx *Tx) error {
		return tx.Scan(prefix, ScanOptions{}, func(k string, v []byte) error {
			var seat domain.Seat
			if err := tx.Get(seatKey("e1", string(v)), &seat); err != nil && err != ErrNotFound {
				return err
			}
			if seat.TicketNo != k[len(prefix):] {
				bad = append(bad, fmt.Sprintf("%s→%s (seat %q)", k[len(prefix):], v, seat.TicketNo))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}
