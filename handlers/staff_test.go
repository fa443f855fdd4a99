package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/notify"
)

// auditEntries returns the audit entries of an action, newest first.
func auditEntries(t *testing.T, ts *testServer, action string) []kv.AuditEntry {
	t.Helper()
	p, err := ts.store.QueryAudit(kv.AuditFilter{Action: action}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

const newReviewerPassword = "Chushi2023pw"

func reviewerForm(login string, depts ...string) url.Values {
	return url.Values{"name": {"周审核"}, "login": {login}, "departments": depts, "password": {newReviewerPassword}}
}

// The administrator creates a reviewer with 遴选机关 from the 职位表; bad
// input is refused at the field and writes nothing; the reviewer's first
// login leads to 修改密码, and nothing else opens until it is changed.
func TestAdminCreatesReviewer(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	r := admin.Get("/admin/accounts/new")
	wantStatus(t, r, http.StatusOK, "new reviewer form")
	if !strings.Contains(r.Body, "湖北省财政厅") || !strings.Contains(r.Body, "武汉市委办公厅") {
		t.Fatalf("departments of the 职位表 not offered:\n%s", r)
	}
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no department", reviewerForm("zhoushenhe"), "departments"},
		{"forged department", reviewerForm("zhoushenhe", "伪造机关"), "departments"},
		{"short login", reviewerForm("zs", "湖北省财政厅"), "login"},
		{"18-char login", reviewerForm("abcdefghijklmnopqr", "湖北省财政厅"), "login"},
		{"weak password", merge(reviewerForm("zhoushenhe", "湖北省财政厅"), url.Values{"password": {"12345678"}}), "password"},
		{"no name", merge(reviewerForm("zhoushenhe", "湖北省财政厅"), url.Values{"name": {""}}), "name"},
	} {
		r := admin.PostForm("/admin/accounts", tt.form)
		if r.Status != http.StatusUnprocessableEntity || !hasHan(r.FieldError(tt.field)) {
			t.Errorf("%s: want 422 with a message at %s, got %s", tt.name, tt.field, r)
		}
	}
	if _, err := ts.store.AccountByLogin("ZHOUSHENHE"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("refused form created an account: %v", err)
	}
	r = admin.PostForm("/admin/accounts", reviewerForm("zhoushenhe", "湖北省财政厅", "中共湖北省委办公厅"))
	wantRedirect(t, r, "/admin/accounts", "create reviewer")
	if r := admin.PostForm("/admin/accounts", reviewerForm("ZhouShenhe", "湖北省财政厅")); r.Status != http.StatusConflict || !hasHan(r.FieldError("login")) {
		t.Fatalf("duplicate login: %s", r)
	}
	list := admin.Get("/admin/accounts")
	if !strings.Contains(list.TestID("reviewer-ZHOUSHENHE"), "湖北省财政厅、中共湖北省委办公厅") {
		t.Fatalf("list: %s", list.TestID("reviewers"))
	}
	if e := auditEntries(t, ts, "account.create"); len(e) != 1 || e[0].IP == "" || e[0].ActorID == "" || !strings.Contains(e[0].Detail, "ZHOUSHENHE") {
		t.Fatalf("audit %+v", e)
	}

	rev := ts.client()
	r = tryLogin(rev, "zhoushenhe", newReviewerPassword)
	wantRedirect(t, r, "/account/password", "first login")
	for _, path := range []string{"/review", "/", "/admin/accounts"} {
		if r := rev.Get(path); r.Status != http.StatusSeeOther || r.Location() != "/account/password" {
			t.Fatalf("%s before the password change: %s", path, r)
		}
	}
	rev.Get("/account/password")
	r = rev.PostForm("/account/password", url.Values{"old_password": {newReviewerPassword}, "password": {"Xinmima2023a"}, "password_confirm": {"Xinmima2023a"}})
	wantRedirect(t, r, "/", "change password")
	if r := rev.Get("/review"); r.Status != http.StatusOK {
		t.Fatalf("/review after the change: %s", r)
	}
}

// Disabling a reviewer ends the session it has open at once; it cannot log
// in again until re-enabled. Departments are edited and audited before→after.
func TestDisabledReviewerSessionRefused(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	rev := loginStaff(t, ts, domain.RoleReviewer, "shenhe", func(a *domain.Account) { a.Departments = []string{"湖北省财政厅"} })
	if r := rev.Get("/review"); r.Status != http.StatusOK {
		t.Fatalf("reviewer before: %s", r)
	}
	acct, _ := ts.store.AccountByLogin("SHENHE")
	path := "/admin/accounts/" + acct.ID
	admin.Get(path)
	r := admin.PostForm(path+"/departments", url.Values{"departments": {"伪造机关"}})
	if r.Status != http.StatusUnprocessableEntity || !hasHan(r.FieldError("departments")) {
		t.Fatalf("forged department: %s", r)
	}
	wantRedirect(t, admin.PostForm(path+"/departments", url.Values{"departments": {"湖北省财政厅", "湖北省发展和改革委员会"}}), path, "departments")
	if e := auditEntries(t, ts, "account.departments"); len(e) != 1 || !strings.Contains(e[0].Detail, "湖北省财政厅 → 湖北省财政厅、湖北省发展和改革委员会") {
		t.Fatalf("audit %+v", e)
	}

	wantRedirect(t, admin.PostForm(path+"/disable", nil), path, "disable")
	r = rev.Get("/review")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("disabled reviewer's old session: %s", r)
	}
	if r := rev.Follow(r); !strings.Contains(r.Body, "停用") {
		t.Fatalf("login page does not say why: %s", r)
	}
	if r := rev.Get("/review"); r.Status != http.StatusSeeOther {
		t.Fatalf("session came back: %s", r)
	}
	again := ts.client()
	if r := tryLogin(again, "shenhe", testPassword); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "停用") {
		t.Fatalf("disabled login: %s", r)
	}
	if r := admin.PostForm(path+"/disable", nil); r.Status != http.StatusConflict {
		t.Fatalf("disable twice: %s", r)
	}
	wantRedirect(t, admin.PostForm(path+"/enable", nil), path, "enable")
	loginAs(t, again, "shenhe", testPassword)
	if r := again.Get("/review"); r.Status != http.StatusOK {
		t.Fatalf("re-enabled reviewer: %s", r)
	}
	if e := auditEntries(t, ts, "account."); len(e) != 3 {
		t.Fatalf("account audit entries: %d", len(e))
	}
}

