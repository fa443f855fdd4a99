package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TicketNumberLen is the width of a 准考证号: 4 digits 考试代码, 2 考点,
// 3 考场, 2 座位.
const TicketNumberLen = 11

// TicketNumber encodes exam, venue, room and seat as the fixed-width
// 准考证号, e.g. 2023 01 004 17 → "20230100417".
func TicketNumber(examNo string, venue, room, seat int) string {
	// Appended rather than Sprintf'd: a seat run makes 100,000 of them.
	var buf [32]byte
	b := append(buf[:0], examNo...)
	b = appendPadded(b, venue, 2)
	b = appendPadded(b, room, 3)
	return string(appendPadded(b, seat, 2))
}

// appendPadded appends n in decimal, zero-padded to width (as %0*d does).
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		return fmt.Appendf(b, "%0*d", width, n)
	}
	digits := 1
	for m := n; m >= 10; m /= 10 {
		digits++
	}
	for ; digits < width; digits++ {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// ParseTicketNumber splits a 准考证号. Anything but 11 digits is EINVALID
// (field "ticket_no").
func ParseTicketNumber(s string) (examNo string, venue, room, seat int, err error) {
	s = strings.TrimSpace(s)
	if len(s) != TicketNumberLen || strings.Trim(s, "0123456789") != "" {
		return "", 0, 0, 0, FieldError("ticket_no", "准考证号应为 11 位数字。")
	}
	venue, _ = strconv.Atoi(s[4:6])
	room, _ = strconv.Atoi(s[6:9])
	seat, _ = strconv.Atoi(s[9:11])
	return s[:4], venue, room, seat, nil
}

// SeatCandidate is one paid application waiting for a seat.
type SeatCandidate struct {
	AppID        string
	PositionCode string
}

// Seat is one candidate's place: the outcome of a seat assignment for one application.
type Seat struct {
	ExamID       string `json:"exam_id"`
	AppID        string `json:"app_id"`
	PositionCode string `json:"position_code"`
	VenueNo      int    `json:"venue_no"`
	RoomNo       int    `json:"room_no"`
	SeatNo       int    `json:"seat_no"`
	TicketNo     string `json:"ticket_no"`
	RunID        string `json:"run_id"`
}

// SeatRun records one seat assignment: the seed makes it reproducible, and
// it counts as done only once CompletedAt is set.
type SeatRun struct {
	ID          string    `json:"id"`
	ExamID      string    `json:"exam_id"`
	Seed        uint64    `json:"seed"`
	Candidates  int       `json:"candidates"`
	Seats       int       `json:"seats"` // capacity of all rooms at the time
	ActorID     string    `json:"actor_id"`
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
	// Written counts applications written so far (progress of a run cut short).
	Written int `json:"written"`
}

// Complete reports whether every batch of the run was written.
func (r *SeatRun) Complete() bool { return !r.CompletedAt.IsZero() }

// CheckSeatRun decides whether seats may be (re)assigned at now: not once
// ticket printing has opened (EFORBIDDEN), not without venues or settings,
// and not when the rooms hold fewer seats than there are paid candidates
// (ECONFLICT, before anything is written).
func CheckSeatRun(exam *Exam, settings *TicketSettings, venues []*Venue, candidates int, now time.Time) error {
	if printingOpened(exam, now) {
		return Errorf(EFORBIDDEN, "准考证打印已于 %s 开始，不能再编排考场。", FormatTime(exam.Ticket.Start))
	}
	if settings == nil || settings.ExamNo == "" {
		return Errorf(ECONFLICT, "请先设置考试代码（准考证号的前 4 位）。")
	}
	if len(venues) == 0 {
		return Errorf(ECONFLICT, "请先添加考点和考场。")
	}
	if candidates == 0 {
		return Errorf(ECONFLICT, "还没有已缴费的考生，无需编排考场。")
	}
	seats := 0
	for _, v := range venues {
		seats += v.Seats()
	}
	if candidates > seats {
		return Errorf(ECONFLICT, "已缴费考生 %d 人，考场座位只有 %d 个，还差 %d 个座位：请先增加考场。", candidates, seats, candidates-seats)
	}
	return nil
}

// PlanSeats assigns every candidate one seat, a pure function of its
// arguments: the same seed and candidates give the same plan.
//
//   - Venues are filled in 考点编号 order, rooms in the order listed, seats
//     from 1: a room is used only when the one before it is full.
//   - Candidates of one position are spread over the rooms: each gets a key
//     (i+u)/n, where i is its place in a seeded shuffle of its position's n
//     candidates and u a seeded fraction, and seats go in key order, so
//     every stretch of seats holds each position about in proportion.
//   - No two candidates share a seat; the 准考证号 follows from the seat.
//
// Call CheckSeatRun first; PlanSeats itself refuses too few seats (ECONFLICT).
func PlanSeats(examID, examNo, runID string, venues []*Venue, cands []SeatCandidate, seed uint64) ([]Seat, error) {
	vs := slices.Clone(venues)
	slices.SortFunc(vs, func(a, b *Venue) int { return a.No - b.No })
	type slot struct{ venue, room, seat int }
	total := 0
	for _, v := range vs {
		total += v.Seats()
	}
	if len(cands) > total {
		return nil, Errorf(ECONFLICT, "考生 %d 人，座位只有 %d 个。", len(cands), total)
	}
	// Deterministic input order, whatever order the store listed them in.
	cs := slices.Clone(cands)
	slices.SortFunc(cs, func(a, b SeatCandidate) int {
		if c := strings.Compare(a.PositionCode, b.PositionCode); c != 0 {
			return c
		}
		return strings.Compare(a.AppID, b.AppID)
	})
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	keys := make([]float64, len(cs))
	for start := 0; start < len(cs); {
		end := start + 1
		for end < len(cs) && cs[end].PositionCode == cs[start].PositionCode {
			end++
		}
		n := end - start
		group := cs[start:end]
		rng.Shuffle(n, func(i, j int) { group[i], group[j] = group[j], group[i] })
		for i := range n {
			keys[start+i] = (float64(i) + rng.Float64()) / float64(n)
		}
		start = end
	}
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case keys[a] < keys[b]:
			return -1
		case keys[a] > keys[b]:
			return 1
		}
		return strings.Compare(cs[a].AppID, cs[b].AppID)
	})
	out := make([]Seat, 0, len(cs))
	k := 0
	for _, v := range vs {
		for _, r := range v.Rooms {
			for s := 1; s <= r.Capacity && k < len(order); s++ {
				c := cs[order[k]]
				out = append(out, Seat{
					ExamID: examID, AppID: c.AppID, PositionCode: c.PositionCode,
					VenueNo: v.No, RoomNo: r.No, SeatNo: s, TicketNo: TicketNumber(examNo, v.No, r.No, s), RunID: runID,
				})
				k++
			}
		}
	}
	return out, nil
}

