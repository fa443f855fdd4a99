package handlers

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"examreg/domain"
	"examreg/kv"
)

// Fixtures of the application tests: an exam whose registration and review
// windows are open at testStart, and positions over two levels.
const (
	fxExamID = "exam2023"
	fxLevel  = "sz"
)

func fxExam() *domain.Exam {
	at := func(m time.Month, d int) time.Time { return time.Date(2023, m, d, 9, 0, 0, 0, domain.Shanghai) }
	return &domain.Exam{
		ID: fxExamID, Code: "2023HBLX", Name: "湖北省2023年度市州级以上机关公开遴选公务员",
		Levels:    []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "sx", Name: "市州机关"}},
		Pledges:   []domain.Pledge{{Version: 3, Text: "本人承诺所填信息真实准确。\n遵守考试纪律。"}},
		Published: true, ReferenceDate: "2023-03-20",
		Registration: domain.Window{Start: at(3, 1), End: at(3, 20)},
		Review:       domain.Window{Start: at(3, 1), End: at(3, 25)},
		Payment:      domain.Window{Start: at(3, 26), End: at(3, 30)},
		CreatedAt:    at(2, 1),
	}
}

func fxPositions() []domain.Position {
	return []domain.Position{
		{ExamID: fxExamID, Code: "1001", Department: "中共湖北省委办公厅", Employer: "综合处", Title: "文字综合", LevelCode: "sz",
			Quota: 1, Education: "大学本科及以上", Political: "中共党员", MaxAge: 40, GrassrootsYears: 2, Major: "法学类"},
		{ExamID: fxExamID, Code: "1002", Department: "湖北省发展和改革委员会", Employer: "规划处", Title: "规划管理", LevelCode: "sz",
			Quota: 1, Education: "研究生"},
		{ExamID: fxExamID, Code: "1003", Department: "湖北省财政厅", Employer: "预算处", Title: "预算管理", LevelCode: "sz", Quota: 2},
		{ExamID: fxExamID, Code: "2001", Department: "武汉市委办公厅", Employer: "秘书处", Title: "秘书", LevelCode: "sx", Quota: 1},
	}
}

// installExam stores the fixture exam and positions through kv.
func installExam(t testing.TB, store *kv.Store) *domain.Exam {
	t.Helper()
	e := fxExam()
	storeExam(t, store, e, fxPositions())
	return e
}

// storeExam saves exam and its positions as fixed data (no audit entry).
func storeExam(t testing.TB, store *kv.Store, e *domain.Exam, positions []domain.Position) {
	t.Helper()
	if err := store.SeedExam(e, positions); err != nil {
		t.Fatal(err)
	}
}

// editFixtureExam loads the fixture exam, lets edit change it and saves
// it back as fixed data (kv.SeedExam: no audit entry), the way a test sets
// windows or subjects that the administrator would set through the pages.
func editFixtureExam(t testing.TB, store *kv.Store, edit func(e *domain.Exam)) {
	t.Helper()
	e, err := store.Exam(fxExamID)
	if err != nil {
		t.Fatal(err)
	}
	edit(e)
	if err := store.SeedExam(e, nil); err != nil {
		t.Fatal(err)
	}
}

var candSeq int

// newCandidate registers a candidate born in 1988 (so the fixture dates are
// valid) and leaves c logged in.
func newCandidate(t testing.TB, c *client) string {
	t.Helper()
	candSeq++
	id := idNumber("420102", "19880512", fmt.Sprintf("%03d", candSeq%1000))
	registerCandidate(t, c, id)
	return id
}

// newApplyServer starts a test server with the fixture exam installed and
// registers a fresh candidate on a new client, left logged in: where every
// 报名 journey test begins. It returns the server, the client and the
// candidate's ID number.
func newApplyServer(t testing.TB) (*testServer, *client, string) {
	t.Helper()
	ts := newTestServer(t)
	installExam(t, ts.store)
	c := ts.client()
	return ts, c, newCandidate(t, c)
}

