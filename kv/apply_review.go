package kv

import (
	"strings"
	"time"

	"examreg/domain"
)

// ReviewApplication records a reviewer's decision on a 待审核 application:
// 审核通过, 退回修改 (reason and the parts to fix required) or 审核不通过
// (reason required). In one transaction it re-reads the application,
// checks that actor may review its position (reviewers: their own 遴选机关),
// applies the decision through domain.Review (state, role, review window,
// reason, parts), and appends an audit entry naming the parts. Returns
// EFORBIDDEN, ECONFLICT (not 待审核 any more: another reviewer was first),
// EINVALID (action, reason, parts) or ENOTFOUND.
func (s *Store) ReviewApplication(appID string, actor *domain.Account, d domain.Decision, now time.Time) (*domain.Application, error) {
	switch d.Action {
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
		if err := domain.Review(a, exam, d, actor.ID, actor.Role, now); err != nil {
			return err
		}
		detail := string(from) + "→" + string(a.State) + " " + d.Reason
		if len(a.ReturnedParts) > 0 {
			detail += " [需修改：" + strings.Join(domain.PartTitles(a.ReturnedParts), "、") + "]"
		}
		if err := tx.AppendAudit(AuditEntry{
			At: now, ActorID: actor.ID, Action: "application." + string(d.Action), Target: a.ID, Detail: detail,
		}); err != nil {
			return err
		}
		// The candidate is told in the same transaction (站内消息 + outbox).
		return tx.NotifyDecision(a, time.Time{}, now)
	})
}
