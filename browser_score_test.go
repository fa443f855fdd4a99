package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// TestBrowserScores goes on from 准考证: the administrator sets the
// scoring rules and imports a score file (a bad one first), the candidate
// sees nothing before the 成绩查询 window, then her scores, rank and list
// status; the administrator's 资格复审/面试 list shows her.
func TestBrowserScores(t *testing.T) {
	offset, clock := aheadClock()
	srv, exam, app := startWithPaidCandidate(t, clock)

	// 陈静 gets her seat through the kv action.
	admin, err := srv.Store.AccountByLogin(strings.ToUpper(demoAdminLogin)) // staff login names are stored upper-case
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.AssignSeats(exam.ID, admin, 2023, time.Now()); err != nil {
		t.Fatal(err)
	}
	seat, err := srv.Store.Seat(exam.ID, app.ID)
	if err != nil || seat == nil {
		t.Fatalf("seat: %v", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "成绩-有误.csv")
	good := filepath.Join(dir, "成绩.csv")
	os.WriteFile(bad, []byte("准考证号,公共基础知识,案例分析与对策性论文写作\n"+seat.TicketNo+",78.5,缺考82\n20990000000,60,60\n"), 0o600)
	os.WriteFile(good, []byte("准考证号,姓名,公共基础知识,案例分析与对策性论文写作\n"+seat.TicketNo+",陈静,78.5,82\n"), 0o600)

	t.Run("administrator sets the rules and imports", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAdmin()
		b.open("/admin/exams/" + exam.ID)
		b.follow(`[data-testid="scores-link"]`)
		b.assertText("成绩管理", "尚未导入成绩")
		b.fillByLabel("公共基础知识权重", "50")
		b.fillByLabel("案例分析与对策性论文写作权重", "50")
		b.fillByLabel("总成绩合格分数线", "60")
		b.submit("保存计分规则")
		b.waitForText("计分规则已保存")
		b.uploadByLabel("成绩文件（.xlsx / .csv）", bad)
		b.submit("上传并导入")
		b.waitForText("未导入任何成绩")
		b.assertText("同时有标记和分数", "不是本考试的准考证号")
		b.screenshot("score-import-problems")
		b.uploadByLabel("成绩文件（.xlsx / .csv）", good)
		b.submit("上传并导入")
		b.waitForText("已导入 成绩.csv：1 条成绩")
		b.assertText("进入资格复审/面试 1 人", "自动公布")
		b.screenshot("score-preview")
	})
	t.Run("nothing shown before the window", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAs(paidCandidateLogin(), demoPassword)
		b.open("/scores")
		b.assertText("笔试成绩尚未公布")
		b.assertNoText("80.25")
	})
	// The demo's 成绩查询 window opens 50 days after its start.
	offset.Store(int64(51 * 24 * time.Hour))
	t.Run("candidate sees scores and list status", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAs(paidCandidateLogin(), demoPassword)
		b.assertText("笔试成绩已公布")
		b.open("/scores")
		if got := b.byTestID("score-total"); got != "80.25" {
			b.fatalf("total %q", got)
		}
		b.assertText("第 1 名 / 有效成绩 1 人", "已进入资格复审/面试人员名单", "78.5", "82")
		b.screenshot("candidate-scores")
		b.open("/apply/" + exam.ID)
		b.assertText("成绩查询", "查看成绩")
	})
	t.Run("the score page on a phone", func(t *testing.T) {
		b := newTab(t, srv, withPhone())
		b.loginAs(paidCandidateLogin(), demoPassword)
		b.open("/scores")
		b.assertText("80.25", "已进入资格复审/面试人员名单")
		b.assertPhoneLayout("成绩查询")
		b.screenshot("candidate-scores-phone")
	})
	t.Run("public query by 准考证号 and 身份证号", func(t *testing.T) {
		b := newTab(t, srv)
		b.open("/score-query")
		b.fillByLabel("准考证号", seat.TicketNo)
		b.fillByLabel("身份证号", "11010119900307001"+string(domain.IDCheckDigit("11010119900307001"))) // valid, not hers
		b.submit("查询")
		b.waitForText("准考证号或身份证号不正确")
		b.assertNoText("80.25")
		b.fillByLabel("准考证号", seat.TicketNo)
		b.fillByLabel("身份证号", paidCandidateLogin())
		b.submit("查询")
		b.waitForText("已进入资格复审/面试人员名单")
		b.assertText("80.25", "陈静")
		b.screenshot("public-query")
	})
	t.Run("administrator's interview list", func(t *testing.T) {
		b := newTab(t, srv)
		b.loginAdmin()
		b.open("/admin/exams/" + exam.ID + "/scores/list")
		b.assertText("资格复审/面试人员名单", seat.TicketNo, "陈静", "80.25")
		b.screenshot("interview-list")
	})
}
