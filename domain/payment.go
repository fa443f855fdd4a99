package domain

import (
	"strconv"
	"strings"
	"time"
)

// OrderState is where a payment order stands.
//
//	created ──Alipay TRADE_SUCCESS/FINISHED──▶ paid
//	created ──expired and closed at Alipay, or TRADE_CLOSED──▶ closed
//
// A paid order never goes back; a closed order never becomes paid (money
// that arrives for it anyway is a PaymentAnomaly, queued for refund).
type OrderState string

// Order states.
const (
	OrderCreated OrderState = "created" // 待支付: may still be paid at Alipay
	OrderPaid    OrderState = "paid"    // 已支付: settled exactly once
	OrderClosed  OrderState = "closed"  // 已关闭: closed at Alipay (expired, cancelled or refused)
)

// Label is the order state's name in the UI.
func (s OrderState) Label() string {
	switch s {
	case OrderCreated:
		return "待支付"
	case OrderPaid:
		return "已支付"
	case OrderClosed:
		return "已关闭"
	}
	return string(s)
}

// PayChannel is the Alipay product an order is paid through.
type PayChannel string

// Pay channels: 电脑网站支付 on a desktop, 手机网站支付 on a phone.
const (
	ChannelPage PayChannel = "page" // alipay.trade.page.pay
	ChannelWap  PayChannel = "wap"  // alipay.trade.wap.pay
)

// OrderTimeout is how long an order may be paid at Alipay (sent as its
// time_expire). After it the order is closed at Alipay before a new one is made.
const OrderTimeout = 15 * time.Minute

// Trade statuses Alipay reports (notifications and trade.query).
const (
	TradeWaitBuyerPay = "WAIT_BUYER_PAY"
	TradeSuccess      = "TRADE_SUCCESS"
	TradeFinished     = "TRADE_FINISHED"
	TradeClosed       = "TRADE_CLOSED"
)

