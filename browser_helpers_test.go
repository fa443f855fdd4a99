package main

// Helpers for the browser tests (browser_test.go): examreg in-process on a
// loopback port, one headless Chromium for the whole test binary, and a
// small vocabulary to drive it the way a candidate does: open a page, fill a
// field by its visible label, press a button by its text, wait for a URL or
// a text, wait for an htmx swap, take a screenshot.
//
// Extending the journey:
//
//	srv := startServer(t)                 // fresh store with the demo accounts
//	b := newTab(t, srv)                   // isolated cookie jar; withoutJS(), withPhone(), withViewport(w, h, mobile)
//	b.loginCandidate()                    // or loginReviewer / loginAdmin / loginAs(login, pw)
//	b.open("/exams")                      // returns the HTTP status of the document
//	b.clickText("选择考试")                // a button or link by its visible text (no wait)
//	b.submit("保存")                       // press a button and wait for the next page
//	b.fillByLabel("手机号", "13900139000")  // the control the <label for> points to
//	b.swap(func() { b.clickText("搜索") })  // wait for htmx to swap and settle
//	b.waitForURL("/apply"); b.waitForText("已保存")
//	b.screenshot("apply-saved")           // testout/browser/<Test>/NN-apply-saved.png
//
// Every tab fails its test at the end when the console reported a CSP
// violation or an uncaught JavaScript exception.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/go-pdf/fpdf"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/handlers"
	"examreg/kv"
	"examreg/static"
	"examreg/views"
)

