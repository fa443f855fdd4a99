package main

// Browser tests of the application flow (README "Architecture": the
// candidate's journey and the application states): register, photo, 选择考试, 层级, 承诺书,
// 填报信息, 选择职位, 报名信息确认, 报名推荐表, 材料上传, 材料确认, 待审核 —
// with JavaScript on (htmx section saves, live search, live status), with
// JavaScript off (every form posts and redirects) and on a 360×740 phone.
// The reviewer's decisions come from the kv API until the review dashboard
// exists.

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"examreg/domain"
)

// journeyPosition is a 省直机关 position of the department the demo
// reviewer reviews (中共湖北省委办公厅): 中共党员, 本科/学士, 35 岁以下,
// 2 年基层; 专业 and 职级 are left to the reviewer (acknowledged).
const (
	journeyLevel    = "sz"
	journeyPosition = "14200001"
	journeyKeyword  = "省委办公厅"
)

// applicant is the candidate a journey registers.
type applicant struct {
	id, name, phone, password string
	address                   string // 通讯地址, changed after 退回修改
}

func newApplicant(seq int) applicant {
	return applicant{
		id: newIDNumber(seq), name: "王晓燕", phone: "13912345678", password: "Kaoshi2023ok",
		address: "湖北省武汉市江岸区沿江大道100号",
	}
}

// journey drives one candidate through the application in one tab.
type journey struct {
	t      *testing.T
	srv    *testServer
	b      *tab
	examID string
	who    applicant
}

func newJourney(t *testing.T, seq int, opts ...tabOption) *journey {
	t.Helper()
	resetShots(t)
	srv := startServer(t)
	j := &journey{t: t, srv: srv, b: newTab(t, srv, opts...), examID: demoExamID(t, srv), who: newApplicant(seq)}
	t.Cleanup(j.assertCleanConsole)
	return j
}

// demoExamID finds the demo exam that seedDemo created.
func demoExamID(t testing.TB, srv *testServer) string {
	t.Helper()
	exams, err := srv.Store.Exams()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exams {
		if e.Name == demoExamName(time.Now()) {
			return e.ID
		}
	}
	t.Fatalf("demo exam %q not seeded", demoExamName(time.Now()))
	return ""
}

func (j *journey) js() bool    { return !j.b.opts.noJS }
func (j *journey) phone() bool { return j.b.opts.mobile }

// base is the application's path prefix.
func (j *journey) base() string { return "/apply/" + j.examID }

// page is done on every key page of the journey: a screenshot, codes
// unbroken, and on the phone no sideways scrolling and tappable controls.
func (j *journey) page(shot string) {
	j.t.Helper()
	j.b.screenshot(shot)
	j.b.assertNumbersUnbroken()
	j.b.assertFormsLabelled(shot + " (" + j.b.path() + ")")
	if j.phone() {
		j.b.assertPhoneLayout(shot + " (" + j.b.path() + ")")
	}
}

// expectFlash fails unless the one-time message contains want.
func (j *journey) expectFlash(want string) {
	j.t.Helper()
	if f := j.b.flash(); !strings.Contains(f, want) {
		j.t.Errorf("%s: flash %q, want it to contain %q", j.b.path(), f, want)
	}
}

// expectState fails unless the stored application is in state want.
func (j *journey) expectState(want domain.State) {
	j.t.Helper()
	if a := j.application(); a.State != want {
		j.t.Errorf("stored application state %s, want %s", a.State, want)
	}
}

func (j *journey) application() *domain.Application {
	j.t.Helper()
	acct, err := j.srv.Store.AccountByLogin(j.who.id)
	if err != nil {
		j.t.Fatalf("candidate %s: %v", j.who.id, err)
	}
	a, err := j.srv.Store.ApplicationOf(acct.ID, j.examID)
	if err != nil {
		j.t.Fatalf("application of %s: %v", j.who.id, err)
	}
	return a
}

