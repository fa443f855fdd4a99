package handlers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// TestCSRFOnEveryPostRoute: no POST route can be reached without the CSRF
// token, whatever the body: small urlencoded and multipart forms (checked
// up front), bodies over the form limit and chunked bodies (checked by the
// route's limitBody after its size check). Nothing may change.
func TestCSRFOnEveryPostRoute(t *testing.T) {
	ts := newTestServer(t)
	cand := ts.client()
	candID := accountID(t, ts, newCandidate(t, cand))
	adm := ts.client()
	admID := createStaff(t, ts, domain.RoleAdmin, "csrfadmin").ID
	loginAs(t, adm, "CSRFADMIN", testPassword)

	var paths []string
	seen := map[string]bool{}
	for _, r := range ts.app.GetRoutes(true) {
		if r.Method != fiber.MethodPost || seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, ":") {
				segs[i] = "x1"
			}
		}
		paths = append(paths, strings.Join(segs, "/"))
	}
	if len(paths) < 20 {
		t.Fatalf("only %d POST routes found: %v", len(paths), paths)
	}

	form := url.Values{"phone": {"13800000000"}, "name": {"x"}, "code": {"x"}, "title": {"x"}}
	multi := func(filler int) (string, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for k, vs := range form {
			_ = w.WriteField(k, vs[0])
		}
		fw, _ := w.CreateFormFile("photo", "a.jpg")
		_, _ = fw.Write(bytes.Repeat([]byte{'a'}, filler))
		_ = w.Close()
		return w.FormDataContentType(), b.Bytes()
	}
	type body struct {
		name    string
		ctype   string
		data    []byte
		chunked bool
		big     bool // over the form limit: 413 is a refusal too
	}
	mct, mdata := multi(100)
	bct, bdata := multi(formLimit + 10<<10)
	bodies := []body{
		{"urlencoded", "application/x-www-form-urlencoded", []byte(form.Encode()), false, false},
		{"multipart", mct, mdata, false, false},
		{"chunked urlencoded", "application/x-www-form-urlencoded", []byte(form.Encode()), true, false},
		{"chunked multipart", mct, mdata, true, false},
		{"big multipart", bct, bdata, false, true},
		{"big chunked multipart", bct, bdata, true, true},
	}

	for _, who := range []struct {
		name string
		c    *client
		id   string
	}{{"candidate", cand, candID}, {"admin", adm, admID}} {
		env := &robustEnv{ts: ts, acctID: who.id}
		before := robustSnapshot(t, env, true)
		for _, p := range paths {
			for _, b := range bodies {
				req, _ := http.NewRequest(http.MethodPost, p, bytes.NewReader(b.data))
				req.Header.Set("Content-Type", b.ctype)
				if b.chunked {
					req.ContentLength = -1
					req.TransferEncoding = []string{"chunked"}
				}
				res, err := ts.app.Test(who.c.AddCookies(req), -1)
				if err != nil {
					t.Fatalf("%s %s %s: %v", who.name, p, b.name, err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				ok := res.StatusCode == http.StatusForbidden || (b.big && res.StatusCode == http.StatusRequestEntityTooLarge)
				if !ok {
					t.Errorf("%s POST %s (%s) without token: %d, want 403", who.name, p, b.name, res.StatusCode)
				}
			}
		}
		if after := robustSnapshot(t, env, true); after != before {
			t.Errorf("%s: state changed by token-less POSTs:\n%s", who.name, robustDiff(before, after))
		}
	}
}

// rawServer serves ts.app on a loopback listener, for tests that need a
// real socket.
func rawServer(t *testing.T, ts *testServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ts.app.Listener(ln) }()
	t.Cleanup(func() { _ = ts.app.ShutdownWithTimeout(time.Second) })
	return ln.Addr().String()
}

