package handlers

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/handlers/alipaygw"
	"examreg/kv"
)

// Tests of 网上缴费 against the demo gateway running in the test process
// (an httptest server): real RSA2 signatures both ways, real trade.query
// and trade.close, notifications posted back into the app under test.

const (
	payAppID    = "2021000000000001"
	paySellerID = "2088000000000001"
	payFeeFen   = 10000
	payBase     = "http://examreg.test"
)

// payInWindow is inside the fixture exam's payment window (3-26 to 3-30).
var payInWindow = time.Date(2023, 3, 27, 10, 0, 0, 0, domain.Shanghai)

// appKeys is the merchant key pair, made once: RSA key generation is slow.
var appKeys = sync.OnceValues(func() ([2]string, error) {
	priv, pub, err := alipaygw.GenerateKeyPair()
	return [2]string{priv, pub}, err
})

// appTransport delivers the gateway's notifications into a Fiber app.
type appTransport struct{ app func() *fiber.App }

func (t appTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.app().Test(r, -1)
}

// payServer is a test server with 网上缴费 wired to a demo gateway.
type payServer struct {
	*testServer
	demo  *alipaygw.Demo
	gw    *alipaygw.Client
	gwURL string
	recon *Reconciler
}

func newPayServer(t *testing.T, store *kv.Store) *payServer {
	t.Helper()
	keys, err := appKeys()
	if err != nil {
		t.Fatal(err)
	}
	ps := &payServer{}
	clock := newTestClock()
	clock.Set(payInWindow)
	demo, err := alipaygw.NewDemo(alipaygw.DemoConfig{
		AppID: payAppID, SellerID: paySellerID, AppPublicKey: keys[1], Clock: clock.Now,
		NotifyDelay: time.Hour, RetryEvery: 20 * time.Millisecond,
		HTTPClient: &http.Client{Transport: appTransport{func() *fiber.App { return ps.app }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(demo)
	t.Cleanup(func() { demo.Close(); srv.Close() })
	ps.demo, ps.gwURL = demo, srv.URL+alipaygw.DemoPath+"/gateway.do"
	ps.gw, err = alipaygw.New(alipaygw.Config{AppID: payAppID, SellerID: paySellerID, PrivateKey: keys[0],
		AlipayPublicKey: demo.PublicKey(), Gateway: ps.gwURL})
	if err != nil {
		t.Fatal(err)
	}
	pay := &PayConfig{Gateway: ps.gw, BaseURL: payBase, ReconcileAfter: 2 * time.Minute}
	if store == nil {
		ps.testServer = newTestServer(t, withConfig(func(c *Config) { c.Pay = pay; c.Clock = clock.Now }))
	} else {
		cfg := Config{Store: store, Clock: clock.Now, NoCaptcha: true, AuthRateLimit: 10000, CaptchaRateLimit: 10000, Pay: pay}
		ps.testServer = &testServer{t: t, app: New(cfg), store: store, clock: clock, cfg: cfg}
	}
	ps.testServer.clock = clock
	ps.recon = NewReconciler(ps.cfg)
	return ps
}

// approvedCandidate installs the fixture exam with a fee, walks a fresh
// candidate to 待审核, approves the application and moves the clock into
// the payment window. It returns the candidate's logged-in client.
func (ps *payServer) approvedCandidate(t *testing.T) (*client, *domain.Application) {
	t.Helper()
	ps.clock.Set(testStart)
	if _, err := ps.store.Exam(fxExamID); err != nil {
		e := fxExam()
		e.FeeFen = payFeeFen
		storeExam(t, ps.store, e, fxPositions())
	}
	c := ps.client()
	id := submitJourney(t, ps.testServer, c)
	a := appOf(t, ps.testServer, id)
	if _, err := ps.store.ReviewApplication(a.ID, newAdmin(t, ps.testServer), domain.Decision{Action: domain.ActionApprove}, ps.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ps.clock.Set(payInWindow)
	loginAs(t, c, id, testPassword) // the clock jumped days: the session ended
	return c, a
}

// payClick presses 缴费 and returns the out_trade_no of the gateway URL it
// was sent to.
func (ps *payServer) payClick(t *testing.T, c *client) string {
	t.Helper()
	r := c.PostForm("/pay/"+fxExamID+"/order", url.Values{"for_account": {ps.accountOf(t, c)}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), ps.gwURL+"?") {
		t.Fatalf("缴费: want 303 to the gateway, got %d %q\n%s", r.Status, r.Location(), r)
	}
	u, _ := url.Parse(r.Location())
	var biz struct {
		OutTradeNo  string `json:"out_trade_no"`
		TotalAmount string `json:"total_amount"`
	}
	if err := json.Unmarshal([]byte(u.Query().Get("biz_content")), &biz); err != nil {
		t.Fatal(err)
	}
	if biz.TotalAmount != "100.00" {
		t.Errorf("total_amount %q, want 100.00", biz.TotalAmount)
	}
	return biz.OutTradeNo
}

// openCashier is the browser arriving at the gateway: the trade exists there now.
func (ps *payServer) openCashier(t *testing.T, c *client) string {
	t.Helper()
	no := ps.payClick(t, c)
	resp, err := http.Get(c.Last().Location())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "演示收银台") || !strings.Contains(string(body), "100.00") {
		t.Fatalf("cashier: %d\n%s", resp.StatusCode, body)
	}
	return no
}

// paidUnheard approves a fresh candidate, opens the demo cashier and pays
// there with the notification held back (DemoPayNoNote): Alipay has the
// money, examreg has not heard of it. It returns the candidate's client,
// the application, the order number and Alipay's trade number.
func (ps *payServer) paidUnheard(t *testing.T) (*client, *domain.Application, string, string) {
	t.Helper()
	c, app := ps.approvedCandidate(t)
	no := ps.openCashier(t, c)
	tr, err := ps.demo.Act(no, alipaygw.DemoPayNoNote, "")
	if err != nil {
		t.Fatal(err)
	}
	return c, app, no, tr.TradeNo
}

func (ps *payServer) accountOf(t *testing.T, c *client) string {
	t.Helper()
	r := c.Get("/pay")
	v, ok := r.Doc().Find(`input[name="for_account"]`).Attr("value")
	if !ok {
		t.Fatalf("/pay has no 缴费 form:\n%s", r)
	}
	return v
}

// waitState waits (bounded) for the application to reach st: notifications are delivered asynchronously.
func (ps *payServer) waitState(t *testing.T, appID string, st domain.State) *domain.Application {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a, err := ps.store.Application(appID)
		if err != nil {
			t.Fatal(err)
		}
		if a.State == st {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("application still %s, want %s", a.State, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// notify posts a notification to notify_url as Alipay would.
func (ps *payServer) notify(v url.Values) *http.Response {
	req := httptest.NewRequest(http.MethodPost, payNotifyPath, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ps.app.Test(req, -1)
	if err != nil {
		ps.t.Fatal(err)
	}
	return resp
}

func bodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	return string(b)
}

// successNote is a signed TRADE_SUCCESS notification for outTradeNo.
func (ps *payServer) successNote(outTradeNo, tradeNo, amount string) url.Values {
	v := url.Values{
		"notify_time": {"2023-03-27 10:00:05"}, "notify_type": {"trade_status_sync"}, "notify_id": {"n" + tradeNo},
		"app_id": {payAppID}, "charset": {"utf-8"}, "version": {"1.0"}, "trade_no": {tradeNo}, "out_trade_no": {outTradeNo},
		"trade_status": {"TRADE_SUCCESS"}, "total_amount": {amount}, "seller_id": {paySellerID}, "buyer_logon_id": {"138****5678"},
	}
	ps.demo.SignValues(v)
	return v
}

func paidHistory(a *domain.Application) int {
	n := 0
	for _, h := range a.History {
		if h.To == domain.StatePaid {
			n++
		}
	}
	return n
}

func settlementsInAudit(t *testing.T, store *kv.Store, target string) int {
	t.Helper()
	log, err := store.AuditLog(0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.Action == "payment.paid" && e.Target == target {
			n++
		}
	}
	return n
}

// TestPayJourney: an approved candidate pays once; 缴费 again reuses the
// order; the notification settles it; the pages say 已缴费; the counts
// count it; a repeat of the notification changes nothing.
func TestPayJourney(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app := ps.approvedCandidate(t)

	r := c.Get("/pay")
	wantStatus(t, r, 200, "网上缴费")
	if r.TestID("pay-amount") != "100.00 元" || r.Doc().Find(`[data-testid="pay-button"]`).Length() != 1 {
		t.Fatalf("pay page:\n%s", r)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://127.0.0.1") {
		t.Errorf("pay page CSP does not allow the gateway: %s", csp)
	}
	no := ps.openCashier(t, c)
	if again := ps.payClick(t, c); again != no {
		t.Fatalf("second 缴费 made a new order %s, want the open %s", again, no)
	}
	r = c.Get("/pay")
	if r.TestID("pay-open") == "" || !strings.Contains(r.TestID("pay-button"), "继续支付") {
		t.Errorf("open order not shown:\n%s", r)
	}
	// The return page before the notification: 确认中, polling.
	r = c.Get("/pay/" + fxExamID + "/result")
	if r.TestID("pay-result-status") != "支付结果确认中…" {
		t.Errorf("result before notification: %q", r.TestID("pay-result-status"))
	}
	if r := c.HXGet("/pay/" + fxExamID + "/result"); r.Status != 200 {
		t.Errorf("poll while pending: %d", r.Status)
	}

	if _, err := ps.demo.Act(no, alipaygw.DemoPay, "13812345678"); err != nil {
		t.Fatal(err)
	}
	a := ps.waitState(t, app.ID, domain.StatePaid)
	if paidHistory(a) != 1 || a.History[len(a.History)-1].ActorID != kv.SystemActor {
		t.Errorf("history: %+v", a.History[len(a.History)-1])
	}
	o, err := ps.store.Order(no)
	if err != nil || o.State != domain.OrderPaid || o.TradeNo == "" || o.BuyerLogon != "138****5678" || o.SettledBy != "notify" {
		t.Fatalf("order %+v %v", o, err)
	}
	if got := ps.store.PositionCounts(fxExamID, "1001"); got.Paid != 1 {
		t.Errorf("counts paid %d, want 1", got.Paid)
	}
	if r := c.HXGet("/pay/" + fxExamID + "/result"); r.Status != statusStopPolling || r.TestID("pay-result-status") != "已缴费" {
		t.Errorf("poll once paid: %d %q", r.Status, r.TestID("pay-result-status"))
	}
	r = c.Get("/pay")
	if r.TestID("pay-paid") == "" || r.Doc().Find(`[data-testid="pay-button"]`).Length() != 0 {
		t.Errorf("paid page:\n%s", r)
	}
	// 缴费 after paying: refused with the reason, nothing made.
	r = c.PostForm("/pay/"+fxExamID+"/order", url.Values{"for_account": {a.CandidateID}})
	if r.Status != http.StatusSeeOther || r.Location() != "/pay" {
		t.Errorf("缴费 when paid: %d %q", r.Status, r.Location())
	}
	if list, _ := ps.store.OrdersOfApplication(app.ID); len(list) != 1 {
		t.Errorf("%d orders, want 1", len(list))
	}
	// Alipay resends: success again, nothing changes.
	before, _ := ps.store.Application(app.ID)
	if resp := ps.notify(ps.successNote(no, o.TradeNo, "100.00")); bodyOf(resp) != "success" {
		t.Errorf("resent notification not acknowledged")
	}
	after, _ := ps.store.Application(app.ID)
	if after.Version != before.Version || settlementsInAudit(t, ps.store, no) != 1 {
		t.Errorf("resent notification changed something: version %d→%d", before.Version, after.Version)
	}
	// The candidate is told once, with the trade number (站内消息).
	msgs, _, err := ps.store.Messages(a.CandidateID, 0)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, m := range msgs {
		if m.Title == "缴费成功" && strings.Contains(m.Body, o.TradeNo) && strings.Contains(m.Body, "100.00 元") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("%d 缴费成功 messages, want 1: %+v", told, msgs)
	}
}

// TestPayNotificationFaults: every bad notification is refused or recorded
// as an anomaly; a paid order never goes back; one settlement per order.
func TestPayNotificationFaults(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app := ps.approvedCandidate(t)
	no := ps.openCashier(t, c)
	const trade = "2023032722001234567890"

	refused := func(name string, v url.Values, wantStatus int) {
		t.Helper()
		resp := ps.notify(v)
		if body := bodyOf(resp); resp.StatusCode != wantStatus || body == "success" {
			t.Errorf("%s: %d %q, want %d and not success", name, resp.StatusCode, body, wantStatus)
		}
		if a, _ := ps.store.Application(app.ID); a.State != domain.StateApproved {
			t.Errorf("%s settled the application", name)
		}
	}
	forged := ps.successNote(no, trade, "100.00")
	forged.Set("sign", forged.Get("sign")[:20]+"AAAA"+forged.Get("sign")[24:])
	refused("forged signature", forged, 400)
	changed := ps.successNote(no, trade, "100.00")
	changed.Set("total_amount", "0.01") // after signing
	refused("amount changed after signing", changed, 400)
	unsigned := ps.successNote(no, trade, "100.00")
	unsigned.Del("sign")
	refused("unsigned", unsigned, 400)
	other := ps.successNote(no, trade, "100.00")
	other.Set("app_id", "2021999999999999")
	ps.demo.SignValues(other)
	refused("another app_id", other, 400)
	other = ps.successNote(no, trade, "100.00")
	other.Set("seller_id", "2088999999999999")
	ps.demo.SignValues(other)
	refused("another seller_id", other, 400)
	badAmount := ps.successNote(no, trade, "1e2")
	refused("malformed amount", badAmount, 400)

	// 1 MB body: refused before it is read.
	big := ps.successNote(no, trade, "100.00")
	big.Set("padding", strings.Repeat("x", 1<<20))
	if resp := ps.notify(big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MB notification: %d", resp.StatusCode)
	}

	// Unknown out_trade_no with real money: recorded, acknowledged.
	if resp := ps.notify(ps.successNote("nosuchorder0001", "2023032722009999999999", "100.00")); bodyOf(resp) != "success" {
		t.Errorf("unknown order not acknowledged")
	}

	// The real one settles; TRADE_CLOSED afterwards and a replay change nothing.
	if resp := ps.notify(ps.successNote(no, trade, "100.00")); bodyOf(resp) != "success" {
		t.Fatal("valid notification not acknowledged")
	}
	closedNote := ps.successNote(no, trade, "100.00")
	closedNote.Set("trade_status", "TRADE_CLOSED")
	ps.demo.SignValues(closedNote)
	if resp := ps.notify(closedNote); bodyOf(resp) != "success" {
		t.Error("TRADE_CLOSED not acknowledged")
	}
	if resp := ps.notify(ps.successNote(no, trade, "100.00")); bodyOf(resp) != "success" {
		t.Error("replay not acknowledged")
	}
	// Another trade number for the paid order: an anomaly, not a second settlement.
	if resp := ps.notify(ps.successNote(no, "2023032722001111111111", "100.00")); bodyOf(resp) != "success" {
		t.Error("second trade not acknowledged")
	}
	a, _ := ps.store.Application(app.ID)
	o, _ := ps.store.Order(no)
	if a.State != domain.StatePaid || paidHistory(a) != 1 || o.State != domain.OrderPaid || o.TradeNo != trade || settlementsInAudit(t, ps.store, no) != 1 {
		t.Errorf("after faults: app %s (%d paid entries), order %s %s, settlements %d", a.State, paidHistory(a), o.State, o.TradeNo, settlementsInAudit(t, ps.store, no))
	}
	anomalies, err := ps.store.PaymentAnomalies()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, an := range anomalies {
		kinds[an.Kind] = true
		if an.RefundState != "queued" || an.AmountFen != payFeeFen {
			t.Errorf("anomaly %+v", an)
		}
	}
	if len(anomalies) != 2 || !kinds[domain.AnomalyUnknownOrder] || !kinds[domain.AnomalyTradeMismatch] {
		t.Errorf("anomalies %v", kinds)
	}
}

// TestPayClosedOrderAndAmountAnomalies: money for a closed order and money
// of the wrong amount are recorded (once each), never settled, never lost.
func TestPayClosedOrderAndAmountAnomalies(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app := ps.approvedCandidate(t)
	first := ps.openCashier(t, c)
	// The order expires; 缴费 closes it at Alipay and makes a new one.
	ps.clock.Advance(domain.OrderTimeout + time.Minute)
	second := ps.openCashier(t, c)
	if second == first {
		t.Fatal("expired order reused")
	}
	if o, _ := ps.store.Order(first); o.State != domain.OrderClosed || ps.demo.TradeStatus(first) != domain.TradeClosed {
		t.Fatalf("expired order: here %s, at the gateway %s", o.State, ps.demo.TradeStatus(first))
	}
	for i := 0; i < 2; i++ { // the second time records nothing new
		if resp := ps.notify(ps.successNote(first, "2023032722000000000001", "100.00")); bodyOf(resp) != "success" {
			t.Error("paid-after-close not acknowledged")
		}
	}
	if resp := ps.notify(ps.successNote(second, "2023032722000000000002", "99.00")); bodyOf(resp) != "success" {
		t.Error("amount mismatch not acknowledged")
	}
	a, _ := ps.store.Application(app.ID)
	if a.State != domain.StateApproved {
		t.Errorf("anomalies settled the application: %s", a.State)
	}
	anomalies, _ := ps.store.PaymentAnomalies()
	if len(anomalies) != 2 || anomalies[0].Kind == anomalies[1].Kind {
		t.Fatalf("anomalies %+v", anomalies)
	}
	// The mismatched order is closed, so the candidate can pay the right amount.
	if o, _ := ps.store.Order(second); o.State != domain.OrderClosed {
		t.Errorf("mismatched order %s", o.State)
	}
	msgs, _, _ := ps.store.Messages(app.CandidateID, 0)
	if len(msgs) < 2 || msgs[0].Title != "支付宝付款待退款" || msgs[1].Title != "支付宝付款待退款" {
		t.Errorf("the candidate was not told of both anomalies: %+v", msgs)
	}
	third := ps.payClick(t, c)
	if third == first || third == second {
		t.Error("no new order after the anomalies")
	}
}

// TestPayConcurrentClicks: two 缴费 at the same moment give one order.
func TestPayConcurrentClicks(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app := ps.approvedCandidate(t)
	acct := ps.accountOf(t, c)
	var wg sync.WaitGroup
	locs := make([]string, 4)
	for i := range locs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/pay/"+fxExamID+"/order",
				strings.NewReader(url.Values{"for_account": {acct}, "_csrf": {c.CSRF()}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := ps.app.Test(c.AddCookies(req), -1)
			if err != nil {
				t.Error(err)
				return
			}
			locs[i] = resp.Header.Get("Location")
		}()
	}
	wg.Wait()
	orders, _ := ps.store.OrdersOfApplication(app.ID)
	if len(orders) != 1 {
		t.Fatalf("%d orders from concurrent clicks, want 1", len(orders))
	}
	for _, l := range locs {
		if !strings.Contains(l, orders[0].ID) || !strings.Contains(l, "method=alipay.trade.page.pay") {
			t.Errorf("a click went to %q, not order %s by 电脑网站支付", l, orders[0].ID)
		}
	}
}

// TestPayPhoneUsesWap: on a phone 缴费 goes to 手机网站支付 with a way back.
func TestPayPhoneUsesWap(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app := ps.approvedCandidate(t)
	c.Get("/pay")
	req := httptest.NewRequest(http.MethodPost, "/pay/"+fxExamID+"/order",
		strings.NewReader(url.Values{"for_account": {app.CandidateID}, "_csrf": {c.CSRF()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 13; V2241A) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36")
	r := c.Do(req)
	u, err := url.Parse(r.Location())
	if err != nil || r.Status != http.StatusSeeOther || u.Query().Get("method") != "alipay.trade.wap.pay" ||
		!strings.Contains(u.Query().Get("biz_content"), `"quit_url":"`+payBase+`/pay"`) ||
		!strings.Contains(u.Query().Get("biz_content"), `"product_code":"QUICK_WAP_WAY"`) {
		t.Errorf("phone 缴费: %d %s", r.Status, r.Location())
	}
}

// TestPayNotifyRacesQuery: a notification and a reconciliation query
// settling the same order at the same moment settle it once.
func TestPayNotifyRacesQuery(t *testing.T) {
	ps := newPayServer(t, nil)
	_, app, no, tradeNo := ps.paidUnheard(t)
	o, _ := ps.store.Order(no)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); bodyOf(ps.notify(ps.successNote(no, tradeNo, "100.00"))) }()
		go func() {
			defer wg.Done()
			if _, err := ps.recon.Reconcile(context.Background(), o, false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	a, _ := ps.store.Application(app.ID)
	anomalies, _ := ps.store.PaymentAnomalies()
	if a.State != domain.StatePaid || paidHistory(a) != 1 || settlementsInAudit(t, ps.store, no) != 1 || len(anomalies) != 0 {
		t.Errorf("state %s, paid entries %d, settlements %d, anomalies %d", a.State, paidHistory(a), settlementsInAudit(t, ps.store, no), len(anomalies))
	}
}

// TestPayLostNotificationReconciled: the notification never comes; one
// worker cycle after ReconcileAfter settles the order by trade.query, and
// 查询支付结果 does the same at once.
func TestPayLostNotificationReconciled(t *testing.T) {
	ps := newPayServer(t, nil)
	_, app, no, _ := ps.paidUnheard(t)
	if n, err := ps.recon.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("a fresh order was reconciled: %d %v", n, err)
	}
	ps.clock.Advance(3 * time.Minute)
	if n, err := ps.recon.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("reconciliation: %d %v", n, err)
	}
	if a, _ := ps.store.Application(app.ID); a.State != domain.StatePaid {
		t.Fatalf("not settled by reconciliation: %s", a.State)
	}
	if o, _ := ps.store.Order(no); o.SettledBy != "query" {
		t.Errorf("settled by %q", o.SettledBy)
	}

	// 查询支付结果 (no JS): a second candidate, queried at once.
	c2, app2 := ps.approvedCandidate(t)
	no2 := ps.openCashier(t, c2)
	r := c2.PostForm("/pay/"+fxExamID+"/query", url.Values{"for_account": {app2.CandidateID}})
	wantRedirect(t, r, "/pay/"+fxExamID+"/result", "查询支付结果 before paying")
	if r = c2.Follow(r); !strings.Contains(r.Body, "尚未收到") || r.TestID("pay-result-status") != "支付结果确认中…" {
		t.Errorf("query before paying:\n%s", r)
	}
	if _, err := ps.demo.Act(no2, alipaygw.DemoPayDelayed, ""); err != nil {
		t.Fatal(err)
	}
	r = c2.Follow(c2.PostForm("/pay/"+fxExamID+"/query", url.Values{"for_account": {app2.CandidateID}}))
	if r.TestID("pay-result-status") != "已缴费" {
		t.Errorf("query after paying:\n%s", r)
	}
	// The unpaid order of a third candidate expires: the worker closes it at Alipay.
	c3, app3 := ps.approvedCandidate(t)
	no3 := ps.openCashier(t, c3)
	ps.clock.Advance(domain.OrderTimeout + time.Minute)
	if _, err := ps.recon.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o, _ := ps.store.Order(no3); o.State != domain.OrderClosed || ps.demo.TradeStatus(no3) != domain.TradeClosed {
		t.Errorf("expired order: %s here, %s at Alipay", o.State, ps.demo.TradeStatus(no3))
	}
	if a, _ := ps.store.Application(app3.ID); a.State != domain.StateApproved {
		t.Errorf("closing changed the application: %s", a.State)
	}
}

// TestPayCrashRecovered: Alipay took the money but examreg died before
// writing it (the notification was never recorded). After a restart on
// the same data, one reconciliation cycle settles it.
func TestPayCrashRecovered(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Options{Dir: dir, SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	ps := newPayServer(t, store)
	_, app, _, _ := ps.paidUnheard(t)
	store.Close()

	store2, err := kv.Open(kv.Options{Dir: dir, SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store2.Close()
	cfg := ps.cfg
	cfg.Store = store2
	ps.clock.Advance(3 * time.Minute)
	if n, err := NewReconciler(cfg).RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("after restart: %d %v", n, err)
	}
	if a, _ := store2.Application(app.ID); a.State != domain.StatePaid {
		t.Errorf("after restart: %s", a.State)
	}
}

// TestPayRefusals: 缴费 before approval or outside the payment window is
// refused with the reason on the page; without a gateway /pay is honest.
func TestPayRefusals(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app := ps.approvedCandidate(t)
	ps.clock.Set(time.Date(2023, 4, 2, 10, 0, 0, 0, domain.Shanghai))
	acct, _ := ps.store.Account(app.CandidateID)
	loginAs(t, c, acct.LoginName, testPassword)
	r := c.Get("/pay")
	if !strings.Contains(r.TestID("pay-why"), "缴费时间为") {
		t.Errorf("outside the window: %q", r.TestID("pay-why"))
	}
	r = c.PostForm("/pay/"+fxExamID+"/order", url.Values{"for_account": {app.CandidateID}})
	if r.Status != http.StatusSeeOther || r.Location() != "/pay" {
		t.Errorf("缴费 outside the window: %d %q", r.Status, r.Location())
	}
	if r = c.Follow(r); !strings.Contains(r.Body, "当前不在缴费时间内") {
		t.Errorf("reason not shown:\n%s", r)
	}
	// Someone else's form (for_account) is refused.
	if r := c.PostForm("/pay/"+fxExamID+"/order", url.Values{"for_account": {"someoneelse"}}); r.Status != http.StatusForbidden {
		t.Errorf("other account's form: %d", r.Status)
	}
	plain := newTestServer(t)
	pc := plain.client()
	newCandidate(t, pc)
	if r := pc.Get("/pay"); r.TestID("not-open") == "" {
		t.Errorf("/pay without a gateway:\n%s", r)
	}
}

// TestPayRefundAndFinance: money of the wrong amount is queued; the
// administrator sees it in 缴费管理 and refunds it once (a retry with the
// same out_request_no moves nothing); the candidate sees 已退款 and is
// told; the totals count only settled orders; the export downloads.
func TestPayRefundAndFinance(t *testing.T) {
	ps := newPayServer(t, nil)
	c, app, no, tradeNo := ps.paidUnheard(t)
	if resp := ps.notify(ps.successNote(no, tradeNo, "99.00")); bodyOf(resp) != "success" {
		t.Fatal("amount mismatch not acknowledged")
	}
	// A second candidate pays properly, for the totals.
	c2, app2 := ps.approvedCandidate(t)
	no2 := ps.openCashier(t, c2)
	if _, err := ps.demo.Act(no2, alipaygw.DemoPay, ""); err != nil {
		t.Fatal(err)
	}
	ps.waitState(t, app2.ID, domain.StatePaid)

	admin := loginStaff(t, ps.testServer, domain.RoleAdmin, "finadmin")
	r := admin.Get("/admin/payments")
	wantStatus(t, r, 200, "缴费管理")
	if r.TestID("finance-paid-count") != "1" || r.TestID("finance-paid-amount") != "100.00" ||
		!strings.Contains(r.TestID("finance-anomalies"), "金额不符") || !strings.Contains(r.TestID("finance-anomalies"), "99.00") {
		t.Fatalf("finance page:\n%s", r)
	}
	if r := c.Get("/admin/payments"); r.Status == 200 {
		t.Error("a candidate opened 缴费管理")
	}
	anomalies, _ := ps.store.PaymentAnomalies()
	if len(anomalies) != 1 {
		t.Fatalf("anomalies %+v", anomalies)
	}
	an := anomalies[0]
	r = admin.PostForm("/admin/payments/refund/"+an.ID, url.Values{})
	wantRedirect(t, r, "/admin/payments", "退款")
	if r = admin.Follow(r); !strings.Contains(r.TestID("flash"), "已退款 99.00 元") || r.TestID("refund-state") != "已退款" {
		t.Errorf("after refund:\n%s", r)
	}
	// Clicking again is refused; Alipay, asked again with the same request number, moves nothing.
	if r := admin.Follow(admin.PostForm("/admin/payments/refund/"+an.ID, url.Values{})); !strings.Contains(r.TestID("flash"), "已退款") {
		t.Errorf("second refund: %q", r.TestID("flash"))
	}
	if moved, err := ps.gw.Refund(context.Background(), no, an.RefundRequestNo(), an.AmountFen, "retry"); err != nil || moved {
		t.Errorf("retried refund moved money: %v %v", moved, err)
	}
	log, _ := ps.store.AuditLog(0)
	refunds := 0
	for _, e := range log {
		if e.Action == "payment.refund" && e.Target == no {
			refunds++
		}
	}
	if refunds != 1 {
		t.Errorf("%d refund audit entries, want 1", refunds)
	}
	// The candidate sees it and was told.
	acct, _ := ps.store.Account(app.CandidateID)
	loginAs(t, c, acct.LoginName, testPassword)
	if r := c.Get("/pay"); r.TestID("pay-refund-state") != "已退款" {
		t.Errorf("candidate's refund state %q", r.TestID("pay-refund-state"))
	}
	msgs, _, _ := ps.store.Messages(app.CandidateID, 0)
	told := 0
	for _, m := range msgs {
		if m.Title == "退款成功" && strings.Contains(m.Body, "99.00 元") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("candidate told of the refund %d times, want 1: %+v", told, msgs)
	}
	// Export.
	r = admin.Get("/admin/payments.xlsx?state=paid")
	if r.Status != 200 || r.Header.Get("Content-Type") != xlsxType || len(r.Body) < 1000 {
		t.Errorf("export: %d %s %d bytes", r.Status, r.Header.Get("Content-Type"), len(r.Body))
	}
}

// TestPayQueryLimitedPerAccount: 查询支付结果 asks Alipay each time, so an
// account gets payQueriesPerMinute a minute; the next is 429 with the
// reason, and another candidate (same address) is not affected.
func TestPayQueryLimitedPerAccount(t *testing.T) {
	ps := newPayServer(t, nil)
	c1, app1 := ps.approvedCandidate(t)
	ps.openCashier(t, c1)
	query := func(c *client, candidateID string) *response {
		return c.PostForm("/pay/"+fxExamID+"/query", url.Values{"for_account": {candidateID}})
	}
	for i := range payQueriesPerMinute {
		if r := query(c1, app1.CandidateID); r.Status != http.StatusSeeOther {
			t.Fatalf("query %d: %s", i+1, r)
		}
	}
	r := query(c1, app1.CandidateID)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "查询过于频繁") {
		t.Fatalf("query over the limit: %s", r)
	}
	c2, app2 := ps.approvedCandidate(t)
	ps.openCashier(t, c2)
	if r := query(c2, app2.CandidateID); r.Status != http.StatusSeeOther {
		t.Fatalf("another candidate was limited too: %s", r)
	}
}
