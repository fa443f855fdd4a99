package handlers

import (
	"bytes"
	"io"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"examreg/domain"
)

// contentSecurityPolicy allows scripts and styles from our own origin only:
// no inline script, no CDN, no framing (clickjacking on the payment page).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries, refusals by
// bodyGuard included (it runs after this), and HSTS when serving TLS.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}

// noStore marks a dynamic response as never to be cached (seed FAQ 四: pages
// must never show stale content; after 安全退出 the back button must not
// show personal data).
func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
}

func dynamic(c *fiber.Ctx) error {
	noStore(c)
	return c.Next()
}

// maxBody is the hard cap for any request: the largest upload is a 20 MB
// announcement attachment. Smaller per-route limits (limitBody) apply first.
const maxBody = 21 << 20

// streamPrefetch is how much of a body fasthttp reads before the handlers
// run when request bodies are streamed (see fiber.Config in New).
const streamPrefetch = 8 << 10

// localBodyRead marks a request whose streamed body was read to its end
// (loaded or discarded), so its connection can be kept alive.
const localBodyRead = "examreg.body_read"

// bodyGuard is the first middleware. Request bodies are streamed (see New):
// nothing past the first few KB is read until a route's limitBody has
// checked the size. bodyGuard refuses a body declared over maxBody, and
// closes the connection after a request whose body was left unread, so its
// remaining bytes are never taken for the next request.
func bodyGuard(c *fiber.Ctx) error {
	if c.Request().Header.ContentLength() > maxBody {
		c.Context().SetConnectionClose()
		return fiber.ErrRequestEntityTooLarge
	}
	err := c.Next()
	req := c.Request()
	if n := req.Header.ContentLength(); req.IsBodyStream() && (n < 0 || n > streamPrefetch) && c.Locals(localBodyRead) == nil {
		c.Context().SetConnectionClose()
	}
	return err
}

// limitBody refuses a request whose body is over max bytes before the
// handler reads any of it: by its declared length, discarding the body
// rather than buffering it, or, for a chunked body, once max bytes have
// been read. The body is then in
// memory, and the form's CSRF token, if checkCSRF left it to us, is checked.
func limitBody(max int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := loadBody(c, max); err != nil {
			return err
		}
		if err := deferredCSRF(c); err != nil {
			return err
		}
		return c.Next()
	}
}

// loadBody reads a streamed request body into memory, refusing it when it
// is over max bytes. The connection is closed after a refused body.
func loadBody(c *fiber.Ctx, max int) error {
	req := c.Request()
	n := req.Header.ContentLength()
	if n > max {
		// Declared too large (bodyGuard already refused anything over
		// maxBody): read the rest into nothing, never into memory, so the
		// browser, still uploading, gets the 413 page instead of a
		// connection reset, and the connection stays usable.
		if req.IsBodyStream() {
			if _, err := io.Copy(io.Discard, io.LimitReader(req.BodyStream(), int64(n))); err != nil {
				c.Context().SetConnectionClose()
			} else {
				c.Locals(localBodyRead, true)
			}
		}
		return tooLarge(max)
	}
	if !req.IsBodyStream() {
		return nil
	}
	var buf bytes.Buffer
	if n > 0 {
		buf.Grow(n + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(req.BodyStream(), int64(max)+1))
	switch {
	case err != nil || (n >= 0 && buf.Len() != n):
		// Cut short or malformed (a bad chunk): as the HTTP server would.
		c.Context().SetConnectionClose()
		return fiber.ErrBadRequest
	case buf.Len() > max:
		c.Context().SetConnectionClose()
		return tooLarge(max)
	}
	req.SetBodyRaw(buf.Bytes())
	c.Locals(localBodyRead, true)
	if n < 0 {
		req.Header.SetContentLength(buf.Len())
	}
	return nil
}

// tooLarge words a refused body. An upload route's limit is its file's
// limit plus room for the form around it, so it is named in whole MB, as
// the rule on the page says it ("5 MB"), not as 5184 KB.
func tooLarge(max int) error {
	if max > formLimit {
		return domain.Errorf(domain.ETOOLARGE, "文件超过 %d MB 的上限，请缩小文件后重新上传。", max>>20)
	}
	return domain.Errorf(domain.ETOOLARGE, "提交的内容超过 %s 的上限。", sizeLabel(max))
}

func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MB"
	case n >= 1<<10:
		return itoa(n>>10) + " KB"
	}
	return itoa(n) + " 字节"
}

// authLimiter caps login and register POSTs per client IP: password
// guessing and mass registration are slowed without a captcha bypass.
func (s *Server) authLimiter(storage fiber.Storage) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        s.authLimit,
		Expiration: time.Minute,
		Storage:    storage,
		// The limiter sits on a Group("") and so sees every later route:
		// count only the login and register POSTs it is meant for.
		Next: func(c *fiber.Ctx) bool {
			return c.Method() != fiber.MethodPost || (c.Path() != "/login" && c.Path() != "/register")
		},
		KeyGenerator: func(c *fiber.Ctx) string { return "auth:" + c.Path() + ":" + s.clientIP(c) },
		LimitReached: func(c *fiber.Ctx) error {
			return domain.Errorf(domain.ERATELIMIT, "操作过于频繁，请一分钟后再试。")
		},
	})
}

// captchaLimiter caps captcha images (and 换一张) per client IP: drawing
// one is the only work an anonymous visitor can make the server do on the
// login and register pages.
func (s *Server) captchaLimiter(storage fiber.Storage) fiber.Handler {
	return s.perIPLimiter(storage, "captcha", s.captchaLimit, "验证码图片获取过于频繁，请一分钟后再试。")
}

// perIPLimiter allows max requests per client IP per minute on the routes
// it guards, counted in storage under name (the store: shared by every
// node), and refuses the rest with tooMany.
func (s *Server) perIPLimiter(storage fiber.Storage, name string, max int, tooMany string) fiber.Handler {
	return minuteLimiter(storage, name, max, s.clientIP, tooMany)
}

// perAccountLimiter is perIPLimiter per signed-in account (behind
// requireRole): for work an account can make the server do elsewhere,
// however many addresses it comes from, and however many candidates share
// one address (an exam office's computers).
func perAccountLimiter(storage fiber.Storage, name string, max int, tooMany string) fiber.Handler {
	return minuteLimiter(storage, name, max, func(c *fiber.Ctx) string { return account(c).ID }, tooMany)
}

// minuteLimiter allows max requests per minute per key, counted in storage
// under name.
func minuteLimiter(storage fiber.Storage, name string, max int, key func(*fiber.Ctx) string, tooMany string) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:          max,
		Expiration:   time.Minute,
		Storage:      storage,
		KeyGenerator: func(c *fiber.Ctx) string { return name + ":" + key(c) },
		LimitReached: func(c *fiber.Ctx) error { return domain.Errorf(domain.ERATELIMIT, "%s", tooMany) },
	})
}

func recovery() fiber.Handler { return recover.New(recover.Config{EnableStackTrace: true}) }
