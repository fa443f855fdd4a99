package kv

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"examreg/domain"
)

// seatBatch is how many applications one transaction of a seat run first
// tries to write. Each costs its application record (1–10 KiB with form and
// history), its position index entry, the seat and the number index,
// against the ~1.2 MiB Badger allows a transaction with our options; fewer,
// larger commits wait less on the write queue. A batch Badger finds too big
// is halved, and the worker goes on with the size that fitted (writeSeatPart).
const seatBatch = 400

// seatWorkers is how many batches of a seat run are written at once, each
// worker taking its own stretch of the applications in key order. Their
// transactions touch disjoint keys (each application's record, position
// index entry, seat, 准考证号 and the worker's own progress key; paid →
// ticket_issued changes no count and no review-queue entry), so they do
// not conflict, and one decodes and encodes applications while Badger
// commits the other's batch. A variable for the test that compares it
// with one worker.
var seatWorkers = 2

// seatRunMu lets one seat run write at a time: two administrators pressing
// 开始编排 together would otherwise interleave batches of two plans and each
// remove the other's seats as stale. (One process owns a data directory.)
var seatRunMu sync.Mutex

// AssignSeats runs the exam's seat assignment (考场编排) for every paid
// application, or resumes the run a crash cut short.
//
// 100,000 candidates cannot be written in one Badger transaction, so the run
// is a record (v1/seatrun/<exam>) written first, then batches, then marked
// complete:
//   - The plan is a pure function of the recorded seed and the candidates
//     (paid and ticket_issued applications), so rewriting a batch writes the
//     same seats: a run cut short is finished by running it again, which
//     reuses the unfinished run's id and seed (the seed passed is ignored).
//   - Each batch writes, per application, its seat, the 准考证号 index and
//     the transition paid → ticket_issued (domain.ActionIssueTicket by
//     RoleSystem) with its history and counts, so every application is
//     either untouched or fully issued, never half.
//   - Batches go in application-key order, seatWorkers at a time: reads
//     then hit neighbouring blocks and Badger compacts far less than for
//     applications in seat order. A 准考证号 an application gives up is
//     deleted in its batch unless the plan gives it to someone else, whose
//     batch overwrites it: no batch reads a key another one writes.
//   - Seats and number-index entries that do not match what the run
//     seated (earlier runs', an attempt's cut short under another plan, an
//     application's that left paid) are removed at the end; only then is
//     the run marked complete and audited.
//
// Refused before anything is written: printing opened (EFORBIDDEN), too few
// seats, no venues, no 考试代码, nobody paid (ECONFLICT). Returns the run.
func (s *Store) AssignSeats(examID string, actor *domain.Account, seed uint64, now time.Time) (*domain.SeatRun, error) {
	seatRunMu.Lock()
	defer seatRunMu.Unlock()
	var (
		exam     *domain.Exam
		settings *domain.TicketSettings
		venues   []*domain.Venue
		cands    []domain.SeatCandidate
		prev     domain.SeatRun
		hasPrev  bool
	)
	err := s.View(func(tx *Tx) error {
		var err error
		if exam, err = tx.Exam(examID); err != nil {
			return err
		}
		if settings, err = tx.ticketSettings(examID); err != nil {
			return err
		}
		if venues, err = tx.Venues(examID); err != nil {
			return err
		}
		if err := tx.Get(seatRunKey(examID), &prev); err == nil {
			hasPrev = true
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		cands, err = tx.seatCandidates(examID)
		if err != nil {
			return err
		}
		_, err = tx.openingGate(examID, now) // 开考比例 settled (opening.go)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := domain.CheckSeatRun(exam, settings, venues, len(cands), now); err != nil {
		return nil, err
	}
	run := &domain.SeatRun{ID: NewID(now), ExamID: examID, Seed: seed, ActorID: actor.ID, StartedAt: now}
	if hasPrev && !prev.Complete() {
		run.ID, run.Seed, run.StartedAt = prev.ID, prev.Seed, prev.StartedAt
	}
	run.Candidates = len(cands)
	for _, v := range venues {
		run.Seats += v.Seats()
	}
	plan, err := domain.PlanSeats(examID, settings.ExamNo, run.ID, venues, cands, run.Seed)
	if err != nil {
		return nil, err
	}
	if err := s.Update(func(tx *Tx) error {
		verb := "开始"
		if run.ID == prev.ID {
			verb = "继续"
		}
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "seats.start", Target: examID,
			Detail: fmt.Sprintf("%s考场编排 %s：种子 %d，考生 %d 人，座位 %d 个", verb, run.ID, run.Seed, run.Candidates, run.Seats)}); err != nil {
			return err
		}
		if err := tx.clearSeatProgress(examID, run.ID); err != nil { // a resumed run counts afresh
			return err
		}
		return tx.Put(seatRunKey(examID), run)
	}); err != nil {
		return nil, err
	}
	// Seats exist only under a recorded run: without one there is no old
	// seat to look up, give up or remove.
	held, err := s.writeSeats(exam, run, plan, hasPrev, now)
	if err != nil {
		return nil, err
	}
	if hasPrev {
		if err := s.removeStaleSeats(examID, held); err != nil {
			return nil, err
		}
	}
	err = s.Update(func(tx *Tx) error {
		run.CompletedAt = now
		run.Written = len(plan)
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "seats.complete", Target: examID,
			Detail: fmt.Sprintf("考场编排 %s 完成：%d 人", run.ID, len(plan))}); err != nil {
			return err
		}
		if err := tx.clearSeatProgress(examID, run.ID); err != nil {
			return err
		}
		return tx.Put(seatRunKey(examID), run)
	})
	return run, err
}

