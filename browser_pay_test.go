package main

// Browser test of 网上缴费 against the demo gateway mounted at /dev/alipay
// (DESIGN.md journey step 6): the seeded approved demo candidate (the
// journey to 审核通过 is walked by browser_apply_test.go) presses 缴费 in two tabs
// and gets one order, pays at the local cashier with the notification held
// back, and the return page turns from 确认中 to 已缴费 by itself once the
// reconciliation worker has queried the trade.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"examreg/domain"
	"examreg/handlers"
	"examreg/handlers/alipaygw"
)

// startPayServer starts examreg with the demo gateway. startWorker starts
// the reconciliation worker (querying every unsettled order each second),
// so a test decides when reconciliation may happen.
func startPayServer(t *testing.T) (srv *testServer, startWorker func()) {
	t.Helper()
	priv, pub, err := alipaygw.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	const appID, seller = "2021000000000000", "2088000000000000"
	// The notification of 付款成功（通知延迟） is held back far longer than
	// the test: only reconciliation can settle the order.
	demo, err := alipaygw.NewDemo(alipaygw.DemoConfig{AppID: appID, SellerID: seller, AppPublicKey: pub, NotifyDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.Close)
	pay := &handlers.PayConfig{Demo: demo, ReconcileAfter: time.Nanosecond, ReconcileEvery: time.Second}
	srv = startServer(t, func(c *handlers.Config) { c.Pay = pay })
	// The gateway and the return URLs live on the server's own origin,
	// known only now; nothing has used them yet.
	gw, err := alipaygw.New(alipaygw.Config{AppID: appID, SellerID: seller, PrivateKey: priv,
		AlipayPublicKey: demo.PublicKey(), Gateway: srv.URL + alipaygw.DemoPath + "/gateway.do"})
	if err != nil {
		t.Fatal(err)
	}
	pay.Gateway, pay.BaseURL = gw, srv.URL
	return srv, func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			handlers.NewReconciler(handlers.Config{Store: srv.Store, Pay: pay, Clock: time.Now}).Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done }) // before the store closes
	}
}

// demoApprovedLogin is the seeded demo candidate whose application is 审核通过 (陈静, demo_states.go).
func demoApprovedLogin() string {
	const body = "42010219950102264"
	return body + string(domain.IDCheckDigit(body))
}

func TestBrowserPayJourney(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv, startWorker := startPayServer(t)
	j := &journey{t: t, srv: srv, b: newTab(t, srv), examID: demoExamID(t, srv), who: applicant{id: demoApprovedLogin()}}
	t.Cleanup(j.assertCleanConsole)
	b := j.b
	b.loginAs(j.who.id, demoPassword)
	j.expectState(domain.StateApproved)

	// Two tabs of the same browser (one session) press 缴费.
	ctx2, cancel2 := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel2)
	b2 := &tab{t: t, srv: srv, ctx: ctx2, name: "tab2"}
	if err := chromedp.Do(ctx2); err != nil {
		t.Fatal(err)
	}
	b.open("/pay")
	b2.open("/pay")
	if got := b.byTestID("pay-amount"); got != "100.00 元" {
		t.Errorf("fee shown %q", got)
	}
	j.page("pay")
	b.submit("缴费（支付宝）")
	b.waitForURL(alipaygw.DemoPath + "/gateway.do")
	first := b.byTestID("demo-out-trade-no")
	j.page("cashier")
	b2.submit("缴费（支付宝）")
	b2.waitForURL(alipaygw.DemoPath + "/gateway.do")
	if second := b2.byTestID("demo-out-trade-no"); second == "" || second != first {
		t.Fatalf("two tabs got orders %q and %q, want one", first, second)
	}
	if orders, err := srv.Store.OrdersOfApplication(j.application().ID); err != nil || len(orders) != 1 {
		t.Fatalf("%d orders after 缴费 in two tabs (%v), want 1", len(orders), err)
	}

	// 付款成功（通知延迟）: back on the return page, 确认中 …
	b.submit("付款成功（通知延迟）")
	b.waitForURL("/pay/" + j.examID + "/result")
	if got := b.byTestID("pay-result-status"); got != "支付结果确认中…" {
		t.Errorf("return page says %q, want 支付结果确认中…", got)
	}
	j.expectState(domain.StateApproved)
	j.page("pay-pending")
	eval[chromedp.Void](b, `void (window.__samePage = "yes", window.__polls = [],
		document.addEventListener("htmx:afterRequest", e => window.__polls.push(e.detail.xhr.status)))`)
	// … then 已缴费, swapped in by the poll once the worker settled the order.
	startWorker()
	b.waitForWithin(20*time.Second, "已缴费 on the return page", func() bool {
		return b.byTestID("pay-result-status") == "已缴费"
	})
	if eval[string](b, `window.__samePage || ""`) != "yes" {
		t.Error("the return page reloaded instead of swapping 已缴费 in")
	}
	if polls := eval[[]int](b, `window.__polls`); len(polls) == 0 || polls[len(polls)-1] != 286 {
		t.Errorf("poll answers %v, want the last one 286", polls)
	}
	j.expectState(domain.StatePaid)
	o, err := srv.Store.Order(first)
	if err != nil || o.State != domain.OrderPaid || o.SettledBy != "query" {
		t.Errorf("order after reconciliation: %+v %v", o, err)
	}
	j.page("pay-paid")

	// 网上缴费 now shows the payment and no 缴费 button.
	b.open("/pay")
	if b.byTestID("pay-paid") == "" || strings.Contains(b.text(), "缴费（支付宝）") {
		t.Errorf("pay page after paying: %s", b.text())
	}
}
