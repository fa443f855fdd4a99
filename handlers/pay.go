package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"examreg/domain"
	"examreg/handlers/alipaygw"
	"examreg/views"
)

// PayConfig wires 网上缴费 (Alipay). Without it /pay says payment is not open.
type PayConfig struct {
	Gateway *alipaygw.Client
	// BaseURL is examreg's public URL (https://bm.example.cn): notify_url
	// and return_url are built on it, so Alipay can reach them.
	BaseURL string
	// ReconcileAfter and ReconcileEvery tune the Reconciler (0: 2 min, 1 min).
	ReconcileAfter, ReconcileEvery time.Duration
	// Demo is the local demo gateway, served at alipaygw.DemoPath; nil in production.
	Demo http.Handler
}

// Payment routes (the candidate's pages are in payRoutes; these two take
// no session and no form token: Alipay posts the notification, and the
// demo gateway stands in for Alipay's site).
const (
	payNotifyPath = "/pay/alipay/notify"
	// notifyLimit bounds a notification body: a real one is about 2 KB.
	notifyLimit = 16 << 10
)

// payPublicRoutes are mounted before sessions and CSRF.
func (s *Server) payPublicRoutes(app *fiber.App) {
	if s.pay == nil {
		return
	}
	app.Post(payNotifyPath, limitBody(notifyLimit), s.alipayNotify)
	if s.pay.Demo != nil {
		demo := adaptor.HTTPHandler(s.pay.Demo)
		app.All(alipaygw.DemoPath+"/*", limitBody(64<<10), func(c *fiber.Ctx) error { noStore(c); return demo(c) })
	}
}

// payQueriesPerMinute bounds 查询支付结果 per account: each asks Alipay
// (an outbound call of up to 15 s), and the reconciliation worker settles
// a paid order within minutes anyway.
const payQueriesPerMinute = 6

// payRoutes: 网上缴费 for candidates.
func (s *Server) payRoutes(app *fiber.App, storage fiber.Storage) {
	candidate := s.requireRole(domain.RoleCandidate)
	if s.pay == nil {
		app.Get("/pay", candidate, s.notOpen("网上缴费", "pay", "网上缴费功能尚未开放。审核通过的考生请在考试公告规定的缴费时间内登录缴费。"))
		return
	}
	app.Get("/pay", candidate, s.showPay)
	app.Post("/pay/:exam/order", candidate, limitBody(formLimit), s.startPay)
	app.Get("/pay/:exam/result", candidate, s.showPayResult)
	app.Post("/pay/:exam/query", candidate, perAccountLimiter(storage, "payquery", payQueriesPerMinute,
		"查询过于频繁，请一分钟后再试。若已付款，请勿重复缴费，系统会自动确认。"), limitBody(formLimit), s.queryPay)
}

// alipayNotify is notify_url. The reply is exactly "success" once the
// notification is verified and recorded (settled, a repeat, or an
// anomaly), so Alipay stops resending; "fail" otherwise, so it resends
// what we could not record (a store error) and gives up on forgeries.
func (s *Server) alipayNotify(c *fiber.Ctx) error {
	noStore(c)
	vals := url.Values{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { vals.Add(string(k), string(v)) })
	fail := func(status int) error { return c.Status(status).SendString("fail") }
	ev, err := s.pay.Gateway.Notification(c.UserContext(), vals)
	if err != nil {
		s.log.Warn("alipay notification refused", "err", err, "out_trade_no", vals.Get("out_trade_no"), "ip", s.clientIP(c))
		return fail(fiber.StatusBadRequest)
	}
	res, err := s.store.SettleOrder(ev, s.pay.Gateway.Merchant(), s.now())
	switch domain.ErrorCode(err) {
	case "":
		if res.Settlement.Outcome == domain.SettleAnomaly {
			s.log.Warn("alipay notification: anomaly recorded", "kind", res.Settlement.Anomaly, "out_trade_no", ev.OutTradeNo, "trade_no", ev.TradeNo)
		}
	case domain.ENOTFOUND:
		// A signed, non-paying status for an order we never made: nothing to record.
	case domain.EINVALID:
		s.log.Warn("alipay notification refused", "err", err, "out_trade_no", ev.OutTradeNo)
		return fail(fiber.StatusBadRequest)
	default:
		s.log.Error("alipay notification not recorded", "err", err, "out_trade_no", ev.OutTradeNo)
		return fail(fiber.StatusInternalServerError)
	}
	c.Type("txt")
	return c.SendString("success")
}

