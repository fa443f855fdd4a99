package handlers

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"examreg/domain"
)

// Benchmarks of the performance figures: 10,000 positions and
// 100,000 applications in the store (in-memory Badger, setup ~10 s).
//
//	go test ./handlers -run '^$' -bench 'SearchHandler|StatsHandler' -benchtime 300x -benchmem
//	go test ./handlers -run '^$' -bench Import10000 -benchtime 5x -benchmem
//
// On a shared 2-core development machine (noisy; Badger's compactions
// after the bulk load sometimes overlap the first sub-benchmark):
//
//	search, full page          1.1–1.7 ms  (one outlier run 8.8 ms)   target < 10 ms
//	search, htmx fragment      1.2 ms
//	counts page, full          2.2–4.6 ms                             target < 10 ms
//	counts, "0 approved" frag  1.1–2.8 ms
//	counts poll, unchanged     0.08–0.13 ms (204, empty body)
//	import 10,000 rows         0.9–4.9 s (mostly excelize reading XML) target < 10 s
//
// Search and counts read the store's in-memory position catalog (a sorted
// snapshot rebuilt only after a position changes) and counts cache (a
// shared copy per change of the counts): no store access per request.

const (
	benchPositionCount    = 10000
	benchApplicationCount = 100000
)

var (
	benchOnce  sync.Once
	benchTS    *testServer
	benchExam  *domain.Exam
	benchSetup time.Duration
)

// benchServer fills one store for all benchmarks: positions through the
// import path, applications through kv.CreateApplication (which keeps the
// counts in the same transaction), eight writers at once.
func benchServer(b *testing.B) (*testServer, *domain.Exam) {
	benchOnce.Do(func() {
		start := time.Now()
		ts := newTestServer(&testing.T{})
		ts.clock.Set(examsTestNow)
		e := ts.seedExam(benchPositionCount)
		states := []domain.State{domain.StateSubmitted, domain.StateSubmitted, domain.StateApproved, domain.StatePaid, domain.StateInfoSaved}
		var wg sync.WaitGroup
		const writers = 8
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < benchApplicationCount; i += writers {
					// Skewed: a third of the applications go to the first 100 positions.
					pos := i % benchPositionCount
					if i%3 == 0 {
						pos = i % 100
					}
					a := &domain.Application{
						ID: fmt.Sprintf("app%07d", i), ExamID: e.ID, CandidateID: fmt.Sprintf("cand%07d", i),
						LevelCode: "sz", PositionCode: fmt.Sprintf("%08d", pos+1), State: states[i%len(states)], CreatedAt: examsTestNow,
					}
					if err := ts.store.CreateApplication(a); err != nil {
						panic(err)
					}
				}
			}()
		}
		wg.Wait()
		// Let Badger finish the compactions the bulk load started, as a
		// long-running server would have: they otherwise run on the same
		// two cores during the first iterations.
		runtime.GC()
		time.Sleep(3 * time.Second)
		benchTS, benchExam, benchSetup = ts, e, time.Since(start)
	})
	b.ReportMetric(benchSetup.Seconds(), "setup-s")
	return benchTS, benchExam
}

func benchGet(b *testing.B, ts *testServer, path string, hx bool, want int) int {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := ts.app.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return len(body)
}

// BenchmarkSearchHandler: a filtered first page of 职位查询, full page and
// htmx fragment, anonymous visitor.
func BenchmarkSearchHandler(b *testing.B) {
	ts, e := benchServer(b)
	q := url.Values{"exam": {e.ID}, "q": {"财务"}, "level": {"sz"}, "edu": {"大学本科"}, "sort": {"competition"}}
	for _, hx := range []bool{false, true} {
		b.Run(fmt.Sprintf("hx=%v", hx), func(b *testing.B) {
			size := 0
			for b.Loop() {
				size = benchGet(b, ts, "/positions?"+q.Encode(), hx, 200)
			}
			b.ReportMetric(float64(size), "resp-bytes")
		})
	}
	b.Run("keyword-only", func(b *testing.B) {
		for b.Loop() {
			benchGet(b, ts, "/positions?exam="+e.ID+"&q="+url.QueryEscape("审计 湖北省"), true, 200)
		}
	})
}

// BenchmarkStatsHandler: the 报名人数统计 page (full and fragment), the
// "0 approved" filter, and a poll that finds nothing changed.
func BenchmarkStatsHandler(b *testing.B) {
	ts, e := benchServer(b)
	b.Run("full", func(b *testing.B) {
		size := 0
		for b.Loop() {
			size = benchGet(b, ts, "/stats?exam="+e.ID, false, 200)
		}
		b.ReportMetric(float64(size), "resp-bytes")
	})
	b.Run("noapproved-fragment", func(b *testing.B) {
		for b.Loop() {
			benchGet(b, ts, "/stats?exam="+e.ID+"&noapproved=1&level=ds", true, 200)
		}
	})
	v := ts.store.CountsVersion(e.ID)
	b.Run("poll-unchanged", func(b *testing.B) {
		for b.Loop() {
			benchGet(b, ts, fmt.Sprintf("/stats?exam=%s&v=%d", e.ID, v), true, 204)
		}
	})
}

// BenchmarkImport10000 posts a 10,000-row 职位表 to the import handler of
// the store holding 10,000 positions and 100,000 applications: upload,
// read, validate every row, check level moves against applications, write.
// The two files differ in every row's 职位简介, so each import updates all
// 10,000 positions.
func BenchmarkImport10000(b *testing.B) {
	ts, e := benchServer(b)
	admin := loginStaff(b, ts, domain.RoleAdmin, "BENCHADMIN")
	path := "/admin/exams/" + e.ID + "/import"
	admin.Get(path)
	files := make([][]byte, 2)
	for v := range files {
		list := benchPositions(e.ID, benchPositionCount)
		rows := make([]map[string]string, len(list))
		for i := range list {
			list[i].Description = fmt.Sprintf("职位简介第 %d 版", v)
			rows[i] = domain.PositionText(&list[i], e)
		}
		files[v] = positionBook(b, rows)
	}
	b.ReportMetric(float64(len(files[0])), "file-bytes")
	n := 0
	for b.Loop() {
		r := admin.PostFile(path, nil, "file", "职位表.xlsx", files[n%2])
		if r.Status != 303 {
			b.Fatalf("import: %d %s", r.Status, r.Body)
		}
		n++
	}
	list := ts.store.PositionList(e.ID)
	if len(list) != benchPositionCount || !strings.HasPrefix(list[0].Description, "职位简介第") {
		b.Fatal("import incomplete")
	}
}