// TestMain closes the shared Chromium after the tests. Another TestMain for
// package main must call stopBrowser() after m.Run().
func TestMain(m *testing.M) {
	// The crash test re-runs this test binary as the examreg server, so it
	// can kill -9 a real process (see crash_test.go).
	if args, ok := serverChildArgs(); ok {
		if err := serve(args, slog.New(slog.NewTextHandler(os.Stderr, nil))); err != nil {
			fmt.Fprintln(os.Stderr, "examreg child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// stepTimeout bounds one browser step (a navigation, a wait, a click).
// Every wait ends as soon as its condition holds, so a generous bound costs
// a passing test nothing and keeps a loaded CI machine (load average ~5 on
// 2 cores) from failing a step that is merely slow.
// EXAMREG_BROWSER_STEP_TIMEOUT (e.g. 60s) changes it.
var stepTimeout = browserStepTimeout()

func browserStepTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("EXAMREG_BROWSER_STEP_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// browserOutDir is where screenshots go (gitignored).
const browserOutDir = "testout/browser"

// ---------------------------------------------------------------- server

// testServer is examreg running in-process on a free loopback port.
type testServer struct {
	URL   string // http://127.0.0.1:PORT
	Store *kv.Store
	app   *fiber.App
}

// startServer starts examreg with a temp data dir, the demo accounts (and
// the demo exam, once seedDemoExam fills it) and no captcha (cfg may change
// that). It stops at the end of the test.
func startServer(t testing.TB, cfg ...func(*handlers.Config)) *testServer {
	t.Helper()
	store, err := kv.Open(kv.Options{Dir: t.TempDir(), SyncWrites: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	if err := seedDemo(store, time.Now(), io.Discard); err != nil {
		store.Close()
		t.Fatalf("seed demo: %v", err)
	}
	views.SetAssetURL(static.URL)
	conf := handlers.Config{Store: store, NoCaptcha: true, Clock: time.Now}
	for _, f := range cfg {
		f(&conf)
	}
	app := handlers.New(conf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln)
	}()
	srv := &testServer{URL: "http://" + ln.Addr().String(), Store: store, app: app}
	// Shut down only a server that serves: a Shutdown that comes before
	// Serve started is lost, and Serve would then never return.
	if err := waitHealthy(srv.URL); err != nil {
		t.Fatalf("server did not come up: %v", err)
	}
	t.Cleanup(func() {
		_ = app.ShutdownWithTimeout(5 * time.Second)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("server did not stop")
		}
		store.Close()
	})
	return srv
}

// aheadClock is a server clock that runs offset ahead of the real one: a
// test moves the exam's calendar on (payment closed, ticket window open…)
// by storing a larger offset while the server runs.
func aheadClock() (offset *atomic.Int64, clock func() time.Time) {
	offset = new(atomic.Int64)
	return offset, func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
}

// startWithPaidCandidate starts examreg on clock, clears the test's
// screenshots and makes the seeded 陈静 (审核通过) 已缴费 with a confirmed
// payment (ActionPay by RoleSystem, as the payment callback does). It
// returns the server, the demo exam and her application.
func startWithPaidCandidate(t *testing.T, clock func() time.Time) (*testServer, *domain.Exam, *domain.Application) {
	t.Helper()
	srv := startServer(t, func(c *handlers.Config) { c.Clock = clock })
	resetShots(t)
	exam := demoExam(t, srv.Store)
	acct, err := srv.Store.AccountByLogin(paidCandidateLogin())
	if err != nil {
		t.Fatal(err)
	}
	app, err := srv.Store.ApplicationOf(acct.ID, exam.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.UpdateApplication(app.ID, func(_ *kv.Tx, a *domain.Application) error {
		return domain.Transition(a, exam, domain.ActionPay, "alipay", domain.RoleSystem, time.Now(), "")
	}); err != nil {
		t.Fatal(err)
	}
	return srv, exam, app
}

// paidCandidateLogin is the login (身份证号) of 陈静, seeded 审核通过 in
// demo_states.go, whom startWithPaidCandidate makes 已缴费.
func paidCandidateLogin() string {
	return "42010219950102264" + string(domain.IDCheckDigit("42010219950102264"))
}

// demoExam returns the seeded demo exam.
func demoExam(t *testing.T, store *kv.Store) *domain.Exam {
	t.Helper()
	exams, err := store.Exams()
	if err != nil || len(exams) == 0 {
		t.Fatalf("no demo exam: %v", err)
	}
	return exams[0]
}

// waitHealthy polls /healthz until it answers 200.
func waitHealthy(base string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newIDNumber makes a valid ID number (武汉市江岸区, born 1995-06-15) whose
// sequence digits come from seq, so each call in a test can differ.
func newIDNumber(seq int) string {
	body := fmt.Sprintf("42010219950615%03d", seq%1000)
	return body + string(domain.IDCheckDigit(body))
}

// ---------------------------------------------------------------- browser

var (
	browserOnce   sync.Once
	browserCtx    context.Context // a started browser; tabs are its children
	browserCancel context.CancelFunc
	allocCancel   context.CancelFunc
	browserErr    error
	browserSkip   string
	browserTmp    string
)

// chromiumPath finds the browser: EXAMREG_CHROME, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("EXAMREG_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// sharedBrowser starts one Chromium for the whole test binary (pipe
// transport, fresh profile in a temp dir that the allocator removes).
func sharedBrowser(t testing.TB) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path := chromiumPath()
		if path == "" {
			browserSkip = "browser tests skipped: no Chromium found (apt-get install -y chromium fonts-wqy-microhei, or set EXAMREG_CHROME)"
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("lang", "zh-CN"),
			chromedp.WindowSize(1280, 900),
		)
		// Chromium's own temp files (singleton socket, shared memory) go to
		// a folder removed at the end: a killed browser leaves them behind.
		if dir, err := os.MkdirTemp("", "examreg-chromium-"); err == nil {
			browserTmp = dir
			opts = append(opts, chromedp.Env("TMPDIR="+dir))
		}
		var actx context.Context
		actx, allocCancel = chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, browserCancel = chromedp.NewContext(actx)
		// Start the browser with no timeout: the first Do binds its life to
		// this context (docs/API.md example 21).
		browserErr = chromedp.Do(browserCtx)
	})
	if browserSkip != "" {
		// In CI (CI=true, as GitHub Actions and most runners set it) a
		// missing browser is a broken setup, not a reason to skip.
		if os.Getenv("CI") != "" {
			t.Fatal(strings.Replace(browserSkip, "skipped", "cannot run in CI", 1))
		}
		t.Skip(browserSkip)
	}
	if browserErr != nil {
		t.Fatalf("start Chromium: %v", browserErr)
	}
	return browserCtx
}

func stopBrowser() {
	if browserCtx != nil {
		_ = chromedp.Cancel(browserCtx) // closes the browser gracefully
	}
	if browserCancel != nil {
		browserCancel()
	}
	if allocCancel != nil {
		allocCancel()
	}
	if browserTmp != "" {
		_ = os.RemoveAll(browserTmp)
	}
}

// ---------------------------------------------------------------- tabs

type tabOptions struct {
	noJS          bool
	width, height int64
	mobile        bool
}

// tabOption configures newTab.
type tabOption func(*tabOptions)

// withoutJS switches JavaScript off in the tab before the first page loads.
func withoutJS() tabOption { return func(o *tabOptions) { o.noJS = true } }

// withViewport emulates a screen of width×height CSS pixels.
func withViewport(width, height int64, mobile bool) tabOption {
	return func(o *tabOptions) { o.width, o.height, o.mobile = width, height, mobile }
}

// withPhone emulates a 360×740 phone (the common Android size).
func withPhone() tabOption { return withViewport(360, 740, true) }

// consoleEntry is one console message, exception or browser log entry.
type consoleEntry struct {
	Kind string // console.<type>, exception, log.<source>.<level>
	Text string
	URL  string
}

func (e consoleEntry) String() string {
	s := e.Kind + ": " + e.Text
	if e.URL != "" {
		s += " (" + e.URL + ")"
	}
	return s
}

// isCSP reports a Content Security Policy violation.
func (e consoleEntry) isCSP() bool {
	return strings.Contains(e.Text, "Content Security Policy") || strings.Contains(e.Text, "Refused to")
}

// isError reports an exception or an error-level message.
func (e consoleEntry) isError() bool {
	return e.Kind == "exception" || strings.HasSuffix(e.Kind, ".error") || e.Kind == "console.error" || e.Kind == "console.assert"
}

// tab is one browser tab in its own browser context (own cookies, own
// session), bound to a test and a server.
type tab struct {
	t    testing.TB
	srv  *testServer
	ctx  context.Context
	opts tabOptions
	name string // screenshot prefix when a test has several tabs

	shots int
	// failureSaved: the failure's screenshot and HTML are already saved.
	failureSaved bool

	mu      sync.Mutex
	console []consoleEntry
}

// newTab opens a tab in a new, isolated browser context. It is closed at the
// end of the test, and the test fails if the page reported a CSP violation
// or an uncaught exception meanwhile.
func newTab(t testing.TB, srv *testServer, opts ...tabOption) *tab {
	t.Helper()
	parent := sharedBrowser(t)
	b := &tab{t: t, srv: srv}
	for _, o := range opts {
		o(&b.opts)
	}
	ctx, cancel := chromedp.NewContext(parent,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(b.record),
	)
	b.ctx = ctx
	t.Cleanup(func() {
		// A test that failed through t.Fatal/t.Error rather than b.fatalf
		// still leaves its screenshot and page HTML under testout/.
		if t.Failed() && !b.failureSaved {
			shot, html := b.saveFailure()
			t.Logf("failed page saved: screenshot %s, html %s", shot, html)
		}
		cancel()
		for _, e := range b.entries() {
			if e.isCSP() {
				t.Errorf("CSP violation reported in the console: %s", e)
			} else if e.Kind == "exception" {
				t.Errorf("uncaught JavaScript exception: %s", e)
			}
		}
	})
	// Open the tab with no timeout (binds the tab to ctx, not to a step).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	var steps []chromedp.Action[chromedp.Void]
	if b.opts.noJS {
		steps = append(steps, call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}))
	}
	if b.opts.width > 0 {
		var vo []chromedp.EmulateViewportOption
		if b.opts.mobile {
			vo = append(vo, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		steps = append(steps, chromedp.EmulateViewport(b.opts.width, b.opts.height, vo...))
	}
	if len(steps) > 0 {
		b.do(steps...)
	}
	return b
}

// call wraps a protocol command as an action.
func call[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, params)
		return err
	})
}

// record runs in the tab's event loop: return fast, run no command.
func (b *tab) record(ev any) {
	var e consoleEntry
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			switch {
			case a.Type == runtime.RemoteObjectTypeString:
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			case a.Description != "":
				parts = append(parts, a.Description)
			default:
				parts = append(parts, string(a.Value))
			}
		}
		e = consoleEntry{Kind: "console." + string(ev.Type), Text: strings.Join(parts, " ")}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		e = consoleEntry{Kind: "exception", Text: text, URL: d.URL}
	case *cdplog.EventEntryAdded:
		e = consoleEntry{Kind: "log." + string(ev.Entry.Source) + "." + string(ev.Entry.Level), Text: ev.Entry.Text, URL: ev.Entry.URL}
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, e)
	b.mu.Unlock()
}

