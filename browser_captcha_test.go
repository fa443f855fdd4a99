package main

import (
	"testing"

	"examreg/handlers"
)

// TestBrowserCaptchaPhone (issue 10 item 5): on a 360×740 phone the login
// captcha is at least 240×80 CSS px and loaded, and 换一张 swaps only the
// image: what was typed, the password too, stays in the form.
func TestBrowserCaptchaPhone(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t, func(c *handlers.Config) { c.NoCaptcha = false })
	b := newTab(t, srv, withPhone())
	if st := b.open("/login"); st != 200 {
		t.Fatalf("GET /login: %d", st)
	}
	const img = `document.querySelector('[data-testid="captcha-img"]')`
	b.waitFor("the captcha image", func() bool { return eval[bool](b, img+`.complete && `+img+`.naturalWidth > 0`) })
	if w, h := eval[float64](b, img+`.getBoundingClientRect().width`), eval[float64](b, img+`.getBoundingClientRect().height`); w < 240 || h < 80 {
		t.Errorf("captcha shown at %.0f×%.0f CSS px, want at least 240×80", w, h)
	}
	if nw := eval[float64](b, img+`.naturalWidth`); nw < 480 {
		t.Errorf("captcha drawn %v px wide, want at least 480 (sharp on 2× screens)", nw)
	}
	b.screenshot("login-captcha")

	b.fillByLabel("身份证号 / 用户名", demoCandidateID())
	b.fillByLabel("密码", "Typed2023pw")
	b.fillByLabel("验证码", "12")
	before := eval[string](b, img+`.src`)
	b.swap(func() { b.click(`[data-testid="captcha-refresh"]`) })
	b.waitFor("the new image", func() bool {
		return eval[string](b, img+`.src`) != before && eval[bool](b, img+`.complete && `+img+`.naturalWidth > 0`)
	})
	if p := b.path(); p != "/login" {
		t.Fatalf("换一张 left the page: %s", p)
	}
	if v := eval[string](b, `document.getElementById("f-password").value`); v != "Typed2023pw" {
		t.Errorf("password after 换一张 = %q, want it kept", v)
	}
	if v := eval[string](b, `document.getElementById("f-id_number").value`); v != demoCandidateID() {
		t.Errorf("ID number after 换一张 = %q", v)
	}
	if w := eval[float64](b, img+`.getBoundingClientRect().width`); w < 240 {
		t.Errorf("new captcha shown %.0f CSS px wide", w)
	}
	b.screenshot("after-refresh")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
