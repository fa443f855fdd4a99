package kv

import (
	"errors"
	"time"

	"examreg/domain"
)

// Payment keys (see keys.go for the whole schema).
const (
	prefixOrder        = "v1/order/"
	prefixOrderOpen    = "v1/idx/order_open/"
	prefixOrderByApp   = "v1/idx/order_by_app/"
	prefixOrderCreated = "v1/idx/order_created/"
	prefixPayAnomaly   = "v1/payanom/"
)

func orderKey(id string) string             { return prefixOrder + id }
func orderOpenKey(appID string) string      { return prefixOrderOpen + appID }
func orderByAppPrefix(appID string) string  { return prefixOrderByApp + appID + "/" }
func orderByAppKey(appID, id string) string { return orderByAppPrefix(appID) + id }
func orderCreatedKey(id string) string      { return prefixOrderCreated + id }
func payAnomalyKey(id string) string        { return prefixPayAnomaly + id }
func anomalyID(orderID, kind string) string { return orderID + "-" + kind }

// SystemActor is the actor id of payment settlements in history and audit.
const SystemActor = "alipay"

// Order loads an order. Returns ENOTFOUND.
func (tx *Tx) Order(id string) (*domain.Order, error) {
	var o domain.Order
	if err := tx.Get(orderKey(id), &o); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "订单不存在。")
		}
		return nil, err
	}
	return &o, nil
}

// Order loads an order in its own transaction.
func (s *Store) Order(id string) (o *domain.Order, err error) {
	err = s.View(func(tx *Tx) error { o, err = tx.Order(id); return err })
	return o, err
}

// openOrder returns the application's created order, or nil.
func (tx *Tx) openOrder(appID string) (*domain.Order, error) {
	id, err := tx.GetRaw(orderOpenKey(appID))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return tx.Order(string(id))
}

// writeOrder stores o and keeps the open and created indexes in step.
func (tx *Tx) writeOrder(o *domain.Order) error {
	if o.State == domain.OrderCreated {
		if err := tx.PutRaw(orderOpenKey(o.ApplicationID), []byte(o.ID)); err != nil {
			return err
		}
		if err := tx.PutRaw(orderCreatedKey(o.ID), nil); err != nil {
			return err
		}
	} else {
		if cur, err := tx.GetRaw(orderOpenKey(o.ApplicationID)); err == nil && string(cur) == o.ID {
			if err := tx.Delete(orderOpenKey(o.ApplicationID)); err != nil {
				return err
			}
		}
		if err := tx.Delete(orderCreatedKey(o.ID)); err != nil {
			return err
		}
	}
	if err := tx.PutRaw(orderByAppKey(o.ApplicationID, o.ID), nil); err != nil {
		return err
	}
	return tx.Put(orderKey(o.ID), o)
}

// StartPayment is 缴费: for the candidate's application to exam it returns
// the order to pay. The open order is reused (same out_trade_no, same
// amount) while payable, so any number of clicks, in any tab, at once or
// not, give one chargeable order: the open-order index is read and written
// in the same transaction, so of two concurrent first clicks one commits
// and the other retries and reuses it. With domain.PayCloseFirst nothing is
// written: the caller closes the returned order at Alipay (CloseOrder),
// then calls again. Returns the refusals of domain.DecidePayStart
// (ECONFLICT, EFORBIDDEN) and ENOTFOUND.
func (s *Store) StartPayment(candidateID, examID string, ch domain.PayChannel, now time.Time) (o *domain.Order, start domain.PayStart, err error) {
	err = s.Update(func(tx *Tx) error {
		o, start = nil, 0
		appID, err := tx.LookupUnique(UniqueCandidateExam, candidateID+"/"+examID)
		if errors.Is(err, ErrNotFound) {
			return domain.Errorf(domain.ENOTFOUND, "您尚未报名该考试。")
		}
		if err != nil {
			return err
		}
		app, err := tx.Application(string(appID))
		if err != nil {
			return err
		}
		exam, err := tx.Exam(app.ExamID)
		if err != nil {
			return err
		}
		open, err := tx.openOrder(app.ID)
		if err != nil {
			return err
		}
		start, err = domain.DecidePayStart(app, exam, open, now)
		if err != nil {
			return err
		}
		if start != domain.PayNew {
			o = open
			return nil
		}
		o = domain.NewOrder(NewID(now), app, exam, ch, now)
		return tx.writeOrder(o)
	})
	return o, start, err
}

