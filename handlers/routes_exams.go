package handlers

import "github.com/gofiber/fiber/v2"

// examRoutes: exams, positions, the 职位表, counts, announcements, admin.
func (s *Server) examRoutes(app *fiber.App) {
}
