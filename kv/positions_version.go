package kv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"examreg/domain"
)

// The catalog version: every commit that writes or deletes a position of an
// exam renews v1/catver/<exam> with a random token. The in-memory catalog
// (and every cache built from it: the search index, rendered search
// fragments, ETags) is keyed by the version read from the store, not by
// "this process wrote it", so a node sees another node's change of the
// positions within catalogVersionTTL.

// catalogVersionTTL is how long a version read from the store is trusted
// before it is read again (a commit on this node forgets it at once).
const catalogVersionTTL = 200 * time.Millisecond

type catalogVersions struct {
	mu   sync.Mutex
	read map[string]versionRead
	ttl  time.Duration
}

type versionRead struct {
	v  string
	at time.Time
}

func (cv *catalogVersions) forget(examID string) {
	cv.mu.Lock()
	delete(cv.read, examID)
	cv.mu.Unlock()
}

// touchCatalog gives the exam's catalog a new version in the transaction
// that changes a position. A random token, not a counter: two concurrent
// imports do not conflict on it.
func (tx *Tx) touchCatalog(examID string) error {
	if err := tx.PutRaw(catalogVersionKey(examID), newVersionToken()); err != nil {
		return err
	}
	tx.afterCommit(func(s *Store) {
		c := s.positions
		c.versions.forget(examID)
		c.mu.Lock()
		delete(c.loaded, examID) // reload from the store: another node may have written too
		c.mu.Unlock()
	})
	return nil
}

func catalogVersionKey(examID string) string { return prefixCatVer + examID }

// CatalogVersion returns the stored version of an exam's positions ("" for
// an exam whose positions were never written through PutPosition). It is
// read from the store at most every catalogVersionTTL; caches of anything
// derived from the positions key on it.
func (s *Store) CatalogVersion(examID string) (string, error) {
	return s.storedVersion(&s.positions.versions, examID, catalogVersionKey(examID))
}

// storedVersion reads the version at key, trusting a read of it for cv.ttl
// (kept in cv under id): "" when none was ever written.
func (s *Store) storedVersion(cv *catalogVersions, id, key string) (string, error) {
	now := time.Now()
	cv.mu.Lock()
	r, ok := cv.read[id]
	cv.mu.Unlock()
	if ok && now.Sub(r.at) < cv.ttl {
		return r.v, nil
	}
	var v string
	err := s.View(func(tx *Tx) error {
		b, err := tx.GetRaw(key)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		v = string(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	cv.mu.Lock()
	cv.read[id] = versionRead{v: v, at: now}
	cv.mu.Unlock()
	return v, nil
}

// newVersionToken is a fresh random version: a token, not a counter, so two
// concurrent writers do not conflict on it.
func newVersionToken() []byte {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// freshCatalog returns the exam's snapshot after making sure the catalog
// holds the stored version of its positions, reloading them from the store
// when another node (or a commit of this one) changed them. A store error
// keeps what is in memory: search stays up, possibly a moment stale.
func (s *Store) freshCatalog(examID string) *positionSnapshot {
	c := s.positions
	v, err := s.CatalogVersion(examID)
	if err == nil && !c.holds(examID, v) {
		c.reloadMu.Lock()
		if !c.holds(examID, v) {
			if err := s.reloadPositions(examID, v); err != nil {
				c.reloadMu.Unlock()
				return c.snapshot(examID)
			}
		}
		c.reloadMu.Unlock()
	}
	return c.snapshot(examID)
}

func (c *catalog) holds(examID, v string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	have, ok := c.loaded[examID]
	return ok && have == v
}

// reloadPositions replaces the exam's positions with the store's, read
// after version v (so they are at least that new).
func (s *Store) reloadPositions(examID, v string) error {
	m := map[string]domain.Position{}
	err := s.View(func(tx *Tx) error {
		return tx.Scan(prefixPos+examID+"/", ScanOptions{}, func(_ string, b []byte) error {
			var p domain.Position
			if err := jsonUnmarshal(b, &p); err != nil {
				return err
			}
			if p.ExamID == examID {
				m[p.Code] = p
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	c := s.positions
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byExam[examID] = m
	c.loaded[examID] = v
	delete(c.sorted, examID)
	return nil
}
