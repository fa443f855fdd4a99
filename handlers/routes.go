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
	s.payPublicRoutes(app)       // pay.go: Alipay's notify_url and the demo gateway
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

	signedIn := s.requireRole(domain.RoleCandidate, domain.RoleReviewer, domain.RoleAdmin, domain.RoleInvigilator)
	app.Get("/account/password", signedIn, s.showPassword)
	app.Post("/account/password", signedIn, limitBody(formLimit), s.savePassword)

	candidate := s.requireRole(domain.RoleCandidate)
	app.Get("/account/profile", candidate, s.showProfile)
	app.Post("/account/profile", candidate, limitBody(formLimit), s.saveProfile)
	app.Get("/messages", candidate, s.showMessages)
	app.Post("/messages/:id/read", candidate, limitBody(formLimit), s.readMessage)

	s.examRoutes(app)         // routes_exams.go: exams, positions, counts, announcements, admin
	s.applyRoutes(app)        // routes_apply.go: the candidate's application flow
	s.payRoutes(app, storage) // pay.go: 网上缴费
	s.payAdminRoutes(app)     // pay_admin.go: 缴费管理 (finance view, refunds)
	s.staffRoutes(app)        // routes_staff.go: staff accounts, support, audit log, outbox
	s.reviewRoutes(app)       // routes_review.go: 资格审核 dashboard, decisions, exports, overview
	s.ticketRoutes(app)       // routes_ticket.go: venues, seats, 打印准考证, 入场核验
	s.openingRoutes(app)      // opening.go: 开考比例, 取消职位/核减计划, 改报或退款

	s.scoreRoutes(app, storage) // routes_score.go: 成绩管理, 资格复审/面试名单, 成绩查询

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
