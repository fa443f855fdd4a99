package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"github.com/alexedwards/argon2id"

	"examreg/domain"
	"examreg/static"
)

// hasHan reports whether s contains a Chinese character: every message a
// candidate sees must be in Chinese.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// candidateCount is the number of candidate accounts in the store.
func candidateCount(t *testing.T, ts *testServer) int {
	t.Helper()
	list, err := ts.store.AccountsByRole(domain.RoleCandidate)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// assertNoAccount fails unless no account has login name id.
func assertNoAccount(t *testing.T, ts *testServer, id string) {
	t.Helper()
	if a, err := ts.store.AccountByLogin(strings.ToUpper(id)); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("account %q: want ENOTFOUND, got %+v, %v", id, a, err)
	}
}

// assertLoggedOut fails when c's session is logged in.
func assertLoggedOut(t *testing.T, c *client) {
	t.Helper()
	if r := c.Get("/account/profile"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("GET /account/profile: want 303 to /login, got %s", r)
	}
}

// assertLoggedIn fails unless c's session is logged in as name.
func assertLoggedIn(t *testing.T, c *client, name string) {
	t.Helper()
	r := c.Get("/account/profile")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /account/profile: want 200, got %s", r)
	}
	if who := r.TestID("who"); !strings.Contains(who, name) {
		t.Fatalf("who = %q, want %q", who, name)
	}
}

func TestRegisterSuccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client()

	male := idNumber("420102", "19900307", "123")   // 17th digit 3: 男
	female := idNumber("110105", "19851231", "128") // 17th digit 2: 女

	page := c.Get("/register")
	if page.Status != http.StatusOK || c.CSRF() == "" {
		t.Fatalf("GET /register: want 200 with a CSRF token, got %s", page)
	}
	r := c.PostForm("/register", registerForm(male))
	if r.Status != http.StatusSeeOther || r.Location() != "/photo" {
		t.Fatalf("register: want 303 to /photo, got %s", r)
	}
	home := c.Get("/")
	if !strings.Contains(home.TestID("who"), testName) {
		t.Fatalf("after register the candidate is logged in; who = %q", home.TestID("who"))
	}
	if f := home.TestID("flash"); !strings.Contains(f, "注册成功") {
		t.Errorf("flash = %q, want 注册成功", f)
	}

	a, err := ts.store.AccountByLogin(male)
	if err != nil {
		t.Fatal(err)
	}
	if a.Role != domain.RoleCandidate || a.Name != testName || a.Phone != testPhone || a.Email != "lxm@example.com" {
		t.Errorf("stored account = %+v", a)
	}
	if a.BirthDate != "1990-03-07" || a.Sex != "男" {
		t.Errorf("derived birth date/sex = %q %q, want 1990-03-07 男", a.BirthDate, a.Sex)
	}
	if !a.CreatedAt.Equal(testStart) {
		t.Errorf("CreatedAt = %v, want the injected clock %v", a.CreatedAt, testStart)
	}
	if ok, err := argon2id.ComparePasswordAndHash(testPassword, a.PasswordHash); err != nil || !ok {
		t.Errorf("stored hash does not verify the password: %v", err)
	}
	if strings.Contains(a.PasswordHash, testPassword) {
		t.Error("password stored in clear")
	}

	c2 := ts.client()
	registerCandidate(t, c2, female)
	b, err := ts.store.AccountByLogin(female)
	if err != nil {
		t.Fatal(err)
	}
	if b.BirthDate != "1985-12-31" || b.Sex != "女" {
		t.Errorf("derived birth date/sex = %q %q, want 1985-12-31 女", b.BirthDate, b.Sex)
	}
	if n := candidateCount(t, ts); n != 2 {
		t.Errorf("candidates = %d, want 2", n)
	}
}

