package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"examreg/domain"
)

// assertLabelled fails for any form control of page without a non-empty
// <label for=…> (screen readers and older browsers depend on it).
func assertLabelled(t *testing.T, path, body string) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	doc.Find("input, select, textarea").Each(func(_ int, el *goquery.Selection) {
		switch typ, _ := el.Attr("type"); typ {
		case "hidden", "submit", "button", "reset", "image":
			return
		}
		n++
		id, _ := el.Attr("id")
		name, _ := el.Attr("name")
		if id == "" {
			t.Errorf("%s: control %q has no id, so no label can point at it", path, name)
			return
		}
		label := doc.Find(`label[for="` + id + `"]`)
		if label.Length() == 0 || strings.TrimSpace(label.Text()) == "" {
			t.Errorf("%s: control %q (id %s) has no <label for>", path, name, id)
		}
	})
	if n == 0 {
		t.Errorf("%s: no form controls found: is this the right page?", path)
	}
}

// The administrator's pages have labelled controls too (the candidate's
// pages are checked in the browser journey).
func TestAdminFormsAreLabelled(t *testing.T) {
	ts := newTestServer(t)
	ts.clock.Set(examsTestNow)
	exam := ts.seedExam(3)
	admin := loginStaff(t, ts, domain.RoleAdmin, "ADMIN")
	code := ts.store.PositionList(exam.ID)[0].Code
	for _, path := range []string{
		"/admin/exams/new",
		"/admin/exams/" + exam.ID + "/edit",
		"/admin/exams/" + exam.ID + "/positions",
		"/admin/exams/" + exam.ID + "/positions/new",
		"/admin/exams/" + exam.ID + "/positions/" + code + "/edit",
		"/admin/exams/" + exam.ID + "/import",
		"/admin/notices/new",
		"/positions",
		"/stats",
	} {
		r := admin.Get(path)
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d", path, r.Status)
			continue
		}
		assertLabelled(t, path, r.Body)
	}
}