// Candidates and reviewers get 403 on every staff URL; anonymous visitors
// are sent to login; a missing account id is 404; nothing changes.
func TestStaffPagesRefuseOthers(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	target := createStaff(t, ts, domain.RoleReviewer, "shenhe", func(a *domain.Account) { a.Departments = []string{"湖北省财政厅"} })
	cand := ts.client()
	registerCandidate(t, cand, newIDNumber())
	cand.Get("/account/profile")
	rev := loginStaff(t, ts, domain.RoleReviewer, "other")
	anon := ts.client()
	gets := []string{"/admin/accounts", "/admin/accounts/new", "/admin/accounts/" + target.ID, "/admin/support?q=x", "/admin/audit", "/admin/audit.xlsx", "/admin/outbox"}
	posts := []string{"/admin/accounts", "/admin/accounts/" + target.ID + "/disable", "/admin/accounts/" + target.ID + "/departments", "/admin/support/" + target.ID + "/unlock", "/admin/support/" + target.ID + "/password"}
	for _, who := range []struct {
		name string
		c    *client
	}{{"candidate", cand}, {"reviewer", rev}} {
		for _, p := range gets {
			if r := who.c.Get(p); r.Status != http.StatusForbidden || !hasHan(r.Body) {
				t.Errorf("%s GET %s: want 403 with a message, got %d", who.name, p, r.Status)
			}
		}
		for _, p := range posts {
			if r := who.c.PostForm(p, url.Values{"departments": {"湖北省财政厅"}}); r.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: want 403, got %d", who.name, p, r.Status)
			}
		}
	}
	for _, p := range gets {
		if r := anon.Get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("anonymous GET %s: want 303 to login, got %s", p, r)
		}
	}
	for _, p := range posts {
		if r := anon.PostForm(p, nil); r.Status != http.StatusForbidden && r.Status != http.StatusSeeOther {
			t.Errorf("anonymous POST %s: got %d", p, r.Status)
		}
	}
	got, _ := ts.store.Account(target.ID)
	if got.Disabled || len(got.Departments) != 1 || got.PasswordHash != target.PasswordHash {
		t.Fatalf("refused requests changed the account: %+v", got)
	}
	if e := auditEntries(t, ts, ""); len(e) != 0 {
		t.Fatalf("refused requests audited: %+v", e)
	}
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	for _, p := range []string{"/admin/accounts/nosuchid", "/admin/accounts/" + accountID(t, ts, "ADMIN")} {
		if r := admin.Get(p); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: want 404, got %d", p, r.Status)
		}
	}
	if r := admin.PostForm("/admin/support/nosuchid/password", nil); r.Status != http.StatusNotFound {
		t.Errorf("reset of a missing account: %d", r.Status)
	}
}

