package kv

import (
	"errors"
	"fmt"
	"time"

	"examreg/domain"
)

// Venues lists an exam's 考点 by 考点编号.
func (tx *Tx) Venues(examID string) (list []*domain.Venue, err error) {
	err = tx.Scan(venuePrefix(examID), ScanOptions{}, func(_ string, v []byte) error {
		var venue domain.Venue
		if err := jsonUnmarshal(v, &venue); err != nil {
			return err
		}
		list = append(list, &venue)
		return nil
	})
	return list, err
}

// Venues lists an exam's 考点 in its own transaction.
func (s *Store) Venues(examID string) (list []*domain.Venue, err error) {
	err = s.View(func(tx *Tx) error { list, err = tx.Venues(examID); return err })
	return list, err
}

// Venue loads one 考点. Returns ENOTFOUND.
func (s *Store) Venue(examID string, no int) (v *domain.Venue, err error) {
	err = s.View(func(tx *Tx) error { v, err = tx.venue(examID, no); return err })
	return v, err
}

func (tx *Tx) venue(examID string, no int) (*domain.Venue, error) {
	var v domain.Venue
	if err := tx.Get(venueKey(examID, no), &v); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "考点不存在。")
		}
		return nil, err
	}
	return &v, nil
}

// seatsAssigned reports whether the exam has a seat run (complete or not).
func (tx *Tx) seatsAssigned(examID string) (bool, error) {
	return tx.Exists(seatRunKey(examID))
}

// SaveVenue creates (create=true) or replaces a 考点 with its audit entry.
// Refused once printing opened over assigned seats (ECONFLICT); a new
// venue whose 考点编号 is taken is ECONFLICT on field "no".
func (s *Store) SaveVenue(v *domain.Venue, create bool, audit AuditEntry, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		exam, err := tx.Exam(v.ExamID)
		if err != nil {
			return err
		}
		assigned, err := tx.seatsAssigned(v.ExamID)
		if err != nil {
			return err
		}
		if err := domain.CheckVenueChange(exam, assigned, now); err != nil {
			return err
		}
		exists, err := tx.Exists(venueKey(v.ExamID, v.No))
		if err != nil {
			return err
		}
		switch {
		case create && exists:
			return &domain.Error{Code: domain.ECONFLICT, Message: "考点编号已被使用。", Fields: domain.FieldErrors{"no": fmt.Sprintf("考点编号 %02d 已被使用。", v.No)}}
		case !create && !exists:
			return domain.Errorf(domain.ENOTFOUND, "考点不存在。")
		}
		v.UpdatedAt = now
		audit.Target = v.ExamID
		audit.Detail = fmt.Sprintf("考点 %02d %s：%d 个考场，%d 个座位", v.No, v.Name, len(v.Rooms), v.Seats())
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.Put(venueKey(v.ExamID, v.No), v)
	})
}

// RemoveVenue deletes a 考点 (same rule as SaveVenue), audited.
func (s *Store) RemoveVenue(examID string, no int, audit AuditEntry, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		exam, err := tx.Exam(examID)
		if err != nil {
			return err
		}
		v, err := tx.venue(examID, no)
		if err != nil {
			return err
		}
		assigned, err := tx.seatsAssigned(examID)
		if err != nil {
			return err
		}
		if err := domain.CheckVenueChange(exam, assigned, now); err != nil {
			return err
		}
		audit.Target = examID
		audit.Detail = fmt.Sprintf("删除考点 %02d %s", v.No, v.Name)
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.Delete(venueKey(examID, no))
	})
}

// TicketSettings loads an exam's 准考证 settings (zero settings when none saved).
func (s *Store) TicketSettings(examID string) (t *domain.TicketSettings, err error) {
	err = s.View(func(tx *Tx) error { t, err = tx.ticketSettings(examID); return err })
	return t, err
}

func (tx *Tx) ticketSettings(examID string) (*domain.TicketSettings, error) {
	t := &domain.TicketSettings{ExamID: examID}
	if err := tx.Get(ticketCfgKey(examID), t); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return t, nil
}

// SaveTicketSettings stores validated settings, audited. The 考试代码 is part
// of every 准考证号, so it cannot change once seats are assigned (ECONFLICT
// on field "exam_no"); the 考生须知 can.
func (s *Store) SaveTicketSettings(t *domain.TicketSettings, audit AuditEntry, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		if _, err := tx.Exam(t.ExamID); err != nil {
			return err
		}
		old, err := tx.ticketSettings(t.ExamID)
		if err != nil {
			return err
		}
		assigned, err := tx.seatsAssigned(t.ExamID)
		if err != nil {
			return err
		}
		if assigned && old.ExamNo != "" && old.ExamNo != t.ExamNo {
			return &domain.Error{Code: domain.ECONFLICT, Message: "考场已编排，考试代码不能再改。", Fields: domain.FieldErrors{"exam_no": "考场已编排，准考证号已生成，考试代码不能再改。"}}
		}
		t.UpdatedAt = now
		audit.Target = t.ExamID
		audit.Detail = "考试代码 " + old.ExamNo + " → " + t.ExamNo + "；考生须知 " + fmt.Sprint(len([]rune(t.Instructions))) + " 字"
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.Put(ticketCfgKey(t.ExamID), t)
	})
}
