package kv

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"examreg/domain"
)

// 开考比例 keys (listed in keys.go too):
//
//	v1/openingcfg/<examID>                          domain.OpeningSettings
//	v1/openingpos/<examID>/<code>                   domain.PositionOpening: a position cancelled or reduced
//	v1/idx/opening_case/<examID>/<code>/<appID>     the decision of a paid candidate of cancelled position code ("" undecided)
const (
	prefixOpeningCfg  = "v1/openingcfg/"
	prefixOpeningPos  = "v1/openingpos/"
	prefixOpeningCase = "v1/idx/opening_case/"
)

func openingCfgKey(examID string) string       { return prefixOpeningCfg + examID }
func openingPosPrefix(examID string) string    { return prefixOpeningPos + examID + "/" }
func openingPosKey(examID, code string) string { return openingPosPrefix(examID) + code }
func openingCasePrefix(examID string) string   { return prefixOpeningCase + examID + "/" }
func openingCaseKey(examID, code, appID string) string {
	return openingCasePrefix(examID) + code + "/" + appID
}

// OpeningSettings loads an exam's 开考比例 settings (nil when never saved).
func (s *Store) OpeningSettings(examID string) (o *domain.OpeningSettings, err error) {
	err = s.View(func(tx *Tx) error { o, err = tx.openingSettings(examID); return err })
	return o, err
}

func (tx *Tx) openingSettings(examID string) (*domain.OpeningSettings, error) {
	var o domain.OpeningSettings
	if err := tx.Get(openingCfgKey(examID), &o); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return &o, nil
}

// SaveOpeningSettings stores validated settings (domain.OpeningInput), audited.
// A later 改报截止 reaches candidates already affected: their cases take it
// when they are opened, so it is written as the settings' only copy.
func (s *Store) SaveOpeningSettings(o *domain.OpeningSettings, actor *domain.Account, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		if _, err := tx.Exam(o.ExamID); err != nil {
			return err
		}
		o.UpdatedAt = now
		detail := fmt.Sprintf("开考比例 %s，改报截止 %s", domain.FormatRatio(o.Ratio()), domain.FormatTime(o.SwitchEnd))
		if o.SwitchCap > 0 {
			detail += fmt.Sprintf("，改报上限 %d 倍计划", o.SwitchCap)
		}
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "opening.settings", Target: o.ExamID, Detail: detail}); err != nil {
			return err
		}
		return tx.Put(openingCfgKey(o.ExamID), o)
	})
}

// positionOpenings loads the exam's position decisions by code.
func (tx *Tx) positionOpenings(examID string) (map[string]*domain.PositionOpening, error) {
	out := map[string]*domain.PositionOpening{}
	prefix := openingPosPrefix(examID)
	err := tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
		var op domain.PositionOpening
		if err := jsonUnmarshal(v, &op); err != nil {
			return err
		}
		out[op.Code] = &op
		return nil
	})
	return out, err
}

func (tx *Tx) positionOpening(examID, code string) (*domain.PositionOpening, error) {
	var op domain.PositionOpening
	if err := tx.Get(openingPosKey(examID, code), &op); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return &op, nil
}

// paidOfPosition lists the ids of a position's paid (or seated) applications,
// from the position index.
func (tx *Tx) paidOfPosition(examID, code string) (ids []string, err error) {
	prefix := appByPosPrefix(examID, code)
	err = tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
		if st := domain.State(v); st == domain.StatePaid || st == domain.StateTicketIssued {
			ids = append(ids, key[len(prefix):])
		}
		return nil
	})
	return ids, err
}

// CaseCounts tallies the candidates of one cancelled position by decision.
type CaseCounts struct{ Pending, Switched, Refund int }

// caseCounts tallies every cancelled position's cases.
func (tx *Tx) caseCounts(examID string) (map[string]CaseCounts, error) {
	out := map[string]CaseCounts{}
	prefix := openingCasePrefix(examID)
	err := tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
		code := key[len(prefix):]
		for i := range code {
			if code[i] == '/' {
				code = code[:i]
				break
			}
		}
		c := out[code]
		switch string(v) {
		case domain.CaseSwitched:
			c.Switched++
		case domain.CaseRefund:
			c.Refund++
		default:
			c.Pending++
		}
		out[code] = c
		return nil
	})
	return out, err
}

// OpeningRow is one position on the 开考比例 page.
type OpeningRow struct {
	Position domain.Position
	Paid     int
	Decision *domain.PositionOpening // nil: not decided
	Cases    CaseCounts              // of a cancelled position
}

// OpeningOverview is the 开考比例 page's data.
type OpeningOverview struct {
	Settings *domain.OpeningSettings // nil: never saved
	Under    []OpeningRow            // below the ratio and not yet decided (most paid first)
	Decided  []OpeningRow            // cancelled or reduced, by code
	Pending  int                     // affected candidates who have not decided
	Seated   bool
}

