package handlers

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
	"examreg/views/pdfdoc"
)

// ticketCache keeps the signing key and the PDFs already drawn: a ticket
// PDF costs a few hundred ms of font work, and every candidate downloads
// theirs several times in the printing window.
type ticketCache struct {
	mu   sync.Mutex
	key  ed25519.PrivateKey
	pdfs map[string]cachedPDF // by application id
}

type cachedPDF struct {
	version string // everything the PDF shows changes this
	data    []byte
}

// maxCachedPDFs bounds the cache (a ticket PDF is ~30-60 KB with its font subset).
const maxCachedPDFs = 2000

func (tc *ticketCache) get(appID, version string) []byte {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if e, ok := tc.pdfs[appID]; ok && e.version == version {
		return e.data
	}
	return nil
}

func (tc *ticketCache) put(appID, version string, data []byte) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.pdfs == nil {
		tc.pdfs = map[string]cachedPDF{}
	}
	if len(tc.pdfs) >= maxCachedPDFs {
		for k := range tc.pdfs { // drop an arbitrary entry: cheap and good enough
			delete(tc.pdfs, k)
			break
		}
	}
	tc.pdfs[appID] = cachedPDF{version: version, data: data}
}

// ticketKey returns the store's ticket signing key, loaded once.
func (s *Server) ticketKey() (ed25519.PrivateKey, error) {
	s.tickets.mu.Lock()
	defer s.tickets.mu.Unlock()
	if s.tickets.key == nil {
		k, err := s.store.TicketSigningKey()
		if err != nil {
			return nil, err
		}
		s.tickets.key = k
	}
	return s.tickets.key, nil
}

// ticketData gathers what a ticket shows for one of the signed-in
// candidate's applications; another candidate's application is ENOTFOUND.
// unavailable says why there is no ticket yet (nil data then).
func (s *Server) ticketData(c *fiber.Ctx, appID string) (d *pdfdoc.TicketData, version string, exam *domain.Exam, unavailable error, err error) {
	acct := account(c)
	app, err := s.store.Application(appID)
	if err != nil || app.CandidateID != acct.ID {
		return nil, "", nil, nil, domain.Errorf(domain.ENOTFOUND, "准考证不存在。")
	}
	if exam, err = s.store.Exam(app.ExamID); err != nil {
		return nil, "", nil, nil, err
	}
	seat, err := s.store.Seat(app.ExamID, app.ID)
	if err != nil {
		return nil, "", nil, nil, err
	}
	if err := domain.TicketAvailability(exam, app, seat, s.now()); err != nil {
		return nil, "", exam, err, nil
	}
	venue, err := s.store.Venue(app.ExamID, seat.VenueNo)
	if err != nil {
		return nil, "", nil, nil, err
	}
	settings, err := s.store.TicketSettings(app.ExamID)
	if err != nil {
		return nil, "", nil, nil, err
	}
	key, err := s.ticketKey()
	if err != nil {
		return nil, "", nil, nil, err
	}
	pos, _ := s.store.Position(app.ExamID, app.PositionCode)
	d = &pdfdoc.TicketData{
		ExamName: exam.Name, Name: acct.Name, Sex: acct.Sex, IDNumber: acct.LoginName, TicketNo: seat.TicketNo,
		Position:  strings.TrimSpace(pos.Code + " " + pos.Department + " " + pos.Title),
		VenueName: venue.Name, Address: venue.Address, Transport: venue.Transport, RoomNo: seat.RoomNo, SeatNo: seat.SeatNo,
		Subjects: exam.Subjects, Instructions: settings.Instructions, AppID: app.ID, GeneratedAt: app.UpdatedAt,
		Token: domain.SignTicket(key, domain.TicketClaims{ExamID: exam.ID, TicketNo: seat.TicketNo, AppID: app.ID}),
	}
	for _, slot := range settings.Schedule {
		d.Schedule = append(d.Schedule, slot.String())
	}
	photoID := app.PhotoID
	if photoID == "" {
		photoID = acct.PhotoID
	}
	if photoID != "" {
		if _, data, err := s.store.Blob(photoID); err == nil {
			d.Photo = data
		}
	}
	version = fmt.Sprint(app.Version, "|", seat.RunID, "|", seat.TicketNo, "|", venue.UpdatedAt.UnixNano(), "|",
		settings.UpdatedAt.UnixNano(), "|", acct.UpdatedAt.UnixNano(), "|", exam.UpdatedAt.UnixNano(), "|", photoID)
	return d, version, exam, nil, nil
}

// showTicket is 打印准考证: the ticket of the candidate's application that
// has one (or the latest application), or why it is not available yet.
func (s *Server) showTicket(c *fiber.Ctx) error {
	apps, err := s.store.ApplicationsOfCandidate(account(c).ID)
	if err != nil {
		return err
	}
	if len(apps) == 0 {
		return s.page(c, fiber.StatusOK, "打印准考证", "ticket", views.TicketPage(views.TicketProps{Unavailable: "您还没有报名任何考试。"}), nil)
	}
	app := apps[len(apps)-1]
	for _, a := range apps {
		if a.State == domain.StateTicketIssued || a.State == domain.StateScored {
			app = a
		}
	}
	return s.renderTicket(c, app.ID)
}

// showTicketOf renders the ticket of one named application (the candidate's own only).
func (s *Server) showTicketOf(c *fiber.Ctx) error { return s.renderTicket(c, param(c, "app")) }

func (s *Server) renderTicket(c *fiber.Ctx, appID string) error {
	d, _, exam, why, err := s.ticketData(c, appID)
	if err != nil {
		return err
	}
	if why != nil {
		return s.page(c, fiber.StatusOK, "打印准考证", "ticket", views.TicketPage(views.TicketProps{ExamName: exam.Name, Unavailable: domain.ErrorMessage(why)}), nil)
	}
	qr, err := pdfdoc.TicketQR(d.Token)
	if err != nil {
		return err
	}
	p := views.TicketProps{
		AppID: appID, ExamName: d.ExamName, Name: d.Name, Sex: d.Sex, IDNumber: d.IDNumber, TicketNo: d.TicketNo, Position: d.Position,
		VenueName: d.VenueName, Address: d.Address, Transport: d.Transport, RoomNo: d.RoomNo, SeatNo: d.SeatNo, Subjects: d.Subjects, Schedule: d.Schedule,
		QRURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(qr),
	}
	if len(d.Photo) > 0 {
		p.PhotoURL = "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(d.Photo)
	}
	for _, para := range strings.Split(d.Instructions, "\n") {
		if para = strings.TrimSpace(para); para != "" {
			p.Instructions = append(p.Instructions, para)
		}
	}
	return s.page(c, fiber.StatusOK, "打印准考证", "ticket", views.TicketPage(p), nil)
}

// ticketPDF downloads the ticket as PDF, drawn once per version of what it shows.
func (s *Server) ticketPDF(c *fiber.Ctx) error {
	appID := param(c, "app")
	d, version, _, why, err := s.ticketData(c, appID)
	if err != nil {
		return err
	}
	if why != nil {
		return why
	}
	pdf := s.tickets.get(appID, version)
	if pdf == nil {
		s.pdfSlots <- struct{}{}
		pdf, err = pdfdoc.TicketPDF(*d)
		<-s.pdfSlots
		if err != nil {
			return err
		}
		s.tickets.put(appID, version, pdf)
	}
	return sendFile(c, "application/pdf", "准考证-"+d.TicketNo+".pdf", pdf)
}
