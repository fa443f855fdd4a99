package domain

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseRooms(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Room
		errHas   string
	}{
		{"default capacity", "1\n2 40", []Room{{1, 30}, {2, 40}}, ""},
		{"separators and blanks", "\n 3，25\r\n\n4\t10 ", []Room{{3, 25}, {4, 10}}, ""},
		{"capacity zero", "1 0", nil, "不能为 0"},
		{"capacity too big", "1 100", nil, "1-99"},
		{"duplicate", "1 30\n1 20", nil, "重复"},
		{"room zero", "0 30", nil, "考场号"},
		{"not a number", "A 30", nil, "考场号"},
		{"three parts", "1 2 3", nil, "每行"},
		{"empty", "  \n", nil, "至少"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRooms(tt.in)
			if tt.errHas != "" {
				if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(ErrorFields(err)["rooms"], tt.errHas) {
					t.Fatalf("err = %v, want rooms error containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestVenueInputValidate(t *testing.T) {
	ok := VenueInput{No: "1", Name: "武汉一中", Address: "武汉市", Rooms: "1"}
	if v, err := ok.Validate(); err != nil || v.Seats() != 30 {
		t.Fatalf("valid input: %v %v", v, err)
	}
	tests := []struct {
		name  string
		edit  func(*VenueInput)
		field string
	}{
		{"no zero", func(in *VenueInput) { in.No = "0" }, "no"},
		{"no 100", func(in *VenueInput) { in.No = "100" }, "no"},
		{"no name", func(in *VenueInput) { in.Name = " " }, "name"},
		{"no address", func(in *VenueInput) { in.Address = "" }, "address"},
		{"room capacity 0", func(in *VenueInput) { in.Rooms = "1 0" }, "rooms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			_, err := in.Validate()
			if ErrorFields(err)[tt.field] == "" {
				t.Fatalf("err = %v, want field %s", err, tt.field)
			}
		})
	}
}

func TestTicketSettingsValidate(t *testing.T) {
	for _, tt := range []struct {
		no    string
		instr string
		field string
	}{
		{"2023", "带好身份证", ""},
		{"202", "", "exam_no"},
		{"20a3", "", "exam_no"},
		{"2023", strings.Repeat("字", MaxInstructions+1), "instructions"},
	} {
		s := TicketSettings{ExamNo: tt.no, Instructions: tt.instr}
		err := s.Validate()
		if tt.field == "" && err != nil || tt.field != "" && ErrorFields(err)[tt.field] == "" {
			t.Errorf("%q: err = %v, want field %q", tt.no, err, tt.field)
		}
	}
}

func TestTicketNumber(t *testing.T) {
	n := TicketNumber("2023", 1, 4, 17)
	if n != "20230100417" || len(n) != TicketNumberLen {
		t.Fatalf("TicketNumber = %q", n)
	}
	exam, v, r, s, err := ParseTicketNumber(" " + n + " ")
	if err != nil || exam != "2023" || v != 1 || r != 4 || s != 17 {
		t.Fatalf("parse: %s %d %d %d %v", exam, v, r, s, err)
	}
	for _, bad := range []string{"", "2023010041", "202301004170", "2023O100417", "２０２３０１００４１７"} {
		if _, _, _, _, err := ParseTicketNumber(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ParseTicketNumber(%q) err = %v, want EINVALID", bad, err)
		}
	}
	if TicketNumber("2023", 99, 999, 99) != "20239999999" {
		t.Fatal("max width")
	}
	// Every width and edge as the %02d/%03d it replaced wrote them.
	for _, c := range [][3]int{{0, 0, 0}, {9, 9, 9}, {10, 10, 10}, {10, 99, 10}, {1, 100, 1}, {100, 1000, 100}, {-1, -12, -3}} {
		want := fmt.Sprintf("%s%02d%03d%02d", "2023", c[0], c[1], c[2])
		if got := TicketNumber("2023", c[0], c[1], c[2]); got != want {
			t.Errorf("TicketNumber(%v) = %q, want %q", c, got, want)
		}
	}
}

func venuesOf(caps ...[]int) []*Venue {
	var vs []*Venue
	for i, rooms := range caps {
		v := &Venue{No: i + 1}
		for j, c := range rooms {
			v.Rooms = append(v.Rooms, Room{No: j + 1, Capacity: c})
		}
		vs = append(vs, v)
	}
	return vs
}

func candidates(perPosition map[string]int) []SeatCandidate {
	var cs []SeatCandidate
	for code, n := range perPosition {
		for i := range n {
			cs = append(cs, SeatCandidate{AppID: fmt.Sprintf("%s-%05d", code, i), PositionCode: code})
		}
	}
	return cs
}

func TestPlanSeats(t *testing.T) {
	tests := []struct {
		name   string
		venues []*Venue
		per    map[string]int
	}{
		{"exact fit", venuesOf([]int{30, 30}, []int{30}), map[string]int{"A": 40, "B": 30, "C": 20}},
		{"partly filled", venuesOf([]int{30, 30, 30}, []int{25, 25}), map[string]int{"A": 60, "B": 7, "C": 1}},
		{"one position", venuesOf([]int{10, 10}), map[string]int{"A": 15}},
		{"many positions", venuesOf([]int{30, 30, 30, 30}), map[string]int{"A": 30, "B": 30, "C": 30, "D": 20, "E": 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := candidates(tt.per)
			seats, err := PlanSeats("E1", "2023", "R1", tt.venues, cs, 42)
			if err != nil {
				t.Fatal(err)
			}
			if len(seats) != len(cs) {
				t.Fatalf("%d seats for %d candidates", len(seats), len(cs))
			}
			taken, apps, numbers := map[string]bool{}, map[string]bool{}, map[string]bool{}
			perRoom := map[string]map[int]int{} // position → room key → count
			roomFill := map[int]int{}           // room index in fill order → seats used
			roomIndex := map[[2]int]int{}
			idx := 0
			for _, v := range tt.venues {
				for _, r := range v.Rooms {
					roomIndex[[2]int{v.No, r.No}] = idx
					idx++
				}
			}
			for _, s := range seats {
				key := fmt.Sprint(s.VenueNo, "/", s.RoomNo, "/", s.SeatNo)
				if taken[key] {
					t.Fatalf("two candidates in seat %s", key)
				}
				taken[key] = true
				if apps[s.AppID] {
					t.Fatalf("%s seated twice", s.AppID)
				}
				apps[s.AppID] = true
				if len(s.TicketNo) != TicketNumberLen || numbers[s.TicketNo] || s.TicketNo != TicketNumber("2023", s.VenueNo, s.RoomNo, s.SeatNo) {
					t.Fatalf("bad or repeated 准考证号 %q", s.TicketNo)
				}
				numbers[s.TicketNo] = true
				ri := roomIndex[[2]int{s.VenueNo, s.RoomNo}]
				roomFill[ri]++
				if perRoom[s.PositionCode] == nil {
					perRoom[s.PositionCode] = map[int]int{}
				}
				perRoom[s.PositionCode][ri]++
			}
			// Rooms filled in order: every room before the last used one is full, seats 1..n.
			caps := []int{}
			for _, v := range tt.venues {
				for _, r := range v.Rooms {
					caps = append(caps, r.Capacity)
				}
			}
			last := -1
			for i := range caps {
				if roomFill[i] > 0 {
					last = i
				}
			}
			for i := 0; i < last; i++ {
				if roomFill[i] != caps[i] {
					t.Fatalf("room %d has %d of %d seats used before a later room is used", i, roomFill[i], caps[i])
				}
			}
			// Spread: a position's share of each full room is within 2 of its overall share.
			n := len(cs)
			for code, k := range tt.per {
				for i := 0; i < last; i++ {
					want := float64(k) * float64(caps[i]) / float64(n)
					if got := float64(perRoom[code][i]); got > want+2.5 || got < want-2.5 {
						t.Errorf("position %s: %v in room %d, proportional share %.1f", code, got, i, want)
					}
				}
			}
		})
	}
}

func TestPlanSeatsReproducible(t *testing.T) {
	vs := venuesOf([]int{30, 30, 30})
	cs := candidates(map[string]int{"A": 50, "B": 30})
	a, _ := PlanSeats("E", "2023", "R", vs, cs, 7)
	// The store's listing order must not matter.
	rev := make([]SeatCandidate, len(cs))
	for i := range cs {
		rev[len(cs)-1-i] = cs[i]
	}
	b, _ := PlanSeats("E", "2023", "R", vs, rev, 7)
	c, _ := PlanSeats("E", "2023", "R", vs, cs, 8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed and candidates gave different plans")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("another seed gave the same plan")
	}
}

func TestCheckSeatRun(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, Shanghai)
	open := &Exam{Ticket: Window{Start: now.Add(-time.Hour), End: now.Add(time.Hour)}}
	later := &Exam{Ticket: Window{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}}
	set := &TicketSettings{ExamNo: "2023"}
	vs := venuesOf([]int{30})
	tests := []struct {
		name     string
		exam     *Exam
		settings *TicketSettings
		venues   []*Venue
		n        int
		code     Code
		msg      string
	}{
		{"ok", later, set, vs, 30, "", ""},
		{"printing opened", open, set, vs, 10, EFORBIDDEN, "不能再编排"},
		{"too few seats", later, set, vs, 31, ECONFLICT, "还差 1 个座位"},
		{"no venues", later, set, nil, 1, ECONFLICT, "考点"},
		{"no exam number", later, &TicketSettings{}, vs, 1, ECONFLICT, "考试代码"},
		{"nobody paid", later, set, vs, 0, ECONFLICT, "已缴费"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSeatRun(tt.exam, tt.settings, tt.venues, tt.n, now)
			if ErrorCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.msg) {
				t.Fatalf("err = %v, want %s containing %q", err, tt.code, tt.msg)
			}
		})
	}
	if _, err := PlanSeats("E", "2023", "R", vs, candidates(map[string]int{"A": 31}), 1); ErrorCode(err) != ECONFLICT {
		t.Fatalf("PlanSeats with too few seats: %v", err)
	}
}

