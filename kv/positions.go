package kv

import (
	"errors"
	"sort"
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
}

type positionSnapshot struct {
	list        []domain.Position
	departments []string
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
	snap = &positionSnapshot{list: list, departments: domain.Departments(list)}
	c.sorted[examID] = snap
	return snap
}

func (s *Store) loadCatalog() error {
	s.positions = &catalog{byExam: map[string]map[string]domain.Position{}, sorted: map[string]*positionSnapshot{}}
	return s.View(func(tx *Tx) error {
		return tx.Scan(prefixPos, ScanOptions{}, func(_ string, v []byte) error {
			var p domain.Position
			if err := jsonUnmarshal(v, &p); err != nil {
				return err
			}
			s.positions.put(p)
			return nil
		})
	})
}

// PutPosition creates or replaces a position; the in-memory catalog sees it
// once the transaction commits.
func (tx *Tx) PutPosition(p *domain.Position) error {
	if err := tx.Put(positionKey(p.ExamID, p.Code), p); err != nil {
		return err
	}
	cp := *p
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
	s.positions.mu.RLock()
	defer s.positions.mu.RUnlock()
	p, ok := s.positions.byExam[examID][code]
	return p, ok
}

// Positions returns a copy of an exam's positions sorted by code, from the
// in-memory catalog. Callers filter and page it.
func (s *Store) Positions(examID string) []domain.Position {
	s.positions.mu.RLock()
	m := s.positions.byExam[examID]
	list := make([]domain.Position, 0, len(m))
	for _, p := range m {
		list = append(list, p)
	}
	s.positions.mu.RUnlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
	return list
}

// PositionList returns an exam's positions sorted by code, shared with
// every other reader: callers must not modify it (or the positions in it).
// It is rebuilt only after a position changes, so search costs no copy.
func (s *Store) PositionList(examID string) []domain.Position {
	return s.positions.snapshot(examID).list
}

// PositionDepartments returns the distinct 遴选机关 of an exam's positions,
// in code order; shared, read only.
func (s *Store) PositionDepartments(examID string) []string {
	return s.positions.snapshot(examID).departments
}

// PositionCount returns how many positions an exam has.
func (s *Store) PositionCount(examID string) int {
	s.positions.mu.RLock()
	defer s.positions.mu.RUnlock()
	return len(s.positions.byExam[examID])
}

// PutPositions writes many positions (an Excel import) in transactions of
// at most batch records, because one Badger transaction holds about 1 MiB.
// Callers validate every row first, so a data error writes nothing; the
// write is an upsert by 职位代码, so after an I/O failure part-way the
// same import can simply be run again.
func (s *Store) PutPositions(list []domain.Position) error {
	const batch = 500
	for start := 0; start < len(list); start += batch {
		end := min(start+batch, len(list))
		if err := s.Update(func(tx *Tx) error {
			for i := start; i < end; i++ {
				if err := tx.PutPosition(&list[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
