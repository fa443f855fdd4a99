package main

import (
	"strings"
	"testing"
	"time"
)

// TestBrowserPositionSearch types into 职位查询 and checks that htmx swaps
// the results in (debounced), pushes the filters into the URL, and that
// back and a reload of the bookmarked URL show the same filters.
func TestBrowserPositionSearch(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	b := newTab(t, srv)
	b.open("/positions")
	b.assertText("共 200 个职位")
	b.swap(func() { b.fillByLabel("关键词", "财务") })
	b.waitForText("个职位，第 1/")
	// The URL keeps the keyword (after the answer to the whole keyword,
	// which on a slow machine can follow one to "财").
	b.waitFor("the keyword in the URL", func() bool { return strings.Contains(b.currentURL(), "q=%E8%B4%A2%E5%8A%A1") })
	if strings.Contains(b.text(), "共 200 个职位") {
		t.Error("results not refreshed")
	}
	b.swap(func() {
		b.fillByLabel("层级", "省直机关")
		eval[any](b, `void document.getElementById("f-level").dispatchEvent(new Event("input", {bubbles: true}))`)
	})
	if !strings.Contains(b.currentURL(), "level=sz") {
		t.Errorf("URL does not keep the level: %s", b.currentURL())
	}
	filtered := b.byTestID("result-count")
	b.screenshot("filtered")
	url := b.path()
	// Back returns to the keyword-only results.
	b.back()
	b.waitFor("the URL without the level", func() bool { return !strings.Contains(b.currentURL(), "level=sz") })
	b.waitFor("the keyword-only results", func() bool { return b.byTestID("result-count") != filtered })

	// A bookmark of the filtered URL shows the same results.
	b.open(url)
	if got := b.byTestID("result-count"); got != filtered {
		t.Errorf("bookmark shows %q, want %q", got, filtered)
	}
	if v := eval[string](b, `document.getElementById("f-q").value`); v != "财务" {
		t.Errorf("keyword not kept in the form: %q", v)
	}
}

// TestBrowserPositionSearchNoJS uses the same form without JavaScript.
func TestBrowserPositionSearchNoJS(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	b := newTab(t, srv, withoutJS())
	b.open("/positions")
	b.fillByLabel("关键词", "财务")
	b.fillByLabel("层级", "市州机关")
	if st := b.submit("查询"); st != 200 {
		t.Fatalf("search status %d", st)
	}
	if u := b.currentURL(); !strings.Contains(u, "level=ds") || !strings.Contains(u, "q=") {
		t.Errorf("GET form URL %s", u)
	}
	if strings.Contains(b.text(), "共 200 个职位") {
		t.Error("not filtered")
	}
	b.open("/stats")
	b.assertText("报名人数统计", "审核通过人数为 0")
}

// TestBrowserStatsZeroFilter toggles "only 0 approved" on 报名人数统计.
func TestBrowserStatsZeroFilter(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	b := newTab(t, srv)
	b.open("/stats")
	b.swap(func() { b.click("#f-noapproved") })
	if !strings.Contains(b.currentURL(), "noapproved=1") {
		t.Errorf("URL %s", b.currentURL())
	}
	if n := eval[int](b, `document.querySelectorAll("#stats-table tbody tr").length`); n == 0 {
		t.Error("no rows")
	}
	if eval[string](b, `document.getElementById("stats-table").getAttribute("hx-trigger")`) != "every 10s" {
		t.Error("table does not poll")
	}
}

// TestBrowserAdminPositions walks the administrator through the demo exam:
// its overview, the position list (htmx search), editing a position and
// the import page; no CSP violation or script error on the way.
func TestBrowserAdminPositions(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	b := newTab(t, srv)
	b.loginAdmin()
	b.open("/admin/exams")
	b.submit(demoExamName(time.Now()))
	b.assertText("报考承诺书", "第 1 版", "200 个")
	b.submit("职位管理")
	b.swap(func() { b.fillByLabel("关键词", "14200001") })
	// On a slow machine the first swap can answer a half-typed keyword
	// ("1420000"); the live search then answers the whole one.
	b.waitForText("共 1 个职位")
	b.submit("编辑")
	b.fillByLabel("遴选计划", "5")
	b.submit("保存")
	b.assertText("职位 14200001 已保存。")
	b.open("/positions?q=14200001")
	if got := eval[string](b, `document.querySelector("[data-testid=position-14200001] td:nth-child(5)").textContent`); got != "5" {
		t.Errorf("public quota %q", got)
	}
	b.open("/admin/notices")
	b.submit(demoExamName(time.Now()) + "公告")
	b.assertText("职位表.xlsx", "删除附件")
	b.screenshot("notice")
}