// Order is one payment attempt of an application; its ID is the
// out_trade_no sent to Alipay. An application has at most one created order.
type Order struct {
	ID            string     `json:"id"`
	ApplicationID string     `json:"application_id"`
	ExamID        string     `json:"exam_id"`
	CandidateID   string     `json:"candidate_id"`
	PositionCode  string     `json:"position_code"`
	AmountFen     int64      `json:"amount_fen"` // integer 分, from the exam's fee
	Subject       string     `json:"subject"`
	Channel       PayChannel `json:"channel"`
	State         OrderState `json:"state"`

	TradeNo    string `json:"trade_no,omitempty"`    // Alipay's trade number
	BuyerLogon string `json:"buyer_logon,omitempty"` // payer account, masked
	SettledBy  string `json:"settled_by,omitempty"`  // "notify" or "query"

	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	PaidAt      time.Time `json:"paid_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	CloseReason string    `json:"close_reason,omitempty"`
	Version     int       `json:"version"`
}

// Expired reports whether a created order is past its payment time.
func (o *Order) Expired(now time.Time) bool {
	return o.State == OrderCreated && !now.Before(o.ExpiresAt)
}

// NewOrder makes the created order for app at the exam's fee.
func NewOrder(id string, app *Application, exam *Exam, ch PayChannel, now time.Time) *Order {
	return &Order{
		ID: id, ApplicationID: app.ID, ExamID: exam.ID, CandidateID: app.CandidateID, PositionCode: app.PositionCode,
		AmountFen: exam.FeeFen, Subject: exam.Name + " 报考费", Channel: ch, State: OrderCreated,
		CreatedAt: now, ExpiresAt: now.Add(OrderTimeout), Version: 1,
	}
}

// PayStart is what pressing 缴费 does.
type PayStart int

// Outcomes of DecidePayStart.
const (
	PayNew        PayStart = iota + 1 // make a new order
	PayReuse                          // the open order is still payable: pay it (same out_trade_no, same amount)
	PayCloseFirst                     // the open order expired (or the fee changed): close it at Alipay first
)

// DecidePayStart decides what 缴费 does for app: only an approved
// application, inside the payment window, by the candidate (the state
// machine's ActionPay rule), and never a second chargeable order while one
// is open. open is the application's created order, or nil.
func DecidePayStart(app *Application, exam *Exam, open *Order, now time.Time) (PayStart, error) {
	if _, err := CheckTransition(app, exam, ActionPay, RoleCandidate, now); err != nil {
		return 0, err
	}
	if exam.FeeFen <= 0 {
		return 0, Errorf(ECONFLICT, "本考试未设置报考费，无需缴费。")
	}
	if open == nil || open.State != OrderCreated {
		return PayNew, nil
	}
	if open.Expired(now) || open.AmountFen != exam.FeeFen {
		return PayCloseFirst, nil
	}
	return PayReuse, nil
}

// CheckCloseOrder decides whether o may be closed (after Alipay closed it).
// Closing a closed order changes nothing; a paid order is never closed.
func CheckCloseOrder(o *Order) (changed bool, err error) {
	switch o.State {
	case OrderCreated:
		return true, nil
	case OrderClosed:
		return false, nil
	}
	return false, Errorf(ECONFLICT, "订单已支付，不能关闭。")
}

// Merchant is who examreg is at Alipay: notifications must name it.
type Merchant struct {
	AppID    string
	SellerID string // 收款支付宝用户ID; empty: not checked
}

// TradeEvidence is what Alipay said about one trade: a verified
// notification or a trade.query answer.
type TradeEvidence struct {
	AppID      string
	SellerID   string // notifications only; trade.query does not return it
	OutTradeNo string
	TradeNo    string
	Status     string
	AmountFen  int64
	BuyerLogon string
	Source     string // "notify" or "query"
}

// Settles reports whether the status means the money was taken.
func (e TradeEvidence) Settles() bool { return e.Status == TradeSuccess || e.Status == TradeFinished }

// SettleOutcome is what evidence does to an order.
type SettleOutcome string

// Outcomes of DecideSettlement.
const (
	SettleNothing   SettleOutcome = "nothing"   // not final yet (WAIT_BUYER_PAY), or nothing to change
	SettlePaid      SettleOutcome = "paid"      // created → paid: the one settlement
	SettleDuplicate SettleOutcome = "duplicate" // already paid by this trade: a resent notification
	SettleClosed    SettleOutcome = "closed"    // Alipay closed the trade: created → closed
	SettleAnomaly   SettleOutcome = "anomaly"   // money that cannot settle the order: recorded, queued for refund
)

// Anomaly kinds.
const (
	AnomalyAmountMismatch = "amount_mismatch"  // paid amount differs from the order's
	AnomalyPaidAfterClose = "paid_after_close" // money for an order we had closed
	AnomalyTradeMismatch  = "trade_mismatch"   // a second trade number for a paid order
	AnomalyUnknownOrder   = "unknown_order"    // money for an out_trade_no we never made
	AnomalyNotPayable     = "not_payable"      // the application was no longer 审核通过 (already paid by another order)
	// AnomalyPositionCancelled: the position did not open (开考比例) and the candidate asked for the fee back.
	AnomalyPositionCancelled = "position_cancelled"
)

// AnomalyLabel names an anomaly kind in the UI.
func AnomalyLabel(kind string) string {
	switch kind {
	case AnomalyAmountMismatch:
		return "金额不符"
	case AnomalyPaidAfterClose:
		return "订单关闭后付款"
	case AnomalyTradeMismatch:
		return "交易号不符"
	case AnomalyUnknownOrder:
		return "未知订单"
	case AnomalyNotPayable:
		return "重复缴费"
	case AnomalyPositionCancelled:
		return "职位取消退款"
	}
	return kind
}

// Settlement is DecideSettlement's answer.
type Settlement struct {
	Outcome SettleOutcome
	Anomaly string // kind, with SettleAnomaly
	Detail  string
}

// DecideSettlement decides what ev does to o. Evidence for another
// merchant or another order is refused (EINVALID): it is not ours to
// record. Money taken (TRADE_SUCCESS/FINISHED) settles a created order of
// the same amount exactly once; money that cannot settle it (wrong amount,
// closed order, second trade) is an anomaly. TRADE_CLOSED closes a created
// order and never touches a paid one.
func DecideSettlement(o *Order, ev TradeEvidence, m Merchant) (Settlement, error) {
	if ev.AppID != m.AppID {
		return Settlement{}, Errorf(EINVALID, "app_id 与本系统不符。")
	}
	if ev.Source == "notify" && m.SellerID != "" && ev.SellerID != m.SellerID {
		return Settlement{}, Errorf(EINVALID, "seller_id 与本系统不符。")
	}
	if ev.OutTradeNo != o.ID {
		return Settlement{}, Errorf(EINVALID, "out_trade_no 与订单不符。")
	}
	if ev.Settles() {
		switch {
		case ev.AmountFen != o.AmountFen:
			return Settlement{Outcome: SettleAnomaly, Anomaly: AnomalyAmountMismatch,
				Detail: "订单金额 " + FormatYuan(o.AmountFen) + " 元，支付宝金额 " + FormatYuan(ev.AmountFen) + " 元"}, nil
		case o.State == OrderCreated:
			return Settlement{Outcome: SettlePaid}, nil
		case o.State == OrderPaid && ev.TradeNo == o.TradeNo:
			return Settlement{Outcome: SettleDuplicate}, nil
		case o.State == OrderPaid:
			return Settlement{Outcome: SettleAnomaly, Anomaly: AnomalyTradeMismatch, Detail: "订单已由交易 " + o.TradeNo + " 支付"}, nil
		}
		return Settlement{Outcome: SettleAnomaly, Anomaly: AnomalyPaidAfterClose, Detail: "订单已于 " + FormatTime(o.ClosedAt) + " 关闭"}, nil
	}
	if ev.Status == TradeClosed && o.State == OrderCreated {
		return Settlement{Outcome: SettleClosed}, nil
	}
	return Settlement{Outcome: SettleNothing}, nil
}

// ApplySettlement changes o for a SettlePaid or SettleClosed outcome.
func ApplySettlement(o *Order, st Settlement, ev TradeEvidence, now time.Time) {
	switch st.Outcome {
	case SettlePaid:
		o.State, o.PaidAt, o.TradeNo, o.SettledBy = OrderPaid, now, ev.TradeNo, ev.Source
		o.BuyerLogon = MaskedBuyer(ev.BuyerLogon)
	case SettleClosed:
		o.State, o.ClosedAt, o.CloseReason = OrderClosed, now, "支付宝已关闭交易"
	case SettleAnomaly:
		if st.Anomaly == AnomalyAmountMismatch && o.State == OrderCreated {
			// The trade is paid at Alipay, so it can never settle this
			// order: close it so the candidate may pay the right amount.
			o.State, o.ClosedAt, o.CloseReason = OrderClosed, now, "支付金额与订单不符，已记录待退款"
		}
	default:
		return
	}
	o.Version++
}

// PaymentAnomaly is money Alipay took that settled nothing. It is kept
// for ever and queued for refund; its ID is stable per order and kind, so
// the same evidence again records nothing new.
type PaymentAnomaly struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	OrderID       string    `json:"order_id"` // out_trade_no
	ApplicationID string    `json:"application_id,omitempty"`
	CandidateID   string    `json:"candidate_id,omitempty"`
	TradeNo       string    `json:"trade_no"`
	AmountFen     int64     `json:"amount_fen"`
	Detail        string    `json:"detail,omitempty"`
	Source        string    `json:"source"`
	RefundState   string    `json:"refund_state"` // RefundQueued until an administrator refunds it, then RefundDone
	At            time.Time `json:"at"`
	RefundedAt    time.Time `json:"refunded_at,omitzero"`
	RefundedBy    string    `json:"refunded_by,omitempty"`
}

// Refund states of an anomaly.
const (
	RefundQueued = "queued" // 待退款
	RefundDone   = "done"   // 已退款
)

// RefundLabel names a refund state in the UI.
func RefundLabel(s string) string {
	if s == RefundDone {
		return "已退款"
	}
	return "待退款"
}

// RefundRequestNo is the out_request_no of the anomaly's refund: stable,
// so a retried refund (a timeout, a second click) never refunds twice.
func (a *PaymentAnomaly) RefundRequestNo() string { return "RF" + a.ID }

// CheckRefund decides whether the anomaly's money may be refunded now.
func CheckRefund(a *PaymentAnomaly) error {
	if a.RefundState == RefundDone {
		return Errorf(ECONFLICT, "该笔款项已退款。")
	}
	if a.AmountFen <= 0 {
		return Errorf(ECONFLICT, "退款金额不正确。")
	}
	return nil
}

// RefundMessage tells the candidate their money went back.
func RefundMessage(a *PaymentAnomaly) (title, body string) {
	return "退款成功", "您的支付宝付款 " + FormatYuan(a.AmountFen) + " 元（交易号 " + a.TradeNo + "）已原路退回，到账时间以支付宝为准。"
}

// MaskedBuyer shows a payer account without revealing it: the first 3 and
// last 4 characters of a phone number, the first character and domain of an e-mail.
func MaskedBuyer(s string) string {
	if s == "" || strings.Contains(s, "*") {
		return s
	}
	if at := strings.IndexByte(s, '@'); at > 0 {
		return s[:1] + "***" + s[at:]
	}
	r := []rune(s)
	if len(r) >= 11 {
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	}
	if len(r) > 2 {
		return string(r[:1]) + "***" + string(r[len(r)-1:])
	}
	return "***"
}

// FormatYuan shows an amount in 分 as yuan with two decimals ("100.00"),
// the form Alipay's total_amount takes.
func FormatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	c := fen % 100
	return sign + strconv.FormatInt(fen/100, 10) + "." + string([]byte{byte('0' + c/10), byte('0' + c%10)})
}

// ParseYuan reads Alipay's total_amount ("100.00", "100.5", "100") into 分
// without floating point. Anything else (signs, exponents, three decimals,
// over 100,000,000 yuan) is refused.
func ParseYuan(s string) (int64, error) {
	bad := Errorf(EINVALID, "金额格式不正确。")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || len(frac) > 2 || (hasDot && frac == "") {
		return 0, bad
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}

// PaymentMessage is the 站内消息 telling the candidate their fee was received.
func PaymentMessage(o *Order, examName string) (title, body string) {
	return "缴费成功", "您报考的" + examName + "（职位代码 " + o.PositionCode + "）已缴费成功：" + FormatYuan(o.AmountFen) +
		" 元，支付宝交易号 " + o.TradeNo + "，确认时间 " + FormatTime(o.PaidAt) + "。请勿重复缴费，并按时打印准考证。"
}

// AnomalyMessage tells the candidate that a payment could not be used as
// their fee and will be refunded, so they neither worry nor pay twice.
func AnomalyMessage(a *PaymentAnomaly) (title, body string) {
	if a.Kind == AnomalyPositionCancelled {
		return "报考费待退款", "您报考的职位已取消，报考费（" + FormatYuan(a.AmountFen) + " 元，交易号 " + a.TradeNo + "）已登记退款，将原路退回。"
	}
	return "支付宝付款待退款", "您的一笔支付宝付款（" + FormatYuan(a.AmountFen) + " 元，交易号 " + a.TradeNo + "）未能用于缴费（" +
		AnomalyLabel(a.Kind) + "），已登记，将原路退回。请在“网上缴费”查看缴费状态，如已显示已缴费请勿再次付款。"
}
