package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"examreg/handlers/alipaygw"
)

// PayFlags are the operator's payment settings (main.go's flags).
type PayFlags struct {
	AppID           string
	SellerID        string
	PrivateKeyFile  string // the application's RSA private key (PEM)
	AlipayKeyFile   string // Alipay's public key (PEM)
	Gateway         string // https://openapi.alipay.com/gateway.do
	PublicURL       string // examreg's public URL, for notify_url and return_url
	Demo            bool   // -demo: without AppID, use the local demo gateway
	DemoNotifyDelay time.Duration
}

// SetupPay builds the PayConfig from the flags: the real gateway when an
// app id is given, the demo gateway (its own key pairs, made now) under
// -demo without one, nil (网上缴费 not open) otherwise. stop ends the demo
// gateway's pending notifications.
func SetupPay(f PayFlags, log *slog.Logger) (cfg *PayConfig, stop func(), err error) {
	stop = func() {}
	if f.AppID != "" {
		if f.PublicURL == "" {
			return nil, stop, errors.New("-public-url is required with -alipay-app-id (Alipay posts notifications there)")
		}
		gc := alipaygw.Config{AppID: f.AppID, SellerID: f.SellerID, Gateway: f.Gateway}
		if err := alipaygw.LoadKeyFiles(&gc, f.PrivateKeyFile, f.AlipayKeyFile); err != nil {
			return nil, stop, err
		}
		gw, err := alipaygw.New(gc)
		if err != nil {
			return nil, stop, err
		}
		return &PayConfig{Gateway: gw, BaseURL: f.PublicURL}, stop, nil
	}
	if !f.Demo {
		return nil, stop, nil
	}
	const demoAppID, demoSeller = "2021000000000000", "2088000000000000"
	priv, pub, err := alipaygw.GenerateKeyPair()
	if err != nil {
		return nil, stop, err
	}
	demo, err := alipaygw.NewDemo(alipaygw.DemoConfig{AppID: demoAppID, SellerID: demoSeller, AppPublicKey: pub,
		NotifyDelay: f.DemoNotifyDelay, Log: log})
	if err != nil {
		return nil, stop, err
	}
	gw, err := alipaygw.New(alipaygw.Config{AppID: demoAppID, SellerID: demoSeller, PrivateKey: priv,
		AlipayPublicKey: demo.PublicKey(), Gateway: f.PublicURL + alipaygw.DemoPath + "/gateway.do",
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		demo.Close()
		return nil, stop, err
	}
	log.Warn("网上缴费 uses the local DEMO gateway at " + alipaygw.DemoPath + ": no real money moves")
	// The demo reconciles quickly, so 付款成功（通知延迟） shows the worker at work.
	return &PayConfig{Gateway: gw, BaseURL: f.PublicURL, Demo: demo, ReconcileAfter: 10 * time.Second, ReconcileEvery: 5 * time.Second},
		demo.Close, nil
}
