package main

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"examreg/domain"
	"examreg/kv"
)

// freeAddr is a loopback address no one listens on (just now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func stopServer(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30 s of SIGTERM")
	}
}

func loginStatus(t *testing.T, base, id, password string) (int, string) {
	t.Helper()
	res := postForm(t, newHTTPClient(), base, "/login", url.Values{"id_number": {id}, "password": {password}})
	return res.StatusCode, res.Header.Get("Location")
}

// TestOnlineBackupRestoreDrill is the restore drill of the README, end to
// end, on an encrypted store: keygen; a demo server runs; a candidate
// registers; `examreg backup` asks the running server over its admin
// socket; the server stops; `examreg restore` fills a new directory (and
// refuses a non-empty one and a missing key); a server on the restored
// directory logs both the demo candidate and the new one in. /metrics
// answers on -metrics-addr and not on the public address.
func TestOnlineBackupRestoreDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	work := t.TempDir()
	keyFile := filepath.Join(work, "examreg.key")
	var out bytes.Buffer
	if err := keygenCommand([]string{"-o", keyFile}, &out); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Size() != kv.EncryptionKeySize || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	if err := keygenCommand([]string{"-o", keyFile}, &out); err == nil {
		t.Fatal("keygen overwrote an existing key file")
	}

	dataDir := filepath.Join(work, "data")
	metricsAddr := freeAddr(t)
	cmd, base := startChild(t, dataDir, "/readyz", 30*time.Second, "-demo", "-encryption-key-file", keyFile, "-metrics-addr", metricsAddr)
	if fi, err := os.Stat(adminSocketPath(dataDir)); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("admin socket: %v, %v", fi, err)
	}

	demoID := demoCandidateBody + string(domain.IDCheckDigit(demoCandidateBody))
	body := "42010219880512345"
	newID := body + string(domain.IDCheckDigit(body))
	res := postForm(t, newHTTPClient(), base, "/register", url.Values{
		"id_number": {newID}, "name": {"备份测试"}, "phone": {"13912345678"},
		"password": {"Backup2023ok"}, "password_confirm": {"Backup2023ok"},
	})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: status %d", res.StatusCode)
	}
	if st, _ := loginStatus(t, base, demoID, demoPassword); st != http.StatusSeeOther {
		t.Fatalf("demo login before the backup: %d", st)
	}

	// /metrics: only on its own address.
	if r, err := http.Get(base + "/metrics"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("public /metrics: %v %v", r, err)
	}
	r, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{`examreg_http_requests_total{code="303",method="POST",route="/register"} 1`,
		`examreg_logins_total{result="ok"} 1`, "examreg_badger_lsm_bytes", "examreg_disk_free_bytes", "examreg_store_up 1"} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	backupFile := filepath.Join(work, "online.bak")
	out.Reset()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := backupCommand([]string{"-o", backupFile, "-data", dataDir}, &out, logger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "running server") {
		t.Errorf("backup output %q: want it taken from the running server", out.String())
	}
	if err := backupCommand([]string{"-o", backupFile, "-data", dataDir}, &out, logger); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	stopServer(t, cmd)

	restored := filepath.Join(work, "restored")
	if err := restoreCommand([]string{"-i", backupFile, "-data", restored}, &out); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Fatalf("restore of an encrypted backup without its key: %v", err)
	}
	if err := restoreCommand([]string{"-i", backupFile, "-data", dataDir, "-encryption-key-file", keyFile}, &out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over the live data directory: %v", err)
	}
	if err := restoreCommand([]string{"-i", backupFile, "-data", restored, "-encryption-key-file", keyFile}, &out); err != nil {
		t.Fatal(err)
	}

	_, base = startChild(t, restored, "/readyz", 30*time.Second, "-encryption-key-file", keyFile)
	if st, loc := loginStatus(t, base, demoID, demoPassword); st != http.StatusSeeOther || strings.HasPrefix(loc, "/login") {
		t.Errorf("demo candidate on the restored server: %d → %q", st, loc)
	}
	if st, loc := loginStatus(t, base, newID, "Backup2023ok"); st != http.StatusSeeOther || strings.HasPrefix(loc, "/login") {
		t.Errorf("registered candidate on the restored server: %d → %q", st, loc)
	}
	if st, _ := loginStatus(t, base, newID, "Wrong2023pass"); st != http.StatusUnauthorized {
		t.Errorf("wrong password on the restored server: %d", st)
	}
}

// TestBackupOfStoppedStore: with no server on the directory, `examreg
// backup` opens the store itself; the backup restores.
func TestBackupOfStoppedStore(t *testing.T) {
	dir := t.TempDir()
	s := openData(t, dir)
	if err := seedDemo(s, time.Now(), io.Discard); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A stale socket from a crashed server does not stop a direct backup.
	ln, err := net.Listen("unix", adminSocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()

	file := filepath.Join(t.TempDir(), "stopped.bak")
	var out bytes.Buffer
	if err := backupCommand([]string{"-o", file, "-data", dir}, &out, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "stopped store") {
		t.Errorf("output %q", out.String())
	}
	restored := filepath.Join(t.TempDir(), "r")
	if err := restoreCommand([]string{"-i", file, "-data", restored}, &out); err != nil {
		t.Fatal(err)
	}
	r := openData(t, restored)
	defer r.Close()
	if _, err := r.AccountByLogin(demoCandidateBody + string(domain.IDCheckDigit(demoCandidateBody))); err != nil {
		t.Errorf("demo candidate after restore: %v", err)
	}
}

// TestScheduledBackupsKeepTheNewest: each scheduled backup is named by its
// UTC time and only the newest -backup-keep stay; other files in the
// directory are never removed.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	s := openData(t, t.TempDir())
	defer s.Close()
	dir := t.TempDir()
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, []byte("keep me"), 0o600)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		path, err := scheduledBackup(s, dir, start.Add(time.Duration(i)*6*time.Hour), 3, logger)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("backup file %s: %v %v", path, fi, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"examreg-20261201T120000Z.bak", "examreg-20261201T180000Z.bak", "examreg-20261202T000000Z.bak", "notes.txt"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("backup directory holds %v, want %v", names, want)
	}
}

// TestOpsCommandLines: the operations subcommands refuse an incomplete
// command line with exit 2 and the usage, never starting a server.
func TestOpsCommandLines(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, args := range [][]string{{"backup"}, {"backup", "-o"}, {"restore", "-i", "x.bak"}, {"keygen"}, {"keygen", "-o", "k", "extra"}, {"backup", "-bogus"}} {
		var stdout, stderr bytes.Buffer
		if code := runCommand(args, strings.NewReader(""), &stdout, &stderr, logger); code != 2 || !strings.Contains(stderr.String(), "usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the usage", args, code, stderr.String())
		}
	}
}

// TestLogFile: -log-file writes JSON lines (with the request_id) to the
// file that lumberjack rotates.
func TestLogFile(t *testing.T) {
	dir := t.TempDir()
	fs := flagSetForTest()
	o := addOpsFlags(fs)
	if err := fs.Parse([]string{"-log-file", filepath.Join(dir, "examreg.log"), "-log-format", "json"}); err != nil {
		t.Fatal(err)
	}
	l, closer, err := o.logger(slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hello", "request_id", "abc12345")
	closer.Close()
	b, err := os.ReadFile(filepath.Join(dir, "examreg.log"))
	if err != nil || !strings.Contains(string(b), `"msg":"hello"`) || !strings.Contains(string(b), `"request_id":"abc12345"`) {
		t.Fatalf("log file %q, %v", b, err)
	}
}

func flagSetForTest() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }
