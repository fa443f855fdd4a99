package kv

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// AuditFilter selects audit entries. Empty fields match everything.
type AuditFilter struct {
	ActorID string    // exact account id
	Action  string    // exact action ("exam.update") or a family ending in "." ("application.")
	Target  string    // exact target id
	From    time.Time // entries at or after
	To      time.Time // entries before
	// Before is the cursor: only entries with a smaller id (older) are returned.
	Before string
}

// auditScanBudget bounds the entries one page may look at, so a filter
// that matches little cannot make a page scan the whole log; the page then
// ends early with a cursor to go on from.
const auditScanBudget = 20000

// AuditPage is one page of the audit log, newest first. Next is the cursor
// of the following page ("" at the end).
type AuditPage struct {
	Entries []AuditEntry
	Next    string
}

// QueryAudit returns up to limit entries matching f, newest first. With an
// actor or target it walks that index; otherwise the log itself, starting
// at the cursor or the end of the date range.
func (s *Store) QueryAudit(f AuditFilter, limit int) (page AuditPage, err error) {
	if limit <= 0 {
		limit = 50
	}
	prefix, fromIndex := prefixAudit, false
	switch {
	case f.ActorID != "":
		prefix, fromIndex = auditActorPrefix(f.ActorID), true
	case f.Target != "":
		prefix, fromIndex = auditTargetPrefix(f.Target), true
	}
	// Ids start with 12 hex digits of milliseconds, so a time is a key bound.
	upper := ""
	if !f.To.IsZero() {
		upper = prefix + fmt.Sprintf("%012x", f.To.UnixMilli())
	}
	if f.Before != "" && (upper == "" || prefix+f.Before < upper) {
		upper = prefix + f.Before
	}
	lower := ""
	if !f.From.IsZero() {
		lower = prefix + fmt.Sprintf("%012x", f.From.UnixMilli())
	}
	err = s.View(func(tx *Tx) error {
		seen := 0
		return tx.Scan(prefix, ScanOptions{Reverse: true, KeysOnly: fromIndex, After: upper}, func(key string, val []byte) error {
			if lower != "" && key < lower {
				return StopScan
			}
			id := key[len(prefix):]
			seen++
			if seen > auditScanBudget {
				page.Next = id
				return StopScan
			}
			var e AuditEntry
			if fromIndex {
				if err := tx.Get(auditKey(id), &e); err != nil {
					return err
				}
			} else if err := json.Unmarshal(val, &e); err != nil {
				return err
			}
			if !f.matches(&e) {
				return nil
			}
			if len(page.Entries) == limit {
				page.Next = page.Entries[limit-1].ID
				return StopScan
			}
			page.Entries = append(page.Entries, e)
			return nil
		})
	})
	return page, err
}

func (f *AuditFilter) matches(e *AuditEntry) bool {
	if f.ActorID != "" && e.ActorID != f.ActorID {
		return false
	}
	if f.Target != "" && e.Target != f.Target {
		return false
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			if !strings.HasPrefix(e.Action, f.Action) {
				return false
			}
		} else if e.Action != f.Action {
			return false
		}
	}
	return true
}

// AuditChanges summarises what changed between two versions of a record
// as "字段: 旧 → 新; …", comparing their JSON fields (long values cut), for
// the before→after part of an audit entry. skip names JSON fields left out
// (timestamps, hashes). Nil old means created.
func AuditChanges(old, cur any, skip ...string) string {
	if old == nil || reflect.ValueOf(old).IsNil() {
		return "新建"
	}
	a, b := jsonFields(old), jsonFields(cur)
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if slices.Contains(skip, k) || a[k] == b[k] {
			continue
		}
		parts = append(parts, k+": "+cut(a[k])+" → "+cut(b[k]))
	}
	if len(parts) == 0 {
		return "无变化"
	}
	return strings.Join(parts, "; ")
}

func jsonFields(v any) map[string]string {
	raw, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}

// cut keeps an audit value short: the log records that a long text
// changed, not the whole text.
func cut(s string) string {
	if s == "" || s == "null" {
		return "（空）"
	}
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// withChanges appends a before→after summary to an audit detail.
func withChanges(detail, changes string) string {
	if detail == "" {
		return changes
	}
	return detail + "：" + changes
}
