package main

import (
	"strings"
	"testing"

	"examreg/domain"
)

// maxPhoneHeader is the most of a 740 px phone screen the header may take
// with the menu closed.
const maxPhoneHeader = 120

// uxRole is a way into the system whose menu the UX test walks.
type uxRole struct {
	name  string
	login func(b *tab)
}

func uxRoles() []uxRole {
	login := func(id string) func(b *tab) { return func(b *tab) { b.loginAs(id, demoPassword) } }
	returned := demoStates[2]
	return []uxRole{
		{"visitor", func(*tab) {}},
		{"candidate", func(b *tab) { b.loginCandidate() }},
		{"returned", login(returned.idBody + string(domain.IDCheckDigit(returned.idBody)))},
		{"reviewer", func(b *tab) { b.loginReviewer() }},
		{"admin", func(b *tab) { b.loginAdmin() }},
	}
}

// menuPages are the local pages the header (menu, account links) leads to.
func (b *tab) menuPages() []string {
	b.t.Helper()
	hrefs := eval[[]string](b, `Array.from(document.querySelectorAll("header a")).map(a => a.getAttribute("href")).filter(h => h.startsWith("/"))`)
	seen := map[string]bool{}
	var out []string
	for _, h := range hrefs {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// headerHeight is the header's height in CSS px as shown now.
func (b *tab) headerHeight() int {
	return eval[int](b, `Math.round(document.querySelector(".site-header").getBoundingClientRect().height)`)
}

// TestBrowserMenusPhone: at 360×740, for visitors, candidates, a reviewer
// and an administrator, the header with the menu closed takes at most
// 120 px, and no page reachable from the menu scrolls sideways. The menu
// opens without JavaScript (<details>) and names the current page.
func TestBrowserMenusPhone(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	for _, role := range uxRoles() {
		t.Run(role.name, func(t *testing.T) {
			resetShots(t)
			b := newTab(t, srv, withPhone())
			role.login(b)
			b.open("/")
			pages := b.menuPages()
			if len(pages) < 4 {
				t.Fatalf("menu has only %v", pages)
			}
			for _, want := range []string{"/notices", "/positions", "/stats"} {
				if !strings.Contains(strings.Join(pages, " "), want) {
					t.Errorf("menu %v lacks %s: public pages stay reachable for every role", pages, want)
				}
			}
			for _, path := range pages {
				if st := b.open(path); st != 200 {
					t.Errorf("GET %s: status %d", path, st)
					continue
				}
				if h := b.headerHeight(); h > maxPhoneHeader {
					t.Errorf("%s: header %d px tall with the menu closed, want ≤ %d", path, h, maxPhoneHeader)
				}
				if sw := eval[int](b, `document.documentElement.scrollWidth`); sw > 360 {
					wide := eval[string](b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361).slice(0, 4).map(e => e.tagName + "." + e.className).join("; ")`)
					t.Errorf("%s: scrollWidth %d > 360 (%s)", path, sw, wide)
				}
				b.screenshot(role.name + strings.ReplaceAll(path, "/", "-") + "-360")
			}
			// The menu: 菜单 opens it, the current page is named beside it,
			// and 安全退出 stays visible for signed-in users.
			b.open("/help")
			if cur := b.byTestID("nav-current"); cur != "报考须知" {
				t.Errorf("menu summary names %q, want 报考须知", cur)
			}
			if role.name != "visitor" && !eval[bool](b, `document.querySelector("[data-testid=logout]").getClientRects().length > 0`) {
				t.Error("安全退出 hidden on a phone")
			}
			b.click(".nav-menu summary")
			if !eval[bool](b, `document.querySelector(".nav-menu").open && document.querySelector(".nav-menu a[href='/']").getClientRects().length > 0`) {
				t.Error("菜单 does not open the menu")
			}
			b.screenshot(role.name + "-menu-open-360")
		})
	}
}

// TestBrowserMenusDesktop takes the same pages at 1366×900 for a look and
// checks that nothing scrolls sideways there either.
func TestBrowserMenusDesktop(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	for _, role := range uxRoles() {
		t.Run(role.name, func(t *testing.T) {
			resetShots(t)
			b := newTab(t, srv, withViewport(1366, 900, false))
			role.login(b)
			b.open("/")
			for _, path := range b.menuPages() {
				b.open(path)
				if sw := eval[int](b, `document.documentElement.scrollWidth`); sw > 1366 {
					t.Errorf("%s: scrollWidth %d > 1366", path, sw)
				}
				b.screenshot(role.name + strings.ReplaceAll(path, "/", "-") + "-1366")
			}
		})
	}
}

// TestBrowserHomeNextStep: a signed-in candidate's home names where each
// application stands and offers the next step as one button.
func TestBrowserHomeNextStep(t *testing.T) {
	t.Parallel()
	resetShots(t)
	srv := startServer(t)
	cases := []struct {
		role     uxRole
		state    string
		next     string
		nextPath string
	}{
		{uxRoles()[1], "尚未报名", "下一步：上传照片", "/photo"},
		{uxRoles()[2], "退回修改：请修改 学历学位，补正截止", "下一步：填报信息", "/form"},
	}
	for _, tc := range cases {
		t.Run(tc.role.name, func(t *testing.T) {
			resetShots(t)
			b := newTab(t, srv, withPhone())
			tc.role.login(b)
			b.open("/")
			if got := b.byTestID("home-state"); !strings.Contains(got, tc.state) {
				t.Errorf("home state %q, want %q", got, tc.state)
			}
			if got := b.byTestID("home-next"); got != tc.next {
				t.Errorf("next step %q, want %q", got, tc.next)
			}
			b.screenshot("home-" + tc.role.name)
			b.follow(`[data-testid="home-next"]`)
			if !strings.HasSuffix(b.pathOnly(), tc.nextPath) {
				t.Errorf("next step led to %s, want …%s", b.pathOnly(), tc.nextPath)
			}
		})
	}
	// 报考流程 before any application shows the journey ahead.
	b := newTab(t, srv, withPhone())
	b.loginCandidate()
	b.open("/apply")
	if n := eval[int](b, `document.querySelectorAll("[data-testid=journey-step]").length`); n < 8 {
		t.Errorf("journey shows %d steps, want the whole way (≥ 8)", n)
	}
	b.screenshot("journey")
}
