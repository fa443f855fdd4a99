package handlers

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"examreg/domain"
)

// returnFor submits a fresh candidate's application and returns it naming
// parts; it gives the candidate's ID number.
func returnFor(t *testing.T, ts *testServer, c *client, reason string, parts ...string) string {
	t.Helper()
	installExam(t, ts.store)
	id := submitJourney(t, ts, c)
	admin := newAdmin(t, ts)
	if _, err := ts.store.ReviewApplication(appOf(t, ts, id).ID, admin,
		domain.Decision{Action: domain.ActionReturn, Reason: reason, Parts: parts}, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

// wantUnchanged fails when the application changed since before.
func wantUnchanged(t *testing.T, ts *testServer, id string, before *domain.Application, what string) {
	t.Helper()
	if a := appOf(t, ts, id); a.Version != before.Version || !reflect.DeepEqual(a.Form, before.Form) ||
		a.PositionCode != before.PositionCode || a.State != before.State {
		t.Errorf("%s changed the application: version %d→%d, state %s, position %s", what, before.Version, a.Version, a.State, a.PositionCode)
	}
}

// TestApplyReturnNamedParts: 退回修改 naming 考核与联系方式 only. The pages
// say what to fix; the named section can be saved; every other part (form
// sections, position, photo) is read-only and refused by the server with
// nothing written; then re-confirm, re-confirm materials: 待审核 again.
func TestApplyReturnNamedParts(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	const reason = "通讯地址不完整，请写明门牌号。"
	id := returnFor(t, ts, c, reason, "contact")

	// /status, 报考流程: the reason and the named part.
	r := c.Get("/status")
	if r.TestID("status-reason") != reason || !strings.Contains(r.TestID("status-parts"), "考核与联系方式") {
		t.Errorf("status: reason %q, parts %q", r.TestID("status-reason"), r.TestID("status-parts"))
	}
	r = c.Get(base)
	if r.TestID("returned-reason") != reason || r.TestID("returned-parts") != "考核与联系方式" {
		t.Errorf("flow: reason %q, parts %q", r.TestID("returned-reason"), r.TestID("returned-parts"))
	}
	doc := r.Doc()
	if doc.Find(`[data-testid="go-info"]`).Length() != 1 || doc.Find(`[data-testid="go-position"]`).Length() != 0 ||
		doc.Find(`[data-testid="go-photo"]`).Length() != 0 {
		t.Errorf("flow: only 填报信息 should open:\n%s", r)
	}
	if !strings.Contains(r.TestID("reason-position"), "审核员未要求修改报考职位") {
		t.Errorf("position step reason %q", r.TestID("reason-position"))
	}

	// The form page: other sections read-only, without save buttons.
	r = c.Get(base + "/form")
	wantStatus(t, r, 200, "form page")
	doc = r.Doc()
	if doc.Find(`[data-testid="returned-notice"]`).Length() != 1 {
		t.Errorf("form page does not say what to fix")
	}
	for _, sec := range domain.FormSections {
		fs := doc.Find("#sec-" + sec.ID)
		_, disabled := fs.Attr("disabled")
		saves := fs.Find(`[data-testid="save-` + sec.ID + `"]`).Length()
		enabledInputs := fs.Find(`input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])`).Length()
		if sec.ID == "contact" {
			if disabled || saves != 1 || enabledInputs == 0 || fs.Find(`[data-testid="locked-contact"]`).Length() != 0 {
				t.Errorf("named section contact: disabled %v, save buttons %d, enabled inputs %d", disabled, saves, enabledInputs)
			}
			continue
		}
		if !disabled || saves != 0 || enabledInputs != 0 || r.TestID("locked-"+sec.ID) != "审核员未要求修改此部分" {
			t.Errorf("section %s not read-only: disabled %v, save buttons %d, enabled inputs %d", sec.ID, disabled, saves, enabledInputs)
		}
	}
	if doc.Find(`[data-testid="family-add"]`).Length() != 0 || doc.Find(`[data-testid="family-del-0"]`).Length() != 0 {
		t.Errorf("locked family section offers 添加一行 / 删除此行")
	}
	h := hiddenOf(t, r, base+"/form")

	// A section the reviewer did not name: refused, nothing written.
	before := appOf(t, ts, id)
	changed := merge(validForm(), url.Values{"employer": {"武汉市财政局科员"}, "address": {"湖北省武汉市江岸区沿江大道1号3单元502室"}})
	r = c.HXPostForm(base+"/form", merge(h, changed, url.Values{"section": {"work"}}))
	if r.Status != 409 || !strings.Contains(r.Body, "审核员未要求修改“工作情况”，该部分不能修改。") {
		t.Errorf("htmx save of 工作情况: %d, want 409 with the reason:\n%s", r.Status, r)
	}
	wantUnchanged(t, ts, id, before, "saving 工作情况")
	r = c.HXPostForm(base+"/form", merge(h, validForm(), url.Values{"family_n": {"1"}, "family_op": {"add"}}))
	wantStatus(t, r, 409, "添加一行 in the locked family section")
	wantUnchanged(t, ts, id, before, "添加一行")

	// The named section: saved.
	r = c.HXPostForm(base+"/form", merge(h, changed, url.Values{"section": {"contact"}}))
	wantStatus(t, r, 200, "htmx save of the named section")
	if r.TestID("saved-contact") != "已保存" {
		t.Errorf("named section not saved:\n%s", r)
	}
	a := appOf(t, ts, id)
	if a.Form.Address != "湖北省武汉市江岸区沿江大道1号3单元502室" || a.Form.Employer != before.Form.Employer {
		t.Errorf("after saving contact: address %q, employer %q", a.Form.Address, a.Form.Employer)
	}
	// A whole-form post (no JavaScript) saves only the named section.
	r = formStep(t, c, merge(validForm(), url.Values{"employer": {"武汉市财政局科员"}, "phone": {"13912340000"}}))
	wantRedirect(t, r, base, "whole-form save while returned")
	a = appOf(t, ts, id)
	if a.Form.Phone != "13912340000" || a.Form.Employer != before.Form.Employer {
		t.Errorf("whole-form save: phone %q, employer %q (must stay %q)", a.Form.Phone, a.Form.Employer, before.Form.Employer)
	}

	// The position: read-only page, refused by the server.
	r = c.Get(base + "/position?code=1003")
	if !strings.Contains(r.TestID("disabled-reason"), "审核员未要求修改“报考职位”") || r.Doc().Find(`[data-testid="pick-1003"]`).Length() != 0 {
		t.Errorf("position page not read-only:\n%s", r)
	}
	before = appOf(t, ts, id)
	r = c.PostForm(base+"/position", merge(hiddenOf(t, c.Get(base+"/form"), base+"/form"), url.Values{"code": {"1003"}}))
	wantStatus(t, r, 409, "choosing another position")
	wantUnchanged(t, ts, id, before, "choosing another position")

	// The photo: not named, so it cannot be replaced.
	r = c.Get("/photo")
	if !strings.Contains(r.TestID("photo-locked"), "审核员未要求修改“照片”") {
		t.Errorf("photo page not locked: %q", r.TestID("photo-locked"))
	}
	r = c.PostFile("/photo", url.Values{"for_account": {accountID(t, ts, id)}}, "photo", "new.jpg", samplePhoto(t, 700, 980))
	wantStatus(t, r, 409, "photo upload")
	if _, err := ts.store.PendingPhoto(accountID(t, ts, id)); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("refused photo kept as pending: %v", err)
	}

	// Re-confirm: the 推荐表 stays; the loop ends, everything locks again.
	first, _ := confirmStep(t, c)
	wantRedirect(t, first, base, "re-confirm")
	a = appOf(t, ts, id)
	if a.State != domain.StateMaterialsUploaded || a.ReturnedParts != nil || a.RecommendationID == "" {
		t.Fatalf("after re-confirm: %s, parts %v, PDF %q", a.State, a.ReturnedParts, a.RecommendationID)
	}
	if r := c.Get(base); r.Doc().Find(`[data-testid="returned-notice"]`).Length() != 0 {
		t.Errorf("flow still shows the return after re-confirmation")
	}
	first, _ = confirmMaterialsStep(t, c)
	wantRedirect(t, first, "/status", "re-confirm materials")
	r = c.Get("/status")
	if a := appOf(t, ts, id); a.State != domain.StateSubmitted || r.TestID("status-state") != "待审核" || r.TestID("status-parts") != "" {
		t.Errorf("back to 待审核: %s, page %q, parts %q", a.State, r.TestID("status-state"), r.TestID("status-parts"))
	}
}

// TestApplyReturnPositionAndRecommendation: 退回修改 naming the position
// (and the photo): a new position drops the 推荐表, the form stays locked,
// re-confirmation asks for a new upload. Naming only the 推荐表: the one on
// file is dropped at re-confirmation and a new one is required.
func TestApplyReturnPositionAndRecommendation(t *testing.T) {
	t.Run("position", func(t *testing.T) {
		ts := newTestServer(t)
		c := ts.client()
		id := returnFor(t, ts, c, "所报职位专业不符，请改报。", domain.PartPosition, domain.PartPhoto)

		// No form section named: the form cannot be saved at all.
		before := appOf(t, ts, id)
		r := formStep(t, c, merge(validForm(), url.Values{"employer": {"武汉市财政局科员"}}))
		wantStatus(t, r, 409, "form save without a named section")
		wantUnchanged(t, ts, id, before, "form save")
		// The photo was named: it may be replaced.
		c.Get("/photo")
		wantRedirect(t, c.PostFile("/photo", hiddenOf(t, c.Last(), "/photo"), "photo", "new.jpg", samplePhoto(t, 700, 980)), "/photo", "replace photo")

		wantRedirect(t, positionStep(t, c, "1003", false), base, "改报 while returned")
		a := appOf(t, ts, id)
		if a.PositionCode != "1003" || a.State != domain.StatePositionSelected || a.RecommendationID != "" ||
			!reflect.DeepEqual(a.ReturnedParts, []string{domain.PartPhoto, domain.PartPosition}) {
			t.Fatalf("after 改报: %s %s, PDF %q, parts %v", a.PositionCode, a.State, a.RecommendationID, a.ReturnedParts)
		}
		// Still in the loop after the new position: the form stays locked.
		r = c.Get(base + "/form")
		if _, disabled := r.Doc().Find("#sec-contact").Attr("disabled"); !disabled || r.TestID("returned-parts") != "照片、报考职位" {
			t.Errorf("form after 改报: contact disabled %v, parts %q", disabled, r.TestID("returned-parts"))
		}
		first, _ := confirmStep(t, c)
		wantRedirect(t, first, base, "re-confirm")
		if a := appOf(t, ts, id); a.State != domain.StateConfirmed || a.ReturnedParts != nil {
			t.Fatalf("after re-confirm: %s %v", a.State, a.ReturnedParts)
		}
		wantRedirect(t, uploadStep(t, c, "new.pdf", samplePDF(t, 2, false)), base+"/materials", "upload for the new position")
		first, _ = confirmMaterialsStep(t, c)
		wantRedirect(t, first, "/status", "re-confirm materials")
		if a := appOf(t, ts, id); a.State != domain.StateSubmitted || a.PositionCode != "1003" {
			t.Errorf("back to 待审核: %s %s", a.State, a.PositionCode)
		}
	})
	t.Run("recommendation", func(t *testing.T) {
		ts := newTestServer(t)
		c := ts.client()
		id := returnFor(t, ts, c, "推荐表缺少背面。", domain.PartRecommendation)
		old := appOf(t, ts, id).RecommendationID
		r := c.Get(base)
		if !strings.Contains(r.Body, "审核员要求重新上传报名推荐表") {
			t.Errorf("flow does not ask for a new 推荐表:\n%s", r)
		}
		first, _ := confirmStep(t, c)
		wantRedirect(t, first, base, "re-confirm")
		a := appOf(t, ts, id)
		if a.State != domain.StateConfirmed || a.RecommendationID != "" {
			t.Fatalf("after re-confirm: %s, PDF %q", a.State, a.RecommendationID)
		}
		if _, _, err := ts.store.Blob(old); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("the returned 推荐表 is still stored: %v", err)
		}
		r = c.PostForm(base+"/materials/confirm", hiddenOf(t, c.Get(base+"/materials"), base+"/materials"))
		wantStatus(t, r, 409, "材料确认 without a new 推荐表")
		wantRedirect(t, uploadStep(t, c, "new.pdf", samplePDF(t, 2, false)), base+"/materials", "upload a new 推荐表")
		first, _ = confirmMaterialsStep(t, c)
		wantRedirect(t, first, "/status", "re-confirm materials")
		if a := appOf(t, ts, id); a.State != domain.StateSubmitted {
			t.Errorf("state %s", a.State)
		}
	})
}
