package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// TestOpeningJourney: the administrator sets the 开考比例 (bad input at the
// field first), cannot cancel a position at the ratio nor reduce a quota
// wrongly, cancels an under-subscribed one; its candidates see it on the
// home page, one switches (refusals first), the seat run waits for the
// window, the other lets the window pass and is moved to refund.
func TestOpeningJourney(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	ts.clock.Set(time.Date(2023, 4, 1, 9, 0, 0, 0, domain.Shanghai)) // payment closed on 30 March
	admin := loginStaff(t, ts, domain.RoleAdmin, "admin1")
	for i := range 3 {
		paidCandidate(t, ts, 10+i, "1001") // 3 paid, quota 1: opens at 3:1
	}
	cand, _ := paidCandidate(t, ts, 20, "1003") // 2 paid, quota 2: below
	late, lateApp := paidCandidate(t, ts, 21, "1003")
	other, _ := paidCandidate(t, ts, 22, "1001")
	base := "/admin/exams/" + fxExamID + "/opening"

	r := admin.Get(base)
	wantStatus(t, r, http.StatusOK, "opening page")
	if r.TestID("under-1003") == "" || r.TestID("under-1001") != "" {
		t.Fatalf("under-ratio list: %s", r.TestID("opening-under"))
	}
	for _, bad := range []url.Values{
		{"ratio": {"0"}, "switch_end": {"2023-04-03T09:00"}},
		{"ratio": {"三"}, "switch_end": {"2023-04-03T09:00"}},
	} {
		r = admin.PostForm(base+"/settings", bad)
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad ratio")
		if r.FieldError("ratio") == "" {
			t.Fatal("no message at ratio")
		}
	}
	r = admin.PostForm(base+"/settings", url.Values{"ratio": {"3"}, "switch_end": {"2023-03-31T09:00"}})
	wantStatus(t, r, http.StatusUnprocessableEntity, "改报截止 in the past")
	if s, _ := ts.store.OpeningSettings(fxExamID); s != nil {
		t.Fatal("refused settings were stored")
	}
	r = admin.PostForm(base+"/settings", url.Values{"ratio": {"3"}, "switch_end": {"2023-04-03T09:00"}})
	wantStatus(t, r, http.StatusSeeOther, "settings")

	r = admin.PostForm(base+"/1001/cancel", nil)
	wantStatus(t, r, http.StatusConflict, "cancel at the ratio")
	r = admin.PostForm(base+"/1003/reduce", url.Values{"quota": {"5"}})
	wantStatus(t, r, http.StatusUnprocessableEntity, "reduce above the quota")
	if !strings.Contains(r.FieldError("quota"), "小于当前计划") {
		t.Fatalf("quota message: %q", r.FieldError("quota"))
	}
	if p, _ := ts.store.Position(fxExamID, "1003"); p.Quota != 2 {
		t.Fatal("a refused reduction changed the quota")
	}
	r = admin.PostForm(base+"/1003/cancel", nil)
	wantStatus(t, r, http.StatusSeeOther, "cancel")
	r = admin.PostForm(base+"/1003/cancel", nil)
	wantStatus(t, r, http.StatusConflict, "cancel twice")
	// Every public list marks it: 职位查询, its detail page, 报名人数统计.
	visitor := ts.client()
	for _, path := range []string{"/positions?exam=" + fxExamID + "&q=1003", "/stats?exam=" + fxExamID} {
		if r := visitor.Get(path); r.Doc().Find(`[data-testid="badge-cancelled"]`).Length() != 1 {
			t.Errorf("%s: cancelled badges %d, want 1", path, r.Doc().Find(`[data-testid="badge-cancelled"]`).Length())
		}
	}
	if r := visitor.Get("/positions/" + fxExamID + "/1003"); r.TestID("position-cancelled") == "" {
		t.Errorf("the position's page does not say it is cancelled")
	}
	if r := visitor.Get("/positions/" + fxExamID + "/1002"); r.TestID("position-cancelled") != "" {
		t.Errorf("an open position's page says it is cancelled")
	}

	r = cand.Get("/")
	if !strings.Contains(r.Body, "改报或申请退款") || !strings.Contains(r.Body, "因未达开考比例已取消") {
		t.Fatal("home page does not tell of the cancellation")
	}
	r = cand.Get("/opening/" + fxExamID)
	wantStatus(t, r, http.StatusOK, "改报 page")
	if !strings.Contains(r.TestID("switch-options"), "1002") || strings.Contains(r.TestID("switch-options"), "1003") {
		t.Fatalf("options: %s", r.TestID("switch-options"))
	}
	for _, code := range []string{"1003", "9999", ""} {
		r = cand.PostForm("/opening/"+fxExamID+"/switch", url.Values{"position_code": {code}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "switch to "+code)
		if r.FieldError("position_code") == "" {
			t.Fatalf("switch to %q: no message at the field", code)
		}
	}
	r = other.Get("/opening/" + fxExamID)
	wantStatus(t, r, http.StatusNotFound, "unaffected candidate")
	r = other.PostForm("/opening/"+fxExamID+"/refund", nil)
	wantStatus(t, r, http.StatusNotFound, "unaffected candidate's refund")

	r = cand.PostForm("/opening/"+fxExamID+"/switch", url.Values{"position_code": {"1002"}})
	wantStatus(t, r, http.StatusSeeOther, "switch")
	r = cand.Get("/status")
	if !strings.Contains(r.Body, "您已改报职位 1003 → 1002") {
		t.Fatal("status page history lacks the 改报")
	}
	r = cand.PostForm("/opening/"+fxExamID+"/refund", nil)
	wantStatus(t, r, http.StatusConflict, "refund after switching")

	admin.Get("/admin/exams/" + fxExamID + "/venues")
	r = admin.PostForm("/admin/exams/"+fxExamID+"/seats", url.Values{"seed": {"1"}})
	wantStatus(t, r, http.StatusConflict, "seats inside the 改报 window")
	if !strings.Contains(r.Body, "改报时间至") {
		t.Fatal("no explanation of the refusal")
	}

	ts.clock.Set(time.Date(2023, 4, 3, 10, 0, 0, 0, domain.Shanghai))
	late = ts.client()
	loginAs(t, late, idNumber("420102", "19880512", "521"), testPassword)
	r = late.PostForm("/opening/"+fxExamID+"/switch", url.Values{"position_code": {"1002"}})
	wantStatus(t, r, http.StatusForbidden, "switch after the window")
	admin = loginStaff(t, ts, domain.RoleAdmin, "admin2") // the first session idled out
	admin.Get(base)
	r = admin.PostForm(base+"/settle", nil)
	wantStatus(t, r, http.StatusSeeOther, "settle")
	a, _ := ts.store.Application(lateApp)
	if a.Opening.Decision != domain.CaseRefund || a.PositionCode != "1003" {
		t.Fatalf("late candidate: %+v", a.Opening)
	}
	r = admin.Get(base)
	if !strings.Contains(r.TestID("decided-1003"), "改报 1 人，退款 1 人，未选择 0 人") {
		t.Fatalf("decided row: %s", r.TestID("decided-1003"))
	}
}
