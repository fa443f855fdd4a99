package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"examreg/domain"
	"examreg/handlers/alipaygw"
	"examreg/kv"
)

// BenchmarkAlipayNotify measures verified notifications per second through
// notify_url: form parsing, the RSA2 signature check against Alipay's key,
// the settlement transaction (order, application approved → paid with
// history and counts, audit) on a disk store with SyncWrites, and the
// "success" reply. Each notification settles a different order, as on the
// last day; 64 run at once, as Alipay's deliveries would.
//
//	go test -run '^$' -bench AlipayNotify -benchtime 3000x ./handlers/
//
// EXAMREG_BENCH_NOSYNC=1 runs it without SyncWrites, to tell the disk's
// share from the CPU's on a busy machine.
func BenchmarkAlipayNotify(b *testing.B) {
	// Payments spread over positions as in a real exam (the 10,000-position
	// benchmarks elsewhere); 200 keep the setup short.
	const benchPositions = 200
	store, err := kv.Open(kv.Options{Dir: b.TempDir(), SyncWrites: os.Getenv("EXAMREG_BENCH_NOSYNC") == ""})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	demo, gw := benchGateway(b)
	clock := func() time.Time { return payInWindow }
	app := New(Config{Store: store, Clock: clock, NoCaptcha: true, Pay: &PayConfig{Gateway: gw, BaseURL: payBase}})

	// b.N approved applications, each with its open order and its signed notification.
	exam := fxExam()
	exam.FeeFen = payFeeFen
	positions := make([]domain.Position, benchPositions)
	for i := range positions {
		positions[i] = domain.Position{ExamID: exam.ID, Code: fmt.Sprintf("P%04d", i), Department: "部门", Title: "职位", LevelCode: "sz", Quota: 1}
	}
	storeExam(b, store, exam, positions)
	bodies := make([]string, b.N)
	orders := make([]string, b.N)
	for i := range bodies {
		cand := fmt.Sprintf("cand%08d", i)
		a := &domain.Application{ID: kv.NewID(payInWindow), ExamID: exam.ID, CandidateID: cand, LevelCode: "sz",
			State: domain.StateApproved, PositionCode: fmt.Sprintf("P%04d", i%benchPositions), CreatedAt: payInWindow}
		if err := store.CreateApplication(a); err != nil {
			b.Fatal(err)
		}
		o, _, err := store.StartPayment(cand, exam.ID, domain.ChannelPage, payInWindow)
		if err != nil {
			b.Fatal(err)
		}
		v := url.Values{
			"notify_time": {"2023-03-27 10:00:05"}, "notify_type": {"trade_status_sync"}, "notify_id": {"n" + o.ID},
			"app_id": {payAppID}, "charset": {"utf-8"}, "version": {"1.0"}, "trade_no": {fmt.Sprintf("20230327220%013d", i)},
			"out_trade_no": {o.ID}, "trade_status": {"TRADE_SUCCESS"}, "total_amount": {"100.00"}, "receipt_amount": {"100.00"},
			"seller_id": {paySellerID}, "buyer_logon_id": {"138****5678"}, "subject": {o.Subject},
			"gmt_create": {"2023-03-27 10:00:00"}, "gmt_payment": {"2023-03-27 10:00:04"},
		}
		demo.SignValues(v)
		bodies[i], orders[i] = v.Encode(), o.ID
	}
	var next, failed atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			req := httptest.NewRequest(http.MethodPost, payNotifyPath, strings.NewReader(bodies[i]))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := app.Test(req, -1)
			if err != nil || bodyOf(resp) != "success" {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
	if failed.Load() != 0 {
		b.Fatalf("%d notifications not acknowledged", failed.Load())
	}
	for _, id := range []string{orders[0], orders[len(orders)-1]} {
		if o, err := store.Order(id); err != nil || o.State != domain.OrderPaid {
			b.Fatalf("order %s not settled: %v", id, err)
		}
	}
	if got := store.CountTotals(exam.ID).Paid; got != b.N {
		b.Fatalf("counts say %d paid, want %d", got, b.N)
	}
}

// benchGateway is a demo Alipay, which signs notifications with Alipay's
// key, and a gateway client that verifies them with nothing behind its
// gateway URL: what the notification benchmarks check signatures with.
// The demo is closed at the end of the benchmark.
func benchGateway(b *testing.B) (*alipaygw.Demo, *alipaygw.Client) {
	b.Helper()
	keys, err := appKeys()
	if err != nil {
		b.Fatal(err)
	}
	demo, err := alipaygw.NewDemo(alipaygw.DemoConfig{AppID: payAppID, SellerID: paySellerID, AppPublicKey: keys[1]})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(demo.Close)
	gw, err := alipaygw.New(alipaygw.Config{AppID: payAppID, SellerID: paySellerID, PrivateKey: keys[0],
		AlipayPublicKey: demo.PublicKey(), Gateway: "http://127.0.0.1:1/unused"})
	if err != nil {
		b.Fatal(err)
	}
	return demo, gw
}

// BenchmarkAlipayVerify is the signature check of one notification alone
// (RSA2 verification with Alipay's public key, through the SDK).
func BenchmarkAlipayVerify(b *testing.B) {
	demo, gw := benchGateway(b)
	v := url.Values{"app_id": {payAppID}, "out_trade_no": {"o1"}, "trade_no": {"t1"}, "trade_status": {"TRADE_SUCCESS"},
		"total_amount": {"100.00"}, "seller_id": {paySellerID}, "notify_time": {"2023-03-27 10:00:05"}}
	demo.SignValues(v)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := gw.Notification(ctx, v); err != nil {
			b.Fatal(err)
		}
	}
}
