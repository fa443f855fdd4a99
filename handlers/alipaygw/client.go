// Package alipaygw is examreg's side of the Alipay open-platform protocol,
// over github.com/smartwalle/alipay/v3 in public-key mode (RSA2): payment
// URLs for 电脑网站支付 and 手机网站支付, trade.query, trade.close and the
// verification of asynchronous notifications. The gateway URL is
// configuration, so tests and the demo point it at the local gateway in
// this package (demo.go); nothing else here knows which gateway it talks to.
package alipaygw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/smartwalle/alipay/v3"

	"examreg/domain"
)

// Config names the merchant and its keys.
type Config struct {
	AppID    string
	SellerID string // 收款支付宝用户ID (PID), checked on notifications; empty: not checked
	// PrivateKey is the application's RSA private key (PEM, PKCS#1 or
	// PKCS#8); AlipayPublicKey is Alipay's public key (PEM, PKIX). In
	// public-key mode the SDK never downloads certificates.
	PrivateKey      string
	AlipayPublicKey string
	// Gateway is the gateway URL (https://openapi.alipay.com/gateway.do in
	// production; the local demo gateway's URL in the demo and tests).
	Gateway    string
	HTTPClient *http.Client // nil: a client with a 10 s timeout
}

// LoadKeyFiles reads the two key files named by flags into cfg.
func LoadKeyFiles(cfg *Config, privateKeyFile, alipayPublicKeyFile string) error {
	pk, err := os.ReadFile(privateKeyFile)
	if err != nil {
		return fmt.Errorf("alipay private key: %w", err)
	}
	pub, err := os.ReadFile(alipayPublicKeyFile)
	if err != nil {
		return fmt.Errorf("alipay public key: %w", err)
	}
	cfg.PrivateKey, cfg.AlipayPublicKey = string(pk), string(pub)
	return nil
}

// Client talks to one Alipay gateway for one merchant.
type Client struct {
	api      *alipay.Client
	merchant domain.Merchant
	gateway  string
}

