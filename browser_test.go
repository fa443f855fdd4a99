package main

// Browser tests: the candidate's journey in a real Chromium (helpers in
// browser_helpers_test.go). They skip only when no Chromium is installed.
// Screenshots of every step land in testout/browser/<Test>/.
//
// Journey steps are added here as features land (photo, exam choice, form,
// positions, confirm, PDF upload, status).

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"examreg/domain"
)

// wrongCheckDigit returns an ID number whose last character is wrong.
func wrongCheckDigit(id string) string {
	last := id[17]
	for _, c := range []byte("0123456789X") {
		if c != last {
			return id[:17] + string(c)
		}
	}
	panic("unreachable")
}

func TestBrowserRegisterLoginLogout(t *testing.T) {
	t.Parallel()
	registerJourney(t, 101)
}

// TestBrowserRegisterLoginLogoutNoJS walks the same journey with JavaScript
// switched off: every form posts and redirects.
func TestBrowserRegisterLoginLogoutNoJS(t *testing.T) {
	t.Parallel()
	registerJourney(t, 202, withoutJS())
}

// registerJourney: register (after one refused attempt), land on /photo,
// change the phone in 注册信息维护, 安全退出, then the back button must not
// show the candidate's data.
func registerJourney(t *testing.T, seq int, opts ...tabOption) {
	resetShots(t)
	srv := startServer(t)
	b := newTab(t, srv, opts...)
	noJS := b.opts.noJS
	id := newIDNumber(seq)
	const name, phone, newPhone, password = "李小明", "13912345678", "13700001111", "Kaoshi2023ok"

	// 1. The registration form: personal data, so no caching and no
	// browser autocomplete (seed FAQ 四, 六).
	resp := b.openResponse("/register")
	if resp.Status != 200 {
		t.Fatalf("GET /register: status %d", resp.Status)
	}
	if cc := header(resp, "Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("GET /register: Cache-Control %q, want no-store", cc)
	}
	if ac := eval[string](b, `document.querySelector('form[action="/register"]').getAttribute("autocomplete")`); ac != "off" {
		t.Errorf("register form autocomplete=%q, want off", ac)
	}
	b.assertText("用户注册", "身份证号", "每个身份证号只能注册一个账号")
	if !strings.Contains(b.title(), "用户注册") {
		t.Errorf("title %q: want 用户注册", b.title())
	}
	b.screenshot("register-form")
	if htmxLoaded := eval[bool](b, `typeof window.htmx === "object"`); htmxLoaded == noJS {
		t.Fatalf("htmx loaded = %v with JavaScript off = %v", htmxLoaded, noJS)
	}

	// 2. A wrong check digit: the Chinese message next to the ID field, the
	// other values kept, nothing created.
	b.fill(
		"身份证号", wrongCheckDigit(id),
		"姓名", name,
		"手机号", phone,
		"密码", password,
		"确认密码", password,
	)
	if st := b.submit("注册"); st != 422 {
		t.Errorf("register with a bad ID: status %d, want 422", st)
	}
	if p := b.pathOnly(); p != "/register" {
		t.Fatalf("after a refused registration the URL is %s, want /register", p)
	}
	if msg := b.fieldError("id_number"); !strings.Contains(msg, "校验位不正确") {
		t.Errorf("message next to 身份证号 = %q, want the check-digit message", msg)
	}
	if got := eval[string](b, `document.getElementById("f-name").value`); got != name {
		t.Errorf("姓名 after the refused post = %q, want it kept (%q)", got, name)
	}
	if got := eval[string](b, `document.getElementById("f-password").value`); got != "" {
		t.Errorf("the password must not be sent back into the form, got %q", got)
	}
	if desc := eval[string](b, `document.getElementById("f-id_number").getAttribute("aria-describedby") || ""`); !strings.Contains(desc, "f-id_number-error") {
		t.Errorf("身份证号 aria-describedby = %q: the error is not tied to the field", desc)
	}
	if _, err := srv.Store.AccountByLogin(wrongCheckDigit(id)); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a refused registration created an account (err %v)", err)
	}
	b.screenshot("register-bad-id")

	// 3. Correct the ID; password fields are empty again and must be retyped.
	b.fill(
		"身份证号", id,
		"密码", password,
		"确认密码", password,
	)
	b.submit("注册")
	b.waitForURL("/photo") // first page after registering: 上传照片
	b.screenshot("after-register-photo")
	if _, err := srv.Store.AccountByLogin(id); err != nil {
		t.Fatalf("account %s not created: %v", id, err)
	}

	// 3a. 上传照片: a photo too small is refused with the reason next to the
	// field; a good one is shown processed, then saved.
	b.assertText("上传照片")
	b.uploadByLabel("选择照片文件", writeJPEG(t, 200, 280))
	if st := b.submit("上传并检查"); st != 422 {
		t.Errorf("upload of a 200×280 photo: status %d, want 422", st)
	}
	if msg := b.fieldError("photo"); !strings.Contains(msg, "200") {
		t.Errorf("message next to the photo field = %q, want the size it found", msg)
	}
	b.screenshot("photo-too-small")
	b.uploadByLabel("选择照片文件", writeJPEG(t, 600, 840))
	if st := b.submit("上传并检查"); st != 200 {
		t.Errorf("upload of a 600×840 photo: status %d", st)
	}
	b.waitForText("检查通过，请确认照片")
	if w := eval[int](b, `(() => { const i = document.querySelector("[data-testid=pending-photo]"); return i && i.complete ? i.naturalWidth : 0 })()`); w != 295 {
		t.Errorf("processed photo is %d px wide (or did not load), want 295", w)
	}
	b.screenshot("photo-pending")
	b.submit("保存图片")
	b.waitForURL("/")
	if f := b.flash(); !strings.Contains(f, "照片") {
		t.Errorf("flash after saving the photo = %q", f)
	}
	b.screenshot("photo-saved-home")

	// 4. 注册信息维护: change the phone.
	resp = b.openResponse("/account/profile")
	if resp.Status != 200 {
		t.Fatalf("GET /account/profile: status %d", resp.Status)
	}
	if cc := header(resp, "Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("GET /account/profile: Cache-Control %q, want no-store", cc)
	}
	masked := domain.MaskedID(id)
	b.assertText("注册信息维护", name, masked, "1995-06-15")
	b.screenshot("profile")
	b.fillByLabel("手机号", newPhone)
	b.submit("保存")
	b.waitForURL("/account/profile")
	if f := b.flash(); !strings.Contains(f, "保存") {
		t.Errorf("flash after saving the profile = %q, want a 保存 message", f)
	}
	if got := eval[string](b, `document.getElementById("f-phone").value`); got != newPhone {
		t.Errorf("手机号 after saving = %q, want %q", got, newPhone)
	}
	if acct, err := srv.Store.AccountByLogin(id); err != nil || acct.Phone != newPhone {
		t.Errorf("stored phone = %v (err %v), want %s", acct, err, newPhone)
	}
	b.screenshot("profile-saved")

	// 5. 安全退出: the login page says so.
	b.logout()
	b.waitForText("您已安全退出系统")
	b.assertNoText(name, masked)
	b.screenshot("logged-out")

	// 6. The back button refetches (no-store) and lands on the login page,
	// never on the candidate's data.
	b.back()
	b.waitReady()
	if p := b.pathOnly(); p != "/login" {
		t.Errorf("back after 安全退出 shows %s, want the login page", p)
	}
	b.assertNoText(name, masked, id, newPhone, phone)
	b.screenshot("back-after-logout")

	// 7. Log in again: with a photo on file the first page is the home page.
	b.loginAs(id, password)
	b.waitForURL("/")
	b.open("/account/profile")
	b.assertText(name)
	b.screenshot("login-again")
}

