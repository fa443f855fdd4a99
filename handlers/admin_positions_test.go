package handlers

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"examreg/domain"
	"examreg/domain/sheet"
)

// positionBook builds a 职位表 with the standard header from rows of
// field-key maps.
func positionBook(t testing.TB, rows []map[string]string) []byte {
	t.Helper()
	sh := sheet.Sheet{Name: "职位表"}
	for _, f := range domain.PositionFields {
		sh.Columns = append(sh.Columns, sheet.Column{Header: f.Header})
	}
	for _, r := range rows {
		var cells []any
		for _, f := range domain.PositionFields {
			cells = append(cells, r[f.Key])
		}
		sh.Rows = append(sh.Rows, cells)
	}
	data, err := sheet.Write(sh)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func importRow(code string) map[string]string {
	return map[string]string{
		"code": code, "department": "湖北省财政厅", "employer": "湖北省财政厅办公室", "title": "综合文字岗",
		"level": "省直机关", "quota": "1", "education": "大学本科及以上", "degree": "不限", "major": "不限",
		"max_age": "35", "political": "中共党员", "grassroots_years": "2", "rank": "不限", "other": "", "phone": "027-87231405",
	}
}

// onImportPage starts a test server with one exam (seedExam) and an
// administrator who has opened its 导入职位表 page. It returns the server,
// the exam, the administrator's client and the page's path.
func onImportPage(t *testing.T) (*testServer, *domain.Exam, *client, string) {
	t.Helper()
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(0)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	path := "/admin/exams/" + e.ID + "/import"
	admin.Get(path)
	return ts, e, admin, path
}

func TestImportAllOrNothing(t *testing.T) {
	ts, e, admin, path := onImportPage(t)

	// One bad row among good ones: nothing is written, every problem listed.
	var rows []map[string]string
	for i := range 30 {
		rows = append(rows, importRow(fmt.Sprintf("A%03d", i)))
	}
	rows[10]["quota"] = "0"
	rows[20]["quota"] = "两人"
	rows[25]["code"] = "A001"
	r := admin.PostFile(path, nil, "file", "职位表.xlsx", positionBook(t, rows))
	if r.Status != 422 || !strings.Contains(r.Body, "共发现 3 处错误") || !strings.Contains(r.Body, "<td>12</td><td>遴选计划</td>") ||
		!strings.Contains(r.Body, "与第 3 行重复") {
		t.Fatalf("bad rows: %d\n%s", r.Status, r.Body)
	}
	if n := ts.store.PositionCount(e.ID); n != 0 {
		t.Fatalf("%d positions written from a bad file", n)
	}

	// All good: written, then the export imports again unchanged.
	rows[10]["quota"], rows[20]["quota"], rows[25]["code"] = "1", "2", "A025"
	r = admin.PostFile(path, nil, "file", "职位表.xlsx", positionBook(t, rows))
	if r.Status != 303 || ts.store.PositionCount(e.ID) != 30 {
		t.Fatalf("good file: %d, %d positions", r.Status, ts.store.PositionCount(e.ID))
	}
	if page := admin.Get(r.Header.Get("Location")); !strings.Contains(page.Body, "新增 30 个") {
		t.Errorf("no import summary")
	}
	r = admin.Get("/admin/exams/" + e.ID + "/positions.xlsx")
	export := r.Body
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("export %d %v", r.Status, r.Header)
	}
	r = admin.PostFile(path, nil, "file", "导出.xlsx", []byte(export))
	if r.Status != 303 {
		t.Fatalf("re-import export: %d", r.Status)
	}
	if page := admin.Get(r.Header.Get("Location")); !strings.Contains(page.Body, "新增 0 个，更新 0 个，未变 30 个") {
		t.Errorf("export did not import unchanged")
	}

	// Re-import updates by 职位代码; a level move of a position with applications is refused.
	ts.store.CreateApplication(&domain.Application{ID: "a1", ExamID: e.ID, CandidateID: "c1", PositionCode: "A000", State: domain.StateSubmitted})
	rows[0]["level"] = "市州机关"
	rows[1]["title"] = "新职位名称"
	r = admin.PostFile(path, nil, "file", "职位表.xlsx", positionBook(t, rows))
	if r.Status != 422 || !strings.Contains(r.Body, "不能改到其他层级") {
		t.Fatalf("level move: %d", r.Status)
	}
	if p, _ := ts.store.Position(e.ID, "A001"); p.Title == "新职位名称" {
		t.Error("partial write after a refused import")
	}
	rows[0]["level"] = "省直机关"
	admin.PostFile(path, nil, "file", "职位表.xlsx", positionBook(t, rows))
	if p, _ := ts.store.Position(e.ID, "A001"); p.Title != "新职位名称" {
		t.Error("re-import did not update")
	}
}