// New builds a client. The SDK runs in production mode with the gateway
// URL from cfg (WithProductionGateway) and Alipay's public key loaded, so a
// notification is checked against that key only.
func New(cfg Config) (*Client, error) {
	if cfg.AppID == "" || cfg.Gateway == "" {
		return nil, errors.New("alipay: app id and gateway are required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * 1e9}
	}
	api, err := alipay.New(cfg.AppID, cfg.PrivateKey, true,
		alipay.WithProductionGateway(cfg.Gateway), alipay.WithHTTPClient(hc), alipay.WithTimeLocation(domain.Shanghai))
	if err != nil {
		return nil, fmt.Errorf("alipay: private key: %w", err)
	}
	if err := api.LoadAliPayPublicKey(cfg.AlipayPublicKey); err != nil {
		return nil, fmt.Errorf("alipay: public key: %w", err)
	}
	return &Client{api: api, merchant: domain.Merchant{AppID: cfg.AppID, SellerID: cfg.SellerID}, gateway: cfg.Gateway}, nil
}

// Merchant is who notifications must name.
func (c *Client) Merchant() domain.Merchant { return c.merchant }

// GatewayOrigin is the scheme and host of the gateway: the payment page's
// form-action must allow the redirect there.
func (c *Client) GatewayOrigin() string {
	u, err := url.Parse(c.gateway)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// PayURL is where the browser goes to pay o: alipay.trade.page.pay on a
// desktop, alipay.trade.wap.pay on a phone (quitURL is the phone's way back).
// time_expire is the order's own expiry, so Alipay closes the trade when we do.
func (c *Client) PayURL(o *domain.Order, notifyURL, returnURL, quitURL string) (string, error) {
	trade := alipay.Trade{
		NotifyURL: notifyURL, ReturnURL: returnURL,
		Subject: o.Subject, OutTradeNo: o.ID, TotalAmount: domain.FormatYuan(o.AmountFen),
		TimeExpire: o.ExpiresAt.In(domain.Shanghai).Format("2006-01-02 15:04:05"),
	}
	var u *url.URL
	var err error
	if o.Channel == domain.ChannelWap {
		trade.ProductCode = "QUICK_WAP_WAY"
		u, err = c.api.TradeWapPay(alipay.TradeWapPay{Trade: trade, QuitURL: quitURL})
	} else {
		trade.ProductCode = "FAST_INSTANT_TRADE_PAY"
		u, err = c.api.TradePagePay(alipay.TradePagePay{Trade: trade})
	}
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// ErrTradeNotFound: Alipay has no trade with this out_trade_no (the
// candidate never reached the cashier).
var ErrTradeNotFound = errors.New("alipay: trade does not exist")

// ErrTradePaid: trade.close refused because the trade is paid; query it.
var ErrTradePaid = errors.New("alipay: trade already paid")

// Query asks alipay.trade.query about outTradeNo. The answer is checked
// against Alipay's key by the SDK. ErrTradeNotFound when Alipay has none.
func (c *Client) Query(ctx context.Context, outTradeNo string) (domain.TradeEvidence, error) {
	rsp, err := c.api.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: outTradeNo})
	if err != nil {
		return domain.TradeEvidence{}, err
	}
	if !rsp.IsSuccess() {
		if rsp.SubCode == "ACQ.TRADE_NOT_EXIST" {
			return domain.TradeEvidence{}, ErrTradeNotFound
		}
		return domain.TradeEvidence{}, rsp.Error
	}
	amount, err := domain.ParseYuan(rsp.TotalAmount)
	if err != nil {
		return domain.TradeEvidence{}, fmt.Errorf("alipay: trade.query total_amount %q", rsp.TotalAmount)
	}
	return domain.TradeEvidence{
		AppID: c.merchant.AppID, OutTradeNo: rsp.OutTradeNo, TradeNo: rsp.TradeNo, Status: string(rsp.TradeStatus),
		AmountFen: amount, BuyerLogon: rsp.BuyerLogonId, Source: "query",
	}, nil
}

// Close asks alipay.trade.close to close an unpaid trade. A trade Alipay
// never had counts as closed (nil); a paid one gives ErrTradePaid.
func (c *Client) Close(ctx context.Context, outTradeNo string) error {
	rsp, err := c.api.TradeClose(ctx, alipay.TradeClose{OutTradeNo: outTradeNo})
	if err != nil {
		return err
	}
	switch {
	case rsp.IsSuccess(), rsp.SubCode == "ACQ.TRADE_NOT_EXIST":
		return nil
	case rsp.SubCode == "ACQ.TRADE_STATUS_ERROR":
		return ErrTradePaid
	}
	return rsp.Error
}

// ErrBadNotification is a notification whose signature or fields do not check.
var ErrBadNotification = errors.New("alipay: notification refused")

// Notification verifies a posted asynchronous notification (RSA2 over
// the sorted parameters without sign and sign_type, with Alipay's public
// key) and returns what it says. Any failure is ErrBadNotification.
func (c *Client) Notification(ctx context.Context, values url.Values) (domain.TradeEvidence, error) {
	if values.Get("sign") == "" {
		return domain.TradeEvidence{}, fmt.Errorf("%w: unsigned", ErrBadNotification)
	}
	if err := c.api.VerifySign(ctx, values); err != nil {
		return domain.TradeEvidence{}, fmt.Errorf("%w: %v", ErrBadNotification, err)
	}
	amount, err := domain.ParseYuan(values.Get("total_amount"))
	if err != nil {
		return domain.TradeEvidence{}, fmt.Errorf("%w: total_amount %q", ErrBadNotification, values.Get("total_amount"))
	}
	return domain.TradeEvidence{
		AppID: values.Get("app_id"), SellerID: values.Get("seller_id"), OutTradeNo: values.Get("out_trade_no"),
		TradeNo: values.Get("trade_no"), Status: strings.TrimSpace(values.Get("trade_status")), AmountFen: amount,
		BuyerLogon: values.Get("buyer_logon_id"), Source: "notify",
	}, nil
}

// Refund asks alipay.trade.refund to return amountFen of the trade
// outTradeNo. outRequestNo must be stable per refund: Alipay refunds a
// request number once, so a retry answers fund_change "N" and moves
// nothing. It reports whether this call moved money.
func (c *Client) Refund(ctx context.Context, outTradeNo, outRequestNo string, amountFen int64, reason string) (fundChange bool, err error) {
	rsp, err := c.api.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: outTradeNo, OutRequestNo: outRequestNo,
		RefundAmount: domain.FormatYuan(amountFen), RefundReason: reason})
	if err != nil {
		return false, err
	}
	if !rsp.IsSuccess() {
		return false, rsp.Error
	}
	return rsp.FundChange == "Y", nil
}
