//go:build load

package main

// The last-day peak on one box (issue 15), measured from outside: seed a
// store through kv, start the real binary on it, and drive it over HTTP.
//
//	go test -tags load -run TestLoad -v -timeout 30m .
//
// Environment (all optional):
//
//	EXAMREG_LOAD_SCALE     1      fraction of 100,000 candidates / 10,000 positions (0.1 for a quick run)
//	EXAMREG_LOAD_DURATION  5s     length of each measured phase
//	EXAMREG_LOAD_ADDR      127.0.0.1:18090
//	EXAMREG_LOAD_CONNS     64,256 connection counts
//	EXAMREG_LOAD_DATA      (temp) seed once into this directory and reuse it on later runs
//	EXAMREG_LOAD_LONG      0      length of a last, longer mixed run with writes (logins, profile saves) at the
//	                              largest connection count, RSS sampled every second (e.g. 5m)
//	EXAMREG_LOAD_SEED_ONLY (off)  1: seed (when needed) and stop before starting the server
//	EXAMREG_LOAD_PHASES    (all)  only these phases, e.g. "healthz,poll,counts" (kinds, "mixed", "rush")
//	EXAMREG_LOAD_PROFILE   (off)  a directory: the server's CPU and allocation profiles of every phase
//	                              are saved there as <conns>-<phase>.pprof and <conns>-<phase>.allocs.pprof
//	                              (go tool pprof -top FILE; -sample_index=alloc_space for allocations)
//
// The machine is shared, so absolute figures mean little: compare each
// request kind's req/s with /healthz measured at the same connection count
// in the same run (the "ratio" column); the load average is printed beside
// every phase. The load generator (fasthttp, one goroutine per connection)
// runs on the same cores as the server.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"examreg/domain"
	"examreg/handlers"
	"examreg/kv"
)

const (
	loadCandidates = 100000
	loadPositions  = 10000
	loadPassword   = "Passw0rd2026"
	loadExamID     = "load2026"
	loadSessions   = 256 // candidates logged in for status polls (connections share them)
)

type loadConfig struct {
	scale    float64
	duration time.Duration
	addr     string
	conns    []int
	dataDir  string
	long     time.Duration
	phases   map[string]bool // nil: every phase
	profile  string          // directory for per-phase CPU profiles; "" = none
}

// runs reports whether the phase is selected.
func (c loadConfig) runs(phase string) bool { return c.phases == nil || c.phases[phase] }

func loadConfigFromEnv(t *testing.T) loadConfig {
	c := loadConfig{scale: 1, duration: 5 * time.Second, addr: "127.0.0.1:18090", conns: []int{64, 256}}
	if v := os.Getenv("EXAMREG_LOAD_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 10 {
			t.Fatalf("EXAMREG_LOAD_SCALE=%q: want a number in (0, 10]", v)
		}
		c.scale = f
	}
	if v := os.Getenv("EXAMREG_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("EXAMREG_LOAD_DURATION=%q: %v", v, err)
		}
		c.duration = d
	}
	if v := os.Getenv("EXAMREG_LOAD_ADDR"); v != "" {
		c.addr = v
	}
	if v := os.Getenv("EXAMREG_LOAD_CONNS"); v != "" {
		c.conns = nil
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 {
				t.Fatalf("EXAMREG_LOAD_CONNS=%q", v)
			}
			c.conns = append(c.conns, n)
		}
	}
	c.dataDir = os.Getenv("EXAMREG_LOAD_DATA")
	if v := os.Getenv("EXAMREG_LOAD_LONG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			t.Fatalf("EXAMREG_LOAD_LONG=%q: %v", v, err)
		}
		c.long = d
	}
	if v := os.Getenv("EXAMREG_LOAD_PHASES"); v != "" {
		c.phases = map[string]bool{"healthz": true} // every ratio needs it
		for _, p := range strings.Split(v, ",") {
			c.phases[strings.TrimSpace(p)] = true
		}
	}
	if c.profile = os.Getenv("EXAMREG_LOAD_PROFILE"); c.profile != "" {
		if err := os.MkdirAll(c.profile, 0o755); err != nil {
			t.Fatalf("EXAMREG_LOAD_PROFILE: %v", err)
		}
	}
	return c
}

