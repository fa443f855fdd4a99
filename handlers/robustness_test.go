package handlers

// TestRobustness sends hostile input to every route of the app, as every
// role: anonymous, candidates with applications in several states, a
// reviewer and an administrator. Product rule: bad input gets a clear
// message in Chinese and a 4xx; never a 500; a refused POST changes nothing.
//
// Path parameters get real ids and garbage; GETs get garbage query
// strings; POSTs get missing fields, garbage in every field, wrong
// content types, files that are not what their name says, stale and
// absurd versions, another account's for_account, and htmx variants. The
// CSRF token is always valid, so the requests reach the handlers.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// robustEnv is one role's browser on its own server.
type robustEnv struct {
	name   string
	ts     *testServer
	c      *client
	acctID string // logged-in account; "" when anonymous
	other  string // another account's id (for_account of someone else)
	big    bool   // also send bodies over the form limit (costly: a few roles only)
	// fullPublic: the public routes get every hostile input too (for a
	// few roles; the others only try their own routes in full).
	fullPublic bool
}

var robustSeq atomic.Int64

// robustCandidate registers a fresh candidate born 1988-05-12 (the
// fixtures' dates are valid for it) and leaves c logged in. Safe for
// parallel tests, unlike newCandidate.
func robustCandidate(t *testing.T, c *client) string {
	t.Helper()
	id := idNumber("420102", "19880512", fmt.Sprintf("%03d", 500+robustSeq.Add(1)%400))
	registerCandidate(t, c, id)
	return id
}

// robustJourney walks c's candidate to the given state.
// A return names parts.
func robustJourney(t *testing.T, ts *testServer, c *client, to domain.State, parts ...string) string {
	t.Helper()
	id := robustCandidate(t, c)
	if to == "" {
		return id
	}
	toInfoForm(t, c)
	wantRedirect(t, formStep(t, c, validForm()), base, "保存 form")
	if to == domain.StateInfoSaved {
		return id
	}
	wantRedirect(t, positionStep(t, c, "1001", true), base, "保存 position")
	if to == domain.StatePositionSelected {
		return id
	}
	first, _ := confirmStep(t, c)
	wantRedirect(t, first, base, "报名信息确认")
	if to == domain.StateConfirmed {
		return id
	}
	wantRedirect(t, uploadStep(t, c, "tuijian.pdf", samplePDF(t, 2, false)), base+"/materials", "upload")
	first, _ = confirmMaterialsStep(t, c)
	wantRedirect(t, first, "/status", "材料确认")
	if to == domain.StateSubmitted {
		return id
	}
	app := appOf(t, ts, id)
	d := domain.Decision{Action: domain.ActionApprove}
	switch to {
	case domain.StateReturned:
		d = domain.Decision{Action: domain.ActionReturn, Reason: "请更正联系方式并重新上传推荐表", Parts: parts}
	case domain.StateRejected:
		d = domain.Decision{Action: domain.ActionReject, Reason: "不符合职位要求"}
	}
	if _, err := ts.store.ReviewApplication(app.ID, newAdmin(t, ts), d, ts.clock.Now()); err != nil {
		t.Fatalf("review %s: %v", d.Action, err)
	}
	return id
}

// rbVersion stands for the application's current version in the bodies
// (rbVersion±1 for the versions next to it); replaced before sending.
const rbVersion = 7777777

// Real ids of the fixtures besides the exam and positions of apply_fixtures_test.go.
const (
	rbDraftExam  = "draft2023" // unpublished
	rbClosedExam = "old2022"   // published, every window closed
)

// robustServer is a server with the fixture exam, a draft and a closed
// exam, a notice with an attachment, and a spare account; it returns the
// notice and blob ids and the spare account's id.
func robustServer(t *testing.T) (ts *testServer, noticeID, blobID, spare string) {
	t.Helper()
	ts = newTestServer(t)
	installExam(t, ts.store)
	draft := fxExam()
	draft.ID, draft.Code, draft.Published = rbDraftExam, "2023DRAFT", false
	closed := fxExam()
	closed.ID, closed.Code = rbClosedExam, "2022HBLX"
	for _, w := range []*domain.Window{&closed.Registration, &closed.Review, &closed.Payment} {
		w.Start, w.End = w.Start.AddDate(-1, 0, 0), w.End.AddDate(-1, 0, 0)
	}
	for _, e := range []*domain.Exam{draft, closed} {
		storeExam(t, ts.store, e, fxPositions())
	}
	now := ts.clock.Now()
	noticeID, blobID = kv.NewID(now), kv.NewID(now)
	n := &domain.Notice{ID: noticeID, Title: "关于报名的公告", Body: "正文", CreatedAt: now, UpdatedAt: now}
	pdf := samplePDF(t, 1, false)
	if err := ts.store.SaveNotice(n, []kv.NewAttachment{{
		Meta: kv.BlobMeta{ID: blobID, Name: "附件.pdf", ContentType: "application/pdf", CreatedAt: now}, Data: pdf,
	}}, kv.AuditEntry{At: now, Action: "notice.create"}); err != nil {
		t.Fatal(err)
	}
	spare = newAdmin(t, ts).ID
	return ts, noticeID, blobID, spare
}

