package handlers

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"examreg/domain"
	"examreg/handlers/alipaygw"
	"examreg/kv"
)

// Reconciler settles what notifications missed: it asks alipay.trade.query
// about orders still unsettled a while after they were made, settles the
// paid ones through the same kv action as a notification, and closes at
// Alipay (alipay.trade.close) the unpaid ones past their time, then here.
// The candidate's 查询支付结果 and a 缴费 that finds its open order expired
// go through Reconcile for one order. Nothing is held in memory: after a
// crash between Alipay's success and our write the next cycle settles it.
type Reconciler struct {
	store *kv.Store
	gw    *alipaygw.Client
	clock domain.Clock
	log   *slog.Logger
	// After: an order is queried once it is this old (the notification
	// usually arrives within seconds); Every: the cycle.
	after, every time.Duration
}

// NewReconciler builds the reconciliation worker of cfg.Pay (nil without one).
func NewReconciler(cfg Config) *Reconciler {
	if cfg.Pay == nil {
		return nil
	}
	r := &Reconciler{store: cfg.Store, gw: cfg.Pay.Gateway, clock: cfg.Clock, log: cfg.Log,
		after: cfg.Pay.ReconcileAfter, every: cfg.Pay.ReconcileEvery}
	if r.clock == nil {
		r.clock = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.after == 0 {
		r.after = 2 * time.Minute
	}
	if r.every == 0 {
		r.every = time.Minute
	}
	return r
}

// Run reconciles every cycle until ctx ends.
func (r *Reconciler) Run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("payment reconciliation", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reconcileBatch bounds one cycle's queries (Alipay limits call rates).
const reconcileBatch = 500

// RunOnce is one cycle: every order unsettled for longer than After is
// queried and settled or closed. It returns how many orders changed; an
// order that fails (gateway down) is logged and tried again next cycle.
func (r *Reconciler) RunOnce(ctx context.Context) (changed int, err error) {
	list, err := r.store.UnsettledOrders(r.clock().Add(-r.after), reconcileBatch)
	if err != nil {
		return 0, err
	}
	for _, o := range list {
		if ctx.Err() != nil {
			return changed, ctx.Err()
		}
		after, err := r.Reconcile(ctx, o, false)
		if err != nil {
			r.log.Warn("payment reconciliation: order", "order", o.ID, "err", err)
			continue
		}
		if after.State != o.State {
			changed++
		}
	}
	return changed, nil
}

// Reconcile asks Alipay about o and applies the answer: paid settles it
// (once, whoever comes first); closed at Alipay closes it; unpaid and
// expired (or closeUnpaid, when a new order must replace it) closes it at
// Alipay first, then here. It returns the order as it is now.
func (r *Reconciler) Reconcile(ctx context.Context, o *domain.Order, closeUnpaid bool) (*domain.Order, error) {
	if o.State != domain.OrderCreated {
		return o, nil
	}
	now := r.clock()
	ev, err := r.gw.Query(ctx, o.ID)
	switch {
	case errors.Is(err, alipaygw.ErrTradeNotFound):
		// The candidate never reached the cashier: nothing to settle.
	case err != nil:
		return o, err
	default:
		res, err := r.store.SettleOrder(ev, r.gw.Merchant(), now)
		if err != nil {
			return o, err
		}
		if res.Order != nil && res.Order.State != domain.OrderCreated {
			return res.Order, nil
		}
	}
	if !closeUnpaid && !o.Expired(now) {
		return o, nil
	}
	switch err := r.gw.Close(ctx, o.ID); {
	case errors.Is(err, alipaygw.ErrTradePaid):
		// Paid between our query and the close: settle from a fresh query.
		ev, err := r.gw.Query(ctx, o.ID)
		if err != nil {
			return o, err
		}
		res, err := r.store.SettleOrder(ev, r.gw.Merchant(), now)
		if err != nil || res.Order == nil {
			return o, err
		}
		return res.Order, nil
	case err != nil:
		return o, err
	}
	reason := "超时未支付，已关闭"
	if !o.Expired(now) {
		reason = "报考费已调整，已关闭"
	}
	return r.store.CloseOrder(o.ID, reason, now)
}
