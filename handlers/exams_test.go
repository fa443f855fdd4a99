package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"examreg/domain"
	"examreg/kv"
)

// examsTestNow is the time the exams, search and stats tests run at (set
// with ts.clock.Set): a Thursday in the seeded exam's registration window.
var examsTestNow = time.Date(2023, 3, 2, 10, 0, 0, 0, domain.Shanghai)

// seedExam stores a published exam with n positions spread over 20
// departments and both levels.
func (ts *testServer) seedExam(n int) *domain.Exam {
	ts.t.Helper()
	now := ts.clock.Now()
	e := &domain.Exam{
		ID: "e2023", Code: "2023HBLX", Name: "湖北省2023年度公开遴选", Published: true, FeeFen: 10000,
		Levels:       []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "ds", Name: "市州机关"}},
		Pledges:      []domain.Pledge{{Version: 1, Text: "承诺"}},
		Registration: domain.Window{Start: now.Add(-24 * time.Hour), End: now.Add(14 * 24 * time.Hour)},
		Review:       domain.Window{Start: now.Add(-24 * time.Hour), End: now.Add(16 * 24 * time.Hour)},
		CreatedAt:    now,
	}
	if err := ts.store.SaveExam(e, kv.AuditEntry{At: now}); err != nil {
		ts.t.Fatal(err)
	}
	ts.store.ImportPositions(e.ID, benchPositions(e.ID, n), kv.AuditEntry{At: now})
	return e
}

var benchDepartments = []string{"湖北省财政厅", "湖北省教育厅", "湖北省审计厅", "湖北省商务厅", "湖北省交通运输厅",
	"湖北省自然资源厅", "湖北省生态环境厅", "湖北省农业农村厅", "湖北省统计局", "湖北省卫生健康委员会",
	"武汉市财政局", "宜昌市财政局", "襄阳市审计局", "荆州市教育局", "黄石市商务局", "十堰市交通运输局",
	"孝感市统计局", "荆门市财政局", "鄂州市审计局", "咸宁市教育局"}

func benchPositions(examID string, n int) []domain.Position {
	titles := []string{"综合文字岗", "财务审计岗", "法制审核岗", "信息化岗", "政策研究岗"}
	majors := []string{"中国语言文学类", "会计学、审计学", "法学类", "计算机类", "经济学类"}
	edus := []string{"大学本科及以上", "研究生", "", "全日制大学本科及以上"}
	list := make([]domain.Position, n)
	for i := range list {
		d := i * len(benchDepartments) / n
		lv := "sz"
		if d >= 10 {
			lv = "ds"
		}
		list[i] = domain.Position{
			ExamID: examID, Code: fmt.Sprintf("%08d", i+1), Department: benchDepartments[d],
			Employer: benchDepartments[d] + "办公室", Title: titles[i%5], LevelCode: lv, Quota: 1 + i%3,
			Education: edus[i%4], Major: majors[i%5], MaxAge: []int{35, 40, 0}[i%3], Political: []string{"中共党员", ""}[i%2],
			GrassrootsYears: 2,
		}
	}
	return list
}

func TestSearchPositionsHandler(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(200)
	c := ts.client()

	// Plain GET: the whole page with the form and the results.
	r := c.Get("/positions?q=%E8%B4%A2%E5%8A%A1&level=sz")
	if r.Status != 200 || !strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `data-testid="search-form"`) {
		t.Fatalf("full page: %d", r.Status)
	}
	if !strings.Contains(r.Body, "共 20 个职位") || !strings.Contains(r.Body, `hx-push-url="true"`) || !strings.Contains(r.Body, `value="财务"`) {
		t.Errorf("results or kept filters missing:\n%s", r.Body)
	}
	if r.Header.Get("Vary") == "" || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("headers %v", r.Header)
	}
	// htmx: only the results fragment, same filters.
	r = c.HXGet("/positions?q=%E8%B4%A2%E5%8A%A1&level=sz&size=10")
	frag := r.Body
	if r.Status != 200 || strings.Contains(frag, "<html") || strings.Contains(frag, "search-form") {
		t.Fatalf("fragment: %d\n%s", r.Status, frag)
	}
	if !strings.HasPrefix(frag, `<div id="position-results"`) || !strings.Contains(frag, "共 20 个职位，第 1/2 页") {
		t.Errorf("fragment content:\n%.300s", frag)
	}
	// Pagination keeps the filters in the links.
	if !strings.Contains(frag, "page=2") || !strings.Contains(frag, "level=sz") || !strings.Contains(frag, "exam="+e.ID) {
		t.Errorf("pager links lose filters:\n%s", frag)
	}
	// Detail page.
	if r := c.Get("/positions/" + e.ID + "/00000001"); r.Status != 200 || !strings.Contains(r.Body, "综合文字岗") {
		t.Errorf("detail %d", r.Status)
	}
	if r := c.Get("/positions/" + e.ID + "/nope"); r.Status != 404 {
		t.Errorf("missing position %d", r.Status)
	}
}