// robustRoles builds each role's environment.
var robustRoles = []struct {
	name  string
	setup func(t *testing.T, ts *testServer, c *client) (acctID string, big bool)
}{
	{"anonymous", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		c.Get("/login") // a session and its token
		return "", false
	}},
	{"candidate-new", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, "")), false
	}},
	{"candidate-info_saved", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, domain.StateInfoSaved)), true
	}},
	{"candidate-position_selected", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, domain.StatePositionSelected)), false
	}},
	{"candidate-confirmed", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, domain.StateConfirmed)), false
	}},
	{"candidate-submitted", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, domain.StateSubmitted)), false
	}},
	{"candidate-returned-some", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, domain.StateReturned, "contact", domain.PartRecommendation)), false
	}},
	{"candidate-returned-all", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		var parts []string
		for _, p := range domain.ReturnParts() {
			parts = append(parts, p.ID)
		}
		return accountID(t, ts, robustJourney(t, ts, c, domain.StateReturned, parts...)), false
	}},
	{"candidate-rejected", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		return accountID(t, ts, robustJourney(t, ts, c, domain.StateRejected)), false
	}},
	{"reviewer", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		createStaff(t, ts, domain.RoleReviewer, "reviewer1")
		loginAs(t, c, "REVIEWER1", testPassword)
		a, err := ts.store.AccountByLogin("REVIEWER1")
		if err != nil {
			t.Fatal(err)
		}
		return a.ID, false
	}},
	{"admin", func(t *testing.T, ts *testServer, c *client) (string, bool) {
		// A submitted application, so deleting its position is refused
		// and the counts have something to rebuild.
		robustJourney(t, ts, ts.client(), domain.StateSubmitted)
		createStaff(t, ts, domain.RoleAdmin, "admin1")
		loginAs(t, c, "ADMIN1", testPassword)
		a, err := ts.store.AccountByLogin("ADMIN1")
		if err != nil {
			t.Fatal(err)
		}
		return a.ID, true
	}},
}

// robustGarbage are the values put in every field, and in path segments
// (percent-encoded there).
var robustGarbage = []string{
	strings.Repeat("a", 10000),
	strings.Repeat("字", 1000),
	"\xff\xfe\x00\xc3\x28",
	"<script>alert(1)</script>",
	"'; DROP TABLE accounts; --",
	"-1",
	"-99999999999999999999",
	"99999999999999999999",
	"1e308",
	"2023-02-30",
	"99999-01-01",
	"abc",
	"0000-00-00",
	"   ",
	"\u202e\u200b\ufeff",
	"../../etc/passwd",
	"%00%ff",
}

// robustPathGarbage replaces a path parameter (already encoded as sent).
var robustPathGarbage = []string{
	"zzz", "%00", strings.Repeat("a", 4000), "..%2F..%2Fetc%2Fpasswd", "../../etc", "-1",
	"%FF%FE", "%3Cscript%3E", "%27%3B%20DROP%20TABLE%20x%3B--", "99999999999999999999", "%E5%AD%97", "%20",
}

// robustQueries are the query strings sent with every GET.
func robustQueries() []string {
	long := strings.Repeat("a", 10000)
	return []string{
		"", "page=-1", "page=abc", "page=0", "page=99999999999999999999", "size=99999", "size=-1", "size=abc",
		"q=" + long, "q=" + url.QueryEscape(strings.Repeat("字", 1000)), "q=%FF%FE%00", "q=%3Cscript%3E",
		"q=%27%3B+DROP+TABLE+x%3B--", "q=a&q=b&page=1&page=2&size=10&size=20&exam=exam2023&exam=zzz",
		"exam=zzz", "exam=%00", "exam=" + rbDraftExam, "exam=" + rbClosedExam, "exam=" + long,
		"code=zzz", "code=%FF", "code=2001", "code=" + long, "code=1001&code=2001",
		"level=zzz&dept=%FF&edu=%00&pol=x&sort=zzz&eligible=1&noapproved=1", "sort=-1&eligible=abc",
		"v=-1", "v=99999999999999999999", "v=%FF",
		"next=%2F%2Fevil.example", "next=javascript:alert(1)", "next=%2F%5Cevil.example", "next=" + long,
		"saved=1", "%FF=%FF", "a[]=1&a[b]=2&=&&=x",
	}
}

