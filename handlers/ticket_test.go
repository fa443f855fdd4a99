package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/kv"
)

// paidCandidate stores a candidate (with a photo id) and an application
// to the fixture exam brought to 已缴费 through the state machine: approved,
// then domain.ActionPay by RoleSystem, as a confirmed payment does. It
// returns a client logged in as the candidate and the application id.
func paidCandidate(t testing.TB, ts *testServer, n int, code string) (*client, string) {
	t.Helper()
	login := idNumber("420102", "19880512", fmt.Sprintf("%03d", 500+n))
	acct := createStaff(t, ts, domain.RoleCandidate, login, func(a *domain.Account) {
		a.Name, a.Sex, a.PhotoID = fmt.Sprintf("考生%d", n), "女", "nophoto"
	})
	exam := fxExam()
	now := ts.clock.Now()
	a := &domain.Application{ID: kv.NewID(now), ExamID: exam.ID, CandidateID: acct.ID, LevelCode: fxLevel, State: domain.StateApproved,
		Version: 1, PositionCode: code, CreatedAt: now, UpdatedAt: now}
	if err := ts.store.CreateApplication(a); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.UpdateApplication(a.ID, func(_ *kv.Tx, app *domain.Application) error {
		return domain.Transition(app, exam, domain.ActionPay, "alipay", domain.RoleSystem, now, "")
	}); err != nil {
		t.Fatal(err)
	}
	c := ts.client()
	loginAs(t, c, login, testPassword)
	return c, a.ID
}

// ticketExamWindows gives the fixture exam a printing window from 5 to 10 April.
func ticketExamWindows(t testing.TB, ts *testServer) (opens time.Time) {
	t.Helper()
	opens = time.Date(2023, 4, 5, 9, 0, 0, 0, domain.Shanghai)
	editFixtureExam(t, ts.store, func(e *domain.Exam) {
		e.Subjects = []string{"公共科目笔试"}
		e.Ticket = domain.Window{Start: opens, End: opens.AddDate(0, 0, 5)}
	})
	return opens
}

