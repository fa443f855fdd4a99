package kv

import (
	"fmt"
	"strings"
	"testing"
	"time"

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
	if a, err := s.RequestRefund(cand5, ids[5], now); err != nil || a.State != domain.StateRefundPending {
		t.Fatalf("refund: %+v %v", a, err)
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
	// App 8 paid nothing online: nothing to refund, its case ends at once.
	if a, _ := s.Application(ids[8]); a.State != domain.StateRefunded || a.Opening.Decision != domain.CaseRefund {
		t.Fatalf("settled app 8: %s %+v", a.State, a.Opening)
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

// refundSetup cancels P0002 (apps 2, 5, 8; app 5 paid online, order o5)
// with the 改报 window open at ticketStart.
func refundSetup(t *testing.T, s *Store) []string {
	t.Helper()
	ids := openingSetup(t, s)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	o, err := domain.OpeningInput{Ratio: "3", SwitchEnd: ticketStart.AddDate(0, 0, 2).In(domain.Shanghai).Format(domain.DatetimeLocal)}.Validate("e1", ticketStart)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOpeningSettings(o, admin, ticketStart); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelPosition("e1", "P0002", admin, ticketStart); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestRefundStates: 申请退款 moves the application paid → refund_pending
// (counts follow: no longer paid), 改报 is refused after it, the
// administrator's refund moves it to refunded with the time, and the seat
// run never seats a refund case.
func TestRefundStates(t *testing.T) {
	s := openTemp(t, false)
	ids := refundSetup(t, s)
	seatSetup(t, s, "1\n2", 1)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	cand5 := &domain.Account{ID: "c00000005", Role: domain.RoleCandidate}
	now := ticketStart.Add(time.Hour)

	paidBefore, totalBefore := s.PositionCounts("e1", "P0002"), s.CountTotals("e1")
	stampBefore := s.StatusStamp(cand5.ID, "e1")
	a, err := s.RequestRefund(cand5, ids[5], now)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != domain.StateRefundPending || a.Opening.RefundFen != 10000 || a.Opening.RefundTradeNo != "T5" {
		t.Fatalf("after 申请退款: %s %+v", a.State, a.Opening)
	}
	if h := a.History[len(a.History)-1]; h.From != domain.StatePaid || h.To != domain.StateRefundPending || h.Role != domain.RoleCandidate {
		t.Fatalf("history %+v", h)
	}
	got := s.PositionCounts("e1", "P0002")
	if got.Paid != paidBefore.Paid-1 || got.Approved != paidBefore.Approved {
		t.Fatalf("P0002 counts %+v → %+v", paidBefore, got)
	}
	if tot := s.CountTotals("e1"); tot.Paid != totalBefore.Paid-1 {
		t.Fatalf("total paid %d → %d", totalBefore.Paid, tot.Paid)
	}
	if s.StatusStamp(cand5.ID, "e1") == stampBefore {
		t.Fatal("the status stamp did not move: a poll would not see the refund")
	}
	if ov, _ := s.OpeningOverview("e1"); ov.Decided[0].Paid != 2 {
		t.Fatalf("opening page still counts the refund as paid: %+v", ov.Decided[0])
	}
	// 改报 after choosing the refund is refused, and so is a second refund.
	_, err = s.SwitchPosition(cand5, ids[5], "P0000", now)
	wantCode(t, "改报 after refund", err, domain.ECONFLICT)
	_, err = s.RequestRefund(cand5, ids[5], now)
	wantCode(t, "refund twice", err, domain.ECONFLICT)

	// The finance page's refund (RecordRefund) completes it.
	anoms, _ := s.PaymentAnomalies()
	if len(anoms) != 1 || anoms[0].ApplicationID != ids[5] {
		t.Fatalf("anomalies %+v", anoms)
	}
	refundAt := now.Add(time.Hour)
	if _, err := s.RecordRefund(anoms[0].ID, admin, true, refundAt); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Application(ids[5])
	if a.State != domain.StateRefunded || !a.Opening.RefundedAt.Equal(refundAt) {
		t.Fatalf("after the refund: %s %+v", a.State, a.Opening)
	}
	if h := a.History[len(a.History)-1]; h.From != domain.StateRefundPending || h.To != domain.StateRefunded || h.ActorID != admin.ID {
		t.Fatalf("history %+v", h)
	}
	if sum := domain.RefundSummary(a); !strings.Contains(sum, "100.00 元") || !strings.Contains(sum, domain.FormatTime(refundAt)) {
		t.Fatalf("summary %q", sum)
	}
	_, err = s.RecordRefund(anoms[0].ID, admin, true, refundAt)
	wantCode(t, "refund made twice", err, domain.ECONFLICT)
	if c := s.PositionCounts("e1", "P0002"); c.Paid != paidBefore.Paid-1 {
		t.Fatalf("counts after refunded: %+v", c)
	}

	// After the window: app 8 is settled into refund (no online order: refunded at once), app 2 switches first.
	later := ticketStart.AddDate(0, 0, 3)
	if _, err := s.SwitchPosition(&domain.Account{ID: "c00000002", Role: domain.RoleCandidate}, ids[2], "P0000", now); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SettleUndecided("e1", admin, later); err != nil || n != 1 {
		t.Fatalf("settle: %d %v", n, err)
	}
	if a, _ := s.Application(ids[8]); a.State != domain.StateRefunded || a.History[len(a.History)-2].Role != domain.RoleAdmin {
		t.Fatalf("app 8: %s %+v", a.State, a.History)
	}
	if c := s.PositionCounts("e1", "P0002"); c.Paid != 0 || c.Approved != 2 {
		t.Fatalf("P0002 after every case decided: %+v", c)
	}

	// The seat run's candidates never include a refund case, even apart
	// from the cancelled position's exclusion.
	if err := s.View(func(tx *Tx) error {
		all, err := tx.seatCandidatesAll("e1")
		for _, c := range all {
			if c.AppID == ids[5] || c.AppID == ids[8] {
				t.Errorf("seat candidate %+v is a refund case", c)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	run, err := s.AssignSeats("e1", admin, 7, later)
	if err != nil || run.Written != 8 {
		t.Fatalf("seat run: %+v %v", run, err)
	}
	for _, i := range []int{5, 8} {
		seat, _ := s.Seat("e1", ids[i])
		a, _ := s.Application(ids[i])
		if seat != nil || a.State != domain.StateRefunded {
			t.Errorf("app %d: seat %+v, state %s", i, seat, a.State)
		}
	}
	if a, _ := s.Application(ids[2]); a.State != domain.StateTicketIssued {
		t.Errorf("the switched app 2 was not seated: %s", a.State)
	}
	// The incremental counts agree with a recount from the applications.
	if drift, err := s.RebuildCounts("e1"); err != nil || len(drift) != 0 {
		t.Fatalf("counts drifted: %+v %v", drift, err)
	}
}

// TestRefundCasesOfOlderStores: applications an older version left in
// paid with the refund decision (and counted as paid) are brought into
// refund_pending or refunded when the store opens, counts follow, and
// the history reads as one 申请退费 step.
func TestRefundCasesOfOlderStores(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ids := refundSetup(t, s)
	now := ticketStart.Add(time.Hour)
	// What the older RequestRefund wrote: the decision and a 申请退款 stamp
	// on a paid application, the case index, and (app 5, order o5) the
	// queued anomaly; app 2's fee has also been refunded by the finance page.
	old := func(tx *Tx, id, by string) error {
		a, err := tx.Application(id)
		if err != nil {
			return err
		}
		before := *a
		a.Opening.Decision, a.Opening.DecidedAt, a.Opening.DecidedBy = domain.CaseRefund, now, by
		a.Version++
		a.History = append(a.History, domain.HistoryEntry{At: now, ActorID: by, Role: domain.RoleCandidate,
			From: domain.StatePaid, To: domain.StatePaid, Note: "申请退款 报考费 100.00 元待原路退回"})
		if err := tx.writeApplication(&before, a); err != nil {
			return err
		}
		return tx.PutRaw(openingCaseKey("e1", "P0002", id), []byte(domain.CaseRefund))
	}
	if err := s.Update(func(tx *Tx) error {
		if err := tx.writeOrder(&domain.Order{ID: "o2", ApplicationID: ids[2], ExamID: "e1", CandidateID: "c00000002",
			PositionCode: "P0002", AmountFen: 10000, State: domain.OrderPaid, TradeNo: "T2"}); err != nil {
			return err
		}
		for _, i := range []int{2, 5, 8} {
			if err := old(tx, ids[i], fmt.Sprintf("c%08d", i)); err != nil {
				return err
			}
		}
		for _, o := range []struct {
			order, app, cand, trade string
			done                    bool
		}{{"o5", ids[5], "c00000005", "T5", false}, {"o2", ids[2], "c00000002", "T2", true}} {
			an := &domain.PaymentAnomaly{ID: anomalyID(o.order, domain.AnomalyPositionCancelled), Kind: domain.AnomalyPositionCancelled,
				OrderID: o.order, ApplicationID: o.app, CandidateID: o.cand, TradeNo: o.trade, AmountFen: 10000, RefundState: domain.RefundQueued, At: now}
			if o.done {
				an.RefundState, an.RefundedAt, an.RefundedBy = domain.RefundDone, now.Add(time.Hour), "admin"
			}
			if err := tx.Put(payAnomalyKey(an.ID), an); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if c := s.PositionCounts("e1", "P0002"); c.Paid != 3 {
		t.Fatalf("the older store counts them paid: %+v", c)
	}
	s.Close()

	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		i          int
		want       domain.State
		refundedAt time.Time
		fen        int64
	}{
		{5, domain.StateRefundPending, time.Time{}, 10000},
		{2, domain.StateRefunded, now.Add(time.Hour), 10000},
		{8, domain.StateRefunded, now, 0}, // nothing paid online
	} {
		a, _ := s.Application(ids[tc.i])
		if a.State != tc.want || !a.Opening.RefundedAt.Equal(tc.refundedAt) || a.Opening.RefundFen != tc.fen {
			t.Errorf("app %d: %s %+v", tc.i, a.State, a.Opening)
		}
		// The 申请退款 stamp became the transition (no second entry for it).
		if h := a.History[3]; h.From != domain.StatePaid || h.To != domain.StateRefundPending || !h.At.Equal(now) {
			t.Errorf("app %d history %+v", tc.i, a.History)
		}
		if !strings.Contains(domain.RefundSummary(a), "申请退费") {
			t.Errorf("app %d summary %q", tc.i, domain.RefundSummary(a))
		}
	}
	if c := s.PositionCounts("e1", "P0002"); c.Paid != 0 || c.Approved != 3 {
		t.Fatalf("counts after the upgrade: %+v", c)
	}
	if drift, err := s.RebuildCounts("e1"); err != nil || len(drift) != 0 {
		t.Fatalf("counts drifted: %+v %v", drift, err)
	}
	// The queued one is completed by the finance page's refund as usual.
	if _, err := s.RecordRefund(anomalyID("o5", domain.AnomalyPositionCancelled), &domain.Account{ID: "admin", Role: domain.RoleAdmin}, true, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Application(ids[5]); a.State != domain.StateRefunded {
		t.Fatalf("app 5 after the refund: %s", a.State)
	}
	// Opening again changes nothing.
	v := map[string]int{}
	for _, id := range ids {
		a, _ := s.Application(id)
		v[id] = a.Version
	}
	if err := s.adoptRefundCases(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if a, _ := s.Application(id); a.Version != v[id] {
			t.Errorf("%s rewritten by a second adoption", id)
		}
	}
}