// payCSP lets the payment pages' forms lead to the gateway (the 缴费 POST
// answers with a redirect there, which form-action governs).
func (s *Server) payCSP(c *fiber.Ctx) {
	if o := s.pay.Gateway.GatewayOrigin(); o != "" {
		c.Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+o, 1))
	}
}

// showPay is 网上缴费: every application with its fee, orders and 缴费.
func (s *Server) showPay(c *fiber.Ctx) error {
	acct := account(c)
	apps, err := s.store.ApplicationsOfCandidate(acct.ID)
	if err != nil {
		return err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p := views.PayProps{CSRF: tok, Account: acct.ID}
	now := s.now()
	anomalies, err := s.store.PaymentAnomalies()
	if err != nil {
		return err
	}
	for _, a := range apps {
		exam, err := s.store.Exam(a.ExamID)
		if err != nil {
			return err
		}
		it := views.PayItem{ExamID: exam.ID, ExamName: exam.Name, PositionCode: a.PositionCode, State: a.State,
			Amount: domain.FormatYuan(exam.FeeFen), Window: exam.Payment.String(), Refund: domain.RefundSummary(a)}
		if pos, ok := s.store.Position(a.ExamID, a.PositionCode); ok {
			it.PositionName = pos.Title
		}
		orders, err := s.store.OrdersOfApplication(a.ID)
		if err != nil {
			return err
		}
		slices.Reverse(orders)
		for _, o := range orders {
			v := payOrderView(o)
			it.Orders = append(it.Orders, v)
			switch {
			case o.State == domain.OrderPaid && it.Paid == nil:
				it.Paid = &v
			case o.State == domain.OrderCreated && !o.Expired(now):
				it.Open = &v
			}
		}
		for _, an := range anomalies {
			if an.ApplicationID == a.ID && an.CandidateID == acct.ID {
				it.Refunds = append(it.Refunds, views.PayRefund{Amount: domain.FormatYuan(an.AmountFen), TradeNo: an.TradeNo,
					Kind: domain.AnomalyLabel(an.Kind), State: domain.RefundLabel(an.RefundState)})
			}
		}
		if _, err := domain.DecidePayStart(a, exam, nil, now); err != nil {
			it.Why = domain.ErrorMessage(err)
		}
		p.Items = append(p.Items, it)
	}
	s.payCSP(c)
	return s.page(c, fiber.StatusOK, "网上缴费", "pay", views.PayPage(p), nil)
}

func payOrderView(o *domain.Order) views.PayOrder {
	return views.PayOrder{
		ID: o.ID, State: o.State, Amount: domain.FormatYuan(o.AmountFen), CreatedAt: domain.FormatTime(o.CreatedAt),
		ExpiresAt: domain.FormatTime(o.ExpiresAt), PaidAt: domain.FormatTime(o.PaidAt), TradeNo: o.TradeNo,
		BuyerLogon: o.BuyerLogon, Reason: o.CloseReason,
	}
}

// channelOf picks 手机网站支付 for phones, 电脑网站支付 otherwise.
func channelOf(c *fiber.Ctx) domain.PayChannel {
	ua := c.Get(fiber.HeaderUserAgent)
	for _, m := range []string{"Mobile", "Android", "iPhone", "iPad", "HarmonyOS"} {
		if strings.Contains(ua, m) {
			return domain.ChannelWap
		}
	}
	return domain.ChannelPage
}

// startPay is 缴费: it gets the application's one open order (new, or the
// same one again) and sends the browser to the gateway to pay it. An open
// order past its time is first closed at Alipay (or settled, if it was
// paid after all), so there is never a second chargeable order.
func (s *Server) startPay(c *fiber.Ctx) error {
	if err := checkFormAccount(c); err != nil {
		return err
	}
	acct, examID := account(c), param(c, "exam")
	ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
	defer cancel()
	for try := 0; try < 3; try++ {
		o, start, err := s.store.StartPayment(acct.ID, examID, channelOf(c), s.now())
		switch domain.ErrorCode(err) {
		case "":
		case domain.ECONFLICT, domain.EFORBIDDEN:
			return s.redirectFlash(c, "/pay", "error", domain.ErrorMessage(err))
		default:
			return err
		}
		if start == domain.PayCloseFirst {
			if _, err := s.reconciler.Reconcile(ctx, o, true); err != nil {
				s.log.Warn("pay: closing the expired order", "order", o.ID, "err", err)
				return s.redirectFlash(c, "/pay", "error", "暂时无法连接支付宝，请稍后再试。")
			}
			continue
		}
		base := strings.TrimRight(s.pay.BaseURL, "/")
		to, err := s.pay.Gateway.PayURL(o, base+payNotifyPath, base+"/pay/"+examID+"/result", base+"/pay")
		if err != nil {
			return err
		}
		if isHX(c) {
			c.Set("HX-Redirect", to)
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.Redirect(to, fiber.StatusSeeOther)
	}
	return s.redirectFlash(c, "/pay", "error", "订单正在关闭，请稍后再试。")
}

// payResult builds the return page's props from what the store knows.
func (s *Server) payResult(c *fiber.Ctx) (views.PayResultProps, error) {
	acct, examID := account(c), param(c, "exam")
	exam, err := s.loadExam(c)
	if err != nil {
		return views.PayResultProps{}, err
	}
	a, err := s.store.ApplicationOf(acct.ID, examID)
	if err != nil {
		return views.PayResultProps{}, err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return views.PayResultProps{}, err
	}
	p := views.PayResultProps{ExamID: exam.ID, ExamName: exam.Name, Status: "none", CSRF: tok, Account: acct.ID}
	orders, err := s.store.OrdersOfApplication(a.ID)
	if err != nil {
		return p, err
	}
	// The paid order wins; else the newest.
	var shown *domain.Order
	for _, o := range orders {
		if o.State == domain.OrderPaid || shown == nil || shown.State != domain.OrderPaid {
			shown = o
		}
	}
	if shown != nil {
		v := payOrderView(shown)
		p.Order = &v
		switch shown.State {
		case domain.OrderPaid:
			p.Status = "paid"
		case domain.OrderCreated:
			p.Status = "pending"
		case domain.OrderClosed:
			p.Status = "closed"
		}
	}
	if a.State == domain.StatePaid || a.State == domain.StateTicketIssued || a.State == domain.StateScored {
		p.Status = "paid"
	}
	if sum := domain.RefundSummary(a); sum != "" {
		p.Message = "报考职位已取消：" + sum // the fee was paid, and is refunded
	}
	return p, nil
}

// showPayResult is return_url and its poll: "支付结果确认中…" while the
// order is open, 286 (stop polling) once it is final.
func (s *Server) showPayResult(c *fiber.Ctx) error {
	p, err := s.payResult(c)
	if err != nil {
		return err
	}
	if isHX(c) {
		c.Vary("HX-Request")
		status := fiber.StatusOK
		if p.Status != "pending" {
			status = statusStopPolling
		}
		return s.write(c, status, views.PayResult(p))
	}
	return s.page(c, fiber.StatusOK, "支付结果", "pay", views.PayResultPage(p), nil)
}

// queryPay is 查询支付结果: the same trade.query as the Reconciler, now,
// for the candidate's open order; then the result page.
func (s *Server) queryPay(c *fiber.Ctx) error {
	if err := checkFormAccount(c); err != nil {
		return err
	}
	acct, examID := account(c), param(c, "exam")
	a, err := s.store.ApplicationOf(acct.ID, examID)
	if err != nil {
		return err
	}
	orders, err := s.store.OrdersOfApplication(a.ID)
	if err != nil {
		return err
	}
	msg := "没有待确认的订单。"
	for _, o := range orders {
		if o.State != domain.OrderCreated {
			continue
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
		after, err := s.reconciler.Reconcile(ctx, o, false)
		cancel()
		switch {
		case err != nil:
			s.log.Warn("pay: query", "order", o.ID, "err", err)
			msg = "暂时无法连接支付宝查询，请稍后再试；若已付款，请勿重复缴费，系统会自动确认。"
		case after.State == domain.OrderPaid:
			msg = "已确认缴费成功。"
		case after.State == domain.OrderClosed:
			msg = "订单已关闭，未扣费。"
		default:
			msg = "支付宝尚未收到该订单的付款。若您刚刚付款，请稍候再查询，请勿重复缴费。"
		}
	}
	return s.redirectFlash(c, "/pay/"+examID+"/result", "info", msg)
}