// OpeningOverview lists the exam's positions whose paid applicants fall
// below the ratio, and those already cancelled or reduced with their
// candidates' decisions.
func (s *Store) OpeningOverview(examID string) (ov OpeningOverview, err error) {
	err = s.View(func(tx *Tx) error {
		ov = OpeningOverview{}
		if ov.Settings, err = tx.openingSettings(examID); err != nil {
			return err
		}
		decided, err := tx.positionOpenings(examID)
		if err != nil {
			return err
		}
		cases, err := tx.caseCounts(examID)
		if err != nil {
			return err
		}
		if ov.Seated, err = tx.seatsAssigned(examID); err != nil {
			return err
		}
		paid, err := tx.paidByPosition(examID)
		if err != nil {
			return err
		}
		ratio := ov.Settings.Ratio()
		for _, p := range s.PositionList(examID) {
			row := OpeningRow{Position: p, Paid: paid[p.Code], Decision: decided[p.Code], Cases: cases[p.Code]}
			switch {
			case row.Decision != nil:
				ov.Decided = append(ov.Decided, row)
				ov.Pending += row.Cases.Pending
			case domain.UnderRatio(p.Quota, row.Paid, ratio):
				ov.Under = append(ov.Under, row)
			}
		}
		return nil
	})
	// Positions with candidates first: they are the decisions that touch people.
	sortRows(ov.Under)
	return ov, err
}

func sortRows(rows []OpeningRow) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Paid > rows[j-1].Paid; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// paidByPosition counts the exam's paid (or seated) applications per
// position from the position index: exact and in the caller's transaction.
func (tx *Tx) paidByPosition(examID string) (map[string]int, error) {
	out := map[string]int{}
	cands, err := tx.seatCandidatesAll(examID)
	for _, c := range cands {
		out[c.PositionCode]++
	}
	return out, err
}

// OpeningDecisions loads an exam's 开考比例 settings (nil when never saved)
// and its positions' decisions by code: what the 改报 page needs, without
// OpeningOverview's scan of every paid application.
func (s *Store) OpeningDecisions(examID string) (o *domain.OpeningSettings, decided map[string]*domain.PositionOpening, err error) {
	err = s.View(func(tx *Tx) error {
		if o, err = tx.openingSettings(examID); err != nil {
			return err
		}
		decided, err = tx.positionOpenings(examID)
		return err
	})
	return o, decided, err
}

// openingFacts loads what a cancel or reduce decision looks at.
func (tx *Tx) openingFacts(examID, code string, actor *domain.Account, now time.Time) (f domain.OpeningFacts, paidIDs []string, err error) {
	f = domain.OpeningFacts{ActorID: actor.ID, Now: now}
	if f.Exam, err = tx.Exam(examID); err != nil {
		return f, nil, err
	}
	if f.Settings, err = tx.openingSettings(examID); err != nil {
		return f, nil, err
	}
	if f.Position, err = tx.Position(examID, code); err != nil {
		return f, nil, err
	}
	if f.Prev, err = tx.positionOpening(examID, code); err != nil {
		return f, nil, err
	}
	if f.Seated, err = tx.seatsAssigned(examID); err != nil {
		return f, nil, err
	}
	paidIDs, err = tx.paidOfPosition(examID, code)
	f.Paid = len(paidIDs)
	return f, paidIDs, err
}

// CancelPosition is 取消职位 for a position below the ratio
// (domain.DecideCancel): the decision, every paid candidate's case (on the
// application, with history, and in the case index), their 站内消息 and
// the audit entry are written in one transaction. Returns the decision.
func (s *Store) CancelPosition(examID, code string, actor *domain.Account, now time.Time) (op *domain.PositionOpening, err error) {
	err = s.Update(func(tx *Tx) error {
		f, ids, err := tx.openingFacts(examID, code, actor, now)
		if err != nil {
			return err
		}
		if op, err = domain.DecideCancel(f); err != nil {
			return err
		}
		if err := tx.Put(openingPosKey(examID, code), op); err != nil {
			return err
		}
		p := *f.Position
		p.Cancelled, p.UpdatedAt = true, now
		if err := tx.PutPosition(&p); err != nil {
			return err
		}
		for _, id := range ids {
			a, err := tx.Application(id)
			if err != nil {
				return err
			}
			before := *a
			domain.OpenCase(a, op, f.Settings.SwitchEnd)
			if err := tx.writeApplication(&before, a); err != nil {
				return err
			}
			if err := tx.PutRaw(openingCaseKey(examID, code, id), nil); err != nil {
				return err
			}
			if _, err := tx.Notify(Notification{AccountID: a.CandidateID, EventKey: "opening/" + examID + "/" + code + "/" + id,
				Title: "报考职位取消通知",
				Body: "您报考的" + f.Exam.Name + "职位 " + code + "（" + f.Position.Title + "）因已缴费人数未达到开考比例 " +
					domain.FormatRatio(f.Settings.Ratio()) + " 已取消。请在 " + domain.FormatTime(f.Settings.SwitchEnd) +
					" 前改报其他符合条件的职位（无需再缴费），或申请退款。",
				Link: "/opening/" + examID}, now); err != nil {
				return err
			}
		}
		return tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "opening.cancel", Target: examID + "/" + code,
			Detail: fmt.Sprintf("取消职位 %s：计划 %d 名，已缴费 %d 人，开考比例 %s；%d 名考生可改报或退款", code, op.OldQuota, op.Paid,
				domain.FormatRatio(f.Settings.Ratio()), len(ids))})
	})
	return op, err
}

