package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// HeaderRequestID carries the request id: set on every response, and taken
// from the request when a proxy in front (nginx's $request_id) sent a sane one.
const HeaderRequestID = "X-Request-ID"

// localRequestID holds the request's id; localLog its logger (request_id
// attached), made on first use: most requests log only their access line.
const (
	localRequestID = "examreg.request_id"
	localLog       = "examreg.log"
)

// requestLog is the outermost middleware: it gives the request an id (the
// X-Request-ID response header and a request_id on every log line of the
// request), and writes one access log line when the request is done, with
// the route pattern, never the raw path, query, form, cookies or body: no
// password, ID number or session id can reach the log through it. It also
// feeds the metrics when they are on.
func (s *Server) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(HeaderRequestID)
	if !saneRequestID(id) {
		id = newRequestID()
	}
	c.Set(HeaderRequestID, id)
	c.Locals(localRequestID, id)

	if err := c.Next(); err != nil {
		// Render the error now, as Fiber would after us, so the status and
		// size logged are what the client gets.
		if herr := s.handleError(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	route := routePattern(c)
	size := len(c.Response().Body())
	if c.Response().IsBodyStream() {
		size = c.Response().Header.ContentLength()
	}
	s.log.LogAttrs(c.UserContext(), accessLevel(status), "request",
		slog.String("request_id", id),
		slog.String("method", c.Method()),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int("bytes", size),
		slog.String("ip", s.clientIP(c)),
	)
	if s.metrics != nil {
		s.metrics.observe(c, route, status, elapsed)
	}
	return nil
}

// reqLog is the logger of the request (with its request_id).
func (s *Server) reqLog(c *fiber.Ctx) *slog.Logger {
	if l, ok := c.Locals(localLog).(*slog.Logger); ok {
		return l
	}
	id, ok := c.Locals(localRequestID).(string)
	if !ok {
		return s.log
	}
	l := s.log.With("request_id", id)
	c.Locals(localLog, l)
	return l
}

// routePattern is the registered route that answered ("/apply/:exam"), so
// the log and the metrics name pages, not the ids in their paths; requests
// no route took are "unmatched".
func routePattern(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Method == "USE" || r.Path == "" || r.Path == "/" && c.Path() != "/" {
		return "unmatched"
	}
	return r.Path
}

func accessLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// saneRequestID accepts an incoming id made of up to 64 letters, digits,
// '-', '_' and '.': anything else could forge log lines.
func saneRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	return strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == ""
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