func cookieHeader(c *client, path string) string {
	u := *testURL
	u.Path = path
	var parts []string
	for _, ck := range c.jar.Cookies(&u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// TestUploadRefusedBeforeBody: an upload declared over the hard cap is
// refused at once, without the server reading more than a few KB; one over
// its route's limit but under the cap is read into nothing and refused
// with the 413 page, on a connection that stays usable (so a browser still
// uploading sees the message, not a connection reset).
func TestUploadRefusedBeforeBody(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	newCandidate(t, c)
	c.Get("/photo")
	addr := rawServer(t, ts)

	head := func(length int, inHeader bool) string {
		h := "POST /photo HTTP/1.1\r\nHost: example.com\r\n" +
			"Cookie: " + cookieHeader(c, "/photo") + "\r\n" +
			"Content-Type: multipart/form-data; boundary=BOUNDARY\r\n" +
			"Content-Length: " + strconv.Itoa(length) + "\r\n"
		if inHeader {
			h += "X-CSRF-Token: " + c.CSRF() + "\r\n"
		}
		return h + "\r\n"
	}
	body := func(length int) string {
		part := "--BOUNDARY\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n" + c.CSRF() + "\r\n" +
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\n" +
			"Content-Type: image/jpeg\r\n\r\n"
		return part + strings.Repeat("a", length-len(part))
	}

	// Over the hard cap: answered after the first 16 KB (fasthttp reads 8 KB
	// ahead), without waiting for the rest; connection closed.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = conn.SetDeadline(start.Add(2 * time.Second))
	if _, err := io.WriteString(conn, head(50_000_000, true)+body(16<<10)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("50 MB declared: no prompt response: %v", err)
	}
	res.Body.Close()
	conn.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !res.Close {
		t.Errorf("50 MB declared: %d close=%v, want 413 and the connection closed", res.StatusCode, res.Close)
	}

	// Over the route's 5 MB limit, under the cap: 413 with the limit, then
	// the same connection serves the next request.
	for _, inHeader := range []bool{true, false} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, head(6_000_000, inHeader)+body(6_000_000)); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("header token %v: %v", inHeader, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "上限") {
			t.Errorf("header token %v: %d %q, want 413 with the limit", inHeader, res.StatusCode, trunc(string(b)))
		}
		if res.Close {
			t.Errorf("header token %v: connection closed after a drained body", inHeader)
		}
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: example.com\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		next, err := http.ReadResponse(br, nil)
		if err != nil || next.StatusCode != http.StatusOK {
			t.Errorf("header token %v: next request on the connection: %v %v", inHeader, next, err)
		} else {
			next.Body.Close()
		}
		conn.Close()
	}
}

// TestChunkedUploadBounded: a chunked upload (no Content-Length) is read
// only up to the route's limit, then refused with 413; one within the
// limit is accepted as before.
func TestChunkedUploadBounded(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	newCandidate(t, c)
	hidden := hiddenOf(t, c.Get("/photo"), "/photo")
	addr := rawServer(t, ts)

	send := func(payload []byte) (*http.Response, string) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("_csrf", c.CSRF())
		for k, vs := range hidden {
			for _, v := range vs {
				_ = w.WriteField(k, v)
			}
		}
		fw, _ := w.CreateFormFile("photo", "me.jpg")
		_, _ = fw.Write(payload)
		_ = w.Close()
		head := "POST /photo HTTP/1.1\r\nHost: example.com\r\n" +
			"Cookie: " + cookieHeader(c, "/photo") + "\r\n" +
			"Content-Type: " + w.FormDataContentType() + "\r\n" +
			"Transfer-Encoding: chunked\r\n\r\n"
		go func() {
			bw := bufio.NewWriter(conn)
			_, _ = bw.WriteString(head)
			data := b.Bytes()
			for len(data) > 0 {
				n := min(len(data), 32<<10)
				if _, err := fmt.Fprintf(bw, "%x\r\n%s\r\n", n, data[:n]); err != nil {
					return
				}
				data = data[n:]
			}
			_, _ = bw.WriteString("0\r\n\r\n")
			_ = bw.Flush()
		}()
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no response: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(body)
	}

	res, body := send(bytes.Repeat([]byte{0}, domain.MaxPhotoUpload+200<<10))
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "上限") {
		t.Errorf("chunked over the limit: %d %q, want 413", res.StatusCode, trunc(body))
	}
	res, body = send(samplePhoto(t, 600, 840))
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("chunked photo within the limit: %d %q, want 303", res.StatusCode, trunc(body))
	}
}
