package handlers

import (
	"bytes"
	"context"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/views"
)

// payAdminRoutes: 缴费管理 for administrators (only with a gateway).
func (s *Server) payAdminRoutes(app *fiber.App) {
	adm := s.requireRole(domain.RoleAdmin)
	if s.pay == nil {
		app.Get("/admin/payments", adm, s.notOpen("缴费管理", "admin-payments", "网上缴费未配置（见 -alipay-app-id 等参数）。"))
		return
	}
	app.Get("/admin/payments", adm, s.showFinance)
	app.Get("/admin/payments.xlsx", adm, s.exportOrders)
	app.Post("/admin/payments/refund/:id", adm, limitBody(formLimit), s.refundAnomaly)
}

// financeListLimit bounds the order list on the page (the export has all).
const financeListLimit = 500

// unsettledAlarm: a created order this old is shown as unsettled (the
// reconciliation worker should have settled or closed it long before).
const unsettledAlarm = time.Hour

// orderFilter reads ?state=; anything else lists every order.
func orderFilter(c *fiber.Ctx) string {
	switch st := c.Query("state"); domain.OrderState(st) {
	case domain.OrderCreated, domain.OrderPaid, domain.OrderClosed:
		return st
	}
	return ""
}

// candidateNames resolves account ids to "姓名 masked-ID", cached per request.
type candidateNames struct {
	s     *Server
	cache map[string]string
}

func (n *candidateNames) name(id string) string {
	if v, ok := n.cache[id]; ok {
		return v
	}
	v := id
	if a, err := n.s.store.Account(id); err == nil {
		v = a.Name + " " + domain.MaskedID(a.LoginName)
	}
	n.cache[id] = v
	return v
}

func (s *Server) financeOrder(o *domain.Order, names *candidateNames) views.FinanceOrder {
	return views.FinanceOrder{PayOrder: payOrderView(o), ApplicationID: o.ApplicationID, PositionCode: o.PositionCode,
		Candidate: names.name(o.CandidateID), SettledBy: o.SettledBy}
}

