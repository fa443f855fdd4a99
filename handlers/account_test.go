package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"examreg/domain"
)

func TestProfile(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := idNumber("420102", "19900307", "123")
	c := ts.client()
	registerCandidate(t, c, id)

	r := c.Get("/account/profile")
	if r.Status != http.StatusOK {
		t.Fatalf("GET profile: %s", r)
	}
	if got, want := r.TestID("profile-id"), "420102********"+id[14:]; got != want {
		t.Errorf("masked ID = %q, want %q", got, want)
	}
	if strings.Contains(r.Body, id) {
		t.Error("the full ID number is on the profile page")
	}
	facts := r.Doc().Find("dl.facts").Text()
	for _, want := range []string{testName, "1990-03-07", "男"} {
		if !strings.Contains(facts, want) {
			t.Errorf("profile facts %q lack %q", facts, want)
		}
	}
	if v, _ := r.Doc().Find("#f-phone").Attr("value"); v != testPhone {
		t.Errorf("phone field = %q", v)
	}
	if r.Doc().Find(`input[name="id_number"], input[name="name"]`).Length() != 0 {
		t.Error("the ID number or name is editable")
	}

	bad := []struct {
		phone, email, field, want string
	}{
		{"", "", "phone", "请输入手机号码"},
		{"1391234567", "", "phone", "11位"},
		{"139123456789", "", "phone", "11位"},
		{"1391234567a", "", "phone", "数字"},
		{"12912345678", "", "phone", "13至19"},
		{"139 1234 5678", "", "phone", "数字"},
		{testPhone, "no-at-sign", "email", "格式"},
		{testPhone, "a@b", "email", "域名"},
		{testPhone, "<b>@x.cn", "email", "不允许"},
	}
	for _, tc := range bad {
		r := c.PostForm("/account/profile", url.Values{"phone": {tc.phone}, "email": {tc.email}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("phone %q email %q: want 422, got %d", tc.phone, tc.email, r.Status)
			continue
		}
		if msg := r.FieldError(tc.field); !strings.Contains(msg, tc.want) {
			t.Errorf("phone %q email %q: error-%s = %q, want %q", tc.phone, tc.email, tc.field, msg, tc.want)
		}
		if v, _ := r.Doc().Find("#f-" + tc.field).Attr("value"); v != strings.TrimSpace(map[string]string{"phone": tc.phone, "email": tc.email}[tc.field]) {
			t.Errorf("typed %s not kept: %q", tc.field, v)
		}
	}
	if a, _ := ts.store.AccountByLogin(id); a.Phone != testPhone || a.Email != "lxm@example.com" || !a.UpdatedAt.Equal(testStart) {
		t.Fatalf("refused edits changed the account: %+v", a)
	}

	// Without a token nothing changes.
	if r := c.PostFormNoCSRF("/account/profile", url.Values{"phone": {"13700001111"}}); r.Status != http.StatusForbidden {
		t.Fatalf("no token: want 403, got %s", r)
	}

	ts.clock.Advance(time.Minute)
	r = c.PostForm("/account/profile", url.Values{
		"phone": {" 13700001111 "}, "email": {""},
		// Fields the form does not have are ignored.
		"name": {"张冒名"}, "id_number": {newIDNumber()}, "birth_date": {"2000-01-01"}, "sex": {"女"}, "role": {"admin"},
	})
	if r.Status != http.StatusSeeOther || r.Location() != "/account/profile" {
		t.Fatalf("save: want 303 to /account/profile, got %s", r)
	}
	if f := c.Follow(r).TestID("flash"); !strings.Contains(f, "已保存") {
		t.Errorf("flash = %q", f)
	}
	a, err := ts.store.AccountByLogin(id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Phone != "13700001111" || a.Email != "" || !a.UpdatedAt.Equal(testStart.Add(time.Minute)) {
		t.Errorf("saved account = %+v", a)
	}
	if a.Name != testName || a.LoginName != id || a.BirthDate != "1990-03-07" || a.Sex != "男" || a.Role != domain.RoleCandidate {
		t.Errorf("fixed facts changed: %+v", a)
	}

	// Not logged in: the login page, coming back afterwards.
	if r := ts.client().Get("/account/profile"); r.Status != http.StatusSeeOther || r.Location() != "/login?next=%2Faccount%2Fprofile" {
		t.Errorf("anonymous profile: %s", r)
	}
}

func TestProfileIsForCandidates(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	createStaff(t, ts, domain.RoleReviewer, "shenhe01")
	c := ts.client()
	r := tryLogin(c, "shenhe01", testPassword)
	if r.Status != http.StatusSeeOther || r.Location() != "/review" {
		t.Fatalf("reviewer login: want 303 to /review, got %s", r)
	}
	c.Get("/")
	if r := c.Get("/account/profile"); r.Status != http.StatusForbidden || !hasHan(r.TestID("error-message")) {
		t.Fatalf("reviewer on the candidate profile: want 403, got %s", r)
	}
	// Every signed-in role may change its password.
	if r := c.Get("/account/password"); r.Status != http.StatusOK {
		t.Fatalf("reviewer password page: %s", r)
	}
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, id := registeredClient(t, ts)
	before, err := ts.store.AccountByLogin(id)
	if err != nil {
		t.Fatal(err)
	}
	const newPW = "Xinmima2024ok"

	bad := []struct {
		old, pw, confirm, field, want string
	}{
		{"", newPW, newPW, "old_password", "原密码不正确"},
		{"Wrong2023pw", newPW, newPW, "old_password", "原密码不正确"},
		{testPassword, "short1", "short1", "password", "8个字符"},
		{testPassword, "nodigitshere", "nodigitshere", "password", "字母和数字"},
		{testPassword, "a" + id, "a" + id, "password", "身份证号"},
		{testPassword, newPW, newPW + "x", "password_confirm", "不一致"},
	}
	for _, tc := range bad {
		r := c.PostForm("/account/password", url.Values{"old_password": {tc.old}, "password": {tc.pw}, "password_confirm": {tc.confirm}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: want 422, got %d", tc.want, r.Status)
			continue
		}
		if msg := r.FieldError(tc.field); !strings.Contains(msg, tc.want) {
			t.Errorf("error-%s = %q, want %q", tc.field, msg, tc.want)
		}
		r.Doc().Find(`input[type="password"]`).Each(func(_ int, s *goquery.Selection) {
			if v := s.AttrOr("value", ""); v != "" {
				t.Errorf("password field %s echoed back: %q", s.AttrOr("name", ""), v)
			}
		})
	}
	if a, _ := ts.store.AccountByLogin(id); a.PasswordHash != before.PasswordHash {
		t.Fatal("a refused change replaced the password")
	}

	oldSID := c.Cookie("examreg_sid")
	r := c.PostForm("/account/password", url.Values{"old_password": {testPassword}, "password": {newPW}, "password_confirm": {newPW}})
	if r.Status != http.StatusSeeOther || r.Location() != "/" {
		t.Fatalf("change: want 303 to /, got %s", r)
	}
	if c.Cookie("examreg_sid") == oldSID {
		t.Error("the session id did not change with the password")
	}
	if f := c.Follow(r).TestID("flash"); !strings.Contains(f, "密码修改成功") {
		t.Errorf("flash = %q", f)
	}
	// This browser stays logged in; a copy of the old session does not.
	assertLoggedIn(t, c, testName)
	other := ts.client()
	other.jar.SetCookies(testURL, []*http.Cookie{{Name: "examreg_sid", Value: oldSID, Path: "/"}})
	assertLoggedOut(t, other)

	if r := tryLogin(ts.client(), id, testPassword); r.Status != http.StatusUnauthorized {
		t.Errorf("old password still works: %s", r)
	}
	loginAs(t, ts.client(), id, newPW)
	// That login in turn ended c's session.
	assertLoggedOut(t, c)
}

// Every form control on the account pages has a <label for=id> (screen
// readers, and the browser tests fill fields by their label).
func TestFormControlsHaveLabels(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withCaptcha())
	anon := ts.client()
	user := ts.client()
	registerCandidate(t, user, newIDNumber())
	pages := []struct {
		c    *client
		path string
		min  int // controls expected at least
	}{
		{anon, "/login", 3},    // ID, password, captcha
		{anon, "/register", 7}, // ID, name, phone, e-mail, password twice, captcha
		{user, "/account/profile", 2},
		{user, "/account/password", 3},
	}
	for _, p := range pages {
		r := p.c.Get(p.path)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %s", p.path, r)
		}
		doc := r.Doc()
		n := 0
		doc.Find(`main input, main select, main textarea`).Each(func(_ int, s *goquery.Selection) {
			typ, _ := s.Attr("type")
			if typ == "hidden" || typ == "submit" || typ == "button" {
				return
			}
			n++
			id, _ := s.Attr("id")
			name, _ := s.Attr("name")
			if id == "" {
				t.Errorf("%s: control %q has no id", p.path, name)
				return
			}
			labels := doc.Find(`label[for="` + id + `"]`)
			if labels.Length() != 1 || strings.TrimSpace(labels.Text()) == "" {
				t.Errorf("%s: control #%s has %d labels (text %q)", p.path, id, labels.Length(), labels.Text())
			}
		})
		if n < p.min {
			t.Errorf("%s: %d labelled controls, want at least %d", p.path, n, p.min)
		}
	}
}

// Forms with personal data turn autocomplete off (seed FAQ 六: a shared
// computer must not offer the last candidate's data to the next).
func TestAutocompleteOff(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	anon := ts.client()
	user := ts.client()
	registerCandidate(t, user, newIDNumber())
	for _, p := range []struct {
		c      *client
		path   string
		fields []string
	}{
		{anon, "/login", []string{"id_number"}},
		{anon, "/register", []string{"id_number", "name", "phone", "email"}},
		{user, "/account/profile", []string{"phone", "email"}},
		{user, "/account/password", nil},
	} {
		doc := p.c.Get(p.path).Doc()
		form := doc.Find(`form[action="` + p.path + `"]`)
		if form.Length() != 1 {
			t.Errorf("%s: no form posting to itself", p.path)
			continue
		}
		if v, _ := form.Attr("autocomplete"); v != "off" {
			t.Errorf("%s: form autocomplete = %q, want off", p.path, v)
		}
		for _, f := range p.fields {
			if v, _ := form.Find(`[name="` + f + `"]`).Attr("autocomplete"); v != "off" {
				t.Errorf("%s: %s autocomplete = %q, want off", p.path, f, v)
			}
		}
		// Password fields never offer a saved password of someone else.
		form.Find(`input[type="password"]`).Each(func(_ int, s *goquery.Selection) {
			if v, _ := s.Attr("autocomplete"); v == "" || v == "on" {
				t.Errorf("%s: password field %s autocomplete = %q", p.path, s.AttrOr("name", ""), v)
			}
		})
	}
}

// The login limiter guards login and register; ordinary signed-in forms
// are not counted against it.
func TestRateLimitOnlyOnAuth(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withAuthRateLimit(2))
	c := ts.client()
	registerCandidate(t, c, newIDNumber())
	for i := 0; i < 5; i++ {
		if r := c.PostForm("/account/profile", url.Values{"phone": {testPhone}}); r.Status != http.StatusSeeOther {
			t.Fatalf("profile save %d: want 303, got %s", i+1, r)
		}
		c.Get("/account/profile")
	}
}
