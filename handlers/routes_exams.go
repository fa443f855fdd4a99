package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// examRoutes: exams, positions, the 职位表, counts, announcements, admin.
func (s *Server) examRoutes(app *fiber.App) {
	// Public: no login needed.
	app.Get("/positions", s.searchPositions)
	app.Get("/positions/:exam/:code", s.showPosition)
	app.Get("/stats", s.showStats)
	app.Get("/notices", s.listNotices)
	app.Get("/notices/:id", s.showNotice)
	app.Get("/notices/:id/files/:blob", s.downloadAttachment)

	// Administrator only; others get 403 (anonymous visitors go to login).
	// The role check is on each route, not on the /admin prefix, so other
	// areas' /admin routes keep their own rules.
	admin := app.Group("/admin")
	adm := s.requireRole(domain.RoleAdmin)
	admin.Get("/exams", adm, s.adminExams)
	admin.Get("/exams/new", adm, s.newExam)
	admin.Post("/exams", adm, limitBody(formLimit), s.createExam)
	admin.Get("/positions-template.xlsx", adm, s.positionsTemplate)
	admin.Get("/exams/:id", adm, s.adminExam)
	admin.Get("/exams/:id/edit", adm, s.editExam)
	admin.Post("/exams/:id", adm, limitBody(formLimit), s.updateExam)
	admin.Post("/exams/:id/counts/rebuild", adm, limitBody(formLimit), s.rebuildCounts)
	admin.Get("/exams/:id/positions", adm, s.adminPositions)
	admin.Get("/exams/:id/positions.xlsx", adm, s.exportPositions)
	admin.Get("/exams/:id/positions/new", adm, s.newPosition)
	admin.Post("/exams/:id/positions", adm, limitBody(formLimit), s.createPosition)
	admin.Get("/exams/:id/positions/:code/edit", adm, s.editPosition)
	admin.Post("/exams/:id/positions/:code", adm, limitBody(formLimit), s.updatePosition)
	admin.Get("/exams/:id/positions/:code/delete", adm, s.confirmDeletePosition)
	admin.Post("/exams/:id/positions/:code/delete", adm, limitBody(formLimit), s.deletePosition)
	admin.Get("/exams/:id/import", adm, s.showImport)
	admin.Post("/exams/:id/import", adm, limitBody(importLimit), s.importPositions)

	admin.Get("/notices", adm, s.adminNotices)
	admin.Get("/notices/new", adm, s.newNotice)
	admin.Post("/notices", adm, limitBody(attachmentLimit), s.createNotice)
	admin.Get("/notices/:id", adm, s.editNotice)
	admin.Post("/notices/:id", adm, limitBody(attachmentLimit), s.updateNotice)
	admin.Post("/notices/:id/files/:blob/delete", adm, limitBody(formLimit), s.deleteNoticeFile)
	admin.Post("/notices/:id/delete", adm, limitBody(formLimit), s.deleteNotice)
	admin.Get("/site", adm, s.showSiteSettings)
	admin.Post("/site", adm, limitBody(formLimit), s.saveSiteSettings)
}
