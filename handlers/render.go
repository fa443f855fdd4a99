package handlers

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// isHX reports whether htmx asked for a fragment. A history restore asks
// for the whole page even though htmx sends it.
func isHX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true"
}

// pageInfo builds the layout's props for this request.
func (s *Server) pageInfo(c *fiber.Ctx, title, nav string) (views.Page, error) {
	p := views.Page{Title: title, Nav: nav, Now: s.now()}
	site, err := s.store.SiteSettings()
	if err != nil {
		return p, err
	}
	p.Site = site
	if acct := account(c); acct != nil {
		p.User = &views.User{ID: acct.ID, Name: acct.Name, Role: acct.Role, Login: domain.MaskedID(acct.LoginName)}
	}
	// Anonymous visitors without a session (most hits on the public pages
	// on the last day) get no session: pages with forms ask for the token
	// themselves.
	if p.User != nil || hasSessionCookie(c) || c.Locals(localSession) != nil {
		tok, err := s.csrfToken(c)
		if err != nil {
			return p, err
		}
		p.CSRF = tok
	}
	kind, msg, err := s.takeFlash(c)
	if err != nil {
		return p, err
	}
	p.Flash, p.FlashKind = msg, kind
	return p, nil
}

// page renders content inside the layout. For an htmx request it renders
// only fragment (or content when fragment is nil), so one handler serves both.
func (s *Server) page(c *fiber.Ctx, status int, title, nav string, content, fragment templ.Component) error {
	c.Vary("HX-Request")
	if isHX(c) {
		if fragment == nil {
			fragment = content
		}
		return s.write(c, status, fragment)
	}
	p, err := s.pageInfo(c, title, nav)
	if err != nil {
		return err
	}
	return s.write(c, status, views.Layout(p, content))
}

// write renders a component to the response. Rendering into a buffer first
// means a template error becomes a clean 500, not half a page.
func (s *Server) write(c *fiber.Ctx, status int, comp templ.Component) error {
	// Straight into the response's body buffer, which fasthttp pools: a
	// page rendered into a fresh buffer spent a fifth of its CPU growing it.
	resp := c.Response()
	resp.ResetBody()
	if err := comp.Render(c.UserContext(), resp.BodyWriter()); err != nil {
		resp.ResetBody() // the error page replaces whatever was written
		return err
	}
	c.Status(status)
	c.Type("html", "utf-8")
	return nil
}

// redirect ends a successful POST: 303 for a plain form, HX-Redirect for htmx.
func (s *Server) redirect(c *fiber.Ctx, to string) error {
	if isHX(c) {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// redirectFlash redirects with a one-time message for the next page.
func (s *Server) redirectFlash(c *fiber.Ctx, to, kind, msg string) error {
	if err := s.setFlash(c, kind, msg); err != nil {
		return err
	}
	return s.redirect(c, to)
}

// invalidStatus is the status of a form re-rendered with field messages.
const invalidStatus = fiber.StatusUnprocessableEntity

// safeNext accepts only a local path as a post-login destination, so the
// login page cannot be used to send candidates to a phishing site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// param returns a copy of a path parameter: Fiber reuses the memory behind
// c.Params after the handler returns, so a value that outlives the request
// (stored, cached) must be a copy.
func param(c *fiber.Ctx, key string) string {
	return strings.Clone(c.Params(key))
}

// formValue returns a trimmed copy of a form field: Fiber reuses the memory
// behind FormValue after the handler returns.
func formValue(c *fiber.Ctx, key string) string {
	return strings.Clone(strings.TrimSpace(c.FormValue(key)))
}
