package handlers

import (
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// DefaultMinFreeDisk is the free space on the data directory below which
// uploads are refused (Config.MinFreeDisk 0 means this).
const DefaultMinFreeDisk = 1 << 30

// uploadGate runs before an upload's body is read or parsed. It refuses,
// in this order: an upload the application cannot take (owner, state,
// window: the rule the upload action enforces), any upload while the disk
// is low (503, nothing written), and an account over its per-kind quota
// (429 saying when to retry). Only an upload that passes all three is
// counted, read and parsed.
//
// The form token comes first, as on every route: an htmx upload sends it
// in a header and small bodies were read by checkCSRF already; for a big
// plain-form upload it sits in the body, which is then read (within the
// route's limit, never parsed) and checked before the upload is counted
// or refused. Otherwise a refused body is drained unread (or the
// connection closed), so the browser gets the page, not a reset.
func (s *Server) uploadGate(kind domain.UploadKind, max int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.checkUpload(c, kind); err != nil {
			return s.refuseUpload(c, kind, max, err)
		}
		if c.Locals(localCSRFCheck) != nil {
			if err := loadBody(c, max); err != nil {
				return err
			}
			if err := deferredCSRF(c); err != nil {
				return err
			}
		}
		if err := s.takeUpload(c, kind); err != nil {
			return s.refuseUpload(c, kind, max, err)
		}
		return c.Next()
	}
}

// checkUpload is the read-only part of the gate: the application may take
// the upload and the disk has room.
func (s *Server) checkUpload(c *fiber.Ctx, kind domain.UploadKind) error {
	acct, now := account(c), s.now()
	switch kind {
	case domain.UploadKindRecommendation:
		if err := s.store.CheckRecommendationUpload(acct.ID, c.Params("exam"), now); err != nil {
			return err
		}
	case domain.UploadKindPhoto:
		if err := s.store.CheckPhotoUpload(acct.ID); err != nil {
			return err
		}
	}
	return s.checkDisk()
}

// takeUpload counts the upload against the account's quota for kind.
func (s *Server) takeUpload(c *fiber.Ctx, kind domain.UploadKind) error {
	now := s.now()
	retryAt, err := s.store.TakeUpload(account(c).ID, kind, s.uploadQuota, now)
	if domain.ErrorCode(err) == domain.ERATELIMIT {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retryAt.Sub(now).Seconds())+1))
	}
	return err
}

// refuseUpload answers a refused upload after the form token check (see
// uploadGate), without reading the body when the token is known.
func (s *Server) refuseUpload(c *fiber.Ctx, kind domain.UploadKind, max int, err error) error {
	if c.Locals(localCSRFCheck) != nil {
		if lerr := loadBody(c, max); lerr != nil {
			return lerr
		}
		if cerr := deferredCSRF(c); cerr != nil {
			return cerr
		}
	} else {
		discardBody(c, max)
	}
	return s.uploadRefused(c, kind, err)
}

// uploadRefused answers a refused upload: a 推荐表 the application cannot
// take now shows the 报考流程 page with the reason, as the upload action
// would; everything else the error page (429, 503, ...).
func (s *Server) uploadRefused(c *fiber.Ctx, kind domain.UploadKind, err error) error {
	switch domain.ErrorCode(err) {
	case domain.ECONFLICT, domain.EFORBIDDEN:
		if kind == domain.UploadKindRecommendation {
			if ac, lerr := s.loadApply(c); lerr == nil && ac.app != nil {
				return s.actionRefused(c, ac, err)
			}
		}
		if kind == domain.UploadKindPhoto {
			return s.photoPage(c, statusOf(domain.ErrorCode(err)), nil, domain.ErrorMessage(err))
		}
	}
	return err
}

// checkDisk refuses uploads (EUNAVAILABLE) while the data directory's file
// system has less than the configured free space. An unknown free space
// (no FreeDisk, or it failed) does not block uploads.
func (s *Server) checkDisk() error {
	free, ok := s.diskFree()
	if !ok {
		return nil
	}
	err := domain.CheckFreeDisk(free, s.minFreeDisk)
	if err != nil {
		s.log.Error("uploads refused: free disk below threshold", "free_bytes", free, "min_bytes", s.minFreeDisk)
	}
	return err
}

// diskFree returns the free bytes of the data directory, ok false when unknown.
func (s *Server) diskFree() (uint64, bool) {
	if s.freeDisk == nil {
		return 0, false
	}
	free, err := s.freeDisk()
	if err != nil {
		s.log.Warn("free disk check failed", "err", err)
		return 0, false
	}
	return free, true
}

// discardBody reads a refused request's streamed body into nothing when
// its declared length is within max, so the connection stays usable and
// the browser, still sending, gets the answer. Otherwise the body stays
// unread and bodyGuard closes the connection.
func discardBody(c *fiber.Ctx, max int) {
	req := c.Request()
	n := req.Header.ContentLength()
	if !req.IsBodyStream() || n < 0 || n > max {
		return
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(req.BodyStream(), int64(n))); err != nil {
		c.Context().SetConnectionClose()
		return
	}
	c.Locals(localBodyRead, true)
}

// checkRecommendationPDF runs the 推荐表 check in one of a bounded number
// of slots, like photo decoding: each check may take tens of MB and a
// good part of a second on a hostile file, so a rush queues.
func (s *Server) checkRecommendationPDF(data []byte) (int, error) {
	s.pdfCheckSlots <- struct{}{}
	defer func() { <-s.pdfCheckSlots }()
	return domain.CheckRecommendationPDF(data)
}