// TicketAvailability says whether the candidate may print the ticket now:
// nil when seated and inside the printing window; otherwise an error whose
// message the ticket page shows (before assignment, before or after the window).
func TicketAvailability(exam *Exam, app *Application, seat *Seat, now time.Time) error {
	if c := app.Opening; c != nil && app.State.Refund() {
		return Errorf(ECONFLICT, "您报考的职位 %s 因未达开考比例已取消，您已申请退费，没有准考证。", c.Position)
	}
	if c := app.Opening; c != nil && c.Decision != CaseSwitched && app.State == StatePaid {
		if c.Decision == CaseRefund {
			return Errorf(ECONFLICT, "您报考的职位 %s 因未达开考比例已取消，您已申请退款，没有准考证。", c.Position)
		}
		return Errorf(ECONFLICT, "您报考的职位 %s 因未达开考比例已取消：请先改报其他职位或申请退款。", c.Position)
	}
	switch {
	case app.State != StateTicketIssued && app.State != StateScored:
		if app.State == StatePaid {
			return Errorf(ECONFLICT, "考场尚未编排，准考证暂未生成，请在打印准考证时间内再来。")
		}
		return Errorf(ECONFLICT, "只有已缴费的考生才能打印准考证（当前状态：%s）。", app.State.Label())
	case seat == nil:
		return Errorf(ECONFLICT, "考场尚未编排，准考证暂未生成。")
	}
	w := exam.Ticket
	switch {
	case w.Start.IsZero():
		return Errorf(EFORBIDDEN, "打印准考证时间尚未公布。")
	case now.Before(w.Start):
		return Errorf(EFORBIDDEN, "准考证打印将于 %s 开放（至 %s）。", FormatTime(w.Start), FormatTime(w.End))
	case !now.Before(w.End):
		return Errorf(EFORBIDDEN, "准考证打印已于 %s 结束。", FormatTime(w.End))
	}
	return nil
}
