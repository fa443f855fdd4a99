package kv

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"examreg/domain"
)

// BenchmarkConcurrentDecisions: 审核通过 (ReviewApplication: application,
// queue index, counters, audit, message) from 64 writers at once with
// SyncWrites on, on disk, as the load test's state-change phase does; it
// reports decisions/s. Concurrent commits share Badger's fsyncs, so this
// rate, not one commit at a time, is the write path's capacity.
//
//	go test ./kv -run '^$' -bench ConcurrentDecisions -benchtime 4000x -benchmem
func BenchmarkConcurrentDecisions(b *testing.B) {
	s := openTemp(b, true)
	add := reviewFixture(b, s, 20, 50)
	apps := make([]*domain.Application, b.N)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				apps[i] = add(i, posCode(i%20, (i/20)%50), benchStart.Add(-time.Duration(i)*time.Second), domain.StateSubmitted)
			}
		}()
	}
	wg.Wait()
	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin, Name: "管理员"}
	next.Store(0)
	// The heap in use and the memory the Go runtime holds, at their peak
	// while writing (Badger's memtables and table builders live on the heap).
	stop := make(chan struct{})
	var peakInuse, peakSys uint64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peakInuse, peakSys = max(peakInuse, m.HeapInuse), max(peakSys, m.Sys)
			}
		}
	}()
	var failed atomic.Pointer[error]
	b.ResetTimer()
	start := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < b.N && failed.Load() == nil; i = int(next.Add(1) - 1) {
				if _, err := s.ReviewApplication(apps[i].ID, admin, domain.Decision{Action: domain.ActionApprove}, benchStart); err != nil {
					failed.Store(&err)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	close(stop)
	<-sampled
	b.ReportMetric(float64(peakInuse)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MB")
	if e := failed.Load(); e != nil {
		b.Fatal(*e)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "decisions/s")
}