// entries returns the console messages so far.
func (b *tab) entries() []consoleEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]consoleEntry(nil), b.console...)
}

// forgetConsole drops the messages recorded so far (after a test provoked
// one on purpose).
func (b *tab) forgetConsole() {
	b.mu.Lock()
	b.console = nil
	b.mu.Unlock()
}

// consoleErrors returns the exceptions and error-level messages so far.
func (b *tab) consoleErrors() []consoleEntry {
	var out []consoleEntry
	for _, e := range b.entries() {
		if e.isError() || e.isCSP() {
			out = append(out, e)
		}
	}
	return out
}

// stepCtx bounds one step.
func (b *tab) stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions, failing the test on error.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatalf("browser step failed: %v", err)
	}
}

// run runs one action that returns a value.
func run[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalf("browser step failed: %v", err)
	}
	return v
}

// eval evaluates JavaScript through DevTools (works with page scripts off).
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	return run(b, chromedp.EvaluateAsDevTools[T](expr))
}

// fatalf saves a screenshot of the failure, then stops the test.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	shot, html := b.saveFailure()
	if shot != "" {
		msg += "\n  screenshot: " + shot
	}
	if html != "" {
		msg += "\n  page HTML: " + html
	}
	msg += "\n  at: " + b.currentURL()
	b.t.Fatal(msg)
}