func TestLoad(t *testing.T) {
	cfg := loadConfigFromEnv(t)
	nCand := max(int(loadCandidates*cfg.scale), 1000)
	nPos := max(int(loadPositions*cfg.scale), 100)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "examreg")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	data := cfg.dataDir
	if data == "" {
		data = filepath.Join(tmp, "data")
	}
	now := time.Now()
	marker := filepath.Join(data, "load-seeded")
	if want := fmt.Sprintf("%d/%d", nCand, nPos); readFile(marker) != want {
		os.RemoveAll(data)
		start := time.Now()
		seedLoadStore(t, data, nCand, nPos, now)
		t.Logf("seeded %d candidates, %d positions, %d applications in %s (load %s)", nCand, nPos, nCand, time.Since(start).Round(time.Millisecond), loadAvg())
		changes := measureStateChanges(t, data, nCand, cfg.duration, now)
		t.Logf("state changes (审核通过 through kv.ReviewApplication, SyncWrites, 64 writers): %.0f/s (load %s)", changes, loadAvg())
		os.WriteFile(marker, []byte(want), 0o644)
	} else {
		t.Logf("reusing seeded store %s (%s); state changes are measured on a fresh seed only", data, want)
	}
	if os.Getenv("EXAMREG_LOAD_SEED_ONLY") != "" {
		return // e.g. to copy the store before its first start
	}

	srv := startLoadServer(t, bin, data, cfg.addr, cfg.profile != "")
	sessions := loginCandidates(t, cfg.addr, min(loadSessions, nCand/20))
	t.Logf("server up; %d candidates logged in; RSS after start %s, peak RSS of the start %s (load %s)", len(sessions), srv.rss(), srv.peakRSS(), loadAvg())
	startPeak := srv.peakRSS()

	loginForms := anonLoginForms(t, cfg.addr, 32)
	searches := searchPaths(nPos)
	// Each connection polls as one browser tab: it sends back the stamp of
	// the fragment it shows (hx-get="/status/<exam>?v=…").
	pollURLs := make([]string, slices.Max(cfg.conns))
	afterPoll := func(w int, kind string, resp *fasthttp.Response) {
		if kind == "poll" && resp.StatusCode() == 200 {
			if m := loadPollURL.FindSubmatch(resp.Body()); m != nil {
				pollURLs[w] = strings.ReplaceAll(string(m[1]), "&amp;", "&")
			}
		}
	}
	kinds := map[string]func(r *rand.Rand, w int, req *fasthttp.Request){
		"healthz": func(_ *rand.Rand, _ int, req *fasthttp.Request) { req.SetRequestURI("/healthz") },
		"poll": func(_ *rand.Rand, w int, req *fasthttp.Request) {
			if pollURLs[w] != "" {
				req.SetRequestURI(pollURLs[w])
			} else {
				req.SetRequestURI("/status/" + loadExamID)
			}
			req.Header.Set("HX-Request", "true")
			req.Header.Set("Cookie", sessions[w%len(sessions)].cookie)
		},
		// 修改注册信息 by a signed-in candidate: an account write and a
		// session write (the flash), both synced, in the middle of the polls.
		"profile": func(r *rand.Rand, w int, req *fasthttp.Request) {
			sess := sessions[w%len(sessions)]
			req.SetRequestURI("/account/profile")
			req.Header.SetMethod("POST")
			req.Header.SetContentType("application/x-www-form-urlencoded")
			req.Header.Set("Cookie", sess.cookie)
			req.SetBodyString("phone=139" + fmt.Sprintf("%08d", r.IntN(1e8)) + "&email=&_csrf=" + urlQuery(sess.csrf))
		},
		"search": func(r *rand.Rand, _ int, req *fasthttp.Request) {
			req.SetRequestURI(searches[r.IntN(len(searches))])
			req.Header.Set("HX-Request", "true")
		},
		"search_uncached": func(r *rand.Rand, _ int, req *fasthttp.Request) {
			// A keyword pair and a page drawn from thousands of combinations:
			// hardly any request repeats within a phase.
			kw := loadKeywords[r.IntN(len(loadKeywords))] + " " + loadKeywords[r.IntN(len(loadKeywords))]
			req.SetRequestURI("/positions?exam=" + loadExamID + "&q=" + urlQuery(kw) + "&page=" + strconv.Itoa(1+r.IntN(3)) + "&size=" + strconv.Itoa([]int{10, 20, 50}[r.IntN(3)]))
			req.Header.Set("HX-Request", "true")
		},
		"counts": func(_ *rand.Rand, _ int, req *fasthttp.Request) { req.SetRequestURI("/stats?exam=" + loadExamID) },
		"home":   func(_ *rand.Rand, _ int, req *fasthttp.Request) { req.SetRequestURI("/") },
		// A login through the form (argon2id, a session and a live-session
		// write) of a candidate who is not one of the polling sessions.
		"login": func(r *rand.Rand, w int, req *fasthttp.Request) {
			f := loginForms[w%len(loginForms)]
			req.SetRequestURI("/login")
			req.Header.SetMethod("POST")
			req.Header.SetContentType("application/x-www-form-urlencoded")
			req.Header.Set("Cookie", f.cookie)
			req.SetBodyString("id_number=" + loadIDNumber(20*r.IntN(max(nCand/20, 1))+6) + "&password=" + loadPassword + "&_csrf=" + urlQuery(f.token))
		},
	}
	mixed := []struct {
		kind   string
		weight int
	}{{"poll", 60}, {"search", 25}, {"counts", 10}, {"home", 5}}

	fmt.Printf("\nexamreg load: %d candidates, %d positions, %s per phase, GOMAXPROCS of the server: default\n", nCand, nPos, cfg.duration)
	for _, conns := range cfg.conns {
		var healthz float64
		fmt.Printf("\n%d connections\n%-16s %9s %7s %9s %9s %7s  %s\n", conns, "kind", "req/s", "ratio", "p50", "p99", "errors", "load")
		for _, kind := range []string{"healthz", "poll", "search", "search_uncached", "counts", "home"} {
			if !cfg.runs(kind) {
				continue
			}
			stop := srv.profile(t, cfg, conns, kind)
			res := drive(cfg.addr, conns, cfg.duration, func(r *rand.Rand, w int, req *fasthttp.Request) string {
				kinds[kind](r, w, req)
				return kind
			}, afterPoll)
			stop()
			st := res[kind]
			if kind == "healthz" {
				healthz = st.rate
			}
			st.print(kind, healthz)
		}
		if cfg.runs("mixed") {
			mixedPhase(cfg, srv, t, conns, healthz, kinds, mixed, afterPoll)
		}
		if cfg.runs("rush") {
			rushPhase(cfg, srv, t, conns, healthz, kinds, afterPoll)
		}
	}
	fmt.Printf("\npeak RSS of the start (first start after a bulk load when freshly seeded) %s\n", startPeak)
	if cfg.long > 0 {
		longMixed(cfg, srv, kinds, mixed, afterPoll)
	}
	fmt.Printf("\nserver peak RSS %s, RSS now %s (load %s)\n", srv.peakRSS(), srv.rss(), loadAvg())
	anon, file := srv.maxSampled()
	fmt.Printf("largest RSS parts sampled every 250 ms: anonymous (heap, Badger's buffers) %d MB, file-backed (mapped tables and value log) %d MB\n", anon/1024, file/1024)
}

