package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"examreg/domain"
)

// TestTooLargeUploadPage: a photo over 5 MB is refused with the rule's own
// words ("文件超过 5 MB", not 5184 KB) and a way back to the upload page.
func TestTooLargeUploadPage(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	registerCandidate(t, c, newIDNumber())
	c.Get("/photo")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.CSRF())
	fw, _ := w.CreateFormFile("photo", "big.jpg")
	_, _ = fw.Write(bytes.Repeat([]byte{0xff}, 6<<20))
	_ = w.Close()
	r := c.PostRaw("/photo", w.FormDataContentType(), &body, http.Header{"Referer": {"http://example.com/photo"}})
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("want 413, got %s", r)
	}
	if msg := r.TestID("error-message"); !strings.Contains(msg, "文件超过 5 MB") || strings.Contains(msg, "KB") {
		t.Errorf("message %q, want 文件超过 5 MB", msg)
	}
	if back, _ := r.Doc().Find(`[data-testid="error-back"]`).Attr("href"); back != "/photo" {
		t.Errorf("way back %q, want /photo", back)
	}
}

// TestErrorPageBackIsLocal: a foreign Referer never becomes the way back.
func TestErrorPageBackIsLocal(t *testing.T) {
	ts := newTestServer(t)
	r := ts.client().PostRaw("/no-such-page", "application/x-www-form-urlencoded", strings.NewReader("a=b"), http.Header{"Referer": {"https://evil.example/x"}})
	if r.Doc().Find(`[data-testid="error-back"]`).Length() != 0 {
		t.Errorf("foreign referer offered as the way back: %s", r)
	}
}

// TestDeletePositionAsksFirst: 删除 without JavaScript is a GET to a page
// that asks; nothing is deleted until its form is posted.
func TestDeletePositionAsksFirst(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	e := ts.seedExam(3)
	admin := loginStaff(t, ts, domain.RoleAdmin, "deladmin")
	list := admin.Get("/admin/exams/" + e.ID + "/positions")
	link := list.Doc().Find(`[data-testid="delete-00000001"]`)
	if href, _ := link.Attr("href"); href != "/admin/exams/"+e.ID+"/positions/00000001/delete" {
		t.Fatalf("删除 link %q", href)
	}
	if confirm, _ := link.Attr("hx-confirm"); !strings.Contains(confirm, "00000001") {
		t.Errorf("hx-confirm %q", confirm)
	}
	r := admin.Get("/admin/exams/" + e.ID + "/positions/00000001/delete")
	if r.Status != 200 || r.Doc().Find(`[data-testid="delete-confirm"] form`).Length() != 1 {
		t.Fatalf("confirmation page: %s", r)
	}
	if _, ok := ts.store.Position(e.ID, "00000001"); !ok {
		t.Fatal("the GET deleted the position")
	}
	if r := admin.PostForm("/admin/exams/"+e.ID+"/positions/00000001/delete", nil); r.Status != 303 {
		t.Fatalf("confirmed delete: %s", r)
	}
	if _, ok := ts.store.Position(e.ID, "00000001"); ok {
		t.Error("position still there after the confirmed delete")
	}
}