func TestTicketJourney(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	opens := ticketExamWindows(t, ts)
	admin := loginStaff(t, ts, domain.RoleAdmin, "admin1")
	cand, appID := paidCandidate(t, ts, 1, "1001")
	_, otherApp := paidCandidate(t, ts, 2, "1002")
	_, _ = paidCandidate(t, ts, 3, "1001")
	base := "/admin/exams/" + fxExamID

	t.Run("before assignment the ticket page says so", func(t *testing.T) {
		r := cand.Get("/ticket")
		wantStatus(t, r, http.StatusOK, "ticket page")
		if !strings.Contains(r.TestID("ticket-unavailable"), "尚未编排") {
			t.Fatalf("page: %s", r.TestID("ticket-unavailable"))
		}
	})
	t.Run("settings and venues with bad input", func(t *testing.T) {
		admin.Get(base + "/venues")
		r := admin.PostForm(base+"/ticket-settings", url.Values{"exam_no": {"20a3"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad exam number")
		if r.FieldError("exam_no") == "" {
			t.Fatal("no message at exam_no")
		}
		r = admin.PostForm(base+"/ticket-settings", url.Values{"exam_no": {"2023"}, "schedule": {"公共科目笔试 2023-04-20 11:30-09:00"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "schedule ending before it starts")
		if !strings.Contains(r.FieldError("schedule"), "晚于") {
			t.Fatalf("schedule error: %q", r.FieldError("schedule"))
		}
		if st, _ := ts.store.TicketSettings(fxExamID); st.ExamNo != "" {
			t.Fatal("refused settings were stored")
		}
		r = admin.PostForm(base+"/ticket-settings", url.Values{"exam_no": {"2023"}, "instructions": {"一、携带准考证和身份证。\n\n二、开考后30分钟不得入场。"},
			"schedule": {"公共科目笔试 2023-04-20 09:00-11:30\n专业科目 2023-04-20 14:30-16:30"}})
		wantStatus(t, r, http.StatusSeeOther, "settings")
		admin.Get(base + "/venues/new")
		r = admin.PostForm(base+"/venues", url.Values{"no": {"1"}, "name": {"武汉一中"}, "address": {"武汉市江岸区"}, "rooms": {"1 2\n2 0"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "room with capacity 0")
		if !strings.Contains(r.FieldError("rooms"), "不能为 0") {
			t.Fatalf("rooms error: %q", r.FieldError("rooms"))
		}
		if v, _ := ts.store.Venues(fxExamID); len(v) != 0 {
			t.Fatal("a refused venue was stored")
		}
		r = admin.PostForm(base+"/venues", url.Values{"no": {"1"}, "name": {"武汉一中"}, "address": {"武汉市江岸区"}, "rooms": {"1 2"}})
		wantStatus(t, r, http.StatusSeeOther, "venue")
	})
	t.Run("too few seats is refused before anything is written", func(t *testing.T) {
		admin.Get(base + "/venues")
		r := admin.PostForm(base+"/seats", url.Values{"seed": {"42"}})
		wantStatus(t, r, http.StatusConflict, "3 candidates, 2 seats")
		if !strings.Contains(r.Body, "还差 1 个座位") {
			t.Fatal("no explanation of the missing seats")
		}
		if run, _ := ts.store.SeatRun(fxExamID); run != nil {
			t.Fatal("a refused run was recorded")
		}
		r = admin.PostForm(base+"/seats", url.Values{"seed": {"-1"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad seed")
	})
	t.Run("assign", func(t *testing.T) {
		admin.Get(base + "/venues/1")
		r := admin.PostForm(base+"/venues/1", url.Values{"name": {"武汉一中"}, "address": {"武汉市江岸区"}, "rooms": {"1 2\n2 30"}})
		wantStatus(t, r, http.StatusSeeOther, "venue update")
		admin.Get(base + "/venues")
		r = admin.PostForm(base+"/seats", url.Values{"seed": {"42"}})
		wantStatus(t, r, http.StatusSeeOther, "assign seats")
		r = admin.Get(base + "/venues")
		if !strings.Contains(r.TestID("seat-run"), "随机种子 42") {
			t.Fatalf("run not shown: %q", r.TestID("seat-run"))
		}
		r = admin.Get(base + "/venues/1/rooms/1")
		wantStatus(t, r, http.StatusOK, "roster")
		if !strings.Contains(r.TestID("roster"), "考生") {
			t.Fatal("roster lacks names")
		}
		r = admin.Get(base + "/venues/1/rooms/1/roster.xlsx")
		wantStatus(t, r, http.StatusOK, "roster xlsx")
		if !strings.HasPrefix(r.Body, "PK") {
			t.Fatal("roster.xlsx is not a zip")
		}
	})
	t.Run("outside the window the page says when it opens", func(t *testing.T) {
		r := cand.Get("/ticket")
		if !strings.Contains(r.TestID("ticket-unavailable"), "将于 2023-04-05 09:00 开放") {
			t.Fatalf("page: %q", r.TestID("ticket-unavailable"))
		}
		wantStatus(t, cand.Get("/ticket/"+appID+"/ticket.pdf"), http.StatusForbidden, "PDF before the window")
	})
	// Weeks later: the sessions have ended, so everyone logs in again.
	ts.clock.Set(opens.Add(time.Hour))
	loginAs(t, cand, idNumber("420102", "19880512", "501"), testPassword)
	loginAs(t, admin, "admin1", testPassword)
	var ticketNo string
	t.Run("print", func(t *testing.T) {
		r := cand.Get("/ticket")
		wantStatus(t, r, http.StatusOK, "ticket")
		ticketNo = r.TestID("ticket-no")
		if !regexp.MustCompile(`^202301\d{5}$`).MatchString(ticketNo) || r.TestID("ticket-name") != "考生1" {
			t.Fatalf("ticket shows %q %q", ticketNo, r.TestID("ticket-name"))
		}
		if src, _ := r.Doc().Find(`[data-testid="ticket-qr"]`).Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
			t.Fatal("no QR image")
		}
		if got := r.TestID("ticket-subjects"); !strings.Contains(got, "公共科目笔试　2023年04月20日 09:00—11:30") || !strings.Contains(got, "专业科目　2023年04月20日 14:30—16:30") {
			t.Fatalf("timetable on the page: %q", got)
		}
		pdf := cand.Get("/ticket/" + appID + "/ticket.pdf")
		wantStatus(t, pdf, http.StatusOK, "PDF")
		if !strings.HasPrefix(pdf.Body, "%PDF") {
			t.Fatal("not a PDF")
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			cmd := exec.Command("pdftotext", "-", "-")
			cmd.Stdin = strings.NewReader(pdf.Body)
			out, err := cmd.Output()
			if err != nil || !strings.Contains(string(out), "14:30—16:30") {
				t.Fatalf("timetable in the PDF: %v\n%s", err, out)
			}
		}
		again := cand.Get("/ticket/" + appID + "/ticket.pdf")
		if again.Body != pdf.Body {
			t.Fatal("the cached PDF differs")
		}
	})
	t.Run("another candidate's ticket is 404", func(t *testing.T) {
		wantStatus(t, cand.Get("/ticket/"+otherApp), http.StatusNotFound, "other's ticket page")
		wantStatus(t, cand.Get("/ticket/"+otherApp+"/ticket.pdf"), http.StatusNotFound, "other's ticket PDF")
		wantStatus(t, cand.Get("/ticket/nosuchapp/ticket.pdf"), http.StatusNotFound, "unknown")
	})
	t.Run("re-running after printing opened is refused", func(t *testing.T) {
		admin.Get(base + "/venues")
		r := admin.PostForm(base+"/seats", url.Values{"seed": {"7"}})
		wantStatus(t, r, http.StatusForbidden, "re-run")
		if run, _ := ts.store.SeatRun(fxExamID); run.Seed != 42 {
			t.Fatal("the run changed")
		}
	})
	t.Run("check-in", func(t *testing.T) {
		admin.Get(base + "/venues/1")
		r := admin.PostForm(base+"/venues/1/invigilators", url.Values{"name": {"李监考"}, "login": {"jk01"}, "password": {"short"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "weak password")
		r = admin.PostForm(base+"/venues/1/invigilators", url.Values{"name": {"李监考"}, "login": {"jk01"}, "password": {testPassword}})
		wantStatus(t, r, http.StatusSeeOther, "invigilator")
		inv := ts.client()
		loginAs(t, inv, "jk01", testPassword)
		// The initial password must be changed first; do it in the store for brevity.
		a, _ := ts.store.AccountByLogin("JK01")
		ts.store.UpdateAccount(a.ID, func(a *domain.Account) error { a.MustChangePassword = false; return nil })
		wantStatus(t, inv.Get("/checkin"), http.StatusOK, "check-in page")
		wantStatus(t, cand.Get("/checkin"), http.StatusForbidden, "candidate on the check-in page")

		r = inv.PostForm("/checkin", url.Values{"code": {ticketNo}})
		wantStatus(t, r, http.StatusOK, "first check-in")
		if r.TestID("checkin-ok") == "" {
			t.Fatalf("no success: %s", r.TestID("checkin"))
		}
		r = inv.PostForm("/checkin", url.Values{"code": {ticketNo}})
		if !strings.Contains(r.TestID("checkin-already"), "已签到 于") {
			t.Fatalf("no warning the second time: %s", r.TestID("checkin"))
		}
		key, _ := ts.store.TicketSigningKey()
		tok := domain.SignTicket(key, domain.TicketClaims{ExamID: fxExamID, TicketNo: ticketNo, AppID: appID})
		bad := []byte(tok)
		bad[len(bad)-5] ^= 2
		r = inv.PostForm("/checkin", url.Values{"code": {string(bad)}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "tampered token")
		if !strings.Contains(r.FieldError("code"), "篡改") {
			t.Fatalf("message: %q", r.FieldError("code"))
		}
		r = inv.PostForm("/checkin", url.Values{"code": {"20249999999"}})
		wantStatus(t, r, http.StatusNotFound, "number of another exam")
		foreign := domain.SignTicket(key, domain.TicketClaims{ExamID: "otherexam", TicketNo: ticketNo, AppID: appID})
		wantStatus(t, inv.PostForm("/checkin", url.Values{"code": {foreign}}), http.StatusForbidden, "foreign exam token")
		room := atoi(ticketNo[6:9])
		r = admin.Get(fmt.Sprintf("%s/venues/1/rooms/%d", base, room))
		if !strings.Contains(r.TestID("roster"), "2023-04-05") {
			t.Fatal("roster does not show the check-in time")
		}
		if got := r.TestID("roster-attendance"); got != "已签到：1" {
			t.Fatalf("roster attendance %q", got)
		}
		// The sheet's Excel link is the export route, and the sheet counts the check-in.
		href, _ := r.Doc().Find(`[data-testid="roster-xlsx"]`).Attr("href")
		x := admin.Get(href)
		wantStatus(t, x, http.StatusOK, "roster xlsx from the page's link")
		book, err := excelize.OpenReader(strings.NewReader(x.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := book.GetRows("Sheet1")
		last := strings.Join(rows[len(rows)-1], " ")
		if !strings.Contains(last, "已签到 1 人") {
			t.Fatalf("xlsx total row %q", last)
		}
		r = admin.Get(base + "/venues")
		seated := 0
		for _, v := range rosterCounts(t, ts) {
			seated += v
		}
		if got, want := r.TestID("attendance-1"), fmt.Sprintf("1 / %d", seated); got != want {
			t.Fatalf("venue attendance %q, want %q", got, want)
		}
		if got := r.TestID(fmt.Sprintf("attendance-1-%d", room)); !strings.Contains(got, "签到 1/") {
			t.Fatalf("room attendance %q", got)
		}

		// 停用: the phone at the door is logged out, the login refused; 启用 again.
		jk, _ := ts.store.AccountByLogin("JK01")
		admin.Get(base + "/venues/1")
		wantStatus(t, admin.PostForm(base+"/venues/1/invigilators/"+jk.ID+"/disable", nil), http.StatusSeeOther, "disable")
		if !strings.Contains(admin.Get(base+"/venues/1").TestID("invigilator-JK01"), "已停用") {
			t.Fatal("the list does not show the account disabled")
		}
		wantStatus(t, admin.PostForm(base+"/venues/1/invigilators/"+jk.ID+"/disable", nil), http.StatusConflict, "disable twice")
		if r := inv.Get("/checkin"); r.Status == http.StatusOK {
			t.Fatal("a disabled invigilator still sees the check-in page")
		}
		if r := tryLogin(ts.client(), "jk01", testPassword); r.Status != http.StatusForbidden {
			t.Fatalf("disabled login: %s", r)
		}
		wantStatus(t, admin.PostForm(base+"/venues/1/invigilators/"+jk.ID+"/enable", nil), http.StatusSeeOther, "enable")
		loginAs(t, inv, "jk01", testPassword)
		// 重置密码: a weak one is refused at the field, a good one replaces the old.
		admin.Get(base + "/venues/1")
		r = admin.PostForm(base+"/venues/1/invigilators/"+jk.ID+"/password", url.Values{"password": {"123"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "weak reset password")
		if r.FieldError("password") == "" {
			t.Fatal("no message at the reset field")
		}
		r = admin.PostForm(base+"/venues/1/invigilators/"+candAcctID(t, ts)+"/password", url.Values{"password": {"Newpass#2023x"}})
		wantStatus(t, r, http.StatusNotFound, "reset a candidate through the venue")
		r = admin.PostForm(base+"/venues/1/invigilators/"+jk.ID+"/password", url.Values{"password": {"Newpass#2023x"}})
		wantStatus(t, r, http.StatusSeeOther, "reset")
		if r := tryLogin(ts.client(), "jk01", testPassword); r.Status == http.StatusSeeOther {
			t.Fatal("the old password still works")
		}
		if after, _ := ts.store.AccountByLogin("JK01"); !after.MustChangePassword {
			t.Fatal("a reset password need not be changed")
		}
		loginAs(t, ts.client(), "jk01", "Newpass#2023x")
		log, _ := ts.store.AuditLog(50)
		seen := map[string]bool{}
		for _, e := range log {
			seen[e.Action] = true
		}
		for _, a := range []string{"invigilator.disable", "invigilator.enable", "invigilator.password"} {
			if !seen[a] {
				t.Errorf("no audit entry %s", a)
			}
		}
	})
}

// candAcctID is the id of the first paid candidate (a non-invigilator account).
func candAcctID(t *testing.T, ts *testServer) string {
	t.Helper()
	a, err := ts.store.AccountByLogin(idNumber("420102", "19880512", "501"))
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// rosterCounts is the seated candidates per room of venue 1, from the store.
func rosterCounts(t *testing.T, ts *testServer) map[int]int {
	t.Helper()
	list, err := ts.store.Roster(fxExamID, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int{}
	for _, e := range list {
		out[e.Seat.RoomNo]++
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// seatedCandidate sets up settings, one venue and a seated, paid candidate
// with the printing window open, and returns the candidate's client and application.
func seatedCandidate(b testing.TB, ts *testServer) (*client, string) {
	installExam(b, ts.store)
	opens := ticketExamWindows(b, ts)
	if err := ts.store.SaveTicketSettings(&domain.TicketSettings{ExamID: fxExamID, ExamNo: "2023", Instructions: "一、携带准考证和身份证。"}, kv.AuditEntry{At: testStart}, testStart); err != nil {
		b.Fatal(err)
	}
	v, _ := domain.VenueInput{No: "1", Name: "武汉一中", Address: "武汉市", Rooms: "1"}.Validate()
	v.ExamID = fxExamID
	if err := ts.store.SaveVenue(v, true, kv.AuditEntry{At: testStart}, testStart); err != nil {
		b.Fatal(err)
	}
	_, appID := paidCandidate(b, ts, 1, "1001")
	if _, err := ts.store.AssignSeats(fxExamID, &domain.Account{ID: "admin", Role: domain.RoleAdmin}, 1, testStart); err != nil {
		b.Fatal(err)
	}
	ts.clock.Set(opens.Add(time.Hour))
	c := ts.client()
	loginAs(b, c, idNumber("420102", "19880512", "501"), testPassword)
	return c, appID
}

// BenchmarkTicketPDFCached is a candidate's repeated 准考证 PDF download
// through the handler (session, loads, cache hit).
func BenchmarkTicketPDFCached(b *testing.B) {
	ts := newTestServer(b)
	c, appID := seatedCandidate(b, ts)
	path := "/ticket/" + appID + "/ticket.pdf"
	if r := c.Get(path); r.Status != http.StatusOK {
		b.Fatal(r)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.Get(path); r.Status != http.StatusOK {
			b.Fatal(r)
		}
	}
}

// BenchmarkTicketPDFFresh is a candidate's 准考证 PDF drawn anew through
// the handler: before each download the candidate's account is touched
// (out of the timer), so the cached PDF no longer matches its version.
func BenchmarkTicketPDFFresh(b *testing.B) {
	ts := newTestServer(b)
	c, appID := seatedCandidate(b, ts)
	path := "/ticket/" + appID + "/ticket.pdf"
	a, err := ts.store.AccountByLogin(idNumber("420102", "19880512", "501"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ts.clock.Advance(time.Second)
		if _, err := ts.store.UpdateAccount(a.ID, func(acct *domain.Account) error { acct.UpdatedAt = ts.clock.Now(); return nil }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		// (The bytes equal the last ones: the PDF is a function of what it shows.)
		if r := c.Get(path); r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "%PDF") {
			b.Fatalf("status %d", r.Status)
		}
	}
}
