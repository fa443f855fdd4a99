package handlers

// Test helpers shared by every handler test. The short version:
//
//	ts := newTestServer(t)                 // app + in-memory store + movable clock, captcha off
//	c := ts.client()                       // a browser: cookie jar + CSRF token of the last page
//	id := newIDNumber()                    // a fresh valid 18-digit 身份证号
//	registerCandidate(t, c, id)            // registered and logged in
//	r := c.Get("/account/profile")         // r.Status, r.Header, r.Body, r.Doc()
//	r = c.PostForm("/account/profile", url.Values{"phone": {"13912345678"}}) // _csrf added
//	ts.clock.Advance(31 * time.Minute)     // idle timeout
//	ts.clock.Set(examsTestNow)             // or a fixed time
//	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN") // staff account, logged in
//	r = admin.PostFile(path, nil, "file", "职位表.xlsx", data) // multipart, _csrf added
//
// A second browser is a second ts.client(). Responses are never followed:
// a 303 is returned as is; c.Follow(r) GETs its Location.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
)

// testStart is where every test clock starts: a Wednesday morning in
// Asia/Shanghai during the demo exam's registration season.
var testStart = time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)

// testClock is a movable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: testStart} }

// Now returns the clock's time; pass clock.Now as a domain.Clock.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testServer is an app on an in-memory store with a movable clock.
type testServer struct {
	t     testing.TB
	app   *fiber.App
	store *kv.Store
	clock *testClock
	cfg   Config
}

// serverOption changes the Config before the app is built.
type serverOption func(*Config)

// withCaptcha switches the image captcha on; client.FetchCaptcha loads the
// image as a browser does and reads the answer from the cookie it sets.
func withCaptcha() serverOption {
	return func(c *Config) { c.NoCaptcha = false }
}

// withAuthRateLimit sets the login/register POSTs allowed per IP per minute
// (tests default to 10000 so they never hit it by accident).
func withAuthRateLimit(n int) serverOption {
	return func(c *Config) { c.AuthRateLimit = n }
}

// withConfig lets a test change anything else in the Config.
func withConfig(f func(*Config)) serverOption { return serverOption(f) }

// newTestServer builds the app on a fresh in-memory store, closed when the
// test ends. Captcha is off unless withCaptcha is given.
func newTestServer(t testing.TB, opts ...serverOption) *testServer {
	t.Helper()
	store, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	clock := newTestClock()
	cfg := Config{
		Store:         store,
		Clock:         clock.Now,
		NoCaptcha:     true,
		AuthRateLimit: 10000,
		// Tests fetch many captcha images from one address.
		CaptchaRateLimit: 10000,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return &testServer{t: t, app: New(cfg), store: store, clock: clock, cfg: cfg}
}

// captchaAnswer opens a captcha token (the captcha cookie) with the
// server's key, as only the server can, and returns its digits.
func (ts *testServer) captchaAnswer(t testing.TB, tok string) string {
	t.Helper()
	keys, err := loadServerKeys(ts.store)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := keys.openCaptcha(tok)
	if err != nil {
		t.Fatalf("captcha token %q: %v", tok, err)
	}
	b := make([]byte, len(ct.digits))
	for i, d := range ct.digits {
		b[i] = '0' + d
	}
	return string(b)
}

// client is one browser: it keeps cookies across requests (with RFC 6265
// path rules, as a browser does) and the CSRF token of the last page.
type client struct {
	t    testing.TB
	ts   *testServer
	jar  *cookiejar.Jar
	csrf string
	last *response
}

// client returns a new browser with an empty cookie jar.
func (ts *testServer) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: ts.t, ts: ts, jar: jar}
}

// response is what a request returned.
type response struct {
	Status int
	Header http.Header
	Body   string
	doc    *goquery.Document
}

// Doc parses the body as HTML.
func (r *response) Doc() *goquery.Document {
	if r.doc == nil {
		d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		if err != nil {
			panic(err)
		}
		r.doc = d
	}
	return r.doc
}

// Location is the redirect target: the Location header or, for htmx, HX-Redirect.
func (r *response) Location() string {
	if l := r.Header.Get("Location"); l != "" {
		return l
	}
	return r.Header.Get("HX-Redirect")
}

// TestID returns the trimmed text of the elements with data-testid=id.
func (r *response) TestID(id string) string {
	return strings.TrimSpace(r.Doc().Find(`[data-testid="` + id + `"]`).Text())
}

// FieldError returns the message shown at a form field (data-testid="error-<field>").
func (r *response) FieldError(field string) string { return r.TestID("error-" + field) }

func (r *response) String() string {
	body := r.Body
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return fmt.Sprintf("status %d, headers %v\n%s", r.Status, r.Header, body)
}

// testURL is the origin the client pretends to talk to.
var testURL = &url.URL{Scheme: "http", Host: "example.com", Path: "/"}

// Do sends req through app.Test, with the jar's cookies, and stores the
// response's cookies and CSRF token.
func (c *client) Do(req *http.Request) *response {
	c.t.Helper()
	c.AddCookies(req)
	u := *testURL
	u.Path = req.URL.Path
	res, err := c.ts.app.Test(req, -1)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return c.keep(&u, res, fmt.Sprintf("%s %s", req.Method, req.URL))
}

