package handlers

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"examreg/domain"
)

// fieldSample is a valid posted value for every row of domain.FormFields:
// the fixture's where it has one, else one made from the field's kind, so
// a field added to the table is exercised without editing this test.
func fieldSample(d domain.FormField) string {
	if v := validForm().Get(d.Name); v != "" {
		return v
	}
	switch d.Kind {
	case domain.KindSelect:
		return d.Options[0]
	case domain.KindDate:
		return "2016-09"
	case domain.KindNumber:
		return "1"
	case domain.KindPhone:
		return "027-87654321"
	}
	// Short, so it never wraps inside a cell of the 推荐表.
	return "试" + d.Name
}

// TestEveryFormFieldEndToEnd: each row of the one field table is an input
// on 填报信息, is parsed and stored by a save, is shown on 报名信息确认 and
// printed on the 推荐表 PDF.
func TestEveryFormFieldEndToEnd(t *testing.T) {
	ts, c, login := newApplyServer(t)
	toInfoForm(t, c)

	vals := validForm()
	var fields []domain.FormField
	for _, d := range domain.FormFields {
		if d.Kind != domain.KindFamily {
			fields = append(fields, d)
			vals.Set(d.Name, fieldSample(d))
		}
	}
	t.Run("form", func(t *testing.T) {
		doc := c.Get(base + "/form").Doc()
		for _, d := range fields {
			if doc.Find(`[name="`+d.Name+`"]`).Length() != 1 {
				t.Errorf("no input for %s", d.Name)
			}
			if got := doc.Find(`label[for="f-` + d.Name + `"]`).Text(); !strings.Contains(got, d.Label) {
				t.Errorf("%s: label %q, want %q", d.Name, got, d.Label)
			}
		}
	})
	t.Run("parse and store", func(t *testing.T) {
		wantRedirect(t, formStep(t, c, vals), base, "保存")
		a := appOf(t, ts, login)
		for _, d := range fields {
			if got := a.Form.Value(d.Name); got != strings.TrimSpace(vals.Get(d.Name)) {
				t.Errorf("%s stored %q, posted %q", d.Name, got, vals.Get(d.Name))
			}
		}
	})
	wantRedirect(t, positionStep(t, c, "1001", true), base, "保存 position")
	t.Run("confirm page", func(t *testing.T) {
		r := c.Get(base + "/confirm")
		if p := r.TestID("confirm-problems"); p != "" {
			t.Fatalf("problems: %s", p)
		}
		for _, d := range fields {
			got := spaces.ReplaceAllString(r.TestID("sum-"+d.Name), "")
			if want := spaces.ReplaceAllString(vals.Get(d.Name), ""); !strings.Contains(got, want) {
				t.Errorf("confirm page %s: %q, want %q", d.Name, got, want)
			}
		}
	})
	first, _ := confirmStep(t, c)
	wantRedirect(t, first, base, "报名信息确认")
	t.Run("推荐表", func(t *testing.T) {
		r := c.Get(base + "/recommendation.pdf")
		wantStatus(t, r, 200, "推荐表 PDF")
		if _, err := exec.LookPath("pdftotext"); err != nil {
			t.Skip("pdftotext not installed")
		}
		text := pdfTextOf(t, []byte(r.Body))
		flat := spaces.ReplaceAllString(text, "")
		for _, d := range fields {
			want := spaces.ReplaceAllString(vals.Get(d.Name), "")
			if d.Kind == domain.KindDate {
				want = strings.Replace(want[:7], "-", ".", 1) // printed as YYYY.MM
			}
			if d.Kind == domain.KindTextarea {
				want = string([]rune(want)[:min(8, len([]rune(want)))]) // long text wraps: its start
			}
			if d.Name == "address" {
				continue // not on the official table: the employer forwards it
			}
			if !strings.Contains(flat, want) {
				t.Errorf("推荐表 lacks %s %q", d.Name, want)
			}
		}
	})
}

// Free text with hidden characters is refused at the field (422), and
// nothing is stored.
func TestFormRefusesHiddenCharacters(t *testing.T) {
	ts, c, login := newApplyServer(t)
	toInfoForm(t, c)
	for field, v := range map[string]string{
		"employer": "武汉市\u202e员科", "ft_school": "武汉\x00大学", "resume": "2006.09— \x1b[2J学习", "address": "\ufeff武汉",
	} {
		r := formStep(t, c, merge(validForm(), url.Values{field: {v}}))
		wantStatus(t, r, 422, field)
		if msg := r.FieldError(field); !strings.Contains(msg, "不能包含") {
			t.Errorf("%s: field error %q", field, msg)
		}
		if links := r.TestID("form-error-links"); !strings.Contains(links, "不能包含") {
			t.Errorf("%s: the top of the form does not name the field: %q", field, links)
		}
		if f := appOf(t, ts, login).Form; f.Employer != "" || f.Resume != "" {
			t.Fatalf("%s: something was stored: %+v", field, f)
		}
	}
}

// pdfTextOf is the text of a PDF by pdftotext (which the caller checked is installed).
func pdfTextOf(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Issue 10 items 8 and 13: 联系电话 starts as the registration's number;
// once 报名信息确认 is done the form is shown read-only (every control
// disabled, no save), and a refused long form names the wrong fields at
// the top with links to them.
func TestFormPrefillReadOnlyAndErrorLinks(t *testing.T) {
	ts, c, login := newApplyServer(t)
	toInfoForm(t, c)

	acct, err := ts.store.AccountByLogin(login)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Get(base + "/form")
	if got, _ := r.Doc().Find(`input[name="phone"]`).Attr("value"); got == "" || got != acct.Phone {
		t.Errorf("联系电话 prefilled with %q, want the registration's %q", got, acct.Phone)
	}

	r = formStep(t, c, merge(validForm(), url.Values{"civil_servant_date": {"2009-01"}, "ft_school": {""}, "family.0.name": {"李1"}}))
	wantStatus(t, r, 422, "bad form")
	links := r.Doc().Find(`[data-testid="form-error-links"] a`)
	hrefs := map[string]bool{}
	links.Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		hrefs[href] = true
		if r.Doc().Find(`[id="`+strings.TrimPrefix(href, "#")+`"]`).Length() != 1 {
			t.Errorf("link %s leads nowhere", href)
		}
	})
	for _, want := range []string{"#f-civil_servant_date", "#f-family.0.name"} {
		if !hrefs[want] {
			t.Errorf("top error does not link %s: %v", want, hrefs)
		}
	}
	if !strings.Contains(r.TestID("form-error-links"), "公务员登记时间") {
		t.Errorf("top error does not name 公务员登记时间: %q", r.TestID("form-error-links"))
	}

	wantRedirect(t, formStep(t, c, validForm()), base, "保存")
	wantRedirect(t, positionStep(t, c, "1001", true), base, "保存 position")
	first, _ := confirmStep(t, c)
	wantRedirect(t, first, base, "报名信息确认")
	r = c.Get(base + "/form")
	wantStatus(t, r, 200, "form after confirm")
	controls := r.Doc().Find(`#app-form input:not([type="hidden"]), #app-form select, #app-form textarea, #app-form button`)
	if controls.Length() == 0 {
		t.Fatal("no controls on the form")
	}
	controls.Each(func(_ int, s *goquery.Selection) {
		if _, disabled := s.Attr("disabled"); !disabled {
			name, _ := s.Attr("name")
			t.Errorf("control %s is editable after 报名信息确认", name)
		}
	})
}