// idEndingInX returns a valid ID number whose check character is X.
func idEndingInX(t *testing.T) string {
	for seq := 100; seq < 1000; seq++ {
		id := idNumber("420102", "19880808", fmt.Sprintf("%03d", seq))
		if id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no ID ending in X")
	return ""
}

func TestRegisterLowercaseX(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := idEndingInX(t)
	c := ts.client()
	registerCandidate(t, c, " "+strings.ToLower(id)+" ")
	if _, err := ts.store.AccountByLogin(id); err != nil {
		t.Fatalf("stored with upper-case X: %v", err)
	}
	c.PostForm("/logout", nil)
	// Logging in with a lower-case x finds the account too.
	loginAs(t, ts.client(), strings.ToLower(id), testPassword)
}

func TestRegisterBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dup := newIDNumber()
	registerCandidate(t, ts.client(), dup)

	valid := newIDNumber()
	body := valid[:17]
	wrongCheck := body + string("0123456789X"[(strings.IndexByte("0123456789X", valid[17])+1)%11])

	cases := []struct {
		name   string
		change func(f url.Values)
		field  string // field that carries the message
		want   string // part of the message
		status int
	}{
		{"invalid check digit", func(f url.Values) { f.Set("id_number", wrongCheck) }, "id_number", "校验位", 422},
		{"impossible birth date 19990230", func(f url.Values) { f.Set("id_number", idNumber("420102", "19990230", "123")) }, "id_number", "出生日期", 422},
		{"birth date in the future", func(f url.Values) { f.Set("id_number", idNumber("420102", "20300101", "123")) }, "id_number", "晚于今天", 422},
		{"17 digits", func(f url.Values) { f.Set("id_number", body) }, "id_number", "18位", 422},
		{"19 digits", func(f url.Values) { f.Set("id_number", valid+"1") }, "id_number", "18位", 422},
		{"letters", func(f url.Values) { f.Set("id_number", "42010219900307A12X") }, "id_number", "数字", 422},
		{"empty ID", func(f url.Values) { f.Set("id_number", "") }, "id_number", "请输入身份证号", 422},
		{"weak password: letters only", func(f url.Values) { f.Set("password", "onlyletters"); f.Set("password_confirm", "onlyletters") }, "password", "字母和数字", 422},
		{"weak password: too short", func(f url.Values) { f.Set("password", "ab12"); f.Set("password_confirm", "ab12") }, "password", "8个字符", 422},
		{"weak password: contains birth date", func(f url.Values) {
			pw := "pw" + valid[6:14]
			f.Set("password", pw)
			f.Set("password_confirm", pw)
		}, "password", "出生日期", 422},
		{"mismatched confirmation", func(f url.Values) { f.Set("password_confirm", testPassword+"x") }, "password_confirm", "不一致", 422},
		{"bad phone", func(f url.Values) { f.Set("phone", "1391234567") }, "phone", "11位", 422},
		{"bad email", func(f url.Values) { f.Set("email", "lxm@example") }, "email", "域名", 422},
		{"script in name", func(f url.Values) { f.Set("name", "<script>alert(1)</script>") }, "name", "尖括号", 422},
		{"SQL in name", func(f url.Values) { f.Set("name", "张三'); DROP TABLE accounts;--") }, "name", "姓名只能包含", 422},
		{"script in ID number", func(f url.Values) { f.Set("id_number", `"><script>alert(1)</script>`) }, "id_number", "身份证号", 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := candidateCount(t, ts)
			c := ts.client()
			c.Get("/register")
			f := registerForm(valid)
			tc.change(f)
			r := c.PostForm("/register", f)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tc.status, r)
			}
			msg := r.FieldError(tc.field)
			if !strings.Contains(msg, tc.want) || !hasHan(msg) {
				t.Fatalf("error-%s = %q, want it to contain %q", tc.field, msg, tc.want)
			}
			if fe := r.TestID("form-error"); !hasHan(fe) {
				t.Errorf("form-error summary = %q", fe)
			}
			// The form comes back with what was typed (passwords excepted),
			// escaped: the raw markup never reaches the page.
			for _, k := range []string{"id_number", "name", "phone", "email"} {
				got, _ := r.Doc().Find("#f-" + k).Attr("value")
				if want := strings.TrimSpace(f.Get(k)); got != want && !(k == "id_number" && got == strings.ToUpper(want)) {
					t.Errorf("field %s re-rendered as %q, want %q", k, got, want)
				}
			}
			if strings.Contains(r.Body, "<script>alert") {
				t.Error("unescaped <script> in the page")
			}
			if v, _ := r.Doc().Find("#f-password").Attr("value"); v != "" {
				t.Errorf("password echoed back: %q", v)
			}
			if after := candidateCount(t, ts); after != before {
				t.Errorf("accounts %d -> %d: a refused registration wrote", before, after)
			}
			assertNoAccount(t, ts, valid)
			if id := f.Get("id_number"); id != dup {
				assertNoAccount(t, ts, id)
			}
			assertLoggedOut(t, c)
		})
	}
	if a, err := ts.store.AccountByLogin(dup); err != nil || a.Name != testName {
		t.Errorf("the first registration of a duplicated ID changed: %+v %v", a, err)
	}
}

func TestRegisterUnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := newIDNumber()
	registerCandidate(t, ts.client(), id, url.Values{
		"role":          {"admin"},
		"Role":          {"admin"},
		"birth_date":    {"2000-01-01"},
		"sex":           {"女"},
		"failed_logins": {"99"},
		"photo_id":      {"x"},
		"departments":   {"中共湖北省委办公厅"},
	})
	a, err := ts.store.AccountByLogin(id)
	if err != nil {
		t.Fatal(err)
	}
	want := idFacts(t, id)
	if a.Role != domain.RoleCandidate || a.BirthDate != want.BirthDateString() || a.Sex != want.Sex ||
		a.PhotoID != "" || len(a.Departments) != 0 {
		t.Fatalf("posted extra fields reached the account: %+v", a)
	}
}

func idFacts(t *testing.T, id string) domain.IDNumber {
	t.Helper()
	p, err := domain.ParseIDNumber(id, testStart)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRegisterCSRF(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := newIDNumber()

	// No session at all (a form posted from another site).
	c := ts.client()
	r := c.PostFormNoCSRF("/register", registerForm(id))
	assertForbiddenCSRF(t, r)

	// A session, but no token.
	c.Get("/register")
	r = c.PostFormNoCSRF("/register", registerForm(id))
	assertForbiddenCSRF(t, r)

	// A forged token.
	f := registerForm(id)
	f.Set("_csrf", "forged-"+c.CSRF())
	r = c.PostForm("/register", f)
	assertForbiddenCSRF(t, r)

	// Another browser's valid token.
	other := ts.client()
	other.Get("/register")
	f.Set("_csrf", other.CSRF())
	r = c.PostForm("/register", f)
	assertForbiddenCSRF(t, r)

	// A forged htmx header.
	c.SetCSRF("forged")
	r = c.HXPostForm("/register", registerForm(id))
	if r.Status != http.StatusForbidden || strings.Contains(r.Body, "<html") {
		t.Fatalf("htmx with forged token: want a 403 fragment, got %s", r)
	}

	if n := candidateCount(t, ts); n != 0 {
		t.Fatalf("CSRF-refused registrations wrote %d accounts", n)
	}
	assertNoAccount(t, ts, id)
}

func assertForbiddenCSRF(t *testing.T, r *response) {
	t.Helper()
	if r.Status != http.StatusForbidden {
		t.Fatalf("want 403, got %s", r)
	}
	if msg := r.TestID("error-message"); !strings.Contains(msg, "页面已过期") {
		t.Fatalf("error-message = %q, want the CSRF message", msg)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q on the error page", cc)
	}
}

func TestRegisterOversizedBody(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := newIDNumber()
	c := ts.client()
	c.Get("/register")
	f := registerForm(id)
	f.Set("filler", strings.Repeat("a", formLimit+1))
	r := c.PostForm("/register", f)
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("want 413, got %s", r)
	}
	if msg := r.TestID("error-message"); !strings.Contains(msg, "1 MB") {
		t.Errorf("error-message = %q, want the 1 MB limit", msg)
	}
	assertNoAccount(t, ts, id)
	assertLoggedOut(t, c)
}

