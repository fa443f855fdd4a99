package kv

import (
	"hash/fnv"
	"sort"
	"strings"
	"sync"
	"time"

	"examreg/domain"
)

// countShards spreads a position's counters over several keys: every state
// change of an application to a popular position (real exams see ~10,000
// applicants for one) would otherwise fight over one key.
const countShards = 16

// countCache holds the summed counters of every position in memory, loaded
// at Open and adjusted after each commit, so the public counts page is a map
// read, not a scan.
type countCache struct {
	mu     sync.RWMutex
	byExam map[string]map[string]domain.PositionCounts
	// version counts the changes per exam, so a polling page can be told
	// "nothing changed" without rendering anything.
	version map[string]uint64
	// snap is, per exam, a read-only copy of byExam at a version, shared by
	// readers until the counts change (search and the counts page read it
	// without copying 10,000 entries per request).
	snap map[string]countSnapshot
	// refresh is how old a snapshot must be before a change replaces it
	// (SetCountsRefresh); 0 replaces it on the first read after any change.
	refresh time.Duration
}

type countSnapshot struct {
	version      uint64
	built        time.Time
	m            map[string]domain.PositionCounts
	totals       domain.PositionCounts // summed over m
	withApproved int                   // entries of m with Approved > 0
}

func (c *countCache) add(examID, code string, d domain.PositionCounts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.byExam[examID]
	if m == nil {
		m = map[string]domain.PositionCounts{}
		c.byExam[examID] = m
	}
	cur := m[code]
	m[code] = addCounts(cur, d, 1)
	c.version[examID]++
}

func addCounts(a, b domain.PositionCounts, sign int) domain.PositionCounts {
	return domain.PositionCounts{
		Submitted: a.Submitted + sign*b.Submitted,
		Approved:  a.Approved + sign*b.Approved,
		Paid:      a.Paid + sign*b.Paid,
	}
}

func (s *Store) loadCounts() error {
	s.counts = &countCache{byExam: map[string]map[string]domain.PositionCounts{}, version: map[string]uint64{}, snap: map[string]countSnapshot{}}
	return s.View(func(tx *Tx) error {
		return tx.Scan(prefixCount, ScanOptions{}, func(key string, v []byte) error {
			examID, code := parseCountKey(key)
			var c domain.PositionCounts
			if err := jsonUnmarshal(v, &c); err != nil {
				return err
			}
			s.counts.add(examID, code, c)
			return nil
		})
	})
}

// parseCountKey splits v1/cnt/<exam>/<code>/<shard>.
func parseCountKey(key string) (examID, code string) {
	rest := strings.TrimPrefix(key, prefixCount)
	first := strings.IndexByte(rest, '/')
	last := strings.LastIndexByte(rest, '/')
	return rest[:first], rest[first+1 : last]
}

func shardOf(appID string) int {
	h := fnv.New32a()
	h.Write([]byte(appID))
	return int(h.Sum32() % countShards)
}

