package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// formLimit is the body limit of every plain form (no file upload).
const formLimit = 1 << 20

// routes lists every route in one place, so a URL leads straight to its handler.
func (s *Server) routes(app *fiber.App, storage fiber.Storage) {
	app.Use(s.requestLog, s.securityHeaders, bodyGuard, recovery())

	app.Get("/static/:name", serveStatic)
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz) // readyz.go

	// Everything below is dynamic: never cached, user loaded, CSRF checked.
	app.Use(dynamic, s.withSession, s.loadUser, s.checkCSRF, s.requirePasswordChange)
	captchas := s.captchaLimiter(storage)
	app.Get("/captcha/refresh", captchas, s.refreshCaptcha)
	app.Get("/captcha/:file", captchas, s.captchaImage)

	app.Get("/", s.home)
	app.Get("/help", s.help)

	auth := app.Group("", s.authLimiter(storage))
	auth.Get("/login", s.showLogin)
	auth.Post("/login", limitBody(formLimit), s.doLogin)
	auth.Get("/register", s.showRegister)
	auth.Post("/register", limitBody(formLimit), s.doRegister)
	auth.Get("/forgot", s.showForgot)
	auth.Post("/forgot", limitBody(formLimit), s.doForgot)
	auth.Get("/forgot/reset", s.showReset)
	auth.Post("/forgot/reset", limitBody(formLimit), s.doReset)
	app.Post("/logout", limitBody(formLimit), s.doLogout)

	signedIn := s.requireRole(domain.RoleCandidate, domain.RoleReviewer, domain.RoleAdmin)
	app.Get("/account/password", signedIn, s.showPassword)
	app.Post("/account/password", signedIn, limitBody(formLimit), s.savePassword)

	candidate := s.requireRole(domain.RoleCandidate)
	app.Get("/account/profile", candidate, s.showProfile)
	app.Post("/account/profile", candidate, limitBody(formLimit), s.saveProfile)
	app.Get("/messages", candidate, s.showMessages)
	app.Post("/messages/:id/read", candidate, limitBody(formLimit), s.readMessage)

	s.examRoutes(app)  // routes_exams.go: exams, positions, counts, announcements, admin
	s.applyRoutes(app) // routes_apply.go: the candidate's application flow
	s.staffRoutes(app) // routes_staff.go: staff accounts, support, audit log, outbox

	// Steps whose features come with later work: honest pages, never fake ones.
	app.Get("/pay", candidate, s.notOpen("网上缴费", "pay", "网上缴费功能尚未开放。审核通过的考生请在考试公告规定的缴费时间内登录缴费。"))
	app.Get("/ticket", candidate, s.notOpen("打印准考证", "ticket", "准考证打印尚未开放。请在考试公告规定的时间内登录打印准考证。"))
	app.Get("/scores", candidate, s.notOpen("成绩查询", "scores", "笔试成绩尚未公布。请关注湖北省人事考试网相关公告。"))
	app.Get("/review", s.requireRole(domain.RoleReviewer, domain.RoleAdmin), s.notOpen("资格审核", "review", "资格审核功能尚未开放。"))

	app.Use(notFound)
}

// notFound answers a request no route took. A state-changing one still has
// its form token checked first (within the hard cap), as on any route.
func notFound(c *fiber.Ctx) error {
	if c.Locals(localCSRFCheck) != nil {
		if err := loadBody(c, maxBody); err != nil {
			return err
		}
		if err := deferredCSRF(c); err != nil {
			return err
		}
	}
	return fiber.ErrNotFound
}
