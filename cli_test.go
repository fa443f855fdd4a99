package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// TestRunRefusesUnknownCommandLine: a stray word or flag never starts the
// server with default flags; it exits 2 with the usage on stderr.
func TestRunRefusesUnknownCommandLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"misspelt subcommand", []string{"admn", "create", "-login", "x"}, `unknown command "admn"`},
		{"unknown admin verb", []string{"admin", "delete"}, "unknown admin command"},
		{"admin alone", []string{"admin"}, "unknown admin command"},
		{"unknown flag", []string{"-adress", "127.0.0.1:1"}, "flag provided but not defined"},
		{"stray argument after flags", []string{"-data", t.TempDir(), "serve"}, `unexpected argument "serve"`},
		{"store without a port", []string{"-data", t.TempDir(), "-store", "tikv://pd1,pd2:2379"}, `"pd1" is not a PD address host:port`},
		{"unknown store", []string{"-data", t.TempDir(), "-store", "redis://x:6379"}, "use badger (the default) or tikv://"},
		{"backups on TiKV", []string{"-data", t.TempDir(), "-store", "tikv://pd1:2379", "-backup-dir", t.TempDir()}, "on TiKV use BR"},
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runCommand(tc.args, strings.NewReader(""), &stdout, &stderr, logger)
			if code != 2 {
				t.Fatalf("exit code %d, want 2 (stderr %q)", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) || !strings.Contains(stderr.String(), "usage:") {
				t.Errorf("stderr %q, want %q and the usage", stderr.String(), tc.want)
			}
		})
	}
}

// TestRunFailsWhenPortTaken: when the address is taken the server exits 1
// and never logs "examreg listening".
func TestRunFailsWhenPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var logs, stderr bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	code := runCommand([]string{"-addr", ln.Addr().String(), "-data", t.TempDir()}, strings.NewReader(""), io.Discard, &stderr, logger)
	if code != 1 {
		t.Fatalf("exit code %d, want 1 (stderr %q)", code, stderr.String())
	}
	if strings.Contains(logs.String(), "listening") {
		t.Errorf("logged %q before the port was bound", logs.String())
	}
	if !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("stderr %q, want the bind error", stderr.String())
	}
}
