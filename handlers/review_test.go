package handlers

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/kv"
)

// Departments of the fixture positions: 1001 is 中共湖北省委办公厅's.
const (
	fxDept      = "中共湖北省委办公厅"
	fxOtherDept = "湖北省财政厅"
)

// reviewers logs in a reviewer of fxDept and one of fxOtherDept.
func reviewers(t *testing.T, ts *testServer) (mine, other *client) {
	t.Helper()
	mine = loginStaff(t, ts, domain.RoleReviewer, "shenhe1", func(a *domain.Account) { a.Departments = []string{fxDept}; a.Name = "李审核" })
	other = loginStaff(t, ts, domain.RoleReviewer, "shenhe2", func(a *domain.Account) { a.Departments = []string{fxOtherDept} })
	return mine, other
}

// pollURL is the hx-get of the dashboard's list.
func pollURL(t *testing.T, r *response) string {
	t.Helper()
	u, ok := r.Doc().Find(`#review-list`).Attr("hx-get")
	if !ok {
		t.Fatalf("no polling list:\n%s", r)
	}
	return u
}

// decisionForm is the decision form's hidden fields (token, version).
func decisionForm(t *testing.T, r *response, vals url.Values) url.Values {
	t.Helper()
	v, ok := r.Doc().Find(`[data-testid="decide-form"] input[name="version"]`).Attr("value")
	if !ok {
		t.Fatalf("no decision form:\n%s", r)
	}
	return merge(url.Values{"version": {v}}, vals)
}

// TestReviewDashboard: a reviewer sees the 待审核 applications of their own
// department with masked ID numbers; an unchanged poll is 204; a new
// submission appears through the poll; the review page shows the full
// number, the requirements, photo and 推荐表; another department's
// reviewer gets 404 for the application, its photo and PDF, and 403 for a
// forged department filter; candidates and anonymous visitors stay out.
func TestReviewDashboard(t *testing.T) {
	ts, cand, id := newSubmittedServer(t)
	app := appOf(t, ts, id)
	mine, other := reviewers(t, ts)

	r := mine.Get("/review")
	wantStatus(t, r, 200, "dashboard")
	if r.TestID("row-id") != domain.MaskedID(id) || strings.Contains(r.Body, id) {
		t.Errorf("dashboard ID %q, want masked %q and never the full number", r.TestID("row-id"), domain.MaskedID(id))
	}
	if !strings.Contains(r.TestID("count-待审核"), "1") {
		t.Errorf("count 待审核 %q", r.TestID("count-待审核"))
	}
	poll := pollURL(t, r)
	wantStatus(t, mine.HXGet(poll), 204, "unchanged poll")
	if r := other.Get("/review"); r.Doc().Find(`[data-testid="review-row"]`).Length() != 0 {
		t.Errorf("other department's dashboard lists the application")
	}

	// A second candidate submits: the poll brings the new row.
	cand2 := ts.client()
	submitJourney(t, ts, cand2)
	r = mine.HXGet(poll)
	wantStatus(t, r, 200, "poll after a new submission")
	if n := r.Doc().Find(`[data-testid="review-row"]`).Length(); n != 2 {
		t.Errorf("poll shows %d rows, want 2", n)
	}
	if !strings.Contains(r.TestID("count-待审核"), "2") {
		t.Errorf("poll's count 待审核 %q, want 2", r.TestID("count-待审核"))
	}
	if r.Doc().Find(`[data-testid="review-filter"]`).Length() != 0 {
		t.Errorf("poll answer replaces more than the list")
	}

	// The review page: full number, requirements, photo and PDF.
	r = mine.Get("/review/" + app.ID)
	wantStatus(t, r, 200, "review page")
	if !strings.Contains(r.Body, id) || r.TestID("review-state") != "待审核" {
		t.Errorf("review page: full ID shown %v, state %q", strings.Contains(r.Body, id), r.TestID("review-state"))
	}
	if r.Doc().Find(`[data-testid="req-check"]`).Length() == 0 || r.Doc().Find(`[data-testid="review-requirements"] tr`).Length() < 3 {
		t.Errorf("requirements table missing")
	}
	for path, ctype := range map[string]string{"/review/" + app.ID + "/photo.jpg": "image/jpeg", "/review/" + app.ID + "/recommendation.pdf": "application/pdf"} {
		f := mine.Get(path)
		if f.Status != 200 || f.Header.Get("Content-Type") != ctype {
			t.Errorf("%s: %d %s", path, f.Status, f.Header.Get("Content-Type"))
		}
	}
	if f := mine.Get("/review/" + app.ID + "/recommendation.pdf"); f.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("PDF cannot be shown inline on the review page: %v", f.Header)
	}

	// Another department: 404 for everything, 403 for a forged filter.
	for _, path := range []string{"/review/" + app.ID, "/review/" + app.ID + "/photo.jpg", "/review/" + app.ID + "/recommendation.pdf", "/review/nosuchapp"} {
		wantStatus(t, other.Get(path), 404, "other department "+path)
	}
	other.Get("/review")
	wantStatus(t, other.PostForm("/review/"+app.ID, url.Values{"action": {"approve"}, "version": {strconv.Itoa(app.Version)}}), 404, "other department decides")
	r = other.Get("/review?dept=" + url.QueryEscape(fxDept))
	wantStatus(t, r, 403, "forged department filter")
	wantStatus(t, other.Get("/review?pos=1001"), 422, "position of another department")
	wantStatus(t, mine.Get("/review?state=paid"), 422, "unknown state filter")
	wantStatus(t, mine.Get("/review?date=2023-13-01"), 422, "bad date")
	wantStatus(t, mine.Get("/review?after=garbage"), 422, "forged cursor")
	if a := appOf(t, ts, id); a.Version != app.Version {
		t.Errorf("refused requests changed the application")
	}

	// Candidates get 403; anonymous visitors go to the login page.
	for _, path := range []string{"/review", "/review/" + app.ID, "/review/" + app.ID + "/recommendation.pdf", "/review/export.xlsx", "/admin/review"} {
		wantStatus(t, cand.Get(path), 403, "candidate "+path)
		if r := ts.client().Get(path); r.Status != 303 || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("anonymous %s: %d %s", path, r.Status, r.Location())
		}
	}
	wantStatus(t, cand.PostForm("/review/"+app.ID, url.Values{"action": {"approve"}}), 403, "candidate decides")
	wantStatus(t, mine.PostForm("/review/"+app.ID+"/overturn", url.Values{"action": {"reject"}, "reason": {"x"}}), 403, "reviewer overturns")
	if a := appOf(t, ts, id); a.State != domain.StateSubmitted {
		t.Errorf("state %s after refused decisions", a.State)
	}
}

