package handlers

import (
	"bytes"
	"context"
	"image/png"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"examreg/domain"
	"examreg/kv"
)

// Issue 8 item 4: a stranger's wrong passwords slow an account down (a
// growing, capped wait) but never lock its owner out, and a registered and
// an unknown name answer alike at every step.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := registeredLoggedOut(t, ts)
	unknown := newIDNumber()

	stranger, owner := ts.client(), ts.client()
	same := func(step string, a, b *response) {
		t.Helper()
		if a.Status != b.Status || a.TestID("form-error") != b.TestID("form-error") {
			t.Fatalf("%s: registered and unknown names answer differently:\n%d %q\n%d %q", step, a.Status, a.TestID("form-error"), b.Status, b.TestID("form-error"))
		}
	}
	// The free failures: 401, saying what follows.
	for i := 1; i < domain.FreeLoginFailures; i++ {
		a, b := tryLogin(stranger, id, "Wrong2023pw"), tryLogin(stranger, unknown, "Wrong2023pw")
		same("failure", a, b)
		if a.Status != http.StatusUnauthorized || !strings.Contains(a.TestID("form-error"), "再输错") {
			t.Fatalf("failure %d: want 401 saying what follows, got %s", i, a)
		}
	}
	// The failure that starts the wait says until when.
	a, b := tryLogin(stranger, id, "Wrong2023pw"), tryLogin(stranger, unknown, "Wrong2023pw")
	same("failure starting the wait", a, b)
	until := ts.clock.Now().Add(domain.FirstLoginDelay).In(domain.Shanghai).Format("15:04:05")
	if a.Status != http.StatusUnauthorized || !strings.Contains(a.TestID("form-error"), until) {
		t.Fatalf("want 401 saying to wait until %s, got %s", until, a)
	}
	// While waiting even the right password is not checked: 429 at once,
	// not counted, the wait not made longer.
	before, _ := ts.store.LoginThrottle(id)
	for range 5 {
		a, b := tryLogin(owner, id, testPassword), tryLogin(owner, unknown, testPassword)
		same("waiting", a, b)
		if a.Status != http.StatusTooManyRequests || !strings.Contains(a.TestID("form-error"), until) {
			t.Fatalf("while waiting: want 429 until %s, got %s", until, a)
		}
	}
	if after, _ := ts.store.LoginThrottle(id); after != before {
		t.Fatalf("attempts while waiting changed the record: %+v -> %+v", before, after)
	}
	assertLoggedOut(t, owner)

	// The stranger keeps guessing: the wait doubles up to the cap.
	want := domain.FirstLoginDelay
	for i := 0; i < 8; i++ {
		ts.clock.Advance(want)
		want = min(2*want, domain.MaxLoginDelay)
		same("growing wait", tryLogin(stranger, id, "Wrong2023pw"), tryLogin(stranger, unknown, "Wrong2023pw"))
		th, _ := ts.store.LoginThrottle(id)
		if got := th.NotBefore.Sub(ts.clock.Now()); got != want {
			t.Fatalf("after %d failures: wait %v, want %v", th.Failures, got, want)
		}
	}
	// However long the stranger went on, the owner gets in after at most
	// MaxLoginDelay, and the count starts again.
	ts.clock.Advance(domain.MaxLoginDelay)
	if r := tryLogin(owner, id, testPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("owner after the wait: want 303, got %s", r)
	}
	if th, _ := ts.store.LoginThrottle(id); th.Failures != 0 {
		t.Errorf("a successful login kept the failures: %+v", th)
	}
}

// Issue 8 item 4: staff accounts are throttled the same way, and every
// failure is in the audit log; a candidate's is not.
func TestStaffLoginFailureAudited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := createStaff(t, ts, domain.RoleAdmin, "kaoshiyuan")
	cand := newIDNumber()
	registerCandidate(t, ts.client(), cand)
	c := ts.client()
	for range domain.FreeLoginFailures + 2 {
		tryLogin(c, "kaoshiyuan", "Wrong2023pw")
		tryLogin(c, cand, "Wrong2023pw")
		ts.clock.Advance(domain.MaxLoginDelay)
	}
	log, err := ts.store.AuditLog(100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.Action != "login.failed" {
			continue
		}
		if e.Target != admin.ID {
			t.Errorf("audit entry for a candidate's failed login: %+v", e)
		}
		n++
	}
	if n != domain.FreeLoginFailures+2 {
		t.Fatalf("%d login.failed entries for the administrator, want %d", n, domain.FreeLoginFailures+2)
	}
	// Not locked: the administrator gets in at once after the last wait.
	loginAs(t, c, "kaoshiyuan", testPassword)
}

