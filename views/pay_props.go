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
