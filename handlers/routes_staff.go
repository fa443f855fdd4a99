package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// staffRoutes: reviewer accounts, candidate support, the audit log and the
// outbox; administrators only (others get 403, anonymous visitors go to login).
func (s *Server) staffRoutes(app *fiber.App) {
	adm := s.requireRole(domain.RoleAdmin)
	app.Get("/admin/accounts", adm, s.adminAccounts)
	app.Get("/admin/accounts/new", adm, s.newStaff)
	app.Post("/admin/accounts", adm, limitBody(formLimit), s.createStaffAccount)
	app.Get("/admin/accounts/:id", adm, s.editStaff)
	app.Post("/admin/accounts/:id/departments", adm, limitBody(formLimit), s.saveStaffDepartments)
	app.Post("/admin/accounts/:id/disable", adm, limitBody(formLimit), s.setStaffDisabled(true))
	app.Post("/admin/accounts/:id/enable", adm, limitBody(formLimit), s.setStaffDisabled(false))

	app.Get("/admin/support", adm, s.showSupport)
	app.Post("/admin/support/:id/unlock", adm, limitBody(formLimit), s.unlockAccount)
	app.Post("/admin/support/:id/password", adm, limitBody(formLimit), s.oneTimePassword)

	app.Get("/admin/audit", adm, s.showAudit)
	app.Get("/admin/audit.xlsx", adm, s.exportAudit)
	app.Get("/admin/outbox", adm, s.showOutbox)
}
