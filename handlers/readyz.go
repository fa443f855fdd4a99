package handlers

import "github.com/gofiber/fiber/v2"

// readyz tells a load balancer whether to send new requests here: 200 while
// the store answers and shutdown has not begun, 503 otherwise (/healthz
// says whether the process is alive and how full its disk is).
func (s *Server) readyz(c *fiber.Ctx) error {
	noStore(c)
	if s.ready != nil && !s.ready() {
		return c.Status(fiber.StatusServiceUnavailable).SendString("shutting down")
	}
	if err := s.store.Ping(); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("store unavailable")
	}
	return c.SendString("ready")
}
