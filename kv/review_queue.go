package kv

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"examreg/domain"
)

// The review queue index (see keys.go):
//
//	v1/idx/rq/<examID>/<department>/<bucket>/<since: 16 hex µs>/<appID>  queueValue (JSON)
//	v1/meta/rq_built                                                    marker: every application indexed
//
// One entry per submitted (or later) application, under the 遴选机关 of its
// position and its review bucket (domain.ReviewBucket), ordered by when it
// entered the bucket, so a department's 待审核 list, oldest first, is one
// prefix scan that starts at a cursor. The value carries what the list
// shows, so a page of the queue reads no application records. It is written
// by writeApplication, in the transaction that changes the application.
const (
	prefixReviewQueue = "v1/idx/rq/"
	reviewIndexBuilt  = "v1/meta/rq_built"
)

// escapeKeyPart keeps a free-text key part (a department name) from
// containing the key separator.
func escapeKeyPart(s string) string {
	if !strings.ContainsAny(s, "/%") {
		return s
	}
	return keyPartEscaper.Replace(s)
}

func unescapeKeyPart(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	return keyPartUnescaper.Replace(s)
}

var keyPartUnescaper = strings.NewReplacer("%2F", "/", "%25", "%")

func reviewQueuePrefix(examID, dept string, bucket domain.State) string {
	return prefixReviewQueue + examID + "/" + escapeKeyPart(dept) + "/" + string(bucket) + "/"
}

// queueCursor is the part of a queue key after its bucket: since and id.
// It is the same in every department, so lists of several departments
// merge and page with one cursor.
func queueCursor(since time.Time, appID string) string {
	return fmt.Sprintf("%016x/%s", since.UnixMicro(), appID)
}

// queueValue is what a queue entry shows without loading the application.
type queueValue struct {
	Position string `json:"p"`
	Name     string `json:"n"`
	IDNumber string `json:"i"`
	Overdue  int64  `json:"d,omitempty"` // 补正截止 (Unix seconds) of a returned application
}

// QueueEntry is one application in a review queue.
type QueueEntry struct {
	AppID      string
	Department string
	Bucket     domain.State
	Since      time.Time // when it entered the bucket (submitted, decided)
	Position   string
	Name       string
	IDNumber   string    // full: callers mask it for reviewers
	Deadline   time.Time // 补正截止 of a returned application
	Cursor     string
}

// reviewEntry is an application's queue key and value ("" when unlisted).
type reviewEntry struct {
	key, dept, code string
	bucket          domain.State
	val             queueValue
}

func (tx *Tx) reviewEntryOf(a *domain.Application) (reviewEntry, error) {
	return tx.reviewEntryLike(a, reviewEntry{})
}

// reviewEntryLike is reviewEntryOf reusing the department of known, an
// entry of the same application just computed, when the position is the
// same (a state change reads and decodes the position once, not twice).
func (tx *Tx) reviewEntryLike(a *domain.Application, known reviewEntry) (reviewEntry, error) {
	b := domain.ReviewBucket(a)
	if b == "" || a.PositionCode == "" {
		return reviewEntry{}, nil
	}
	dept := known.dept
	if dept == "" || known.code != a.PositionCode {
		p, err := tx.Position(a.ExamID, a.PositionCode)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return reviewEntry{}, nil // a position deleted under it: nobody can review it
			}
			return reviewEntry{}, err
		}
		dept = p.Department
	}
	e := reviewEntry{dept: dept, code: a.PositionCode, bucket: b}
	e.key = reviewQueuePrefix(a.ExamID, dept, b) + queueCursor(domain.BucketSince(a), a.ID)
	if b == domain.StateReturned && !a.CorrectionDeadline.IsZero() {
		e.val.Overdue = a.CorrectionDeadline.Unix()
	}
	return e, nil
}