// Issue 8 items 6 and 8: the login captcha is a sealed token in a cookie,
// single-use, expiring, and good only in the browser it was issued to.
func TestLoginCaptcha(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withCaptcha())
	id := registeredLoggedOut(t, ts)
	form := func(answer string) url.Values {
		return url.Values{"id_number": {id}, "password": {testPassword}, "captcha": {answer}}
	}

	t.Run("wrong answer is not a wrong password", func(t *testing.T) {
		c := ts.client()
		c.Get("/login")
		right := c.FetchCaptcha()
		wrong := string('0'+(right[0]-'0'+1)%10) + right[1:]
		assertCaptchaRefused(t, c.PostForm("/login", form(wrong)))
		assertLoggedOut(t, c)
		if th, _ := ts.store.LoginThrottle(id); th.Failures != 0 {
			t.Errorf("captcha failure counted as a password failure: %+v", th)
		}
	})
	t.Run("solved in another browser", func(t *testing.T) {
		// A captcha solved elsewhere (a solving service, a stolen cookie)
		// is refused: the token is bound to the issuing browser's nonce.
		solver, victim := ts.client(), ts.client()
		solver.Get("/login")
		answer := solver.FetchCaptcha()
		victim.Get("/login")
		victim.SetCookie(captchaCookie, solver.Cookie(captchaCookie))
		assertCaptchaRefused(t, victim.PostForm("/login", form(answer)))
		assertLoggedOut(t, victim)
	})
	t.Run("forged token", func(t *testing.T) {
		c := ts.client()
		c.Get("/login")
		c.FetchCaptcha()
		tok := []byte(c.Cookie(captchaCookie))
		tok[len(tok)-3] ^= 1 // one bit of the sealed part
		c.SetCookie(captchaCookie, string(tok))
		assertCaptchaRefused(t, c.PostForm("/login", form("12345")))
	})
	t.Run("expired", func(t *testing.T) {
		ts := newTestServer(t, withCaptcha())
		createStaff(t, ts, domain.RoleAdmin, "kaoshiyuan")
		c := ts.client()
		c.Get("/login")
		answer := c.FetchCaptcha()
		ts.clock.Advance(captchaTTL)
		f := url.Values{"id_number": {"kaoshiyuan"}, "password": {testPassword}, "captcha": {answer}}
		assertCaptchaRefused(t, c.PostForm("/login", f))
	})
	t.Run("used once", func(t *testing.T) {
		c := ts.client()
		c.Get("/login")
		answer := c.FetchCaptcha()
		tok := c.Cookie(captchaCookie)
		if r := c.PostForm("/login", form(answer)); r.Status != http.StatusSeeOther {
			t.Fatalf("right captcha: %s", r)
		}
		c.Get("/")
		c.PostForm("/logout", nil)
		c.Get("/login")
		c.SetCookie(captchaCookie, tok)
		assertCaptchaRefused(t, c.PostForm("/login", form(answer)))
	})
	loginAs(t, ts.client(), id, testPassword)
}

// countingStorage is a fiber.Storage that can say how many keys it holds.
type countingStorage struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newCountingStorage() *countingStorage { return &countingStorage{m: map[string][]byte{}} }

func (s *countingStorage) Get(k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *countingStorage) Set(k string, v []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = append([]byte(nil), v...)
	return nil
}

func (s *countingStorage) Delete(k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

func (s *countingStorage) Reset() error { return nil }
func (s *countingStorage) Close() error { return nil }

func (s *countingStorage) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		out = append(out, k)
	}
	return out
}

func kvKeys(t *testing.T, store *kv.Store) int {
	t.Helper()
	n, err := store.KeyCount("")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 8 item 6: a flood of anonymous page views (each a new browser)
// stores nothing, in the Badger store or in Fiber's (sessions, limiter);
// captcha images add only the per-address limiter entry.
func TestAnonymousPagesStoreNothing(t *testing.T) {
	t.Parallel()
	fs := newCountingStorage()
	ts := newTestServer(t, withCaptcha(), withConfig(func(c *Config) { c.FiberStorage = fs }))
	ts.client().Get("/login") // makes the token secret, once
	base := kvKeys(t, ts.store)
	const n = 200
	for i := range n {
		path := "/login"
		if i%2 == 1 {
			path = "/register"
		}
		c := ts.client()
		r := c.Get(path)
		if r.Status != http.StatusOK || r.Doc().Find(`img[data-testid="captcha-img"]`).Length() != 1 || c.Cookie("examreg_sid") != "" {
			t.Fatalf("GET %s: want the form with a captcha and no session, got %s", path, r)
		}
		if i < 20 {
			c.FetchCaptcha()
		}
	}
	if got := kvKeys(t, ts.store); got != base {
		t.Errorf("%d anonymous page views added %d keys to the store", n, got-base)
	}
	if keys := fs.keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "captcha:") {
		t.Errorf("Fiber storage holds %q, want only the captcha limiter's entry", keys)
	}
	// The forms still work: one registration goes through.
	registerCandidate(t, ts.client(), newIDNumber())
}

