package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"examreg/domain"
)

// childArgsEnv carries the server flags to a re-executed test binary.
const childArgsEnv = "EXAMREG_TEST_CHILD_ARGS"

// serverChildArgs reports whether this process is the crash test's server child.
func serverChildArgs() ([]string, bool) {
	v, ok := os.LookupEnv(childArgsEnv)
	if !ok {
		return nil, false
	}
	return strings.Fields(v), true
}

// startChild runs examreg (this test binary in server mode, see
// serverChildArgs) with dataDir and extra flags on a free loopback port,
// and waits up to within for probe (/healthz: serving; /readyz: serving and
// ready) to answer 200. It kills the process at the end of the test.
func startChild(t *testing.T, dataDir, probe string, within time.Duration, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	args := append([]string{"-addr", addr, "-data", dataDir, "-no-captcha"}, extra...)
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(within)
	for {
		res, err := http.Get(base + probe)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return cmd, base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up at %s: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// postForm GETs page for its CSRF token, then POSTs vals to it, not following redirects.
func postForm(t *testing.T, c *http.Client, base, page string, vals url.Values) *http.Response {
	t.Helper()
	res, err := c.Get(base + page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s: no CSRF token in the page (status %d)", page, res.StatusCode)
	}
	vals.Set("_csrf", string(m[1]))
	res, err = c.PostForm(base+page, vals)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func newHTTPClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestAcknowledgedWritesSurviveKill9: an account whose registration was
// acknowledged (303) is there after the server is killed with SIGKILL and
// started again on the same data directory.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dataDir := t.TempDir()
	cmd, base := startChild(t, dataDir, "/healthz", 20*time.Second)

	const n = 5
	ids := make([]string, n)
	for i := range ids {
		body := fmt.Sprintf("420102198805%02d%03d", 10+i, 100+i)
		ids[i] = body + string(domain.IDCheckDigit(body))
		res := postForm(t, newHTTPClient(), base, "/register", url.Values{
			"id_number": {ids[i]}, "name": {"崩溃测试"}, "phone": {"13912345678"},
			"password": {"Crash2023ok"}, "password_confirm": {"Crash2023ok"},
		})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("register %s: status %d, want 303", ids[i], res.StatusCode)
		}
	}
	// No shutdown, no flush: the process dies at once.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, base = startChild(t, dataDir, "/healthz", 20*time.Second)
	for _, id := range ids {
		res := postForm(t, newHTTPClient(), base, "/login", url.Values{"id_number": {id}, "password": {"Crash2023ok"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/photo") {
			t.Fatalf("login %s after kill -9: status %d location %q, want 303 to /photo", id, res.StatusCode, res.Header.Get("Location"))
		}
	}
}
