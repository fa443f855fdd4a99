package kv

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"examreg/domain"
)

// seatBatch is how many applications one transaction of a seat run first
// tries to write. Each costs its application record (1–10 KiB with form and
// history), the seat, the number index and a count shard, against the
// ~1.2 MiB Badger allows a transaction with our options; fewer, larger
// commits wait less on the write queue. A batch Badger finds too big is
// halved, and the run goes on with the size that fitted (writeSeats).
const seatBatch = 400

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
//   - Seats of earlier runs not in this plan are removed at the end; only
//     then is the run marked complete and audited.
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
		return tx.Put(seatRunKey(examID), run)
	}); err != nil {
		return nil, err
	}
	if err := s.writeSeats(exam, run, plan, now); err != nil {
		return nil, err
	}
	if hasPrev { // seats exist only under a recorded run: a first run has none to remove
		if err := s.removeStaleSeats(examID, run.ID); err != nil {
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

// writeSeats writes the plan in batches of seatBatch, halving the size
// for the rest of the run whenever the engine finds a batch too big.
func (s *Store) writeSeats(exam *domain.Exam, run *domain.SeatRun, plan []domain.Seat, now time.Time) error {
	size := seatBatch
	for start := 0; start < len(plan); {
		batch := plan[start:min(start+size, len(plan))]
		err := s.writeSeatBatch(exam, run, batch, now)
		if errors.Is(err, ErrTxnTooBig) && size > 1 {
			size /= 2
			continue
		}
		if err != nil {
			return err
		}
		start += len(batch)
	}
	return nil
}

// writeSeatBatch writes one batch in one transaction (nothing when it fails).
func (s *Store) writeSeatBatch(exam *domain.Exam, run *domain.SeatRun, batch []domain.Seat, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		for i := range batch {
			if err := tx.writeSeat(exam, run, &batch[i], now); err != nil {
				return err
			}
		}
		var cur domain.SeatRun
		if err := tx.Get(seatRunKey(exam.ID), &cur); err != nil {
			return err
		}
		cur.Written += len(batch)
		return tx.Put(seatRunKey(exam.ID), &cur)
	})
}

// writeSeat gives one application its seat and, when it is still paid, the
// transition to ticket_issued. An application that left paid meanwhile
// (e.g. refunded) gets no seat.
func (tx *Tx) writeSeat(exam *domain.Exam, run *domain.SeatRun, seat *domain.Seat, now time.Time) error {
	a, err := tx.Application(seat.AppID)
	if err != nil {
		return err
	}
	if a.State != domain.StatePaid && a.State != domain.StateTicketIssued {
		return nil
	}
	var old domain.Seat
	switch err := tx.Get(seatKey(exam.ID, a.ID), &old); {
	case err == nil && old.TicketNo != seat.TicketNo:
		if err := tx.releaseSeatNo(exam.ID, old.TicketNo, a.ID); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	if err := tx.Put(seatKey(exam.ID, a.ID), seat); err != nil {
		return err
	}
	if err := tx.PutRaw(seatNoKey(exam.ID, seat.TicketNo), []byte(a.ID)); err != nil {
		return err
	}
	if a.State != domain.StatePaid {
		return nil
	}
	before := *a
	if err := domain.Transition(a, exam, domain.ActionIssueTicket, "system", domain.RoleSystem, now, "考场编排 "+run.ID); err != nil {
		return err
	}
	return tx.writeApplication(&before, a)
}

// releaseSeatNo deletes a 准考证号 index entry if it still names appID (a
// resumed run may already have given the number to someone else).
func (tx *Tx) releaseSeatNo(examID, ticketNo, appID string) error {
	cur, err := tx.GetRaw(seatNoKey(examID, ticketNo))
	if errors.Is(err, ErrNotFound) || err == nil && string(cur) != appID {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.Delete(seatNoKey(examID, ticketNo))
}

// removeStaleSeats deletes the seats (and their number index) that an
// earlier run wrote and this one did not rewrite.
func (s *Store) removeStaleSeats(examID, runID string) error {
	var stale []domain.Seat
	if err := s.View(func(tx *Tx) error {
		return tx.Scan(seatPrefix(examID), ScanOptions{}, func(_ string, v []byte) error {
			var seat domain.Seat
			if err := jsonUnmarshal(v, &seat); err != nil {
				return err
			}
			if seat.RunID != runID {
				stale = append(stale, seat)
			}
			return nil
		})
	}); err != nil {
		return err
	}
	return updateInBatches(s, stale, 500, func(tx *Tx, seat domain.Seat) error {
		if err := tx.releaseSeatNo(examID, seat.TicketNo, seat.AppID); err != nil {
			return err
		}
		return tx.Delete(seatKey(examID, seat.AppID))
	})
}

// SeatRun returns the exam's last seat run (nil when none).
func (s *Store) SeatRun(examID string) (*domain.SeatRun, error) {
	var run domain.SeatRun
	err := s.View(func(tx *Tx) error { return tx.Get(seatRunKey(examID), &run) })
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
