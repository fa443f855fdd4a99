package kv

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"examreg/domain"
)

// TicketSigningKey returns the ed25519 key that signs 准考证 QR tokens. Its
// 32-byte seed is made at first use and kept in the store (v1/secret/ticket_ed25519),
// so tokens stay valid across restarts.
func (s *Store) TicketSigningKey() (ed25519.PrivateKey, error) {
	seed, err := s.Secret("ticket_ed25519")
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Seat returns an application's seat, nil when it has none.
func (s *Store) Seat(examID, appID string) (*domain.Seat, error) {
	var seat domain.Seat
	err := s.View(func(tx *Tx) error { return tx.Get(seatKey(examID, appID), &seat) })
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &seat, nil
}

func (tx *Tx) seatByNumber(examID, ticketNo string) (*domain.Seat, error) {
	appID, err := tx.GetRaw(seatNoKey(examID, ticketNo))
	if errors.Is(err, ErrNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "本场考试没有准考证号为 %s 的考生。", ticketNo)
	}
	if err != nil {
		return nil, err
	}
	var seat domain.Seat
	if err := tx.Get(seatKey(examID, string(appID)), &seat); err != nil {
		return nil, err
	}
	return &seat, nil
}

// RosterEntry is one seat of a room's 考场座次表/签到表.
type RosterEntry struct {
	Seat      domain.Seat
	Name      string
	Sex       string
	IDNumber  string // full: the sheet stays with the invigilators
	PhotoID   string
	Position  string
	CheckedIn time.Time // zero when not checked in
}

// rosterEntry is one seat with its candidate's name, sex, full 身份证号 and
// photo (the application's, else the account's).
func (tx *Tx) rosterEntry(seat domain.Seat) (RosterEntry, error) {
	a, err := tx.Application(seat.AppID)
	if err != nil {
		return RosterEntry{}, err
	}
	acct, err := tx.Account(a.CandidateID)
	if err != nil {
		return RosterEntry{}, err
	}
	e := RosterEntry{Seat: seat, Name: acct.Name, Sex: acct.Sex, IDNumber: acct.LoginName, PhotoID: a.PhotoID, Position: seat.PositionCode}
	if e.PhotoID == "" {
		e.PhotoID = acct.PhotoID
	}
	return e, nil
}

// Roster lists the seats of one room (room 0: every room of the venue) in
// seat order with the candidates' names, photos and check-in times.
func (s *Store) Roster(examID string, venueNo, roomNo int) (list []RosterEntry, err error) {
	err = s.View(func(tx *Tx) error {
		settings, err := tx.ticketSettings(examID)
		if err != nil {
			return err
		}
		prefix := seatNoPrefix(examID) + fmt.Sprintf("%s%02d", settings.ExamNo, venueNo)
		if roomNo > 0 {
			prefix += fmt.Sprintf("%03d", roomNo)
		}
		return tx.Scan(prefix, ScanOptions{}, func(_ string, v []byte) error {
			var seat domain.Seat
			if err := tx.Get(seatKey(examID, string(v)), &seat); err != nil {
				return err
			}
			e, err := tx.rosterEntry(seat)
			if err != nil {
				return err
			}
			var ci domain.CheckIn
			if err := tx.Get(checkInKey(examID, seat.TicketNo), &ci); err == nil {
				e.CheckedIn = ci.At
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
			list = append(list, e)
			return nil
		})
	})
	return list, err
}

// CheckInResult is what the invigilator's page shows after a scan.
type CheckInResult struct {
	Entry   RosterEntry
	At      time.Time // when the candidate was (first) checked in
	Already bool      // a second scan: nothing was recorded
}

// CheckIn records a candidate's arrival at the door. input is the QR
// code's token (verified with pub; altered or foreign tokens are EINVALID)
// or a typed 准考证号 of the invigilator's exam (EINVALID when malformed,
// ENOTFOUND when the exam has no such number). The seat must lie in the
// invigilator's venue (EFORBIDDEN). The first check-in is written with an
// audit entry; a second one changes nothing and returns Already.
func (s *Store) CheckIn(inv *domain.Account, input string, pub ed25519.PublicKey, now time.Time) (res *CheckInResult, err error) {
	examID, _, _ := strings.Cut(inv.Venue, "/")
	var claims *domain.TicketClaims
	ticketNo := strings.TrimSpace(input)
	if domain.IsTicketToken(input) {
		c, err := domain.VerifyTicket(pub, input)
		if err != nil {
			return nil, err
		}
		if c.ExamID != examID {
			return nil, domain.Errorf(domain.EFORBIDDEN, "该准考证不属于本场考试。")
		}
		claims, ticketNo = &c, c.TicketNo
	} else if _, _, _, _, err := domain.ParseTicketNumber(ticketNo); err != nil {
		return nil, domain.FieldError("code", domain.ErrorMessage(err))
	}
	err = s.Update(func(tx *Tx) error {
		seat, err := tx.seatByNumber(examID, ticketNo)
		if err != nil {
			return err
		}
		if claims != nil && claims.AppID != seat.AppID {
			return domain.FieldError("code", "该准考证已作废（考场已重新编排），请考生出示新打印的准考证。")
		}
		var prev *domain.CheckIn
		var ci domain.CheckIn
		if err := tx.Get(checkInKey(examID, ticketNo), &ci); err == nil {
			prev = &ci
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		rec, already, err := domain.DecideCheckIn(inv, seat, prev, now)
		if err != nil {
			return err
		}
		entry, err := tx.rosterEntry(*seat)
		if err != nil {
			return err
		}
		// The door page shows a masked 身份证号: it is read on a phone.
		entry.IDNumber, entry.CheckedIn = domain.MaskedID(entry.IDNumber), rec.At
		res = &CheckInResult{Entry: entry, At: rec.At, Already: already}
		if already {
			return nil
		}
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: inv.ID, Action: "checkin", Target: seat.AppID, Detail: "签到 " + ticketNo}); err != nil {
			return err
		}
		return tx.Put(checkInKey(examID, ticketNo), rec)
	})
	return res, err
}