// seatCandidates lists the exam's applications that hold or wait for a
// seat: paid or ticket_issued, in a position that was not cancelled for
// too few applicants (开考比例, opening.go).
func (tx *Tx) seatCandidates(examID string) ([]domain.SeatCandidate, error) {
	all, err := tx.seatCandidatesAll(examID)
	if err != nil {
		return nil, err
	}
	decided, err := tx.positionOpenings(examID)
	if err != nil || len(decided) == 0 {
		return all, err
	}
	list := all[:0]
	for _, c := range all {
		if !decided[c.PositionCode].Cancelled() {
			list = append(list, c)
		}
	}
	return list, nil
}

// seatCandidatesAll lists the exam's paid and ticket_issued applications,
// from the position index (no record reads).
func (tx *Tx) seatCandidatesAll(examID string) (list []domain.SeatCandidate, err error) {
	prefix := prefixAppPos + examID + "/"
	err = tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
		st := domain.State(v)
		if st != domain.StatePaid && st != domain.StateTicketIssued {
			return nil
		}
		code, appID, ok := strings.Cut(key[len(prefix):], "/")
		if ok {
			list = append(list, domain.SeatCandidate{AppID: appID, PositionCode: code})
		}
		return nil
	})
	return list, err
}

// seatWrite is what every batch of one run shares.
type seatWrite struct {
	exam *domain.Exam
	run  *domain.SeatRun
	now  time.Time
	// planned holds the run's 准考证号 when earlier seats may exist (nil
	// otherwise): a number given up that is not planned is deleted.
	planned map[string]bool
}

