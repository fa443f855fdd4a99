package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"examreg/domain"
	"examreg/kv"
)

// decideInBrowser fills the decision form of the open review page (action,
// reason, parts) and submits it; it returns the HTTP status of the answer.
func decideInBrowser(b *tab, action, reason string, parts ...string) int {
	b.t.Helper()
	b.click("#f-action-" + action)
	for _, p := range parts {
		b.click("#f-part-" + p)
	}
	if reason != "" {
		b.fillIn(`[data-testid="decide-form"]`, "原因（退回修改、不通过、改判必填）", reason)
	}
	return b.submit("提交")
}

// TestBrowserReviewWalk is issue 11's walk: the candidate submits; the
// demo reviewer, in another browser context with the dashboard open, sees
// it appear by polling (no reload); returns it naming one part; registration
// closes; the candidate fixes the part before 补正截止 and resubmits; two
// reviewers of the department decide at once: one approval lands, the
// other is told who decided what; the candidate's open status page shows
// 审核通过 by polling; a reviewer of another department gets 404 for the
// application, its photo and its PDF.
func TestBrowserReviewWalk(t *testing.T) {
	t.Parallel()
	j := newJourney(t, 401)
	cand := j.b
	rev := newTab(t, j.srv)
	rev.name = "reviewer"
	rev.loginReviewer()
	if st := rev.open("/review"); st != 200 {
		t.Fatalf("dashboard: %d", st)
	}
	rows := func() int { return eval[int](rev, `document.querySelectorAll('[data-testid="review-row"]').length`) }
	before := rows()
	eval[chromedp.Void](rev, `void (window.__dashboard = "same document")`)
	rev.screenshot("dashboard-before")

	j.upToReview()
	masked := domain.MaskedID(j.who.id)
	rev.waitForWithin(20*time.Second, "the new application on the dashboard by polling", func() bool {
		return rows() == before+1 && strings.Contains(rev.byTestID("review-list"), masked)
	})
	if eval[string](rev, `window.__dashboard || ""`) != "same document" {
		t.Errorf("the dashboard reloaded instead of swapping the list")
	}
	if strings.Contains(rev.text(), j.who.id) {
		t.Errorf("the dashboard shows the full ID number")
	}
	rev.screenshot("dashboard-new-arrival")

	// Return it naming one part.
	app := j.application()
	if st := rev.follow(`#review-list a[href="/review/` + app.ID + `"]`); st != 200 {
		t.Fatalf("review page: %d", st)
	}
	rev.assertText(j.who.id, "职位要求核对", "报名推荐表", "办理记录")
	rev.screenshot("review-page")
	const reason = "通讯地址不完整，请写明门牌号和邮政编码。"
	decideInBrowser(rev, "return", reason, "contact")
	rev.waitForURL("/review/" + app.ID)
	if f := rev.flash(); !strings.Contains(f, "退回修改") {
		t.Errorf("flash after the return: %q", f)
	}
	a := j.application()
	if a.State != domain.StateReturned || a.CorrectionDeadline.IsZero() {
		t.Fatalf("after the return: %s, deadline %v", a.State, a.CorrectionDeadline)
	}
	deadline := domain.FormatTime(a.CorrectionDeadline)

	// Registration closes; the candidate fixes the part before 补正截止.
	exam, err := j.srv.Store.Exam(j.examID)
	if err != nil {
		t.Fatal(err)
	}
	exam.Registration.End = time.Now().Add(-time.Minute)
	if err := j.srv.Store.Update(func(tx *kv.Tx) error { return tx.PutExam(exam) }); err != nil {
		t.Fatal(err)
	}
	cand.open("/status")
	if got := cand.byTestID("status-deadline"); !strings.Contains(got, deadline) {
		t.Errorf("status page 补正截止 %q, want %s", got, deadline)
	}
	cand.open(j.base())
	if got := cand.byTestID("returned-deadline"); got != deadline {
		t.Errorf("报考流程 补正截止 %q", got)
	}
	j.page("flow-returned-registration-closed")
	cand.follow(`[data-testid="go-info"]`)
	cand.waitForURL(j.base() + "/form")
	j.who.address = "湖北省武汉市江岸区沿江大道100号3单元502室 430014"
	cand.fillIn("#sec-contact", "通讯地址", j.who.address)
	cand.swap(func() { cand.click(`[data-testid="save-contact"]`) })
	if got := cand.byTestID("saved-contact"); got != "已保存" {
		t.Fatalf("saving 通讯地址 after registration closed: %q (form error %q)", got, cand.formError())
	}
	cand.submit("返回报考流程")
	cand.waitForURL(j.base())
	cand.follow(`[data-testid="go-confirm"]`)
	cand.waitForURL(j.base() + "/confirm")
	cand.submit("报名信息确认")
	cand.waitForURL(j.base())
	cand.follow(`[data-testid="go-confirm_materials"]`)
	cand.waitForURL(j.base() + "/materials")
	cand.submit("材料确认")
	cand.waitForURL("/status")
	j.expectSubmitted()
	eval[chromedp.Void](cand, `void (window.__statusPage = "same document")`)

	// Two reviewers of the department open it; the first approval lands.
	if err := createStaff(j.srv.Store, domain.RoleReviewer, "reviewer2", "赵审核", demoPassword, []string{demoDepartmentName}, time.Now()); err != nil {
		t.Fatal(err)
	}
	rev2 := newTab(t, j.srv)
	rev2.name = "reviewer2"
	rev2.loginAs("reviewer2", demoPassword)
	rev.open("/review/" + app.ID)
	rev2.open("/review/" + app.ID)
	decideInBrowser(rev, "approve", "")
	rev.waitForURL("/review/" + app.ID)
	if st := decideInBrowser(rev2, "reject", "专业不符合职位要求"); st != 409 {
		t.Errorf("the second decision: HTTP %d, want 409", st)
	}
	if got := rev2.byTestID("review-decided"); !strings.Contains(got, "审核通过") {
		t.Errorf("the second reviewer is not told who decided what: %q", got)
	}
	rev2.screenshot("race-lost")
	if a := j.application(); a.State != domain.StateApproved {
		t.Errorf("after the race: %s", a.State)
	}

	// The candidate's open status page shows 审核通过 by polling.
	cand.waitForWithin(20*time.Second, "审核通过 by the status poll", func() bool {
		return cand.byTestID("status-state") == "审核通过"
	})
	if eval[string](cand, `window.__statusPage || ""`) != "same document" {
		t.Errorf("the status page reloaded instead of polling")
	}
	j.page("status-approved")

	// Another department's reviewer: 404 for the application and its files.
	if err := createStaff(j.srv.Store, domain.RoleReviewer, "reviewer3", "钱审核", demoPassword, []string{"湖北省财政厅"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	other := newTab(t, j.srv)
	other.name = "other-department"
	other.loginAs("reviewer3", demoPassword)
	for _, p := range []string{"/review/" + app.ID, "/review/" + app.ID + "/photo.jpg", "/review/" + app.ID + "/recommendation.pdf"} {
		if st := other.open(p); st != 404 {
			t.Errorf("other department %s: HTTP %d, want 404", p, st)
		}
	}
}
