package kv

import (
	"errors"
	"time"

	"examreg/domain"
)

// Reads and counters that let the web layer refuse an upload before it
// reads the body: the same domain rules the upload actions enforce.

// CheckRecommendationUpload reports whether the candidate's application to
// examID may take a 推荐表 upload at now (domain.CheckRecommendationUpload).
// Returns ENOTFOUND without an application or a published exam.
func (s *Store) CheckRecommendationUpload(candidateID, examID string, now time.Time) error {
	return s.View(func(tx *Tx) error {
		id, err := tx.LookupUnique(UniqueCandidateExam, candidateID+"/"+examID)
		if errors.Is(err, ErrNotFound) {
			return domain.Errorf(domain.ENOTFOUND, "您尚未报名该考试。")
		}
		if err != nil {
			return err
		}
		a, err := tx.Application(id)
		if err != nil {
			return err
		}
		exam, err := tx.Exam(examID)
		if err != nil {
			return err
		}
		if !exam.Published {
			return domain.Errorf(domain.ENOTFOUND, "考试不存在。")
		}
		return domain.CheckRecommendationUpload(a, exam, candidateID, now)
	})
}

// CheckPhotoUpload reports whether the account may upload a photo now: not
// while an application has it frozen (domain.CheckPhotoChange, the rule
// PutPendingPhoto enforces).
func (s *Store) CheckPhotoUpload(accountID string) error {
	return s.View(func(tx *Tx) error {
		apps, err := tx.applicationsOfCandidate(accountID)
		if err != nil {
			return err
		}
		return domain.CheckPhotoChange(apps)
	})
}

// TakeUpload counts one upload of kind by the account against q
// (domain.TakeUpload); the recent upload times are kept in the store, so
// the limit holds across requests and restarts. On ERATELIMIT nothing is
// written and retryAt says when the next upload may start.
func (s *Store) TakeUpload(accountID string, kind domain.UploadKind, q domain.UploadQuota, now time.Time) (retryAt time.Time, err error) {
	err = s.Update(func(tx *Tx) error {
		key := uploadQuotaKey(accountID, string(kind))
		var recent []time.Time
		if err := tx.Get(key, &recent); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		keep, at, err := domain.TakeUpload(recent, kind, q, now)
		retryAt = at
		if err != nil {
			return err
		}
		return tx.Put(key, keep)
	})
	return retryAt, err
}
