package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/static"
	"examreg/views"
)

// home renders the landing page.
func (s *Server) home(c *fiber.Ctx) error {
	p := views.HomeProps{}
	if acct := account(c); acct != nil {
		p.User = &views.User{ID: acct.ID, Name: acct.Name, Role: acct.Role}
	}
	exams, err := s.homeExams()
	if err != nil {
		return err
	}
	p.Exams = exams
	content, err := s.withUnreadBanner(account(c), views.HomePage(p))
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "首页", "home", content, nil)
}

// help renders the seed's FAQ.
func (s *Server) help(c *fiber.Ctx) error {
	return s.page(c, fiber.StatusOK, "报考须知", "help", views.HelpPage(), nil)
}

// notOpen is the honest page for a menu item whose feature is not built or
// not open yet.
func (s *Server) notOpen(title, nav, reason string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.page(c, fiber.StatusOK, title, nav, views.NotOpenPage(title, reason), nil)
	}
}

// healthz answers 200 while the store is open and readable.
func (s *Server) healthz(c *fiber.Ctx) error {
	noStore(c)
	if err := s.store.Ping(); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("store unavailable")
	}
	return c.SendString("ok")
}

// serveStatic serves an embedded asset. A request carrying the current
// content hash may be cached for a year; others revalidate by ETag.
func serveStatic(c *fiber.Ctx) error {
	f, ok := static.Lookup(c.Params("name"))
	if !ok {
		return fiber.ErrNotFound
	}
	etag := `"` + f.Hash + `"`
	c.Set(fiber.HeaderETag, etag)
	if c.Query("v") == f.Hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=0, must-revalidate")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	return c.Send(f.Data)
}