// ---------------------------------------------------------------- navigation

// abs turns a path into a URL of the server.
func (b *tab) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.srv.URL + path
}

// open navigates to path, waits for the load and returns the HTTP status of
// the final document (after redirects).
func (b *tab) open(path string) int {
	b.t.Helper()
	return int(b.openResponse(path).Status)
}

// openResponse is open returning the whole response of the final document
// (status, headers).
func (b *tab) openResponse(path string) *network.Response {
	b.t.Helper()
	resp := run(b, chromedp.NavigateResponse(b.abs(path)))
	if resp == nil {
		b.fatalf("open %s: no response", path)
	}
	return resp
}

// header returns a response header, whatever its case.
func header(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			if s, ok := v.(string); ok {
				return s
			}
			return fmt.Sprint(v)
		}
	}
	return ""
}

// currentURL is the URL of the current history entry (no JavaScript needed).
func (b *tab) currentURL() string {
	ctx, cancel := b.stepCtx()
	defer cancel()
	h, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil || h.CurrentIndex < 0 || int(h.CurrentIndex) >= len(h.Entries) {
		return ""
	}
	return h.Entries[h.CurrentIndex].URL
}

// path is the current path with its query, e.g. "/login?next=%2F".
func (b *tab) path() string {
	u, err := url.Parse(b.currentURL())
	if err != nil {
		return ""
	}
	return u.RequestURI()
}

// pathOnly is the current path without the query.
func (b *tab) pathOnly() string {
	u, err := url.Parse(b.currentURL())
	if err != nil {
		return ""
	}
	return u.Path
}

// back is the browser's back button; it waits for the page to load.
func (b *tab) back() {
	b.t.Helper()
	b.do(chromedp.NavigateBack())
}

// waitFor polls cond until it holds or the step timeout ends.
func (b *tab) waitFor(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitForURL waits until the current path (without query) is path.
func (b *tab) waitForURL(path string) {
	b.t.Helper()
	b.waitFor("URL path "+path+" (now "+b.path()+")", func() bool { return b.pathOnly() == path })
	b.waitReady()
}

// waitReady waits for the document to finish loading.
func (b *tab) waitReady() {
	b.t.Helper()
	b.waitFor("document ready", func() bool {
		ctx, cancel := b.stepCtx()
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](`document.readyState`))
		return err == nil && s == "complete"
	})
}

// ---------------------------------------------------------------- reading

// text is the visible text of the page (innerText of body).
func (b *tab) text() string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return ""
	}
	return s
}

