package kv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Several nodes on one TiKV cluster each keep the in-memory views (the
// counts behind 报名人数统计, the review queue sizes, the footer settings,
// the status poll stamps) that commit hooks keep current on a single node.
// (The positions catalog follows its own stored version instead:
// positions_version.go.) A node sees only its own hooks, so every
// committed transaction that writes keys a view is built from also writes a
// short-lived key under prefixChange (unique per transaction: no
// contention) naming those views, and each node polls that range every
// refreshEvery and reloads the views named by keys it has not seen:
// another node's change shows within about a second.

// viewKinds is a set of in-memory views.
type viewKinds uint8

const (
	viewCounts viewKinds = 1 << iota
	viewQueue
	viewSite
	viewStamps
)

// viewKindOf names the view built from key (0: none).
func viewKindOf(key string) viewKinds {
	switch {
	case strings.HasPrefix(key, prefixCount):
		return viewCounts
	case strings.HasPrefix(key, prefixReviewQueue):
		return viewQueue
	case key == siteKey:
		return viewSite
	case strings.HasPrefix(key, prefixApp):
		return viewStamps
	}
	return 0
}

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

// noteWrite notes the view a written key belongs to.
func (tx *Tx) noteWrite(key string) {
	k := viewKindOf(key)
	tx.views |= k
	if k == viewStamps && !slices.Contains(tx.apps, key[len(prefixApp):]) {
		tx.apps = append(tx.apps, key[len(prefixApp):])
	}
}

// noteChange records, inside tx, which in-memory views its commit changes:
// one byte of viewKinds, then the ids of the applications written, one per
// line.
func (tx *Tx) noteChange() error {
	v := append([]byte{byte(tx.views)}, strings.Join(tx.apps, "\n")...)
	return tx.putRawTTL(tx.s.changeKey(time.Now()), v, changeKeep)
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
		var changed viewKinds
		var apps []string
		err := s.View(func(tx *Tx) error {
			return tx.Scan(prefixChange, ScanOptions{After: from}, func(k string, v []byte) error {
				if _, ok := seen[k]; !ok && len(v) > 0 {
					seen[k] = now
					changed |= viewKinds(v[0])
					if len(v) > 1 {
						apps = append(apps, strings.Split(string(v[1:]), "\n")...)
					}
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
		if changed != 0 {
			if err := s.reloadViews(changed, apps); err != nil {
				s.log.Warn("kv: reload in-memory views", "err", err)
			}
		}
	}
}

// reloadViews rebuilds the named in-memory views from the store (another
// node changed them). Each view is replaced under its own lock, with new
// versions, so pages that answer "unchanged" by version render again.
func (s *Store) reloadViews(kinds viewKinds, apps []string) error {
	fresh := &Store{eng: s.eng, blobs: s.blobs, log: s.log, node: s.node}
	if kinds&viewCounts != 0 {
		if err := fresh.loadCounts(); err != nil {
			return err
		}
		s.replaceCounts(fresh.counts)
	}
	if kinds&viewQueue != 0 {
		if err := fresh.loadReviewQueue(); err != nil {
			return err
		}
		s.replaceQueue(fresh.queue)
	}
	if kinds&viewSite != 0 {
		s.site.Store(nil) // read again on next use
	}
	// The status polls of those applications render once more.
	for _, id := range apps {
		var a struct {
			CandidateID string `json:"candidate_id"`
			ExamID      string `json:"exam_id"`
		}
		err := s.View(func(tx *Tx) error { return tx.Get(prefixApp+id, &a) })
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		s.stamps.touch(a.CandidateID, a.ExamID)
	}
	return nil
}

func (s *Store) replaceCounts(fresh *countCache) {
	n := s.counts
	n.mu.Lock()
	for exam := range n.byExam {
		fresh.version[exam] = n.version[exam] + 1
	}
	for exam := range fresh.byExam {
		fresh.version[exam] = n.version[exam] + 1
	}
	n.byExam, n.version = fresh.byExam, fresh.version
	clear(n.snap)
	n.mu.Unlock()
}

func (s *Store) replaceQueue(fresh *queueCache) {
	q := s.queue
	q.mu.Lock()
	for dk := range q.counts {
		fresh.version[dk] = max(fresh.version[dk], q.version[dk]+1)
	}
	for dk := range fresh.counts {
		fresh.version[dk] = max(fresh.version[dk], q.version[dk]+1)
	}
	q.counts, q.version, q.depts = fresh.counts, fresh.version, fresh.depts
	q.mu.Unlock()
}
