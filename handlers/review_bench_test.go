package handlers

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"examreg/domain"
)

// The review load of the issue: 100 departments (10,000 positions),
// 100,000 applications, 50,000 of them waiting for review; a reviewer of
// one department (500 waiting) works the dashboard.
const (
	reviewBenchDepts   = 100
	reviewBenchPerDept = 100
	reviewBenchApps    = 100_000
)

var (
	reviewBenchOnce sync.Once
	reviewBenchTS   *testServer
)

func reviewBenchDept(d int) string { return fmt.Sprintf("遴选机关%03d", d) }

// reviewBenchServer fills one in-memory store for the review benchmarks:
// positions in one transaction per department, then every application
// (every other one waiting, the rest decided) with its candidate through
// kv.CreateApplication, eight writers at once.
func reviewBenchServer(b *testing.B) *testServer {
	reviewBenchOnce.Do(func() {
		start := time.Now()
		ts := newTestServer(&testing.T{})
		e := fxExam()
		e.ID = "rbench"
		// kv.SeedExam writes the exam again with each department's positions.
		for d := range reviewBenchDepts {
			positions := make([]domain.Position, reviewBenchPerDept)
			for p := range positions {
				positions[p] = domain.Position{ExamID: e.ID, Code: fmt.Sprintf("%03d%02d", d, p), Department: reviewBenchDept(d),
					Title: "综合文字", LevelCode: "sz", Education: "大学本科及以上"}
			}
			if err := ts.store.SeedExam(e, positions); err != nil {
				panic(err)
			}
		}
		decided := []domain.State{domain.StateApproved, domain.StateReturned, domain.StateRejected, domain.StateApproved}
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < reviewBenchApps; i += 8 {
					d, p := i%reviewBenchDepts, (i/reviewBenchDepts)%reviewBenchPerDept
					at := testStart.Add(-time.Duration(reviewBenchApps-i) * time.Second)
					cand := &domain.Account{ID: fmt.Sprintf("rbc%07d", i), Role: domain.RoleCandidate,
						LoginName: idNumber("420102", "19880512", fmt.Sprintf("%03d", i%1000)) + fmt.Sprintf("-%d", i), Name: "考生" + fmt.Sprint(i)}
					if err := ts.store.CreateAccount(cand); err != nil {
						panic(err)
					}
					a := &domain.Application{
						ID: fmt.Sprintf("rba%07d", i), ExamID: e.ID, CandidateID: cand.ID, LevelCode: "sz", Version: 6,
						PositionCode: fmt.Sprintf("%03d%02d", d, p), State: domain.StateSubmitted, PhotoID: "ph", RecommendationID: "rec",
						Form:      domain.ApplicationForm{Ethnicity: "汉族", Employer: "某单位科员", Phone: "13800138000"},
						History:   []domain.HistoryEntry{{At: at, From: domain.StateMaterialsUploaded, To: domain.StateSubmitted}},
						CreatedAt: at, UpdatedAt: at,
					}
					if (i/reviewBenchDepts)%2 == 1 {
						a.State = decided[i%len(decided)]
						a.History = append(a.History, domain.HistoryEntry{At: at.Add(time.Hour), From: domain.StateSubmitted, To: a.State, Role: domain.RoleReviewer})
						if a.State == domain.StateReturned {
							a.CorrectionDeadline = at.Add(49 * time.Hour)
						}
					}
					if err := ts.store.CreateApplication(a); err != nil {
						panic(err)
					}
				}
			}()
		}
		wg.Wait()
		reviewBenchTS = ts
		fmt.Printf("review bench setup: %s\n", time.Since(start).Round(time.Millisecond))
	})
	return reviewBenchTS
}

// BenchmarkReviewDashboard measures, at the load (in-memory store),
// a reviewer of one department (500 waiting) working the dashboard:
//
//   - page: GET /review, the full page (layout, filters, counts, 50 rows);
//
//   - fragment: the list alone (an htmx filter or a poll after a change);
//
//   - poll-unchanged: the 10 s poll when nothing changed (204, no body);
//
//   - review-page: GET /review/:id (the application, requirements, history).
//
//     go test ./handlers -run '^$' -bench ReviewDashboard -benchtime 300x -benchmem
func BenchmarkReviewDashboard(b *testing.B) {
	ts := reviewBenchServer(b)
	c := ts.client()
	ts.t = b
	createStaff(b, ts, domain.RoleReviewer, "rbench", func(a *domain.Account) { a.Departments = []string{reviewBenchDept(42)} })
	loginAs(b, c, "rbench", testPassword)
	first := c.Get("/review?exam=rbench")
	if first.Status != http.StatusOK {
		b.Fatalf("dashboard: %s", first)
	}
	if n := first.Doc().Find(`[data-testid="review-row"]`).Length(); n != reviewPageSize {
		b.Fatalf("dashboard rows %d", n)
	}
	poll, _ := first.Doc().Find("#review-list").Attr("hx-get")
	appURL, _ := first.Doc().Find(`[data-testid="row-open"]`).First().Attr("href")
	b.Run("page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := c.Get("/review?exam=rbench"); r.Status != http.StatusOK {
				b.Fatal(r)
			}
		}
	})
	b.Run("fragment", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := c.HXGet("/review?exam=rbench&pos=04201"); r.Status != http.StatusOK {
				b.Fatal(r)
			}
		}
	})
	b.Run("poll-unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := c.HXGet(poll); r.Status != http.StatusNoContent {
				b.Fatal(r)
			}
		}
	})
	b.Run("review-page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := c.Get(appURL); r.Status != http.StatusOK {
				b.Fatal(r)
			}
		}
	})
}
