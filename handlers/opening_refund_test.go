package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"examreg/domain"
	"examreg/handlers/alipaygw"
)

// TestOpeningRefundStatusAndFinance: two candidates of position 1001 paid
// through Alipay; it is cancelled (开考比例). One asks for the refund: the
// candidate's status page, poll, home, 报考流程, 改报 and 网上缴费 pages say
// 申请退费，待退款 with the amount and where it goes, 改报 is refused, and
// the finance view counts the fee as a refund to make, not a live payment.
// The administrator refunds it at Alipay: both sides then say 已退款/已退费,
// with the time.
func TestOpeningRefundStatusAndFinance(t *testing.T) {
	ps := newPayServer(t, nil)
	pay := func() (*client, *domain.Application) {
		c, app := ps.approvedCandidate(t)
		no := ps.openCashier(t, c)
		if _, err := ps.demo.Act(no, alipaygw.DemoPay, ""); err != nil {
			t.Fatal(err)
		}
		return c, ps.waitState(t, app.ID, domain.StatePaid)
	}
	c1, app1 := pay()
	_, app2 := pay()
	if app1.PositionCode != "1001" || app2.PositionCode != "1001" {
		t.Fatalf("positions %s %s", app1.PositionCode, app2.PositionCode)
	}

	now := time.Date(2023, 4, 1, 9, 0, 0, 0, domain.Shanghai) // payment closed on 30 March
	ps.clock.Set(now)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	settings, err := domain.OpeningInput{Ratio: "3", SwitchEnd: "2023-04-03T09:00"}.Validate(fxExamID, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.store.SaveOpeningSettings(settings, admin, now); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.store.CancelPosition(fxExamID, "1001", admin, now); err != nil {
		t.Fatal(err)
	}
	acct1, _ := ps.store.Account(app1.CandidateID)
	loginAs(t, c1, acct1.LoginName, testPassword) // the session idled out over the days

	r := c1.PostForm("/opening/"+fxExamID+"/refund", nil)
	wantStatus(t, r, http.StatusSeeOther, "申请退款")
	a1, _ := ps.store.Application(app1.ID)
	if a1.State != domain.StateRefundPending {
		t.Fatalf("after 申请退款: %s", a1.State)
	}
	if c := ps.store.PositionCounts(fxExamID, "1001"); c.Paid != 1 {
		t.Fatalf("1001 still counts the refund as paid: %+v", c)
	}

	// The candidate's view.
	r = c1.Get("/status")
	refund := r.TestID("status-refund")
	if r.TestID("status-state") != "申请退费，待退款" || !strings.Contains(refund, "100.00 元") ||
		!strings.Contains(refund, "原路退回您付款的支付宝账户") || !strings.Contains(refund, a1.Opening.RefundTradeNo) {
		t.Fatalf("status page: state %q, refund %q", r.TestID("status-state"), refund)
	}
	if !strings.Contains(r.TestID("status-history"), "您申请了退费：报考费 100.00 元待原路退回") {
		t.Fatalf("history: %s", r.TestID("status-history"))
	}
	if r := c1.HXGet("/status/" + fxExamID); r.Status != statusStopPolling {
		t.Fatalf("the status poll goes on after the refund: %d", r.Status)
	}
	if r := c1.Get("/"); !strings.Contains(r.Body, "已申请退费，待退款") || !strings.Contains(r.Body, "查看退费情况") {
		t.Fatalf("home page:\n%s", r)
	}
	if r := c1.Get("/apply/" + fxExamID); !strings.Contains(r.Body, "您已申请退费，没有准考证") || !strings.Contains(r.TestID("flow-refund"), "100.00 元") {
		t.Fatalf("报考流程:\n%s", r)
	}
	r = c1.PostForm("/opening/"+fxExamID+"/switch", url.Values{"position_code": {"1002"}})
	wantStatus(t, r, http.StatusConflict, "改报 after the refund")
	if !strings.Contains(r.Body, "不能再改报") {
		t.Fatalf("no reason for the refusal:\n%s", r)
	}
	if r := c1.Get("/opening/" + fxExamID); !strings.Contains(r.TestID("switch-decision"), "100.00 元") || r.TestID("switch-form") != "" {
		t.Fatalf("改报 page:\n%s", r)
	}
	if r := c1.Get("/pay"); !strings.Contains(r.TestID("pay-refund-case"), "将原路退回") || r.TestID("pay-paid") != "" ||
		r.TestID("pay-refund-state") != "待退款" {
		t.Fatalf("网上缴费:\n%s", r)
	}

	// The finance office's view agrees: one live payment, one refund to make.
	staff := loginStaff(t, ps.testServer, domain.RoleAdmin, "finadmin")
	r = staff.Get("/admin/payments")
	wantStatus(t, r, http.StatusOK, "缴费管理")
	for id, want := range map[string]string{
		"finance-paid-count": "1", "finance-paid-amount": "100.00",
		"finance-refund-queued-count": "1", "finance-refund-queued-amount": "100.00",
		"finance-refunded-count": "0", "finance-opening-refunds": "1", "finance-order-refund": "待退款",
	} {
		if got := r.TestID(id); got != want {
			t.Errorf("before the refund, %s = %q, want %q", id, got, want)
		}
	}
	anomalies, _ := ps.store.PaymentAnomalies()
	if len(anomalies) != 1 || anomalies[0].ApplicationID != app1.ID {
		t.Fatalf("refund queue %+v", anomalies)
	}
	refundAt := now.Add(10 * time.Minute) // within the sessions' idle time
	ps.clock.Set(refundAt)
	r = staff.PostForm("/admin/payments/refund/"+anomalies[0].ID, url.Values{})
	wantRedirect(t, r, "/admin/payments", "退款")
	r = staff.Follow(r)
	for id, want := range map[string]string{
		"finance-paid-count": "1", "finance-refund-queued-count": "0",
		"finance-refunded-count": "1", "finance-refunded-amount": "100.00", "finance-order-refund": "已退款",
	} {
		if got := r.TestID(id); got != want {
			t.Errorf("after the refund, %s = %q, want %q", id, got, want)
		}
	}

	// And the candidate's.
	if a, _ := ps.store.Application(app1.ID); a.State != domain.StateRefunded || !a.Opening.RefundedAt.Equal(refundAt) {
		t.Fatalf("after the refund: %s %+v", a.State, a.Opening)
	}
	r = c1.Get("/status")
	if r.TestID("status-state") != "已退费" || !strings.Contains(r.TestID("status-refund"), "已于 "+domain.FormatTime(refundAt)) ||
		!strings.Contains(r.TestID("status-history"), "退费完成") {
		t.Fatalf("status page after the refund: %q %q", r.TestID("status-state"), r.TestID("status-refund"))
	}
	if r := c1.Get("/pay"); r.TestID("pay-refund-state") != "已退款" || !strings.Contains(r.TestID("pay-refund-case"), "已于") {
		t.Fatalf("网上缴费 after the refund:\n%s", r)
	}
	if r := c1.Get("/pay/" + fxExamID + "/result"); !strings.Contains(r.TestID("pay-message"), "已于 "+domain.FormatTime(refundAt)) {
		t.Fatalf("支付结果 after the refund:\n%s", r)
	}
	if c := ps.store.PositionCounts(fxExamID, "1001"); c.Paid != 1 || c.Approved != 2 {
		t.Fatalf("1001 counts after the refund: %+v", c)
	}
}
