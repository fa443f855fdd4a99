package handlers

import (
	"crypto/ed25519"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// checkInPage renders 入场核验 for the signed-in invigilator.
func (s *Server) checkInPage(c *fiber.Ctx, status int, p views.CheckInProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	inv := account(c)
	examID, noText, _ := strings.Cut(inv.Venue, "/")
	if no, err := strconv.Atoi(noText); err == nil {
		if v, err := s.store.Venue(examID, no); err == nil {
			p.VenueName = fmt.Sprintf("考点 %02d %s", v.No, v.Name)
		}
	}
	return s.page(c, status, "入场核验", "checkin", views.CheckInPage(p), nil)
}

// showCheckIn is the empty 入场核验 page.
func (s *Server) showCheckIn(c *fiber.Ctx) error {
	return s.checkInPage(c, fiber.StatusOK, views.CheckInProps{})
}

// doCheckIn checks a typed 准考证号 or a scanned token in. A refusal
// (altered token, other exam, other venue, unknown number) is shown at the
// field with its 4xx status; a second check-in shows the warning.
func (s *Server) doCheckIn(c *fiber.Ctx) error {
	code := formValue(c, "code")
	key, err := s.ticketKey()
	if err != nil {
		return err
	}
	res, err := s.store.CheckIn(account(c), code, key.Public().(ed25519.PublicKey), s.now())
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID, domain.EFORBIDDEN, domain.ENOTFOUND, domain.ECONFLICT:
			shown := code
			if domain.IsTicketToken(code) {
				shown = "" // a token is not worth showing back
			}
			return s.checkInPage(c, statusOf(domain.ErrorCode(err)), views.CheckInProps{Code: shown, Error: domain.ErrorMessage(err)})
		}
		return err
	}
	e := res.Entry
	return s.checkInPage(c, fiber.StatusOK, views.CheckInProps{Result: &views.CheckInView{
		Already: res.Already, At: domain.FormatTime(res.At), Name: e.Name, Sex: e.Sex, IDNumber: e.IDNumber,
		TicketNo: e.Seat.TicketNo, RoomNo: e.Seat.RoomNo, SeatNo: e.Seat.SeatNo, PhotoURL: s.photoDataURL(e.PhotoID),
	}})
}