func TestRegisterCaptcha(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withCaptcha())

	// The page shows the image of a fresh captcha; loading it sets the
	// sealed answer in the captcha cookie.
	c := ts.client()
	c.Get("/register")
	answer := c.FetchCaptcha()
	token := c.Cookie(captchaCookie)

	t.Run("missing", func(t *testing.T) {
		c := ts.client()
		c.Get("/register")
		c.FetchCaptcha()
		id := newIDNumber()
		r := c.PostForm("/register", registerForm(id))
		assertCaptchaRefused(t, r)
		assertNoAccount(t, ts, id)
	})
	t.Run("no image loaded", func(t *testing.T) {
		c := ts.client()
		c.Get("/register")
		id := newIDNumber()
		f := registerForm(id)
		f.Set("captcha", "12345")
		assertCaptchaRefused(t, c.PostForm("/register", f))
		assertNoAccount(t, ts, id)
	})
	t.Run("wrong", func(t *testing.T) {
		c := ts.client()
		p := c.Get("/register")
		right := c.FetchCaptcha()
		tok := c.Cookie(captchaCookie)
		wrong := string('0'+(right[0]-'0'+1)%10) + right[1:]
		id := newIDNumber()
		f := registerForm(id)
		f.Set("captcha", wrong)
		r := c.PostForm("/register", f)
		assertCaptchaRefused(t, r)
		assertNoAccount(t, ts, id)
		if c.Cookie(captchaCookie) != "" {
			t.Error("the spent captcha cookie was not cleared")
		}
		// A wrong guess uses the captcha up: the right answer no longer
		// works, even with the token put back.
		c.SetCookie(captchaCookie, tok)
		f.Set("captcha", right)
		r = c.PostForm("/register", f)
		assertCaptchaRefused(t, r)
		assertNoAccount(t, ts, id)
		// The re-rendered form shows a new image.
		old, _ := p.Doc().Find(`img[data-testid="captcha-img"]`).Attr("src")
		if src, _ := r.Doc().Find(`img[data-testid="captcha-img"]`).Attr("src"); src == "" || src == old {
			t.Errorf("re-rendered form's captcha image = %q (old %q)", src, old)
		}
	})

	// The right answer registers once.
	first := newIDNumber()
	f := registerForm(first)
	f.Set("captcha", answer)
	if r := c.PostForm("/register", f); r.Status != http.StatusSeeOther {
		t.Fatalf("register with the right captcha: %s", r)
	}

	t.Run("reused in the same browser", func(t *testing.T) {
		c.PostForm("/logout", nil)
		c.Get("/register")
		c.SetCookie(captchaCookie, token)
		id := newIDNumber()
		f := registerForm(id)
		f.Set("captcha", answer)
		r := c.PostForm("/register", f)
		assertCaptchaRefused(t, r)
		assertNoAccount(t, ts, id)
	})
	if n := candidateCount(t, ts); n != 1 {
		t.Fatalf("candidates = %d, want 1", n)
	}
}

func assertCaptchaRefused(t *testing.T, r *response) {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("want 422, got %s", r)
	}
	if msg := r.FieldError("captcha"); !strings.Contains(msg, "验证码") {
		t.Fatalf("error-captcha = %q", msg)
	}
}