// review records a reviewer's decision through the kv API, standing in for
// the review dashboard; a return names the parts to fix.
func (j *journey) review(action domain.Action, reason string, parts ...string) {
	j.t.Helper()
	reviewer, err := j.srv.Store.AccountByLogin(strings.ToUpper(demoReviewerLogin))
	if err != nil {
		j.t.Fatalf("reviewer account: %v", err)
	}
	if _, err := j.srv.Store.ReviewApplication(j.application().ID, reviewer, domain.Decision{Action: action, Reason: reason, Parts: parts}, time.Now()); err != nil {
		j.t.Fatalf("review %s: %v", action, err)
	}
}

// assertCleanConsole: no CSP violation, exception or failed request in the
// console on any page of the journey, except the 422 answers the journey
// provokes on purpose (a refused upload).
func (j *journey) assertCleanConsole() {
	for _, e := range j.b.consoleErrors() {
		if strings.Contains(e.Text, "status of 422") {
			continue
		}
		j.t.Errorf("console: %s", e)
	}
}

// upToReview walks the journey from registration to 待审核.
func (j *journey) upToReview() {
	j.register()
	j.photo()
	j.chooseExamAndLevel()
	j.pledge()
	if j.js() {
		j.formBySection()
	} else {
		j.formPlain()
	}
	j.choosePosition()
	j.confirm()
	j.recommendation()
	j.materials()
}

// register: 用户注册 with the captcha off (test flag), then the photo page.
func (j *journey) register() {
	b := j.b
	if st := b.open("/register"); st != 200 {
		j.t.Fatalf("GET /register: %d", st)
	}
	j.page("register")
	b.fill("身份证号", j.who.id, "姓名", j.who.name, "手机号", j.who.phone, "密码", j.who.password, "确认密码", j.who.password)
	b.submit("注册")
	b.waitForURL("/photo")
}

// photo: 上传照片, the check's verdict, 保存图片.
func (j *journey) photo() {
	b := j.b
	j.page("photo")
	b.uploadByLabel("选择照片文件", writeJPEG(j.t, 600, 840))
	if st := b.submit("上传并检查"); st != 200 {
		j.t.Errorf("photo upload: status %d", st)
	}
	b.waitForText("检查通过，请确认照片")
	b.assertText("处理后 295×413 像素")
	j.page("photo-checked")
	b.submit("保存图片")
	b.waitForURL("/")
	j.expectFlash("照片")
	j.page("home")
}

// chooseExamAndLevel: 选择考试 from the menu, the demo exam, 省直机关, 提交.
func (j *journey) chooseExamAndLevel() {
	b := j.b
	if j.phone() { // on a phone the menu is folded behind 菜单
		b.click(".nav-menu summary")
	}
	b.submit("选择考试")
	b.waitForURL("/exams")
	b.assertText(demoExamName(time.Now()), "省直机关", "市州机关")
	j.page("exams")
	b.follow(fmt.Sprintf(`[data-testid="exam-%s"] [data-testid="choose-exam"]`, j.examID))
	b.waitForURL(j.base() + "/level")
	j.page("level")
	b.click("#level-" + journeyLevel)
	b.submit("提交")
	b.waitForURL(j.base() + "/pledge")
}

// pledge: read the 报考承诺书 and 接受.
func (j *journey) pledge() {
	b := j.b
	b.assertText("报考承诺书", "本人郑重承诺")
	j.page("pledge")
	b.submit("接受")
	b.waitForURL(j.base() + "/form")
	if a := j.application(); a.State != domain.StateInfoSaved || a.PledgeAt.IsZero() {
		j.t.Errorf("after 接受: state %s, pledge accepted at %v", a.State, a.PledgeAt)
	}
}