func TestTicketAvailability(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, Shanghai)
	win := Window{Start: now.Add(-time.Hour), End: now.Add(time.Hour)}
	seat := &Seat{TicketNo: "20230100101"}
	tests := []struct {
		name  string
		state State
		seat  *Seat
		w     Window
		code  Code
		msg   string
	}{
		{"open", StateTicketIssued, seat, win, "", ""},
		{"paid, not seated", StatePaid, nil, win, ECONFLICT, "尚未编排"},
		{"approved", StateApproved, nil, win, ECONFLICT, "已缴费"},
		{"before window", StateTicketIssued, seat, Window{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}, EFORBIDDEN, "将于"},
		{"after window", StateTicketIssued, seat, Window{Start: now.Add(-2 * time.Hour), End: now}, EFORBIDDEN, "已于"},
		{"no window", StateTicketIssued, seat, Window{}, EFORBIDDEN, "尚未公布"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := TicketAvailability(&Exam{Ticket: tt.w}, &Application{State: tt.state}, tt.seat, now)
			if ErrorCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.msg) {
				t.Fatalf("err = %v, want %s %q", err, tt.code, tt.msg)
			}
		})
	}
}

func TestTicketTokenAndCheckIn(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	claims := TicketClaims{ExamID: "E1", TicketNo: "20230100101", AppID: "A1"}
	tok := SignTicket(priv, claims)
	if got, err := VerifyTicket(pub, tok); err != nil || got != claims {
		t.Fatalf("verify: %v %v", got, err)
	}
	// Every single-byte change is refused.
	for i := len(tokenPrefix); i < len(tok); i++ {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		if _, err := VerifyTicket(pub, string(b)); ErrorCode(err) != EINVALID {
			t.Fatalf("token changed at byte %d accepted", i)
		}
	}
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1))
	if _, err := VerifyTicket(pub, SignTicket(other, claims)); ErrorCode(err) != EINVALID {
		t.Fatal("token of a foreign key accepted")
	}
	for _, bad := range []string{"", "T1.", "T1.abc", "20230100101", strings.Repeat("T1.x", 200)} {
		if _, err := VerifyTicket(pub, bad); ErrorCode(err) != EINVALID {
			t.Errorf("VerifyTicket(%q) accepted", bad)
		}
	}

	now := time.Date(2026, 6, 1, 8, 30, 0, 0, Shanghai)
	inv := &Account{ID: "I1", Role: RoleInvigilator, Venue: VenueScope("E1", 1)}
	seat := &Seat{ExamID: "E1", AppID: "A1", VenueNo: 1, RoomNo: 1, SeatNo: 1, TicketNo: "20230100101"}
	rec, already, err := DecideCheckIn(inv, seat, nil, now)
	if err != nil || already || rec.At != now || rec.ByID != "I1" {
		t.Fatalf("first check-in: %v %v %v", rec, already, err)
	}
	again, already, err := DecideCheckIn(inv, seat, rec, now.Add(time.Minute))
	if err != nil || !already || again.At != now {
		t.Fatalf("second check-in: %v %v %v", again, already, err)
	}
	tests := []struct {
		name string
		inv  *Account
		seat *Seat
		msg  string
	}{
		{"other exam", inv, &Seat{ExamID: "E2", VenueNo: 1}, "本场考试"},
		{"other venue", inv, &Seat{ExamID: "E1", VenueNo: 2}, "本考点"},
		{"not an invigilator", &Account{Role: RoleReviewer}, seat, "监考"},
	}
	for _, tt := range tests {
		if _, _, err := DecideCheckIn(tt.inv, tt.seat, nil, now); ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tt.msg) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []SubjectSlot
		bad      string // part of the message
	}{
		{"two subjects", "公共科目笔试 2026-12-20 09:00-11:30\n\n专业科目 2026-12-20 14:00-16:00",
			[]SubjectSlot{{"公共科目笔试", "2026-12-20", "09:00", "11:30"}, {"专业科目", "2026-12-20", "14:00", "16:00"}}, ""},
		{"dashes and spaces", "案例分析　2026-12-21 9:00 — 11:00", []SubjectSlot{{"案例分析", "2026-12-21", "09:00", "11:00"}}, ""},
		{"empty", " \n ", nil, ""},
		{"no times", "公共科目笔试 2026-12-20", nil, "第 1 行"},
		{"bad date", "公共科目笔试 2026-13-40 09:00-11:30", nil, "日期"},
		{"bad time", "公共科目笔试 2026-12-20 9点-11点", nil, "时间"},
		{"end before start", "公共科目笔试 2026-12-20 11:30-09:00", nil, "晚于"},
		{"overlap", "甲 2026-12-20 09:00-11:30\n乙 2026-12-20 11:00-12:00", nil, "重叠"},
	} {
		got, err := ParseSchedule(tc.in)
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.bad == "" && fmt.Sprint(got) != fmt.Sprint(tc.want):
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		case tc.bad != "" && !strings.Contains(ErrorFields(err)["schedule"], tc.bad):
			t.Errorf("%s: got %v, want a schedule message with %q", tc.name, err, tc.bad)
		}
	}
	if s := (SubjectSlot{"公共科目笔试", "2026-12-20", "09:00", "11:30"}).String(); s != "公共科目笔试　2026年12月20日 09:00—11:30" {
		t.Errorf("String() = %q", s)
	}
}