func TestImportBadFiles(t *testing.T) {
	ts, e, admin, path := onImportPage(t)
	tests := []struct {
		name, file string
		data       []byte
		status     int
		want       string
	}{
		{"no file", "", nil, 422, "请选择"},
		{"text named xlsx", "职位表.xlsx", []byte("职位代码,遴选机关"), 422, "不是有效的 .xlsx"},
		{"header only", "职位表.xlsx", positionBook(t, nil), 422, "没有职位"},
		{"zip bomb", "职位表.xlsx", zipBomb(8 << 20), 422, "压缩"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := admin.PostFile(path, nil, "file", tt.file, tt.data)
			if r.Status != tt.status || !strings.Contains(r.Body, tt.want) {
				t.Errorf("%d, want %d with %q", r.Status, tt.status, tt.want)
			}
		})
	}
	// Over 20 MB: refused by Content-Length before the body is read.
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("x"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("X-CSRF-Token", admin.CSRF())
	req.ContentLength = 20<<20 + 100<<10
	req.Header.Set("Content-Length", fmt.Sprint(req.ContentLength))
	if resp, err := ts.app.Test(admin.AddCookies(req), -1); err == nil && resp.StatusCode != 413 {
		t.Errorf("20 MB+: %d", resp.StatusCode)
	}
	if ts.store.PositionCount(e.ID) != 0 {
		t.Error("something was written")
	}
}

func zipBomb(n int) []byte {
	files := map[string][]byte{"[Content_Types].xml": []byte("<Types/>"), "xl/workbook.xml": []byte("<workbook/>"), "xl/worksheets/sheet1.xml": make([]byte, n)}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range files {
		f, _ := w.Create(name)
		f.Write(data)
	}
	w.Close()
	return buf.Bytes()
}

func TestNoticesWithAttachments(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	admin.Get("/admin/notices/new")
	fields := map[string][]string{"title": {"关于公开遴选的公告"}, "body": {"第一段\n\n第二段"}}
	r := admin.PostFile("/admin/notices", fields, "file", "推荐表.pdf", []byte("MZ this is an exe"))
	if r.Status != 422 || !strings.Contains(r.Body, `data-testid="error-file"`) {
		t.Fatalf("fake pdf: %d", r.Status)
	}
	if list, _ := ts.store.Notices(10); len(list) != 0 {
		t.Fatal("notice written with a bad attachment")
	}
	r = admin.PostFile("/admin/notices", fields, "file", "报名推荐表（样表）.pdf", []byte("%PDF-1.4 test"))
	if r.Status != 303 {
		t.Fatalf("create: %d", r.Status)
	}
	list, _ := ts.store.Notices(10)
	if len(list) != 1 || len(list[0].Attachments) != 1 {
		t.Fatalf("stored %+v", list)
	}
	n := list[0]
	anon := ts.client()
	if r := anon.Get("/notices"); !strings.Contains(r.Body, "关于公开遴选的公告") {
		t.Error("public list")
	}
	if r := anon.Get("/notices/" + n.ID); !strings.Contains(r.Body, "<p>第二段</p>") || !strings.Contains(r.Body, "报名推荐表（样表）.pdf") {
		t.Error("public detail")
	}
	r = anon.Get("/notices/" + n.ID + "/files/" + n.Attachments[0].BlobID)
	data := r.Body
	cd := r.Header.Get("Content-Disposition")
	if r.Status != 200 || data != "%PDF-1.4 test" || r.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(cd, "filename*=UTF-8''%E6%8A%A5%E5%90%8D%E6%8E%A8%E8%8D%90%E8%A1%A8%EF%BC%88%E6%A0%B7%E8%A1%A8%EF%BC%89.pdf") ||
		!strings.Contains(cd, `filename="`) {
		t.Errorf("download %d %q %v", r.Status, data, r.Header)
	}
	if r := anon.Get("/notices/" + n.ID + "/files/someoneelsesblob"); r.Status != 404 {
		t.Errorf("foreign blob: %d", r.Status)
	}
	audit, _ := ts.store.AuditLog(10)
	if len(audit) != 1 || audit[0].Action != "notice.create" {
		t.Errorf("audit %+v", audit)
	}
	// Over 20 MB by Content-Length: 413 before reading.
	req := httptest.NewRequest(http.MethodPost, "/admin/notices", strings.NewReader("x"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("X-CSRF-Token", admin.CSRF())
	req.ContentLength = 21 << 20
	if resp, err := ts.app.Test(admin.AddCookies(req), -1); err == nil && resp.StatusCode != 413 {
		t.Errorf("21 MB: %d", resp.StatusCode)
	}
}

func TestRebuildCountsAction(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(3)
	ts.store.CreateApplication(&domain.Application{ID: "a1", ExamID: e.ID, CandidateID: "c1", PositionCode: "00000001", State: domain.StateApproved})
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	admin.Get("/admin/exams/" + e.ID)
	r := admin.PostForm("/admin/exams/"+e.ID+"/counts/rebuild", nil)
	if r.Status != 200 || !strings.Contains(r.Body, `data-testid="no-drift"`) {
		t.Fatalf("rebuild %d", r.Status)
	}
	audit, _ := ts.store.AuditLog(10)
	found := false
	for _, a := range audit {
		found = found || a.Action == "counts.rebuild" && a.Target == e.ID && a.ActorID != ""
	}
	if !found {
		t.Errorf("audit %+v", audit)
	}
}