// CloseOrder records that Alipay closed (or never had) the created order
// id: it becomes closed, so a new order may be made. Closing a closed order
// changes nothing; a paid order is refused (ECONFLICT). Audited.
func (s *Store) CloseOrder(id, reason string, now time.Time) (o *domain.Order, err error) {
	err = s.Update(func(tx *Tx) error {
		o, err = tx.Order(id)
		if err != nil {
			return err
		}
		changed, err := domain.CheckCloseOrder(o)
		if err != nil || !changed {
			return err
		}
		o.State, o.ClosedAt, o.CloseReason = domain.OrderClosed, now, reason
		o.Version++
		if err := tx.writeOrder(o); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, ActorID: SystemActor, Action: "payment.close", Target: o.ID,
			Detail: "application " + o.ApplicationID + " " + reason})
	})
	return o, err
}

// SettleResult is what SettleOrder did.
type SettleResult struct {
	Order      *domain.Order // nil for an unknown out_trade_no
	Settlement domain.Settlement
}

// SettleOrder applies Alipay's evidence about a trade (a verified
// notification or a trade.query answer) in one transaction: the order,
// the application's approved → paid transition (domain.ActionPay by
// RoleSystem, with history and counts), any anomaly and the audit entry
// commit together or not at all. The same evidence again changes nothing
// (SettleDuplicate), so a resent notification and a reconciliation query
// racing it settle the order once: the loser of the race retries and sees
// the order paid. Money that cannot settle (wrong amount, closed or
// already-paid order, application no longer 审核通过, unknown order) is
// recorded as a PaymentAnomaly queued for refund, once per order and kind.
// Evidence naming another merchant or order is refused with EINVALID.
func (s *Store) SettleOrder(ev domain.TradeEvidence, m domain.Merchant, now time.Time) (res SettleResult, err error) {
	err = s.Update(func(tx *Tx) error {
		res = SettleResult{}
		o, err := tx.Order(ev.OutTradeNo)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			if ev.AppID != m.AppID {
				return domain.Errorf(domain.EINVALID, "app_id 与本系统不符。")
			}
			if !ev.Settles() {
				return err
			}
			res.Settlement = domain.Settlement{Outcome: domain.SettleAnomaly, Anomaly: domain.AnomalyUnknownOrder}
			return tx.recordAnomaly(&domain.PaymentAnomaly{Kind: domain.AnomalyUnknownOrder, OrderID: ev.OutTradeNo}, ev, now)
		}
		if err != nil {
			return err
		}
		st, err := domain.DecideSettlement(o, ev, m)
		if err != nil {
			return err
		}
		if st.Outcome == domain.SettlePaid {
			if err := tx.payApplication(o, ev, now); err != nil {
				if domain.ErrorCode(err) != domain.ECONFLICT {
					return err
				}
				// The application cannot take this payment (already paid
				// by another order): the order is paid all the same, and
				// the money queued for refund.
				st = domain.Settlement{Outcome: domain.SettleAnomaly, Anomaly: domain.AnomalyNotPayable, Detail: domain.ErrorMessage(err)}
				domain.ApplySettlement(o, domain.Settlement{Outcome: domain.SettlePaid}, ev, now)
			}
		}
		res.Order, res.Settlement = o, st
		switch st.Outcome {
		case domain.SettleNothing, domain.SettleDuplicate:
			return nil
		case domain.SettleAnomaly:
			domain.ApplySettlement(o, st, ev, now)
			if err := tx.writeOrder(o); err != nil {
				return err
			}
			return tx.recordAnomaly(&domain.PaymentAnomaly{Kind: st.Anomaly, OrderID: o.ID, ApplicationID: o.ApplicationID,
				CandidateID: o.CandidateID, Detail: st.Detail}, ev, now)
		}
		domain.ApplySettlement(o, st, ev, now)
		if err := tx.writeOrder(o); err != nil {
			return err
		}
		if st.Outcome == domain.SettlePaid {
			if err := tx.notifyPaid(o); err != nil {
				return err
			}
		}
		return tx.AppendAudit(AuditEntry{At: now, ActorID: SystemActor, Action: "payment." + string(st.Outcome), Target: o.ID,
			Detail: "application " + o.ApplicationID + " trade " + ev.TradeNo + " " + domain.FormatYuan(ev.AmountFen) + " 元 via " + ev.Source})
	})
	return res, err
}

