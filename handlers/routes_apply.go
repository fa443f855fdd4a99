package handlers

import "github.com/gofiber/fiber/v2"

// applyRoutes: the candidate's application flow.
func (s *Server) applyRoutes(app *fiber.App) {
}