// TestReviewDecisionBadInput: an empty reason, a return naming no part, no
// action, a stale page: a message at the field (422) or the fresh page
// (409), nothing written.
func TestReviewDecisionBadInput(t *testing.T) {
	ts, _, id := newSubmittedServer(t)
	app := appOf(t, ts, id)
	mine, _ := reviewers(t, ts)
	path := "/review/" + app.ID
	page := mine.Get(path)
	for _, tc := range []struct {
		name  string
		vals  url.Values
		field string
	}{
		{"return without reason", url.Values{"action": {"return"}, "parts": {"contact"}}, "reason"},
		{"reject without reason", url.Values{"action": {"reject"}}, "reason"},
		{"return naming no part", url.Values{"action": {"return"}, "reason": {"地址不全"}}, "parts"},
		{"unknown part", url.Values{"action": {"return"}, "reason": {"地址不全"}, "parts": {"nosuch"}}, "parts"},
		{"no action", url.Values{"reason": {"x"}}, "action"},
		{"reason too long", url.Values{"action": {"reject"}, "reason": {strings.Repeat("长", 501)}}, "reason"},
	} {
		r := mine.PostForm(path, decisionForm(t, page, tc.vals))
		wantStatus(t, r, 422, tc.name)
		if r.FieldError(tc.field) == "" {
			t.Errorf("%s: no message at %s:\n%s", tc.name, tc.field, r)
		}
	}
	// A stale page: the version moved on.
	stale := decisionForm(t, page, url.Values{"action": {"approve"}})
	stale.Set("version", strconv.Itoa(app.Version-1))
	r := mine.PostForm(path, stale)
	wantStatus(t, r, 409, "stale version")
	if !strings.Contains(r.TestID("form-error"), "已有变化") {
		t.Errorf("stale page message %q", r.TestID("form-error"))
	}
	if a := appOf(t, ts, id); a.Version != app.Version || a.State != domain.StateSubmitted {
		t.Errorf("refused decisions wrote: v%d %s", a.Version, a.State)
	}
}

