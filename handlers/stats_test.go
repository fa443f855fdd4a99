package handlers

import (
	"strings"
	"testing"

	"examreg/domain"
)

// TestStatsBeforeReview: while nobody has passed review yet, the counts
// page shows "—" for 通过人数:计划 and no 无人通过 badges (which would read
// as broken); once someone passes, the badges and ratios appear.
func TestStatsBeforeReview(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(5)
	if err := ts.store.CreateApplication(&domain.Application{ID: "s1", ExamID: e.ID, CandidateID: "c1", PositionCode: "00000001", State: domain.StateSubmitted}); err != nil {
		t.Fatal(err)
	}
	r := ts.client().Get("/stats")
	if r.Status != 200 {
		t.Fatalf("stats: %s", r)
	}
	if strings.Contains(r.Body, "无人通过") || strings.Contains(r.Body, "0.0:1") || strings.Contains(r.Body, "个职位审核通过人数为 0") {
		t.Errorf("before review the page shows zero badges or ratios:\n%s", r.TestID("stats-table"))
	}
	if got := r.Doc().Find(`[data-testid="stats-00000001"] td`).Last().Text(); got != "—" {
		t.Errorf("ratio before review %q, want —", got)
	}
	if err := ts.store.CreateApplication(&domain.Application{ID: "a1", ExamID: e.ID, CandidateID: "c2", PositionCode: "00000002", State: domain.StateApproved}); err != nil {
		t.Fatal(err)
	}
	r = ts.client().Get("/stats")
	if !strings.Contains(r.Body, "无人通过") || !strings.Contains(r.Body, "4 个职位审核通过人数为 0") {
		t.Errorf("after the first approval: %s", r.TestID("stats-table"))
	}
	if got := strings.TrimSpace(r.Doc().Find(`[data-testid="stats-00000002"] td`).Last().Text()); !strings.HasSuffix(got, ":1") {
		t.Errorf("ratio after approval %q", got)
	}
}
