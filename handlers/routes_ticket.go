package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views/pdfdoc"
)

// ticketRoutes: venues, seat assignment and rosters (administrators), 打印准考证
// (candidates), 入场核验 (invigilators).
func (s *Server) ticketRoutes(app *fiber.App) {
	go pdfdoc.WarmTicketFont() // the first 准考证 need not wait for the font cut
	adm := s.requireRole(domain.RoleAdmin)
	app.Get("/admin/exams/:id/venues", adm, s.adminVenues)
	app.Post("/admin/exams/:id/ticket-settings", adm, limitBody(formLimit), s.saveTicketSettings)
	app.Post("/admin/exams/:id/seats", adm, limitBody(formLimit), s.assignSeats)
	app.Get("/admin/exams/:id/venues/new", adm, s.newVenue)
	app.Post("/admin/exams/:id/venues", adm, limitBody(formLimit), s.createVenue)
	app.Get("/admin/exams/:id/venues/:no", adm, s.editVenue)
	app.Post("/admin/exams/:id/venues/:no", adm, limitBody(formLimit), s.updateVenue)
	app.Post("/admin/exams/:id/venues/:no/delete", adm, limitBody(formLimit), s.deleteVenue)
	app.Post("/admin/exams/:id/venues/:no/invigilators", adm, limitBody(formLimit), s.createInvigilator)
	app.Post("/admin/exams/:id/venues/:no/invigilators/:acct/disable", adm, limitBody(formLimit), s.setInvigilatorDisabled(true))
	app.Post("/admin/exams/:id/venues/:no/invigilators/:acct/enable", adm, limitBody(formLimit), s.setInvigilatorDisabled(false))
	app.Post("/admin/exams/:id/venues/:no/invigilators/:acct/password", adm, limitBody(formLimit), s.resetInvigilatorPassword)
	app.Get("/admin/exams/:id/venues/:no/rooms/:room", adm, s.showRoster)
	app.Get("/admin/exams/:id/venues/:no/rooms/:room/roster.xlsx", adm, s.exportRoster)

	candidate := s.requireRole(domain.RoleCandidate)
	app.Get("/ticket", candidate, s.showTicket)
	app.Get("/ticket/:app", candidate, s.showTicketOf)
	app.Get("/ticket/:app/ticket.pdf", candidate, s.ticketPDF)

	inv := s.requireRole(domain.RoleInvigilator)
	app.Get("/checkin", inv, s.showCheckIn)
	app.Post("/checkin", inv, limitBody(formLimit), s.doCheckIn)
}
