package kv

import (
	"errors"
	"sort"

	"examreg/domain"
)

// PutExam creates or replaces an exam (and renews the exams' version, so
// every node's exam cache reloads).
func (tx *Tx) PutExam(e *domain.Exam) error {
	if err := tx.Put(examKey(e.ID), e); err != nil {
		return err
	}
	return tx.touchExams()
}

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

// Exam loads an exam (from the exam cache, which follows the store's
// version: exams_cache.go). The caller's copy is its own.
func (s *Store) Exam(id string) (e *domain.Exam, err error) {
	if list, err := s.cachedExams(); err == nil {
		for _, e := range list {
			if e.ID == id {
				return e.Clone(), nil
			}
		}
	}
	// Not cached (created on another node a moment ago, or unknown): ask the store.
	err = s.View(func(tx *Tx) error { e, err = tx.Exam(id); return err })
	return e, err
}

// Exams lists every exam, newest first (there are a handful a year).
func (s *Store) Exams() ([]*domain.Exam, error) {
	return s.examsWhere(func(*domain.Exam) bool { return true })
}

// PublishedExams lists the exams candidates may see, newest first.
func (s *Store) PublishedExams() ([]*domain.Exam, error) {
	return s.examsWhere(func(e *domain.Exam) bool { return e.Published })
}

// examsWhere copies the cached exams keep accepts, newest first.
func (s *Store) examsWhere(keep func(*domain.Exam) bool) ([]*domain.Exam, error) {
	list, err := s.cachedExams()
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Exam, 0, len(list))
	for _, e := range list {
		if keep(e) {
			out = append(out, e.Clone())
		}
	}
	return out, nil
}

// readExams reads every exam, newest first, in tx.
func (tx *Tx) readExams() (list []*domain.Exam, err error) {
	err = tx.Scan(prefixExam, ScanOptions{}, func(_ string, v []byte) error {
		var e domain.Exam
		if err := jsonUnmarshal(v, &e); err != nil {
			return err
		}
		list = append(list, &e)
		return nil
	})
	sort.SliceStable(list, func(i, j int) bool { return list[i].CreatedAt.After(list[j].CreatedAt) })
	return list, err
}

// SaveExam creates (old == nil) or updates an exam with its audit entry in
// one transaction. The exam code is unique (ECONFLICT on field "code"); a
// level that positions still use cannot be removed (ECONFLICT on "levels").
func (s *Store) SaveExam(e *domain.Exam, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		old, err := tx.Exam(e.ID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if old != nil && old.Code != e.Code {
			if err := tx.ReleaseUnique(UniqueExamCode, old.Code, e.ID); err != nil {
				return err
			}
		}
		if err := tx.ClaimUnique(UniqueExamCode, e.Code, e.ID, "考试代码 "+e.Code+" 已被其他考试使用。"); err != nil {
			return domain.FieldError("code", domain.ErrorMessage(err))
		}
		if old != nil {
			// The score rules and the current score set are the 成绩管理
			// page's (score.go): never overwritten by an exam form loaded earlier.
			e.Scores = old.Scores
			if err := domain.CheckLevelsRemoved(old, e, s.PositionList(e.ID)); err != nil {
				return err
			}
		}
		audit.Target = e.ID
		audit.Detail = withChanges(audit.Detail, AuditChanges(old, e, "created_at", "updated_at"))
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.PutExam(e)
	})
}

// SeedExam writes an exam and its positions in one transaction without an
// audit entry: fixed data set up outside any person's action (fixtures of
// tests, a seed). Staff edits go through SaveExam and ImportPositions.
func (s *Store) SeedExam(e *domain.Exam, positions []domain.Position) error {
	return s.Update(func(tx *Tx) error {
		if err := tx.PutExam(e); err != nil {
			return err
		}
		for i := range positions {
			p := positions[i]
			p.ExamID = e.ID
			if err := tx.PutPosition(&p); err != nil {
				return err
			}
		}
		return nil
	})
}