func TestSearchBadInput(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	ts.seedExam(20)
	c := ts.client()
	// A keyword of 10,000 characters (ASCII: 10 KB of URL; 10,000 Chinese
	// characters are 90 KB, which the server refuses with 431 before any
	// handler, since its read buffer is 16 KB).
	for _, q := range []string{"q=" + strings.Repeat("a", 10000), "q=" + strings.Repeat("%E8%B4%A2", 51), "page=-1", "page=abc", "size=1000", "sort=x", "edu=%3Cscript%3E"} {
		for _, hx := range []bool{false, true} {
			get := c.Get
			if hx {
				get = c.HXGet
			}
			r := get("/positions?" + q)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="search-error"`) {
				t.Errorf("%.40s hx=%v: %d", q, hx, r.Status)
			}
			if strings.Contains(r.Body, "<script>") {
				t.Errorf("%s: unescaped", q)
			}
		}
	}
	if r := c.Get("/positions?exam=nope"); r.Status != 404 {
		t.Errorf("unknown exam %d", r.Status)
	}
}

func TestUnpublishedExamHidden(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(5)
	e.Published = false
	if err := ts.store.SaveExam(e, kv.AuditEntry{At: ts.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	c := ts.client()
	if r := c.Get("/positions"); strings.Contains(r.Body, "position-results") {
		t.Error("draft exam's positions shown")
	}
	if r := c.Get("/positions?exam=" + e.ID); r.Status != 404 {
		t.Errorf("draft by id: %d", r.Status)
	}
	if r := c.Get("/"); strings.Contains(r.Body, e.Name) {
		t.Error("draft exam on the home page")
	}
}

func TestStatsPolling(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(30)
	for i, st := range []domain.State{domain.StateSubmitted, domain.StateApproved, domain.StatePaid} {
		if err := ts.store.CreateApplication(&domain.Application{ID: fmt.Sprint("a", i), ExamID: e.ID, CandidateID: fmt.Sprint("c", i), PositionCode: "00000001", State: st}); err != nil {
			t.Fatal(err)
		}
	}
	c := ts.client()
	r := c.Get("/stats")
	if r.Status != 200 || !strings.Contains(r.Body, `hx-trigger="every 10s"`) || !strings.Contains(r.Body, "29 个职位审核通过人数为 0") {
		t.Fatalf("stats page %d\n%s", r.Status, r.Body)
	}
	m := regexp.MustCompile(`hx-get="(/stats\?[^"]+)"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no poll url")
	}
	poll := strings.ReplaceAll(m[1], "&amp;", "&")
	if r := c.HXGet(poll); r.Status != http.StatusNoContent || r.Body != "" {
		t.Errorf("unchanged poll: %d %q", r.Status, r.Body)
	}
	ts.store.CreateApplication(&domain.Application{ID: "a9", ExamID: e.ID, CandidateID: "c9", PositionCode: "00000002", State: domain.StateApproved})
	r = c.HXGet(poll)
	if r.Status != 200 || !strings.HasPrefix(r.Body, `<div id="stats-table"`) || !strings.Contains(r.Body, "28 个职位审核通过人数为 0") {
		t.Errorf("changed poll: %d\n%.300s", r.Status, r.Body)
	}
	// Only positions without approved applicants.
	if r := c.HXGet("/stats?noapproved=1"); strings.Contains(r.Body, `data-testid="stats-00000001"`) || !strings.Contains(r.Body, "符合条件的职位 28 个") {
		t.Errorf("noapproved filter:\n%.500s", r.Body)
	}
	if r := c.Get("/stats?page=abc"); r.Status != 422 {
		t.Errorf("bad page %d", r.Status)
	}
}

func TestAdminOnly(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(1)
	// A candidate with a photo, made directly in the store.
	cand := loginStaff(t, ts, domain.RoleCandidate, "420102199003071232", func(a *domain.Account) { a.PhotoID = "p" })
	anon := ts.client()
	for _, path := range []string{"/admin/exams", "/admin/exams/new", "/admin/exams/" + e.ID, "/admin/exams/" + e.ID + "/positions", "/admin/exams/" + e.ID + "/positions.xlsx", "/admin/notices", "/admin/positions-template.xlsx"} {
		if r := cand.Get(path); r.Status != 403 {
			t.Errorf("candidate %s: %d", path, r.Status)
		}
		if r := anon.Get(path); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d", path, r.Status)
		}
	}
	if r := cand.PostForm("/admin/exams/"+e.ID+"/positions/00000001/delete", nil); r.Status != 403 {
		t.Errorf("candidate delete: %d", r.Status)
	}
	if _, ok := ts.store.Position(e.ID, "00000001"); !ok {
		t.Error("position deleted by candidate")
	}
}