// RoomKey names a 考场: 考点编号 and 考场号.
type RoomKey struct{ Venue, Room int }

// RoomAttendance is one room's seated candidates and how many of them
// have checked in at the door.
type RoomAttendance struct{ Seated, CheckedIn int }

// Attendance counts, per room of the exam, the seated candidates and the
// check-ins among them, from two key-only scans (the 准考证号 index and
// the check-in records): cheap enough to show on every page view while
// invigilators scan. A check-in of a number no longer seated (seats
// re-assigned) is not counted.
func (s *Store) Attendance(examID string) (map[RoomKey]RoomAttendance, error) {
	out := map[RoomKey]RoomAttendance{}
	seated := map[string]RoomKey{}
	err := s.View(func(tx *Tx) error {
		prefix := seatNoPrefix(examID)
		if err := tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
			no := key[len(prefix):]
			if _, v, r, _, err := domain.ParseTicketNumber(no); err == nil {
				k := RoomKey{v, r}
				seated[no] = k
				a := out[k]
				a.Seated++
				out[k] = a
			}
			return nil
		}); err != nil {
			return err
		}
		prefix = prefixCheckIn + examID + "/"
		return tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
			if k, ok := seated[key[len(prefix):]]; ok {
				a := out[k]
				a.CheckedIn++
				out[k] = a
			}
			return nil
		})
	})
	return out, err
}

// SetInvigilatorDisabled disables or re-enables a 监考 account of the
// venue (domain.SetInvigilatorDisabled), audited; disabling ends its live
// session in the same transaction, so the phone at the door is logged out
// on its next scan.
func (s *Store) SetInvigilatorDisabled(examID string, venueNo int, id string, disabled bool, actor *domain.Account, now time.Time) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Account(id)
		if err != nil {
			return err
		}
		if err := domain.SetInvigilatorDisabled(a, examID, venueNo, disabled, now); err != nil {
			return err
		}
		action, detail := "invigilator.enable", a.LoginName+" 停用 → 启用"
		if disabled {
			action, detail = "invigilator.disable", a.LoginName+" 启用 → 停用"
			if err := tx.Delete(sessionKey(a.ID)); err != nil {
				return err
			}
		}
		out = a
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: action, Target: a.ID, Detail: detail}); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
	return out, err
}

// ResetInvigilatorPassword gives a 监考 account of the venue a password the
// administrator chose (hash of a validated one), to be changed at the next
// login; it lifts any login lock and ends the live session. Audited.
func (s *Store) ResetInvigilatorPassword(examID string, venueNo int, id, hash string, actor *domain.Account, now time.Time) (out *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Account(id)
		if err != nil {
			return err
		}
		if err := domain.CheckInvigilatorOf(a, examID, venueNo); err != nil {
			return err
		}
		domain.SetPasswordByAdmin(a, hash, now)
		if err := tx.Delete(throttleKey(a.LoginName)); err != nil {
			return err
		}
		if err := tx.Delete(sessionKey(a.ID)); err != nil {
			return err
		}
		out = a
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "invigilator.password", Target: a.ID,
			Detail: a.LoginName + " 密码由管理员重置（下次登录须修改）"}); err != nil {
			return err
		}
		return tx.PutAccount(a)
	})
	return out, err
}
