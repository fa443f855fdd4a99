package handlers

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"examreg/domain"
	"examreg/kv"
)

const base = "/apply/" + fxExamID

// Journey steps: each GETs the page, takes its hidden fields and posts.

func savePhotoStep(t *testing.T, c *client) {
	t.Helper()
	c.Get("/photo")
	r := c.PostFile("/photo", hiddenOf(t, c.Last(), "/photo"), "photo", "me.jpg", samplePhoto(t, 600, 840))
	wantRedirect(t, r, "/photo", "upload photo")
	r = c.Get("/photo")
	if r.Doc().Find(`[data-testid="pending-photo"]`).Length() != 1 {
		t.Fatalf("no preview after upload:\n%s", r)
	}
	f := hiddenOf(t, r, "/photo/save")
	c.SolveCaptcha(f)
	wantRedirect(t, c.PostForm("/photo/save", f), "/", "保存图片")
}

func levelStep(t *testing.T, c *client, level string) {
	t.Helper()
	r := c.Get(base + "/level")
	wantStatus(t, r, 200, "level page")
	wantRedirect(t, c.PostForm(base+"/level", merge(hiddenOf(t, r, base+"/level"), url.Values{"level": {level}})), base+"/pledge", "choose level")
}

func pledgeStep(t *testing.T, c *client) {
	t.Helper()
	r := c.Get(base + "/pledge")
	wantRedirect(t, c.PostForm(base+"/pledge", hiddenOf(t, r, base+"/pledge")), base+"/form", "接受")
}

func formStep(t *testing.T, c *client, vals url.Values) *response {
	t.Helper()
	r := c.Get(base + "/form")
	wantStatus(t, r, 200, "form page")
	return c.PostForm(base+"/form", merge(hiddenOf(t, r, base+"/form"), vals))
}

func positionStep(t *testing.T, c *client, code string, ack bool) *response {
	t.Helper()
	r := c.Get(base + "/position?code=" + code)
	wantStatus(t, r, 200, "position page")
	v := merge(hiddenOf(t, r, base+"/position"), url.Values{"code": {code}})
	if ack {
		v.Set("ack", "1")
	}
	return c.PostForm(base+"/position", v)
}

func confirmStep(t *testing.T, c *client) (first, second *response) {
	t.Helper()
	r := c.Get(base + "/confirm")
	h := hiddenOf(t, r, base+"/confirm")
	return c.PostForm(base+"/confirm", h), c.PostForm(base+"/confirm", h)
}

func uploadStep(t *testing.T, c *client, name string, data []byte) *response {
	t.Helper()
	r := c.Get(base + "/materials")
	return c.PostFile(base+"/materials", hiddenOf(t, r, base+"/materials"), "recommendation", name, data)
}

func confirmMaterialsStep(t *testing.T, c *client) (first, second *response) {
	t.Helper()
	r := c.Get(base + "/materials")
	h := hiddenOf(t, r, base+"/materials/confirm")
	return c.PostForm(base+"/materials/confirm", h), c.PostForm(base+"/materials/confirm", h)
}

