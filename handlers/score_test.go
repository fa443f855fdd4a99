package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/kv"
)

// scoredExam gives the fixture exam two subjects, seats paid candidates
// in the given positions (default: 1001 ×4, 1002 ×1; both quota 1) through
// the kv actions and returns their clients, tickets (by candidate) and a
// signed-in admin.
func scoredExam(t testing.TB, ts *testServer, codes ...string) (cands []*client, tickets []string, admin *client) {
	t.Helper()
	if len(codes) == 0 {
		codes = []string{"1001", "1001", "1001", "1001", "1002"}
	}
	installExam(t, ts.store)
	ticketExamWindows(t, ts)
	editFixtureExam(t, ts.store, func(e *domain.Exam) { e.Subjects = []string{"公共科目", "专业科目"} })
	now := ts.clock.Now()
	var apps []string
	for i, code := range codes {
		c, app := paidCandidate(t, ts, i+1, code)
		cands, apps = append(cands, c), append(apps, app)
	}
	sys := &domain.Account{ID: "admin-fixture", Role: domain.RoleAdmin}
	if err := ts.store.SaveTicketSettings(&domain.TicketSettings{ExamID: fxExamID, ExamNo: "2023"}, kv.AuditEntry{At: now, ActorID: sys.ID, Action: "ticket.settings"}, now); err != nil {
		t.Fatal(err)
	}
	venue, err := domain.VenueInput{No: "1", Name: "武汉一中", Address: "武汉", Rooms: "1 30\n2 30\n3 30\n4 30"}.Validate()
	if err != nil {
		t.Fatal(err)
	}
	venue.ExamID = fxExamID
	if err := ts.store.SaveVenue(venue, true, kv.AuditEntry{At: now, ActorID: sys.ID, Action: "venue.create"}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.AssignSeats(fxExamID, sys, 7, now); err != nil {
		t.Fatal(err)
	}
	for _, app := range apps {
		seat, err := ts.store.Seat(fxExamID, app)
		if err != nil || seat == nil {
			t.Fatalf("seat of %s: %v", app, err)
		}
		tickets = append(tickets, seat.TicketNo)
	}
	return cands, tickets, loginStaff(t, ts, domain.RoleAdmin, "admin1")
}

func scoreCSV(lines ...string) []byte {
	return []byte("准考证号,公共科目,专业科目,加分\n" + strings.Join(lines, "\n"))
}

// formulaBook is a valid score sheet whose one cell is a formula.
func formulaBook(t *testing.T, ticket string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"准考证号", "公共科目", "专业科目"})
	f.SetSheetRow("Sheet1", "A2", &[]any{ticket, 70})
	f.SetCellFormula("Sheet1", "C2", "=B2+1")
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestScoreImportRefusesBadFilesAndWritesNothing(t *testing.T) {
	ts := newTestServer(t)
	_, tk, admin := scoredExam(t, ts)
	base := "/admin/exams/" + fxExamID + "/scores"
	good := func(i int) string { return tk[i] + ",70,80," }
	tests := []struct {
		name, file string
		data       []byte
		status     int
		row        string // expected problem row ("" for a file-level message)
		column     string
		want       string
	}{
		{"unknown ticket", "s.csv", scoreCSV(good(0), "20239999999,70,80,"), 422, "3", "准考证号", "不是本考试的准考证号"},
		{"duplicate row", "s.csv", scoreCSV(good(0), good(1), good(0)), 422, "4", "准考证号", "与第 2 行重复"},
		{"out of range", "s.csv", scoreCSV(tk[0] + ",100.5,80,"), 422, "2", "公共科目", "超出范围"},
		{"not a number", "s.csv", scoreCSV(tk[0] + ",七十,80,"), 422, "2", "公共科目", "不是有效的分数"},
		{"mixed mark and score", "s.csv", scoreCSV(tk[0] + ",70,缺考80,"), 422, "2", "专业科目", "同时有标记和分数"},
		{"missing subject column", "s.csv", []byte("准考证号,公共科目\n" + tk[0] + ",70"), 422, "1", "专业科目", "缺少科目"},
		{"formula cell", "s.xlsx", formulaBook(t, tk[0]), 422, "2", "专业科目", "公式"},
		{"zip bomb", "s.xlsx", zipBomb(4 << 20), 422, "", "", "压缩炸弹"},
		{"not a spreadsheet", "s.pdf", []byte("%PDF-1.7 ..."), 422, "", "", ".xlsx 工作簿或 .csv"},
		{"50 MB file", "s.csv", bytes.Repeat([]byte("1,2,3\n"), 50<<20/6), 413, "", "", "过大"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admin.Get(base)
			r := admin.PostFile(base+"/import", nil, "file", tt.file, tt.data)
			wantStatus(t, r, tt.status, tt.name)
			if tt.row != "" {
				found := false
				r.Doc().Find(`[data-testid="score-problems"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
					cells := tr.Find("td")
					if cells.Eq(0).Text() == tt.row && cells.Eq(1).Text() == tt.column && strings.Contains(cells.Eq(2).Text(), tt.want) {
						found = true
					}
				})
				if !found {
					t.Errorf("no problem at row %s column %s with %q:\n%s", tt.row, tt.column, tt.want, r.TestID("score-problems"))
				}
			} else if !strings.Contains(r.Body, tt.want) {
				t.Errorf("page lacks %q: %.2000s", tt.want, r.Body)
			}
			e, _ := ts.store.Exam(fxExamID)
			if n, _ := ts.store.KeyCount("v1/score/"); e.Scores.Generation != "" || n != 0 {
				t.Fatalf("a refused file wrote something: generation %q, %d keys", e.Scores.Generation, n)
			}
		})
	}
}

// scoreRulesForm is a valid 成绩管理 form publishing at start.
func scoreRulesForm(start time.Time) url.Values {
	return url.Values{
		"weight_0": {"50"}, "weight_1": {"50"}, "full_0": {"100"}, "full_1": {"100"}, "min_0": {""}, "min_1": {""},
		"ratio": {"3"}, "small_quota": {""}, "small_ratio": {""}, "min_total": {"60"},
		"score_start": {start.In(domain.Shanghai).Format("2006-01-02T15:04")}, "score_end": {start.AddDate(0, 1, 0).In(domain.Shanghai).Format("2006-01-02T15:04")},
	}
}

func TestScoresPublishedAtTheWindowOnly(t *testing.T) {
	ts := newTestServer(t)
	cands, tk, admin := scoredExam(t, ts)
	base := "/admin/exams/" + fxExamID + "/scores"
	publish := ts.clock.Now().Add(20 * time.Minute) // within the session idle timeout

	admin.Get(base)
	r := admin.PostForm(base+"/rules", url.Values{"ratio": {"0"}})
	wantStatus(t, r, http.StatusUnprocessableEntity, "bad rules")
	if r.FieldError("ratio") == "" || r.FieldError("weight_0") == "" || r.FieldError("score_start") == "" {
		t.Fatalf("field messages missing: %s", r.TestID("form-error"))
	}
	r = admin.PostForm(base+"/rules", scoreRulesForm(publish))
	wantStatus(t, r, http.StatusSeeOther, "rules")

	// 1001 (quota 1, 3:1, line 60): 90/80 → 85, 70/80 → 75, 缺考, 60/50 → 55 (below the line); 1002: 违纪.
	admin.Get(base)
	r = admin.PostFile(base+"/import", nil, "file", "成绩.csv", scoreCSV(tk[0]+",90,80,", tk[1]+",70,80,", tk[2]+",缺考,缺考,", tk[3]+",60,50,", tk[4]+",违纪,88,"))
	wantStatus(t, r, http.StatusSeeOther, "import")
	r = admin.Follow(r)
	if !strings.Contains(r.TestID("score-summary"), "缺考 1 人，违纪 1 人") || !strings.Contains(r.TestID("score-status"), "自动公布") {
		t.Fatalf("preview: %q / %q", r.TestID("score-summary"), r.TestID("score-status"))
	}

	t.Run("nothing visible before publication", func(t *testing.T) {
		r := cands[0].Get("/scores")
		wantStatus(t, r, http.StatusOK, "score page")
		if !strings.Contains(r.TestID("score-unavailable"), "尚未公布") || r.TestID("score-result") != "" || strings.Contains(r.Body, "85.00") {
			t.Fatalf("scores shown before publication: %s", r.TestID("score-page"))
		}
		if r := cands[0].Get("/status"); r.TestID("status-scores") != "" {
			t.Fatal("查看报考状态 links scores before publication")
		}
		r = cands[0].Get("/apply/" + fxExamID)
		if strings.Contains(r.Body, `data-testid="go-score"`) {
			t.Fatal("成绩查询 step actionable before publication")
		}
		r = ts.client().Get("/score-query")
		if r.TestID("score-query-closed") == "" {
			t.Fatal("public query open before publication")
		}
		pub := ts.client()
		pub.Get("/score-query")
		r = pub.PostForm("/score-query", url.Values{"ticket_no": {tk[0]}, "id_number": {idNumber("420102", "19880512", "501")}})
		if r.Status == http.StatusOK || strings.Contains(r.Body, "85.00") {
			t.Fatalf("public query answered before publication: %d", r.Status)
		}
	})

	ts.clock.Set(publish)
	t.Run("after publication the candidate sees scores, rank and the list", func(t *testing.T) {
		r := cands[0].Get("/scores")
		if r.TestID("score-total") != "85.00" || !strings.Contains(r.TestID("score-rank"), "第 1 名 / 有效成绩 3 人") ||
			!strings.Contains(r.TestID("score-listed"), "已进入") || !strings.Contains(r.TestID("score-cutoff"), "75.00") {
			t.Fatalf("page: %s", r.TestID("score-result"))
		}
		r = cands[3].Get("/scores")
		if !strings.Contains(r.TestID("score-listed"), "未进入") || !strings.Contains(r.TestID("score-listed"), "合格分数线") {
			t.Fatalf("below the line: %s", r.TestID("score-listed"))
		}
		r = cands[2].Get("/scores")
		if r.TestID("score-total") != "缺考" || !strings.Contains(r.TestID("score-listed"), "缺考") {
			t.Fatalf("absent: %s", r.TestID("score-result"))
		}
		r = cands[4].Get("/scores")
		if !strings.Contains(r.TestID("score-listed"), "违纪") || !strings.Contains(r.TestID("score-cutoff"), "无人入围") {
			t.Fatalf("misconduct: %s", r.TestID("score-result"))
		}
		r = cands[0].Get("/apply/" + fxExamID)
		if !strings.Contains(r.Body, `data-testid="go-score"`) {
			t.Fatal("报考流程 lacks the done 成绩查询 step")
		}
		if r := cands[0].Get("/status"); !strings.Contains(r.TestID("status-scores"), "已公布") {
			t.Fatal("查看报考状态 does not link the published scores")
		}
		r = cands[0].Get("/")
		if !strings.Contains(r.Body, "笔试成绩已公布") || !strings.Contains(r.Body, `href="/scores"`) {
			t.Fatal("home page does not point to the scores")
		}
	})
	t.Run("the list page and its export", func(t *testing.T) {
		r := admin.Get(base + "/list")
		wantStatus(t, r, http.StatusOK, "list")
		if r.TestID("listed-"+tk[0]) == "" || r.TestID("listed-"+tk[1]) == "" || r.TestID("listed-"+tk[3]) != "" || r.TestID("listed-"+tk[2]) != "" {
			t.Fatalf("list: %s", r.TestID("interview-list"))
		}
		r = admin.Get(base + "/list?pos=1001")
		if !strings.Contains(r.TestID("listed-"+tk[3]), "合格分数线") || !strings.Contains(r.TestID("listed-"+tk[2]), "缺考") {
			t.Fatalf("one position's preview lacks the others: %s", r.TestID("interview-list"))
		}
		r = admin.Get(base + "/list.xlsx")
		wantStatus(t, r, http.StatusOK, "list.xlsx")
		rows, err := sheet.Read([]byte(r.Body), sheet.DefaultLimits)
		if err != nil || len(rows) != 3 || rows[1][6] != tk[0] || rows[1][7] != "考生1" || rows[1][11] != "85.00" {
			t.Fatalf("export rows %q %v", rows, err)
		}
	})
	t.Run("scoring fixed once published", func(t *testing.T) {
		admin.Get(base)
		f := scoreRulesForm(publish)
		f.Set("ratio", "5")
		r := admin.PostForm(base+"/rules", f)
		wantStatus(t, r, http.StatusForbidden, "ratio after publication")
	})
}

var csrfValue = regexp.MustCompile(`name="_csrf" value="[^"]*"`)

func TestPublicScoreQueryAnswersAlikeAndThrottles(t *testing.T) {
	ts := newTestServer(t)
	_, tk, admin := scoredExam(t, ts)
	base := "/admin/exams/" + fxExamID + "/scores"
	publish := ts.clock.Now().Add(time.Hour)
	admin.Get(base)
	wantStatus(t, admin.PostForm(base+"/rules", scoreRulesForm(publish)), http.StatusSeeOther, "rules")
	admin.Get(base)
	wantStatus(t, admin.PostFile(base+"/import", nil, "file", "s.csv", scoreCSV(tk[0]+",90,80,", tk[1]+",70,80,")), http.StatusSeeOther, "import")
	ts.clock.Set(publish)

	id0 := idNumber("420102", "19880512", "501") // candidate 1's
	other := idNumber("420102", "19880512", "777")
	query := func(c *client, ticket, id string) *response {
		c.Get("/score-query")
		return c.PostForm("/score-query", url.Values{"exam": {fxExamID}, "ticket_no": {ticket}, "id_number": {id}})
	}
	c := ts.client()
	noTicket := query(c, "20239999999", id0)
	wrongID := query(c, tk[0], other)
	if noTicket.Status != wrongID.Status || noTicket.Status != http.StatusUnprocessableEntity {
		t.Fatalf("statuses %d / %d", noTicket.Status, wrongID.Status)
	}
	a, b := csrfValue.ReplaceAllString(noTicket.Body, ""), csrfValue.ReplaceAllString(wrongID.Body, "")
	if a != b {
		t.Fatal("the answers for an unknown 准考证号 and a wrong 身份证号 differ")
	}
	if !strings.Contains(a, scoreQueryFailed) || strings.Contains(a, tk[0]) || strings.Contains(a, "20239999999") {
		t.Fatal("the failed answer should say one thing and echo nothing")
	}

	r := query(c, tk[0], id0)
	wantStatus(t, r, http.StatusOK, "right pair")
	if r.TestID("score-total") != "85.00" || r.TestID("score-name") != "考生1" {
		t.Fatalf("result: %s", r.TestID("score-result"))
	}
	r = query(c, "123", "x")
	wantStatus(t, r, http.StatusUnprocessableEntity, "malformed")
	if r.FieldError("ticket_no") == "" || r.FieldError("id_number") == "" {
		t.Fatal("malformed input not explained at its fields")
	}

	// Failures count per 准考证号, whichever kind they were.
	for range domain.FreeLoginFailures - 1 {
		query(c, tk[1], other)
	}
	query(c, tk[1], other)
	r = query(c, tk[1], idNumber("420102", "19880512", "502"))
	wantStatus(t, r, http.StatusTooManyRequests, "throttled number, even with the right 身份证号")

	t.Run("captcha required", func(t *testing.T) {
		ts := newTestServer(t, withCaptcha())
		_, tk, _ := scoredExam(t, ts)
		editFixtureExam(t, ts.store, func(e *domain.Exam) {
			e.Score = domain.Window{Start: ts.clock.Now(), End: ts.clock.Now().AddDate(0, 1, 0)}
			e.Scores.Generation = "g"
		})
		c := ts.client()
		c.Get("/score-query")
		r := c.PostForm("/score-query", url.Values{"exam": {fxExamID}, "ticket_no": {tk[0]}, "id_number": {id0}, "captcha": {"00000"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "wrong captcha")
		if r.FieldError("captcha") == "" {
			t.Fatal("no captcha message")
		}
	})
}

func TestScorePagesNeedTheirRoles(t *testing.T) {
	ts := newTestServer(t)
	cands, _, _ := scoredExam(t, ts)
	for _, path := range []string{"/admin/exams/" + fxExamID + "/scores", "/admin/exams/" + fxExamID + "/scores/list", "/admin/exams/" + fxExamID + "/scores/list.xlsx"} {
		if r := cands[0].Get(path); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("%s as a candidate: %d", path, r.Status)
		}
	}
	if r := ts.client().Get("/scores"); r.Status != http.StatusSeeOther && r.Status != http.StatusUnauthorized {
		t.Errorf("/scores anonymous: %d %s", r.Status, fmt.Sprint(r.Location()))
	}
}

// BenchmarkScorePage is a candidate's GET /scores once published, in a
// position of 100 candidates: session, application, seat, the position's
// rows read and ranked, the page rendered.
//
//	go test -run '^$' -bench ScorePage -benchmem ./handlers/
func BenchmarkScorePage(b *testing.B) {
	ts := newTestServer(b)
	codes := make([]string, 100)
	for i := range codes {
		codes[i] = "1001"
	}
	cands, tk, admin := scoredExam(b, ts, codes...)
	base := "/admin/exams/" + fxExamID + "/scores"
	publish := ts.clock.Now().Add(10 * time.Minute)
	admin.Get(base)
	if r := admin.PostForm(base+"/rules", scoreRulesForm(publish)); r.Status != http.StatusSeeOther {
		b.Fatalf("rules: %s", r)
	}
	var lines []string
	for i, no := range tk {
		lines = append(lines, fmt.Sprintf("%s,%d,%d,", no, 40+i%60, 50+i%50))
	}
	admin.Get(base)
	if r := admin.PostFile(base+"/import", nil, "file", "s.csv", scoreCSV(lines...)); r.Status != http.StatusSeeOther {
		b.Fatalf("import: %s", r)
	}
	ts.clock.Set(publish)
	c := cands[50]
	if r := c.Get("/scores"); r.TestID("score-total") == "" {
		b.Fatalf("GET /scores: %s", r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r := c.Get("/scores"); r.Status != http.StatusOK {
			b.Fatalf("GET /scores: %s", r)
		}
	}
}
