package handlers

import (
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

// securityHeaders sets the headers every response carries.
func securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
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

// limitBody refuses a request whose declared body is over max bytes before
// the handler reads any of it.
func limitBody(max int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Request().Header.ContentLength() > max {
			return domain.Errorf(domain.ETOOLARGE, "提交的内容超过 %s 的上限。", sizeLabel(max))
		}
		return c.Next()
	}
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
		KeyGenerator: func(c *fiber.Ctx) string { return "auth:" + c.Path() + ":" + c.IP() },
		LimitReached: func(c *fiber.Ctx) error {
			return domain.Errorf(domain.ERATELIMIT, "操作过于频繁，请一分钟后再试。")
		},
	})
}

func recovery() fiber.Handler { return recover.New(recover.Config{EnableStackTrace: true}) }
