package kv

import (
	"errors"
	"time"

	"examreg/domain"
)

// refundSystemActor is the history's actor of refund steps no person
// takes: a case with nothing to refund, an older store's case brought
// into the refund states.
const refundSystemActor = "system"

// openingRefundMade is the application side of the administrator's refund
// of a position_cancelled anomaly (RecordRefund, same transaction): the
// fee is back at Alipay, so the application moves refund_pending →
// refunded (domain.DecideRefundMade). A case an older node stored as paid
// with the refund decision is brought into the refund states first.
// Anything else (already refunded, another state) is left alone: the
// money record is the anomaly's, the application only follows it.
func (tx *Tx) openingRefundMade(an *domain.PaymentAnomaly, actor *domain.Account, now time.Time) error {
	if an.Kind != domain.AnomalyPositionCancelled || an.ApplicationID == "" {
		return nil
	}
	a, err := tx.Application(an.ApplicationID)
	if err != nil {
		return err
	}
	exam, err := tx.Exam(a.ExamID)
	if err != nil {
		return err
	}
	before := priorOf(a)
	adopted, err := domain.AdoptRefundCase(a, exam, an.AmountFen, an.TradeNo, now)
	switch {
	case err != nil:
		return err
	case adopted:
		return tx.writeApplication(before, a)
	case a.State != domain.StateRefundPending:
		return nil
	}
	next, err := domain.DecideRefundMade(a, exam, actor.Role, now)
	if err != nil {
		return err
	}
	domain.ApplyRefundMade(a, next, actor.ID, actor.Role, now)
	return tx.writeApplication(before, a)
}

// adoptRefundCases brings refund cases stored before the refund states
// existed (paid, Opening.Decision refund) into them, at open: refunded when
// the finance page already refunded the fee (or nothing was paid online),
// refund_pending otherwise, so they stop counting as paid and read right
// everywhere. The work list is the opening case index's refund entries
// (only cancelled positions' candidates), so the scan is small and runs at
// every open without a "done" marker: a case an older node writes during a
// rolling upgrade is adopted at the next open, or when it is refunded.
func (s *Store) adoptRefundCases() error {
	ids, err := s.openingCaseIDs(prefixOpeningCase, func(v []byte) bool { return string(v) == domain.CaseRefund })
	if err != nil {
		return err
	}
	adopted := 0
	err = updateInBatches(s, ids, 100, func(tx *Tx, id string) error {
		a, err := tx.Application(id)
		if err != nil {
			return err
		}
		if a.State != domain.StatePaid || a.Opening == nil || a.Opening.Decision != domain.CaseRefund {
			return nil // adopted already, or by another node
		}
		exam, err := tx.Exam(a.ExamID)
		if err != nil {
			return err
		}
		order, err := tx.paidOrder(a.ID)
		if err != nil {
			return err
		}
		var fen int64
		var tradeNo string
		refundedAt := a.Opening.DecidedAt // nothing paid online: nothing to wait for
		if order != nil {
			fen, tradeNo, refundedAt = order.AmountFen, order.TradeNo, time.Time{}
			var an domain.PaymentAnomaly
			switch err := tx.Get(payAnomalyKey(anomalyID(order.ID, domain.AnomalyPositionCancelled)), &an); {
			case err == nil && an.RefundState == domain.RefundDone:
				refundedAt = an.RefundedAt
			case err != nil && !errors.Is(err, ErrNotFound):
				return err
			}
		}
		before := priorOf(a)
		ok, err := domain.AdoptRefundCase(a, exam, fen, tradeNo, refundedAt)
		if err != nil || !ok {
			return err
		}
		adopted++
		return tx.writeApplication(before, a)
	})
	if adopted > 0 {
		s.log.Info("refund cases adopted into the refund states", "count", adopted)
	}
	return err
}