func examForm(overrides map[string]string) url.Values {
	v := url.Values{
		"name": {"湖北省2024年度公开遴选"}, "code": {"2024HBLX"}, "levels": {"sz 省直机关\nds 市州机关"},
		"subjects": {"公共基础知识"}, "fee": {"100"}, "pledge": {"本人承诺"}, "published": {"1"},
		"registration_start": {"2024-03-01T09:00"}, "registration_end": {"2024-03-08T17:00"},
		"review_start": {"2024-03-01T09:00"}, "review_end": {"2024-03-10T17:00"},
		"payment_start": {"2024-03-12T09:00"}, "payment_end": {"2024-03-15T17:00"},
	}
	for k, x := range overrides {
		v.Set(k, x)
	}
	return v
}

func TestAdminExamForm(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	admin.Get("/admin/exams/new")
	r := admin.PostForm("/admin/exams", examForm(map[string]string{"registration_end": "2024-02-01T09:00"}))
	if r.Status != 422 || !strings.Contains(r.Body, `data-testid="error-registration_end"`) || !strings.Contains(r.Body, "结束时间必须晚于开始时间") {
		t.Fatalf("window ends before it starts: %d", r.Status)
	}
	if list, _ := ts.store.Exams(); len(list) != 0 {
		t.Fatal("invalid exam written")
	}
	r = admin.PostForm("/admin/exams", examForm(nil))
	if r.Status != 303 {
		t.Fatalf("create: %d", r.Status)
	}
	list, _ := ts.store.Exams()
	if len(list) != 1 || list[0].FeeFen != 10000 || !list[0].Published || list[0].CurrentPledge().Version != 1 {
		t.Fatalf("stored %+v", list)
	}
	id := list[0].ID
	admin.Get("/admin/exams/" + id + "/edit")
	if r := admin.PostForm("/admin/exams/"+id, examForm(map[string]string{"pledge": "新承诺书"})); r.Status != 303 {
		t.Fatalf("update %d", r.Status)
	}
	if e, _ := ts.store.Exam(id); e.CurrentPledge().Version != 2 {
		t.Errorf("pledge version %+v", e.Pledges)
	}
	if r := admin.PostForm("/admin/exams", examForm(nil)); r.Status != 422 || !strings.Contains(r.Body, "已被其他考试使用") {
		t.Errorf("duplicate code: %d", r.Status)
	}
	audit, _ := ts.store.AuditLog(10)
	// The test clock stands still, so ids of the same millisecond sort randomly.
	if len(audit) != 2 || audit[0].Action+audit[1].Action != "exam.createexam.update" && audit[1].Action+audit[0].Action != "exam.createexam.update" || audit[0].ActorID == "" {
		t.Errorf("audit %+v", audit)
	}
}

func TestAdminPositionForm(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(2)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	admin.Get("/admin/exams/" + e.ID + "/positions/new")
	form := url.Values{"code": {"777"}, "department": {"湖北省财政厅"}, "employer": {"办公室"}, "title": {"文字岗"}, "level": {"省直机关"}, "quota": {"0"}}
	r := admin.PostForm("/admin/exams/"+e.ID+"/positions", form)
	if r.Status != 422 || !strings.Contains(r.Body, `data-testid="error-quota"`) {
		t.Fatalf("quota 0: %d", r.Status)
	}
	form.Set("quota", "2")
	if r := admin.PostForm("/admin/exams/"+e.ID+"/positions", form); r.Status != 303 {
		t.Fatalf("create %d", r.Status)
	}
	if p, ok := ts.store.Position(e.ID, "777"); !ok || p.Quota != 2 {
		t.Fatalf("stored %+v", p)
	}
	ts.store.CreateApplication(&domain.Application{ID: "a1", ExamID: e.ID, CandidateID: "c1", PositionCode: "777", State: domain.StateSubmitted})
	form.Set("level", "市州机关")
	if r := admin.PostForm("/admin/exams/"+e.ID+"/positions/777", form); r.Status != 409 || !strings.Contains(r.Body, "不能改到其他层级") {
		t.Errorf("level move: %d", r.Status)
	}
	r = admin.PostForm("/admin/exams/"+e.ID+"/positions/777/delete", nil)
	if r.Status != 303 {
		t.Fatalf("delete %d", r.Status)
	}
	if _, ok := ts.store.Position(e.ID, "777"); !ok {
		t.Error("position with applications deleted")
	}
	if page := admin.Get(r.Header.Get("Location")); !strings.Contains(page.Body, "不能删除") {
		t.Error("no message about the refused delete")
	}
	if r := admin.PostForm("/admin/exams/"+e.ID+"/positions/00000001/delete", nil); r.Status != 303 {
		t.Fatal(r.Status)
	}
	if _, ok := ts.store.Position(e.ID, "00000001"); ok {
		t.Error("position not deleted")
	}
}
