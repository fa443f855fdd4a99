package kv

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// ticketStart is "now" in the seat tests: payment closed, printing not yet open.
var ticketStart = time.Date(2023, 5, 1, 9, 0, 0, 0, domain.Shanghai)

func ticketExam() *domain.Exam {
	e := benchExam()
	e.Payment = domain.Window{Start: ticketStart.AddDate(0, 0, -20), End: ticketStart.AddDate(0, 0, -10)}
	e.Ticket = domain.Window{Start: ticketStart.AddDate(0, 0, 5), End: ticketStart.AddDate(0, 0, 10)}
	return e
}

// seedPaid stores exam e1 with npos positions and n applications brought to
// 已缴费 through the state machine: approved, then domain.ActionPay by
// RoleSystem (what a confirmed payment does), 200 per transaction. With
// accounts, each application's candidate account is stored too.
func seedPaid(t testing.TB, s *Store, n, npos int, accounts bool) []string {
	t.Helper()
	exam := ticketExam()
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutExam(exam); err != nil {
			return err
		}
		for i := range npos {
			if err := tx.PutPosition(&domain.Position{ExamID: exam.ID, Code: fmt.Sprintf("P%04d", i), LevelCode: "sz"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for start := 0; start < n; start += 200 {
		if err := s.Update(func(tx *Tx) error {
			for i := start; i < min(start+200, n); i++ {
				a := &domain.Application{
					ID: fmt.Sprintf("app%08d", i), ExamID: exam.ID, CandidateID: fmt.Sprintf("c%08d", i), LevelCode: "sz",
					State: domain.StateApproved, Version: 1, PositionCode: fmt.Sprintf("P%04d", i%npos), PhotoID: "ph",
					// As every real one, the application was approved by a reviewer first.
					History: []domain.HistoryEntry{{At: ticketStart.AddDate(0, 0, -25), ActorID: "reviewer", Role: domain.RoleReviewer,
						From: domain.StateSubmitted, To: domain.StateApproved}},
				}
				before := *a
				if err := domain.Transition(a, exam, domain.ActionPay, "alipay", domain.RoleSystem, ticketStart, ""); err != nil {
					return err
				}
				if err := tx.writeApplication(nil, &before); err != nil {
					return err
				}
				if err := tx.writeApplication(&before, a); err != nil {
					return err
				}
				if accounts {
					if err := tx.PutAccount(&domain.Account{ID: a.CandidateID, Role: domain.RoleCandidate, LoginName: fmt.Sprintf("42010119900101%04d", i), Name: fmt.Sprintf("考生%d", i), Sex: "男"}); err != nil {
						return err
					}
				}
				ids[i] = a.ID
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func seatSetup(t testing.TB, s *Store, rooms string, venues int) {
	t.Helper()
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	if err := s.SaveTicketSettings(&domain.TicketSettings{ExamID: "e1", ExamNo: "2023", Instructions: "须知"}, AuditEntry{At: ticketStart, ActorID: admin.ID, Action: "ticket.settings"}, ticketStart); err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= venues; v++ {
		venue, err := domain.VenueInput{No: fmt.Sprint(v), Name: fmt.Sprintf("考点%d", v), Address: "武汉", Rooms: rooms}.Validate()
		if err != nil {
			t.Fatal(err)
		}
		venue.ExamID = "e1"
		if err := s.SaveVenue(venue, true, AuditEntry{At: ticketStart, ActorID: admin.ID, Action: "venue.create"}, ticketStart); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAssignSeats(t *testing.T) {
	s := openTemp(t, false)
	ids := seedPaid(t, s, 250, 7, true)
	seatSetup(t, s, "1\n2\n3\n4\n5", 2) // 300 seats
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	// Redoing a venue with an existing number is refused at the field.
	dup, _ := domain.VenueInput{No: "1", Name: "重复", Address: "武汉", Rooms: "1"}.Validate()
	dup.ExamID = "e1"
	if err := s.SaveVenue(dup, true, AuditEntry{At: ticketStart}, ticketStart); domain.ErrorFields(err)["no"] == "" {
		t.Fatalf("duplicate venue number: %v", err)
	}

	run, err := s.AssignSeats("e1", admin, 99, ticketStart)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Complete() || run.Written != 250 || run.Seed != 99 {
		t.Fatalf("run = %+v", run)
	}
	first := map[string]string{}
	for _, id := range ids {
		a, _ := s.Application(id)
		seat, _ := s.Seat("e1", id)
		if a.State != domain.StateTicketIssued || seat == nil {
			t.Fatalf("%s: state %s, seat %v", id, a.State, seat)
		}
		first[id] = seat.TicketNo
	}
	roster, err := s.Roster("e1", 1, 1)
	if err != nil || len(roster) != 30 || roster[0].Seat.SeatNo != 1 || roster[0].Name == "" {
		t.Fatalf("roster: %d entries, %v", len(roster), err)
	}

	// A crash after some batches: the run record is left incomplete and
	// the next call finishes it with the recorded seed, giving the same seats.
	if err := s.Update(func(tx *Tx) error {
		r := *run
		r.CompletedAt, r.Written = time.Time{}, 100
		return tx.Put(seatRunKey("e1"), &r)
	}); err != nil {
		t.Fatal(err)
	}
	again, err := s.AssignSeats("e1", admin, 12345, ticketStart.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != run.ID || again.Seed != 99 || !again.Complete() {
		t.Fatalf("resumed run = %+v", again)
	}
	for _, id := range ids {
		if seat, _ := s.Seat("e1", id); seat.TicketNo != first[id] {
			t.Fatalf("resumed run moved %s from %s to %s", id, first[id], seat.TicketNo)
		}
	}
	// A new run with another seed reassigns everyone, still one per seat.
	redo, err := s.AssignSeats("e1", admin, 7, ticketStart.Add(2*time.Minute))
	if err != nil || redo.ID == run.ID {
		t.Fatalf("redo: %+v %v", redo, err)
	}
	seen := map[string]bool{}
	moved := 0
	for _, id := range ids {
		seat, _ := s.Seat("e1", id)
		if seen[seat.TicketNo] {
			t.Fatalf("seat %s given twice", seat.TicketNo)
		}
		seen[seat.TicketNo] = true
		if seat.TicketNo != first[id] {
			moved++
		}
		if err := s.View(func(tx *Tx) error {
			got, err := tx.seatByNumber("e1", seat.TicketNo)
			if err == nil && got.AppID != id {
				err = fmt.Errorf("number index of %s names %s", seat.TicketNo, got.AppID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if moved == 0 {
		t.Fatal("another seed moved nobody")
	}
	n := 0
	s.View(func(tx *Tx) error {
		return tx.Scan(seatNoPrefix("e1"), ScanOptions{KeysOnly: true}, func(string, []byte) error { n++; return nil })
	})
	if n != 250 {
		t.Fatalf("%d number index entries after the redo, want 250", n)
	}
}

func TestAssignSeatsRefused(t *testing.T) {
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	t.Run("too few seats", func(t *testing.T) {
		s := openTemp(t, false)
		seedPaid(t, s, 31, 2, false)
		seatSetup(t, s, "1", 1)
		_, err := s.AssignSeats("e1", admin, 1, ticketStart)
		if domain.ErrorCode(err) != domain.ECONFLICT || !strings.Contains(domain.ErrorMessage(err), "还差 1 个座位") {
			t.Fatalf("err = %v", err)
		}
		if run, _ := s.SeatRun("e1"); run != nil {
			t.Fatal("a refused run was recorded")
		}
		if a, _ := s.Application("app00000000"); a.State != domain.StatePaid {
			t.Fatalf("state %s after a refused run", a.State)
		}
	})
	t.Run("printing opened", func(t *testing.T) {
		s := openTemp(t, false)
		seedPaid(t, s, 5, 2, false)
		seatSetup(t, s, "1", 1)
		if _, err := s.AssignSeats("e1", admin, 1, ticketStart); err != nil {
			t.Fatal(err)
		}
		opened := ticketStart.AddDate(0, 0, 6)
		_, err := s.AssignSeats("e1", admin, 2, opened)
		if domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("err = %v", err)
		}
		if run, _ := s.SeatRun("e1"); run.Seed != 1 {
			t.Fatal("refused re-run changed the recorded run")
		}
		v, _ := s.Venue("e1", 1)
		if err := s.SaveVenue(v, false, AuditEntry{At: opened}, opened); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("venue change after printing opened: %v", err)
		}
		err = s.SaveTicketSettings(&domain.TicketSettings{ExamID: "e1", ExamNo: "2024"}, AuditEntry{At: opened}, opened)
		if domain.ErrorFields(err)["exam_no"] == "" {
			t.Fatalf("exam number change after assignment: %v", err)
		}
	})
}

func TestCheckIn(t *testing.T) {
	s := openTemp(t, false)
	seedPaid(t, s, 40, 2, true)
	seatSetup(t, s, "1\n2", 2)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	if _, err := s.AssignSeats("e1", admin, 3, ticketStart); err != nil {
		t.Fatal(err)
	}
	key, err := s.TicketSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	key2, _ := s.TicketSigningKey()
	if !key.Equal(key2) {
		t.Fatal("signing key changed between calls")
	}
	seat, _ := s.Seat("e1", "app00000000")
	tok := domain.SignTicket(key, domain.TicketClaims{ExamID: "e1", TicketNo: seat.TicketNo, AppID: seat.AppID})
	inv := &domain.Account{ID: "inv1", Role: domain.RoleInvigilator, Venue: domain.VenueScope("e1", seat.VenueNo)}
	now := ticketStart.AddDate(0, 0, 12)
	pk := key.Public().(ed25519.PublicKey)
	res, err := s.CheckIn(inv, tok, pk, now)
	if err != nil || res.Already || res.Entry.Name == "" || !res.At.Equal(now) {
		t.Fatalf("first check-in: %+v %v", res, err)
	}
	res, err = s.CheckIn(inv, seat.TicketNo, pk, now.Add(time.Minute))
	if err != nil || !res.Already || !res.At.Equal(now) {
		t.Fatalf("second check-in by number: %+v %v", res, err)
	}
	// One changed character of the token is refused.
	b := []byte(tok)
	b[10] ^= 1
	if _, err := s.CheckIn(inv, string(b), pk, now); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("altered token: %v", err)
	}
	// A token of another exam, a number the exam does not have, and a seat of another venue.
	other := domain.SignTicket(key, domain.TicketClaims{ExamID: "e2", TicketNo: seat.TicketNo, AppID: seat.AppID})
	if _, err := s.CheckIn(inv, other, pk, now); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("foreign exam token: %v", err)
	}
	if _, err := s.CheckIn(inv, "20249999999", pk, now); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("number of another exam: %v", err)
	}
	if _, err := s.CheckIn(inv, "12ab", pk, now); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("malformed number: %v", err)
	}
	elsewhere := &domain.Account{ID: "inv2", Role: domain.RoleInvigilator, Venue: domain.VenueScope("e1", 3-seat.VenueNo)}
	if _, err := s.CheckIn(elsewhere, tok, pk, now); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("other venue: %v", err)
	}
	roster, _ := s.Roster("e1", seat.VenueNo, seat.RoomNo)
	checked := 0
	for _, e := range roster {
		if !e.CheckedIn.IsZero() {
			checked++
		}
	}
	if checked != 1 {
		t.Fatalf("%d checked in on the roster, want 1", checked)
	}
}

// BenchmarkAssignSeats100k assigns seats to 100,000 paid applications over
// 500 positions, 4 venues of 30-seat rooms (benchSeatRuns), on disk.
func BenchmarkAssignSeats100k(b *testing.B) {
	s := openTemp(b, false)
	seedPaid(b, s, benchSeatN, 500, false)
	benchSeatRuns(b, s)
}

// benchSeatRuns times b.N seat runs over benchSeatN paid applications of
// exam e1: 4 venues of 30-seat rooms with ~8 % to spare (at least one
// more room than needed, so a small EXAMREG_BENCH_SEATS fits too).
func benchSeatRuns(b *testing.B, s *Store) {
	rooms := strings.Builder{}
	for r := 1; r <= benchSeatN/108+1; r++ {
		fmt.Fprintf(&rooms, "%d 30\n", r)
	}
	seatSetup(b, s, rooms.String(), 4)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		run, err := s.AssignSeats("e1", admin, uint64(i+1), ticketStart)
		if err != nil || run.Written != benchSeatN {
			b.Fatal(run, err)
		}
	}
	// CPU seconds of the whole process (Badger's flushes and compactions
	// included): on a shared machine a steadier figure than wall time.
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkCheckIn is one check-in lookup by 准考证号 (after the first, each is a warning: a read-write transaction that writes nothing).
func BenchmarkCheckIn(b *testing.B) {
	s := openTemp(b, false)
	seedPaid(b, s, 2000, 20, true)
	seatSetup(b, s, strings.Repeat("1 30\n", 1)+"2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n21\n22\n23\n24\n25\n26\n27\n28\n29\n30\n31\n32\n33\n34\n35\n36\n37\n38\n39\n40\n41\n42\n43\n44\n45\n46\n47\n48\n49\n50\n51\n52\n53\n54\n55\n56\n57\n58\n59\n60\n61\n62\n63\n64\n65\n66\n67", 1)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	if _, err := s.AssignSeats("e1", admin, 1, ticketStart); err != nil {
		b.Fatal(err)
	}
	key, _ := s.TicketSigningKey()
	pk := key.Public().(ed25519.PublicKey)
	seat, _ := s.Seat("e1", "app00000007")
	tok := domain.SignTicket(key, domain.TicketClaims{ExamID: "e1", TicketNo: seat.TicketNo, AppID: seat.AppID})
	inv := &domain.Account{ID: "inv", Role: domain.RoleInvigilator, Venue: domain.VenueScope("e1", 1)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.CheckIn(inv, tok, pk, ticketStart); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSeatN is the number of paid applications BenchmarkAssignSeats100k seats.
var benchSeatN = envInt("EXAMREG_BENCH_SEATS", 100_000)

// envInt reads a positive integer from the environment (benchmark sizes), def otherwise.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestAssignSeatsLargeRecords: applications of ~20 KiB (long 简历) make a
// batch of seatBatch far too big for one Badger transaction; the run
// halves its batches and still seats everyone, each exactly once.
func TestAssignSeatsLargeRecords(t *testing.T) {
	s := openTemp(t, false)
	ids := seedPaid(t, s, 300, 3, true)
	long := strings.Repeat("一九九〇年至今在某单位从事文字综合工作。", 340)
	for start := 0; start < len(ids); start += 20 {
		if err := s.Update(func(tx *Tx) error {
			for _, id := range ids[start:min(start+20, len(ids))] {
				a, err := tx.Application(id)
				if err != nil {
					return err
				}
				before := *a
				a.Form.Employer = long
				if err := tx.writeApplication(&before, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	seatSetup(t, s, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10", 1)
	run, err := s.AssignSeats("e1", &domain.Account{ID: "admin", Role: domain.RoleAdmin}, 5, ticketStart)
	if err != nil {
		t.Fatal(err)
	}
	if run.Written != 300 {
		t.Fatalf("written %d", run.Written)
	}
	if r, _ := s.SeatRun("e1"); r.Written != 300 || !r.Complete() {
		t.Fatalf("recorded run %+v", r)
	}
	numbers := map[string]bool{}
	for _, id := range ids {
		seat, _ := s.Seat("e1", id)
		a, _ := s.Application(id)
		if seat == nil || a.State != domain.StateTicketIssued || numbers[seat.TicketNo] {
			t.Fatalf("%s: seat %v state %s", id, seat, a.State)
		}
		numbers[seat.TicketNo] = true
	}
}