// Issue 8 item 6: captcha images are limited per address.
func TestCaptchaImageRateLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withCaptcha(), withConfig(func(c *Config) { c.CaptchaRateLimit = 5 }))
	c := ts.client()
	c.Get("/login")
	for i := 1; i <= 5; i++ {
		if r := c.Get("/captcha/x" + itoa(i) + ".png"); r.Status != http.StatusOK {
			t.Fatalf("image %d: %s", i, r)
		}
	}
	r := c.Get("/captcha/y.png")
	if r.Status != http.StatusTooManyRequests || !hasHan(r.Body) {
		t.Fatalf("6th image in a minute: want 429 with a message, got %s", r)
	}
}

// Issue 10 item 5: the captcha is 240×80 CSS px, drawn at twice that, with
// an opaque white background and near-black digits; 换一张 swaps only the
// image with htmx and is a plain link without JavaScript.
func TestCaptchaReadable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withCaptcha())
	c := ts.client()
	p := c.Get("/login")
	img := p.Doc().Find(`img[data-testid="captcha-img"]`)
	if w, _ := img.Attr("width"); w != "240" {
		t.Errorf("captcha width %q, want 240", w)
	}
	if h, _ := img.Attr("height"); h != "80" {
		t.Errorf("captcha height %q, want 80", h)
	}
	src, _ := img.Attr("src")
	r := c.Get(src)
	m, err := png.Decode(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() != 480 || b.Dy() != 160 {
		t.Errorf("image %v, want 480×160", b)
	}
	dark, light := 0, 0
	for y := 0; y < 160; y++ {
		for x := 0; x < 480; x++ {
			r, g, b, a := m.At(x, y).RGBA()
			if a != 0xFFFF {
				t.Fatalf("pixel %d,%d not opaque", x, y)
			}
			lum := (299*r + 587*g + 114*b) / 1000 >> 8
			switch {
			case lum < 64:
				dark++
			case lum > 200:
				light++
			default:
				t.Fatalf("pixel %d,%d neither dark digit nor light background: luminance %d", x, y, lum)
			}
		}
	}
	if share := float64(dark) / float64(dark+light); share < 0.05 || share > 0.5 {
		t.Errorf("dark share %.2f: digits missing or image unreadable", share)
	}
	link := p.Doc().Find(`[data-testid="captcha-refresh"]`)
	if strings.TrimSpace(link.Text()) != "看不清？换一张" {
		t.Errorf("refresh link text %q", link.Text())
	}
	href, _ := link.Attr("href")
	hxGet, _ := link.Attr("hx-get")
	target, _ := link.Attr("hx-target")
	if !strings.HasSuffix(href, ".png") || href == src || hxGet != "/captcha/refresh" || target != "#captcha-img" {
		t.Errorf("refresh link href=%q hx-get=%q hx-target=%q", href, hxGet, target)
	}
	// Without JS the link is a new image: it works and sets a new answer.
	old := c.Cookie(captchaCookie)
	if r := c.Get(href); r.Status != http.StatusOK || c.Cookie(captchaCookie) == old {
		t.Errorf("plain 换一张: %d, cookie changed %v", r.Status, c.Cookie(captchaCookie) != old)
	}
	// With htmx only the <img> comes back, with a new URL.
	frag := c.HXGet("/captcha/refresh")
	newSrc, _ := frag.Doc().Find(`img#captcha-img`).Attr("src")
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<form") || strings.Contains(frag.Body, "<html") || newSrc == "" || newSrc == src {
		t.Errorf("htmx 换一张: want just a new image, got %s", frag)
	}
}

