package kv

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"

	"examreg/domain"
)

// catalog keeps every position in memory, loaded at Open and updated after
// each commit that writes one, so position search and the counts page never
// scan the store per request (10,000 positions take a few MB).
type catalog struct {
	mu     sync.RWMutex
	byExam map[string]map[string]domain.Position
	// sorted holds, per exam, an immutable slice sorted by code and the
	// distinct departments, built on the first read after a change and
	// shared by every reader until the next change (search never copies).
	sorted map[string]*positionSnapshot
	// loaded is, per exam, the stored catalog version byExam holds (see
	// positions_version.go); an exam missing here is reloaded on its next read.
	loaded   map[string]string
	reloadMu sync.Mutex // one reload at a time
	versions catalogVersions
}

type positionSnapshot struct {
	list        []domain.Position
	departments []string
	index       *domain.PositionIndex // built with the snapshot, shared by every search
}

func (c *catalog) put(p domain.Position) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.byExam[p.ExamID]
	if m == nil {
		m = map[string]domain.Position{}
		c.byExam[p.ExamID] = m
	}
	m[p.Code] = p
	delete(c.sorted, p.ExamID)
}

func (c *catalog) remove(examID, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byExam[examID], code)
	delete(c.sorted, examID)
}

// snapshot returns the exam's sorted snapshot, building it when stale.
func (c *catalog) snapshot(examID string) *positionSnapshot {
	c.mu.RLock()
	snap := c.sorted[examID]
	c.mu.RUnlock()
	if snap != nil {
		return snap
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap := c.sorted[examID]; snap != nil {
		return snap
	}
	m := c.byExam[examID]
	list := make([]domain.Position, 0, len(m))
	for _, p := range m {
		list = append(list, p)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
	snap = &positionSnapshot{list: list, departments: domain.Departments(list), index: domain.NewPositionIndex(list)}
	c.sorted[examID] = snap
	return snap
}

func (s *Store) loadCatalog() error {
	s.positions = newCatalog()
	return s.View(func(tx *Tx) error {
		// The versions first: a position written after them is reloaded.
		if err := tx.Scan(prefixCatVer, ScanOptions{}, func(key string, v []byte) error {
			s.positions.loaded[strings.TrimPrefix(key, prefixCatVer)] = string(v)
			return nil
		}); err != nil {
			return err
		}
		return tx.Scan(prefixPos, ScanOptions{}, func(_ string, v []byte) error {
			var p domain.Position
			if err := jsonUnmarshal(v, &p); err != nil {
				return err
			}
			if _, ok := s.positions.loaded[p.ExamID]; !ok {
				s.positions.loaded[p.ExamID] = "" // no version written yet
			}
			s.positions.put(p)
			return nil
		})
	})
}

func newCatalog() *catalog {
	return &catalog{
		byExam: map[string]map[string]domain.Position{}, sorted: map[string]*positionSnapshot{},
		loaded: map[string]string{}, versions: catalogVersions{read: map[string]versionRead{}, ttl: catalogVersionTTL},
	}
}

// PutPosition creates or replaces a position; the in-memory catalog sees it
// once the transaction commits.
func (tx *Tx) PutPosition(p *domain.Position) error {
	if err := tx.Put(positionKey(p.ExamID, p.Code), p); err != nil {
		return err
	}
	if err := tx.touchCatalog(p.ExamID); err != nil {
		return err
	}
	// The catalog outlives the request: its keys must not share memory
	// with a caller's buffers (Fiber reuses the memory of path params).
	cp := *p
	cp.ExamID, cp.Code = strings.Clone(p.ExamID), strings.Clone(p.Code)
	tx.afterCommit(func(s *Store) { s.positions.put(cp) })
	return nil
}

// DeletePosition removes a position that has no applications; returns
// ECONFLICT otherwise.
func (tx *Tx) DeletePosition(examID, code string) error {
	n, err := tx.ApplicationCountOfPosition(examID, code)
	if err != nil {
		return err
	}
	if n > 0 {
		return domain.Errorf(domain.ECONFLICT, "职位 %s 已有 %d 份报名，不能删除。", code, n)
	}
	if err := tx.Delete(positionKey(examID, code)); err != nil {
		return err
	}
	if err := tx.touchCatalog(examID); err != nil {
		return err
	}
	tx.afterCommit(func(s *Store) { s.positions.remove(examID, code) })
	return nil
}

// Position reads a position inside a transaction (from the store, so it is
// consistent with the transaction's other reads). Returns ENOTFOUND.
func (tx *Tx) Position(examID, code string) (*domain.Position, error) {
	var p domain.Position
	if err := tx.Get(positionKey(examID, code), &p); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "职位 %s 不存在。", code)
		}
		return nil, err
	}
	return &p, nil
}

// Position returns a position from the in-memory catalog.
func (s *Store) Position(examID, code string) (domain.Position, bool) {
	s.freshCatalog(examID)
	s.positions.mu.RLock()
	defer s.positions.mu.RUnlock()
	p, ok := s.positions.byExam[examID][code]
	return p, ok
}

// PositionList returns an exam's positions sorted by code, shared with
// every other reader: callers must not modify it (or the positions in it).
// It is rebuilt only after a position changes, so search costs no copy.
func (s *Store) PositionList(examID string) []domain.Position {
	return s.freshCatalog(examID).list
}

