package kv

import (
	"strings"
	"time"

	"examreg/domain"
)

// ReviewSeen is what a decision made on a page adds: the application
// version the page showed and the reviewer's client IP (for the audit log).
type ReviewSeen struct {
	Version int
	IP      string
}

// errNoSuchApplication hides an application from a reviewer of another
// department: the same answer as for one that does not exist.
var errNoSuchApplication = domain.Errorf(domain.ENOTFOUND, "报名记录不存在。")

// ReviewableApplication loads an application for actor's review page:
// ENOTFOUND unless actor may review it (domain.CanReview), and never
// before it was submitted (reviewers see nothing the candidate did not
// submit). It returns the application's position too.
func (s *Store) ReviewableApplication(appID string, actor *domain.Account) (a *domain.Application, p *domain.Position, err error) {
	err = s.View(func(tx *Tx) error {
		if a, err = tx.Application(appID); err != nil {
			return err
		}
		if a.PositionCode == "" || domain.ReviewBucket(a) == "" {
			return errNoSuchApplication
		}
		if p, err = tx.Position(a.ExamID, a.PositionCode); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return errNoSuchApplication
			}
			return err
		}
		if !domain.CanReview(actor, p) {
			return errNoSuchApplication
		}
		return nil
	})
	return a, p, err
}

// ReviewableFile returns the frozen photo or the 推荐表 of an application
// actor may review (kv.ApplicationFile after domain.CanReview); ENOTFOUND
// otherwise.
func (s *Store) ReviewableFile(appID string, actor *domain.Account, pdf bool) (*BlobMeta, []byte, error) {
	a, _, err := s.ReviewableApplication(appID, actor)
	if err != nil {
		return nil, nil, err
	}
	id := a.PhotoID
	if pdf {
		id = a.RecommendationID
	}
	return s.ApplicationFile(appID, id)
}

// OverturnDecision records an administrator's correction of a review
// decision (改判, domain.Overturn) with its audit entry, in one
// transaction. Returns EFORBIDDEN, ECONFLICT (stale page, nothing to
// overturn, same outcome), EINVALID or ENOTFOUND.
func (s *Store) OverturnDecision(appID string, actor *domain.Account, d domain.Decision, now time.Time, seen ReviewSeen) (*domain.Application, error) {
	return s.UpdateApplication(appID, func(tx *Tx, a *domain.Application) error {
		exam, err := tx.Exam(a.ExamID)
		if err != nil {
			return err
		}
		if err := domain.CheckReviewVersion(a, seen.Version); err != nil {
			return err
		}
		from := a.State
		if err := domain.Overturn(a, exam, d, actor.ID, actor.Role, now); err != nil {
			return err
		}
		detail := "改判 " + string(from) + "→" + string(a.State) + " " + strings.TrimSpace(d.Reason)
		if len(a.ReturnedParts) > 0 {
			detail += " [需修改：" + strings.Join(domain.PartTitles(a.ReturnedParts), "、") + "]"
		}
		if err := tx.AppendAudit(AuditEntry{
			At: now, ActorID: actor.ID, Action: "application.overturn", Target: a.ID, Detail: detail, IP: seen.IP,
		}); err != nil {
			return err
		}
		// The candidate is told of the new outcome, as of any decision.
		return tx.NotifyDecision(a, a.CorrectionDeadline, now)
	})
}