// Issue 8 item 8: the 413 of the hard cap carries the security headers;
// HSTS is sent when serving TLS, and only then.
func TestHeadersOnHardCapAndHSTS(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		ts := newTestServer(t, withConfig(func(c *Config) { c.Secure = secure }))
		req, _ := http.NewRequest(http.MethodPost, "/register", bytes.NewReader(nil))
		req.ContentLength = maxBody + 1
		req.Header.Set("Content-Length", itoa(maxBody+1))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := ts.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("declared %d bytes: status %d, want 413", maxBody+1, res.StatusCode)
		}
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("413: %s = %q, want %q", h, got, want)
			}
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("413: CSP = %q", res.Header.Get("Content-Security-Policy"))
		}
		hsts := res.Header.Get("Strict-Transport-Security")
		if secure != strings.Contains(hsts, "max-age=") {
			t.Errorf("secure=%v: Strict-Transport-Security = %q", secure, hsts)
		}
	}
}

// Issue 10 item 7: registering a taken ID number says so once, at the
// field, with a way to log in and to reset the password.
func TestRegisterDuplicateShownOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dup := newIDNumber()
	registerCandidate(t, ts.client(), dup)
	c := ts.client()
	c.Get("/register")
	r := c.PostForm("/register", registerForm(dup))
	if r.Status != http.StatusConflict {
		t.Fatalf("want 409, got %s", r)
	}
	if n := strings.Count(r.Doc().Find("main").Text(), "已注册"); n != 1 {
		t.Errorf("已注册 said %d times, want once", n)
	}
	if r.TestID("form-error") != "" {
		t.Errorf("summary line repeats it: %q", r.TestID("form-error"))
	}
	if got := strings.Join(strings.Fields(r.TestID("error-registered")), ""); !strings.HasPrefix(got, "该身份证号已注册，去登录") {
		t.Errorf("message %q", got)
	}
	if h, _ := r.Doc().Find(`[data-testid="registered-login"]`).Attr("href"); h != "/login" {
		t.Errorf("去登录 links to %q", h)
	}
	if h, _ := r.Doc().Find(`[data-testid="registered-forgot"]`).Attr("href"); h != "/forgot" {
		t.Errorf("忘记密码 links to %q", h)
	}
	if a, _ := ts.store.AccountByLogin(dup); a == nil || a.Name != testName {
		t.Errorf("the first registration changed: %+v", a)
	}
}

// Issue 8 item 5: behind a proxy that appends the address it got the
// request from (as nginx and httputil.ReverseProxy do), the limiter keys on
// that address: a client prepending forged addresses is still limited, and
// a direct client's forged header is ignored.
func TestProxyHeaderRightmostTrusted(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withAuthRateLimit(3), withConfig(func(c *Config) {
		c.ProxyHeader = "X-Forwarded-For"
		c.TrustedProxies = []string{"127.0.0.2"}
	}))
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ts.app.Listener(appLn) }()
	t.Cleanup(func() { _ = ts.app.Shutdown() })

	// The proxy connects to examreg from 127.0.0.2, the trusted address.
	target, _ := url.Parse("http://" + appLn.Addr().String())
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}
	proxyLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go func() { _ = srv.Serve(proxyLn) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	// client dials from the given local address and posts logins with a
	// forged X-Forwarded-For; it returns the statuses.
	client := func(from, base string, tries int) []int {
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar, Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).DialContext},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := hc.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page := &response{Status: res.StatusCode, Header: res.Header}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(res.Body)
		res.Body.Close()
		page.Body = buf.String()
		tok := scrapeCSRF(page)
		var statuses []int
		for i := range tries {
			// A new name each time, so the per-name throttle never answers.
			f := url.Values{"_csrf": {tok}, "id_number": {"NOBODY-" + from + "-" + itoa(i)}, "password": {"x"}}
			req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "203.0.113."+itoa(i+1)+", 198.51.100.7")
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			statuses = append(statuses, res.StatusCode)
		}
		return statuses
	}
	proxied := "http://" + proxyLn.Addr().String()
	if got := client("127.0.0.1", proxied, 4); got[2] == http.StatusTooManyRequests || got[3] != http.StatusTooManyRequests {
		t.Fatalf("through the proxy with forged addresses: statuses %v, want the 4th limited", got)
	}
	// Another candidate behind the same proxy is not limited by the first.
	if got := client("127.0.0.3", proxied, 1); got[0] == http.StatusTooManyRequests {
		t.Fatalf("a second client behind the proxy was limited: %v", got)
	}
	// A direct client (not a trusted proxy) forging the header is keyed
	// on its own address.
	direct := "http://" + appLn.Addr().String()
	if got := client("127.0.0.4", direct, 4); got[3] != http.StatusTooManyRequests {
		t.Fatalf("direct client with a forged header: statuses %v, want the 4th limited", got)
	}
}