type loadKinds = map[string]func(r *rand.Rand, w int, req *fasthttp.Request)

type loadMix = []struct {
	kind   string
	weight int
}

// mixedRequest fills req with a kind drawn from the mix by weight.
func mixedRequest(r *rand.Rand, w int, req *fasthttp.Request, kinds loadKinds, mixed loadMix) string {
	n := r.IntN(100)
	for _, m := range mixed {
		if n < m.weight {
			kinds[m.kind](r, w, req)
			return m.kind
		}
		n -= m.weight
	}
	panic("weights")
}

// mixedPhase drives the last day's mix of requests.
func mixedPhase(cfg loadConfig, srv *loadServer, t *testing.T, conns int, healthz float64, kinds loadKinds, mixed loadMix, afterPoll func(int, string, *fasthttp.Response)) {
	stop := srv.profile(t, cfg, conns, "mixed")
	res := drive(cfg.addr, conns, cfg.duration, func(r *rand.Rand, w int, req *fasthttp.Request) string {
		return mixedRequest(r, w, req, kinds, mixed)
	}, afterPoll)
	stop()
	all := &kindStats{}
	for _, m := range mixed {
		all.merge(res[m.kind])
	}
	all.finish(res["poll"].elapsed)
	all.print("mixed (all)", healthz)
	for _, m := range mixed {
		res[m.kind].print("  mixed "+m.kind, healthz)
	}

}

// rushPhase is a login rush: a quarter of the connections log in back to
// back (argon2id on every request) while the rest keep polling.
func rushPhase(cfg loadConfig, srv *loadServer, t *testing.T, conns int, healthz float64, kinds loadKinds, afterPoll func(int, string, *fasthttp.Response)) {
	stop := srv.profile(t, cfg, conns, "rush")
	res := drive(cfg.addr, conns, cfg.duration, func(r *rand.Rand, w int, req *fasthttp.Request) string {
		if w%4 == 3 {
			kinds["login"](r, w, req)
			return "login"
		}
		kinds["poll"](r, w, req)
		return "poll"
	}, afterPoll)
	stop()
	res["poll"].print("rush poll", healthz)
	res["login"].print("rush login", healthz)
}