// sameReviewEntry reports whether old and a have the same queue key and
// value by what reviewEntryOf reads from them: exam, position, bucket,
// time in the bucket and 补正截止. (The 考场编排 writes 100,000 of these.)
func sameReviewEntry(old, a *domain.Application) bool {
	return old != nil && old.ExamID == a.ExamID && old.PositionCode == a.PositionCode &&
		domain.ReviewBucket(old) == domain.ReviewBucket(a) && domain.BucketSince(old).Equal(domain.BucketSince(a)) &&
		old.CorrectionDeadline.Equal(a.CorrectionDeadline)
}

// indexReview moves the application's queue entry from where old had it to
// where a needs it, inside the transaction that writes a, and adjusts the
// in-memory queue counts once it commits.
func (tx *Tx) indexReview(old, a *domain.Application) error {
	if sameReviewEntry(old, a) {
		return nil // e.g. paid → ticket_issued: same queue, same place; no position read
	}
	var before reviewEntry
	if old != nil {
		var err error
		if before, err = tx.reviewEntryOf(old); err != nil {
			return err
		}
	}
	after, err := tx.reviewEntryLike(a, before)
	if err != nil {
		return err
	}
	if before.key == after.key && before.val.Overdue == after.val.Overdue {
		return nil
	}
	if before.key != "" {
		if err := tx.Delete(before.key); err != nil {
			return err
		}
	}
	if after.key != "" {
		if err := tx.putReviewEntry(a, after); err != nil {
			return err
		}
	}
	examID := a.ExamID
	tx.afterCommit(func(s *Store) {
		s.queue.move(examID, before, after)
	})
	return nil
}

// putReviewEntry writes a queue entry with the candidate's name and ID
// number (blank when the account is gone: the entry still lists it).
func (tx *Tx) putReviewEntry(a *domain.Application, e reviewEntry) error {
	e.val.Position = a.PositionCode
	acct, err := tx.Account(a.CandidateID)
	switch domain.ErrorCode(err) {
	case "":
		e.val.Name, e.val.IDNumber = acct.Name, acct.LoginName
	case domain.ENOTFOUND:
	default:
		return err
	}
	return tx.Put(e.key, e.val)
}

// queueCache holds the queue sizes per exam, department, position and
// bucket, loaded from the index at Open and adjusted after each commit, so
// the dashboard's counts are map reads and an unchanged poll is answered
// from a version number.
type queueCache struct {
	mu sync.RWMutex
	// counts: exam + "/" + department → position and bucket → size, so a
	// department's counts are read without touching the other 99.
	counts  map[string]map[queueCountKey]int
	version map[string]uint64 // exam + "/" + department → changes
	depts   map[string]map[string]bool
}

type queueCountKey struct {
	code   string
	bucket domain.State
}

func newQueueCache() *queueCache {
	return &queueCache{counts: map[string]map[queueCountKey]int{}, version: map[string]uint64{}, depts: map[string]map[string]bool{}}
}

func (q *queueCache) add(exam string, e reviewEntry, n int) {
	if e.key == "" {
		return
	}
	dk := exam + "/" + e.dept
	m := q.counts[dk]
	if m == nil {
		m = map[queueCountKey]int{}
		q.counts[dk] = m
	}
	k := queueCountKey{e.code, e.bucket}
	m[k] += n
	if m[k] == 0 {
		delete(m, k)
	}
	q.version[dk]++
	if q.depts[exam] == nil {
		q.depts[exam] = map[string]bool{}
	}
	q.depts[exam][e.dept] = true
}

func (q *queueCache) move(exam string, before, after reviewEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(exam, before, -1)
	q.add(exam, after, 1)
}

// loadReviewQueue builds the queue index for applications stored before it
// existed (once per store), then loads its counts.
func (s *Store) loadReviewQueue() error {
	s.queue = newQueueCache()
	var built bool
	if err := s.View(func(tx *Tx) (err error) { built, err = tx.Exists(reviewIndexBuilt); return err }); err != nil {
		return err
	}
	if !built {
		if err := s.buildReviewQueue(); err != nil {
			return err
		}
	}
	return s.View(func(tx *Tx) error {
		return tx.Scan(prefixReviewQueue, ScanOptions{}, func(key string, v []byte) error {
			parts := strings.Split(strings.TrimPrefix(key, prefixReviewQueue), "/")
			if len(parts) != 5 {
				return nil
			}
			var qv queueValue
			if err := json.Unmarshal(v, &qv); err != nil {
				return err
			}
			s.queue.add(parts[0], reviewEntry{key: key, dept: unescapeKeyPart(parts[1]), code: qv.Position, bucket: domain.State(parts[2])}, 1)
			return nil
		})
	})
}