// The 填报信息 values, by section and label.
var (
	formBasic = []string{"民族", "汉族", "籍贯", "湖北武汉", "出生地", "湖北武汉", "政治面貌", "中共党员", "入党时间", "2016-06", "健康状况", "健康"}
	formWork  = []string{"参加工作时间", "2017-07", "公务员登记时间", "2018-07", "现工作单位及职务", "武汉市江岸区人民政府办公室 科员",
		"现职级", "一级主任科员", "任现职级时间", "2022-07", "基层工作经历年限", "6"}
	formEducation = []string{"全日制学历", "研究生", "全日制学位", "硕士", "全日制毕业院校", "武汉大学", "全日制所学专业", "汉语言文字学", "全日制毕业时间", "2017-06"}
	formResume    = []string{"个人简历", "2010.09—2014.07 武汉大学汉语言文学专业学习\n2014.09—2017.06 武汉大学汉语言文字学专业学习\n2017.07— 武汉市江岸区人民政府办公室工作", "奖惩情况", "无"}
	familyRows    = [][]string{
		{"称谓", "父亲", "姓名", "王建国", "出生年月", "1965-03", "政治面貌", "中共党员", "工作单位及职务", "武汉市第一中学 教师（已退休）"},
		{"称谓", "母亲", "姓名", "李秀英", "出生年月", "1967-08", "政治面貌", "群众", "工作单位及职务", "无"},
	}
)

func (j *journey) formContact() []string {
	return []string{"近三年年度考核结果", "2022年度优秀，2023年度称职，2024年度称职", "联系电话", j.who.phone, "通讯地址", j.who.address}
}

func familyRow(i int) string { return fmt.Sprintf(`[data-testid="family-row-%d"]`, i) }

// formBySection fills 填报信息 part by part, each saved with htmx (保存本部分)
// without leaving the page; family rows are added and removed in place;
// then 保存 goes to 报考流程.
func (j *journey) formBySection() {
	b := j.b
	j.page("form-empty")
	eval[chromedp.Void](b, `void (window.__formPage = "same document")`)
	saveSection := func(id string) {
		j.t.Helper()
		b.swap(func() { b.click(fmt.Sprintf(`[data-testid="save-%s"]`, id)) })
		if got := b.byTestID("saved-" + id); got != "已保存" {
			j.t.Errorf("section %s: %q after 保存本部分, want 已保存 (form error %q)", id, got, b.formError())
		}
	}

	// A wrong date is refused next to its field, in this section only.
	b.fillIn("#sec-basic", formBasic...)
	b.fillIn("#sec-basic", "入党时间", "2016-13")
	b.swap(func() { b.click(`[data-testid="save-basic"]`) })
	if msg := b.fieldError("party_join_date"); !strings.Contains(msg, "格式不正确") {
		j.t.Errorf("入党时间 2016-13: message %q, want the format message", msg)
	}
	j.page("form-basic-refused")
	b.fillIn("#sec-basic", "入党时间", "2016-06")
	saveSection("basic")
	b.fillIn("#sec-work", formWork...)
	saveSection("work")
	b.fillIn("#sec-education", formEducation...)
	saveSection("education")
	b.fillIn("#sec-contact", j.formContact()...)
	saveSection("contact")
	b.fillIn("#sec-resume", formResume...)
	saveSection("resume")

	// Family: fill the first row, add two, remove the third, save.
	b.fillIn(familyRow(0), familyRows[0]...)
	b.swap(func() { b.click(`[data-testid="family-add"]`) })
	b.fillIn(familyRow(1), familyRows[1]...)
	b.swap(func() { b.click(`[data-testid="family-add"]`) })
	if n := eval[int](b, `document.querySelectorAll(".family-row").length`); n != 3 {
		j.t.Errorf("after 添加一行 twice: %d family rows, want 3", n)
	}
	j.page("form-family-rows")
	b.swap(func() { b.click(`[data-testid="family-del-2"]`) })
	if n := eval[int](b, `document.querySelectorAll(".family-row").length`); n != 2 {
		j.t.Errorf("after 删除此行: %d family rows, want 2", n)
	}
	if got := eval[string](b, `document.getElementById("f-family.1.name").value`); got != familyRows[1][3] {
		j.t.Errorf("second family row after add/remove: 姓名 %q, want %q", got, familyRows[1][3])
	}
	saveSection("family")
	if same := eval[string](b, `window.__formPage || ""`); same != "same document" {
		j.t.Errorf("the section saves reloaded the page")
	}
	if a := j.application(); a.Form.Address != j.who.address || len(a.Form.Family) != 2 || a.Form.Political != "中共党员" {
		j.t.Errorf("stored form after the section saves: address %q, %d family rows, political %q", a.Form.Address, len(a.Form.Family), a.Form.Political)
	}
	j.page("form-sections-saved")

	b.submit("保存")
	b.waitForURL(j.base())
	j.expectFlash("保存成功")
	j.page("flow-info-saved")
}

