package kv

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Several nodes on one TiKV cluster each keep the in-memory views (the
// positions catalog, the counts behind 报名人数统计, the review queue sizes,
// the footer settings, the status poll stamps) that commit hooks keep
// current on a single node. A node sees only its own hooks, so every
// committed transaction that changes a view also writes a short-lived key
// under prefixChange (unique per transaction: no contention), and each node
// polls that range every refreshEvery and reloads its views from the store
// when it finds a key it has not seen: another node's change shows within
// about a second.

const prefixChange = "v1/meta/chg/"

const (
	refreshEvery = 500 * time.Millisecond
	// changeKeep is how long change keys live; the poller looks back
	// changeWindow, which covers commits that reach TiKV late and clocks
	// a few seconds apart.
	changeKeep   = 2 * time.Minute
	changeWindow = 30 * time.Second
)

var changeSeq atomic.Uint64

// changeKey names one committing transaction: time, node, sequence.
func (s *Store) changeKey(now time.Time) string {
	return fmt.Sprintf("%s%016x/%s/%d", prefixChange, now.UnixNano(), s.node, changeSeq.Add(1))
}

// noteChange records, inside tx, that its commit changes an in-memory view.
func (tx *Tx) noteChange() error {
	return tx.putRawTTL(tx.s.changeKey(time.Now()), nil, changeKeep)
}

// sharedEngine reports whether other nodes may write the same store.
func (s *Store) sharedEngine() bool {
	_, ok := s.eng.(*tikvEngine)
	return ok
}

// runRefresher polls the change keys and reloads the views when another
// transaction changed them, until ctx ends (shared engines only).
func (s *Store) runRefresher(ctx context.Context) {
	if !s.sharedEngine() {
		return
	}
	seen := map[string]time.Time{}
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		from := fmt.Sprintf("%s%016x", prefixChange, now.Add(-changeWindow).UnixNano())
		changed := false
		err := s.View(func(tx *Tx) error {
			return tx.Scan(prefixChange, ScanOptions{KeysOnly: true, After: from}, func(k string, _ []byte) error {
				if _, ok := seen[k]; !ok {
					seen[k] = now
					changed = true
				}
				return nil
			})
		})
		if err != nil {
			s.log.Warn("kv: poll changes", "err", err)
			continue
		}
		for k, at := range seen {
			if now.Sub(at) > 2*changeWindow {
				delete(seen, k)
			}
		}
		if changed {
			if err := s.ReloadViews(); err != nil {
				s.log.Warn("kv: reload in-memory views", "err", err)
			}
		}
	}
}

// ReloadViews rebuilds the in-memory views from the store (another node
// changed it). Each view is replaced under its own lock, with new versions,
// so pages that answer "unchanged" by version render again.
func (s *Store) ReloadViews() error {
	fresh := &Store{eng: s.eng, blobs: s.blobs, log: s.log, node: s.node}
	if err := fresh.loadCatalog(); err != nil {
		return err
	}
	if err := fresh.loadCounts(); err != nil {
		return err
	}
	if err := fresh.loadReviewQueue(); err != nil {
		return err
	}

	c := s.positions
	c.mu.Lock()
	c.byExam = fresh.positions.byExam
	clear(c.sorted)
	c.mu.Unlock()

	n := s.counts
	n.mu.Lock()
	for exam := range n.byExam {
		fresh.counts.version[exam] = n.version[exam] + 1
	}
	for exam := range fresh.counts.byExam {
		fresh.counts.version[exam] = n.version[exam] + 1
	}
	n.byExam, n.version = fresh.counts.byExam, fresh.counts.version
	clear(n.snap)
	n.mu.Unlock()

	q := s.queue
	q.mu.Lock()
	for dk := range q.counts {
		fresh.queue.version[dk] = max(fresh.queue.version[dk], q.version[dk]+1)
	}
	for dk := range fresh.queue.counts {
		fresh.queue.version[dk] = max(fresh.queue.version[dk], q.version[dk]+1)
	}
	q.counts, q.version, q.depts = fresh.queue.counts, fresh.queue.version, fresh.queue.depts
	q.mu.Unlock()

	s.site.Store(nil) // read again on next use
	s.stamps.m.Clear()
	return nil
}