// TestReviewRaceHandlers: two reviewers of the department open the same
// application and decide; the second sees 409 with who decided what, and
// the application holds one decision.
func TestReviewRaceHandlers(t *testing.T) {
	ts, _, id := newSubmittedServer(t)
	app := appOf(t, ts, id)
	a1, _ := reviewers(t, ts)
	a2 := loginStaff(t, ts, domain.RoleReviewer, "shenhe3", func(a *domain.Account) { a.Departments = []string{fxDept}; a.Name = "赵审核" })
	p1, p2 := a1.Get("/review/"+app.ID), a2.Get("/review/"+app.ID)
	wantRedirect(t, a1.PostForm("/review/"+app.ID, decisionForm(t, p1, url.Values{"action": {"approve"}})), "/review/"+app.ID, "first decision")
	r := a2.PostForm("/review/"+app.ID, decisionForm(t, p2, url.Values{"action": {"reject"}, "reason": {"专业不符"}}))
	wantStatus(t, r, 409, "second decision")
	if d := r.TestID("review-decided"); !strings.Contains(d, "李审核") || !strings.Contains(d, "审核通过") {
		t.Errorf("loser is not told who decided what: %q", d)
	}
	a := appOf(t, ts, id)
	decisions := 0
	for _, h := range a.History {
		if h.Role == domain.RoleReviewer {
			decisions++
		}
	}
	if a.State != domain.StateApproved || decisions != 1 {
		t.Errorf("state %s with %d decisions", a.State, decisions)
	}
}

// TestReviewReturnAfterRegistrationClosed: a return late in registration;
// the candidate sees 补正截止 on the status page, 报考流程 and home, fixes
// the named part after registration closed, resubmits; the reviewer
// approves; the status poll shows 审核通过 and stops (286). A second return
// left unanswered is 逾期未补正 and may be rejected as it stands.
func TestReviewReturnAfterRegistrationClosed(t *testing.T) {
	ts, cand, id := newSubmittedServer(t)
	app := appOf(t, ts, id)

	ts.clock.Set(time.Date(2023, 3, 19, 12, 0, 0, 0, domain.Shanghai)) // registration ends 3-20 09:00
	mine, _ := reviewers(t, ts)
	loginAs(t, cand, id, testPassword)
	page := mine.Get("/review/" + app.ID)
	r := mine.PostForm("/review/"+app.ID, decisionForm(t, page, url.Values{
		"action": {"return"}, "reason_pick": {"个人简历不完整或时间不连续"}, "reason": {"请补全通讯地址"}, "parts": {"contact"}}))
	wantRedirect(t, r, "/review/"+app.ID, "return")
	a := appOf(t, ts, id)
	const deadline = "2023-03-21 12:00"
	if a.State != domain.StateReturned || domain.FormatTime(a.CorrectionDeadline) != deadline || a.ReviewReason != "个人简历不完整或时间不连续；请补全通讯地址" {
		t.Fatalf("after return: %s, deadline %s, reason %q", a.State, domain.FormatTime(a.CorrectionDeadline), a.ReviewReason)
	}
	if r := mine.Get("/review?state=returned"); r.Doc().Find(`[data-testid="review-row"]`).Length() != 1 {
		t.Errorf("已退回 list:\n%s", r)
	}

	// Registration closed; before 补正截止 the candidate fixes and resubmits.
	ts.clock.Set(time.Date(2023, 3, 20, 10, 0, 0, 0, domain.Shanghai))
	loginAs(t, cand, id, testPassword)
	if got := cand.Get("/status").TestID("status-deadline"); !strings.Contains(got, deadline) {
		t.Errorf("status deadline %q", got)
	}
	if got := cand.Get(base).TestID("returned-deadline"); got != deadline {
		t.Errorf("报考流程 deadline %q", got)
	}
	if got := cand.Get("/").TestID("home-correction"); !strings.Contains(got, deadline) {
		t.Errorf("home %q", got)
	}
	wantRedirect(t, formStep(t, cand, merge(validForm(), url.Values{"address": {"湖北省武汉市江岸区沿江大道1号3单元502室"}})), base, "fix after registration closed")
	first, _ := confirmStep(t, cand)
	wantRedirect(t, first, base, "re-confirm after registration closed")
	first, _ = confirmMaterialsStep(t, cand)
	wantRedirect(t, first, "/status", "材料确认 after registration closed")
	if a := appOf(t, ts, id); a.State != domain.StateSubmitted || a.Form.Address != "湖北省武汉市江岸区沿江大道1号3单元502室" {
		t.Fatalf("resubmitted: %s %q", a.State, a.Form.Address)
	}
	// Other candidates stay closed out.
	other := ts.client()
	newCandidate(t, other)
	lv := other.Get(base + "/level")
	wantStatus(t, other.PostForm(base+"/level", merge(hiddenOf(t, lv, base+"/level"), url.Values{"level": {fxLevel}})), 403, "a new application after registration closed")

	// The reviewer approves; the candidate's open status page polls it.
	loginAs(t, mine, "shenhe1", testPassword)
	page = mine.Get("/review/" + app.ID)
	wantRedirect(t, mine.PostForm("/review/"+app.ID, decisionForm(t, page, url.Values{"action": {"approve"}})), "/review/"+app.ID, "approve")
	r = cand.HXGet("/status/" + fxExamID)
	if r.Status != statusStopPolling || r.TestID("status-state") != "审核通过" {
		t.Errorf("status poll: %d %q", r.Status, r.TestID("status-state"))
	}
	// 下一个: nothing waits any more.
	if r := mine.Get("/review/next?exam=" + fxExamID); r.Status != 303 || !strings.HasPrefix(r.Location(), "/review?") {
		t.Errorf("next with an empty queue: %d %s", r.Status, r.Location())
	}

	// Overdue: another candidate returned and silent past 补正截止.
	ts.clock.Set(time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai))
	c2 := ts.client()
	id2 := submitJourney(t, ts, c2)
	app2 := appOf(t, ts, id2)
	loginAs(t, mine, "shenhe1", testPassword)
	page = mine.Get("/review/" + app2.ID)
	wantRedirect(t, mine.PostForm("/review/"+app2.ID, decisionForm(t, page, url.Values{"action": {"return"}, "reason": {"照片模糊"}, "parts": {"photo"}})), "/review/"+app2.ID, "return 2")
	ts.clock.Set(time.Date(2023, 3, 17, 10, 0, 0, 0, domain.Shanghai))
	loginAs(t, mine, "shenhe1", testPassword)
	r = mine.Get("/review?state=returned")
	if r.Doc().Find(`[data-testid="row-overdue"]`).Length() != 1 {
		t.Errorf("逾期未补正 not flagged in the list:\n%s", r)
	}
	page = mine.Get("/review/" + app2.ID)
	if page.Doc().Find(`[data-testid="review-overdue"]`).Length() != 1 {
		t.Errorf("review page does not say 逾期未补正")
	}
	loginAs(t, c2, id2, testPassword)
	if got := c2.Get("/status").TestID("status-overdue"); got != "逾期未补正" {
		t.Errorf("candidate status overdue %q", got)
	}
	wantRedirect(t, mine.PostForm("/review/"+app2.ID, decisionForm(t, page, url.Values{"action": {"reject"}, "reason": {"逾期未补正"}})), "/review/"+app2.ID, "reject overdue")
	if a := appOf(t, ts, id2); a.State != domain.StateRejected {
		t.Errorf("overdue decided: %s", a.State)
	}
}