// longMixed runs the mix on 13 of 16 connections, logins (argon2id and
// session writes) back to back on two and profile saves (an account and a
// session write, both synced) on one, at the largest connection count for
// cfg.long, sampling the server's RSS.
func longMixed(cfg loadConfig, srv *loadServer, kinds loadKinds, mixed loadMix, afterPoll func(int, string, *fasthttp.Response)) {
	conns := slices.Max(cfg.conns)
	stop := make(chan struct{})
	var maxRSS atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				if kb := srv.procKB("VmRSS"); kb > maxRSS.Load() {
					maxRSS.Store(kb)
				}
			}
		}
	}()
	res := drive(cfg.addr, conns, cfg.long, func(r *rand.Rand, w int, req *fasthttp.Request) string {
		switch w % 16 {
		case 7, 15:
			kinds["login"](r, w, req)
			return "login"
		case 11:
			kinds["profile"](r, w, req)
			return "profile"
		}
		return mixedRequest(r, w, req, kinds, mixed)
	}, afterPoll)
	close(stop)
	fmt.Printf("\nlong mixed run with logins and profile saves, %d connections, %s\n", conns, cfg.long)
	for _, kind := range []string{"poll", "search", "counts", "home", "login", "profile"} {
		res[kind].print("  long "+kind, 0)
	}
	fmt.Printf("RSS sampled each second: max %d MB (load %s)\n", maxRSS.Load()/1024, loadAvg())
}

// loginForm is an anonymous browser's nonce cookie and the form token it
// was given, reusable for any number of login posts.
type loginForm struct{ cookie, token string }

// anonLoginForms fetches n login forms.
func anonLoginForms(t *testing.T, addr string, n int) []loginForm {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: 4}
	out := make([]loginForm, n)
	for k := range out {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://" + addr + "/login")
		if err := hc.DoTimeout(req, resp, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		jar := map[string]string{}
		resp.Header.VisitAllCookie(func(k, v []byte) {
			c := fasthttp.AcquireCookie()
			c.ParseBytes(v)
			jar[string(k)] = string(c.Value())
			fasthttp.ReleaseCookie(c)
		})
		m := loadCSRFInput.FindSubmatch(resp.Body())
		if m == nil {
			t.Fatalf("login page without _csrf (status %d)", resp.StatusCode())
		}
		out[k] = loginForm{cookie: cookieHeader(jar), token: string(m[1]) + string(m[2])}
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
	}
	return out
}

// --- seeding -------------------------------------------------------------

var (
	loadKeywords = []string{"财务", "综合", "文字", "法制", "审计", "信息", "计算机", "经济", "办公室", "政策", "研究", "统计",
		"管理", "会计", "规划", "监督", "人事", "宣传", "党建", "调研", "执法", "数据", "工程", "农业"}
	loadTitles = []string{"综合文字岗", "财务审计岗", "法制审核岗", "信息化岗", "政策研究岗", "组织人事岗", "宣传教育岗",
		"统计分析岗", "规划管理岗", "执法监督岗", "党建工作岗", "经济运行岗", "数据管理岗", "工程管理岗", "农业农村岗"}
	loadMajors = []string{"中国语言文学类", "会计学、审计学、财务管理", "法学类", "计算机类", "经济学类", "公共管理类",
		"新闻传播学类", "统计学类", "城乡规划学", "马克思主义理论类", "土木类", "农学"}
	loadDeptKinds = []string{"财政", "教育", "审计", "商务", "交通运输", "自然资源", "生态环境", "农业农村", "统计", "卫生健康",
		"发展和改革", "司法", "人力资源和社会保障", "住房和城乡建设", "水利"}
	loadCities = []string{"湖北省", "武汉市", "宜昌市", "襄阳市", "荆州市", "黄石市", "十堰市", "孝感市", "荆门市", "鄂州市",
		"咸宁市", "随州市", "恩施州"}
	loadEducations = []string{"大学本科及以上", "研究生", "", "全日制大学本科及以上"}
	loadPolitical  = []string{"中共党员", "", "", "中共党员或共青团员"}
)

// loadDepartment is the 遴选机关 of position i: about 195 organs, in code order.
func loadDepartment(i, n int) (dept string, level string) {
	d := i * len(loadCities) * len(loadDeptKinds) / n
	city, kind := loadCities[d/len(loadDeptKinds)], loadDeptKinds[d%len(loadDeptKinds)]
	suffix := "局"
	level = "ds"
	if city == "湖北省" {
		suffix, level = "厅", "sz"
	}
	return city + kind + suffix, level
}