// TestBrowserSecondLoginEndsFirst: a login in another browser ends the first
// session; its next page is the login page with the reason.
func TestBrowserSecondLoginEndsFirst(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	first := newTab(t, srv)
	first.name = "first"
	second := newTab(t, srv)
	second.name = "second"

	first.loginCandidate()
	first.open("/account/profile")
	first.assertText("张三")
	first.screenshot("logged-in")

	second.loginCandidate()
	second.open("/account/profile")
	second.assertText("张三")
	second.screenshot("logged-in")

	first.open("/account/profile")
	first.waitForURL("/login")
	first.waitForText("您的账号已在其他地方登录")
	first.assertNoText(domain.MaskedID(demoCandidateID()), "13800138000")
	first.screenshot("ended")

	// The second browser goes on.
	if st := second.open("/account/profile"); st != 200 || second.pathOnly() != "/account/profile" {
		t.Errorf("second browser: %d %s, want to stay on /account/profile", st, second.path())
	}
	second.assertText("张三")
}

// TestBrowserPhone: key pages at 360×740 have no horizontal scrolling and
// tap targets in forms are at least about 40 px tall.
func TestBrowserPhone(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	b := newTab(t, srv, withPhone())
	check := func(path, want string) {
		t.Helper()
		if st := b.open(path); st != 200 {
			t.Errorf("GET %s: status %d", path, st)
			return
		}
		b.assertText(want)
		b.assertNumbersUnbroken()
		b.screenshot(strings.Trim(strings.ReplaceAll(path, "/", "-"), "-") + "-phone")
		b.assertPhoneLayout(path)
	}
	check("/", "首页")
	check("/login", "考生登录")
	check("/register", "用户注册")
	check("/help", "报考须知")
	check("/positions", "职位查询")
	check("/stats", "报名人数统计")

	b.loginCandidate()
	check("/photo", "上传照片") // the demo candidate has no photo yet: the first page
	check("/account/profile", "注册信息维护")
	check("/account/password", "修改密码")
}

