package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"examreg/views"
)

// A page that polls (status, counts) must not keep a session alive: a
// candidate who walks away from a shared computer is still logged out
// after the idle timeout, while real activity keeps the session.
func TestPollingIsNotActivity(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client()
	registerCandidate(t, c, newIDNumber())

	poll := func() *response {
		req := httptest.NewRequest(http.MethodGet, "/account/profile", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set(views.PollHeader, "1")
		return c.Do(req)
	}
	// Polls every few minutes for 28 minutes: the session is still alive,
	// but the polls did not move its idle clock.
	for range 14 {
		ts.clock.Advance(2 * time.Minute)
		if r := poll(); r.Status != http.StatusOK {
			t.Fatalf("poll while logged in: %s", r)
		}
	}
	ts.clock.Advance(3 * time.Minute)
	r := poll()
	if r.Status != http.StatusNoContent || !strings.HasPrefix(r.Header.Get("HX-Redirect"), "/login") {
		t.Fatalf("poll after 31 minutes without activity: want 204 with HX-Redirect to /login, got %s (HX-Redirect %q)", r, r.Header.Get("HX-Redirect"))
	}
	assertLoggedOut(t, c)
}