func TestRegisterHTMX(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client()
	c.Get("/register")
	f := registerForm(newIDNumber())
	f.Set("phone", "12")
	r := c.HXPostForm("/register", f)
	if r.Status != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<html") {
		t.Fatalf("htmx validation error: want a 422 fragment, got %s", r)
	}
	if r.FieldError("phone") == "" {
		t.Fatalf("no phone message in the fragment:\n%s", r.Body)
	}
	if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary = %q, want HX-Request", r.Header.Get("Vary"))
	}
	f.Set("phone", testPhone)
	r = c.HXPostForm("/register", f)
	if r.Status != http.StatusNoContent || r.Header.Get("HX-Redirect") != "/photo" {
		t.Fatalf("htmx register: want 204 with HX-Redirect /photo, got %s", r)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := registeredLoggedOut(t, ts)

	t.Run("success", func(t *testing.T) {
		c := ts.client()
		r := tryLogin(c, id, testPassword)
		// A candidate without a photo goes to the photo upload first.
		if r.Status != http.StatusSeeOther || r.Location() != "/photo" {
			t.Fatalf("want 303 to /photo, got %s", r)
		}
		assertLoggedIn(t, c, testName)
		// Logged in, the login page sends home.
		if r := c.Get("/login"); r.Status != http.StatusSeeOther || r.Location() != "/" {
			t.Errorf("GET /login when logged in: %s", r)
		}
	})

	t.Run("wrong password and unknown ID look the same", func(t *testing.T) {
		c := ts.client()
		wrong := tryLogin(c, id, testPassword+"x")
		unknown := tryLogin(c, newIDNumber(), testPassword)
		if wrong.Status != http.StatusUnauthorized || unknown.Status != wrong.Status {
			t.Fatalf("statuses %d and %d, want 401 both", wrong.Status, unknown.Status)
		}
		a, b := wrong.TestID("form-error"), unknown.TestID("form-error")
		if !strings.HasPrefix(a, "身份证号（用户名）或密码错误。") || !strings.Contains(a, "再输错 2 次后") || b != a {
			t.Fatalf("messages %q and %q, want both the same, saying what follows", a, b)
		}
		if v, _ := wrong.Doc().Find("#f-id_number").Attr("value"); v != id {
			t.Errorf("ID number not kept in the form: %q", v)
		}
		assertLoggedOut(t, c)
	})

	t.Run("empty fields", func(t *testing.T) {
		c := ts.client()
		c.Get("/login")
		r := c.PostForm("/login", url.Values{})
		if r.Status != http.StatusUnprocessableEntity || !hasHan(r.FieldError("id_number")) || !hasHan(r.FieldError("password")) {
			t.Fatalf("want 422 with messages at both fields, got %s", r)
		}
	})

	t.Run("htmx", func(t *testing.T) {
		c := ts.client()
		c.Get("/login")
		r := c.HXPostForm("/login", url.Values{"id_number": {id}, "password": {testPassword}})
		if r.Status != http.StatusNoContent || r.Header.Get("HX-Redirect") != "/photo" {
			t.Fatalf("want 204 with HX-Redirect, got %s", r)
		}
	})

	t.Run("next is only a local path", func(t *testing.T) {
		if got := safeNext("https://evil.example/"); got != "" {
			t.Errorf("safeNext(absolute) = %q", got)
		}
		if got := safeNext("//evil.example/x"); got != "" {
			t.Errorf("safeNext(//) = %q", got)
		}
		if got := safeNext("/account/profile"); got != "/account/profile" {
			t.Errorf("safeNext(local) = %q", got)
		}
	})
}

func TestLoginCSRF(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := registeredLoggedOut(t, ts)

	c := ts.client()
	c.Get("/login")
	assertForbiddenCSRF(t, c.PostFormNoCSRF("/login", url.Values{"id_number": {id}, "password": {testPassword}}))
	assertForbiddenCSRF(t, c.PostForm("/login", url.Values{"id_number": {id}, "password": {testPassword}, "_csrf": {"forged"}}))
	assertLoggedOut(t, c)
}

func TestLogout(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id := registeredClient(t, ts)
	assertLoggedIn(t, c, testName)
	oldSID := c.Cookie("examreg_sid")
	if oldSID == "" {
		t.Fatal("no session cookie")
	}

	// Logout needs the token too (a link on another site must not log out).
	if r := c.PostFormNoCSRF("/logout", nil); r.Status != http.StatusForbidden {
		t.Fatalf("logout without token: want 403, got %s", r)
	}
	assertLoggedIn(t, c, testName)

	r := c.PostForm("/logout", nil)
	if r.Status != http.StatusSeeOther || r.Location() != "/login" {
		t.Fatalf("logout: want 303 to /login, got %s", r)
	}
	if c.Cookie("examreg_sid") == oldSID {
		t.Error("the session id survived logout")
	}
	page := c.Follow(r)
	if f := page.TestID("flash"); !strings.Contains(f, "安全退出") {
		t.Errorf("login page flash = %q, want 安全退出", f)
	}
	if page.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("login page Cache-Control = %q", page.Header.Get("Cache-Control"))
	}
	r = c.Get("/account/profile")
	if r.Status != http.StatusSeeOther || r.Location() != "/login?next=%2Faccount%2Fprofile" {
		t.Fatalf("protected page after logout: want 303 to /login?next=…, got %s", r)
	}
	if f := c.Follow(r).TestID("flash"); !strings.Contains(f, "请先登录") {
		t.Errorf("flash = %q, want 请先登录", f)
	}

	// The old cookie, replayed (a copy kept by someone), is worth nothing.
	thief := ts.client()
	thief.jar.SetCookies(testURL, []*http.Cookie{{Name: "examreg_sid", Value: oldSID, Path: "/"}})
	assertLoggedOut(t, thief)

	// The same account may log in again afterwards.
	loginAs(t, c, id, testPassword)
}

func TestNoStoreOnDynamicPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	anon := ts.client()
	user := ts.client()
	registerCandidate(t, user, newIDNumber())
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{anon, "/"}, {anon, "/login"}, {anon, "/register"}, {anon, "/help"}, {anon, "/no-such-page"},
		{anon, "/account/profile"}, {user, "/"}, {user, "/account/profile"}, {user, "/account/password"},
	} {
		r := tc.c.Get(tc.path)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control = %q, want no-store", tc.path, r.Status, cc)
		}
	}
	if r := anon.Get("/no-such-page"); r.Status != http.StatusNotFound || !hasHan(r.TestID("error-message")) {
		t.Errorf("unknown page: want 404 with a Chinese message, got %s", r)
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id := registeredClient(t, ts)

	// Activity keeps the session alive: 29 minutes twice is fine.
	ts.clock.Advance(29 * time.Minute)
	assertLoggedIn(t, c, testName)
	ts.clock.Advance(29 * time.Minute)
	assertLoggedIn(t, c, testName)

	ts.clock.Advance(31 * time.Minute)
	r := c.Get("/account/profile")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("after 31 idle minutes: want 303 to /login, got %s", r)
	}
	page := c.Follow(r)
	if f := page.TestID("flash"); !strings.Contains(f, "30 分钟未操作") {
		t.Fatalf("login page flash = %q, want the idle message", f)
	}
	assertLoggedOut(t, c)
	loginAs(t, c, id, testPassword)
	assertLoggedIn(t, c, testName)
}

func TestSecondLoginEndsFirst(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	first, id := registeredClient(t, ts)
	assertLoggedIn(t, first, testName)
	staleToken := first.CSRF()

	second := ts.client()
	loginAs(t, second, id, testPassword)

	r := first.Get("/account/profile")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("first browser after a second login: want 303 to /login, got %s", r)
	}
	if f := first.Follow(r).TestID("flash"); !strings.Contains(f, "其他地方登录") {
		t.Errorf("flash = %q, want the replaced-session message", f)
	}
	// A form rendered for the first session is refused.
	first.SetCSRF(staleToken)
	if r := first.PostForm("/account/profile", url.Values{"phone": {"13700000000"}}); r.Status == http.StatusSeeOther {
		t.Fatalf("stale form accepted: %s", r)
	}
	if a, _ := ts.store.AccountByLogin(id); a.Phone != testPhone {
		t.Errorf("phone changed by a replaced session: %q", a.Phone)
	}
	assertLoggedIn(t, second, testName)
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client()
	for _, path := range []string{"/", "/login", "/register", "/healthz", "/static/app.css", "/no-such-page", "/account/profile"} {
		r := c.Get(path)
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP allows inline or eval: %q", path, csp)
		}
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q", path, got)
		}
		if got := r.Header.Get("Referrer-Policy"); got == "" || got == "unsafe-url" {
			t.Errorf("GET %s: Referrer-Policy = %q", path, got)
		}
		if got := r.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s: X-Frame-Options = %q", path, got)
		}
	}
	// An anonymous form page sets only the nonce cookie (no session);
	// the session cookie comes with the login. Both are HttpOnly and SameSite.
	r := ts.client().Get("/register")
	sc := r.Header.Get("Set-Cookie")
	if !strings.Contains(sc, nonceCookie+"=") || strings.Contains(sc, "examreg_sid=") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(strings.ToLower(sc), "samesite=lax") {
		t.Errorf("anonymous cookies = %q", sc)
	}
	reg := ts.client()
	reg.Get("/register")
	posted := reg.PostForm("/register", registerForm(newIDNumber()))
	sc = strings.Join(posted.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(sc, "examreg_sid=") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(strings.ToLower(sc), "samesite=lax") {
		t.Errorf("session cookie = %q", sc)
	}
	// No inline script anywhere in the page (the CSP would block it).
	r.Doc().Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); src == "" {
			t.Errorf("inline <script> on /register: %q", s.Text())
		}
	})
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	r := ts.client().Get("/healthz")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "ok\n") || !strings.Contains(r.Body, "low_disk ") {
		t.Fatalf("healthz: %s", r)
	}
	if r.Header.Get("Set-Cookie") != "" {
		t.Error("healthz sets a cookie")
	}
}

func TestAuthRateLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withAuthRateLimit(3))
	c := ts.client()
	c.Get("/login")
	for i := 1; i <= 3; i++ {
		if r := c.PostForm("/login", url.Values{}); r.Status == http.StatusTooManyRequests {
			t.Fatalf("POST %d of 3 refused: %s", i, r)
		}
	}
	r := c.PostForm("/login", url.Values{"id_number": {"x"}, "password": {"y"}})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("4th POST /login: want 429, got %s", r)
	}
	if msg := r.TestID("error-message"); !strings.Contains(msg, "频繁") {
		t.Errorf("429 message = %q", msg)
	}
	// Only POSTs count: the page still opens.
	if r := c.Get("/login"); r.Status != http.StatusOK {
		t.Errorf("GET /login after the limit: %d", r.Status)
	}
	// Each path has its own budget.
	c.Get("/register")
	if r := c.PostForm("/register", url.Values{}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("POST /register after /login's limit: want 422, got %d", r.Status)
	}
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client()
	for _, name := range []string{"app.css", "htmx.min.js"} {
		f, ok := static.Lookup(name)
		if !ok {
			t.Fatalf("%s not embedded", name)
		}
		etag := `"` + f.Hash + `"`

		// The hashed URL the pages link to may be cached for a year.
		r := c.Get(static.URL(name))
		if r.Status != http.StatusOK || r.Body != string(f.Data) {
			t.Fatalf("GET %s: %d, %d bytes", static.URL(name), r.Status, len(r.Body))
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("%s hashed: Cache-Control = %q", name, cc)
		}
		if r.Header.Get("ETag") != etag {
			t.Errorf("%s: ETag = %q, want %q", name, r.Header.Get("ETag"), etag)
		}
		if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, map[string]string{"app.css": "text/css", "htmx.min.js": "javascript"}[name]) {
			t.Errorf("%s: Content-Type = %q", name, ct)
		}
		if r.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s sets a cookie", name)
		}

		// Without the hash (or with a stale one) the browser revalidates.
		for _, u := range []string{"/static/" + name, "/static/" + name + "?v=stale"} {
			r = c.Get(u)
			if cc := r.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") || !strings.Contains(cc, "must-revalidate") {
				t.Errorf("GET %s: Cache-Control = %q", u, cc)
			}
		}
		req := httptest.NewRequest(http.MethodGet, static.URL(name), nil)
		req.Header.Set("If-None-Match", etag)
		if r := c.Do(req); r.Status != http.StatusNotModified || r.Body != "" {
			t.Errorf("%s If-None-Match: want 304 and no body, got %d (%d bytes)", name, r.Status, len(r.Body))
		}
	}
	if r := c.Get("/static/no-such.js"); r.Status != http.StatusNotFound {
		t.Errorf("unknown static file: %d", r.Status)
	}
	if r := c.Get("/static/..%2fgo.mod"); r.Status != http.StatusNotFound {
		t.Errorf("path escape: %d", r.Status)
	}
}
