package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// reviewRoutes: the review dashboard, decisions, files, exports and the
// administrator's overview.
func (s *Server) reviewRoutes(app *fiber.App) {
	staff := s.requireRole(domain.RoleReviewer, domain.RoleAdmin)
	app.Get("/review", staff, s.reviewQueue)
	app.Get("/review/next", staff, s.reviewNext)
	app.Get("/review/export.xlsx", staff, s.exportReview)
	app.Get("/review/:id", staff, s.showReview)
	app.Post("/review/:id", staff, limitBody(formLimit), s.decideReview)
	app.Post("/review/:id/overturn", s.requireRole(domain.RoleAdmin), limitBody(formLimit), s.overturnReview)
	app.Get("/review/:id/photo.jpg", staff, s.reviewFile(false))
	app.Get("/review/:id/recommendation.pdf", staff, s.reviewFile(true))
	app.Get("/admin/review", s.requireRole(domain.RoleAdmin), s.reviewOverview)
}