// showFinance is 缴费管理.
func (s *Server) showFinance(c *fiber.Ctx) error {
	orders, err := s.store.Orders()
	if err != nil {
		return err
	}
	anomalies, err := s.store.PaymentAnomalies()
	if err != nil {
		return err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p := views.FinanceProps{State: orderFilter(c), CSRF: tok}
	names := &candidateNames{s: s, cache: map[string]string{}}
	refunding := refundsOfOrders(anomalies)
	byDay, byPos := map[string]*views.FinanceTotal{}, map[string]*views.FinanceTotal{}
	sums := map[*views.FinanceTotal]int64{}
	var paid int64
	now := s.now()
	add := func(m map[string]*views.FinanceTotal, key string, fen int64) {
		t := m[key]
		if t == nil {
			t = &views.FinanceTotal{Key: key}
			m[key] = t
		}
		t.Count++
		sums[t] += fen
	}
	for i := len(orders) - 1; i >= 0; i-- { // newest first
		o := orders[i]
		if o.State == domain.OrderPaid && refunding[refundKey(o.ID, o.TradeNo)] == nil {
			p.PaidCount++
			paid += o.AmountFen
			add(byDay, o.PaidAt.In(domain.Shanghai).Format("2006-01-02"), o.AmountFen)
			add(byPos, o.PositionCode, o.AmountFen)
		}
		if o.State == domain.OrderCreated && now.Sub(o.CreatedAt) > unsettledAlarm {
			p.Unsettled = append(p.Unsettled, s.financeOrder(o, names))
		}
		if p.State == "" || string(o.State) == p.State {
			p.Matching++
			if len(p.Orders) < financeListLimit {
				fo := s.financeOrder(o, names)
				if an := refunding[refundKey(o.ID, o.TradeNo)]; an != nil && o.State == domain.OrderPaid {
					fo.Refund = domain.RefundLabel(an.RefundState)
				}
				p.Orders = append(p.Orders, fo)
			}
		}
	}
	var queued, refunded int64
	for _, a := range anomalies {
		if a.RefundState == domain.RefundDone {
			p.RefundedCount++
			refunded += a.AmountFen
		} else {
			p.RefundQueuedCount++
			queued += a.AmountFen
		}
		if a.Kind == domain.AnomalyPositionCancelled {
			p.OpeningRefunds++
		}
	}
	p.RefundQueuedAmount, p.RefundedAmount = domain.FormatYuan(queued), domain.FormatYuan(refunded)
	p.Shown, p.PaidAmount = len(p.Orders), domain.FormatYuan(paid)
	p.ByDay, p.ByPosition = sortedTotals(byDay, sums), sortedTotals(byPos, sums)
	for i := len(anomalies) - 1; i >= 0; i-- {
		a := anomalies[i]
		p.Anomalies = append(p.Anomalies, views.FinanceAnomaly{
			ID: a.ID, Kind: domain.AnomalyLabel(a.Kind), OrderID: a.OrderID, TradeNo: a.TradeNo, Amount: domain.FormatYuan(a.AmountFen),
			At: domain.FormatTime(a.At), Detail: a.Detail, Refund: domain.RefundLabel(a.RefundState), Refundable: domain.CheckRefund(a) == nil,
			RefundedAt: domain.FormatTime(a.RefundedAt),
		})
	}
	return s.page(c, fiber.StatusOK, "缴费管理", "admin-payments", views.FinancePage(p), nil)
}

// refundKey names an order's own payment: the order and its trade.
func refundKey(orderID, tradeNo string) string { return orderID + "/" + tradeNo }

// refundsOfOrders maps an order's own payment to the anomaly that refunds
// it (a 开考比例 退费, money for an application already paid): that order
// is no live payment any more. A second trade on a paid order
// (trade_mismatch) refunds other money and leaves the order live.
func refundsOfOrders(anomalies []*domain.PaymentAnomaly) map[string]*domain.PaymentAnomaly {
	out := map[string]*domain.PaymentAnomaly{}
	for _, a := range anomalies {
		if a.OrderID != "" && a.TradeNo != "" {
			out[refundKey(a.OrderID, a.TradeNo)] = a
		}
	}
	return out
}

func sortedTotals(m map[string]*views.FinanceTotal, sums map[*views.FinanceTotal]int64) []views.FinanceTotal {
	out := make([]views.FinanceTotal, 0, len(m))
	for _, t := range m {
		t.Amount = domain.FormatYuan(sums[t])
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// refundAnomaly is 退款 on an anomaly: alipay.trade.refund with the
// anomaly's stable out_request_no (a retry never refunds twice), then the
// record (audited, the candidate told).
func (s *Server) refundAnomaly(c *fiber.Ctx) error {
	a, err := s.store.PaymentAnomaly(param(c, "id"))
	if err != nil {
		return err
	}
	if err := domain.CheckRefund(a); err != nil {
		return s.redirectFlash(c, "/admin/payments", "error", domain.ErrorMessage(err))
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
	defer cancel()
	moved, err := s.pay.Gateway.Refund(ctx, a.OrderID, a.RefundRequestNo(), a.AmountFen, "报名缴费异常款项退回："+domain.AnomalyLabel(a.Kind))
	if err != nil {
		s.log.Warn("refund", "anomaly", a.ID, "err", err)
		return s.redirectFlash(c, "/admin/payments", "error", "支付宝退款未成功："+err.Error()+"。可稍后再次点击退款，不会重复退款。")
	}
	if _, err := s.store.RecordRefund(a.ID, account(c), moved, s.now()); err != nil {
		return err
	}
	return s.redirectFlash(c, "/admin/payments", "ok", "已退款 "+domain.FormatYuan(a.AmountFen)+" 元。")
}

// exportOrders downloads the (filtered) orders as .xlsx; text cells are
// neutralised against formula injection. The export is audited.
func (s *Server) exportOrders(c *fiber.Ctx) error {
	orders, err := s.store.Orders()
	if err != nil {
		return err
	}
	state := orderFilter(c)
	book := excelize.NewFile()
	defer book.Close()
	const name = "缴费订单"
	if err := book.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := book.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"订单号", "考生", "职位代码", "金额（元）", "状态", "下单时间", "支付时间", "支付宝交易号", "付款账号", "确认方式", "关闭原因", "退款"}); err != nil {
		return err
	}
	anomalies, err := s.store.PaymentAnomalies()
	if err != nil {
		return err
	}
	refunding := refundsOfOrders(anomalies)
	names := &candidateNames{s: s, cache: map[string]string{}}
	row := 2
	for _, o := range orders {
		if state != "" && string(o.State) != state {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		refund := ""
		if an := refunding[refundKey(o.ID, o.TradeNo)]; an != nil && o.State == domain.OrderPaid {
			refund = domain.RefundLabel(an.RefundState) + " " + domain.AnomalyLabel(an.Kind)
		}
		if err := sw.SetRow(cell, []any{o.ID, sheet.Neutralize(names.name(o.CandidateID)), sheet.Neutralize(o.PositionCode),
			domain.FormatYuan(o.AmountFen), o.State.Label(), domain.FormatTime(o.CreatedAt), domain.FormatTime(o.PaidAt),
			sheet.Neutralize(o.TradeNo), sheet.Neutralize(o.BuyerLogon), o.SettledBy, sheet.Neutralize(o.CloseReason), refund}); err != nil {
			return err
		}
		row++
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := book.Write(&buf); err != nil {
		return err
	}
	if err := s.store.AppendAudit(withTarget(s.staffAudit(c, "payment.export", "导出缴费订单 "+itoa(row-2)+" 条"), "payments")); err != nil {
		return err
	}
	noStore(c)
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition("缴费订单.xlsx"))
	return c.Send(buf.Bytes())
}
