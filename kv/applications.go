package kv

import (
	"errors"
	"slices"

	"examreg/domain"
)

// CreateApplication stores a new application; one per candidate per exam,
// enforced by a unique index in the same transaction (ECONFLICT otherwise).
func (s *Store) CreateApplication(a *domain.Application) error {
	return s.Update(func(tx *Tx) error { return tx.createApplication(a) })
}

func (tx *Tx) createApplication(a *domain.Application) error {
	if err := tx.ClaimUnique(UniqueCandidateExam, a.CandidateID+"/"+a.ExamID, a.ID, "您已报名该考试，每位考生每场考试只能报名一次。"); err != nil {
		return err
	}
	if err := tx.PutRaw(appByCandKey(a.CandidateID, a.ID), nil); err != nil {
		return err
	}
	return tx.writeApplication(nil, a)
}

// writeApplication stores a and keeps its indexes and the public counts in
// step with the change from old (nil for a new application).
func (tx *Tx) writeApplication(old, a *domain.Application) error {
	oldCode, oldState := "", domain.State("")
	if old != nil {
		oldCode, oldState = old.PositionCode, old.State
	}
	if oldCode != a.PositionCode && oldCode != "" {
		if err := tx.Delete(appByPosKey(a.ExamID, oldCode, a.ID)); err != nil {
			return err
		}
	}
	if a.PositionCode != "" && (oldCode != a.PositionCode || oldState != a.State) {
		if err := tx.PutRaw(appByPosKey(a.ExamID, a.PositionCode, a.ID), []byte(a.State)); err != nil {
			return err
		}
	}
	if err := tx.adjustCounts(a.ExamID, a.ID, oldCode, oldState, a.PositionCode, a.State); err != nil {
		return err
	}
	if err := tx.indexReview(old, a); err != nil { // review_queue.go
		return err
	}
	tx.afterCommit(func(s *Store) { s.stamps.touch(a.CandidateID, a.ExamID) })
	return tx.Put(appKey(a.ID), a)
}

// priorOf keeps what writeApplication reads of the application before a
// change (position, state, the review queue's bucket and since: State,
// CorrectionDeadline, History, UpdatedAt) without decoding it a second
// time: a shallow copy, with History copied because a decision appends to
// it. Other slices and maps are shared, so old must not be used for more.
func priorOf(a *domain.Application) *domain.Application {
	old := *a
	old.History = slices.Clone(a.History)
	return &old
}

// Application loads an application. Returns ENOTFOUND.
func (tx *Tx) Application(id string) (*domain.Application, error) {
	var a domain.Application
	if err := tx.Get(appKey(id), &a); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "报名记录不存在。")
		}
		return nil, err
	}
	return &a, nil
}

// Application loads an application in its own transaction.
func (s *Store) Application(id string) (a *domain.Application, err error) {
	err = s.View(func(tx *Tx) error { a, err = tx.Application(id); return err })
	return a, err
}

// ApplicationOf returns the candidate's application to an exam. Returns ENOTFOUND.
func (s *Store) ApplicationOf(candidateID, examID string) (a *domain.Application, err error) {
	err = s.View(func(tx *Tx) error {
		id, err := tx.LookupUnique(UniqueCandidateExam, candidateID+"/"+examID)
		if errors.Is(err, ErrNotFound) {
			return domain.Errorf(domain.ENOTFOUND, "您尚未报名该考试。")
		}
		if err != nil {
			return err
		}
		a, err = tx.Application(id)
		return err
	})
	return a, err
}

// ApplicationsOfCandidate lists a candidate's applications, oldest first.
func (s *Store) ApplicationsOfCandidate(candidateID string) (list []*domain.Application, err error) {
	err = s.View(func(tx *Tx) error { list, err = tx.applicationsOfCandidate(candidateID); return err })
	return list, err
}

// UpdateApplication loads the application, lets fn change it, and writes it
// back with its indexes and counts, all in one transaction. fn returning an
// error writes nothing. fn may run again after a conflict, so it must only
// change the application (and read through tx).
func (s *Store) UpdateApplication(id string, fn func(tx *Tx, a *domain.Application) error) (out *domain.Application, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Application(id)
		if err != nil {
			return err
		}
		old := priorOf(a)
		if err := fn(tx, a); err != nil {
			return err
		}
		out = a
		return tx.writeApplication(old, a)
	})
	return out, err
}

// ApplicationCountOfPosition counts the applications that chose a position.
func (tx *Tx) ApplicationCountOfPosition(examID, code string) (n int, err error) {
	err = tx.Scan(appByPosPrefix(examID, code), ScanOptions{KeysOnly: true}, func(string, []byte) error {
		n++
		return nil
	})
	return n, err
}

// ApplicationsOfPosition lists the applications to a position, optionally
// only those in the given states (reviewers' lists).
func (s *Store) ApplicationsOfPosition(examID, code string, states ...domain.State) (list []*domain.Application, err error) {
	want := map[domain.State]bool{}
	for _, st := range states {
		want[st] = true
	}
	err = s.View(func(tx *Tx) error {
		prefix := appByPosPrefix(examID, code)
		return tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
			if len(want) > 0 && !want[domain.State(v)] {
				return nil
			}
			a, err := tx.Application(key[len(prefix):])
			if err != nil {
				return err
			}
			list = append(list, a)
			return nil
		})
	})
	return list, err
}