// newSubmittedServer starts a test server with the fixture exam installed
// and walks a fresh candidate on a new client to 待审核 (submitJourney). It
// returns the server, the candidate's client (logged in) and ID number.
func newSubmittedServer(t *testing.T) (*testServer, *client, string) {
	t.Helper()
	ts := newTestServer(t)
	installExam(t, ts.store)
	c := ts.client()
	return ts, c, submitJourney(t, ts, c)
}

// toInfoForm walks c's candidate through 保存图片, the fixture level and
// 诚信承诺, so that it stands at 填报信息 with nothing filled in.
func toInfoForm(t *testing.T, c *client) {
	t.Helper()
	savePhotoStep(t, c)
	levelStep(t, c, fxLevel)
	pledgeStep(t, c)
}

// samplePhoto is a 600×840 portrait JPEG.
func samplePhoto(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{70, 130, 200, 255}
			dx, dy := x-w/2, y-h*2/5
			if dx*dx+dy*dy < (w/4)*(w/4) {
				c = color.RGBA{230, 190, 160, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// samplePDF is an A4 PDF of n pages; protect encrypts it.
func samplePDF(t testing.TB, n int, protect bool) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	if protect {
		p.SetProtection(fpdf.CnProtectPrint, "user", "owner")
	}
	p.SetFont("Helvetica", "", 14)
	for i := range n {
		p.AddPage()
		p.Cell(0, 10, fmt.Sprintf("Recommendation form, page %d", i+1))
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hiddenOf reads the hidden fields of the first form posting to action on
// the last page: for_account and version.
func hiddenOf(t testing.TB, r *response, action string) url.Values {
	t.Helper()
	f := r.Doc().Find(`form[method="post"][action="` + action + `"]`).First()
	if f.Length() == 0 {
		t.Fatalf("no form posting to %s in:\n%s", action, r)
	}
	v := url.Values{}
	for _, name := range []string{"for_account", "version", "pledge_version"} {
		if val, ok := f.Find(`input[name="` + name + `"]`).Attr("value"); ok {
			v.Set(name, val)
		}
	}
	return v
}

// validForm is a complete, valid 填报信息 for a candidate born 1988-05-12.
func validForm() url.Values {
	return url.Values{
		"ethnicity": {"汉族"}, "native_place": {"湖北武汉"}, "birth_place": {"湖北武汉"},
		"political": {"中共党员"}, "party_join_date": {"2009-06"}, "health": {"健康"},
		"work_start_date": {"2010-07"}, "civil_servant_date": {"2011-03"}, "employer": {"武汉市江岸区人民政府办公室科员"},
		"rank": {"一级科员"}, "rank_date": {"2015-06"}, "grassroots_years": {"5"},
		"ft_education": {"大学本科"}, "ft_degree": {"学士"}, "ft_school": {"武汉大学"}, "ft_major": {"法学"},
		"ft_grad_date": {"2010-06"}, "appraisals": {"2020年度称职，2021年度优秀，2022年度称职"},
		"phone": {"13912345678"}, "address": {"湖北省武汉市江岸区沿江大道1号"},
		"resume":  {"2006.09—2010.06 武汉大学法学专业学习\n2010.07— 武汉市江岸区人民政府办公室科员"},
		"rewards": {"无"}, "family_n": {"1"},
		"family.0.relation": {"父亲"}, "family.0.name": {"李大明"}, "family.0.birth_month": {"1960-01"},
		"family.0.political": {"群众"}, "family.0.work": {"退休"},
	}
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = append([]string(nil), x...)
		}
	}
	return out
}

func wantStatus(t testing.TB, r *response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r)
	}
}

func wantRedirect(t testing.TB, r *response, to, what string) {
	t.Helper()
	if r.Status != http.StatusSeeOther || r.Location() != to {
		t.Fatalf("%s: want 303 to %s, got\n%s", what, to, r)
	}
}

var spaces = regexp.MustCompile(`\s+`)

// forgedPNGHeader is a valid 1×1 PNG whose header claims w×h.
func forgedPNGHeader(t testing.TB, w, h uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	d := b.Bytes()
	binary.BigEndian.PutUint32(d[16:20], w)
	binary.BigEndian.PutUint32(d[20:24], h)
	binary.BigEndian.PutUint32(d[29:33], crc32.ChecksumIEEE(d[12:29]))
	return d
}
