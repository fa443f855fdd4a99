package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"examreg/domain"
	"examreg/kv"
)

// hxGetIfNoneMatch is an htmx GET revalidating a fragment it holds.
func hxGetIfNoneMatch(c *client, path, etag string) *response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("If-None-Match", etag)
	return c.Do(req)
}

// TestSearchFragmentCacheFollowsPositions: a repeat live search is 304 by
// ETag; once a position is edited the same request renders afresh and finds
// it, for the fragment and the full page alike.
func TestSearchFragmentCacheFollowsPositions(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(50)
	c := ts.client()
	path := "/positions?exam=" + e.ID + "&q=" + "%E7%BB%9F%E8%AE%A1%E5%B2%97" // 统计岗: no title has it yet

	r := c.HXGet(path)
	etag := r.Header.Get("ETag")
	if r.Status != 200 || etag == "" || !strings.Contains(r.Body, "没有符合条件的职位") && !strings.Contains(r.Body, "共 0 个职位") {
		t.Fatalf("first search: %s", r)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q: a cached fragment must be revalidated every time", cc)
	}
	first := r.Body
	if r := c.HXGet(path); r.Body != first || r.Header.Get("ETag") != etag {
		t.Errorf("second search differs from the cached first")
	}
	if r := hxGetIfNoneMatch(c, path, etag); r.Status != http.StatusNotModified || r.Body != "" {
		t.Fatalf("repeat with If-None-Match: %s", r)
	}

	p, _ := ts.store.Position(e.ID, "00000007")
	p.Title = "统计岗"
	if err := ts.store.SavePosition(&p, false, kv.AuditEntry{At: ts.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	r = hxGetIfNoneMatch(c, path, etag)
	if r.Status != 200 || r.Header.Get("ETag") == etag || !strings.Contains(r.Body, "00000007") {
		t.Fatalf("after the edit the old ETag still matched or the position is missing: %s", r)
	}
	if r := c.Get(path); !strings.Contains(r.Body, "00000007") || !strings.Contains(r.Body, "<html") {
		t.Errorf("full page after the edit misses the position")
	}
}

// TestStatsFragmentCacheFollowsCounts: the counts table is rendered once per
// counts version: a repeat is 304, a new application renders it afresh.
func TestStatsFragmentCacheFollowsCounts(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(30)
	c := ts.client()
	path := "/stats?exam=" + e.ID
	r := c.HXGet(path)
	etag := r.Header.Get("ETag")
	if r.Status != 200 || etag == "" || !strings.Contains(r.Body, "资格审核尚未有结果") {
		t.Fatalf("first: %s", r)
	}
	if r := hxGetIfNoneMatch(c, path, etag); r.Status != http.StatusNotModified {
		t.Fatalf("repeat: %s", r)
	}
	if err := ts.store.CreateApplication(&domain.Application{ID: "a1", ExamID: e.ID, CandidateID: "c1", PositionCode: "00000003", State: domain.StateApproved}); err != nil {
		t.Fatal(err)
	}
	r = hxGetIfNoneMatch(c, path, etag)
	if r.Status != 200 || !strings.Contains(r.Body, "29 个职位审核通过人数为 0") {
		t.Fatalf("after a change: %s", r)
	}
	if r := c.Get(path); !strings.Contains(r.Body, "29 个职位审核通过人数为 0") {
		t.Errorf("full page after a change is stale")
	}
}

// TestFragmentCacheBounds: the LRU keeps within its entry and byte bounds,
// dropping the least recently used first.
func TestFragmentCacheBounds(t *testing.T) {
	fc := newFragmentCache(3, 800)
	put := func(k string, n int) { fc.put(&fragment{key: k, body: make([]byte, n)}) }
	put("a", 10)
	put("b", 10)
	put("c", 10)
	fc.get("a") // a is now the most recent
	put("d", 10)
	if _, ok := fc.get("b"); ok {
		t.Error("least recently used b kept beyond 3 entries")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := fc.get(k); !ok {
			t.Errorf("%s dropped", k)
		}
	}
	put("big", 101) // more than an eighth of the bytes: not kept
	if _, ok := fc.get("big"); ok {
		t.Error("oversized fragment kept")
	}
	fc = newFragmentCache(100, 800)
	for i := range 20 {
		put(fmt.Sprint(i), 100)
	}
	if n, size := fc.len(); size > 800 || n != 8 {
		t.Errorf("%d entries, %d bytes: byte bound not kept", n, size)
	}
}

// TestSearchFragmentCacheFollowsLevelNames: renaming a level (an exam edit,
// not a position change) renders the fragments afresh.
func TestSearchFragmentCacheFollowsLevelNames(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(10)
	c := ts.client()
	path := "/positions?exam=" + e.ID + "&level=sz"
	if r := c.HXGet(path); !strings.Contains(r.Body, "省直机关") {
		t.Fatalf("level name missing: %s", r)
	}
	e.Levels[0].Name = "省级机关"
	if err := ts.store.SaveExam(e, kv.AuditEntry{At: ts.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if r := c.HXGet(path); !strings.Contains(r.Body, "省级机关") {
		t.Errorf("renamed level not shown: the cached fragment was served")
	}
}

// TestSearchFormCacheFollowsPositions: the search form of the full 报名人数统计
// and 职位查询 pages is rendered once, and a new 遴选机关 appears in it as soon
// as its position is saved; the keyword typed stays in the box.
func TestSearchFormCacheFollowsPositions(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(20)
	c := ts.client()
	const dept = "湖北省新设测试局"
	for _, path := range []string{"/stats?exam=" + e.ID, "/positions?exam=" + e.ID} {
		if r := c.Get(path); r.Status != 200 || strings.Contains(r.Body, dept) {
			t.Fatalf("%s before: %d, new department already there", path, r.Status)
		}
	}
	p, _ := ts.store.Position(e.ID, "00000007")
	p.Code, p.Department = "00000099", dept
	if err := ts.store.SavePosition(&p, true, kv.AuditEntry{At: ts.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/stats?exam=" + e.ID, "/positions?exam=" + e.ID + "&q=%E7%BB%BC%E5%90%88"} {
		r := c.Get(path)
		if r.Status != 200 || !strings.Contains(r.Body, `<option value="`+dept+`"`) {
			t.Fatalf("%s after the save: %d, the new 遴选机关 is not offered", path, r.Status)
		}
		if strings.Contains(path, "&q=") && !strings.Contains(r.Body, `value="综合"`) {
			t.Errorf("%s: the keyword is not kept in the box", path)
		}
	}
}

// TestRowCellsFollowContent: a position's cached result cells are used only
// while the position, its level's name and its link are what they were
// rendered from.
func TestRowCellsFollowContent(t *testing.T) {
	var rc rowCellCache
	render := func(pos *domain.Position, level, link string) string {
		var b strings.Builder
		if err := rc.cells(context.Background(), pos, level, link).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	pos := domain.Position{ExamID: "e1", Code: "0001", Department: "湖北省财政厅", Title: "综合岗", LevelCode: "sz", Quota: 1}
	first := render(&pos, "省直机关", "/positions/e1/0001")
	if !strings.Contains(first, "综合岗") || !strings.Contains(first, "省直机关") || !strings.Contains(first, `href="/positions/e1/0001"`) {
		t.Fatalf("cells: %s", first)
	}
	if again := render(&pos, "省直机关", "/positions/e1/0001"); again != first {
		t.Fatalf("same content rendered differently")
	}
	edited := pos
	edited.Title = "审计岗<b>"
	if got := render(&edited, "省直机关", "/positions/e1/0001"); !strings.Contains(got, "审计岗&lt;b&gt;") {
		t.Fatalf("edited title not shown (or not escaped): %s", got)
	}
	if got := render(&edited, "省级机关", "/positions/e1/0001"); !strings.Contains(got, "省级机关") {
		t.Fatalf("renamed level not shown: %s", got)
	}
	if got := render(&edited, "省级机关", ""); strings.Contains(got, "href=") {
		t.Fatalf("unlinked cells still link: %s", got)
	}
}