// TestReviewAdminOverviewOverturnExport: the overview lists departments
// with their counts; the administrator overturns a rejection (audited, the
// candidate sees the new outcome); exports carry masked IDs for reviewers,
// full ones for the administrator, and neutralise formula-like cells.
func TestReviewAdminOverviewOverturnExport(t *testing.T) {
	ts, cand, id := newSubmittedServer(t)
	// A hostile 现工作单位及职务 that Excel would run as a formula.
	app := appOf(t, ts, id)
	if _, err := ts.store.UpdateApplication(app.ID, func(_ *kv.Tx, a *domain.Application) error {
		a.Form.Employer = "=HYPERLINK(\"http://evil\",\"x\")"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	app = appOf(t, ts, id)
	mine, _ := reviewers(t, ts)
	admin := loginStaff(t, ts, domain.RoleAdmin, "guanli")

	r := admin.Get("/admin/review")
	wantStatus(t, r, 200, "overview")
	if r.TestID("overview-waiting") != "1" || !strings.Contains(r.Body, fxDept) {
		t.Errorf("overview:\n%s", r)
	}
	wantStatus(t, admin.Get("/admin/review?dept="+url.QueryEscape(fxDept)), 200, "overview per position")

	page := mine.Get("/review/" + app.ID)
	wantRedirect(t, mine.PostForm("/review/"+app.ID, decisionForm(t, page, url.Values{"action": {"reject"}, "reason": {"专业不符"}})), "/review/"+app.ID, "reject")

	// Exports.
	for _, tc := range []struct {
		c    *client
		want string
	}{{mine, domain.MaskedID(id)}, {admin, id}} {
		r := tc.c.Get("/review/export.xlsx?exam=" + fxExamID + "&state=rejected")
		wantStatus(t, r, 200, "export")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("报名人员")
		if err != nil || len(rows) != 2 {
			t.Fatalf("export rows %v %v", err, rows)
		}
		if rows[1][4] != tc.want {
			t.Errorf("export ID %q, want %q", rows[1][4], tc.want)
		}
		for _, cell := range rows[1] {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("formula-like cell %q", cell)
			}
		}
		if !strings.Contains(strings.Join(rows[1], "|"), "'=HYPERLINK") {
			t.Errorf("hostile cell missing or changed: %v", rows[1])
		}
	}

	// Overturn: reason required; then approved, audited, seen by the candidate.
	page = admin.Get("/review/" + app.ID)
	ver, _ := page.Doc().Find(`[data-testid="overturn-form"] input[name="version"]`).Attr("value")
	r = admin.PostForm("/review/"+app.ID+"/overturn", url.Values{"version": {ver}, "action": {"approve"}})
	wantStatus(t, r, 422, "overturn without reason")
	wantRedirect(t, admin.PostForm("/review/"+app.ID+"/overturn", url.Values{"version": {ver}, "action": {"approve"}, "reason": {"经复核专业符合"}}), "/review/"+app.ID, "overturn")
	if got := cand.Get("/status").TestID("status-state"); got != "审核通过" {
		t.Errorf("candidate sees %q after the overturn", got)
	}
	log, _ := ts.store.AuditLog(20)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	all := strings.Join(actions, ",")
	for _, want := range []string{"application.overturn", "application.reject", "review.export"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %s: %s", want, all)
		}
	}
}

