package handlers

import (
	"bytes"
	"encoding/gob"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/valyala/fasthttp"
)

// TestCachedSessionFollowsStorage: a session served from the decoded cache
// is still checked against the stored bytes on every request. Two browsers
// share one session (the cache is warm); a logout in one is refused in the
// other at once; and writes that bypass this process (another node deleting
// or rewriting the stored session) take effect on the next request.
func TestCachedSessionFollowsStorage(t *testing.T) {
	t.Parallel()
	storage := session.New().Storage
	ts := newTestServer(t, withConfig(func(cfg *Config) { cfg.FiberStorage = storage }))
	a := ts.client()
	registerCandidate(t, a, newIDNumber())
	sid := a.Cookie(sessionCookie)
	if sid == "" {
		t.Fatal("no session cookie after registration")
	}
	b := ts.client()
	b.SetCookie(sessionCookie, sid)
	assertLoggedIn(t, b, testName)
	assertLoggedIn(t, a, testName)

	// Logout here: the other browser's cached session is refused.
	if r := a.PostForm("/logout", nil); r.Status != fiber.StatusSeeOther {
		t.Fatalf("logout: %s", r)
	}
	assertLoggedOut(t, b)

	// Another node deletes a session behind this process's back.
	c, id := registeredClient(t, ts)
	assertLoggedIn(t, c, testName) // decoded and cached
	sid = c.Cookie(sessionCookie)
	if err := storage.Delete(sid); err != nil {
		t.Fatal(err)
	}
	assertLoggedOut(t, c)

	// Another node rewrites a session (its own logout keeps the entry but
	// drops the account): the changed bytes are decoded afresh.
	loginAs(t, c, id, testPassword)
	assertLoggedIn(t, c, testName)
	sid = c.Cookie(sessionCookie)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&map[string]any{sessCSRF: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := storage.Set(sid, buf.Bytes(), 0); err != nil {
		t.Fatal(err)
	}
	assertLoggedOut(t, c)
}

// BenchmarkSessionLoad: reading a logged-in session, as every request of a
// signed-in candidate does, with Fiber's session middleware (a gob decoder
// per request) and with sessionStore (bytes compared, decoded once).
//
//	go test ./handlers -run '^$' -bench SessionLoad -benchmem
func BenchmarkSessionLoad(b *testing.B) {
	storage := session.New().Storage
	var buf bytes.Buffer
	data := map[string]any{sessAccount: "0190a4c2b7d84e21", sessSeen: int64(1764640000), sessCSRF: newToken()}
	if err := gob.NewEncoder(&buf).Encode(&data); err != nil {
		b.Fatal(err)
	}
	const sid = "5b0e43a5-8f1c-4c3e-9a57-6d2f1d0c7e11"
	if err := storage.Set(sid, buf.Bytes(), 0); err != nil {
		b.Fatal(err)
	}
	app := fiber.New()
	ctx := func() *fiber.Ctx {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		c.Request().Header.SetCookie(sessionCookie, sid)
		return c
	}
	b.Run("fiber-session", func(b *testing.B) {
		st := session.New(session.Config{Storage: storage, KeyLookup: "cookie:" + sessionCookie})
		for b.Loop() {
			c := ctx()
			sess, err := st.Get(c)
			if err != nil || sess.Get(sessAccount) != "0190a4c2b7d84e21" {
				b.Fatal("session not loaded", err)
			}
			app.ReleaseCtx(c)
		}
	})
	b.Run("decoded-cache", func(b *testing.B) {
		st := newSessionStore(storage, 0, false)
		for b.Loop() {
			c := ctx()
			sess, err := st.get(c)
			if err != nil || sess.Get(sessAccount) != "0190a4c2b7d84e21" {
				b.Fatal("session not loaded", err)
			}
			app.ReleaseCtx(c)
		}
	})
}
