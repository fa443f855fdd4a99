package handlers

import (
	"net/http"
	"net/url"
	"testing"

	"examreg/domain"
)

// BenchmarkRegister measures the 用户注册 POST through the whole app: CSRF
// check, validation, argon2id hashing (most of the time), the account write
// with its unique index, and the new session. Each iteration registers a new
// ID number from a fresh browser whose form page was loaded off the clock.
//
//	go test -run '^$' -bench . -benchmem ./handlers/ -benchtime 2s
func BenchmarkRegister(b *testing.B) {
	ts := newTestServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		c := ts.client()
		c.Get("/register")
		f := registerForm(newIDNumber())
		b.StartTimer()
		if r := c.PostForm("/register", f); r.Status != http.StatusSeeOther {
			b.Fatalf("register: %s", r)
		}
	}
}

// BenchmarkHomePage measures GET / (layout and home page rendering, session
// lookup) for an anonymous visitor and for a logged-in candidate.
func BenchmarkHomePage(b *testing.B) {
	ts := newTestServer(b)
	b.Run("anonymous", func(b *testing.B) {
		c := ts.client()
		b.ReportAllocs()
		for b.Loop() {
			if r := c.Get("/"); r.Status != http.StatusOK {
				b.Fatalf("GET /: %s", r)
			}
		}
	})
	b.Run("candidate", func(b *testing.B) {
		c := ts.client()
		registerCandidate(b, c, newIDNumber())
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if r := c.Get("/"); r.Status != http.StatusOK {
				b.Fatalf("GET /: %s", r)
			}
		}
	})
}

// BenchmarkFailedLogin compares a wrong password for a registered name with
// any password for an unknown name: both read the throttle record, compare
// one argon2id hash and record the failure, so their times should match
// (issue 8 item 4). The clock moves past each wait.
//
//	go test -run '^$' -bench FailedLogin -benchtime 200x ./handlers/
func BenchmarkFailedLogin(b *testing.B) {
	ts := newTestServer(b, withAuthRateLimit(1<<30))
	id := newIDNumber()
	registerCandidate(b, ts.client(), id)
	for _, tc := range []struct{ name, login string }{{"registered", id}, {"unknown", newIDNumber()}} {
		b.Run(tc.name, func(b *testing.B) {
			c := ts.client()
			c.Get("/login")
			f := url.Values{"id_number": {tc.login}, "password": {"Wrong2023pw"}}
			for b.Loop() {
				b.StopTimer()
				ts.clock.Advance(domain.MaxLoginDelay)
				b.StartTimer()
				if r := c.PostForm("/login", f); r.Status != http.StatusUnauthorized {
					b.Fatalf("login: %s", r)
				}
			}
		})
	}
}