// TestReviewFormsAreLabelled: every control of the dashboard and of the
// review page (with both the decision and the 改判 form) has a <label for>.
func TestReviewFormsAreLabelled(t *testing.T) {
	ts, _, id := newSubmittedServer(t)
	app := appOf(t, ts, id)
	mine, _ := reviewers(t, ts)
	admin := loginStaff(t, ts, domain.RoleAdmin, "guanli")
	for _, path := range []string{"/review", "/review/" + app.ID} {
		r := mine.Get(path)
		wantStatus(t, r, 200, path)
		assertLabelled(t, path, r.Body)
	}
	page := mine.Get("/review/" + app.ID)
	mine.PostForm("/review/"+app.ID, decisionForm(t, page, url.Values{"action": {"reject"}, "reason": {"专业不符"}}))
	r := admin.Get("/review/" + app.ID)
	if r.Doc().Find(`[data-testid="overturn-form"]`).Length() != 1 {
		t.Fatalf("no 改判 form for the administrator")
	}
	assertLabelled(t, "/review/:id (admin)", r.Body)
}

// TestReviewReasonsFromSiteSettings: the administrator words the office's
// own 常用理由 on 网站信息; the reviewer's pick list then offers exactly
// those, and clearing the list brings the built-in one back.
func TestReviewReasonsFromSiteSettings(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	app := appOf(t, ts, submitJourney(t, ts, ts.client()))
	mine, _ := reviewers(t, ts)
	admin := loginStaff(t, ts, domain.RoleAdmin, "reasonadmin")
	options := func() []string {
		var got []string
		mine.Get("/review/" + app.ID).Doc().Find(`select[name="reason_pick"] option`).Each(func(_ int, o *goquery.Selection) {
			if v, _ := o.Attr("value"); v != "" {
				got = append(got, v)
			}
		})
		return got
	}
	if got := options(); strings.Join(got, "|") != strings.Join(domain.CommonReviewReasons, "|") {
		t.Fatalf("default pick list %q", got)
	}
	if r := admin.Get("/admin/site"); !strings.Contains(r.Body, domain.CommonReviewReasons[0]) {
		t.Fatalf("the form does not show the list in use")
	}
	r := admin.PostForm("/admin/site", url.Values{"review_reasons": {strings.Repeat("太长", 40)}})
	if r.Status != 422 || r.FieldError("review_reasons") == "" {
		t.Fatalf("overlong reason: %s", r)
	}
	own := []string{"推荐表缺少单位负责人签字", "照片背景不是白色"}
	if r := admin.PostForm("/admin/site", url.Values{"review_reasons": {strings.Join(own, "\r\n")}}); r.Status != 303 {
		t.Fatalf("save reasons: %s", r)
	}
	if got := options(); strings.Join(got, "|") != strings.Join(own, "|") {
		t.Fatalf("pick list %q, want %q", got, own)
	}
	if r := admin.PostForm("/admin/site", url.Values{"review_reasons": {""}}); r.Status != 303 {
		t.Fatalf("clear reasons: %s", r)
	}
	if got := options(); strings.Join(got, "|") != strings.Join(domain.CommonReviewReasons, "|") {
		t.Fatalf("after clearing, pick list %q", got)
	}
}