// payApplication moves the order's application approved → paid through the
// state machine (ActionPay by RoleSystem, not window-checked: money already
// taken is recorded), with history, indexes and counts.
func (tx *Tx) payApplication(o *domain.Order, ev domain.TradeEvidence, now time.Time) error {
	app, err := tx.Application(o.ApplicationID)
	if err != nil {
		return err
	}
	old := priorOf(app)
	exam, err := tx.Exam(app.ExamID)
	if err != nil {
		return err
	}
	note := "支付宝缴费 " + domain.FormatYuan(ev.AmountFen) + " 元，交易号 " + ev.TradeNo
	if err := domain.Transition(app, exam, domain.ActionPay, SystemActor, domain.RoleSystem, now, note); err != nil {
		return err
	}
	return tx.writeApplication(old, app)
}

// notifyPaid tells the candidate of the settlement (站内消息, and e-mail/SMS
// through the outbox) in the settling transaction, once per order.
func (tx *Tx) notifyPaid(o *domain.Order) error {
	name := ""
	if exam, err := tx.Exam(o.ExamID); err == nil {
		name = exam.Name
	}
	title, body := domain.PaymentMessage(o, name)
	_, err := tx.Notify(Notification{AccountID: o.CandidateID, EventKey: "payment/" + o.ID, Title: title, Body: body, Link: "/pay"}, o.PaidAt)
	return err
}

// recordAnomaly stores a once per order and kind, with the evidence's
// trade and amount, and audits it. An anomaly already on file is kept as it is.
func (tx *Tx) recordAnomaly(a *domain.PaymentAnomaly, ev domain.TradeEvidence, now time.Time) error {
	a.ID = anomalyID(a.OrderID, a.Kind)
	if ok, err := tx.Exists(payAnomalyKey(a.ID)); err != nil || ok {
		return err
	}
	a.TradeNo, a.AmountFen, a.Source, a.RefundState, a.At = ev.TradeNo, ev.AmountFen, ev.Source, domain.RefundQueued, now
	if err := tx.Put(payAnomalyKey(a.ID), a); err != nil {
		return err
	}
	if a.CandidateID != "" {
		title, body := domain.AnomalyMessage(a)
		if _, err := tx.Notify(Notification{AccountID: a.CandidateID, EventKey: "payment-anomaly/" + a.ID,
			Title: title, Body: body, Link: "/pay"}, now); err != nil {
			return err
		}
	}
	return tx.AppendAudit(AuditEntry{At: now, ActorID: SystemActor, Action: "payment.anomaly", Target: a.OrderID,
		Detail: domain.AnomalyLabel(a.Kind) + " trade " + ev.TradeNo + " " + domain.FormatYuan(ev.AmountFen) + " 元 " + a.Detail})
}