// buildReviewQueue indexes every stored application, in batches.
func (s *Store) buildReviewQueue() error {
	var ids []string
	if err := s.View(func(tx *Tx) error {
		return tx.Scan(prefixApp, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
			ids = append(ids, strings.TrimPrefix(key, prefixApp))
			return nil
		})
	}); err != nil {
		return err
	}
	if err := updateInBatches(s, ids, 500, func(tx *Tx, id string) error {
		a, err := tx.Application(id)
		if err != nil {
			return err
		}
		e, err := tx.reviewEntryOf(a)
		if err != nil || e.key == "" {
			return err
		}
		return tx.putReviewEntry(a, e)
	}); err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error { return tx.PutRaw(reviewIndexBuilt, nil) })
}

// QueueFilter selects part of a review queue.
type QueueFilter struct {
	ExamID      string
	Departments []string     // the reviewer's departments (or the one an administrator chose)
	Bucket      domain.State // domain.ReviewBuckets
	Position    string       // 职位代码, "" for all
	From, To    time.Time    // entered the bucket in [From, To); zero: unbounded
	// Match, when set, keeps only entries it accepts (name or ID search).
	Match func(e *QueueEntry) bool
	After string // cursor of the last entry of the previous page
	Limit int
}

// QueuePage is one page of a queue.
type QueuePage struct {
	Entries []QueueEntry
	Next    string // cursor for the next page; "" on the last page
}

// ParseQueueCursor checks a cursor from a URL (EINVALID when malformed).
func ParseQueueCursor(c string) error {
	if c == "" {
		return nil
	}
	since, id, ok := strings.Cut(c, "/")
	if !ok || len(since) != 16 || len(id) == 0 || len(id) > 40 || strings.ContainsAny(id, "/") {
		return domain.FieldError("after", "翻页参数有误，请从第一页重新查看。")
	}
	if _, err := strconv.ParseUint(since, 16, 64); err != nil {
		return domain.FieldError("after", "翻页参数有误，请从第一页重新查看。")
	}
	return nil
}