// robustFields is every form field the app reads, with file fields apart.
func robustFields() []string {
	set := map[string]bool{}
	for _, k := range []string{
		"for_account", "version", "pledge_version", "id_number", "password", "password_confirm", "old_password",
		"name", "phone", "email", "next", "captcha_id", "captcha", "level", "code", "ack", "section", "family_n",
		"family_op", "grassroots_years", "levels", "subjects", "fee", "pledge", "reference_date", "published",
		"title", "body",
	} {
		set[k] = true
	}
	for _, d := range domain.FormFields {
		set[d.Name] = true
	}
	for _, p := range domain.PositionFields {
		set[p.Key] = true
	}
	for _, k := range domain.WindowKinds {
		set[domain.WindowField(k, false)], set[domain.WindowField(k, true)] = true, true
	}
	for i := range 3 {
		for _, k := range []string{"relation", "name", "birth_month", "political", "work"} {
			set["family."+itoa(i)+"."+k] = true
		}
	}
	for _, k := range []string{"family.99999999999999999999.name", "family.-1.name"} {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// robustPlausible is a believable form: valid 填报信息, level, position,
// exam and notice fields. Combined with a wrong version or account it
// must be refused without a change.
func robustPlausible() url.Values {
	return merge(validForm(), examForm(nil), url.Values{
		"level": {fxLevel}, "code": {"1001"}, "ack": {"1"}, "pledge_version": {"3"},
		"title": {"公告"}, "body": {"正文"}, "department": {"湖北省财政厅"}, "employer": {"预算处"},
		"quota": {"1"}, "description": {"说明"},
	})
}

// robustBody is one POST body.
type robustBody struct {
	name  string
	ctype string
	body  []byte
	hx    bool // HX-Request: true
	// formCSRF puts the token in the _csrf field instead of the header.
	formCSRF bool
	// only: sent only to routes whose pattern ends so (a variant that
	// means something to one handler only).
	only string
}

func formBody(name string, v url.Values, hx bool) robustBody {
	return robustBody{name: name, ctype: "application/x-www-form-urlencoded", body: []byte(v.Encode()), hx: hx, formCSRF: !hx}
}

// multipartBody builds a multipart body with fields and files (name → filename, data).
func multipartBody(name string, v url.Values, files map[string][2]string) robustBody {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range v {
		for _, x := range vs {
			_ = w.WriteField(k, x)
		}
	}
	for _, field := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		fw, _ := w.CreateFormFile(field, files[field][0])
		fw.Write([]byte(files[field][1]))
	}
	w.Close()
	return robustBody{name: name, ctype: w.FormDataContentType(), body: b.Bytes()}
}

// robustBodies are the POST bodies for one request, given the hidden
// fields the form would carry (for_account and the current version).
func robustBodies(t *testing.T, env *robustEnv, hidden url.Values, version int) []robustBody {
	fields := robustFields()
	plausible := robustPlausible()
	all := func(g string) url.Values {
		v := url.Values{}
		for _, f := range fields {
			v.Set(f, g)
		}
		// These two pick another action (a family row, one section):
		// they get their own variants.
		v.Del("family_op")
		v.Del("section")
		for k, x := range hidden {
			v[k] = x
		}
		return v
	}
	var out []robustBody
	out = append(out,
		robustBody{name: "empty body", ctype: "application/x-www-form-urlencoded"},
		formBody("hidden fields only", hidden, false),
		formBody("hidden fields only, htmx", hidden, true),
	)
	for i, g := range robustGarbage {
		out = append(out, formBody(fmt.Sprintf("every field garbage #%d", i), all(g), false))
	}
	for _, i := range []int{0, 2, 9, 15} {
		out = append(out, formBody(fmt.Sprintf("every field garbage #%d, htmx", i), all(robustGarbage[i]), true))
	}
	for _, sec := range domain.FormSections {
		v := all(robustGarbage[1])
		v.Set("section", sec.ID)
		v.Set("family_n", "3")
		b := formBody("section "+sec.ID+" garbage, htmx", v, true)
		b.only = "/form"
		out = append(out, b)
		v = merge(plausible, hidden)
		v.Set("section", sec.ID)
		v.Set("family.0.birth_month", "2023-02-30")
		v.Set("grassroots_years", "99999999999999999999")
		b = formBody("section "+sec.ID+" bad date, htmx", v, true)
		b.only = "/form"
		out = append(out, b)
	}
	for _, op := range []string{"add", "del:-1", "del:0", "del:99999999999999999999", "del:abc", "zzz"} {
		for _, n := range []string{"1", "99999", "-5"} {
			v := merge(plausible, hidden)
			v.Set("family_op", op)
			v.Set("family_n", n)
			plain, hx := formBody("family_op "+op+" family_n "+n, v, false), formBody("family_op "+op+" family_n "+n+", htmx", v, true)
			plain.only, hx.only = "/form", "/form"
			out = append(out, plain, hx)
		}
	}
	for _, ver := range []string{"-1", "0", itoa(version - 1), itoa(version + 1), "99999999999999999999", "abc", ""} {
		v := merge(plausible, hidden)
		v.Set("version", ver)
		label := strings.NewReplacer(itoa(version-1), "current-1", itoa(version+1), "current+1").Replace(ver)
		out = append(out, formBody("version "+label, v, false), formBody("version "+label+", htmx", v, true))
	}
	for _, acct := range []string{env.other, "", "zzz", strings.Repeat("9", 5000)} {
		v := merge(plausible, hidden)
		v.Set("for_account", acct)
		out = append(out, formBody("for_account "+acct[:min(len(acct), 20)], v, false))
	}
	for _, pv := range []string{"-1", "99999999999999999999", "abc", "2"} {
		v := merge(plausible, hidden)
		v.Set("version", itoa(version-1))
		v.Set("pledge_version", pv)
		b := formBody("pledge_version "+pv, v, false)
		b.only = "/pledge"
		out = append(out, b)
	}
	// Repeated fields with different values.
	rep := url.Values{}
	for _, f := range fields {
		rep[f] = []string{robustGarbage[5], robustGarbage[3], robustGarbage[7]}
	}
	for k, x := range hidden {
		rep[k] = append([]string{}, x...)
		rep[k] = append(rep[k], "zzz")
	}
	out = append(out, formBody("repeated fields", rep, false))

	js, _ := json.Marshal(map[string]any{"for_account": hidden.Get("for_account"), "version": version, "level": fxLevel, "code": "1001", "title": 1})
	out = append(out,
		robustBody{name: "JSON body", ctype: "application/json", body: js},
		robustBody{name: "JSON body, htmx", ctype: "application/json", body: js, hx: true},
		robustBody{name: "text/plain body", ctype: "text/plain", body: []byte(hidden.Encode() + "&level=sz")},
		robustBody{name: "no content type", ctype: "", body: []byte(hidden.Encode())},
		robustBody{name: "form in GBK", ctype: "application/x-www-form-urlencoded; charset=gbk", body: []byte(hidden.Encode() + "&name=%C0%EE&title=%C0%EE&body=%C0%EE")},
		robustBody{name: "multipart without boundary", ctype: "multipart/form-data", body: []byte(hidden.Encode())},
		robustBody{name: "multipart truncated", ctype: "multipart/form-data; boundary=XYZ", body: []byte("--XYZ\r\nContent-Disposition: form-data; name=\"for_account\"\r\n\r\n" + hidden.Get("for_account") + "\r\n--XYZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\xff")},
		robustBody{name: "multipart wrong boundary", ctype: "multipart/form-data; boundary=ABC", body: []byte("--XYZ\r\n\r\n--XYZ--\r\n")},
		multipartBody("multipart without the file", merge(plausible, hidden), nil),
		multipartBody("multipart, every field garbage", all(robustGarbage[2]), nil),
		multipartBody("multipart with empty files", merge(plausible, hidden), map[string][2]string{"photo": {"me.jpg", ""}, "recommendation": {"tuijian.pdf", ""}, "file": {"职位表.xlsx", ""}}),
		multipartBody("multipart with nameless files", merge(plausible, hidden), map[string][2]string{"photo": {"", "x"}, "recommendation": {"", "x"}, "file": {"", "x"}}),
	)
	for _, ext := range []string{"jpg", "pdf", "xlsx", "png", "exe"} {
		files := map[string][2]string{}
		for _, f := range []string{"photo", "recommendation", "file"} {
			files[f] = [2]string{"evil." + ext, "this is plain text, not a ." + ext}
		}
		out = append(out, multipartBody("text file named ."+ext, merge(plausible, hidden), files))
		files = map[string][2]string{}
		for _, f := range []string{"photo", "recommendation", "file"} {
			files[f] = [2]string{`..\..\"evil'<b>` + strings.Repeat("名", 300) + "." + ext, "text"}
		}
		out = append(out, multipartBody("text file with a hostile name ."+ext, merge(plausible, hidden), files))
		files = map[string][2]string{}
		for _, f := range []string{"photo", "recommendation", "file"} {
			files[f] = [2]string{"evil." + ext, "%PDF-1.4\n" + strings.Repeat("\x00\xff", 100)}
		}
		out = append(out, multipartBody("truncated PDF header named ."+ext, merge(plausible, hidden), files))
	}
	// Real files with hostile content, in each file field.
	photo := samplePhoto(t, 600, 840)
	pdf2 := samplePDF(t, 2, false)
	var garbageRows []map[string]string
	for i, g := range robustGarbage {
		row := importRow(fmt.Sprintf("9%03d", i))
		for k := range row {
			if k != "code" {
				row[k] = g
			}
		}
		garbageRows = append(garbageRows, row)
	}
	dup := importRow("1001")
	dup["level"] = "市州机关" // moves a position with applications
	hugeRow := importRow("99999999999999999999")
	hugeRow["quota"], hugeRow["max_age"], hugeRow["grassroots_years"] = "99999999999999999999", "-1", "1e308"
	for _, f := range []struct{ name, file string }{
		{"valid photo, PDF and xlsx", ""},
		{"PNG claiming 60000×60000", string(forgedPNGHeader(t, 60000, 60000))},
		{"1×1 PNG", string(forgedPNGHeader(t, 1, 1))},
		{"tiny photo", string(samplePhoto(t, 8, 8))},
		{"photo cut in half", string(photo[:len(photo)/2])},
		{"one-page PDF", string(samplePDF(t, 1, false))},
		{"encrypted PDF", string(samplePDF(t, 2, true))},
		{"PDF cut in half", string(pdf2[:len(pdf2)/2])},
		{"PDF with its xref removed", strings.Replace(string(pdf2), "xref", "xxxx", -1)},
		{"xlsx with garbage in every cell", string(positionBook(t, garbageRows))},
		{"xlsx moving a position with applications, huge numbers", string(positionBook(t, []map[string]string{dup, hugeRow, importRow("1001")}))},
		{"xlsx without rows", string(positionBook(t, nil))},
		{"xlsx zip bomb", string(zipBomb(50 << 20))},
	} {
		files := map[string][2]string{}
		for _, field := range []string{"photo", "recommendation", "file"} {
			files[field] = [2]string{"名字.jpg", f.file}
			switch {
			case strings.Contains(f.name, "PDF"):
				files[field] = [2]string{"名字.pdf", f.file}
			case strings.Contains(f.name, "xlsx"):
				files[field] = [2]string{"名字.xlsx", f.file}
			}
		}
		if f.file == "" {
			// May be accepted: what follows then meets a pending photo,
			// an uploaded 推荐表, imported positions.
			files = map[string][2]string{"photo": {"照片.jpg", string(photo)}, "recommendation": {"推荐表.pdf", string(pdf2)},
				"file": {"职位表.xlsx", string(positionBook(t, []map[string]string{importRow("9001")}))}}
		}
		out = append(out, multipartBody(f.name, merge(plausible, hidden), files))
	}
	zipLike := "PK\x03\x04" + strings.Repeat("\x00", 60)
	out = append(out, multipartBody("broken zip named .xlsx", merge(plausible, hidden), map[string][2]string{"file": {"职位表.xlsx", zipLike}, "photo": {"a.jpg", zipLike}, "recommendation": {"a.pdf", zipLike}}))
	if env.big {
		// One huge value (past Badger's 64 KB key limit) in a field that
		// names a record: a key built from it must never reach a write.
		for _, f := range []string{"code", "level", "id_number", "for_account", "section", "family_op", "name", "title", "body", "levels", "department"} {
			v := merge(plausible, hidden)
			v.Set(f, strings.Repeat("9", 300<<10))
			out = append(out, formBody("300 KB "+f, v, false))
		}
		out = append(out, formBody("body over the form limit", url.Values{"for_account": hidden["for_account"], "x": {strings.Repeat("a", formLimit+10)}}, false))
	}
	return out
}

// robustSnapshot is what a refused POST must leave unchanged: exams,
// positions, notices, the number of candidates, and for the logged-in
// account its contact data, password, photo and applications.
func robustSnapshot(t *testing.T, env *robustEnv, wide bool) string {
	t.Helper()
	st := env.ts.store
	var b strings.Builder
	enc := json.NewEncoder(&b)
	if wide {
		robustSnapshotCatalog(t, st, enc)
	}
	cands, err := st.AccountsByRole(domain.RoleCandidate)
	if err != nil {
		t.Fatal(err)
	}
	enc.Encode(len(cands))
	if env.acctID != "" {
		a, err := st.Account(env.acctID)
		if err != nil {
			t.Fatal(err)
		}
		enc.Encode([]string{a.Phone, a.Email, a.PasswordHash, a.PhotoID})
		apps, err := st.ApplicationsOfCandidate(env.acctID)
		if err != nil {
			t.Fatal(err)
		}
		enc.Encode(apps)
	}
	return b.String()
}

// robustSnapshotCatalog adds exams, positions and notices to a snapshot.
func robustSnapshotCatalog(t *testing.T, st *kv.Store, enc *json.Encoder) {
	exams, err := st.Exams()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exams {
		enc.Encode(e)
		enc.Encode(st.PositionList(e.ID))
	}
	notices, err := st.Notices(500)
	if err != nil {
		t.Fatal(err)
	}
	enc.Encode(notices)
}

// robustRoute is a route with its path parameters filled.
type robustRoute struct {
	method, pattern, path string
	primary               bool // every parameter has its main real value
}

// robustParams are the real values of a path parameter on pattern; the
// first is the main one.
func robustParams(pattern, param, noticeID, blobID string) []string {
	switch param {
	case "exam":
		return []string{fxExamID, rbDraftExam, rbClosedExam}
	case "id":
		if strings.Contains(pattern, "notices") {
			return []string{noticeID}
		}
		return []string{fxExamID, rbDraftExam, rbClosedExam}
	case "code":
		return []string{"1001", "2001"}
	case "blob":
		return []string{blobID}
	case "name":
		return []string{"app.css", "htmx.min.js"}
	case "file":
		return []string{"x.png", "x.wav", "x"}
	}
	return []string{"x"}
}

// robustPaths fills pattern's parameters: all main values; each other real
// value; each garbage value in one parameter with the others real.
func robustPaths(method, pattern, noticeID, blobID string) []robustRoute {
	segs := strings.Split(pattern, "/")
	var params []int
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			params = append(params, i)
		}
	}
	build := func(vals map[int]string) string {
		out := slices.Clone(segs)
		for i, v := range vals {
			out[i] = v
		}
		return strings.Join(out, "/")
	}
	main := map[int]string{}
	for _, i := range params {
		main[i] = robustParams(pattern, segs[i][1:], noticeID, blobID)[0]
	}
	routes := []robustRoute{{method, pattern, build(main), true}}
	for _, i := range params {
		alts := slices.Clone(robustParams(pattern, segs[i][1:], noticeID, blobID)[1:])
		alts = append(alts, robustPathGarbage...)
		for _, v := range alts {
			m := map[int]string{}
			for k, x := range main {
				m[k] = x
			}
			m[i] = v
			routes = append(routes, robustRoute{method, pattern, build(m), false})
		}
	}
	return routes
}

