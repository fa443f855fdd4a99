package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
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