// ReviewQueue lists a page of the queue, oldest first, across the filter's
// departments. Each department's part is a prefix scan starting at the
// cursor (or at From), so a page costs about Limit entries per department
// when nothing is filtered out, however long the queue.
func (s *Store) ReviewQueue(f QueueFilter) (QueuePage, error) {
	if err := ParseQueueCursor(f.After); err != nil {
		return QueuePage{}, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var all []QueueEntry
	err := s.View(func(tx *Tx) error {
		for _, dept := range f.Departments {
			prefix := reviewQueuePrefix(f.ExamID, dept, f.Bucket)
			o := ScanOptions{}
			switch {
			case f.After != "":
				o.After = prefix + f.After
			case !f.From.IsZero():
				o.After = prefix + fmt.Sprintf("%016x", f.From.UnixMicro())
			}
			n := 0
			err := tx.Scan(prefix, o, func(key string, v []byte) error {
				cur := key[len(prefix):]
				e, err := queueEntry(dept, f.Bucket, cur, v)
				if err != nil {
					return err
				}
				if !f.To.IsZero() && !e.Since.Before(f.To) {
					return StopScan
				}
				if f.Position != "" && e.Position != f.Position {
					return nil
				}
				if f.Match != nil && !f.Match(&e) {
					return nil
				}
				all = append(all, e)
				n++
				if n > f.Limit {
					return StopScan
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return QueuePage{}, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Cursor < all[j].Cursor })
	var p QueuePage
	if len(all) > f.Limit {
		all = all[:f.Limit]
		p.Next = all[len(all)-1].Cursor
	}
	p.Entries = all
	return p, nil
}

func queueEntry(dept string, bucket domain.State, cursor string, v []byte) (QueueEntry, error) {
	var qv queueValue
	if err := json.Unmarshal(v, &qv); err != nil {
		return QueueEntry{}, err
	}
	sinceHex, id, _ := strings.Cut(cursor, "/")
	us, _ := strconv.ParseInt(sinceHex, 16, 64)
	e := QueueEntry{
		AppID: id, Department: dept, Bucket: bucket, Since: time.UnixMicro(us),
		Position: qv.Position, Name: qv.Name, IDNumber: qv.IDNumber, Cursor: cursor,
	}
	if qv.Overdue != 0 {
		e.Deadline = time.Unix(qv.Overdue, 0)
	}
	return e, nil
}

// QueueCounts are a queue's sizes per bucket.
type QueueCounts map[domain.State]int

// ReviewCounts sums the queue sizes of the departments (optionally one
// position) per bucket, from memory.
func (s *Store) ReviewCounts(examID string, depts []string, position string) QueueCounts {
	s.queue.mu.RLock()
	defer s.queue.mu.RUnlock()
	out := QueueCounts{}
	for _, d := range depts {
		for k, n := range s.queue.counts[examID+"/"+d] {
			if position == "" || k.code == position {
				out[k.bucket] += n
			}
		}
	}
	return out
}

// ReviewVersion changes whenever any queue of the departments changes:
// a poll carrying the same version has nothing new to show.
func (s *Store) ReviewVersion(examID string, depts []string) uint64 {
	s.queue.mu.RLock()
	defer s.queue.mu.RUnlock()
	var v uint64
	for _, d := range depts {
		v += s.queue.version[examID+"/"+d]
	}
	return v
}

// QueueSummary is one department's or position's review progress.
type QueueSummary struct {
	Department string
	Position   string
	Counts     QueueCounts
	Oldest     time.Time // entered 待审核 first among those still waiting; zero when none
}

// ReviewOverview summarises an exam's queues per department, or per
// position of one department when dept is set, for the administrator:
// counts from memory, the oldest waiting application by one seek each.
func (s *Store) ReviewOverview(examID, dept string) ([]QueueSummary, error) {
	byKey := map[string]*QueueSummary{}
	s.queue.mu.RLock()
	for d := range s.queue.depts[examID] {
		if dept != "" && d != dept {
			continue
		}
		for k, n := range s.queue.counts[examID+"/"+d] {
			id := d
			if dept != "" {
				id = k.code
			}
			sum := byKey[id]
			if sum == nil {
				sum = &QueueSummary{Department: d, Counts: QueueCounts{}}
				if dept != "" {
					sum.Position = k.code
				}
				byKey[id] = sum
			}
			sum.Counts[k.bucket] += n
		}
	}
	s.queue.mu.RUnlock()
	out := make([]QueueSummary, 0, len(byKey))
	for _, v := range byKey {
		out = append(out, *v)
	}
	err := s.View(func(tx *Tx) error {
		for i := range out {
			if out[i].Counts[domain.StateSubmitted] == 0 {
				continue
			}
			prefix := reviewQueuePrefix(examID, out[i].Department, domain.StateSubmitted)
			err := tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
				e, err := queueEntry(out[i].Department, domain.StateSubmitted, key[len(prefix):], v)
				if err != nil {
					return err
				}
				if out[i].Position != "" && e.Position != out[i].Position {
					return nil
				}
				out[i].Oldest = e.Since
				return StopScan
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	// Slowest first: the oldest waiting application at the top.
	sort.Slice(out, func(i, j int) bool {
		oi, oj := out[i].Oldest, out[j].Oldest
		switch {
		case oi.IsZero() != oj.IsZero():
			return !oi.IsZero()
		case !oi.Equal(oj):
			return oi.Before(oj)
		}
		return out[i].Department+out[i].Position < out[j].Department+out[j].Position
	})
	return out, err
}

// ReviewDepartments lists the departments of an exam that have any
// application in a queue, sorted.
func (s *Store) ReviewDepartments(examID string) []string {
	s.queue.mu.RLock()
	defer s.queue.mu.RUnlock()
	var out []string
	for d := range s.queue.depts[examID] {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}
