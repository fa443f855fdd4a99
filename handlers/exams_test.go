package handlers

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
)

// examsTS is this file's own small test server (the shared helpers live in
// testserver_test.go once merged); names are prefixed to avoid clashes.
type examsTS struct {
	t     testing.TB
	app   *fiber.App
	store *kv.Store
	now   time.Time
}

var examsTestNow = time.Date(2023, 3, 2, 10, 0, 0, 0, domain.Shanghai)

func examsTestServer(t testing.TB) *examsTS {
	t.Helper()
	store, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ts := &examsTS{t: t, store: store, now: examsTestNow}
	ts.app = New(Config{Store: store, Clock: func() time.Time { return ts.now }, NoCaptcha: true, AuthRateLimit: 100000})
	return ts
}

// examsClient keeps one browser's cookies and CSRF token.
type examsClient struct {
	ts      *examsTS
	cookies map[string]string
	csrf    string
}

func (ts *examsTS) anon() *examsClient { return &examsClient{ts: ts, cookies: map[string]string{}} }

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *examsClient) do(req *http.Request) (*http.Response, string) {
	c.ts.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.ts.app.Test(req, -1)
	if err != nil {
		c.ts.t.Fatal(err)
	}
	for _, ck := range resp.Cookies() {
		c.cookies[ck.Name] = ck.Value
	}
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp, body
}

func (c *examsClient) get(path string, hx bool) (*http.Response, string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

func (c *examsClient) post(path string, form url.Values) (*http.Response, string) {
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", c.csrf)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// upload posts a multipart form with one file.
func (c *examsClient) upload(path string, fields url.Values, fileField, fileName string, data []byte) (*http.Response, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, _ := w.CreateFormFile(fileField, fileName)
		fw.Write(data)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// login creates an account of role and logs a new client in.
func (ts *examsTS) login(role domain.Role, login string) *examsClient {
	ts.t.Helper()
	hash, err := HashPassword("Passw0rd123")
	if err != nil {
		ts.t.Fatal(err)
	}
	acct := &domain.Account{ID: kv.NewID(ts.now), Role: role, LoginName: login, Name: "测试" + role.Label(), PasswordHash: hash, PhotoID: "p", CreatedAt: ts.now}
	if err := ts.store.CreateAccount(acct); err != nil {
		ts.t.Fatal(err)
	}
	c := ts.anon()
	c.get("/login", false)
	resp, _ := c.post("/login", url.Values{"id_number": {login}, "password": {"Passw0rd123"}})
	if resp.StatusCode != http.StatusSeeOther {
		ts.t.Fatalf("login: %d", resp.StatusCode)
	}
	c.get("/", false) // fresh CSRF token after login
	return c
}

// seedExam stores a published exam with n positions spread over 20
// departments and both levels.
func (ts *examsTS) seedExam(n int) *domain.Exam {
	ts.t.Helper()
	e := &domain.Exam{
		ID: "e2023", Code: "2023HBLX", Name: "湖北省2023年度公开遴选", Published: true, FeeFen: 10000,
		Levels:       []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "ds", Name: "市州机关"}},
		Pledges:      []domain.Pledge{{Version: 1, Text: "承诺"}},
		Registration: domain.Window{Start: ts.now.Add(-24 * time.Hour), End: ts.now.Add(14 * 24 * time.Hour)},
		Review:       domain.Window{Start: ts.now.Add(-24 * time.Hour), End: ts.now.Add(16 * 24 * time.Hour)},
		CreatedAt:    ts.now,
	}
	if err := ts.store.SaveExam(e, kv.AuditEntry{At: ts.now}); err != nil {
		ts.t.Fatal(err)
	}
	ts.store.ImportPositions(e.ID, benchPositions(e.ID, n), kv.AuditEntry{At: ts.now})
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
	ts := examsTestServer(t)
	e := ts.seedExam(200)
	c := ts.anon()

	// Plain GET: the whole page with the form and the results.
	resp, body := c.get("/positions?q=%E8%B4%A2%E5%8A%A1&level=sz", false)
	if resp.StatusCode != 200 || !strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="search-form"`) {
		t.Fatalf("full page: %d", resp.StatusCode)
	}
	if !strings.Contains(body, "共 20 个职位") || !strings.Contains(body, `hx-push-url="true"`) || !strings.Contains(body, `value="财务"`) {
		t.Errorf("results or kept filters missing:\n%s", body)
	}
	if resp.Header.Get("Vary") == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("headers %v", resp.Header)
	}
	// htmx: only the results fragment, same filters.
	resp, frag := c.get("/positions?q=%E8%B4%A2%E5%8A%A1&level=sz&size=10", true)
	if resp.StatusCode != 200 || strings.Contains(frag, "<html") || strings.Contains(frag, "search-form") {
		t.Fatalf("fragment: %d\n%s", resp.StatusCode, frag)
	}
	if !strings.HasPrefix(frag, `<div id="position-results"`) || !strings.Contains(frag, "共 20 个职位，第 1/2 页") {
		t.Errorf("fragment content:\n%.300s", frag)
	}
	// Pagination keeps the filters in the links.
	if !strings.Contains(frag, "page=2") || !strings.Contains(frag, "level=sz") || !strings.Contains(frag, "exam="+e.ID) {
		t.Errorf("pager links lose filters:\n%s", frag)
	}
	// Detail page.
	if resp, body := c.get("/positions/"+e.ID+"/00000001", false); resp.StatusCode != 200 || !strings.Contains(body, "综合文字岗") {
		t.Errorf("detail %d", resp.StatusCode)
	}
	if resp, _ := c.get("/positions/"+e.ID+"/nope", false); resp.StatusCode != 404 {
		t.Errorf("missing position %d", resp.StatusCode)
	}
}

func TestSearchBadInput(t *testing.T) {
	ts := examsTestServer(t)
	ts.seedExam(20)
	c := ts.anon()
	// A keyword of 10,000 characters (ASCII: 10 KB of URL; 10,000 Chinese
	// characters are 90 KB, which the server refuses with 431 before any
	// handler, since its read buffer is 16 KB).
	for _, q := range []string{"q=" + strings.Repeat("a", 10000), "q=" + strings.Repeat("%E8%B4%A2", 51), "page=-1", "page=abc", "size=1000", "sort=x", "edu=%3Cscript%3E"} {
		for _, hx := range []bool{false, true} {
			resp, body := c.get("/positions?"+q, hx)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="search-error"`) {
				t.Errorf("%.40s hx=%v: %d", q, hx, resp.StatusCode)
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("%s: unescaped", q)
			}
		}
	}
	if resp, _ := c.get("/positions?exam=nope", false); resp.StatusCode != 404 {
		t.Errorf("unknown exam %d", resp.StatusCode)
	}
}