// writeSeats writes the plan in application-key order, split into
// seatWorkers stretches written side by side. The first error stops the
// other workers after their current batch and is returned. With hasPrev it
// returns the 准考证号 of each application it seated (an application that
// left paid is not), for removeStaleSeats.
func (s *Store) writeSeats(exam *domain.Exam, run *domain.SeatRun, plan []domain.Seat, hasPrev bool, now time.Time) (map[string]string, error) {
	w := &seatWrite{exam: exam, run: run, now: now}
	if hasPrev {
		w.planned = make(map[string]bool, len(plan))
		for i := range plan {
			w.planned[plan[i].TicketNo] = true
		}
	}
	order := slices.Clone(plan)
	slices.SortFunc(order, func(a, b domain.Seat) int { return strings.Compare(a.AppID, b.AppID) })
	seated := make([]bool, len(order))
	workers := max(1, min(seatWorkers, len(order)))
	errs := make([]error, workers)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for i := range workers {
		from, to := len(order)*i/workers, len(order)*(i+1)/workers
		wg.Go(func() {
			if errs[i] = s.writeSeatPart(w, i, order[from:to], seated[from:to], &failed); errs[i] != nil {
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if !hasPrev {
		return nil, nil
	}
	held := make(map[string]string, len(order))
	for i, ok := range seated {
		if ok {
			held[order[i].AppID] = order[i].TicketNo
		}
	}
	return held, nil
}

// writeSeatPart writes one worker's stretch in batches of seatBatch,
// halving the size for the rest of the stretch whenever the engine finds a
// batch too big, and marks in seated the seats it wrote; it stops early
// when failed is set by another worker.
func (s *Store) writeSeatPart(w *seatWrite, worker int, part []domain.Seat, seated []bool, failed *atomic.Bool) error {
	size, done := seatBatch, 0
	for done < len(part) && !failed.Load() {
		batch := part[done:min(done+size, len(part))]
		marks := seated[done : done+len(batch)]
		err := s.Update(func(tx *Tx) error {
			for i := range batch {
				var err error
				if marks[i], err = tx.writeSeat(w, &batch[i]); err != nil {
					return err
				}
			}
			// Progress of a run cut short, per worker so that no two
			// batches write one key (SeatRun adds them up).
			return tx.Put(seatProgressKey(w.exam.ID, w.run.ID, worker), done+len(batch))
		})
		if errors.Is(err, ErrTxnTooBig) && size > 1 {
			size /= 2
			continue
		}
		if err != nil {
			return err
		}
		done += len(batch)
	}
	return nil
}

// writeSeat gives one application its seat and, when it is still paid, the
// transition to ticket_issued, and reports whether it did. An application
// that left paid meanwhile (e.g. refunded) gets no seat.
func (tx *Tx) writeSeat(w *seatWrite, seat *domain.Seat) (bool, error) {
	examID := w.exam.ID
	a, err := tx.Application(seat.AppID)
	if err != nil {
		return false, err
	}
	if a.State != domain.StatePaid && a.State != domain.StateTicketIssued {
		return false, nil
	}
	if w.planned != nil {
		var old domain.Seat
		switch err := tx.Get(seatKey(examID, a.ID), &old); {
		case err == nil && old.TicketNo != seat.TicketNo && !w.planned[old.TicketNo]:
			// Nobody gets this number in the plan: no batch of the run
			// writes it, so it goes without a read another batch could
			// invalidate. (A planned one is overwritten by its new holder.)
			if err := tx.Delete(seatNoKey(examID, old.TicketNo)); err != nil {
				return false, err
			}
		case err != nil && !errors.Is(err, ErrNotFound):
			return false, err
		}
	}
	if err := tx.Put(seatKey(examID, a.ID), seat); err != nil {
		return false, err
	}
	if err := tx.PutRaw(seatNoKey(examID, seat.TicketNo), []byte(a.ID)); err != nil {
		return false, err
	}
	if a.State != domain.StatePaid {
		return true, nil
	}
	before := *a
	if err := domain.Transition(a, w.exam, domain.ActionIssueTicket, "system", domain.RoleSystem, w.now, "考场编排 "+w.run.ID); err != nil {
		return false, err
	}
	return true, tx.writeApplication(&before, a)
}

// removeStaleSeats makes the seats and the 准考证号 index what this run
// wrote (held: appID → number): it deletes every seat of another number or
// of an application not seated (earlier runs', or one an attempt cut short
// gave an application that left paid since), then every index entry whose
// application is not held at that number (a number the plan gave to an
// application that left paid, or one left behind by an attempt cut short
// under an older plan). The candidates come from scans; each deletion is
// checked again inside its transaction.
func (s *Store) removeStaleSeats(examID string, held map[string]string) error {
	var staleSeats, staleNumbers []string
	prefix := seatNoPrefix(examID)
	if err := s.View(func(tx *Tx) error {
		if err := tx.Scan(seatPrefix(examID), ScanOptions{}, func(_ string, v []byte) error {
			var seat domain.Seat
			if err := jsonUnmarshal(v, &seat); err != nil {
				return err
			}
			if held[seat.AppID] != seat.TicketNo {
				staleSeats = append(staleSeats, seat.AppID)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
			if no := key[len(prefix):]; held[string(v)] != no {
				staleNumbers = append(staleNumbers, no)
			}
			return nil
		})
	}); err != nil {
		return err
	}
	if err := updateInBatches(s, staleSeats, 500, func(tx *Tx, appID string) error {
		var seat domain.Seat
		switch err := tx.Get(seatKey(examID, appID), &seat); {
		case errors.Is(err, ErrNotFound):
			return nil
		case err != nil:
			return err
		case held[appID] == seat.TicketNo:
			return nil
		}
		return tx.Delete(seatKey(examID, appID))
	}); err != nil {
		return err
	}
	return updateInBatches(s, staleNumbers, 500, func(tx *Tx, no string) error {
		appID, err := tx.GetRaw(seatNoKey(examID, no))
		switch {
		case errors.Is(err, ErrNotFound):
			return nil
		case err != nil:
			return err
		case held[string(appID)] == no:
			return nil
		}
		return tx.Delete(seatNoKey(examID, no))
	})
}

// clearSeatProgress deletes the per-worker progress counts of a run.
func (tx *Tx) clearSeatProgress(examID, runID string) error {
	var keys []string
	if err := tx.Scan(seatProgressPrefix(examID, runID), ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
		keys = append(keys, key)
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// seatProgress adds up the per-worker progress counts of a run.
func (tx *Tx) seatProgress(examID, runID string) (n int, err error) {
	err = tx.Scan(seatProgressPrefix(examID, runID), ScanOptions{}, func(_ string, v []byte) error {
		var done int
		if err := jsonUnmarshal(v, &done); err != nil {
			return err
		}
		n += done
		return nil
	})
	return n, err
}

// SeatRun returns the exam's last seat run (nil when none); for a run cut
// short, Written counts what its batches wrote.
func (s *Store) SeatRun(examID string) (*domain.SeatRun, error) {
	var run domain.SeatRun
	err := s.View(func(tx *Tx) error {
		if err := tx.Get(seatRunKey(examID), &run); err != nil || run.Complete() {
			return err
		}
		done, err := tx.seatProgress(examID, run.ID) // a run cut short: what its batches wrote
		run.Written += done
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// SeatCandidateCount counts the exam's seat candidates (paid or issued) for the admin page.
func (s *Store) SeatCandidateCount(examID string) (n int, err error) {
	err = s.View(func(tx *Tx) error {
		list, err := tx.seatCandidates(examID)
		n = len(list)
		return err
	})
	return n, err
}
