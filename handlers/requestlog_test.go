package handlers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"
)

// lockedBuffer is a log sink safe for concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// withLogAndMetrics logs JSON into buf and turns the metrics on.
func withLogAndMetrics(buf *lockedBuffer, m **Metrics) serverOption {
	return withConfig(func(c *Config) {
		c.Log = slog.New(slog.NewJSONHandler(buf, nil))
		*m = NewMetrics(c.Store, func() (uint64, error) { return 1 << 30, nil })
		c.Metrics = *m
	})
}

// TestAccessLog: every request gets an X-Request-ID and exactly one access
// line carrying it, with the route pattern, status, duration and bytes;
// every log line of the request carries the id; no password, ID number,
// session id or form token reaches the log, even from failed logins and a
// refused upload.
func TestAccessLog(t *testing.T) {
	var buf lockedBuffer
	var m *Metrics
	ts := newTestServer(t, withLogAndMetrics(&buf, &m))
	c, id := registeredClient(t, ts)
	sid := c.Cookie("examreg_sid")
	csrf := c.CSRF()
	if sid == "" || csrf == "" {
		t.Fatal("no session cookie or token to look for")
	}
	c.PostForm("/logout", nil)
	if r := tryLogin(c, id, "WrongPass2023"); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %s", r)
	}
	loginAs(t, c, id, testPassword)
	c.PostFile("/photo", nil, "photo", "photo.jpg", []byte("this is not a picture "+id))
	r := c.Get("/apply/nosuchexam/level")
	if r.Header.Get(HeaderRequestID) == "" {
		t.Fatal("no X-Request-ID on a response")
	}

	lines := buf.lines(t)
	var access []map[string]any
	ids := map[string]bool{}
	for _, l := range lines {
		rid, _ := l["request_id"].(string)
		if rid == "" {
			t.Errorf("log line without request_id: %v", l)
		}
		if l["msg"] == "request" {
			access = append(access, l)
			if ids[rid] {
				t.Errorf("two access lines for request %s", rid)
			}
			ids[rid] = true
			for _, k := range []string{"method", "route", "status", "duration_ms", "bytes"} {
				if _, ok := l[k]; !ok {
					t.Errorf("access line lacks %s: %v", k, l)
				}
			}
		}
	}
	if len(access) < 10 {
		t.Fatalf("%d access lines for the requests made", len(access))
	}
	routes := map[string]bool{}
	for _, l := range access {
		routes[l["route"].(string)+" "+l["method"].(string)] = true
	}
	for _, want := range []string{"/register POST", "/login POST", "/photo POST", "/apply/:exam/level GET"} {
		if !routes[want] {
			t.Errorf("no access line for %s (have %v)", want, routes)
		}
	}
	text := buf.String()
	for name, secret := range map[string]string{"ID number": id, "password": testPassword, "wrong password": "WrongPass2023", "session id": sid, "form token": csrf} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s %q appears in the log", name, secret)
		}
	}

	if got := testutil.ToFloat64(m.logins.WithLabelValues("ok")); got != 1 {
		t.Errorf("logins ok = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.logins.WithLabelValues("failed")); got != 1 {
		t.Errorf("logins failed = %v, want 1", got)
	}
	if got := testutil.CollectAndCount(m.uploadsRefused); got != 1 {
		t.Errorf("upload refusals: %d series, want 1", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("/register", "POST", "303")); got != 1 {
		t.Errorf("POST /register 303 counted %v times", got)
	}
}

// TestRequestIDHeader: a sane X-Request-ID from the proxy is kept (so
// nginx's and examreg's logs join); anything else is replaced.
func TestRequestIDHeader(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{"0f1e2d3c4b5a69788796a5b4c3d2e1f0", true},
		{"abc", false},
		{"evil\nlevel=ERROR msg=forged", false},
		{strings.Repeat("a", 65), false},
		{"", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		if tc.in != "" {
			req.Header.Set(HeaderRequestID, tc.in)
		}
		res, err := ts.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Header.Get(HeaderRequestID)
		if tc.keep && got != tc.in || !tc.keep && (got == tc.in || !saneRequestID(got)) {
			t.Errorf("X-Request-ID %q answered %q", tc.in, got)
		}
	}
}

// TestReadyz: ready while the store answers, 503 once shutdown began.
func TestReadyz(t *testing.T) {
	ready := true
	ts := newTestServer(t, withConfig(func(c *Config) { c.Ready = func() bool { return ready } }))
	get := func() int {
		res, err := ts.app.Test(httptest.NewRequest(http.MethodGet, "/readyz", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if st := get(); st != fiber.StatusOK {
		t.Fatalf("ready: %d", st)
	}
	ready = false
	if st := get(); st != fiber.StatusServiceUnavailable {
		t.Fatalf("shutting down: %d", st)
	}
}

// BenchmarkHealthzMiddleware measures what the request log and metrics add
// to the cheapest request (compare with -bench . and the two sub-benchmarks).
func BenchmarkHealthzMiddleware(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "log-only"
		opts := []serverOption{withConfig(func(c *Config) { c.Log = slog.New(slog.NewJSONHandler(discard{}, nil)) })}
		if on {
			name = "log+metrics"
			opts = append(opts, withConfig(func(c *Config) { c.Metrics = NewMetrics(c.Store, nil) }))
		}
		b.Run(name, func(b *testing.B) {
			ts := newTestServer(b, opts...)
			h := ts.app.Handler()
			var ctx fasthttp.RequestCtx
			for b.Loop() {
				ctx.Request.Header.SetMethod(fiber.MethodGet)
				ctx.Request.SetRequestURI("/healthz")
				h(&ctx)
				ctx.Response.Reset()
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
