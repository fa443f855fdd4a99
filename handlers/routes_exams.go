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

	// Administrator only; others get 403.
	admin := app.Group("/admin", s.requireRole(domain.RoleAdmin))
	admin.Get("/exams", s.adminExams)
	admin.Get("/exams/new", s.newExam)
	admin.Post("/exams", limitBody(formLimit), s.createExam)
	admin.Get("/positions-template.xlsx", s.positionsTemplate)
	admin.Get("/exams/:id", s.adminExam)
	admin.Get("/exams/:id/edit", s.editExam)
	admin.Post("/exams/:id", limitBody(formLimit), s.updateExam)
	admin.Post("/exams/:id/counts/rebuild", limitBody(formLimit), s.rebuildCounts)
	admin.Get("/exams/:id/positions", s.adminPositions)
	admin.Get("/exams/:id/positions.xlsx", s.exportPositions)
	admin.Get("/exams/:id/positions/new", s.newPosition)
	admin.Post("/exams/:id/positions", limitBody(formLimit), s.createPosition)
	admin.Get("/exams/:id/positions/:code/edit", s.editPosition)
	admin.Post("/exams/:id/positions/:code", limitBody(formLimit), s.updatePosition)
	admin.Post("/exams/:id/positions/:code/delete", limitBody(formLimit), s.deletePosition)
	admin.Get("/exams/:id/import", s.showImport)
	admin.Post("/exams/:id/import", limitBody(importLimit), s.importPositions)

	admin.Get("/notices", s.adminNotices)
	admin.Get("/notices/new", s.newNotice)
	admin.Post("/notices", limitBody(attachmentLimit), s.createNotice)
	admin.Get("/notices/:id", s.editNotice)
	admin.Post("/notices/:id", limitBody(attachmentLimit), s.updateNotice)
	admin.Post("/notices/:id/files/:blob/delete", limitBody(formLimit), s.deleteNoticeFile)
	admin.Post("/notices/:id/delete", limitBody(formLimit), s.deleteNotice)
}