// formPlain fills 填报信息 as one plain form (JavaScript off): 添加一行 and
// 删除此行 post the form and come back with the rows changed, 保存 posts
// everything and redirects to 报考流程.
func (j *journey) formPlain() {
	b := j.b
	j.page("form-empty")
	b.fillIn("#sec-basic", formBasic...)
	b.fillIn("#sec-work", formWork...)
	b.fillIn("#sec-education", formEducation...)
	b.fillIn("#sec-contact", j.formContact()...)
	b.fillIn("#sec-resume", formResume...)
	b.fillIn(familyRow(0), familyRows[0]...)
	if st := b.submit("添加一行"); st != 200 {
		j.t.Errorf("添加一行 without JavaScript: status %d", st)
	}
	b.fillIn(familyRow(1), familyRows[1]...)
	b.submit("添加一行")
	if n := eval[int](b, `document.querySelectorAll(".family-row").length`); n != 3 {
		j.t.Errorf("after 添加一行 twice: %d family rows, want 3", n)
	}
	if got := eval[string](b, `document.getElementById("f-address").value`); got != j.who.address {
		j.t.Errorf("通讯地址 after 添加一行: %q, want the typed value kept", got)
	}
	j.page("form-family-rows")
	b.follow(`[data-testid="family-del-2"]`)
	if n := eval[int](b, `document.querySelectorAll(".family-row").length`); n != 2 {
		j.t.Errorf("after 删除此行: %d family rows, want 2", n)
	}
	b.submit("保存")
	b.waitForURL(j.base())
	j.expectFlash("保存成功")
	if a := j.application(); a.Form.Address != j.who.address || len(a.Form.Family) != 2 {
		j.t.Errorf("stored form: address %q, %d family rows", a.Form.Address, len(a.Form.Family))
	}
	j.page("flow-info-saved")
}

// resultsTotal is the "共 N 个职位" line of the position results.
func (b *tab) resultsTotal() string {
	b.t.Helper()
	return eval[string](b, `(() => { const p = document.querySelector("#position-results p"); return p ? p.innerText.trim() : "" })()`)
}

