package kv

import (
	"strings"
	"testing"

	"examreg/domain"
)

// openingSetup seeds 10 paid applications: P0000 holds apps 0,3,6,9 (quota
// 1: opens at 3:1), P0001 apps 1,4,7 (quota 2: below), P0002 apps 2,5,8
// (quota 5: below, supports no quota at all).
func openingSetup(t *testing.T, s *Store) []string {
	t.Helper()
	ids := seedPaid(t, s, 10, 3, true)
	if err := s.Update(func(tx *Tx) error {
		for code, quota := range map[string]int{"P0000": 1, "P0001": 2, "P0002": 5} {
			p, err := tx.Position("e1", code)
			if err != nil {
				return err
			}
			p.Quota, p.Title = quota, "职位"+code
			if err := tx.PutPosition(p); err != nil {
				return err
			}
		}
		// app 5 paid online: its refund goes through the payment queue.
		return tx.writeOrder(&domain.Order{ID: "o5", ApplicationID: ids[5], ExamID: "e1", CandidateID: "c00000005",
			PositionCode: "P0002", AmountFen: 10000, State: domain.OrderPaid, TradeNo: "T5"})
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func wantCode(t *testing.T, what string, err error, code domain.Code) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

// TestOpeningFlow walks 开考比例 through kv: settings, refusals, 核减计划,
// 取消职位 with cases and messages, 改报 (with its refusals), 申请退款 into
// the payment refund queue, the seat run's gate, 逾期未改报转退款, and a
// seat run that seats nobody of the cancelled position.
func TestOpeningFlow(t *testing.T) {
	s := openTemp(t, false)
	ids := openingSetup(t, s)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	seatSetup(t, s, "1\n2", 1)
	now := ticketStart

	_, err := s.CancelPosition("e1", "P0002", admin, now)
	wantCode(t, "cancel before settings", err, domain.ECONFLICT)

	o, err := domain.OpeningInput{Ratio: "3", SwitchEnd: now.AddDate(0, 0, 2).In(domain.Shanghai).Format(domain.DatetimeLocal)}.Validate("e1", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOpeningSettings(o, admin, now); err != nil {
		t.Fatal(err)
	}

	ov, err := s.OpeningOverview("e1")
	if err != nil {
		t.Fatal(err)
	}
	var under []string
	for _, r := range ov.Under {
		under = append(under, r.Position.Code)
	}
	if strings.Join(under, ",") != "P0001,P0002" {
		t.Fatalf("under ratio: %v", under)
	}

	_, err = s.CancelPosition("e1", "P0000", admin, now)
	wantCode(t, "cancel a position at the ratio", err, domain.ECONFLICT)
	for _, typed := range []string{"0", "-1", "2", "x", ""} {
		_, err := s.ReducePosition("e1", "P0001", typed, admin, now)
		if domain.ErrorFields(err)["quota"] == "" {
			t.Fatalf("reduce to %q: %v", typed, err)
		}
	}
	if _, err := s.ReducePosition("e1", "P0001", "1", admin, now); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Position("e1", "P0001"); p.Quota != 1 {
		t.Fatalf("quota after 核减 = %d", p.Quota)
	}
	_, err = s.ReducePosition("e1", "P0001", "1", admin, now)
	wantCode(t, "reduce twice", err, domain.ECONFLICT)

	op, err := s.CancelPosition("e1", "P0002", admin, now)
	if err != nil || op.Paid != 3 {
		t.Fatalf("cancel: %+v %v", op, err)
	}
	_, err = s.CancelPosition("e1", "P0002", admin, now)
	wantCode(t, "cancel twice", err, domain.ECONFLICT)
	// Public lists say so, and a staff edit or re-import does not undo it.
	p2, _ := s.Position("e1", "P0002")
	if !p2.Cancelled {
		t.Fatalf("the cancelled position is not marked for the public lists")
	}
	edited := p2
	edited.Cancelled, edited.Title = false, "改了名称"
	if err := s.SavePosition(&edited, false, AuditEntry{At: now, ActorID: admin.ID, Action: "position.update"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportPositions("e1", []domain.Position{{Code: "P0002", Title: "再导入", LevelCode: p2.LevelCode, Quota: p2.Quota}}, AuditEntry{At: now, ActorID: admin.ID, Action: "position.import"}); err != nil {
		t.Fatal(err)
	}
	if p2, _ = s.Position("e1", "P0002"); !p2.Cancelled || p2.Title != "再导入" {
		t.Fatalf("after edit and import: cancelled %v, title %q", p2.Cancelled, p2.Title)
	}
	for _, i := range []int{2, 5, 8} {
		a, _ := s.Application(ids[i])
		if !a.Opening.Pending() || a.State != domain.StatePaid {
			t.Fatalf("app %d: %+v", i, a.Opening)
		}
		msgs, _, err := s.Messages(a.CandidateID, 10)
		if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Body, "P0002") {
			t.Fatalf("messages of app %d: %+v %v", i, msgs, err)
		}
	}

	_, err = s.AssignSeats("e1", admin, 1, now)
	wantCode(t, "seats while the 改报 window is open", err, domain.ECONFLICT)

	cand2 := &domain.Account{ID: "c00000002", Role: domain.RoleCandidate}
	_, err = s.SwitchPosition(&domain.Account{ID: "c00000003", Role: domain.RoleCandidate}, ids[2], "P0000", now)
	wantCode(t, "another candidate's application", err, domain.ENOTFOUND)
	for _, code := range []string{"P0002", "NOPE", ""} {
		_, err := s.SwitchPosition(cand2, ids[2], code, now)
		if domain.ErrorFields(err)["position_code"] == "" {
			t.Fatalf("switch to %q: %v", code, err)
		}
	}
	before := s.PositionCounts("e1", "P0000").Paid
	a, err := s.SwitchPosition(cand2, ids[2], "P0000", now)
	if err != nil || a.PositionCode != "P0000" || a.State != domain.StatePaid || a.Opening.Decision != domain.CaseSwitched {
		t.Fatalf("switch: %+v %v", a, err)
	}
	if got := s.PositionCounts("e1", "P0000").Paid; got != before+1 {
		t.Fatalf("P0000 paid %d → %d", before, got)
	}
	_, err = s.SwitchPosition(cand2, ids[2], "P0001", now)
	wantCode(t, "switch twice", err, domain.ECONFLICT)

	cand5 := &domain.Account{ID: "c00000005", Role: domain.RoleCandidate}
	if _, err := s.RequestRefund(cand5, ids[5], now); err != nil {
		t.Fatal(err)
	}
	_, err = s.RequestRefund(cand5, ids[5], now)
	wantCode(t, "refund twice", err, domain.ECONFLICT)
	anoms, err := s.PaymentAnomalies()
	if err != nil || len(anoms) != 1 || anoms[0].Kind != domain.AnomalyPositionCancelled || anoms[0].AmountFen != 10000 || anoms[0].RefundState != domain.RefundQueued {
		t.Fatalf("refund queue: %+v %v", anoms, err)
	}
	_, err = s.SettleUndecided("e1", admin, now)
	wantCode(t, "settle before the 改报截止", err, domain.ECONFLICT)

	later := now.AddDate(0, 0, 3)
	_, err = s.SwitchPosition(&domain.Account{ID: "c00000008", Role: domain.RoleCandidate}, ids[8], "P0000", later)
	wantCode(t, "switch after the window", err, domain.EFORBIDDEN)
	_, err = s.AssignSeats("e1", admin, 1, later)
	wantCode(t, "seats with an undecided candidate", err, domain.ECONFLICT)
	if n, err := s.SettleUndecided("e1", admin, later); err != nil || n != 1 {
		t.Fatalf("settle: %d %v", n, err)
	}
	run, err := s.AssignSeats("e1", admin, 1, later)
	if err != nil || run.Written != 8 {
		t.Fatalf("seat run: %+v %v", run, err)
	}
	for i, id := range ids {
		seat, _ := s.Seat("e1", id)
		if (seat == nil) != (i == 5 || i == 8) {
			t.Errorf("app %d seat %v", i, seat)
		}
	}
	ov, _ = s.OpeningOverview("e1")
	if len(ov.Decided) != 2 || ov.Pending != 0 {
		t.Fatalf("decided %+v pending %d", ov.Decided, ov.Pending)
	}
	log, _ := s.AuditLog(100)
	seen := map[string]bool{}
	for _, e := range log {
		seen[e.Action] = true
	}
	for _, want := range []string{"opening.settings", "opening.cancel", "opening.reduce", "opening.switch", "opening.refund"} {
		if !seen[want] {
			t.Errorf("no audit entry %s", want)
		}
	}
}