// ReducePosition is 核减计划 (domain.DecideReduce): the position's quota
// becomes the typed number, with the decision and audit, in one transaction.
func (s *Store) ReducePosition(examID, code, typed string, actor *domain.Account, now time.Time) (op *domain.PositionOpening, err error) {
	err = s.Update(func(tx *Tx) error {
		f, _, err := tx.openingFacts(examID, code, actor, now)
		if err != nil {
			return err
		}
		if op, err = domain.DecideReduce(f, typed); err != nil {
			return err
		}
		p := *f.Position
		p.Quota, p.UpdatedAt = op.NewQuota, now
		if err := tx.PutPosition(&p); err != nil {
			return err
		}
		if err := tx.Put(openingPosKey(examID, code), op); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "opening.reduce", Target: examID + "/" + code,
			Detail: fmt.Sprintf("核减计划 %s：%d → %d 名，已缴费 %d 人，开考比例 %s", code, op.OldQuota, op.NewQuota, op.Paid, domain.FormatRatio(f.Settings.Ratio()))})
	})
	return op, err
}

// SwitchPosition is 改报 (domain.DecideSwitch): the candidate's paid
// application moves to the position code, keeping its fee; the position
// index and counts follow (writeApplication), the case is closed, audited.
// Another candidate's application is ENOTFOUND.
func (s *Store) SwitchPosition(cand *domain.Account, appID, code string, now time.Time) (a *domain.Application, err error) {
	err = s.Update(func(tx *Tx) error {
		if a, err = tx.Application(appID); err != nil {
			return err
		}
		if a.CandidateID != cand.ID {
			return domain.Errorf(domain.ENOTFOUND, "报名记录不存在。")
		}
		exam, err := tx.Exam(a.ExamID)
		if err != nil {
			return err
		}
		settings, err := tx.openingSettings(a.ExamID)
		if err != nil {
			return err
		}
		var target *domain.SwitchTarget
		if code != "" {
			p, err := tx.Position(a.ExamID, code)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.FieldError("position_code", "本考试没有职位代码为 "+code+" 的职位。")
			}
			if err != nil {
				return err
			}
			target = &domain.SwitchTarget{Position: p}
			if target.Opening, err = tx.positionOpening(a.ExamID, code); err != nil {
				return err
			}
			ids, err := tx.paidOfPosition(a.ExamID, code)
			if err != nil {
				return err
			}
			target.Paid = len(ids)
		}
		if err := domain.DecideSwitch(a, cand, exam, settings, target, now); err != nil {
			return err
		}
		before := *a
		from := a.Opening.Position
		domain.ApplySwitch(a, target.Position, cand.ID, now)
		if err := tx.writeApplication(&before, a); err != nil {
			return err
		}
		if err := tx.PutRaw(openingCaseKey(a.ExamID, from, a.ID), []byte(domain.CaseSwitched)); err != nil {
			return err
		}
		if _, err := tx.Notify(Notification{AccountID: a.CandidateID, EventKey: "opening-switch/" + a.ID + "/" + from,
			Title: "改报成功", Body: "您已由职位 " + from + " 改报职位 " + code + "（" + target.Position.Title + "），报考费随之转入，无需再缴费。",
			Link: "/status"}, now); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, ActorID: cand.ID, Action: "opening.switch", Target: a.ID,
			Detail: "改报 " + from + " → " + code})
	})
	return a, err
}

// RequestRefund is 申请退款 for a candidate of a cancelled position (or,
// after the 改报截止, the administrator's for one who did not choose):
// domain.DecideRefundRequest, then the fee is queued through the payment
// refund queue (a PaymentAnomaly of kind position_cancelled that the
// finance page refunds like any other), the application moves paid →
// refund_pending (so it no longer counts as paid, is never seated and
// cannot switch), the case is closed and audited, in one transaction.
// The administrator's refund on the finance page (RecordRefund) then moves
// it to refunded. An application without an online payment has nothing to
// refund: it goes on to refunded at once.
func (s *Store) RequestRefund(actor *domain.Account, appID string, now time.Time) (a *domain.Application, err error) {
	err = s.Update(func(tx *Tx) error {
		if a, err = tx.Application(appID); err != nil {
			return err
		}
		return tx.requestRefund(actor, a, now)
	})
	return a, err
}

