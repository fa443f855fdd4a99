package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/tikv/client-go/v2/testutils"
	"github.com/tikv/client-go/v2/tikv"

	"examreg/domain"
	"examreg/kv"
)

// Two examreg nodes in one test process: two Servers, each with its own
// kv.Store (own in-memory views and caches) on one mock TiKV cluster and
// one fake S3 bucket, sessions in the store. What a user does on one node
// must hold on the other.

// twoNodes builds nodes A and B sharing a cluster, a bucket and a clock.
func twoNodes(t *testing.T) (a, b *testServer) {
	t.Helper()
	client, cluster, pdClient, err := testutils.NewMockTiKV("", nil)
	if err != nil {
		t.Fatal(err)
	}
	testutils.BootstrapWithSingleStore(cluster)
	cl, err := tikv.NewTestTiKVStore(client, pdClient, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	backend := s3mem.New()
	if err := backend.CreateBucket("examreg"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testsecret")
	clock := newTestClock()
	node := func() *testServer {
		blobs, err := kv.OpenS3Blobs("s3://examreg?endpoint=" + s3.URL + "&region=us-east-1")
		if err != nil {
			t.Fatal(err)
		}
		store, err := kv.Open(kv.Options{TiKV: cl, KeyPrefix: "twonode", Blobs: blobs})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		cfg := Config{Store: store, FiberStorage: kv.NewFiberStorage(store), Clock: clock.Now,
			NoCaptcha: true, AuthRateLimit: 10000, CaptchaRateLimit: 10000}
		return &testServer{t: t, app: New(cfg), store: store, clock: clock, cfg: cfg}
	}
	return node(), node()
}

// on returns a browser with c's cookies talking to node ts (the load
// balancer sent the next request elsewhere).
func (c *client) on(ts *testServer) *client {
	return &client{t: c.t, ts: ts, jar: c.jar, csrf: c.csrf}
}

// eventually polls cond for up to 2 s.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func TestTwoNodesSessions(t *testing.T) {
	a, b := twoNodes(t)
	ca := a.client()
	registerCandidate(t, ca, newIDNumber()) // logged in on A
	cb := ca.on(b)
	if r := cb.Get("/account/profile"); r.Status != http.StatusOK {
		t.Fatalf("a login on A is not valid on B: %s", r)
	}
	// 安全退出 on B ends the session on A too.
	if r := cb.PostForm("/logout", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("logout on B: %s", r)
	}
	if r := ca.Get("/account/profile"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("after 安全退出 on B, A still serves the session: %s", r)
	}
}

func TestTwoNodesSameIDNumberOnce(t *testing.T) {
	a, b := twoNodes(t)
	for round := range 3 {
		id := newIDNumber()
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, ts := range []*testServer{a, b} {
			c := ts.client()
			c.Get("/register")
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.PostForm("/register", registerForm(id)).Status
			}()
		}
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			if st == http.StatusSeeOther {
				ok++
			} else if st >= 500 {
				t.Fatalf("round %d: a registration answered %d", round, st)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d registrations of one ID number succeeded on two nodes (statuses %v), want 1", round, ok, statuses)
		}
		if _, err := b.store.AccountByLogin(id); err != nil {
			t.Fatalf("round %d: the account is not found on B: %v", round, err)
		}
	}
}