// html is the page's HTML as it is now.
func (b *tab) html() string {
	b.t.Helper()
	return eval[string](b, `document.documentElement.outerHTML`)
}

// title is the document title.
func (b *tab) title() string {
	b.t.Helper()
	return eval[string](b, `document.title`)
}

// waitForText waits until the visible text contains s.
func (b *tab) waitForText(s string) {
	b.t.Helper()
	b.waitFor("text "+s, func() bool { return strings.Contains(b.text(), s) })
}

// assertText fails unless the visible text contains every s now.
func (b *tab) assertText(ss ...string) {
	b.t.Helper()
	text := b.text()
	for _, s := range ss {
		if !strings.Contains(text, s) {
			b.t.Errorf("page %s: text %q not visible; page text:\n%s", b.path(), s, clip(text, 1500))
		}
	}
}

// assertNoText fails if the page (its HTML, so hidden text too) contains any s.
func (b *tab) assertNoText(ss ...string) {
	b.t.Helper()
	html := b.html()
	for _, s := range ss {
		if strings.Contains(html, s) {
			b.t.Errorf("page %s must not contain %q", b.path(), s)
		}
	}
}

// assertNumbersUnbroken fails when a table cell or a definition that holds
// only a code or number (职位代码, ID, phone, counts of 5+ digits) is broken
// across lines: such a value must stay readable and copyable.
func (b *tab) assertNumbersUnbroken() {
	b.t.Helper()
	broken := eval[string](b, `Array.from(document.querySelectorAll("td, th, dd, code"))
		.filter(e => /^[0-9A-Z*]{5,}$/.test(e.innerText.trim()) && e.getClientRects().length > 0)
		.filter(e => { const r = document.createRange(); r.selectNodeContents(e);
			const lines = new Set(Array.from(r.getClientRects()).filter(q => q.width > 0).map(q => Math.round(q.top)));
			return lines.size > 1; })
		.slice(0, 5).map(e => e.innerText.trim().replace(/\s+/g, "⏎")).join(", ")`)
	if broken != "" {
		b.t.Errorf("page %s: codes broken across lines: %s", b.path(), broken)
	}
}

// byTestID returns the visible text of [data-testid=id], "" when absent.
func (b *tab) byTestID(id string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => { const e = document.querySelector('[data-testid=%q]'); return e ? e.innerText.trim() : "" })()`, id))
}

// flash is the one-time message at the top of the page ("" when none).
func (b *tab) flash() string { b.t.Helper(); return b.byTestID("flash") }

// fieldError is the message next to the field named name ("" when none).
func (b *tab) fieldError(name string) string { b.t.Helper(); return b.byTestID("error-" + name) }

// formError is the summary message above a form ("" when none).
func (b *tab) formError() string { b.t.Helper(); return b.byTestID("form-error") }

// ---------------------------------------------------------------- acting

// controlForLabel finds the id of the control that the <label> with this
// text points to. An exact match of the label's own text wins (so "密码"
// does not pick "确认密码"); otherwise the label must contain the text once.
func (b *tab) controlForLabel(label string) string {
	b.t.Helper()
	return b.controlForLabelIn("", label)
}

// controlForLabelIn is controlForLabel among the labels inside the element
// that the CSS selector scope matches ("" is the whole document), for forms
// that repeat a label (政治面貌 of the candidate and of each family member).
func (b *tab) controlForLabelIn(scope, label string) string {
	b.t.Helper()
	id := eval[string](b, fmt.Sprintf(`(() => {
		const want = %q, scope = %q;
		const root = scope ? document.querySelector(scope) : document;
		if (!root) return "!0 (no " + scope + ")";
		const own = l => Array.from(l.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
		const labels = Array.from(root.querySelectorAll("label[for]"));
		let hit = labels.filter(l => own(l) === want);
		if (hit.length === 0) hit = labels.filter(l => l.textContent.includes(want));
		if (hit.length !== 1) return "!" + hit.length;
		return hit[0].htmlFor;
	})()`, label, scope))
	if strings.HasPrefix(id, "!") {
		where := ""
		if scope != "" {
			where = " in " + scope
		}
		b.fatalf("label %q%s: found %s labels, want exactly one", label, where, id[1:])
	}
	return id
}

// byID is a CSS selector for an element id that may hold dots
// ("f-family.0.name"), which "#id" would read as classes.
func byID(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[id=%q]`, id)) }