// choosePosition: 选择职位 lists the level's positions; typing a keyword
// narrows them (htmx swaps the results, the URL keeps the query); 点击选择
// shows the requirements; 保存.
func (j *journey) choosePosition() {
	b := j.b
	b.follow(`[data-testid="go-position"]`)
	b.waitForURL(j.base() + "/position")
	before := b.resultsTotal()
	if !strings.Contains(before, "共 122 个职位") {
		j.t.Errorf("选择职位 before a search: %q, want the 122 positions of 省直机关", before)
	}
	if n := eval[int](b, `document.querySelectorAll('[data-testid^="pos-1421"]').length`); n != 0 {
		j.t.Errorf("选择职位 lists %d 市州机关 positions to a 省直机关 candidate", n)
	}
	j.page("position")

	if j.js() {
		eval[chromedp.Void](b, `void (window.__positionPage = "same document")`)
		// Type like a candidate: the results should follow the keyword.
		typed := b.trySwap(2*time.Second, func() { b.fillByLabel("查询职位", journeyKeyword) })
		if !typed {
			j.t.Errorf("选择职位: typing %q into 查询职位 does not search (no htmx request within 2 s); the public /positions search does (hx-trigger input changed)", journeyKeyword)
			b.swap(func() { b.clickText("查询") })
		}
		// Live search may swap after a partial keyword first: wait for
		// the results of the whole one.
		b.waitFor("the 10 positions of "+journeyKeyword, func() bool { return strings.Contains(b.resultsTotal(), "共 10 个职位") })
		if same := eval[string](b, `window.__positionPage || ""`); same != "same document" {
			j.t.Errorf("选择职位: the search reloaded the page instead of swapping the results")
		}
		q, _ := url.ParseQuery(strings.TrimPrefix(eval[string](b, `location.search`), "?"))
		if q.Get("q") != journeyKeyword {
			j.t.Errorf("选择职位: after the search the URL is %s, want ?q=%s in it (reload, back and a shared link keep the search; /positions does this with hx-push-url)", b.path(), journeyKeyword)
		}
	} else {
		b.fillByLabel("查询职位", journeyKeyword)
		b.submit("查询")
		if q := b.currentURL(); !strings.Contains(q, "q="+url.QueryEscape(journeyKeyword)) {
			j.t.Errorf("search without JavaScript: URL %s, want q=%s", q, journeyKeyword)
		}
	}
	if after := b.resultsTotal(); !strings.Contains(after, "共 10 个职位") {
		j.t.Errorf("选择职位 after searching %q: %q, want 共 10 个职位", journeyKeyword, after)
	}
	if other := eval[string](b, `Array.from(document.querySelectorAll("#position-results tbody tr")).map(r => r.cells[1].innerText).filter(d => !d.includes("中共湖北省委办公厅")).join("; ")`); other != "" {
		j.t.Errorf("results for %q include other departments: %s", journeyKeyword, other)
	}
	j.page("position-search")
	if j.phone() {
		// 点击选择 is the one action of a row: a finger must hit it.
		small := eval[string](b, `Array.from(document.querySelectorAll('[data-testid^="pick-"]')).filter(a => a.getBoundingClientRect().height < `+fmt.Sprint(minTapHeight)+`).slice(0, 3).map(a => a.getAttribute("data-testid") + " " + Math.round(a.getBoundingClientRect().height) + "px").join("; ")`)
		if small != "" {
			j.t.Errorf("选择职位 on the phone: 点击选择 links under %d px tall: %s", minTapHeight, small)
		}
	}

	b.follow(fmt.Sprintf(`[data-testid="pick-%s"]`, journeyPosition))
	b.waitForText("所选职位：" + journeyPosition)
	if hard := b.byTestID("position-hard"); hard != "" {
		j.t.Fatalf("the candidate does not qualify for %s: %s", journeyPosition, hard)
	}
	j.page("position-chosen")
	if eval[bool](b, `!!document.getElementById("f-ack")`) {
		b.click(`label[for="f-ack"]`)
	}
	b.submit("保存")
	b.waitForURL(j.base())
	j.expectFlash("职位保存成功")
	if got := b.byTestID("flow-position"); got != journeyPosition {
		j.t.Errorf("报考流程 shows position %q, want %s", got, journeyPosition)
	}
	j.expectState(domain.StatePositionSelected)
	j.page("flow-position-selected")
}

// confirm: 报名信息确认 shows everything read-only, then locks it.
func (j *journey) confirm() {
	b := j.b
	b.follow(`[data-testid="go-confirm"]`)
	b.waitForURL(j.base() + "/confirm")
	if p := b.byTestID("confirm-problems"); p != "" {
		j.t.Fatalf("报名信息确认 lists problems: %s", p)
	}
	if got := b.byTestID("sum-name"); got != j.who.name {
		j.t.Errorf("confirm page: 姓名 %q, want %q", got, j.who.name)
	}
	b.assertText(domain.MaskedID(j.who.id), j.who.address, "王建国", journeyPosition)
	if ok := eval[bool](b, `(() => { const i = document.querySelector("[data-testid=sum-photo]"); return !!i && i.complete && i.naturalWidth > 0 })()`); !ok {
		j.t.Errorf("confirm page: the photo is missing or did not load")
	}
	j.page("confirm")
	b.submit("报名信息确认")
	b.waitForURL(j.base())
	j.expectFlash("确认成功")
	j.expectState(domain.StateConfirmed)
	j.page("flow-confirmed")
}