func appOf(t *testing.T, ts *testServer, login string) *domain.Application {
	t.Helper()
	acct, err := ts.store.AccountByLogin(login)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ts.store.ApplicationOf(acct.ID, fxExamID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newAdmin(t *testing.T, ts *testServer) *domain.Account {
	t.Helper()
	a := &domain.Account{ID: kv.NewID(ts.clock.Now()), Role: domain.RoleAdmin, LoginName: "admin" + kv.NewID(ts.clock.Now()), Name: "管理员"}
	if err := ts.store.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	return a
}

// submitJourney walks a fresh candidate from registration to 待审核 and
// returns its ID number.
func submitJourney(t *testing.T, ts *testServer, c *client) string {
	t.Helper()
	id := confirmedCandidate(t, c)
	wantRedirect(t, uploadStep(t, c, "tuijian.pdf", samplePDF(t, 2, false)), base+"/materials", "upload")
	first, _ := confirmMaterialsStep(t, c)
	wantRedirect(t, first, "/status", "材料确认")
	return id
}

func TestApplyJourney(t *testing.T) {
	ts, c, id := newApplyServer(t)
	var (
		r             *response
		a             *domain.Application
		acct          *domain.Account
		first, second *response
	)
	// step runs one part of the journey; the next parts build on it, so a
	// failed part ends the journey.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("选择考试", func(t *testing.T) {
		// 选择考试 lists the published exam with its window.
		r = c.Get("/exams")
		wantStatus(t, r, 200, "选择考试")
		if !strings.Contains(r.Body, "湖北省2023年度市州级以上机关公开遴选公务员") || !strings.Contains(r.Body, "2023-03-01 09:00 至 2023-03-20 09:00") {
			t.Fatalf("exam or window missing:\n%s", r)
		}
	})

	step("照片与承诺书", func(t *testing.T) {
		// 承诺书 before the photo: refused, sent to the photo page.
		levelStep(t, c, fxLevel)
		r = c.Get(base + "/pledge")
		if !strings.Contains(r.TestID("disabled-reason"), "请先上传照片") {
			t.Errorf("pledge before photo: want the photo reason, got %q", r.TestID("disabled-reason"))
		}
		wantRedirect(t, c.PostForm(base+"/pledge", hiddenOf(t, r, base+"/pledge")), "/photo", "pledge without photo")

		savePhotoStep(t, c)
		acct, _ = ts.store.AccountByLogin(id)
		if acct.PhotoID == "" {
			t.Fatal("photo not saved")
		}
		r = c.Get("/photo/current.jpg")
		wantStatus(t, r, 200, "current photo")
		if cfg, err := jpeg.DecodeConfig(strings.NewReader(r.Body)); err != nil || cfg.Width != 295 || cfg.Height != 413 || len(r.Body) > 30*1024 {
			t.Fatalf("stored photo: %v %+v %d bytes", err, cfg, len(r.Body))
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("photo Cache-Control %q", cc)
		}

		pledgeStep(t, c)
		a = appOf(t, ts, id)
		if a.State != domain.StateInfoSaved || a.PledgeVersion != 3 || a.PledgeAt.IsZero() || a.PledgeIP == "" {
			t.Fatalf("pledge not recorded: %+v", a)
		}
	})

	step("填报信息", func(t *testing.T) {
		// 填报信息: an htmx section save answers with the section and the new version.
		r = c.Get(base + "/form")
		if r.TestID("form-sex") != "女" && r.TestID("form-sex") != "男" || r.TestID("form-birth") != "1988-05-12" {
			t.Errorf("sex/birth from the ID: %q %q", r.TestID("form-sex"), r.TestID("form-birth"))
		}
		h := hiddenOf(t, r, base+"/form")
		r = c.HXPostForm(base+"/form", merge(h, url.Values{"section": {"basic"}, "ethnicity": {"汉族"}, "political": {"群众"}, "party_join_date": {"2009-06"}}))
		wantStatus(t, r, 422, "party date without party membership")
		if !strings.Contains(r.FieldError("party_join_date"), "中共党员") {
			t.Errorf("party date message: %q", r.FieldError("party_join_date"))
		}
		r = c.HXPostForm(base+"/form", merge(h, url.Values{"section": {"basic"}, "ethnicity": {"汉族"}, "native_place": {"湖北武汉"}}))
		wantStatus(t, r, 200, "section save")
		if r.TestID("saved-basic") == "" || !strings.Contains(r.Body, `hx-swap-oob="true"`) {
			t.Fatalf("section save answer:\n%s", r)
		}
		if a := appOf(t, ts, id); a.Form.NativePlace != "湖北武汉" || a.Version != h2i(h.Get("version"))+1 {
			t.Fatalf("section not saved: %+v", a.Form)
		}
		// The old version is now stale: a plain save from the old page is refused.
		r = c.PostForm(base+"/form", merge(h, validForm()))
		wantStatus(t, r, 409, "stale form")
		if !strings.Contains(r.Body, "已过期") || r.Doc().Find(`[data-testid="flow"]`).Length() != 1 {
			t.Errorf("stale form: want the message on a fresh 报考流程 page:\n%s", r)
		}
		// Dates out of order: message at the field, nothing written.
		bad := merge(validForm(), url.Values{"civil_servant_date": {"2009-01"}})
		r = formStep(t, c, bad)
		wantStatus(t, r, 422, "dates out of order")
		if !strings.Contains(r.FieldError("civil_servant_date"), "不能早于参加工作时间") {
			t.Errorf("civil servant date message %q", r.FieldError("civil_servant_date"))
		}
		// Family rows: add (no JS) returns the form with one more row, unsaved.
		r = formStep(t, c, merge(validForm(), url.Values{"family_op": {"add"}}))
		wantStatus(t, r, 200, "add row")
		if r.Doc().Find(`[data-testid^="family-row-"]`).Length() != 2 {
			t.Errorf("add row: want 2 rows")
		}
		r = c.HXPostForm(base+"/form", merge(hiddenOf(t, r, base+"/form"), validForm(), url.Values{"family_n": {"2"}, "family_op": {"del:0"}}))
		if r.Doc().Find(`[data-testid^="family-row-"]`).Length() != 1 || r.Doc().Find(`#sec-family`).Length() != 1 {
			t.Errorf("htmx delete row: want the family section with 1 row:\n%s", r)
		}
		wantRedirect(t, formStep(t, c, validForm()), base, "保存")
	})

	step("报考流程", func(t *testing.T) {
		// 报考流程: 选择职位 is the current step.
		r = c.Get(base)
		if st, _ := r.Doc().Find(`[data-testid="step-position"]`).Attr("data-status"); st != "current" {
			t.Errorf("position step %q, want current:\n%s", st, r)
		}
	})

	step("选择职位", func(t *testing.T) {
		// 选择职位: restricted to the level; hard requirement refused with the reason.
		r = c.Get(base + "/position")
		if r.Doc().Find(`[data-testid="position-2001"]`).Length() != 0 || r.Doc().Find(`[data-testid="position-1001"]`).Length() != 1 {
			t.Errorf("position list not restricted to the level")
		}
		r = c.HXGet(base + "/position?q=" + url.QueryEscape("财政") + "&level=sx")
		wantStatus(t, r, 200, "htmx search")
		if r.Doc().Find(`[data-testid="position-results"]`).Length() != 1 || r.Doc().Find(`[data-testid="position-1003"]`).Length() != 1 ||
			r.Doc().Find(`[data-testid="position-1001"]`).Length() != 0 || r.Doc().Find(`[data-testid="position-2001"]`).Length() != 0 ||
			r.Doc().Find("header").Length() != 0 {
			t.Errorf("htmx search: want only the results of the level:\n%s", r)
		}
		r = positionStep(t, c, "1002", false)
		wantStatus(t, r, 422, "研究生 position")
		if !strings.Contains(r.Body, "学历要求为研究生") {
			t.Errorf("hard requirement reason missing:\n%s", r)
		}
		r = c.Get(base + "/position?code=1001")
		r = c.PostForm(base+"/position", merge(hiddenOf(t, r, base+"/position"), url.Values{"code": {"2001"}, "ack": {"1"}}))
		wantStatus(t, r, 422, "other level")
		if !strings.Contains(r.Body, "不属于您选择的报考层级") {
			t.Errorf("other level: reason missing")
		}
		r = positionStep(t, c, "1001", false)
		wantStatus(t, r, 422, "soft requirement not acknowledged")
		if r.FieldError("ack") == "" {
			t.Errorf("no ack message")
		}
		wantRedirect(t, positionStep(t, c, "1001", true), base, "保存 position")
		// 报考流程 names the position, not only its code.
		flow := c.Get(base)
		if got := flow.Doc().Find(`[data-testid="flow-position"]`).Parent().Text(); !strings.Contains(got, "1001") ||
			!strings.Contains(got, "中共湖北省委办公厅") || !strings.Contains(got, "文字综合") {
			t.Errorf("报考流程 shows the position as %q, want code, 遴选机关 and 职位名称", got)
		}
	})

	step("报名信息确认", func(t *testing.T) {
		// 报名信息确认: a double click changes state once.
		first, second = confirmStep(t, c)
		wantRedirect(t, first, base, "确认")
		wantStatus(t, second, 409, "second 确认")
		a = appOf(t, ts, id)
		if a.State != domain.StateConfirmed || a.PhotoID != acct.PhotoID || countTo(a, domain.StateConfirmed) != 1 {
			t.Fatalf("after confirm: %s, photo %q, history %+v", a.State, a.PhotoID, a.History)
		}
		// Nothing changes after confirmation: form, position, photo.
		wantStatus(t, formStep(t, c, validForm()), 409, "form after confirm")
		r = c.Get(base + "/position")
		if r.TestID("disabled-reason") == "" {
			t.Errorf("position page after confirm not disabled")
		}
		r = c.Get("/photo")
		if r.TestID("photo-locked") == "" {
			t.Errorf("photo page not locked after confirm")
		}
		r = c.PostFile("/photo", url.Values{"for_account": {a.CandidateID}}, "photo", "x.jpg", samplePhoto(t, 600, 840))
		wantStatus(t, r, 409, "photo upload after confirm")
	})

	step("报名推荐表", func(t *testing.T) {
		// 报名推荐表: generated from the data, as a page and a PDF.
		r = c.Get(base + "/recommendation")
		wantStatus(t, r, 200, "recommendation page")
		r = c.Get(base + "/recommendation.pdf")
		wantStatus(t, r, 200, "recommendation pdf")
		if !strings.HasPrefix(r.Body, "%PDF-") {
			t.Fatalf("not a PDF")
		}
		if n, err := domain.CheckRecommendationPDF([]byte(r.Body)); err != nil || n < 2 {
			t.Errorf("generated PDF: %d pages, %v", n, err)
		}
	})

	step("材料上传", func(t *testing.T) {
		// Bad uploads: each refused with its reason, nothing stored.
		for _, tc := range []struct {
			name, file string
			data       []byte
			want       string
		}{
			{"jpeg renamed", "scan.pdf", samplePhoto(t, 600, 840), domain.MsgPDFNotPDF},
			{"one page", "scan.pdf", samplePDF(t, 1, false), "至少 2 页"},
			{"encrypted", "scan.pdf", samplePDF(t, 2, true), domain.MsgPDFEncrypted},
			{"truncated", "scan.pdf", samplePDF(t, 2, false)[:600], domain.MsgPDFCorrupt},
			{"empty", "scan.pdf", nil, domain.MsgPDFEmpty},
		} {
			r := uploadStep(t, c, tc.file, tc.data)
			if r.Status != 422 || !strings.Contains(r.FieldError("recommendation"), tc.want) {
				t.Errorf("%s: status %d, message %q, want 422 %q", tc.name, r.Status, r.FieldError("recommendation"), tc.want)
			}
		}
		if a := appOf(t, ts, id); a.RecommendationID != "" || a.State != domain.StateConfirmed {
			t.Fatalf("bad upload stored something: %+v", a)
		}
		// 材料确认 before an upload is refused.
		r = c.Get(base + "/materials")
		if _, ok := r.Doc().Find(`[data-testid="materials-confirm"]`).Attr("disabled"); !ok {
			t.Errorf("材料确认 enabled before upload")
		}
		wantRedirect(t, uploadStep(t, c, "推荐表.pdf", samplePDF(t, 2, false)), base+"/materials", "upload")
		old := appOf(t, ts, id).RecommendationID
		wantRedirect(t, uploadStep(t, c, "推荐表2.pdf", samplePDF(t, 3, false)), base+"/materials", "replace")
		a = appOf(t, ts, id)
		if a.RecommendationID == old || a.RecommendationName != "推荐表2.pdf" {
			t.Fatalf("replace: %+v", a)
		}
		if _, _, err := ts.store.Blob(old); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("replaced PDF still stored: %v", err)
		}
		r = c.Get(base + "/materials.pdf")
		if r.Status != 200 || !strings.HasPrefix(r.Body, "%PDF-") {
			t.Fatalf("download own PDF: %d", r.Status)
		}
	})

	step("材料确认", func(t *testing.T) {
		// Not visible to reviewers before 材料确认.
		if list, _ := ts.store.ApplicationsOfPosition(fxExamID, "1001", domain.StateSubmitted); len(list) != 0 {
			t.Fatalf("visible as 待审核 before 材料确认")
		}
		first, second = confirmMaterialsStep(t, c)
		wantRedirect(t, first, "/status", "材料确认")
		wantStatus(t, second, 409, "second 材料确认")
		a = appOf(t, ts, id)
		if a.State != domain.StateSubmitted || countTo(a, domain.StateSubmitted) != 1 {
			t.Fatalf("after 材料确认: %s", a.State)
		}
		if list, _ := ts.store.ApplicationsOfPosition(fxExamID, "1001", domain.StateSubmitted); len(list) != 1 {
			t.Fatalf("reviewers do not see it")
		}
		if got := ts.store.PositionCounts(fxExamID, "1001"); got.Submitted != 1 {
			t.Errorf("counts %+v", got)
		}
		r = c.Get(base + "/materials")
		if r.Doc().Find(`form[action="`+base+`/materials"]`).Length() != 0 {
			t.Errorf("upload form still shown after 材料确认")
		}
		r = c.PostFile(base+"/materials", hiddenOf(t, r, base+"/materials/confirm"), "recommendation", "x.pdf", samplePDF(t, 2, false))
		wantStatus(t, r, 409, "upload after 材料确认")
	})

	step("查看报考状态", func(t *testing.T) {
		// 查看报考状态: polls while waiting.
		r = c.Get("/status")
		if r.TestID("status-state") != "待审核" {
			t.Errorf("status %q", r.TestID("status-state"))
		}
		r = c.HXGet("/status/" + fxExamID)
		wantStatus(t, r, 200, "status fragment")
		if trig, _ := r.Doc().Find(`[data-testid="status-item"]`).Attr("hx-trigger"); trig != "every 10s" {
			t.Errorf("waiting fragment does not poll: %q", trig)
		}
		if n := r.Doc().Find(`[hx-swap-oob]`).Length(); n != 0 {
			t.Errorf("waiting fragment replaces the flash (材料确认成功 is still true): %d out-of-band elements", n)
		}
	})

	step("他人不能查看", func(t *testing.T) {
		// Another person cannot read this candidate's files.
		other := ts.client()
		newCandidate(t, other)
		if r := other.Get(base + "/materials.pdf"); r.Status != 404 {
			t.Errorf("other candidate's PDF: status %d", r.Status)
		}
	})
}