func TestSetInvigilatorDisabled(t *testing.T) {
	now := time.Date(2023, 5, 1, 9, 0, 0, 0, Shanghai)
	inv := func(disabled bool) *Account {
		return &Account{ID: "i1", Role: RoleInvigilator, Venue: VenueScope("e1", 1), Disabled: disabled}
	}
	for _, tc := range []struct {
		name     string
		acct     *Account
		venue    int
		disabled bool
		code     Code
	}{
		{"disable", inv(false), 1, true, ""},
		{"enable", inv(true), 1, false, ""},
		{"disable twice", inv(true), 1, true, ECONFLICT},
		{"enable twice", inv(false), 1, false, ECONFLICT},
		{"other venue", inv(false), 2, true, ENOTFOUND},
		{"a reviewer", &Account{ID: "r1", Role: RoleReviewer}, 1, true, ENOTFOUND},
	} {
		err := SetInvigilatorDisabled(tc.acct, "e1", tc.venue, tc.disabled, now)
		if ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if tc.code == "" && tc.acct.Disabled != tc.disabled {
			t.Errorf("%s: disabled = %v", tc.name, tc.acct.Disabled)
		}
	}
	// A disabled invigilator checks nobody in, even with a session left open.
	seat := &Seat{ExamID: "e1", VenueNo: 1, TicketNo: "20230100101"}
	if _, _, err := DecideCheckIn(inv(true), seat, nil, now); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("disabled check-in: %v", err)
	}
}

// BenchmarkPlanSeats100k plans 100,000 candidates of 500 positions over 4
// venues of 925 rooms × 30 seats (kv's BenchmarkAssignSeats100k without the store).
func BenchmarkPlanSeats100k(b *testing.B) {
	caps := make([]int, 925)
	for i := range caps {
		caps[i] = 30
	}
	venues := venuesOf(caps, caps, caps, caps)
	cands := make([]SeatCandidate, 100_000)
	for i := range cands {
		cands[i] = SeatCandidate{AppID: fmt.Sprintf("app%08d", i), PositionCode: fmt.Sprintf("P%04d", i%500)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PlanSeats("e1", "2023", "run", venues, cands, 7); err != nil {
			b.Fatal(err)
		}
	}
}