// adjustCounts moves one application's contribution from (oldCode, oldState)
// to (newCode, newState) inside the transaction that changes its state.
func (tx *Tx) adjustCounts(examID, appID, oldCode string, oldState domain.State, newCode string, newState domain.State) error {
	before, after := domain.CountsOf(oldState), domain.CountsOf(newState)
	if oldCode == newCode && before == after {
		return nil
	}
	if oldCode != "" && before != (domain.PositionCounts{}) {
		if err := tx.addCountShard(examID, oldCode, shardOf(appID), before, -1); err != nil {
			return err
		}
	}
	if newCode != "" && after != (domain.PositionCounts{}) {
		if err := tx.addCountShard(examID, newCode, shardOf(appID), after, 1); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) addCountShard(examID, code string, shard int, d domain.PositionCounts, sign int) error {
	key := countKey(examID, code, shard)
	var cur domain.PositionCounts
	if err := tx.Get(key, &cur); err != nil && err != ErrNotFound {
		return err
	}
	if err := tx.Put(key, addCounts(cur, d, sign)); err != nil {
		return err
	}
	delta := addCounts(domain.PositionCounts{}, d, sign)
	tx.afterCommit(func(s *Store) { s.counts.add(examID, code, delta) })
	return nil
}

// CountsView returns the counts of an exam's positions as a map shared with
// other readers: callers must not modify it. It is copied once per change
// of the counts rather than once per request.
func (s *Store) CountsView(examID string) map[string]domain.PositionCounts {
	return s.countSnapshot(examID).m
}

// CountsSummary returns CountsView's map with its totals over all positions
// and the number of positions with at least one 审核通过, summed once per
// change of the counts (the counts page shows them on every request).
func (s *Store) CountsSummary(examID string) (m map[string]domain.PositionCounts, totals domain.PositionCounts, withApproved int) {
	snap := s.countSnapshot(examID)
	return snap.m, snap.totals, snap.withApproved
}

func (s *Store) countSnapshot(examID string) countSnapshot {
	c := s.counts
	c.mu.RLock()
	v, snap, refresh := c.version[examID], c.snap[examID], c.refresh
	c.mu.RUnlock()
	now := time.Now()
	if snap.m != nil && (snap.version == v || now.Sub(snap.built) < refresh) {
		return snap
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v = c.version[examID]
	if snap := c.snap[examID]; snap.m != nil && (snap.version == v || now.Sub(snap.built) < c.refresh) {
		return snap
	}
	snap = countSnapshot{version: v, built: now, m: make(map[string]domain.PositionCounts, len(c.byExam[examID]))}
	for k, x := range c.byExam[examID] {
		snap.m[k] = x
		snap.totals = addCounts(snap.totals, x, 1)
		if x.Approved > 0 {
			snap.withApproved++
		}
	}
	c.snap[examID] = snap
	return snap
}

// CountsVersion is the version of the counts CountsView and CountsSummary
// return now: it changes when they change (it starts at 0 when the store
// opens), so a poll or a cached rendering keyed by it is current.
func (s *Store) CountsVersion(examID string) uint64 {
	return s.countSnapshot(examID).version
}

// SetCountsRefresh lets the counts that CountsView, CountsSummary and
// CountsVersion return lag the commits by up to d: on the last day
// applications change state ~1,000 times a second, and copying 10,000
// counters (and re-rendering every cached counts and search fragment) after
// each change would cost more than the pages it serves. 0 (the default)
// shows every change at the next read. PositionCounts is never delayed.
func (s *Store) SetCountsRefresh(d time.Duration) {
	s.counts.mu.Lock()
	s.counts.refresh = d
	s.counts.mu.Unlock()
}

// CountTotals sums the counts of an exam's positions (summed once per
// version of the counts).
func (s *Store) CountTotals(examID string) domain.PositionCounts {
	return s.countSnapshot(examID).totals
}

// PositionCounts returns one position's counts.
func (s *Store) PositionCounts(examID, code string) domain.PositionCounts {
	s.counts.mu.RLock()
	defer s.counts.mu.RUnlock()
	return s.counts.byExam[examID][code]
}

// CountDrift is one position whose stored counts differed from the
// applications when they were rebuilt.
type CountDrift struct {
	Code   string
	Stored domain.PositionCounts
	Actual domain.PositionCounts
}

// RebuildCounts recomputes an exam's counters from its applications,
// rewrites them and reports every position whose counts had drifted.
// It runs in one read transaction for the scan and batched writes after.
func (s *Store) RebuildCounts(examID string) ([]CountDrift, error) {
	actual := map[string]domain.PositionCounts{}
	stored := map[string]domain.PositionCounts{}
	var shardKeys []string
	err := s.View(func(tx *Tx) error {
		if err := tx.Scan(prefixApp, ScanOptions{}, func(_ string, v []byte) error {
			var a domain.Application
			if err := jsonUnmarshal(v, &a); err != nil {
				return err
			}
			if a.ExamID == examID && a.PositionCode != "" {
				actual[a.PositionCode] = addCounts(actual[a.PositionCode], domain.CountsOf(a.State), 1)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Scan(countPrefix(examID), ScanOptions{}, func(key string, v []byte) error {
			_, code := parseCountKey(key)
			var c domain.PositionCounts
			if err := jsonUnmarshal(v, &c); err != nil {
				return err
			}
			stored[code] = addCounts(stored[code], c, 1)
			shardKeys = append(shardKeys, key)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	var drift []CountDrift
	for code := range union(actual, stored) {
		if actual[code] != stored[code] {
			drift = append(drift, CountDrift{Code: code, Stored: stored[code], Actual: actual[code]})
		}
	}
	sort.Slice(drift, func(i, j int) bool { return drift[i].Code < drift[j].Code })
	// Rewrite: drop every shard, then store the true totals in shard 0.
	const batch = 2000
	for start := 0; start < len(shardKeys); start += batch {
		end := min(start+batch, len(shardKeys))
		if err := s.Update(func(tx *Tx) error {
			for _, k := range shardKeys[start:end] {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	codes := make([]string, 0, len(actual))
	for code := range actual {
		codes = append(codes, code)
	}
	for start := 0; start < len(codes); start += batch {
		end := min(start+batch, len(codes))
		if err := s.Update(func(tx *Tx) error {
			for _, code := range codes[start:end] {
				if err := tx.Put(countKey(examID, code, 0), actual[code]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	s.counts.mu.Lock()
	s.counts.byExam[examID] = actual
	s.counts.version[examID]++
	s.counts.mu.Unlock()
	return drift, nil
}

func union(a, b map[string]domain.PositionCounts) map[string]struct{} {
	out := map[string]struct{}{}
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}
