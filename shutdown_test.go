package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"examreg/kv"
)

// TestShutdownFinishesRequestsInFlight: on SIGTERM a request whose body is
// still arriving (a slow upload) gets its answer, new connections are
// refused at once, and the process then closes its stores and exits 0.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server as a child process")
	}
	dataDir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"=-addr "+addr+" -data "+dataDir+" -no-captcha -shutdown-grace 30s")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A slow upload: headers and half the body now, the rest after SIGTERM.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "a=" + strings.Repeat("x", 400<<10)
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	if _, err := io.WriteString(conn, body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server is now reading the body

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the upload is still in flight.
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Fatal("new connections still accepted 5 s after SIGTERM")
	}
	select {
	case <-exited:
		t.Fatalf("process exited with a request in flight: %v", exitErr)
	default:
	}

	// The rest of the body arrives: the request is answered.
	if _, err := io.WriteString(conn, body[len(body)/2:]); err != nil {
		t.Fatalf("in-flight upload cut off after SIGTERM: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight upload got no response: %v", err)
	}
	res.Body.Close()
	// No form token: the answer is the CSRF refusal, a full response all the same.
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("in-flight request: status %d, want 403", res.StatusCode)
	}
	conn.Close()

	select {
	case <-exited:
		if exitErr != nil {
			t.Fatalf("exit after shutdown: %v", exitErr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("process did not exit after its last request")
	}
	// The store was closed (Badger's directory lock released).
	s, err := kv.Open(kv.Options{Dir: dataDir})
	if err != nil {
		t.Fatalf("store not closed cleanly: %v", err)
	}
	s.Close()
}
