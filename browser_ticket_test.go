package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"examreg/domain"
)

// TestBrowserTicket goes on from 已缴费: the administrator assigns seats,
// the candidate prints the ticket (page and PDF), and the invigilator's
// phone page checks the ticket in once, warns the second time and refuses
// a tampered token.
func TestBrowserTicket(t *testing.T) {
	offset, clock := aheadClock()
	srv, exam, app := startWithPaidCandidate(t, clock)

	// 开考比例: once payment has closed (day 20), 陈静's position has 1 paid
	// applicant, below 3:1 of its plan: the administrator cancels it and she
	// switches (改报) to another position within the window.
	offset.Store(int64(21 * 24 * time.Hour))
	from := app.PositionCode
	t.Run("administrator cancels an under-subscribed position", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAdmin()
		b.open("/admin/exams/" + exam.ID + "/opening")
		b.fillByLabel("开考比例（已缴费人数 : 遴选计划，如 3 表示 3:1）", "3")
		end := clock().Add(48 * time.Hour).In(domain.Shanghai).Format(domain.DatetimeLocal)
		eval[chromedp.Void](b, fmt.Sprintf(`void (document.getElementById("f-switch_end").value = %q)`, end))
		b.submit("保存设置")
		b.waitForText("开考比例设置已保存")
		b.assertText("开考比例 3:1")
		if got := b.byTestID("under-" + from); !strings.Contains(got, "取消职位") {
			b.fatalf("row of %s: %q", from, got)
		}
		b.screenshot("opening-under-ratio")
		pressTestID(b, "cancel-"+from)
		b.waitForText("已取消，已通知 1 名已缴费考生")
		b.assertText("改报 0 人，退款 0 人，未选择 1 人")
		b.screenshot("opening-admin")
	})
	var to string
	t.Run("the switch page on a phone", func(t *testing.T) {
		b := newTab(t, srv, withPhone())
		b.loginAs(paidCandidateLogin(), demoPassword)
		b.open("/opening/" + exam.ID)
		b.waitForText("职位取消：改报或退款")
		b.assertPhoneLayout("改报 page")
		b.screenshot("opening-switch-phone")
	})
	t.Run("candidate switches to another position", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAs(paidCandidateLogin(), demoPassword)
		b.open("/")
		b.assertText("因未达开考比例已取消")
		b.clickText("改报或申请退款")
		b.waitForText("职位取消：改报或退款")
		b.screenshot("opening-switch")
		to = eval[string](b, `document.querySelector("[data-testid=switch-options] input[name=position_code]").value`)
		b.fillByLabel("改报职位代码", from)
		b.submit("确认改报")
		b.waitForText("不能改报原职位")
		b.fillByLabel("改报职位代码", to)
		b.submit("确认改报")
		b.waitForText("改报成功")
		b.assertText("您已于")
		b.open("/status")
		b.assertText("您已改报职位 " + from + " → " + to)
	})
	// Seats wait for the 改报截止 (day 23).
	offset.Store(int64(24 * 24 * time.Hour))

	var ticketNo string
	t.Run("administrator assigns seats", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAdmin()
		b.open("/admin/exams/" + exam.ID + "/venues")
		b.assertText("已缴费考生 1 人", "武汉市第一中学")
		b.fillByLabel("随机种子（选填，留空由系统生成并记录）", "2023")
		b.submit("开始编排")
		b.waitForText("考场编排完成")
		b.assertText("随机种子 2023")
		b.screenshot("seats-assigned")
	})
	// Printing opens 25 days after the demo's start.
	offset.Store(int64(26 * 24 * time.Hour))
	t.Run("candidate prints the ticket", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAs(paidCandidateLogin(), demoPassword)
		b.open("/ticket")
		ticketNo = b.byTestID("ticket-no")
		if !regexp.MustCompile(`^` + exam.Code[:4] + `01\d{5}$`).MatchString(ticketNo) {
			b.fatalf("准考证号 %q", ticketNo)
		}
		b.assertText("陈静", "武汉市第一中学", "考生须知", "笔试准考证", "公共基础知识　", "09:00—11:30")
		b.screenshot("ticket")

		pdf := fetchAs(t, srv.URL, paidCandidateLogin(), "/ticket/"+app.ID+"/ticket.pdf")
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = strings.NewReader(string(pdf))
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("pdftotext: %v", err)
		}
		room := fmt.Sprintf("第 %s 考场", ticketNo[6:9])
		for _, want := range []string{"陈静", ticketNo, room, "14:30—17:00"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
	})
	t.Run("invigilator checks in on a phone", func(t *testing.T) {
		b := newTab(t, srv, withPhone())
		b.loginAs(demoInvigilatorLogin, demoPassword)
		b.waitForURL("/checkin")
		b.assertPhoneLayout("check-in page")
		key, err := srv.Store.TicketSigningKey()
		if err != nil {
			t.Fatal(err)
		}
		token := domain.SignTicket(key, domain.TicketClaims{ExamID: exam.ID, TicketNo: ticketNo, AppID: app.ID})
		b.fillByLabel("准考证号（或扫描二维码）", token)
		b.submit("核验签到")
		b.waitForText("签到成功")
		b.assertText("陈静")
		b.screenshot("checked-in")
		b.fillByLabel("准考证号（或扫描二维码）", ticketNo)
		b.submit("核验签到")
		b.waitForText("已签到 于")
		b.screenshot("second-scan")
		tampered := []byte(token)
		tampered[len(tampered)-3] ^= 1
		b.fillByLabel("准考证号（或扫描二维码）", string(tampered))
		b.submit("核验签到")
		b.waitForText("篡改")
		b.screenshot("tampered")
		b.assertPhoneLayout("check-in refusal")
	})
	t.Run("administrator sees attendance and the invigilator accounts", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAdmin()
		b.open("/admin/exams/" + exam.ID + "/venues")
		if got := b.byTestID("attendance-1"); got != "1 / 1" {
			b.fatalf("venue attendance %q", got)
		}
		b.screenshot("attendance")
		b.open("/admin/exams/" + exam.ID + "/venues/1")
		b.assertText("JIANKAO1", "停用", "重置密码")
		b.screenshot("invigilators")
	})
}

// pressTestID presses the button with this data-testid and waits for the page it loads.
func pressTestID(b *tab, id string) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id)), chromedp.NodeVisible)); err != nil {
		b.fatalf("press %s: %v", id, err)
	}
}

// fetchAs logs in through the form with a plain HTTP client and GETs path.
func fetchAs(t *testing.T, base, login, path string) []byte {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no form token on /login")
	}
	res, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "id_number": {login}, "password": {demoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(string(body), "%PDF") {
		t.Fatalf("GET %s: %d %.200s", path, res.StatusCode, body)
	}
	return body
}