func TestTwoNodesPositionEditSearch(t *testing.T) {
	a, b := twoNodes(t)
	installExam(t, a.store)
	// A hit links to the position's page (the department also appears in
	// the search form's list, the keyword in its input).
	hit := "/positions/" + fxExamID + "/1003"
	search := func(ts *testServer, q string) string {
		return ts.client().Get("/positions?exam=" + fxExamID + "&q=" + url.QueryEscape(q)).Body
	}
	if strings.Contains(search(b, "数据治理"), hit) {
		t.Fatal("search finds 1003 by a title it does not have yet")
	}
	if !eventually(func() bool { return strings.Contains(search(b, "预算管理"), hit) }) {
		t.Fatal("a position stored on A is not found by search on B within 2 s")
	}
	p, ok := a.store.Position(fxExamID, "1003")
	if !ok {
		t.Fatal("no position 1003")
	}
	p.Title = "数据治理"
	if err := a.store.SavePosition(&p, false, kv.AuditEntry{At: a.clock.Now(), Action: "position.update", Target: "1003"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if !eventually(func() bool { return strings.Contains(search(b, "数据治理"), hit) }) {
		t.Fatalf("a position edited on A is not found by search on B within 2 s:\n%s", search(b, "数据治理"))
	}
	t.Logf("B found the edit after %s", time.Since(start).Round(10*time.Millisecond))
}

// TestTwoNodesCountsExact: candidates apply concurrently, half through
// each node, to one position; both nodes' 报名人数统计 show the exact number.
func TestTwoNodesCountsExact(t *testing.T) {
	a, b := twoNodes(t)
	installExam(t, a.store)
	const perNode = 3
	var wg sync.WaitGroup
	for _, ts := range []*testServer{a, b} {
		for range perNode {
			c := ts.client()
			wg.Add(1)
			go func() { defer wg.Done(); submitJourney(t, ts, c) }()
		}
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for name, ts := range map[string]*testServer{"A": a, "B": b} {
		if !eventually(func() bool { return ts.store.PositionCounts(fxExamID, "1001").Submitted == 2*perNode }) {
			t.Errorf("node %s counts %+v for 1001, want %d submitted", name, ts.store.PositionCounts(fxExamID, "1001"), 2*perNode)
		}
	}
	drift, err := a.store.RebuildCounts(fxExamID)
	if err != nil || len(drift) != 0 {
		t.Errorf("stored counts drift from the applications: %+v, %v", drift, err)
	}
}

// TestTwoNodesPaymentSettlesOnce: 缴费 pressed on both nodes at once makes
// one order; Alipay's notification arriving at B (twice) and then at A
// settles it once.
func TestTwoNodesPaymentSettlesOnce(t *testing.T) {
	a, b := twoNodes(t)
	psA := newPayServer(t, a.store)
	// newPayServer keeps sessions in memory: give node A the shared ones.
	psA.cfg.FiberStorage = a.cfg.FiberStorage
	psA.app = New(psA.cfg)
	psA.recon = NewReconciler(psA.cfg)
	cfgB := b.cfg
	cfgB.Pay, cfgB.Clock = psA.cfg.Pay, psA.clock.Now
	b.cfg, b.app, b.clock = cfgB, New(cfgB), psA.clock
	psB := &payServer{testServer: b, demo: psA.demo, gw: psA.gw, gwURL: psA.gwURL}
	c, app := psA.approvedCandidate(t)
	// 缴费 pressed on both nodes at once: one open order, reused by both.
	cb := c.on(b)
	nos := make([]string, 2)
	var wg sync.WaitGroup
	for i, click := range []func() string{func() string { return psA.payClick(t, c) }, func() string { return psB.payClick(t, cb) }} {
		wg.Add(1)
		go func() { defer wg.Done(); nos[i] = click() }()
	}
	wg.Wait()
	if nos[0] == "" || nos[0] != nos[1] {
		t.Fatalf("缴费 on A and B at once made orders %q and %q, want one", nos[0], nos[1])
	}
	if orders, err := b.store.OrdersOfApplication(app.ID); err != nil || len(orders) != 1 {
		t.Fatalf("%d orders for the application, %v; want 1", len(orders), err)
	}
	no := psA.openCashier(t, c)
	if no != nos[0] {
		t.Fatalf("the cashier opened order %q, want the open order %q", no, nos[0])
	}
	note := psA.successNote(no, "2023032722001400001", "100.00")
	for _, ps := range []*payServer{psB, psB, psA} {
		resp := ps.notify(note)
		if body := bodyOf(resp); body != "success" {
			t.Fatalf("notification answered %q", body)
		}
	}
	got := psB.waitState(t, app.ID, domain.StatePaid)
	if n := paidHistory(got); n != 1 {
		t.Errorf("%d payments in the application's history, want 1", n)
	}
	if n := settlementsInAudit(t, b.store, no); n != 1 {
		t.Errorf("%d settlements audited, want 1", n)
	}
}