// keep reads res (the answer to the request named what, for u), stores
// its cookies and the page's CSRF token, and makes it the client's last
// response.
func (c *client) keep(u *url.URL, res *http.Response, what string) *response {
	c.t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s: read body: %v", what, err)
	}
	c.jar.SetCookies(u, res.Cookies())
	r := &response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if tok := scrapeCSRF(r); tok != "" {
		c.csrf = tok
	}
	c.last = r
	return r
}

// scrapeCSRF finds the token in a page: the hidden _csrf input, else the
// X-CSRF-Token of the body's hx-headers.
func scrapeCSRF(r *response) string {
	if !strings.Contains(r.Header.Get("Content-Type"), "html") || r.Body == "" {
		return ""
	}
	doc := r.Doc()
	if v, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok && v != "" {
		return v
	}
	if h, ok := doc.Find("body").Attr("hx-headers"); ok && h != "" {
		var m map[string]string
		if json.Unmarshal([]byte(h), &m) == nil {
			return m["X-CSRF-Token"]
		}
	}
	return ""
}

// SetCookie puts a cookie for the whole site in the jar, as a script or
// another browser could.
func (c *client) SetCookie(name, value string) {
	c.jar.SetCookies(testURL, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// CSRF is the token the client would send next.
func (c *client) CSRF() string { return c.csrf }

// SetCSRF replaces the token the client sends (e.g. a forged one).
func (c *client) SetCSRF(tok string) { c.csrf = tok }

// Last is the last response.
func (c *client) Last() *response { return c.last }

// Cookie returns the value of the named cookie for path "/" ("" when none).
func (c *client) Cookie(name string) string {
	for _, ck := range c.jar.Cookies(testURL) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) get(path string, hx bool) *response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	return c.Do(req)
}

// Get is a plain browser GET.
func (c *client) Get(path string) *response { return c.get(path, false) }

// HXGet is an htmx GET (HX-Request: true).
func (c *client) HXGet(path string) *response { return c.get(path, true) }

// Follow GETs the Location of a redirect response.
func (c *client) Follow(r *response) *response {
	c.t.Helper()
	loc := r.Location()
	if loc == "" {
		c.t.Fatalf("not a redirect: %s", r)
	}
	return c.Get(loc)
}

// PostForm posts vals as a plain form, adding the _csrf field from the last
// page unless vals already has one.
func (c *client) PostForm(path string, vals url.Values) *response {
	vals = cloneValues(vals)
	if _, ok := vals["_csrf"]; !ok && c.csrf != "" {
		vals.Set("_csrf", c.csrf)
	}
	return c.PostRaw(path, "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()), nil)
}

// PostFormNoCSRF posts vals exactly as given: no token is added.
func (c *client) PostFormNoCSRF(path string, vals url.Values) *response {
	return c.PostRaw(path, "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()), nil)
}

// HXPostForm posts vals as htmx does: HX-Request: true and the token in
// the X-CSRF-Token header (from the body's hx-headers).
func (c *client) HXPostForm(path string, vals url.Values) *response {
	h := http.Header{"Hx-Request": {"true"}}
	if c.csrf != "" {
		h.Set("X-CSRF-Token", c.csrf)
	}
	return c.PostRaw(path, "application/x-www-form-urlencoded", strings.NewReader(cloneValues(vals).Encode()), h)
}

// PostRaw posts body with the given content type and extra headers; no
// token is added.
func (c *client) PostRaw(path, contentType string, body io.Reader, h http.Header) *response {
	c.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if _, err := io.Copy(&buf, body); err != nil {
			c.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(buf.Bytes()))
	req.Header.Set("Content-Type", contentType)
	for k, vs := range h {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return c.Do(req)
}

// PostFile posts a multipart form with vals and one file in field, adding
// the _csrf field unless vals already has one. With filename "" no file
// part is sent at all (a form posted without its file).
func (c *client) PostFile(path string, vals url.Values, field, filename string, data []byte) *response {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if _, ok := vals["_csrf"]; !ok && c.csrf != "" {
		_ = w.WriteField("_csrf", c.csrf)
	}
	for k, vs := range vals {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, err := w.CreateFormFile(field, filename)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	return c.PostRaw(path, w.FormDataContentType(), &body, nil)
}

// AddCookies adds the jar's cookies for req's path to req, for a test that
// sends req through ts.app.Test itself (e.g. to see the error).
func (c *client) AddCookies(req *http.Request) *http.Request {
	u := *testURL
	u.Path = req.URL.Path
	for _, ck := range c.jar.Cookies(&u) {
		req.AddCookie(ck)
	}
	return req
}

// SolveCaptcha fills the captcha answer in vals for the last page's
// captcha, when the page has one (no-op with captcha off).
func (c *client) SolveCaptcha(vals url.Values) {
	c.t.Helper()
	if c.last == nil || c.last.Doc().Find(`img[data-testid="captcha-img"]`).Length() == 0 {
		return
	}
	vals.Set("captcha", c.FetchCaptcha())
}

// FetchCaptcha loads the last page's captcha image, as the browser does
// (the response sets the sealed answer in the captcha cookie), and returns
// the answer. The last page and token stay what they were.
func (c *client) FetchCaptcha() string {
	c.t.Helper()
	src, _ := c.last.Doc().Find(`img[data-testid="captcha-img"]`).Attr("src")
	if src == "" {
		c.t.Fatalf("no captcha image on the page:\n%s", c.last)
	}
	last, csrf := c.last, c.csrf
	r := c.Get(src)
	c.last, c.csrf = last, csrf
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		c.t.Fatalf("captcha image %s: %s", src, r)
	}
	return c.ts.captchaAnswer(c.t, c.Cookie(captchaCookie))
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Test defaults for a candidate.
const (
	testPassword = "Kaoshi2023ok"
	testName     = "李小明"
	testPhone    = "13912345678"
)

var idSeq atomic.Int64

// newIDNumber returns a fresh valid 18-digit ID number (武汉市江岸区, born
// between 1980 and 1999, sequence varying), unique within the test binary.
func newIDNumber() string {
	n := idSeq.Add(1)
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n%7300))
	seq := (n / 7300) % 1000
	return idNumber("420102", birth.Format("20060102"), fmt.Sprintf("%03d", seq))
}

// idNumber builds an ID number from area code, birth date (YYYYMMDD) and
// 3-digit sequence, adding the check digit. An odd last sequence digit is 男.
func idNumber(area, birth, seq string) string {
	body := area + birth + seq
	return body + string(domain.IDCheckDigit(body))
}

// registerForm is a valid 用户注册 form for id (without token or captcha).
func registerForm(id string) url.Values {
	return url.Values{
		"id_number":        {id},
		"name":             {testName},
		"phone":            {testPhone},
		"email":            {"lxm@example.com"},
		"password":         {testPassword},
		"password_confirm": {testPassword},
	}
}

// registeredClient registers a candidate with a fresh ID number on a new
// client of ts, left logged in. It returns the client and the ID number.
func registeredClient(t testing.TB, ts *testServer) (*client, string) {
	t.Helper()
	c := ts.client()
	id := newIDNumber()
	registerCandidate(t, c, id)
	return c, id
}

// registeredLoggedOut registers a candidate with a fresh ID number on ts
// and logs that client out again: the account exists, and the test logs in
// from clients of its own. It returns the ID number (the login).
func registeredLoggedOut(t testing.TB, ts *testServer) string {
	t.Helper()
	reg, id := registeredClient(t, ts)
	reg.PostForm("/logout", nil)
	return id
}

// registerCandidate registers id through the form (with testPassword) and
// leaves c logged in with a fresh token. override replaces form fields.
// It fails the test unless registration redirects to /photo.
func registerCandidate(t testing.TB, c *client, id string, override ...url.Values) *response {
	t.Helper()
	c.Get("/register")
	f := registerForm(id)
	for _, o := range override {
		for k, v := range o {
			f[k] = v
		}
	}
	c.SolveCaptcha(f)
	r := c.PostForm("/register", f)
	if r.Status != http.StatusSeeOther || r.Location() != "/photo" {
		t.Fatalf("register %s: want 303 to /photo, got %s", id, r)
	}
	c.Get("/") // the session is new: pick up its token
	return r
}

// loginAs logs c in through the login form and fails the test unless it
// redirects (303); the client then holds the new session's token.
func loginAs(t testing.TB, c *client, login, password string) *response {
	t.Helper()
	r := tryLogin(c, login, password)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login %s: want 303, got %s", login, r)
	}
	c.Get("/")
	return r
}

// createStaff stores an account of role (a reviewer or administrator, or
// a candidate made directly in the store) with testPassword and the login
// name upper-cased; edit changes the account before it is stored.
func createStaff(t testing.TB, ts *testServer, role domain.Role, login string, edit ...func(*domain.Account)) *domain.Account {
	t.Helper()
	hash, err := HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := ts.clock.Now()
	a := &domain.Account{
		ID: kv.NewID(now), Role: role, LoginName: strings.ToUpper(login), Name: "王审核",
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	for _, f := range edit {
		f(a)
	}
	if err := ts.store.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	return a
}

// loginStaff creates an account as createStaff does and returns a new
// client logged in as it (through the login form, holding a fresh token).
func loginStaff(t testing.TB, ts *testServer, role domain.Role, login string, edit ...func(*domain.Account)) *client {
	t.Helper()
	createStaff(t, ts, role, login, edit...)
	c := ts.client()
	loginAs(t, c, login, testPassword)
	return c
}

// tryLogin GETs the login page and posts the form, solving the captcha if
// there is one, and returns the POST's response whatever it is.
func tryLogin(c *client, login, password string) *response {
	c.t.Helper()
	c.Get("/login")
	f := url.Values{"id_number": {login}, "password": {password}}
	c.SolveCaptcha(f)
	return c.PostForm("/login", f)
}