// PositionIndex returns the search index of an exam's positions, built
// once per change of the positions and shared: search with its Search.
func (s *Store) PositionIndex(examID string) *domain.PositionIndex {
	return s.freshCatalog(examID).index
}

// PositionDepartments returns the distinct 遴选机关 of an exam's positions,
// in code order; shared, read only.
func (s *Store) PositionDepartments(examID string) []string {
	return s.freshCatalog(examID).departments
}

// PositionCount returns how many positions an exam has.
func (s *Store) PositionCount(examID string) int {
	s.freshCatalog(examID)
	s.positions.mu.RLock()
	defer s.positions.mu.RUnlock()
	return len(s.positions.byExam[examID])
}

// SavePosition creates (create true) or updates a position of an exam with
// its audit entry, in one transaction. Creating an existing 职位代码 is
// ECONFLICT on field "code"; updating a missing one is ENOTFOUND; moving a
// position that has applications to another level is ECONFLICT on "level".
func (s *Store) SavePosition(p *domain.Position, create bool, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		old, err := tx.Position(p.ExamID, p.Code)
		switch {
		case err != nil && domain.ErrorCode(err) != domain.ENOTFOUND:
			return err
		case create && old != nil:
			return &domain.Error{Code: domain.ECONFLICT, Message: "职位代码 " + p.Code + " 已存在。",
				Fields: domain.FieldErrors{"code": "职位代码 " + p.Code + " 已存在，请换一个代码或编辑已有职位。"}}
		case !create && old == nil:
			return err
		}
		if old != nil && old.LevelCode != p.LevelCode {
			n, err := tx.ApplicationCountOfPosition(p.ExamID, p.Code)
			if err != nil {
				return err
			}
			if n > 0 {
				msg := "该职位已有 " + itoa(n) + " 份报名，不能改到其他层级。"
				return &domain.Error{Code: domain.ECONFLICT, Message: msg, Fields: domain.FieldErrors{"level": msg}}
			}
		}
		audit.Target = p.ExamID + "/" + p.Code
		audit.Detail = withChanges(audit.Detail, AuditChanges(old, p, "created_at", "updated_at"))
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.PutPosition(p)
	})
}

// RemovePosition deletes a position without applications, with its audit
// entry. Returns ENOTFOUND or ECONFLICT (it has applications).
func (s *Store) RemovePosition(examID, code string, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		if _, err := tx.Position(examID, code); err != nil {
			return err
		}
		if err := tx.DeletePosition(examID, code); err != nil {
			return err
		}
		audit.Target = examID + "/" + code
		return tx.AppendAudit(audit)
	})
}

// ImportResult says what an import changed.
type ImportResult struct {
	Created, Updated, Unchanged int
}

// LevelMoveConflicts returns, for positions of list that already exist
// with applications and would move to another level, a message per 职位代码.
// An import checks it before writing anything.
func (s *Store) LevelMoveConflicts(list []domain.Position) (map[string]string, error) {
	out := map[string]string{}
	err := s.View(func(tx *Tx) error {
		for i := range list {
			p := &list[i]
			old, ok := s.Position(p.ExamID, p.Code)
			if !ok || old.LevelCode == p.LevelCode {
				continue
			}
			n, err := tx.ApplicationCountOfPosition(p.ExamID, p.Code)
			if err != nil {
				return err
			}
			if n > 0 {
				out[p.Code] = "职位 " + p.Code + " 已有 " + itoa(n) + " 份报名，不能改到其他层级。"
			}
		}
		return nil
	})
	return out, err
}

// ImportPositions upserts the positions of a validated 职位表 by 职位代码
// (positions missing from the file are kept), skipping unchanged ones.
// Callers validate every row (and LevelMoveConflicts) first, so bad data
// writes nothing. One Badger transaction holds about 1 MiB, so 10,000
// positions are written in batches; the audit entry goes with the first
// batch, and because the write is an idempotent upsert, an import cut off
// by a crash is completed by importing the same file again.
func (s *Store) ImportPositions(examID string, list []domain.Position, audit AuditEntry) (ImportResult, error) {
	var res ImportResult
	var changed []domain.Position
	for i := range list {
		p := list[i]
		p.ExamID = examID
		old, ok := s.Position(examID, p.Code)
		switch {
		case !ok:
			res.Created++
		case domain.SamePosition(&old, &p):
			res.Unchanged++
			continue
		default:
			res.Updated++
		}
		changed = append(changed, p)
	}
	audit.Target = examID
	if audit.Detail == "" {
		audit.Detail = "新增 " + itoa(res.Created) + "，更新 " + itoa(res.Updated) + "，未变 " + itoa(res.Unchanged)
	}
	const batch = 500
	for start := 0; start == 0 || start < len(changed); start += batch {
		end := min(start+batch, len(changed))
		if err := s.Update(func(tx *Tx) error {
			if start == 0 {
				if err := tx.AppendAudit(audit); err != nil {
					return err
				}
			}
			for i := start; i < end; i++ {
				if err := tx.PutPosition(&changed[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return res, err
		}
	}
	return res, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