func loadPositionList(n int, now time.Time) []domain.Position {
	list := make([]domain.Position, n)
	for i := range list {
		dept, lv := loadDepartment(i, n)
		title := loadTitles[(i*7)%len(loadTitles)]
		major := loadMajors[(i*5)%len(loadMajors)]
		list[i] = domain.Position{
			ExamID: loadExamID, Code: fmt.Sprintf("%08d", i+1), Department: dept, Employer: dept + []string{"办公室", "综合处", "规划处", "监督处"}[i%4],
			Title: title, LevelCode: lv, Quota: 1 + i%3, Education: loadEducations[i%4], Degree: []string{"学士", "", "硕士"}[i%3],
			Major: major, MaxAge: []int{35, 40, 0}[i%3], Political: loadPolitical[i%4], GrassrootsYears: 2,
			Description: "从事" + strings.TrimSuffix(title, "岗") + "相关工作，负责" + loadKeywords[i%len(loadKeywords)] + "与" + loadKeywords[(i*3)%len(loadKeywords)] + "事务。",
			Rank:        "四级主任科员及以上", Phone: "027-8700" + strconv.Itoa(1000+i%9000), UpdatedAt: now,
		}
	}
	return list
}

// loadIDNumber is a valid 18-digit 身份证号, distinct for each i < 366,000.
func loadIDNumber(i int) string {
	birth := time.Date(1986, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	body := "420102" + birth.Format("20060102") + fmt.Sprintf("%03d", i%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k, w := range weights {
		sum += int(body[k]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// loadState is the state of candidate i's application: the mix of a last
// registration day (a fifth not yet at a position, 30 % waiting for review).
func loadState(i int) domain.State {
	switch i % 20 {
	case 0, 1:
		return domain.StateInfoSaved
	case 2, 3:
		return domain.StatePositionSelected
	case 4:
		return domain.StateConfirmed
	case 5, 6, 7, 8, 9, 10:
		return domain.StateSubmitted
	case 11, 12, 13, 14, 15:
		return domain.StateApproved
	case 16:
		return domain.StateReturned
	case 17:
		return domain.StateRejected
	default:
		return domain.StatePaid
	}
}

// loadSessionCandidate is the index of the k-th candidate logged in for
// polls: one whose application waits for review (so polls keep polling) and
// that the state-change phase leaves alone.
func loadSessionCandidate(k int) int { return k*20 + 5 }

func seedLoadStore(t *testing.T, dir string, nCand, nPos int, now time.Time) {
	store, err := kv.Open(kv.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// What the binary does on its first start, on the empty store: the
	// accounts written below are indexed as they are created, so a later
	// start has no older accounts to index again.
	if err := store.EnsureAccountIndexes(); err != nil {
		t.Fatal(err)
	}
	exam := &domain.Exam{
		ID: loadExamID, Code: "2026HBLX", Name: "湖北省2026年度市州级以上机关公开遴选公务员", Published: true, FeeFen: 10000,
		Levels:       []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "ds", Name: "市州机关"}},
		Pledges:      []domain.Pledge{{Version: 1, Text: "本人承诺所填信息真实准确。"}},
		Registration: domain.Window{Start: now.Add(-6 * 24 * time.Hour), End: now.Add(24 * time.Hour)},
		Review:       domain.Window{Start: now.Add(-6 * 24 * time.Hour), End: now.Add(3 * 24 * time.Hour)},
		CreatedAt:    now,
	}
	if err := store.SaveExam(exam, kv.AuditEntry{At: now, Action: "exam.create"}); err != nil {
		t.Fatal(err)
	}
	positions := loadPositionList(nPos, now)
	if _, err := store.ImportPositions(loadExamID, positions, kv.AuditEntry{At: now, Action: "positions.import"}); err != nil {
		t.Fatal(err)
	}
	hash, err := handlers.HashPassword(loadPassword)
	if err != nil {
		t.Fatal(err)
	}
	// Badger batches concurrent commits: many writers of one record each
	// are about as fast as batched transactions and use only kv's actions.
	const writers = 16
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < nCand && failed.Load() == nil; i += writers {
				if err := seedLoadCandidate(store, i, nPos, hash, now); err != nil {
					failed.Store(&err)
				}
			}
		}()
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		t.Fatal(*e)
	}
}

func seedLoadCandidate(store *kv.Store, i, nPos int, hash string, now time.Time) error {
	id := loadIDNumber(i)
	acct := &domain.Account{
		ID: fmt.Sprintf("c%07d", i), Role: domain.RoleCandidate, LoginName: id, Name: "考生" + strconv.Itoa(i),
		Phone: "138" + fmt.Sprintf("%08d", i), PasswordHash: hash, BirthDate: id[6:10] + "-" + id[10:12] + "-" + id[12:14],
		Sex: "男", CreatedAt: now, UpdatedAt: now,
	}
	if err := store.CreateAccount(acct); err != nil {
		return fmt.Errorf("account %d: %w", i, err)
	}
	st := loadState(i)
	// Skewed like a real exam: a third of the applicants crowd into 1 % of positions.
	pos := (i * 7919) % nPos
	if i%3 == 0 {
		pos = i % max(nPos/100, 1)
	}
	lv := "ds"
	if _, l := loadDepartment(pos, nPos); l == "sz" {
		lv = "sz"
	}
	a := &domain.Application{
		ID: fmt.Sprintf("a%07d", i), ExamID: loadExamID, CandidateID: acct.ID, LevelCode: lv, State: st, Version: 6,
		PledgeVersion: 1, PledgeAt: now, PledgeIP: "10.0.0.1", Form: demoForm(acct), CreatedAt: now, UpdatedAt: now,
	}
	if st != domain.StateInfoSaved {
		a.PositionCode = fmt.Sprintf("%08d", pos+1)
		a.AcknowledgedTerms = true
	}
	for _, to := range []domain.State{domain.StateStarted, domain.StateInfoSaved, domain.StatePositionSelected, domain.StateConfirmed, domain.StateMaterialsUploaded, domain.StateSubmitted} {
		a.History = append(a.History, domain.HistoryEntry{At: now, ActorID: acct.ID, Role: domain.RoleCandidate, To: to})
		if to == st {
			break
		}
	}
	if st == domain.StateReturned {
		a.ReviewReason = "推荐表未加盖公章，请重新上传。"
		a.ReturnedParts = []string{domain.PartRecommendation}
	}
	return store.CreateApplication(a)
}

// measureStateChanges approves waiting applications (审核通过, the
// reviewer's named kv action with its audit entry and message) from 64
// writers with SyncWrites on, for d, and returns changes per second. It runs
// in-process before the server starts: Badger admits one process per
// directory.
func measureStateChanges(t *testing.T, dir string, nCand int, d time.Duration, now time.Time) float64 {
	store, err := kv.Open(kv.Options{Dir: dir, SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	admin := &domain.Account{ID: "loadadmin", Role: domain.RoleAdmin, Name: "管理员"}
	var targets []string
	for i := 0; i < nCand; i++ {
		if loadState(i) == domain.StateSubmitted && i%20 != 5 {
			targets = append(targets, fmt.Sprintf("a%07d", i))
		}
	}
	var next, done atomic.Int64
	var failed atomic.Pointer[error]
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && failed.Load() == nil {
				k := next.Add(1) - 1
				if int(k) >= len(targets) {
					return
				}
				if _, err := store.ReviewApplication(targets[k], admin, domain.Decision{Action: domain.ActionApprove}, now); err != nil {
					failed.Store(&err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		t.Fatal(*e)
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

// --- the server --------------------------------------------------------------

type loadServer struct {
	cmd       *exec.Cmd
	debugAddr string // /debug/pprof/ of the server; "" when not profiling
	// The largest anonymous and file-backed RSS sampled (kB): VmHWM is
	// their sum's peak, and mapped files are the OS's to drop.
	maxAnon, maxFile atomic.Int64
	sampling         chan struct{} // closed when the server stops
}

// sample keeps the largest RSS parts until the server stops.
func (s *loadServer) sample() {
	for {
		select {
		case <-s.sampling:
			return
		case <-time.After(250 * time.Millisecond):
		}
		if kb := s.procKB("RssAnon"); kb > s.maxAnon.Load() {
			s.maxAnon.Store(kb)
		}
		if kb := s.procKB("RssFile"); kb > s.maxFile.Load() {
			s.maxFile.Store(kb)
		}
	}
}

func (s *loadServer) maxSampled() (anonKB, fileKB int64) { return s.maxAnon.Load(), s.maxFile.Load() }

func startLoadServer(t *testing.T, bin, data, addr string, profiling bool) *loadServer {
	logf, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-addr", addr, "-data", data, "-no-captcha", "-auth-rate-limit", "1000000"}
	srv := &loadServer{}
	if profiling {
		srv.debugAddr = loadDebugAddr
		args = append(args, "-metrics-addr", loadDebugAddr)
	}
	cmd := exec.Command(bin, args...)
	srv.cmd = cmd
	srv.sampling = make(chan struct{})
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "EXAMREG_DEMO=0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go srv.sample()
	t.Cleanup(func() {
		close(srv.sampling)
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
		logf.Close()
	})
	for deadline := time.Now().Add(120 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, _, err := fasthttp.GetTimeout(nil, "http://"+addr+"/healthz", time.Second)
		if err == nil && code == 200 {
			return srv
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("server did not come up: %v\n%s", err, b)
		}
	}
}

// loadDebugAddr serves the server's /debug/pprof/ when profiles are asked for.
const loadDebugAddr = "127.0.0.1:18091"

// profile starts a CPU profile and an allocation profile (the phase's
// allocations only) of the server for one phase and returns the function
// that waits for them to be saved once the phase is over (nothing when not
// asked for).
func (s *loadServer) profile(t *testing.T, cfg loadConfig, conns int, phase string) (stop func()) {
	if s.debugAddr == "" {
		return func() {}
	}
	secs := max(int(cfg.duration.Seconds()), 1)
	var wg sync.WaitGroup
	for _, p := range []struct{ path, suffix string }{{"profile", ""}, {"allocs", ".allocs"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, err := fasthttp.GetTimeout(nil, fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", s.debugAddr, p.path, secs), cfg.duration+30*time.Second)
			if err != nil || code != 200 {
				t.Logf("profile %d-%s%s: %d %v", conns, phase, p.suffix, code, err)
				return
			}
			os.WriteFile(filepath.Join(cfg.profile, fmt.Sprintf("%d-%s%s.pprof", conns, phase, p.suffix)), body, 0o644)
		}()
	}
	return wg.Wait
}

func (s *loadServer) procStatus(field string) string {
	kb := s.procKB(field)
	if kb < 0 {
		return "?"
	}
	return fmt.Sprintf("%d MB", kb/1024)
}

// procKB reads a kB field of the server's /proc status (-1 if missing).
func (s *loadServer) procKB(field string) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb
		}
	}
	return -1
}

func (s *loadServer) rss() string     { return s.procStatus("VmRSS") }
func (s *loadServer) peakRSS() string { return s.procStatus("VmHWM") }

var loadPollURL = regexp.MustCompile(`hx-get="(/status/[^"]+)"`)

var loadCSRFInput = regexp.MustCompile(`name="_csrf"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="_csrf"`)

// loginCandidates logs n candidates in through the login form (as a
// browser would: cookie, token, POST, 303) and returns their Cookie headers.
func loginCandidates(t *testing.T, addr string, n int) []loadSession {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: 8}
	out := make([]loadSession, n)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < n && failed.Load() == nil; k += 4 {
				sess, err := loginOne(hc, loadIDNumber(loadSessionCandidate(k)))
				if err != nil {
					failed.Store(&err)
					return
				}
				out[k] = sess
			}
		}()
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		t.Fatal(*e)
	}
	return out
}

func loginOne(hc *fasthttp.HostClient, login string) (loadSession, error) {
	jar := map[string]string{}
	do := func(req *fasthttp.Request) (*fasthttp.Response, error) {
		req.Header.Set("Cookie", cookieHeader(jar))
		resp := fasthttp.AcquireResponse()
		if err := hc.DoTimeout(req, resp, 30*time.Second); err != nil {
			return nil, err
		}
		resp.Header.VisitAllCookie(func(k, v []byte) {
			c := fasthttp.AcquireCookie()
			c.ParseBytes(v)
			if len(c.Value()) == 0 || c.Expire().Before(time.Now()) && !c.Expire().IsZero() {
				delete(jar, string(k))
			} else {
				jar[string(k)] = string(c.Value())
			}
			fasthttp.ReleaseCookie(c)
		})
		return resp, nil
	}
	req := fasthttp.AcquireRequest()
	req.SetRequestURI("http://" + hc.Addr + "/login")
	resp, err := do(req)
	if err != nil {
		return loadSession{}, err
	}
	m := loadCSRFInput.FindSubmatch(resp.Body())
	if m == nil {
		return loadSession{}, fmt.Errorf("login page without _csrf (status %d)", resp.StatusCode())
	}
	tok := string(m[1]) + string(m[2])
	req.Reset()
	req.SetRequestURI("http://" + hc.Addr + "/login")
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/x-www-form-urlencoded")
	req.SetBodyString("id_number=" + login + "&password=" + loadPassword + "&_csrf=" + urlQuery(tok))
	resp, err = do(req)
	if err != nil {
		return loadSession{}, err
	}
	if resp.StatusCode() != 303 {
		return loadSession{}, fmt.Errorf("login %s: status %d\n%s", login, resp.StatusCode(), resp.Body())
	}
	// The signed-in session's own form token, for the profile saves.
	req.Reset()
	req.SetRequestURI("http://" + hc.Addr + "/account/profile")
	if resp, err = do(req); err != nil {
		return loadSession{}, err
	}
	m = loadCSRFInput.FindSubmatch(resp.Body())
	if m == nil {
		return loadSession{}, fmt.Errorf("profile page without _csrf (status %d)", resp.StatusCode())
	}
	return loadSession{cookie: cookieHeader(jar), csrf: string(m[1]) + string(m[2])}, nil
}

// loadSession is a signed-in browser: its Cookie header and form token.
type loadSession struct{ cookie, csrf string }

func cookieHeader(jar map[string]string) string {
	keys := make([]string, 0, len(jar))
	for k := range jar {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k + "=" + jar[k])
	}
	return b.String()
}

// searchPaths are the live searches of the mix: a few dozen popular
// queries (keyword alone or with a level or 遴选机关), as htmx sends them.
func searchPaths(nPos int) []string {
	var out []string
	for i, kw := range loadKeywords {
		p := "/positions?exam=" + loadExamID + "&q=" + urlQuery(kw)
		switch i % 3 {
		case 1:
			p += "&level=sz"
		case 2:
			dept, _ := loadDepartment(i*nPos/len(loadKeywords), nPos)
			p += "&dept=" + urlQuery(dept)
		}
		out = append(out, p)
	}
	return out
}

func urlQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// --- the load generator --------------------------------------------------------

type kindStats struct {
	lat     []time.Duration
	errors  int
	codes   map[int]int
	elapsed time.Duration
	rate    float64
}

func (k *kindStats) merge(o *kindStats) {
	if o == nil {
		return
	}
	k.lat = append(k.lat, o.lat...)
	k.errors += o.errors
	if k.codes == nil {
		k.codes = map[int]int{}
	}
	for c, n := range o.codes {
		k.codes[c] += n
	}
}

func (k *kindStats) finish(elapsed time.Duration) {
	slices.Sort(k.lat)
	k.elapsed = elapsed
	k.rate = float64(len(k.lat)) / elapsed.Seconds()
}

func (k *kindStats) pct(p float64) time.Duration {
	if len(k.lat) == 0 {
		return 0
	}
	return k.lat[min(int(float64(len(k.lat))*p), len(k.lat)-1)]
}

func (k *kindStats) print(name string, healthz float64) {
	if k == nil {
		k = &kindStats{}
	}
	ratio := "-"
	if healthz > 0 {
		ratio = fmt.Sprintf("%.1f%%", 100*k.rate/healthz)
	}
	var codes []string
	for c, n := range k.codes {
		codes = append(codes, fmt.Sprintf("%d×%d", c, n))
	}
	slices.Sort(codes)
	fmt.Printf("%-16s %9.0f %7s %9s %9s %7d  %s  [%s]\n", name, k.rate, ratio, k.pct(0.50).Round(10*time.Microsecond),
		k.pct(0.99).Round(10*time.Microsecond), k.errors, loadAvg(), strings.Join(codes, " "))
}

// okStatus: what each kind may answer without counting as an error. A poll
// may say "unchanged" (204/304) or "final, stop polling" (286).
func okStatus(kind string, code int) bool {
	switch code {
	case 200:
		return true
	case 204, 304, 286:
		return kind == "poll"
	case 303:
		return kind == "login" || kind == "profile"
	}
	return false
}

// drive runs conns workers, each with its own keep-alive connection, for
// d; build fills a request and names its kind.
func drive(addr string, conns int, d time.Duration, build func(r *rand.Rand, worker int, req *fasthttp.Request) string, after func(worker int, kind string, resp *fasthttp.Response)) map[string]*kindStats {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: conns, ReadBufferSize: 64 << 10, MaxIdemponentCallAttempts: 1}
	per := make([]map[string]*kindStats, conns)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			stats := map[string]*kindStats{}
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			for time.Now().Before(deadline) {
				req.Reset()
				resp.Reset()
				kind := build(r, w, req)
				req.SetHost(addr)
				st := stats[kind]
				if st == nil {
					st = &kindStats{codes: map[int]int{}}
					stats[kind] = st
				}
				t0 := time.Now()
				err := hc.DoTimeout(req, resp, 10*time.Second)
				lat := time.Since(t0)
				st.lat = append(st.lat, lat)
				switch {
				case err != nil:
					st.errors++
					st.codes[0]++
				default:
					st.codes[resp.StatusCode()]++
					after(w, kind, resp)
					if !okStatus(kind, resp.StatusCode()) {
						st.errors++
					}
				}
			}
			per[w] = stats
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	out := map[string]*kindStats{}
	for _, stats := range per {
		for kind, st := range stats {
			if out[kind] == nil {
				out[kind] = &kindStats{codes: map[int]int{}}
			}
			out[kind].merge(st)
		}
	}
	for _, st := range out {
		st.finish(elapsed)
	}
	return out
}

func loadAvg() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "load ?"
	}
	return strings.Join(f[:3], " ")
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(b))
}