// OrdersOfApplication lists an application's orders, oldest first.
func (s *Store) OrdersOfApplication(appID string) (list []*domain.Order, err error) {
	err = s.View(func(tx *Tx) error {
		prefix := orderByAppPrefix(appID)
		return tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
			o, err := tx.Order(key[len(prefix):])
			if err != nil {
				return err
			}
			list = append(list, o)
			return nil
		})
	})
	return list, err
}

// UnsettledOrders lists created orders made before the given time, oldest
// first, at most limit (the reconciliation worker's work list).
func (s *Store) UnsettledOrders(before time.Time, limit int) (list []*domain.Order, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixOrderCreated, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
			o, err := tx.Order(key[len(prefixOrderCreated):])
			if err != nil {
				return err
			}
			if !o.CreatedAt.Before(before) {
				return StopScan // ids are time-ordered: the rest are newer
			}
			list = append(list, o)
			if limit > 0 && len(list) >= limit {
				return StopScan
			}
			return nil
		})
	})
	return list, err
}

// PaymentAnomalies lists every recorded anomaly, oldest first.
func (s *Store) PaymentAnomalies() (list []*domain.PaymentAnomaly, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixPayAnomaly, ScanOptions{}, func(_ string, v []byte) error {
			var a domain.PaymentAnomaly
			if err := jsonUnmarshal(v, &a); err != nil {
				return err
			}
			list = append(list, &a)
			return nil
		})
	})
	return list, err
}

// PaymentAnomaly loads one anomaly. Returns ENOTFOUND.
func (s *Store) PaymentAnomaly(id string) (a *domain.PaymentAnomaly, err error) {
	err = s.View(func(tx *Tx) error {
		a = &domain.PaymentAnomaly{}
		if err := tx.Get(payAnomalyKey(id), a); err != nil {
			if errors.Is(err, ErrNotFound) {
				return domain.Errorf(domain.ENOTFOUND, "异常款项不存在。")
			}
			return err
		}
		return nil
	})
	return a, err
}

// RecordRefund records that Alipay refunded the anomaly's money (the
// administrator started it; fundChange false means an earlier try had
// already moved it). Audited; the candidate is told. ECONFLICT when it is
// already recorded.
func (s *Store) RecordRefund(id string, actor *domain.Account, fundChange bool, now time.Time) (a *domain.PaymentAnomaly, err error) {
	err = s.Update(func(tx *Tx) error {
		a = &domain.PaymentAnomaly{}
		if err := tx.Get(payAnomalyKey(id), a); err != nil {
			if errors.Is(err, ErrNotFound) {
				return domain.Errorf(domain.ENOTFOUND, "异常款项不存在。")
			}
			return err
		}
		if err := domain.CheckRefund(a); err != nil {
			return err
		}
		a.RefundState, a.RefundedAt, a.RefundedBy = domain.RefundDone, now, actor.ID
		if err := tx.Put(payAnomalyKey(id), a); err != nil {
			return err
		}
		if err := tx.openingRefundMade(a, actor, now); err != nil { // opening_refund.go
			return err
		}
		if a.CandidateID != "" {
			title, body := domain.RefundMessage(a)
			if _, err := tx.Notify(Notification{AccountID: a.CandidateID, EventKey: "refund/" + a.ID, Title: title, Body: body, Link: "/pay"}, now); err != nil {
				return err
			}
		}
		detail := "退款 " + domain.FormatYuan(a.AmountFen) + " 元 trade " + a.TradeNo + " out_request_no " + a.RefundRequestNo()
		if !fundChange {
			detail += "（支付宝已于此前退款）"
		}
		return tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "payment.refund", Target: a.OrderID, Detail: detail})
	})
	return a, err
}

// Orders lists every order, oldest first (the finance view).
func (s *Store) Orders() (list []*domain.Order, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixOrder, ScanOptions{}, func(_ string, v []byte) error {
			var o domain.Order
			if err := jsonUnmarshal(v, &o); err != nil {
				return err
			}
			list = append(list, &o)
			return nil
		})
	})
	return list, err
}