// Support finds a candidate by ID number, name or phone, unlocks the
// account and sets a one-time password that must be changed at next login;
// each step is audited.
func TestSupportUnlockAndOneTimePassword(t *testing.T) {
	ts := newTestServer(t)
	cand := ts.client()
	id := newIDNumber()
	registerCandidate(t, cand, id, url.Values{"name": {"欧阳娜娜"}, "phone": {"13655556666"}})
	acct, _ := ts.store.AccountByLogin(id)
	for range domain.FreeLoginFailures + 1 {
		if _, err := ts.store.RecordLoginFailure(kv.LoginFailure{Login: id, At: ts.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	for _, q := range []string{id, strings.ToLower(id), "欧阳", "13655556666"} {
		r := admin.Get("/admin/support?q=" + url.QueryEscape(q))
		if !strings.Contains(r.TestID("account-"+acct.ID), "限制至") {
			t.Errorf("search %q: %s", q, r.TestID("support-results"))
		}
	}
	if r := admin.Get("/admin/support?q=" + url.QueryEscape("无此人")); r.TestID("no-results") == "" {
		t.Errorf("no results not said")
	}
	r := admin.PostForm("/admin/support/"+acct.ID+"/unlock", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %s", r)
	}
	if th, _ := ts.store.LoginThrottle(id); th.CheckLoginAttempt(ts.clock.Now()) != nil {
		t.Fatal("still throttled")
	}
	if r := admin.PostForm("/admin/support/"+acct.ID+"/unlock", nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "没有登录限制") {
		t.Fatalf("unlock twice: %s", r)
	}
	r = admin.PostForm("/admin/support/"+acct.ID+"/password", nil)
	wantStatus(t, r, http.StatusOK, "one-time password")
	m := regexp.MustCompile(`一次性密码：\s*([a-z0-9]{10})`).FindStringSubmatch(r.TestID("one-time-password"))
	if m == nil {
		t.Fatalf("password not shown: %s", r.TestID("one-time-password"))
	}
	if r := cand.Get("/account/profile"); r.Status != http.StatusSeeOther {
		t.Fatalf("candidate's old session survived the reset: %s", r)
	}
	fresh := ts.client()
	wantRedirect(t, tryLogin(fresh, id, m[1]), "/account/password", "login with the one-time password")
	if r := fresh.Get("/status"); r.Location() != "/account/password" {
		t.Fatalf("must change first: %s", r)
	}
	for _, action := range []string{"account.unlock", "account.reset_password"} {
		if e := auditEntries(t, ts, action); len(e) != 1 || e[0].Target != acct.ID || e[0].IP == "" {
			t.Errorf("%s audit: %+v", action, e)
		}
	}
}

// maskTokens hides what differs between two renderings of a page anyway.
var tokenPattern = regexp.MustCompile(`(value|hx-headers)="[^"]*"`)

// /forgot answers a known and an unknown ID number identically; the code
// it sends works once, not after 15 minutes, and sets the new password.
func TestForgotPassword(t *testing.T) {
	ts := newTestServer(t)
	known := newIDNumber()
	cand := ts.client()
	registerCandidate(t, cand, known)
	unknown := newIDNumber()

	ask := func(id string) *response {
		c := ts.client()
		c.Get("/forgot")
		return c.PostForm("/forgot", url.Values{"id_number": {id}, "channel": {"sms"}})
	}
	a, b := ask(known), ask(unknown)
	if a.Status != http.StatusOK || b.Status != http.StatusOK || a.TestID("forgot-sent") == "" {
		t.Fatalf("answers: %d %d", a.Status, b.Status)
	}
	norm := func(r *response, id string) string {
		return tokenPattern.ReplaceAllString(strings.ReplaceAll(r.Body, id, "ID"), "")
	}
	if norm(a, known) != norm(b, unknown) {
		t.Fatalf("known and unknown answers differ:\n%s\n---\n%s", norm(a, known), norm(b, unknown))
	}
	if r := ts.client(); r != nil {
		r.Get("/forgot")
		if resp := r.PostForm("/forgot", url.Values{"id_number": {""}}); resp.Status != http.StatusUnprocessableEntity || !hasHan(resp.FieldError("id_number")) {
			t.Fatalf("empty ID: %s", resp)
		}
	}
	code := sentCode(t, ts)

	c := ts.client()
	c.Get("/forgot/reset")
	reset := func(id, code, pw string) *response {
		return c.PostForm("/forgot/reset", url.Values{"id_number": {id}, "code": {code}, "password": {pw}, "password_confirm": {pw}})
	}
	for _, tt := range []struct{ id, code string }{{known, "000000"}, {unknown, code}, {known, "abc"}} {
		if r := reset(tt.id, tt.code, "Xinmima2023a"); r.Status != http.StatusUnprocessableEntity || !hasHan(r.FieldError("code")) {
			t.Fatalf("bad code %+v: %s", tt, r)
		}
	}
	wantRedirect(t, reset(known, code, "Xinmima2023a"), "/login", "reset with the code")
	if r := reset(known, code, "Xinmima2023b"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("code used twice: %s", r)
	}
	if r := cand.Get("/account/profile"); r.Status != http.StatusSeeOther {
		t.Fatal("old session survived the reset")
	}
	loginAs(t, ts.client(), known, "Xinmima2023a")

	// A new code expires after 15 minutes.
	ts.clock.Advance(2 * time.Minute)
	ask(known)
	code = sentCode(t, ts)
	ts.clock.Advance(domain.ResetCodeTTL + time.Second)
	if r := reset(known, code, "Xinmima2023c"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("expired code: %s", r)
	}
	if e := auditEntries(t, ts, "account.reset_by_code"); len(e) != 1 {
		t.Fatalf("audit %+v", e)
	}
}

var codePattern = regexp.MustCompile(`验证码：(\d{6})`)

// sentCode reads the newest reset code from the outbox (before sending).
func sentCode(t *testing.T, ts *testServer) string {
	t.Helper()
	list, err := ts.store.Deliveries(1)
	if err != nil || len(list) == 0 {
		t.Fatalf("no delivery: %v", err)
	}
	m := codePattern.FindStringSubmatch(list[0].Body)
	if m == nil {
		t.Fatalf("no code in %q", list[0].Body)
	}
	return m[1]
}

// The audit log filters, pages and exports; the export neutralises cells
// that Excel would run as formulas; a bad filter is a 422, not a 500.
func TestAuditLogPage(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN", func(a *domain.Account) { a.Name = "=HYPERLINK(\"http://x\")" })
	admin.Get("/admin/accounts/new")
	wantRedirect(t, admin.PostForm("/admin/accounts", reviewerForm("zhoushenhe", "湖北省财政厅")), "/admin/accounts", "create")
	if r := admin.Get("/admin/exams/" + fxExamID + "/positions.xlsx"); r.Status != http.StatusOK {
		t.Fatalf("export positions: %s", r)
	}
	if e := auditEntries(t, ts, "position.export"); len(e) != 1 {
		t.Fatalf("export not audited: %+v", e)
	}
	for i := range 60 {
		if err := ts.store.AppendAudit(kv.AuditEntry{At: ts.clock.Now().Add(-time.Duration(i+1) * time.Minute), ActorID: "x", Action: "notice.update", Target: "n1"}); err != nil {
			t.Fatal(err)
		}
	}
	r := admin.Get("/admin/audit?action=account.create")
	wantStatus(t, r, http.StatusOK, "filtered log")
	if rows := r.Doc().Find(`[data-testid="audit-log"] tbody tr`).Length(); rows != 1 || !strings.Contains(r.TestID("audit-log"), "新建审核员") {
		t.Fatalf("filtered rows %d: %s", rows, r.TestID("audit-log"))
	}
	r = admin.Get("/admin/audit?action=notice.update")
	if r.Doc().Find(`[data-testid="audit-log"] tbody tr`).Length() != 50 {
		t.Fatal("first page is not 50 rows")
	}
	next, _ := r.Doc().Find(`[data-testid="audit-next"]`).Attr("href")
	r = admin.Get(next)
	if n := r.Doc().Find(`[data-testid="audit-log"] tbody tr`).Length(); n != 10 || r.TestID("audit-next") != "" {
		t.Fatalf("second page: %d rows", n)
	}
	if r := admin.Get("/admin/audit?actor=admin"); r.Doc().Find(`[data-testid="audit-log"] tbody tr`).Length() != 2 {
		t.Fatalf("actor filter: %s", r.TestID("audit-log"))
	}
	today := ts.clock.Now().Format("2006-01-02")
	if r := admin.Get("/admin/audit?from=" + today + "&to=" + today + "&target=n1"); r.Doc().Find(`[data-testid="audit-log"] tbody tr`).Length() != 50 {
		t.Fatalf("date and target filter")
	}
	for _, q := range []string{"actor=nobody", "from=2023-13-01", "from=2023-03-10&to=2023-03-01", "action=drop.table", "before=zzz"} {
		if r := admin.Get("/admin/audit?" + q); r.Status != http.StatusUnprocessableEntity || !hasHan(r.TestID("form-error")) {
			t.Errorf("bad filter %s: %d", q, r.Status)
		}
	}
	if r := admin.PostForm("/admin/audit", nil); r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST to the log: %d", r.Status)
	}

	r = admin.Get("/admin/audit.xlsx?action=account.")
	wantStatus(t, r, http.StatusOK, "export")
	book, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := book.GetRows("操作日志")
	if len(rows) != 2 || rows[1][1][0] != '\'' || !strings.Contains(rows[1][1], "=HYPERLINK") {
		t.Fatalf("export rows %q", rows)
	}
	if e := auditEntries(t, ts, "audit.export"); len(e) != 1 {
		t.Fatalf("export of the log not audited")
	}
}

// A decision reaches the candidate as an unread 站内消息 on the home page
// and the 消息 page; reading it marks it read; others cannot touch it.
func TestCandidateMessages(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	returnFor(t, ts, c, "推荐表未盖章", domain.PartRecommendation)
	r := c.Get("/")
	if !strings.Contains(r.TestID("unread-banner"), "1 条未读消息") {
		t.Fatalf("home: %s", r.TestID("unread-banner"))
	}
	r = c.Get("/messages")
	if !strings.Contains(r.TestID("messages"), "推荐表未盖章") || !strings.Contains(r.TestID("messages"), "未读") {
		t.Fatalf("messages: %s", r.TestID("messages"))
	}
	link := r.Doc().Find(`[data-testid^="read-"]`)
	id, _ := link.Attr("data-testid")
	id = strings.TrimPrefix(id, "read-")
	other := ts.client()
	registerCandidate(t, other, newIDNumber())
	other.Get("/messages")
	if r := other.PostForm("/messages/"+id+"/read", nil); r.Status != http.StatusNotFound {
		t.Fatalf("another candidate's message: %d", r.Status)
	}
	wantRedirect(t, c.PostForm("/messages/"+id+"/read", nil), "/messages", "read")
	if r := c.Get("/"); r.TestID("unread-banner") != "" {
		t.Fatal("banner after reading")
	}
}

// Under -demo the dispatcher "sends" into the outbox the administrator
// reads at /admin/outbox; the reset code's delivery record keeps no code
// once sent.
func TestDemoOutboxPage(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *Config) { c.DemoOutbox = true }))
	id := newIDNumber()
	registerCandidate(t, ts.client(), id)
	c := ts.client()
	c.Get("/forgot")
	c.PostForm("/forgot", url.Values{"id_number": {id}, "channel": {"email"}})
	code := sentCode(t, ts)
	ob := notify.Outbox{Store: ts.store, Clock: ts.clock.Now}
	d := &notify.Dispatcher{Store: ts.store, Sender: notify.Router{Email: ob, SMS: ob}, Clock: ts.clock.Now, Log: slog.New(slog.DiscardHandler)}
	if n := d.RunOnce(context.Background()); n != 1 {
		t.Fatalf("dispatched %d", n)
	}
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	r := admin.Get("/admin/outbox")
	if !strings.Contains(r.TestID("outbox"), code) || !strings.Contains(r.TestID("outbox"), "lxm@example.com") {
		t.Fatalf("outbox: %s", r.TestID("outbox"))
	}
	if !strings.Contains(r.TestID("deliveries"), "已发送") {
		t.Fatalf("deliveries: %s", r.TestID("deliveries"))
	}
	list, _ := ts.store.Deliveries(1)
	if strings.Contains(list[0].Body, code) {
		t.Fatal("the sent code is still stored in the delivery")
	}
}
