package kv

import (
	"time"

	"examreg/domain"
)

// RemindDueReturns sends the 补正截止 reminder (RemindReturnDeadline, once
// per deadline) for every returned application whose deadline falls within
// domain.ReturnReminderLead of now. It reads the 已退回 queues, which carry
// each deadline, so it touches only returned applications. Returns how
// many reminders were written.
func (s *Store) RemindDueReturns(now time.Time) (int, error) {
	type due struct {
		id       string
		deadline time.Time
	}
	var list []due
	s.queue.mu.RLock()
	var prefixes []string
	for exam, depts := range s.queue.depts {
		for d := range depts {
			prefixes = append(prefixes, reviewQueuePrefix(exam, d, domain.StateReturned))
		}
	}
	s.queue.mu.RUnlock()
	err := s.View(func(tx *Tx) error {
		for _, prefix := range prefixes {
			if err := tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
				e, err := queueEntry("", domain.StateReturned, key[len(prefix):], v)
				if err != nil {
					return err
				}
				if !e.Deadline.IsZero() && now.Before(e.Deadline) && e.Deadline.Sub(now) <= domain.ReturnReminderLead {
					list = append(list, due{e.AppID, e.Deadline})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		sent, err := s.RemindReturnDeadline(d.id, d.deadline, now)
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	return n, nil
}
