package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"examreg/domain"
)

// BenchmarkStatusFragment: the polled 查看报考状态 fragment of a waiting
// application, through the whole middleware chain (session, account, CSRF,
// render), as every waiting candidate polls it every 10 s.
//
//	go test ./handlers -run '^$' -bench StatusFragment -benchtime 5000x
func BenchmarkStatusFragment(b *testing.B) {
	ts, c, id := newApplyServer(b)
	acct, err := ts.store.AccountByLogin(id)
	if err != nil {
		b.Fatal(err)
	}
	now := ts.clock.Now()
	app := &domain.Application{ID: "bench", ExamID: fxExamID, CandidateID: acct.ID, LevelCode: fxLevel,
		State: domain.StateSubmitted, Version: 5, PositionCode: "1001", Form: formOf(b), CreatedAt: now, UpdatedAt: now}
	for _, st := range []domain.State{domain.StateStarted, domain.StateInfoSaved, domain.StatePositionSelected, domain.StateConfirmed, domain.StateMaterialsUploaded, domain.StateSubmitted} {
		app.History = append(app.History, domain.HistoryEntry{At: now, ActorID: acct.ID, Role: domain.RoleCandidate, To: st, Note: "操作"})
	}
	if err := ts.store.CreateApplication(app); err != nil {
		b.Fatal(err)
	}
	cookies := c.jar.Cookies(testURL)
	req := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/status/"+fxExamID, nil)
		r.Header.Set("HX-Request", "true")
		for _, ck := range cookies {
			r.AddCookie(ck)
		}
		return r
	}
	res, err := ts.app.Test(req(), -1)
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("status fragment: %v %v", err, res.StatusCode)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := ts.app.Test(req(), -1)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("status fragment: %v", err)
		}
		res.Body.Close()
	}
}

func formOf(t testing.TB) domain.ApplicationForm {
	return domain.ApplicationForm{Ethnicity: "汉族", Employer: "武汉市江岸区人民政府办公室", Resume: "2006.09—2010.06 武汉大学法学专业学习"}
}

// TestStatusPollUnchanged: the poll carries the stamp of what it shows; an
// unchanged application answers 204 with no body, and a change (a review
// decision) makes the same poll render the new state.
func TestStatusPollUnchanged(t *testing.T) {
	ts, c, id := newApplyServer(t)
	acct, err := ts.store.AccountByLogin(id)
	if err != nil {
		t.Fatal(err)
	}
	now := ts.clock.Now()
	app := &domain.Application{ID: "poll", ExamID: fxExamID, CandidateID: acct.ID, LevelCode: fxLevel,
		State: domain.StateSubmitted, Version: 5, PositionCode: "1001", Form: formOf(t), CreatedAt: now, UpdatedAt: now}
	if err := ts.store.CreateApplication(app); err != nil {
		t.Fatal(err)
	}
	pollURL := func(r *response) string {
		u, ok := r.Doc().Find(`[data-testid="status-item"]`).Attr("hx-get")
		if !ok || !strings.Contains(u, "?v=") {
			t.Fatalf("poll fragment without a stamped hx-get (%q):\n%s", u, r.Body)
		}
		return u
	}
	r := c.HXGet("/status/" + fxExamID)
	wantStatus(t, r, 200, "first poll")
	first := pollURL(r)

	r = c.HXGet(first)
	if r.Status != 204 || r.Body != "" {
		t.Fatalf("unchanged poll: want 204 and no body, got %d %q", r.Status, r.Body)
	}

	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin, Name: "管理员"}
	if _, err := ts.store.ReviewApplication(app.ID, admin, domain.Decision{Action: domain.ActionReturn, Reason: "推荐表未盖章", Parts: []string{domain.PartRecommendation}}, now); err != nil {
		t.Fatal(err)
	}
	r = c.HXGet(first)
	wantStatus(t, r, 200, "poll after a change")
	if !strings.Contains(r.Body, "推荐表未盖章") {
		t.Errorf("poll after the return does not show the reason:\n%s", r.Body)
	}
}