// fillByLabel types value into the control that the label points to,
// replacing what was there. A <select> gets the option with that value or
// text.
func (b *tab) fillByLabel(label, value string) {
	b.t.Helper()
	b.fillControl(label, b.controlForLabel(label), value)
}

// fillIn fills several fields by label among the labels inside scope (a
// CSS selector), in order.
func (b *tab) fillIn(scope string, pairs ...string) {
	b.t.Helper()
	if len(pairs)%2 != 0 {
		b.t.Fatal("fillIn: want label, value pairs")
	}
	for i := 0; i < len(pairs); i += 2 {
		b.fillControl(pairs[i], b.controlForLabelIn(scope, pairs[i]), pairs[i+1])
	}
}

func (b *tab) fillControl(label, id, value string) {
	b.t.Helper()
	tag := eval[string](b, fmt.Sprintf(`document.getElementById(%q).tagName`, id))
	if tag == "SELECT" {
		ok := eval[bool](b, fmt.Sprintf(`(() => {
			const s = document.getElementById(%q), v = %q;
			for (const o of s.options) if (o.value === v || o.text.trim() === v) { s.value = o.value; return true; }
			return false; })()`, id, value))
		if !ok {
			b.fatalf("select %q has no option %q", label, value)
		}
		return
	}
	// Empty the control through DevTools (works with page scripts off),
	// then type like a user, so input events fire for htmx.
	eval[chromedp.Void](b, fmt.Sprintf(`void (document.getElementById(%q).value = "")`, id))
	if value != "" {
		b.do(chromedp.SendKeys(byID(id), value))
	}
	if got := eval[string](b, fmt.Sprintf(`document.getElementById(%q).value`, id)); got != value {
		b.fatalf("field %q holds %q after typing %q", label, got, value)
	}
}

// uploadByLabel puts the file at path into the <input type=file> that the
// label points to (works with JavaScript off).
func (b *tab) uploadByLabel(label, path string) {
	b.t.Helper()
	id := b.controlForLabel(label)
	abs, err := filepath.Abs(path)
	if err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.SetUploadFiles(chromedp.ID(id), []string{abs}))
}

// writeJPEG writes a w×h portrait-like JPEG (blue background, a face-coloured
// disc) into the test's temp dir and returns its path.
func writeJPEG(t testing.TB, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{70, 130, 200, 255}
			if dx, dy := x-w/2, y-h*2/5; dx*dx+dy*dy < (w/4)*(w/4) {
				c = color.RGBA{230, 190, 160, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("photo-%dx%d.jpg", w, h))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fill fills several fields by label, in order.
func (b *tab) fill(pairs ...string) {
	b.t.Helper()
	if len(pairs)%2 != 0 {
		b.t.Fatal("fill: want label, value pairs")
	}
	for i := 0; i < len(pairs); i += 2 {
		b.fillByLabel(pairs[i], pairs[i+1])
	}
}

// clickableByText returns a CSS selector for the one visible button, link or
// submit input whose text is exactly text (marking it with a data attribute).
func (b *tab) clickableByText(text string) string {
	b.t.Helper()
	mark := fmt.Sprintf("c%d", time.Now().UnixNano())
	n := eval[int](b, fmt.Sprintf(`(() => {
		const want = %q;
		const els = Array.from(document.querySelectorAll("button, a, input[type=submit], input[type=button], [role=button]"))
			.filter(e => (e.innerText || e.value || "").trim() === want && e.getClientRects().length > 0);
		if (els.length >= 1) els[0].setAttribute("data-clicktarget", %q);
		return els.length; })()`, text, mark))
	if n == 0 {
		b.fatalf("no visible button or link with text %q", text)
	}
	return fmt.Sprintf(`[data-clicktarget=%q]`, mark)
}

// clickText clicks the button or link with this exact text; it does not
// wait for anything (use submit, waitForURL, waitForText or swap).
func (b *tab) clickText(text string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(b.clickableByText(text)), chromedp.NodeVisible))
}

