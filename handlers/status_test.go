package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"examreg/domain"
)

// BenchmarkStatusFragment: the polled 查看报考状态 fragment of a waiting
// application, through the whole middleware chain (session, account, CSRF,
// render), as every waiting candidate polls it every 10 s.
//
//	go test ./handlers -run '^$' -bench StatusFragment -benchtime 5000x
func BenchmarkStatusFragment(b *testing.B) {
	ts := newTestServer(b)
	installExam(b, ts.store)
	c := ts.client()
	id := newCandidate(b, c)
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
