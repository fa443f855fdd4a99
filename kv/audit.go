package kv

import (
	"time"
)

// AuditEntry is one reviewer or administrator action. The log is
// append-only: nothing in examreg updates or deletes these keys.
type AuditEntry struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Action  string    `json:"action"` // e.g. "exam.update", "application.approve"
	Target  string    `json:"target"` // id of what was changed
	Detail  string    `json:"detail,omitempty"`
	IP      string    `json:"ip,omitempty"`
}

// AppendAudit writes an audit entry inside the caller's transaction, so the
// action and its record commit together.
func (tx *Tx) AppendAudit(e AuditEntry) error {
	if e.ID == "" {
		e.ID = NewID(e.At)
	}
	// Indexes for the log's actor and target filters (audit_query.go).
	if e.ActorID != "" {
		if err := tx.PutRaw(auditActorPrefix(e.ActorID)+e.ID, nil); err != nil {
			return err
		}
	}
	if e.Target != "" {
		if err := tx.PutRaw(auditTargetPrefix(e.Target)+e.ID, nil); err != nil {
			return err
		}
	}
	return tx.Put(auditKey(e.ID), e)
}

// AuditLog returns up to limit entries, newest first.
func (s *Store) AuditLog(limit int) (list []AuditEntry, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixAudit, ScanOptions{Reverse: true, Limit: limit}, func(_ string, v []byte) error {
			var e AuditEntry
			if err := jsonUnmarshal(v, &e); err != nil {
				return err
			}
			list = append(list, e)
			return nil
		})
	})
	return list, err
}

// AppendAudit records an entry in its own transaction, for work that
// wrote its own changes (a counts rebuild).
func (s *Store) AppendAudit(e AuditEntry) error {
	return s.Update(func(tx *Tx) error { return tx.AppendAudit(e) })
}