// click clicks the first element matching a CSS selector.
func (b *tab) click(css string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// submit presses the button (or follows the link) with this text, waits for
// the resulting page to load, and returns its HTTP status.
func (b *tab) submit(text string) int {
	b.t.Helper()
	sel := b.clickableByText(text)
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.fatalf("press %q: %v", text, err)
	}
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// follow clicks the element that the CSS selector matches (a link, a
// button), waits for the page it leads to and returns its HTTP status.
func (b *tab) follow(css string) int {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		b.fatalf("click %s: %v", css, err)
	}
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// waitForWithin is waitFor with its own time limit, for waits longer than
// a step (the 10 s status poll).
func (b *tab) waitForWithin(limit time.Duration, what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// swap runs trigger (e.g. a click on an hx-* element) and waits until htmx
// has swapped the response in and settled.
func (b *tab) swap(trigger func()) {
	b.t.Helper()
	if b.opts.noJS {
		b.t.Fatal("swap: htmx does not run with JavaScript off")
	}
	eval[chromedp.Void](b, `void (window.__examregSwaps = 0, window.__examregSwapHook || (window.__examregSwapHook = true,
		document.addEventListener("htmx:afterSettle", () => { window.__examregSwaps++ })))`)
	trigger()
	b.waitFor("an htmx swap", func() bool {
		ctx, cancel := b.stepCtx()
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[bool](
			`window.__examregSwaps > 0 && document.querySelectorAll(".htmx-request").length === 0`))
		return err == nil && ok
	})
}

// ---------------------------------------------------------------- roles

// loginAs logs in through the login form and waits for the next page.
func (b *tab) loginAs(login, password string) {
	b.t.Helper()
	if st := b.open("/login"); st != 200 {
		b.fatalf("GET /login: status %d", st)
	}
	b.fillByLabel("身份证号 / 用户名", login)
	b.fillByLabel("密码", password)
	b.submit("登录")
	if b.pathOnly() == "/login" {
		b.fatalf("login as %s failed: %s %s", login, b.formError(), b.text())
	}
}

// loginCandidate logs in as the demo candidate (张三); without a photo the
// first page is /photo.
func (b *tab) loginCandidate() { b.t.Helper(); b.loginAs(demoCandidateID(), demoPassword) }

// loginReviewer logs in as the demo reviewer.
func (b *tab) loginReviewer() { b.t.Helper(); b.loginAs(demoReviewerLogin, demoPassword) }

// loginAdmin logs in as the demo administrator.
func (b *tab) loginAdmin() { b.t.Helper(); b.loginAs(demoAdminLogin, demoPassword) }

// logout presses 安全退出 and waits for the login page.
func (b *tab) logout() {
	b.t.Helper()
	b.submit("安全退出")
	b.waitForURL("/login")
}

// ---------------------------------------------------------------- screenshots

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshot saves the whole page as testout/browser/<Test>/<NN>-<name>.png
// and returns the path.
func (b *tab) screenshot(name string) string {
	b.t.Helper()
	p := b.saveShot(name)
	if p == "" {
		b.t.Errorf("screenshot %s failed", name)
	}
	return p
}

func (b *tab) saveShot(name string) string {
	ctx, cancel := b.stepCtx()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return ""
	}
	dir := filepath.Join(browserOutDir, unsafeName.ReplaceAllString(b.t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	b.shots++
	prefix := ""
	if b.name != "" {
		prefix = b.name + "-"
	}
	p := filepath.Join(dir, fmt.Sprintf("%s%02d-%s.png", prefix, b.shots, unsafeName.ReplaceAllString(name, "_")))
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		return ""
	}
	return p
}

// saveFailure saves the page as it is at a failure: a screenshot and the
// HTML, under testout/browser/<Test>/. It never fails the test itself.
func (b *tab) saveFailure() (shot, htmlPath string) {
	b.failureSaved = true
	shot = b.saveShot("FAILED")
	ctx, cancel := b.stepCtx()
	defer cancel()
	html, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](`document.documentElement.outerHTML`))
	if err != nil {
		return shot, ""
	}
	dir := filepath.Join(browserOutDir, unsafeName.ReplaceAllString(b.t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return shot, ""
	}
	prefix := ""
	if b.name != "" {
		prefix = b.name + "-"
	}
	htmlPath = filepath.Join(dir, fmt.Sprintf("%sFAILED-%02d.html", prefix, b.shots))
	if err := os.WriteFile(htmlPath, []byte(html), 0o644); err != nil {
		return shot, ""
	}
	return shot, htmlPath
}