// robustOrder puts destructive routes last: deletes, then logout.
func robustOrder(method, path string) int {
	switch {
	case path == "/logout":
		return 3
	case strings.HasSuffix(path, "/delete") && strings.Contains(path, "/files/"):
		return 1
	case strings.HasSuffix(path, "/delete"):
		return 2
	}
	return 0
}

func TestRobustness(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	var total atomic.Int64
	start := time.Now()
	t.Run("roles", func(t *testing.T) {
		for _, role := range robustRoles {
			if only := os.Getenv("ROBUST_ROLE"); only != "" && only != role.name {
				continue
			}
			t.Run(role.name, func(t *testing.T) {
				t.Parallel()
				ts, noticeID, blobID, spare := robustServer(t)
				env := &robustEnv{name: role.name, ts: ts, c: ts.client(), other: spare}
				env.acctID, env.big = role.setup(t, ts, env.c)
				if env.acctID != "" {
					// A cheap hash: the hostile 修改密码 posts check the old
					// password each time (argon2id at full cost: 30 ms).
					cheap, err := argon2id.CreateHash(testPassword, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := ts.store.UpdateAccount(env.acctID, func(a *domain.Account) error { a.PasswordHash = cheap; return nil }); err != nil {
						t.Fatal(err)
					}
				}
				env.fullPublic = role.name == "anonymous" || env.big
				n := robustRun(t, env, noticeID, blobID)
				total.Add(int64(n))
			})
		}
	})
	t.Logf("%d requests in %s", total.Load(), time.Since(start).Round(time.Millisecond))
}

// robustRun sends every hostile request of env's role and returns how many.
//
// A route the role may not use (sent to the login page, or 403) gets only
// its path variants: the hostile queries and bodies never reach the
// handler. A public route gets everything only for the roles marked
// fullPublic, so the candidates' states do not all repeat it.
func robustRun(t *testing.T, env *robustEnv, noticeID, blobID string) int {
	var routes []robustRoute
	seen := map[string]bool{}
	for _, r := range env.ts.app.GetRoutes(true) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			continue
		}
		if seen[r.Method+" "+r.Path] {
			continue
		}
		seen[r.Method+" "+r.Path] = true
		routes = append(routes, robustPaths(r.Method, r.Path, noticeID, blobID)...)
	}
	sort.SliceStable(routes, func(i, j int) bool {
		return robustOrder(routes[i].method, routes[i].pattern) < robustOrder(routes[j].method, routes[j].pattern)
	})
	if len(seen) < 50 {
		t.Fatalf("only %d routes found", len(seen))
	}
	queries := robustQueries()
	n, failures := 0, 0
	hist := map[string]int{}
	curPattern := ""
	check := func(what string, r *response) {
		t.Helper()
		n++
		if tr := os.Getenv("ROBUST_TRACE"); tr != "" && strings.Contains(what, tr) {
			t.Logf("%d %s %s", r.Status, what, r.Location())
		}
		if os.Getenv("ROBUST_HIST") != "" {
			f := strings.Fields(what)
			hist[fmt.Sprintf("%s %s %d", f[0], curPattern, r.Status)]++
		}
		bad := ""
		switch {
		case r.Status >= 500:
			bad = "status >= 500"
		case strings.Contains(r.Body, "系统内部错误"):
			bad = "generic internal error message"
		case r.Status >= 400 && r.Body != "" && !hasHan(r.Body):
			bad = "4xx without a message in Chinese"
		}
		if bad != "" {
			failures++
			if failures <= 40 {
				t.Errorf("%s: %s: %s", env.name, what, bad+"\n"+short(r))
			}
		}
	}
	c := env.c
	anon := env.ts.client()
	anon.Get("/login")
	// refusedFor reports whether a plain request of cl to rt stops at the
	// role check.
	refusedFor := func(cl *client, rt robustRoute) bool {
		var r *response
		if rt.method == http.MethodGet {
			r = robustDo(cl, rawRequest(http.MethodGet, rt.path, "", nil))
		} else {
			req := rawRequest(http.MethodPost, rt.path, "application/x-www-form-urlencoded", nil)
			req.Header.Set("X-CSRF-Token", cl.CSRF())
			r = robustDo(cl, req)
		}
		n++
		return strings.HasPrefix(r.Location(), "/login") || (r.Status == http.StatusForbidden && strings.Contains(r.Body, "没有权限"))
	}
	public := map[string]bool{}
	full := map[string]bool{}
	// The bodies carry rbVersion where the current version goes.
	bodies := robustBodies(t, env, url.Values{"for_account": {env.acctID}, "version": {itoa(rbVersion)}, "pledge_version": {"3"}}, rbVersion)
	wide := env.name == "admin"
	snap := robustSnapshot(t, env, wide)
	for _, rt := range routes {
		key := rt.method + " " + rt.pattern
		curPattern = rt.pattern
		if rt.primary {
			public[key] = rt.pattern == "/logout" || !refusedFor(anon, rt)
			full[key] = (env.fullPublic || !public[key]) && !refusedFor(c, rt)
			if rt.method == http.MethodPost {
				snap = robustSnapshot(t, env, wide) // the probe may have written (a draft save)
			}
		}
		if rt.method == http.MethodGet {
			qs := []string{""}
			switch {
			case rt.primary && full[key] && env.fullPublic:
				qs = queries
			case rt.primary && full[key]:
				// The candidates' own pages read only code and the search.
				qs = []string{"", "page=-1&size=99999", "q=" + strings.Repeat("a", 10000), "q=%FF%FE%00&dept=%FF", "code=zzz", "code=2001",
					"code=" + strings.Repeat("9", 5000), "code=1001&code=2001&q=a&q=b", "level=zzz&edu=%00&pol=x&sort=zzz&eligible=1", "%FF=%FF"}
			}
			for i, q := range qs {
				p := rt.path
				if q != "" {
					p += "?" + q
				}
				check("GET "+trunc(p), robustDo(c, rawRequest(http.MethodGet, p, "", nil)))
				if i%4 == 0 {
					check("GET (htmx) "+trunc(p), robustDo(c, hxRequest(rawRequest(http.MethodGet, p, "", nil))))
				}
			}
			continue
		}
		// POST: the hidden fields the form would carry, with the version
		// of the application as it is now (an accepted post bumps it).
		list := bodies
		if !rt.primary || !full[key] || (strings.HasPrefix(rt.pattern, "/login") || strings.HasPrefix(rt.pattern, "/register")) && env.acctID != "" {
			list = bodies[1:3] // hidden fields only, plain and htmx
		}
		for _, b := range list {
			if b.only != "" && !strings.HasSuffix(rt.pattern, b.only) {
				continue
			}
			version := 1
			if env.acctID != "" {
				if apps, err := env.ts.store.ApplicationsOfCandidate(env.acctID); err == nil && len(apps) > 0 {
					version = apps[0].Version
				}
			}
			body := bytes.ReplaceAll(b.body, []byte(itoa(rbVersion)), []byte(itoa(version)))
			body = bytes.ReplaceAll(body, []byte(itoa(rbVersion-1)), []byte(itoa(version-1)))
			body = bytes.ReplaceAll(body, []byte(itoa(rbVersion+1)), []byte(itoa(version+1)))
			if b.formCSRF {
				body = append(body, []byte("&_csrf="+url.QueryEscape(c.CSRF()))...)
			}
			req := rawRequest(http.MethodPost, rt.path, b.ctype, body)
			if !b.formCSRF {
				req.Header.Set("X-CSRF-Token", c.CSRF())
			}
			if b.hx {
				hxRequest(req)
			}
			what := "POST " + trunc(rt.path) + " [" + b.name + "]"
			r := robustDo(c, req)
			check(what, r)
			after := robustSnapshot(t, env, wide)
			if r.Status >= 400 && after != snap {
				failures++
				t.Errorf("%s: %s: refused with %d but the store changed: %s", env.name, what, r.Status, robustDiff(snap, after))
			}
			snap = after
			if rt.path == "/logout" {
				break // the session ended: nothing more to send
			}
			if r.Status == http.StatusForbidden && strings.Contains(r.Body, "页面已过期") {
				t.Fatalf("%s: %s: CSRF refused: the test lost its token\n%s", env.name, what, short(r))
			}
		}
	}
	if failures > 40 {
		t.Errorf("%s: %d failures in all", env.name, failures)
	}
	nfull := 0
	for _, f := range full {
		if f {
			nfull++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(hist)) {
		t.Logf("%6d %s", hist[k], k)
	}
	t.Logf("%s: %d routes (%d with every input), %d requests", env.name, len(seen), nfull, n)
	return n
}

