package views

import "examreg/domain"

// PayOrder is an order as the candidate sees it.
type PayOrder struct {
	ID         string // out_trade_no (商户订单号)
	State      domain.OrderState
	Amount     string // yuan, two decimals
	CreatedAt  string
	ExpiresAt  string
	PaidAt     string
	TradeNo    string
	BuyerLogon string // masked
	Reason     string // why it was closed
}

// PayItem is one application on the 网上缴费 page.
type PayItem struct {
	ExamID       string
	ExamName     string
	PositionCode string
	PositionName string
	State        domain.State
	Amount       string // the exam's fee, yuan
	Window       string // 缴费时间
	// Why is the reason 缴费 is not possible now ("" when it is).
	Why string
	// Open is the order waiting for payment (reused by 缴费), Paid the
	// settled one; Orders is every order, newest first.
	Open   *PayOrder
	Paid   *PayOrder
	Orders []PayOrder
	// Refunds are payments that could not be used as the fee (异常款项).
	Refunds []PayRefund
	// Refund words a 开考比例 refund case (domain.RefundSummary); "" otherwise.
	Refund string
}

// PayRefund is money of the candidate's queued for refund or refunded.
type PayRefund struct {
	Amount, TradeNo, Kind, State string
}

// PayProps is the 网上缴费 page.
type PayProps struct {
	Items   []PayItem
	CSRF    string
	Account string
}

// PayResultProps is the return page (支付结果) and its polled fragment.
type PayResultProps struct {
	ExamID   string
	ExamName string
	// Status: "paid" (已缴费), "pending" (确认中: an order is open or just
	// paid at Alipay and not yet settled), "closed" (the last order closed
	// unpaid), "none" (no order).
	Status  string
	Order   *PayOrder
	CSRF    string
	Account string
	Message string // the result of 查询支付结果, if any
}

// DemoCashierProps is the demo gateway's cashier page.
type DemoCashierProps struct {
	Action     string
	OutTradeNo string
	TradeNo    string
	Subject    string
	Amount     string
	Status     string
	Expire     string
	ReturnURL  string
}

// FinanceOrder is one order in the finance view.
type FinanceOrder struct {
	PayOrder
	ApplicationID string
	PositionCode  string
	Candidate     string // 姓名 and masked 身份证号
	SettledBy     string
	// Refund is the refund of the order's own payment ("待退款", "已退款";
	// "" when none): such an order is no live payment.
	Refund string
}

// FinanceTotal is one row of a per-day or per-position total.
type FinanceTotal struct {
	Key    string
	Count  int
	Amount string
}

// FinanceAnomaly is one anomaly with its refund.
type FinanceAnomaly struct {
	ID, Kind, OrderID, TradeNo, Amount, At, Detail, Refund string
	RefundedAt                                             string // "" until refunded
	Refundable                                             bool
}

// FinanceProps is the administrator's 缴费管理 page.
type FinanceProps struct {
	State    string // filter: "", created, paid, closed
	Orders   []FinanceOrder
	Shown    int // orders listed (at most the newest 500 matching)
	Matching int
	// PaidCount and PaidAmount are the live payments: paid orders whose
	// money is not queued for refund or refunded (开考比例 退费 and the like).
	PaidCount  int
	PaidAmount string
	// The refunds, apart from the live payments: every anomaly's money by
	// refund state, and how many of them are 开考比例 refunds.
	RefundQueuedCount  int
	RefundQueuedAmount string
	RefundedCount      int
	RefundedAmount     string
	OpeningRefunds     int
	ByDay              []FinanceTotal
	ByPosition         []FinanceTotal
	Anomalies          []FinanceAnomaly
	Unsettled          []FinanceOrder // created orders older than an hour
	CSRF               string
}