func h2i(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func countTo(a *domain.Application, st domain.State) int {
	n := 0
	for _, h := range a.History {
		if h.To == st {
			n++
		}
	}
	return n
}

// TestApplyReturnLoop: 退回修改 → edit → confirm again → 材料确认 again.
func TestApplyReturnLoop(t *testing.T) {
	ts, c, id := newSubmittedServer(t)
	admin := newAdmin(t, ts)
	a := appOf(t, ts, id)

	if _, err := ts.store.ReviewApplication(a.ID, admin, domain.Decision{Action: domain.ActionReturn, Parts: []string{domain.PartPhoto, "education"}}, ts.clock.Now()); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("return without reason: %v", err)
	}
	if _, err := ts.store.ReviewApplication(a.ID, admin, domain.Decision{Action: domain.ActionReturn, Reason: "请补充在职教育信息", Parts: []string{domain.PartPhoto, "education"}}, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r := c.Get("/status")
	if r.TestID("status-state") != "退回修改" || r.TestID("status-reason") != "请补充在职教育信息" {
		t.Fatalf("status after return: %q %q", r.TestID("status-state"), r.TestID("status-reason"))
	}
	r = c.HXGet("/status/" + fxExamID)
	if _, polls := r.Doc().Find(`[data-testid="status-item"]`).Attr("hx-trigger"); r.Status != 200 || polls {
		t.Errorf("returned fragment: status %d, polling %v", r.Status, polls)
	}
	// While returned the photo may be replaced; re-confirming freezes the new one.
	oldPhoto := a.PhotoID
	c.Get("/photo")
	wantRedirect(t, c.PostFile("/photo", hiddenOf(t, c.Last(), "/photo"), "photo", "new.jpg", samplePhoto(t, 700, 980)), "/photo", "replace photo")
	wantRedirect(t, c.PostForm("/photo/save", hiddenOf(t, c.Get("/photo"), "/photo/save")), "/", "保存图片")
	if _, _, err := ts.store.Blob(oldPhoto); err != nil {
		t.Errorf("the photo frozen in the application was deleted: %v", err)
	}
	if log, _ := ts.store.AuditLog(10); len(log) == 0 || log[0].Action != "application.return" {
		t.Errorf("no audit entry: %+v", log)
	}
	// Edit, confirm again: the kept 推荐表 goes straight to 材料确认.
	wantRedirect(t, formStep(t, c, merge(validForm(), url.Values{
		"pt_education": {"研究生"}, "pt_degree": {"硕士"}, "pt_school": {"华中师范大学"}, "pt_major": {"公共管理"},
	})), base, "edit after return")
	first, _ := confirmStep(t, c)
	wantRedirect(t, first, base, "re-confirm")
	if a := appOf(t, ts, id); a.State != domain.StateMaterialsUploaded || a.Form.PartTimeSchool != "华中师范大学" ||
		a.PhotoID == oldPhoto || a.PhotoID != accountPhoto(t, ts, id) {
		t.Fatalf("after re-confirm: %s, photo %q (old %q)", a.State, a.PhotoID, oldPhoto)
	}
	first, _ = confirmMaterialsStep(t, c)
	wantRedirect(t, first, "/status", "re-confirm materials")
	if a := appOf(t, ts, id); a.State != domain.StateSubmitted {
		t.Fatalf("state %s", a.State)
	}
}

// TestApplyRejectLoop: 审核不通过 → the same position may be chosen again,
// or another (改报) → confirm →
// upload → 材料确认 → approved → locked, polling stops.
func TestApplyRejectLoop(t *testing.T) {
	ts, c, id := newSubmittedServer(t)
	admin := newAdmin(t, ts)
	a := appOf(t, ts, id)
	if _, err := ts.store.ReviewApplication(a.ID, admin, domain.Decision{Action: domain.ActionReject, Reason: "专业不符合职位要求"}, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	first, _ := confirmStep(t, c)
	wantStatus(t, first, 409, "confirm before choosing a position again")
	// The seed: 如还想继续报考该职位请一定注意再次提交职位 — the same one is allowed.
	wantRedirect(t, positionStep(t, c, "1001", true), base, "the same position after reject")
	if a := appOf(t, ts, id); a.State != domain.StatePositionSelected || a.PositionCode != "1001" {
		t.Fatalf("after choosing 1001 again: %s %q", a.State, a.PositionCode)
	}
	wantRedirect(t, positionStep(t, c, "1003", false), base, "改报")
	first, _ = confirmStep(t, c)
	wantRedirect(t, first, base, "confirm after 改报")
	a = appOf(t, ts, id)
	if a.State != domain.StateConfirmed || a.RecommendationID != "" {
		t.Fatalf("after 改报 confirm: %s %q", a.State, a.RecommendationID)
	}
	wantRedirect(t, uploadStep(t, c, "new.pdf", samplePDF(t, 2, false)), base+"/materials", "upload again")
	first, _ = confirmMaterialsStep(t, c)
	wantRedirect(t, first, "/status", "材料确认 again")
	if ts.store.PositionCounts(fxExamID, "1001").Submitted != 0 || ts.store.PositionCounts(fxExamID, "1003").Submitted != 1 {
		t.Errorf("counts did not follow the position")
	}

	if _, err := ts.store.ReviewApplication(a.ID, admin, domain.Decision{Action: domain.ActionApprove}, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.ReviewApplication(a.ID, admin, domain.Decision{Action: domain.ActionApprove}, ts.clock.Now()); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("second approve: %v", err)
	}
	r := c.HXGet("/status/" + fxExamID)
	wantStatus(t, r, statusStopPolling, "final status stops polling")
	if r.TestID("status-state") != "审核通过" {
		t.Errorf("state %q", r.TestID("status-state"))
	}
	// The page's flash (材料确认成功，请等待资格审核) is replaced out of band.
	if oob := r.Doc().Find(`#flash[hx-swap-oob]`); oob.Length() != 1 || !strings.Contains(oob.Find(`[data-testid="flash"]`).Text(), "审核通过") {
		t.Errorf("approved fragment does not replace the stale flash: %d out-of-band #flash, %q", oob.Length(), oob.Text())
	}
	wantStatus(t, formStep(t, c, validForm()), 409, "form after approval")
}

// TestApplyWindowsAndBinding: outside registration every action is shown
// disabled with the dates and refused by the server; a form rendered for
// another account on the same browser is refused.
func TestApplyWindowsAndBinding(t *testing.T) {
	ts, c, id := newApplyServer(t)
	toInfoForm(t, c)
	r := c.Get(base + "/form")
	h := hiddenOf(t, r, base+"/form")

	// Another candidate logs in on the same browser; the old form is refused.
	c2 := ts.client()
	id2 := newCandidate(t, c2)
	_ = id2
	loginAs(t, c, id2, testPassword)
	old := merge(h, validForm())
	r = c.PostForm(base+"/form", merge(old, url.Values{"_csrf": {h.Get("_csrf")}}))
	if r.Status != http.StatusForbidden {
		t.Errorf("form of another account: status %d", r.Status)
	}
	r = c.PostForm(base+"/form", old) // even with this session's token
	if r.Status != http.StatusForbidden {
		t.Errorf("form of another account with a fresh token: status %d", r.Status)
	}
	if a := appOf(t, ts, id); a.Form.Employer != "" {
		t.Fatal("form of another account was saved")
	}

	ts.clock.Set(time.Date(2023, 3, 21, 9, 0, 0, 0, domain.Shanghai))
	loginAs(t, c, id, testPassword)
	r = c.Get(base + "/form")
	if !strings.Contains(r.TestID("disabled-reason"), "2023-03-01 09:00 至 2023-03-20 09:00") {
		t.Errorf("closed form does not show the window: %q", r.TestID("disabled-reason"))
	}
	r = formStep(t, c, validForm())
	wantStatus(t, r, 403, "save after registration")
	r = c.Get(base)
	if st, _ := r.Doc().Find(`[data-testid="step-info"]`).Attr("data-status"); st != "closed" {
		t.Errorf("info step %q after registration, want closed", st)
	}
}

// TestPhotoRefusals: each bad photo refused with its reason, nothing stored.
func TestPhotoRefusals(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	id := newCandidate(t, c)
	c.Get("/photo")
	h := hiddenOf(t, c.Last(), "/photo")
	bomb := forgedPNGHeader(t, 60000, 60000)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"pdf renamed .jpg", samplePDF(t, 2, false), domain.MsgPhotoFormat},
		{"too small", samplePhoto(t, 200, 280), "尺寸过小"},
		{"landscape", samplePhoto(t, 800, 600), "比例不符合"},
		{"truncated", samplePhoto(t, 600, 840)[:20], domain.MsgPhotoCorrupt},
		{"bomb", bomb, "像素尺寸过大"},
	} {
		r := c.PostFile("/photo", h, "photo", "me.jpg", tc.data)
		if r.Status != 422 || !strings.Contains(r.FieldError("photo"), tc.want) {
			t.Errorf("%s: %d %q, want 422 %q", tc.name, r.Status, r.FieldError("photo"), tc.want)
		}
	}
	if _, err := ts.store.PendingPhoto(accountID(t, ts, id)); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a refused photo was kept: %v", err)
	}
	// Over the limit: refused by its declared length (413).
	r := c.PostFile("/photo", h, "photo", "big.jpg", bytes.Repeat([]byte{0}, 6<<20))
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("6 MB upload: status %d", r.Status)
	}
	// 50 MB: over the server's hard cap, refused by the HTTP server from
	// the Content-Length before the body is read (app.Test reports it as
	// an error; a real client gets 413).
	req := httptest.NewRequest(http.MethodPost, "/photo", bytes.NewReader(make([]byte, 50<<20)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	if res, err := ts.app.Test(req, -1); err == nil && res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("50 MB upload: status %d", res.StatusCode)
	}
	// 保存图片 without a pending photo.
	r = c.PostForm("/photo/save", h)
	wantStatus(t, r, 404, "save without upload")
}

