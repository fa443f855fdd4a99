package kv

import (
	"time"

	"examreg/domain"
)

// ReviewApplication records a reviewer's decision on a 待审核 application:
// 审核通过, 退回修改 or 审核不通过 (reason required for the last two). In one
// transaction it re-reads the application, checks that actor may review
// its position (reviewers: their own 遴选机关), applies the transition
// through the state machine (state, role, review window), and appends an
// audit entry. Returns EFORBIDDEN, ECONFLICT (not 待审核 any more: another
// reviewer was first), EINVALID (reason) or ENOTFOUND.
func (s *Store) ReviewApplication(appID string, actor *domain.Account, action domain.Action, reason string, now time.Time) (*domain.Application, error) {
	switch action {
	case domain.ActionApprove, domain.ActionReturn, domain.ActionReject:
	default:
		return nil, domain.Errorf(domain.EINVALID, "未知的审核操作。")
	}
	return s.UpdateApplication(appID, func(tx *Tx, a *domain.Application) error {
		exam, err := tx.Exam(a.ExamID)
		if err != nil {
			return err
		}
		if actor.Role == domain.RoleReviewer {
			p, err := tx.Position(a.ExamID, a.PositionCode)
			if err != nil {
				return err
			}
			if !domain.CanReview(actor, p) {
				return domain.Errorf(domain.EFORBIDDEN, "您无权审核该职位的报名。")
			}
		}
		from := a.State
		if err := domain.Transition(a, exam, action, actor.ID, actor.Role, now, reason); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{
			At: now, ActorID: actor.ID, Action: "application." + string(action), Target: a.ID,
			Detail: string(from) + "→" + string(a.State) + " " + reason,
		})
	})
}
