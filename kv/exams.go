package kv

import (
	"errors"
	"sort"

	"examreg/domain"
)

// PutExam creates or replaces an exam.
func (tx *Tx) PutExam(e *domain.Exam) error { return tx.Put(examKey(e.ID), e) }

// Exam loads an exam. Returns ENOTFOUND.
func (tx *Tx) Exam(id string) (*domain.Exam, error) {
	var e domain.Exam
	if err := tx.Get(examKey(id), &e); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "考试不存在。")
		}
		return nil, err
	}
	return &e, nil
}

// Exam loads an exam in its own transaction.
func (s *Store) Exam(id string) (e *domain.Exam, err error) {
	err = s.View(func(tx *Tx) error { e, err = tx.Exam(id); return err })
	return e, err
}

// Exams lists every exam, newest first (there are a handful a year).
func (s *Store) Exams() (list []*domain.Exam, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixExam, ScanOptions{}, func(_ string, v []byte) error {
			var e domain.Exam
			if err := jsonUnmarshal(v, &e); err != nil {
				return err
			}
			list = append(list, &e)
			return nil
		})
	})
	sort.SliceStable(list, func(i, j int) bool { return list[i].CreatedAt.After(list[j].CreatedAt) })
	return list, err
}
