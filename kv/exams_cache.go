package kv

import (
	"errors"
	"sync"

	"examreg/domain"
)

// The exam cache: every public page names the published exams (the home
// page, the exam switcher of 职位查询 and 报名人数统计) and most requests load
// their exam, so decoding the exams from the store on each request was a
// tenth of the counts page's CPU. Every commit that writes an exam renews
// examsVersionKey with a random token; the cache holds the exams read in
// the same transaction as a version and reloads when the version read from
// the store (at most every catalogVersionTTL) differs. A commit on this
// node forgets its read version at once, so it sees its own change at the
// next request; another node within catalogVersionTTL.

type examCache struct {
	versions catalogVersions // the one entry "" holds the last read of examsVersionKey
	mu       sync.RWMutex
	loaded   bool
	version  string
	list     []*domain.Exam // newest first; never changed (handed out as clones)
}

func newExamCache() *examCache {
	return &examCache{versions: catalogVersions{read: map[string]versionRead{}, ttl: catalogVersionTTL}}
}

// touchExams gives the exams a new version in the transaction that writes one.
func (tx *Tx) touchExams() error {
	if err := tx.PutRaw(examsVersionKey, newVersionToken()); err != nil {
		return err
	}
	tx.afterCommit(func(s *Store) { s.exams.versions.forget("") })
	return nil
}

// cachedExams returns every exam, newest first, as of the stored exams
// version. The list and its exams are shared: read only.
func (s *Store) cachedExams() ([]*domain.Exam, error) {
	c := s.exams
	v, err := s.storedVersion(&c.versions, "", examsVersionKey)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	if c.loaded && c.version == v {
		list := c.list
		c.mu.RUnlock()
		return list, nil
	}
	c.mu.RUnlock()
	var list []*domain.Exam
	err = s.View(func(tx *Tx) error {
		b, err := tx.GetRaw(examsVersionKey)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		v = string(b) // the version of what this transaction reads
		list, err = tx.readExams()
		return err
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.loaded, c.version, c.list = true, v, list
	c.mu.Unlock()
	return list, nil
}