func (tx *Tx) requestRefund(actor *domain.Account, a *domain.Application, now time.Time) error {
	exam, err := tx.Exam(a.ExamID)
	if err != nil {
		return err
	}
	next, err := domain.DecideRefundRequest(a, exam, actor, now)
	if err != nil {
		return err
	}
	order, err := tx.paidOrder(a.ID)
	if err != nil {
		return err
	}
	var fen int64
	var tradeNo string
	note := "无网上缴费记录，无需退款"
	if order != nil {
		fen, tradeNo = order.AmountFen, order.TradeNo
		note = "报考费 " + domain.FormatYuan(fen) + " 元待原路退回"
		ev := domain.TradeEvidence{OutTradeNo: order.ID, TradeNo: order.TradeNo, AmountFen: order.AmountFen, Source: "opening"}
		if err := tx.recordAnomaly(&domain.PaymentAnomaly{Kind: domain.AnomalyPositionCancelled, OrderID: order.ID,
			ApplicationID: a.ID, CandidateID: a.CandidateID, Detail: "职位 " + a.Opening.Position + " 未达开考比例已取消"}, ev, now); err != nil {
			return err
		}
	}
	before := priorOf(a)
	domain.ApplyRefundRequest(a, next, actor, now, fen, tradeNo)
	if order == nil {
		// Nothing to send back: the case ends here, not in a queue nobody works.
		done, err := domain.DecideRefundMade(a, exam, domain.RoleSystem, now)
		if err != nil {
			return err
		}
		domain.ApplyRefundMade(a, done, refundSystemActor, domain.RoleSystem, now)
	}
	if err := tx.writeApplication(before, a); err != nil {
		return err
	}
	if err := tx.PutRaw(openingCaseKey(a.ExamID, a.Opening.Position, a.ID), []byte(domain.CaseRefund)); err != nil {
		return err
	}
	return tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "opening.refund", Target: a.ID,
		Detail: "职位 " + a.Opening.Position + " 取消，申请退款：" + note})
}

// paidOrder returns the application's paid order, nil when it has none.
func (tx *Tx) paidOrder(appID string) (*domain.Order, error) {
	var paid *domain.Order
	prefix := orderByAppPrefix(appID)
	err := tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
		o, err := tx.Order(key[len(prefix):])
		if err != nil {
			return err
		}
		if o.State == domain.OrderPaid {
			paid = o
		}
		return nil
	})
	return paid, err
}

// openingCaseIDs lists the application ids (the last part of each key) of
// the 开考比例 case index entries under prefix whose value keep accepts.
func (s *Store) openingCaseIDs(prefix string, keep func(v []byte) bool) (ids []string, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefix, ScanOptions{}, func(key string, v []byte) error {
			if keep(v) {
				ids = append(ids, key[strings.LastIndexByte(key, '/')+1:])
			}
			return nil
		})
	})
	return ids, err
}

// SettleUndecided queues the refunds of the candidates of cancelled
// positions who neither switched nor asked by the 改报截止 (逾期未改报), so
// seats can be assigned. Batches of 100 per transaction; returns how many.
func (s *Store) SettleUndecided(examID string, actor *domain.Account, now time.Time) (n int, err error) {
	ids, err := s.openingCaseIDs(openingCasePrefix(examID), func(v []byte) bool { return len(v) == 0 })
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, domain.Errorf(domain.ECONFLICT, "没有未作选择的考生。")
	}
	// A batch that committed stays settled; running it again settles the rest.
	if err := updateInBatches(s, ids, 100, func(tx *Tx, id string) error {
		a, err := tx.Application(id)
		if err != nil {
			return err
		}
		return tx.requestRefund(actor, a, now)
	}); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// openingGate is what the seat run needs from 开考比例: the cancelled
// positions (never seated) and whether the run may start.
func (tx *Tx) openingGate(examID string, now time.Time) (cancelled map[string]bool, err error) {
	settings, err := tx.openingSettings(examID)
	if err != nil {
		return nil, err
	}
	decided, err := tx.positionOpenings(examID)
	if err != nil {
		return nil, err
	}
	cancelled = map[string]bool{}
	for code, op := range decided {
		if op.Cancelled() {
			cancelled[code] = true
		}
	}
	cases, err := tx.caseCounts(examID)
	if err != nil {
		return nil, err
	}
	pending := 0
	for _, c := range cases {
		pending += c.Pending
	}
	return cancelled, domain.CheckOpeningSettled(settings, len(cancelled), pending, now)
}