func accountID(t *testing.T, ts *testServer, login string) string {
	a, err := ts.store.AccountByLogin(login)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestPhotoCaptcha: 保存图片 asks for the captcha; a wrong answer keeps the
// pending photo and saves nothing.
func TestPhotoCaptcha(t *testing.T) {
	ts := newTestServer(t, withCaptcha())
	c := ts.client()
	id := newCandidate(t, c)
	c.Get("/photo")
	wantRedirect(t, c.PostFile("/photo", hiddenOf(t, c.Last(), "/photo"), "photo", "me.png", samplePhoto(t, 600, 840)), "/photo", "upload")
	r := c.Get("/photo")
	f := hiddenOf(t, r, "/photo/save")
	if r.Doc().Find(`img[data-testid="captcha-img"]`).Length() == 0 {
		t.Fatal("no captcha on 保存图片")
	}
	c.FetchCaptcha()
	r = c.PostForm("/photo/save", merge(f, url.Values{"captcha": {"0000x"}}))
	wantStatus(t, r, 422, "wrong captcha")
	if r.FieldError("captcha") == "" {
		t.Error("no captcha message")
	}
	if a, _ := ts.store.AccountByLogin(id); a.PhotoID != "" {
		t.Fatal("photo saved with a wrong captcha")
	}
	f = hiddenOf(t, r, "/photo/save")
	c.SolveCaptcha(f)
	wantRedirect(t, c.PostForm("/photo/save", f), "/", "保存图片")
	if a, _ := ts.store.AccountByLogin(id); a.PhotoID == "" {
		t.Fatal("photo not saved")
	}
	// The pending photo is gone; the saved one is served to its owner only.
	if r := c.Get("/photo/pending.jpg"); r.Status != 404 {
		t.Errorf("pending photo after save: %d", r.Status)
	}
	other := ts.client()
	newCandidate(t, other)
	if r := other.Get("/photo/current.jpg"); r.Status != 404 {
		t.Errorf("another candidate's photo: %d", r.Status)
	}
}

// TestApplyIndexAndFamilySection: 报考流程 without an application, one
// application per exam, the htmx family section save.
func TestApplyIndexAndFamilySection(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	c := ts.client()
	newCandidate(t, c)
	if r := c.Get("/apply"); r.TestID("no-application") == "" {
		t.Errorf("no application message missing")
	}
	wantRedirect(t, c.Get(base), base+"/level", "flow without application")
	savePhotoStep(t, c)
	levelStep(t, c, fxLevel)
	wantRedirect(t, c.Get("/apply"), base, "one application")
	// Level may change before a position is chosen; the application stays one.
	r := c.Get(base + "/level")
	wantRedirect(t, c.PostForm(base+"/level", merge(hiddenOf(t, r, base+"/level"), url.Values{"level": {"sx"}})), base+"/pledge", "change level")
	pledgeStep(t, c)
	r = c.Get(base + "/form")
	r = c.HXPostForm(base+"/form", merge(hiddenOf(t, r, base+"/form"), url.Values{"section": {"family"}, "family_n": {"2"},
		"family.0.relation": {"母亲"}, "family.0.name": {"王芳"}, "family.0.birth_month": {"1962-5"},
		"family.1.relation": {"配偶"}, "family.1.name": {"张"}, "family.1.birth_month": {"2090-01"}}))
	wantStatus(t, r, 422, "family with a future birth month")
	if r.FieldError("family.1.birth_month") == "" || r.Doc().Find("#sec-family").Length() != 1 {
		t.Fatalf("family error not at the cell:\n%s", r)
	}
	r = c.Get(base + "/form")
	r = c.HXPostForm(base+"/form", merge(hiddenOf(t, r, base+"/form"), url.Values{"section": {"family"}, "family_n": {"1"},
		"family.0.relation": {"母亲"}, "family.0.name": {"王芳"}, "family.0.birth_month": {"1962-5"}}))
	wantStatus(t, r, 200, "family save")
	list, _ := ts.store.ApplicationsOfCandidate(accountOfClient(t, ts, c))
	if len(list) != 1 || list[0].LevelCode != "sx" || len(list[0].Form.Family) != 1 || list[0].Form.Family[0].BirthMonth != "1962-05" {
		t.Fatalf("family not saved: %+v", list)
	}
}

// accountOfClient finds the account of the client's session through the page header.
func accountOfClient(t *testing.T, ts *testServer, c *client) string {
	t.Helper()
	r := c.Get("/photo")
	v, _ := r.Doc().Find(`input[name="for_account"]`).Attr("value")
	if v == "" {
		t.Fatal("no for_account on /photo")
	}
	return v
}

// TestDoubleClicks: a second 提交 of the level form and a second 保存图片
// end on a clear page, with one application and one photo.
func TestDoubleClicks(t *testing.T) {
	ts, c, id := newApplyServer(t)
	c.Get("/photo")
	wantRedirect(t, c.PostFile("/photo", hiddenOf(t, c.Last(), "/photo"), "photo", "me.jpg", samplePhoto(t, 600, 840)), "/photo", "upload")
	f := hiddenOf(t, c.Get("/photo"), "/photo/save")
	wantRedirect(t, c.PostForm("/photo/save", f), "/", "保存图片")
	wantRedirect(t, c.PostForm("/photo/save", f), "/", "保存图片 again")

	r := c.Get(base + "/level")
	h := merge(hiddenOf(t, r, base+"/level"), url.Values{"level": {fxLevel}})
	wantRedirect(t, c.PostForm(base+"/level", h), base+"/pledge", "level")
	r = c.PostForm(base+"/level", h)
	wantStatus(t, r, 409, "level again")
	if r.Doc().Find(`[data-testid="flow"]`).Length() != 1 {
		t.Errorf("second level post: want the flow page with the message:\n%s", r)
	}
	if list, _ := ts.store.ApplicationsOfCandidate(accountID(t, ts, id)); len(list) != 1 {
		t.Errorf("%d applications", len(list))
	}
}

func accountPhoto(t *testing.T, ts *testServer, login string) string {
	a, err := ts.store.AccountByLogin(login)
	if err != nil {
		t.Fatal(err)
	}
	return a.PhotoID
}