// robustDo is client.Do through the app's fasthttp server on an in-memory
// connection, like app.Test, except that a request fasthttp itself refuses
// (a truncated multipart body) is not an error: its response is checked
// like any other.
func robustDo(c *client, req *http.Request) *response {
	c.t.Helper()
	u := *testURL
	u.Path = req.URL.Path
	for _, ck := range c.jar.Cookies(&u) {
		req.AddCookie(ck)
	}
	if req.Body != http.NoBody && req.Header.Get("Content-Length") == "" {
		req.Header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	dump, err := httputil.DumpRequest(req, true)
	if err != nil {
		c.t.Fatalf("dump %s %s: %v", req.Method, trunc(req.RequestURI), err)
	}
	conn := &robustConn{}
	conn.r.Write(dump)
	_ = c.ts.app.Server().ServeConn(conn)
	res, err := http.ReadResponse(bufio.NewReader(&conn.w), req)
	if err != nil {
		c.t.Fatalf("%s %s: no response: %v", req.Method, trunc(req.RequestURI), err)
	}
	return c.keep(&u, res, req.Method+" "+trunc(req.RequestURI))
}

// robustConn is an in-memory connection: the request is read from r, the
// response written to w.
type robustConn struct{ r, w bytes.Buffer }

func (c *robustConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *robustConn) Write(b []byte) (int, error) { return c.w.Write(b) }
func (*robustConn) Close() error                  { return nil }
func (*robustConn) LocalAddr() net.Addr           { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }
func (*robustConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (*robustConn) SetDeadline(time.Time) error      { return nil }
func (*robustConn) SetReadDeadline(time.Time) error  { return nil }
func (*robustConn) SetWriteDeadline(time.Time) error { return nil }

// rawRequest builds a request whose target is sent as written (already
// percent-encoded, invalid bytes included).
func rawRequest(method, target, ctype string, body []byte) *http.Request {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	u, err := url.ParseRequestURI(target)
	if err != nil {
		// Not parseable by net/url (e.g. a bare %): send it opaque.
		u = &url.URL{Opaque: target}
		if i := strings.IndexByte(target, '?'); i >= 0 {
			u = &url.URL{Opaque: target[:i], RawQuery: target[i+1:]}
		}
	}
	req.URL = u
	req.RequestURI = target
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req
}

func hxRequest(req *http.Request) *http.Request {
	req.Header.Set("HX-Request", "true")
	return req
}

func trunc(s string) string {
	if len(s) > 120 {
		return s[:120] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

func short(r *response) string {
	body := r.Body
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return fmt.Sprintf("status %d\n%s", r.Status, body)
}

// robustDiff shows where two snapshots first differ.
func robustDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-150, 0)
	return fmt.Sprintf("\nbefore: …%s\nafter:  …%s", a[from:min(i+150, len(a))], b[from:min(i+150, len(b))])
}

// TestPositionCodeSurvivesTheRequest: saving a position through 编辑职位
// keeps its code in the store's in-memory catalog. The code came from the
// URL (c.Params), whose memory Fiber reuses for the next request: stored
// uncopied, the catalog showed "/100", "0010"… once other requests ran.
func TestPositionCodeSurvivesTheRequest(t *testing.T) {
	ts := newTestServer(t)
	e := installExam(t, ts.store)
	createStaff(t, ts, domain.RoleAdmin, "admin1")
	c := ts.client()
	loginAs(t, c, "ADMIN1", testPassword)
	p, _ := ts.store.Position(e.ID, "1001")
	form := url.Values{}
	for k, v := range domain.PositionText(&p, e) {
		form.Set(k, v)
	}
	form.Set("title", "文字综合（改）")
	c.Get("/admin/exams/" + e.ID + "/positions/1001/edit")
	r := c.PostForm("/admin/exams/"+e.ID+"/positions/1001", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save position: %s", r)
	}
	// Other requests reuse the request buffers.
	for _, path := range []string{"/admin/exams/" + e.ID + "/positions/2001/edit", "/positions/" + e.ID + "/zzzz", "/admin/exams/" + e.ID + "/positions?q=abcd"} {
		c.Get(path)
	}
	var codes []string
	for _, p := range ts.store.PositionList(e.ID) {
		codes = append(codes, p.Code)
	}
	if !slices.Equal(codes, []string{"1001", "1002", "1003", "2001"}) {
		t.Fatalf("catalog codes after other requests: %q", codes)
	}
	if p, ok := ts.store.Position(e.ID, "1001"); !ok || p.Title != "文字综合（改）" {
		t.Fatalf("position 1001 after the save: %+v %v", p, ok)
	}
}

// TestRobustnessMethodsAndHeaders: every route with other methods, and
// (Methods Fiber does not know, e.g. PROPFIND, get Fiber's own plain
// "400 Invalid http method" before any handler: left out.)
// with hostile cookies and headers: a forged or absurd session id, the
// status poll header, an htmx history restore, a wrong CSRF header.
func TestRobustnessMethodsAndHeaders(t *testing.T) {
	ts, noticeID, blobID, _ := robustServer(t)
	cand := ts.client()
	robustJourney(t, ts, cand, domain.StateConfirmed)
	seen := map[string]bool{}
	var paths []string
	for _, r := range ts.app.GetRoutes(true) {
		if p := robustPaths(r.Method, r.Path, noticeID, blobID)[0].path; !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	n := 0
	check := func(what string, r *response) {
		t.Helper()
		n++
		if r.Status >= 500 || strings.Contains(r.Body, "系统内部错误") || (r.Status >= 400 && r.Body != "" && !hasHan(r.Body)) {
			t.Errorf("%s:\n%s", what, short(r))
		}
	}
	cookies := []string{"zzz", strings.Repeat("a", 4000), "%00", "..%2F..", "\"quoted\"", "a;b=c"}
	for _, p := range paths {
		for _, m := range []string{http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			req := rawRequest(m, p, "application/x-www-form-urlencoded", []byte("a=b"))
			req.Header.Set("X-CSRF-Token", cand.CSRF())
			check(m+" "+p, robustDo(cand, req))
		}
		for _, ck := range cookies {
			anon := ts.client()
			req := rawRequest(http.MethodGet, p, "", nil)
			req.Header.Set("Cookie", "examreg_sid="+ck)
			check("GET "+p+" with session cookie "+trunc(ck), robustDo(anon, req))
			req = rawRequest(http.MethodPost, p, "application/x-www-form-urlencoded", []byte("_csrf=zzz"))
			req.Header.Set("Cookie", "examreg_sid="+ck)
			check("POST "+p+" with session cookie "+trunc(ck), robustDo(anon, req))
		}
		for _, h := range [][2]string{
			{views.PollHeader, "1"}, {"HX-History-Restore-Request", "true"}, {"HX-Request", "false"},
			{"HX-Current-URL", "javascript:alert(1)"}, {"X-CSRF-Token", "zzz"}, {"Accept", "application/json"},
			{"If-None-Match", "*"}, {"X-Forwarded-For", "zzz"}, {"Content-Type", "multipart/form-data; boundary="},
		} {
			req := rawRequest(http.MethodGet, p, "", nil)
			req.Header.Set(h[0], h[1])
			check("GET "+p+" with "+h[0], robustDo(cand, hxRequest(req)))
			req = rawRequest(http.MethodPost, p, "", nil)
			req.Header.Set(h[0], h[1])
			check("POST "+p+" with "+h[0], robustDo(cand, req))
		}
	}
	// The candidate is still signed in with its application untouched.
	if r := cand.Get("/apply/" + fxExamID); r.Status != http.StatusOK {
		t.Fatalf("candidate after the hostile requests: %s", short(r))
	}
	t.Logf("%d routes, %d requests", len(paths), n)
}