// pdfFetch is what a fetch() of a file gave, inside the page.
type pdfFetch struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	Cache       string `json:"cache"`
	Head        string `json:"head"`
	Size        int    `json:"size"`
	Base64      string `json:"base64"`
}

// fetchFile fetches href with the page's cookies (what a download gets).
func (b *tab) fetchFile(href string) pdfFetch {
	b.t.Helper()
	return run(b, chromedp.EvaluateAsDevTools[pdfFetch](fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => {
		const buf = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("content-type") || "", disposition: r.headers.get("content-disposition") || "",
			cache: r.headers.get("cache-control") || "", head: String.fromCharCode(...buf.slice(0, 5)), size: buf.length,
			base64: btoa(Array.from(buf, c => String.fromCharCode(c)).join(""))};
	})`, href), chromedp.EvalAwaitPromise))
}

// pdfText extracts the text of a PDF with pdftotext; ok is false when the
// tool is not installed.
func pdfText(t testing.TB, pdf []byte) (string, bool) {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not installed: the 推荐表 text is not checked")
		return "", false
	}
	in := filepath.Join(t.TempDir(), "recommendation.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Errorf("pdftotext on the downloaded 推荐表: %v", err)
		return "", false
	}
	return string(out), true
}

// recommendation: the generated 报名推荐表, as a page and as a PDF download.
func (j *journey) recommendation() {
	b := j.b
	b.follow(`[data-testid="go-upload"]`)
	b.waitForURL(j.base() + "/materials")
	j.page("materials")
	b.submit("查看和打印")
	b.waitForURL(j.base() + "/recommendation")
	b.assertText("报名推荐表", j.who.name, journeyPosition, "所在单位意见", "任免机关意见")
	j.page("recommendation")
	href := eval[string](b, `document.querySelector("[data-testid=recommendation-pdf]").href`)
	f := b.fetchFile(href)
	switch {
	case f.Status != 200:
		j.t.Errorf("GET %s: status %d", href, f.Status)
	case f.Head != "%PDF-":
		j.t.Errorf("推荐表 download starts with %q, want %%PDF-", f.Head)
	case !strings.HasPrefix(f.Type, "application/pdf"):
		j.t.Errorf("推荐表 download: Content-Type %q", f.Type)
	case !strings.Contains(f.Disposition, ".pdf"):
		j.t.Errorf("推荐表 download: Content-Disposition %q names no .pdf file", f.Disposition)
	case !strings.Contains(f.Cache, "no-store"):
		j.t.Errorf("推荐表 download: Cache-Control %q, want no-store (personal data)", f.Cache)
	case f.Size < 2000:
		j.t.Errorf("推荐表 download: only %d bytes", f.Size)
	}
	// What the candidate prints: their name, ID and position in the text
	// (checked when poppler's pdftotext is installed, as in CI).
	if pdf, err := base64.StdEncoding.DecodeString(f.Base64); err != nil || len(pdf) != f.Size {
		j.t.Errorf("推荐表 download: %d bytes decoded of %d (%v)", len(pdf), f.Size, err)
	} else if text, ok := pdfText(j.t, pdf); ok {
		for _, want := range []string{j.who.name, journeyPosition, "综合文字岗"} {
			if !strings.Contains(text, want) {
				j.t.Errorf("推荐表 PDF text lacks %q:\n%s", want, clip(text, 800))
			}
		}
	}
	b.submit("返回材料上传")
	b.waitForURL(j.base() + "/materials")
}

// materials: a 1-page scan is refused, a 2-page one accepted, 材料确认
// leads to 查看报考状态 with 待审核.
func (j *journey) materials() {
	b := j.b
	b.uploadByLabel("报名推荐表（PDF）", writePDF(j.t, 1))
	if st := b.submit("上传"); st != 422 {
		j.t.Errorf("upload of a 1-page PDF: status %d, want 422", st)
	}
	if msg := b.fieldError("recommendation"); msg == "" {
		j.t.Errorf("a 1-page 推荐表 is refused without a message next to the field")
	}
	j.page("materials-one-page-refused")
	b.uploadByLabel("报名推荐表（PDF）", writePDF(j.t, 2))
	b.submit("上传")
	b.waitForURL(j.base() + "/materials")
	j.expectFlash("上传成功")
	if got := b.byTestID("uploaded"); !strings.Contains(got, ".pdf") {
		j.t.Errorf("materials page after the upload: %q, want the file named", got)
	}
	j.expectState(domain.StateMaterialsUploaded)
	j.page("materials-uploaded")
	b.submit("材料确认")
	b.waitForURL("/status")
	j.expectFlash("材料确认成功")
	j.expectSubmitted()
	j.page("status-submitted")
}

// expectSubmitted: the status page shows 待审核 and, with JavaScript, polls.
func (j *journey) expectSubmitted() {
	j.t.Helper()
	b := j.b
	if got := b.byTestID("status-state"); got != "待审核" {
		j.t.Errorf("查看报考状态: %q, want 待审核", got)
	}
	if got := b.byTestID("status-position"); !strings.Contains(got, journeyPosition) {
		j.t.Errorf("查看报考状态 position: %q", got)
	}
	j.expectState(domain.StateSubmitted)
	if j.js() {
		if n := eval[int](b, `document.querySelectorAll('[data-testid=status-item][hx-trigger="every 10s"]').length`); n != 1 {
			j.t.Errorf("查看报考状态 while 待审核: %d polling items, want 1", n)
		}
	}
}

// logoutAndBack: 安全退出, then the back button must not bring back any
// personal data (the pages are no-store).
func (j *journey) logoutAndBack() {
	b := j.b
	b.logout()
	j.page("logged-out")
	b.back()
	b.waitReady()
	if p := b.pathOnly(); p != "/login" {
		j.t.Errorf("back after 安全退出 shows %s, want the login page", p)
	}
	b.assertNoText(j.who.name, j.who.id, domain.MaskedID(j.who.id), j.who.phone, j.who.address)
	j.page("back-after-logout")
}

// trySwap is swap that may find no swap: it runs trigger and reports
// whether htmx swapped something in within limit.
func (b *tab) trySwap(limit time.Duration, trigger func()) bool {
	b.t.Helper()
	eval[chromedp.Void](b, `void (window.__examregSwaps = 0, window.__examregSwapHook || (window.__examregSwapHook = true,
		document.addEventListener("htmx:afterSettle", () => { window.__examregSwaps++ })))`)
	trigger()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if eval[bool](b, `window.__examregSwaps > 0 && document.querySelectorAll(".htmx-request").length === 0`) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestBrowserApplyJourney is the whole journey with JavaScript on, then the
// review: 退回修改 (the candidate sees the reason, edits, confirms again,
// re-confirms the materials: 待审核 again), then 审核通过 while the status
// page is open, which the page shows by polling, without a reload, and
// then stops polling (HTTP 286). Last, 安全退出 and the back button.
func TestBrowserApplyJourney(t *testing.T) {
	t.Parallel()
	j := newJourney(t, 301)
	b := j.b
	j.upToReview()

	// 退回修改 by the reviewer: the candidate sees the reason.
	const reason = "通讯地址不完整，请写明门牌号和邮政编码。"
	j.review(domain.ActionReturn, reason, "contact") // 考核与联系方式: 通讯地址
	b.submit("刷新")
	b.waitForURL("/status")
	if got := b.byTestID("status-state"); got != "退回修改" {
		t.Errorf("status after 退回修改: %q", got)
	}
	if got := b.byTestID("status-reason"); got != reason {
		t.Errorf("status reason: %q, want %q", got, reason)
	}
	if n := eval[int](b, `document.querySelectorAll("[hx-trigger]").length`); n != 0 {
		t.Errorf("status page polls while 退回修改 (nothing to wait for): %d polling elements", n)
	}
	j.page("status-returned")

	// Edit the named part, confirm again, re-confirm the materials.
	b.open(j.base())
	b.assertText(reason)
	if got := b.byTestID("returned-parts"); got != "考核与联系方式" {
		t.Errorf("flow: parts to fix %q", got)
	}
	j.page("flow-returned")
	b.follow(`[data-testid="go-info"]`)
	b.waitForURL(j.base() + "/form")
	// Only the named section can be edited.
	if !eval[bool](b, `document.querySelector("#sec-work").disabled && document.querySelector("#f-employer").matches(":disabled") &&
		!document.querySelector('[data-testid="save-work"]') && !document.querySelector("#sec-contact").disabled`) {
		t.Errorf("form after 退回修改 naming 考核与联系方式: 工作情况 is editable or 考核与联系方式 is not")
	}
	j.who.address = "湖北省武汉市江岸区沿江大道100号3单元502室 430014"
	b.fillIn("#sec-contact", "通讯地址", j.who.address)
	b.swap(func() { b.click(`[data-testid="save-contact"]`) })
	if got := b.byTestID("saved-contact"); got != "已保存" {
		t.Errorf("saving 通讯地址 after 退回修改: %q (form error %q)", got, b.formError())
	}
	j.page("form-edited")
	b.submit("返回报考流程")
	b.waitForURL(j.base())
	b.follow(`[data-testid="go-confirm"]`)
	b.waitForURL(j.base() + "/confirm")
	b.assertText(j.who.address)
	b.submit("报名信息确认")
	b.waitForURL(j.base())
	j.expectFlash("确认成功")
	j.expectState(domain.StateMaterialsUploaded) // the 推荐表 on file stays
	j.page("flow-reconfirmed")
	b.follow(`[data-testid="go-confirm_materials"]`)
	b.waitForURL(j.base() + "/materials")
	b.submit("材料确认")
	b.waitForURL("/status")
	j.expectSubmitted()
	j.page("status-resubmitted")

	// 审核通过 while the page is open: the poll shows it, no reload.
	eval[chromedp.Void](b, `void (window.__statusPage = "same document", window.__pollStatuses = [],
		document.addEventListener("htmx:afterRequest", e => window.__pollStatuses.push(e.detail.xhr.status)))`)
	j.review(domain.ActionApprove, "")
	b.waitForWithin(15*time.Second, "审核通过 shown by the status poll", func() bool {
		return b.byTestID("status-state") == "审核通过"
	})
	if same := eval[string](b, `window.__statusPage || ""`); same != "same document" {
		t.Errorf("the status page reloaded instead of swapping the new state in")
	}
	if got := eval[[]int](b, `window.__pollStatuses`); len(got) == 0 || got[len(got)-1] != 286 {
		t.Errorf("status poll answers %v, want the last one 286 (stop polling)", got)
	}
	if n := eval[int](b, `document.querySelectorAll("[hx-trigger]").length`); n != 0 {
		t.Errorf("status page still has %d polling elements after 审核通过", n)
	}
	if p := b.pathOnly(); p != "/status" {
		t.Errorf("after the poll the page is %s", p)
	}
	j.expectState(domain.StateApproved)
	j.page("status-approved")

	j.logoutAndBack()
}

// TestBrowserApplyJourneyNoJS walks the journey up to 待审核 with JavaScript
// off in Chromium: every form posts and redirects, nothing needs htmx.
func TestBrowserApplyJourneyNoJS(t *testing.T) {
	t.Parallel()
	j := newJourney(t, 302, withoutJS())
	b := j.b
	j.upToReview()
	if eval[bool](b, `typeof window.htmx === "object"`) {
		t.Fatal("htmx ran with JavaScript off")
	}
	// Without polling, 刷新 shows the decision.
	j.review(domain.ActionApprove, "")
	b.submit("刷新")
	b.waitForURL("/status")
	if got := b.byTestID("status-state"); got != "审核通过" {
		t.Errorf("status after 审核通过 and 刷新: %q", got)
	}
	j.page("status-approved")
	j.logoutAndBack()
}

// TestBrowserApplyJourneyPhone walks the journey up to 待审核 at 360×740:
// every page without sideways scrolling, with controls tall enough to tap.
func TestBrowserApplyJourneyPhone(t *testing.T) {
	t.Parallel()
	j := newJourney(t, 303, withPhone())
	j.upToReview()
}