// resetShots empties the test's screenshot folder, so old files do not
// mislead whoever looks at them.
func resetShots(t testing.TB) {
	_ = os.RemoveAll(filepath.Join(browserOutDir, unsafeName.ReplaceAllString(t.Name(), "_")))
}

// ---------------------------------------------------------------- phone

// minTapHeight is "about 40 px": a 16 px input with 9 px padding renders
// 39 px tall and is fine; a bare text link (26 px) is not.
const minTapHeight = 38

// assertPhoneLayout checks the current page on a phone-sized tab: the
// layout viewport is the screen (meta viewport), nothing scrolls sideways,
// and the controls of forms are tall enough to tap. what names the page in
// messages.
func (b *tab) assertPhoneLayout(what string) {
	b.t.Helper()
	width := b.opts.width
	if width == 0 {
		b.t.Fatal("assertPhoneLayout on a tab without withPhone()")
	}
	if w := eval[int64](b, `document.documentElement.clientWidth`); w != width {
		b.t.Errorf("%s: layout viewport %d px wide, want %d (meta viewport?)", what, w, width)
	}
	if sw := eval[int64](b, `document.documentElement.scrollWidth`); sw > width {
		wide := eval[string](b, fmt.Sprintf(`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > %d).slice(0, 5).map(e => e.tagName + "." + e.className + " right=" + Math.round(e.getBoundingClientRect().right)).join("; ")`, width+1))
		b.t.Errorf("%s: scrollWidth %d > %d: horizontal scrolling (widest: %s)", what, sw, width, wide)
	}
	// A checkbox or radio is tapped through its label row, so the label's
	// box counts for it.
	small := eval[string](b, `(() => {
		const height = e => {
			let h = e.getBoundingClientRect().height;
			if (e.type === "checkbox" || e.type === "radio") {
				const l = e.closest("label") || (e.id && document.querySelector('label[for="' + e.id + '"]'));
				if (l) h = Math.max(h, l.getBoundingClientRect().height);
			}
			return h;
		};
		return Array.from(document.querySelectorAll("form button, form a, form input:not([type=hidden]), form select"))
			.filter(e => e.getClientRects().length > 0)
			.filter(e => height(e) < `+fmt.Sprint(minTapHeight)+`)
			.map(e => e.tagName + " " + JSON.stringify((e.innerText || e.name || "").trim()) + " " + Math.round(height(e)) + "px").join("; ");
	})()`)
	if small != "" {
		b.t.Errorf("%s: tap targets under %d px tall: %s", what, minTapHeight, small)
	}
}

// assertFormsLabelled fails for any visible form control without a
// visible <label for=…> naming it: screen readers and older browsers
// depend on it, and the tests fill forms by their labels.
func (b *tab) assertFormsLabelled(what string) {
	b.t.Helper()
	bad := eval[string](b, `Array.from(document.querySelectorAll("input, select, textarea"))
		.filter(e => !["hidden", "submit", "button", "reset", "image"].includes(e.type))
		.filter(e => e.getClientRects().length > 0)
		.filter(e => {
			const l = e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]');
			return !l || l.textContent.trim() === "" || l.getClientRects().length === 0;
		})
		.map(e => e.tagName + " name=" + e.name + " id=" + e.id).join("; ")`)
	if bad != "" {
		b.t.Errorf("%s: form controls without a visible <label for>: %s", what, bad)
	}
}

// writePDF writes an A4 PDF of n pages (a stand-in for the scanned,
// signed 报名推荐表) into the test's temp dir and returns its path.
func writePDF(t testing.TB, pages int) string {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetFont("Helvetica", "", 14)
	for i := range pages {
		p.AddPage()
		p.Cell(0, 10, fmt.Sprintf("Recommendation form (signed and stamped), page %d of %d", i+1, pages))
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("recommendation-%dp.pdf", pages))
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ---------------------------------------------------------------- misc

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