func TestUnpublishedExamHidden(t *testing.T) {
	ts := examsTestServer(t)
	e := ts.seedExam(5)
	e.Published = false
	if err := ts.store.SaveExam(e, kv.AuditEntry{At: ts.now}); err != nil {
		t.Fatal(err)
	}
	c := ts.anon()
	if _, body := c.get("/positions", false); strings.Contains(body, "position-results") {
		t.Error("draft exam's positions shown")
	}
	if resp, _ := c.get("/positions?exam="+e.ID, false); resp.StatusCode != 404 {
		t.Errorf("draft by id: %d", resp.StatusCode)
	}
	if _, body := c.get("/", false); strings.Contains(body, e.Name) {
		t.Error("draft exam on the home page")
	}
}

func TestStatsPolling(t *testing.T) {
	ts := examsTestServer(t)
	e := ts.seedExam(30)
	for i, st := range []domain.State{domain.StateSubmitted, domain.StateApproved, domain.StatePaid} {
		if err := ts.store.CreateApplication(&domain.Application{ID: fmt.Sprint("a", i), ExamID: e.ID, CandidateID: fmt.Sprint("c", i), PositionCode: "00000001", State: st}); err != nil {
			t.Fatal(err)
		}
	}
	c := ts.anon()
	resp, body := c.get("/stats", false)
	if resp.StatusCode != 200 || !strings.Contains(body, `hx-trigger="every 10s"`) || !strings.Contains(body, "29 个职位审核通过人数为 0") {
		t.Fatalf("stats page %d\n%s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`hx-get="(/stats\?[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no poll url")
	}
	poll := strings.ReplaceAll(m[1], "&amp;", "&")
	if resp, body := c.get(poll, true); resp.StatusCode != http.StatusNoContent || body != "" {
		t.Errorf("unchanged poll: %d %q", resp.StatusCode, body)
	}
	ts.store.CreateApplication(&domain.Application{ID: "a9", ExamID: e.ID, CandidateID: "c9", PositionCode: "00000002", State: domain.StateApproved})
	resp, frag := c.get(poll, true)
	if resp.StatusCode != 200 || !strings.HasPrefix(frag, `<div id="stats-table"`) || !strings.Contains(frag, "28 个职位审核通过人数为 0") {
		t.Errorf("changed poll: %d\n%.300s", resp.StatusCode, frag)
	}
	// Only positions without approved applicants.
	if _, frag := c.get("/stats?noapproved=1", true); strings.Contains(frag, `data-testid="stats-00000001"`) || !strings.Contains(frag, "符合条件的职位 28 个") {
		t.Errorf("noapproved filter:\n%.500s", frag)
	}
	if resp, _ := c.get("/stats?page=abc", false); resp.StatusCode != 422 {
		t.Errorf("bad page %d", resp.StatusCode)
	}
}

func TestAdminOnly(t *testing.T) {
	ts := examsTestServer(t)
	e := ts.seedExam(1)
	cand := ts.login(domain.RoleCandidate, "420102199003071232")
	anon := ts.anon()
	for _, path := range []string{"/admin/exams", "/admin/exams/new", "/admin/exams/" + e.ID, "/admin/exams/" + e.ID + "/positions", "/admin/exams/" + e.ID + "/positions.xlsx", "/admin/notices", "/admin/positions-template.xlsx"} {
		if resp, _ := cand.get(path, false); resp.StatusCode != 403 {
			t.Errorf("candidate %s: %d", path, resp.StatusCode)
		}
		if resp, _ := anon.get(path, false); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d", path, resp.StatusCode)
		}
	}
	if resp, _ := cand.post("/admin/exams/"+e.ID+"/positions/00000001/delete", nil); resp.StatusCode != 403 {
		t.Errorf("candidate delete: %d", resp.StatusCode)
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
	ts := examsTestServer(t)
	admin := ts.login(domain.RoleAdmin, "ADMIN")
	admin.get("/admin/exams/new", false)
	resp, body := admin.post("/admin/exams", examForm(map[string]string{"registration_end": "2024-02-01T09:00"}))
	if resp.StatusCode != 422 || !strings.Contains(body, `data-testid="error-registration_end"`) || !strings.Contains(body, "结束时间必须晚于开始时间") {
		t.Fatalf("window ends before it starts: %d", resp.StatusCode)
	}
	if list, _ := ts.store.Exams(); len(list) != 0 {
		t.Fatal("invalid exam written")
	}
	resp, _ = admin.post("/admin/exams", examForm(nil))
	if resp.StatusCode != 303 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	list, _ := ts.store.Exams()
	if len(list) != 1 || list[0].FeeFen != 10000 || !list[0].Published || list[0].CurrentPledge().Version != 1 {
		t.Fatalf("stored %+v", list)
	}
	id := list[0].ID
	admin.get("/admin/exams/"+id+"/edit", false)
	if resp, _ := admin.post("/admin/exams/"+id, examForm(map[string]string{"pledge": "新承诺书"})); resp.StatusCode != 303 {
		t.Fatalf("update %d", resp.StatusCode)
	}
	if e, _ := ts.store.Exam(id); e.CurrentPledge().Version != 2 {
		t.Errorf("pledge version %+v", e.Pledges)
	}
	if resp, body := admin.post("/admin/exams", examForm(nil)); resp.StatusCode != 422 || !strings.Contains(body, "已被其他考试使用") {
		t.Errorf("duplicate code: %d", resp.StatusCode)
	}
	audit, _ := ts.store.AuditLog(10)
	// The test clock stands still, so ids of the same millisecond sort randomly.
	if len(audit) != 2 || audit[0].Action+audit[1].Action != "exam.createexam.update" && audit[1].Action+audit[0].Action != "exam.createexam.update" || audit[0].ActorID == "" {
		t.Errorf("audit %+v", audit)
	}
}

func TestAdminPositionForm(t *testing.T) {
	ts := examsTestServer(t)
	e := ts.seedExam(2)
	admin := ts.login(domain.RoleAdmin, "ADMIN")
	admin.get("/admin/exams/"+e.ID+"/positions/new", false)
	form := url.Values{"code": {"777"}, "department": {"湖北省财政厅"}, "employer": {"办公室"}, "title": {"文字岗"}, "level": {"省直机关"}, "quota": {"0"}}
	resp, body := admin.post("/admin/exams/"+e.ID+"/positions", form)
	if resp.StatusCode != 422 || !strings.Contains(body, `data-testid="error-quota"`) {
		t.Fatalf("quota 0: %d", resp.StatusCode)
	}
	form.Set("quota", "2")
	if resp, _ := admin.post("/admin/exams/"+e.ID+"/positions", form); resp.StatusCode != 303 {
		t.Fatalf("create %d", resp.StatusCode)
	}
	if p, ok := ts.store.Position(e.ID, "777"); !ok || p.Quota != 2 {
		t.Fatalf("stored %+v", p)
	}
	ts.store.CreateApplication(&domain.Application{ID: "a1", ExamID: e.ID, CandidateID: "c1", PositionCode: "777", State: domain.StateSubmitted})
	form.Set("level", "市州机关")
	if resp, body := admin.post("/admin/exams/"+e.ID+"/positions/777", form); resp.StatusCode != 409 || !strings.Contains(body, "不能改到其他层级") {
		t.Errorf("level move: %d", resp.StatusCode)
	}
	resp, _ = admin.post("/admin/exams/"+e.ID+"/positions/777/delete", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("delete %d", resp.StatusCode)
	}
	if _, ok := ts.store.Position(e.ID, "777"); !ok {
		t.Error("position with applications deleted")
	}
	if _, body := admin.get(resp.Header.Get("Location"), false); !strings.Contains(body, "不能删除") {
		t.Error("no message about the refused delete")
	}
	if resp, _ := admin.post("/admin/exams/"+e.ID+"/positions/00000001/delete", nil); resp.StatusCode != 303 {
		t.Fatal(resp.StatusCode)
	}
	if _, ok := ts.store.Position(e.ID, "00000001"); ok {
		t.Error("position not deleted")
	}
}
