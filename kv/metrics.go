package kv

import (
	"encoding/json"
	"sync"
	"time"
)

// Sizes reports the bytes of the LSM tree and of the value log on disk
// (Badger recomputes them about once a minute), for /metrics; 0 on TiKV.
func (s *Store) Sizes() (lsm, vlog int64) {
	if s.db == nil {
		return 0, 0
	}
	return s.db.Size()
}

// appStateCacheFor bounds how often ApplicationsPerState scans: a scrape
// every few seconds must not decode every application each time.
const appStateCacheFor = 30 * time.Second

type appStateCache struct {
	mu     sync.Mutex
	at     time.Time
	counts map[string]int
}

// ApplicationsPerState counts applications by state (all exams), for
// /metrics. The counts are at most 30 seconds old.
func (s *Store) ApplicationsPerState() (map[string]int, error) {
	c := &s.stateCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts != nil && time.Since(c.at) < appStateCacheFor {
		return c.counts, nil
	}
	counts := map[string]int{}
	err := s.View(func(tx *Tx) error {
		return tx.Scan(prefixApp, ScanOptions{}, func(_ string, v []byte) error {
			var a struct {
				State string `json:"state"`
			}
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			counts[a.State]++
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	c.counts, c.at = counts, time.Now()
	return counts, nil
}
