package domain

import (
	"testing"
	"time"
)

func TestParseAndFormatYuan(t *testing.T) {
	good := []struct {
		in  string
		fen int64
	}{
		{"100.00", 10000}, {"100", 10000}, {"100.5", 10050}, {"0.01", 1}, {"99999999.99", 9999999999},
	}
	for _, c := range good {
		got, err := ParseYuan(c.in)
		if err != nil || got != c.fen {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", c.in, got, err, c.fen)
		}
	}
	for _, in := range []string{"", "1e2", "-1.00", "+1", "1.001", "1.", ".5", "１００", "100.00 ", "0x10", "1000000000"} {
		if _, err := ParseYuan(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseYuan(%q) accepted", in)
		}
	}
	for fen, want := range map[int64]string{10000: "100.00", 1: "0.01", 10050: "100.50", 0: "0.00", -150: "-1.50"} {
		if got := FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestMaskedBuyer(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678": "138****5678", "zhang@example.com": "z***@example.com", "138****5678": "138****5678", "ab": "***", "": "",
	} {
		if got := MaskedBuyer(in); got != want {
			t.Errorf("MaskedBuyer(%q) = %q, want %q", in, got, want)
		}
	}
}

func payExam() *Exam {
	return &Exam{ID: "e", FeeFen: 10000, Payment: Window{sh(2023, 3, 26, 9, 0), sh(2023, 3, 30, 17, 0)}}
}

func TestDecidePayStart(t *testing.T) {
	in := sh(2023, 3, 27, 10, 0)
	open := func(created time.Time, fen int64) *Order {
		return &Order{State: OrderCreated, CreatedAt: created, ExpiresAt: created.Add(OrderTimeout), AmountFen: fen}
	}
	cases := []struct {
		name  string
		state State
		exam  func(*Exam)
		open  *Order
		now   time.Time
		want  PayStart
		code  Code
	}{
		{"approved, no order", StateApproved, nil, nil, in, PayNew, ""},
		{"open order reused", StateApproved, nil, open(in.Add(-time.Minute), 10000), in, PayReuse, ""},
		{"expired order closed first", StateApproved, nil, open(in.Add(-OrderTimeout), 10000), in, PayCloseFirst, ""},
		{"fee changed: closed first", StateApproved, nil, open(in.Add(-time.Minute), 5000), in, PayCloseFirst, ""},
		{"closed order: new", StateApproved, nil, &Order{State: OrderClosed}, in, PayNew, ""},
		{"not approved", StateSubmitted, nil, nil, in, 0, ECONFLICT},
		{"already paid", StatePaid, nil, nil, in, 0, ECONFLICT},
		{"before the window", StateApproved, nil, nil, sh(2023, 3, 26, 8, 59), 0, EFORBIDDEN},
		{"after the window", StateApproved, nil, nil, sh(2023, 3, 30, 17, 0), 0, EFORBIDDEN},
		{"no fee", StateApproved, func(e *Exam) { e.FeeFen = 0 }, nil, in, 0, ECONFLICT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := payExam()
			if c.exam != nil {
				c.exam(e)
			}
			got, err := DecidePayStart(&Application{State: c.state}, e, c.open, c.now)
			if got != c.want || ErrorCode(err) != c.code {
				t.Errorf("got %v, %v; want %v, %q", got, err, c.want, c.code)
			}
		})
	}
}

func TestDecideSettlement(t *testing.T) {
	m := Merchant{AppID: "app", SellerID: "seller"}
	ev := func(f func(*TradeEvidence)) TradeEvidence {
		e := TradeEvidence{AppID: "app", SellerID: "seller", OutTradeNo: "o1", TradeNo: "t1", Status: TradeSuccess, AmountFen: 10000, Source: "notify"}
		if f != nil {
			f(&e)
		}
		return e
	}
	order := func(st OrderState) *Order {
		return &Order{ID: "o1", State: st, AmountFen: 10000, TradeNo: map[bool]string{true: "t1"}[st == OrderPaid]}
	}
	cases := []struct {
		name    string
		order   OrderState
		ev      TradeEvidence
		want    SettleOutcome
		anomaly string
		code    Code
	}{
		{"success settles", OrderCreated, ev(nil), SettlePaid, "", ""},
		{"finished settles", OrderCreated, ev(func(e *TradeEvidence) { e.Status = TradeFinished }), SettlePaid, "", ""},
		{"query without seller settles", OrderCreated, ev(func(e *TradeEvidence) { e.SellerID, e.Source = "", "query" }), SettlePaid, "", ""},
		{"waiting changes nothing", OrderCreated, ev(func(e *TradeEvidence) { e.Status = TradeWaitBuyerPay }), SettleNothing, "", ""},
		{"closed at Alipay closes", OrderCreated, ev(func(e *TradeEvidence) { e.Status = TradeClosed }), SettleClosed, "", ""},
		{"resent notification", OrderPaid, ev(nil), SettleDuplicate, "", ""},
		{"closed after success: paid stays", OrderPaid, ev(func(e *TradeEvidence) { e.Status = TradeClosed }), SettleNothing, "", ""},
		{"another trade for a paid order", OrderPaid, ev(func(e *TradeEvidence) { e.TradeNo = "t2" }), SettleAnomaly, AnomalyTradeMismatch, ""},
		{"paid after close", OrderClosed, ev(nil), SettleAnomaly, AnomalyPaidAfterClose, ""},
		{"wrong amount", OrderCreated, ev(func(e *TradeEvidence) { e.AmountFen = 1 }), SettleAnomaly, AnomalyAmountMismatch, ""},
		{"another app", OrderCreated, ev(func(e *TradeEvidence) { e.AppID = "x" }), "", "", EINVALID},
		{"another seller", OrderCreated, ev(func(e *TradeEvidence) { e.SellerID = "x" }), "", "", EINVALID},
		{"no seller in a notification", OrderCreated, ev(func(e *TradeEvidence) { e.SellerID = "" }), "", "", EINVALID},
		{"another order", OrderCreated, ev(func(e *TradeEvidence) { e.OutTradeNo = "o2" }), "", "", EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DecideSettlement(order(c.order), c.ev, m)
			if st.Outcome != c.want || st.Anomaly != c.anomaly || ErrorCode(err) != c.code {
				t.Errorf("got %+v, %v; want %s %s %q", st, err, c.want, c.anomaly, c.code)
			}
		})
	}
}

func TestApplySettlement(t *testing.T) {
	now := sh(2023, 3, 27, 10, 0)
	o := &Order{ID: "o1", State: OrderCreated, AmountFen: 10000, Version: 1}
	e := TradeEvidence{TradeNo: "t1", BuyerLogon: "13812345678", Source: "query"}
	ApplySettlement(o, Settlement{Outcome: SettlePaid}, e, now)
	if o.State != OrderPaid || o.TradeNo != "t1" || o.BuyerLogon != "138****5678" || !o.PaidAt.Equal(now) || o.SettledBy != "query" || o.Version != 2 {
		t.Errorf("paid: %+v", o)
	}
	c := &Order{State: OrderCreated}
	ApplySettlement(c, Settlement{Outcome: SettleAnomaly, Anomaly: AnomalyAmountMismatch}, e, now)
	if c.State != OrderClosed || c.CloseReason == "" {
		t.Errorf("amount mismatch leaves the order %s", c.State)
	}
	if _, err := CheckCloseOrder(o); ErrorCode(err) != ECONFLICT {
		t.Error("a paid order may be closed")
	}
}