// TestBrowserPagesNoCSPViolations visits every page of the navigation (for
// visitors and for each role) and fails on a CSP violation or a JavaScript
// error in the console. Pages still to be built must at least give the
// Chinese 404 page.
func TestBrowserPagesNoCSPViolations(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)

	// visit opens every link of the header, the navigation and the footer.
	visit := func(t *testing.T, b *tab, role string) {
		t.Helper()
		hrefs := eval[[]string](b, `Array.from(document.querySelectorAll("nav a, header a, footer a[href^='/']")).map(a => a.getAttribute("href")).filter(h => h.startsWith("/"))`)
		if len(hrefs) < 3 {
			t.Fatalf("%s: navigation has only %v", role, hrefs)
		}
		seen := map[string]bool{}
		for _, h := range append(hrefs, "/no-such-page") {
			if seen[h] {
				continue
			}
			seen[h] = true
			before := len(b.entries())
			resp := b.openResponse(h)
			st := int(resp.Status)
			if csp := header(resp, "Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("%s %s: Content-Security-Policy %q", role, h, csp)
			}
			// Let late errors (deferred scripts, images) arrive.
			b.waitReady()
			msgs := b.entries()[before:]
			switch st {
			case 200:
				b.assertFormsLabelled(role + " " + h)
				for _, m := range msgs {
					if strings.HasSuffix(m.URL, "/favicon.ico") {
						continue // Chromium asks for it by itself; examreg has none (reported)
					}
					if m.isError() || m.isCSP() {
						t.Errorf("%s %s: console: %s", role, h, m)
					}
				}
			case 404:
				b.assertText("您访问的页面不存在")
				if h != "/no-such-page" {
					t.Logf("%s %s: 404 (not built yet)", role, h)
				}
				for _, m := range msgs {
					if m.isCSP() || m.Kind == "exception" {
						t.Errorf("%s %s: console: %s", role, h, m)
					}
				}
			default:
				t.Errorf("%s %s: status %d", role, h, st)
			}
			if st == 200 && b.pathOnly() == strings.SplitN(h, "?", 2)[0] {
				// The shell with its stylesheet and htmx loaded.
				if n := eval[int](b, `document.styleSheets.length`); n < 1 {
					t.Errorf("%s %s: no stylesheet applied", role, h)
				}
				if ok := eval[bool](b, `typeof window.htmx === "object"`); !ok {
					t.Errorf("%s %s: htmx did not load", role, h)
				}
				b.assertNumbersUnbroken()
			}
			shot := strings.Trim(strings.ReplaceAll(h, "/", "-"), "-")
			if shot == "" {
				shot = "home"
			}
			b.screenshot(shot)
		}
	}

	t.Run("visitor", func(t *testing.T) {
		t.Parallel()
		resetShots(t)
		anon := newTab(t, srv)
		anon.open("/")
		visit(t, anon, "visitor")

		// The detector itself: an inline script must be refused by the CSP
		// and the refusal must reach the console log that the checks read.
		anon.open("/")
		eval[chromedp.Void](anon, `void document.head.appendChild(Object.assign(document.createElement("script"), {textContent: "window.__inline = 1"}))`)
		anon.waitFor("the CSP refusal of an inline script in the console", func() bool {
			for _, e := range anon.entries() {
				if e.isCSP() {
					return true
				}
			}
			return false
		})
		if ran := eval[bool](anon, `window.__inline === 1`); ran {
			t.Error("an inline script ran: the CSP does not forbid inline scripts")
		}
		anon.forgetConsole()
	})
	for _, r := range []struct {
		role, name string
		login      func(*tab)
	}{
		{"candidate", "张三", (*tab).loginCandidate},
		{"reviewer", "审核员", (*tab).loginReviewer},
		{"admin", "系统管理员", (*tab).loginAdmin},
	} {
		t.Run(r.role, func(t *testing.T) {
			t.Parallel()
			resetShots(t)
			b := newTab(t, srv)
			r.login(b)
			b.open("/")
			b.assertText(r.name)
			visit(t, b, r.role)
		})
	}
}
