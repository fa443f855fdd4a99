package alipaygw

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"examreg/domain"
	"examreg/views"
)

// DemoPath is where the demo gateway is served: a clearly marked path,
// mounted only when examreg runs with the demo gateway (-demo without a
// real Alipay configuration).
const DemoPath = "/dev/alipay"

// GenerateKeyPair makes an RSA-2048 key pair as PEM: the private key in
// PKCS#1, the public key in PKIX (the forms Alipay's tools produce).
func GenerateKeyPair() (privatePEM, publicPEM string, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), nil
}

// DemoConfig configures the demo gateway.
type DemoConfig struct {
	AppID    string
	SellerID string
	// AppPublicKey is the merchant application's public key (PEM): the
	// gateway checks every request's signature with it, as Alipay does.
	AppPublicKey string
	// NotifyDelay is how long 付款成功（通知延迟） holds the notification
	// back; 0 means 3 minutes (longer than a reconciliation cycle).
	NotifyDelay time.Duration
	// RetryEvery is the pause between notification retries (Alipay's
	// schedule is 4m, 10m, 10m, 1h, …; the demo shortens it); 0 means 5 s.
	RetryEvery time.Duration
	// HTTPClient posts notifications; nil: a client with a 10 s timeout.
	HTTPClient *http.Client
	Clock      domain.Clock
	Log        *slog.Logger
}

// Demo is a local stand-in for Alipay's open gateway: its own key pair,
// trades in memory, a cashier page with the outcomes to try, signed
// asynchronous notifications (with retries) and signed answers to
// trade.query, trade.close and trade.refund. It is an http.Handler for
// the paths under DemoPath.
type Demo struct {
	cfg    DemoConfig
	key    *rsa.PrivateKey
	pubPEM string
	appPub *rsa.PublicKey

	mu     sync.Mutex
	trades map[string]*demoTrade
	seq    int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type demoTrade struct {
	OutTradeNo, TradeNo, Subject string
	AmountFen                    int64
	Status                       string
	NotifyURL, ReturnURL         string
	Expire                       time.Time
	Created, Paid                time.Time
	Buyer                        string
	RefundedFen                  int64
	Refunds                      map[string]int64 // out_request_no → amount
}

// NewDemo makes a demo gateway with a fresh key pair.
func NewDemo(cfg DemoConfig) (*Demo, error) {
	if cfg.NotifyDelay == 0 {
		cfg.NotifyDelay = 3 * time.Minute
	}
	if cfg.RetryEvery == 0 {
		cfg.RetryEvery = 5 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	appPub, err := parsePublicKey(cfg.AppPublicKey)
	if err != nil {
		return nil, fmt.Errorf("demo gateway: app public key: %w", err)
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Demo{
		cfg: cfg, key: k, appPub: appPub, trades: map[string]*demoTrade{}, ctx: ctx, cancel: cancel,
		pubPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
	}, nil
}

// PublicKey is the gateway's public key (PEM): examreg's "Alipay public key".
func (d *Demo) PublicKey() string { return d.pubPEM }

// Close stops pending notifications.
func (d *Demo) Close() {
	d.cancel()
	d.wg.Wait()
}

func parsePublicKey(p string) (*rsa.PublicKey, error) {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}

// signContent is Alipay's string to sign: the parameters sorted by name,
// as name=value joined by '&', leaving out the names in skip and empty values.
func signContent(v url.Values, skip ...string) []byte {
	var pairs []string
	for k, vals := range v {
		if contains(skip, k) {
			continue
		}
		for _, x := range vals {
			if x != "" {
				pairs = append(pairs, k+"="+x)
			}
		}
	}
	sort.Strings(pairs)
	return []byte(strings.Join(pairs, "&"))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *Demo) sign(b []byte) string {
	h := sha256.Sum256(b)
	sig, err := rsa.SignPKCS1v15(rand.Reader, d.key, crypto.SHA256, h[:])
	if err != nil {
		panic(err) // only on a broken key, which NewDemo made itself
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// SignValues sets sign_type and sign on v as Alipay signs a notification
// (tests use it to forge and replay notifications).
func (d *Demo) SignValues(v url.Values) {
	v.Del("sign")
	v.Set("sign_type", "RSA2")
	v.Set("sign", d.sign(signContent(v, "sign", "sign_type")))
}

// verifyRequest checks a request's RSA2 signature (every parameter but
// sign) with the application's public key.
func (d *Demo) verifyRequest(v url.Values) error {
	sig, err := base64.StdEncoding.DecodeString(v.Get("sign"))
	if err != nil || len(sig) == 0 {
		return errors.New("missing or malformed sign")
	}
	h := sha256.Sum256(signContent(v, "sign"))
	return rsa.VerifyPKCS1v15(d.appPub, crypto.SHA256, h[:], sig)
}

// ServeHTTP answers the gateway (gateway.do) and the cashier's buttons (pay).
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	switch strings.TrimPrefix(r.URL.Path, DemoPath) {
	case "/gateway.do":
		d.gateway(w, r)
	case "/pay":
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		d.cashierAction(w, r)
	default:
		http.NotFound(w, r)
	}
}

// bizContent is the part of biz_content the gateway reads.
type bizContent struct {
	OutTradeNo   string `json:"out_trade_no"`
	TotalAmount  string `json:"total_amount"`
	Subject      string `json:"subject"`
	TimeExpire   string `json:"time_expire"`
	RefundAmount string `json:"refund_amount"`
	OutRequestNo string `json:"out_request_no"`
}

func (d *Demo) gateway(w http.ResponseWriter, r *http.Request) {
	v := r.Form
	method := v.Get("method")
	if v.Get("app_id") != d.cfg.AppID || d.verifyRequest(v) != nil {
		d.answer(w, method, map[string]any{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
		return
	}
	var biz bizContent
	if err := json.Unmarshal([]byte(v.Get("biz_content")), &biz); err != nil || biz.OutTradeNo == "" {
		d.answer(w, method, map[string]any{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.missing-out-trade-no", "sub_msg": "缺少商户订单号"})
		return
	}
	switch method {
	case "alipay.trade.page.pay", "alipay.trade.wap.pay":
		d.cashier(w, r, biz)
	case "alipay.trade.query":
		d.onTrade(w, method, biz, d.query)
	case "alipay.trade.close":
		d.onTrade(w, method, biz, d.close)
	case "alipay.trade.refund":
		d.onTrade(w, method, biz, d.refund)
	default:
		d.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method", "sub_msg": "不支持的接口"})
	}
}

// answer writes a signed API response: {"<method>_response": {...}, "sign": ...}
// with the signature over the exact bytes of the response object.
func (d *Demo) answer(w http.ResponseWriter, method string, body map[string]any) {
	b, _ := json.Marshal(body)
	name := strings.ReplaceAll(method, ".", "_") + "_response"
	if method == "" {
		name = "error_response"
	}
	var out bytes.Buffer
	out.WriteString(`{"` + name + `":`)
	out.Write(b)
	out.WriteString(`,"sign":"` + d.sign(b) + `"}`)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(out.Bytes())
}

func notExist(w http.ResponseWriter, d *Demo, method string) {
	d.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"})
}

// cashier opens (or reopens) the trade and shows the cashier page.
func (d *Demo) cashier(w http.ResponseWriter, r *http.Request, biz bizContent) {
	amount, err := domain.ParseYuan(biz.TotalAmount)
	if err != nil || amount <= 0 {
		http.Error(w, "total_amount 不正确", http.StatusBadRequest)
		return
	}
	now := d.cfg.Clock()
	d.mu.Lock()
	t := d.trades[biz.OutTradeNo]
	switch {
	case t == nil:
		exp, err := time.ParseInLocation("2006-01-02 15:04:05", biz.TimeExpire, domain.Shanghai)
		if err != nil {
			exp = now.Add(domain.OrderTimeout)
		}
		d.seq++
		t = &demoTrade{
			OutTradeNo: biz.OutTradeNo, Subject: biz.Subject, AmountFen: amount, Status: domain.TradeWaitBuyerPay,
			NotifyURL: r.Form.Get("notify_url"), ReturnURL: r.Form.Get("return_url"), Expire: exp, Created: now,
			TradeNo: now.In(domain.Shanghai).Format("20060102") + fmt.Sprintf("2200%010d", d.seq), Refunds: map[string]int64{},
		}
		d.trades[t.OutTradeNo] = t
	case t.AmountFen != amount:
		d.mu.Unlock()
		http.Error(w, "同一商户订单号的金额不能改变（ACQ.CONTEXT_INCONSISTENT）", http.StatusBadRequest)
		return
	}
	d.expire(t, now)
	p := views.DemoCashierProps{
		Action: DemoPath + "/pay", OutTradeNo: t.OutTradeNo, TradeNo: t.TradeNo, Subject: t.Subject,
		Amount: domain.FormatYuan(t.AmountFen), Status: t.Status, Expire: domain.FormatTime(t.Expire), ReturnURL: t.ReturnURL,
	}
	d.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := views.DemoCashier(p).Render(r.Context(), w); err != nil {
		d.cfg.Log.Error("demo gateway: cashier", "err", err)
	}
}

// expire closes an unpaid trade past its time_expire, as Alipay does. d.mu held.
func (d *Demo) expire(t *demoTrade, now time.Time) {
	if t.Status == domain.TradeWaitBuyerPay && !now.Before(t.Expire) {
		t.Status = domain.TradeClosed
	}
}

// Cashier actions (the buttons).
const (
	DemoPay        = "pay"         // 付款成功
	DemoPayDelayed = "pay_delayed" // 付款成功（通知延迟）
	DemoPayTwice   = "pay_twice"   // 付款成功（重复通知）
	DemoClose      = "close"       // 关闭交易
	DemoPayNoNote  = "pay_silent"  // 付款成功（不发通知）: the notification is lost
)

func (d *Demo) cashierAction(w http.ResponseWriter, r *http.Request) {
	action := r.PostForm.Get("action")
	t, err := d.Act(r.PostForm.Get("out_trade_no"), action, r.PostForm.Get("buyer"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	// Back to the merchant with the signed synchronous return parameters.
	back := url.Values{
		"app_id": {d.cfg.AppID}, "method": {"alipay.trade.page.pay.return"}, "charset": {"utf-8"}, "version": {"1.0"},
		"out_trade_no": {t.OutTradeNo}, "trade_no": {t.TradeNo}, "total_amount": {domain.FormatYuan(t.AmountFen)},
		"seller_id": {d.cfg.SellerID}, "timestamp": {d.cfg.Clock().In(domain.Shanghai).Format("2006-01-02 15:04:05")},
	}
	d.SignValues(back)
	to := t.ReturnURL
	if to == "" {
		w.Write([]byte("ok"))
		return
	}
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	http.Redirect(w, r, to+sep+back.Encode(), http.StatusSeeOther)
}

// Act performs a cashier button on the trade outTradeNo (tests call it
// directly): pay (notify now), pay_delayed (notify after NotifyDelay),
// pay_twice (notify twice at once and once more), pay_silent (never
// notify: a lost notification), close.
func (d *Demo) Act(outTradeNo, action, buyer string) (demoTrade, error) {
	now := d.cfg.Clock()
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.trades[outTradeNo]
	if t == nil {
		return demoTrade{}, errors.New("交易不存在")
	}
	d.expire(t, now)
	if buyer == "" {
		buyer = "13812345678"
	}
	switch action {
	case DemoClose:
		if t.Status != domain.TradeWaitBuyerPay {
			return *t, errors.New("交易状态为 " + t.Status + "，不能关闭")
		}
		t.Status = domain.TradeClosed
		return *t, nil
	case DemoPay, DemoPayDelayed, DemoPayTwice, DemoPayNoNote:
	default:
		return *t, errors.New("未知操作")
	}
	if t.Status != domain.TradeWaitBuyerPay {
		return *t, errors.New("交易状态为 " + t.Status + "，不能付款")
	}
	t.Status, t.Paid, t.Buyer = domain.TradeSuccess, now, buyer
	note := d.notification(t)
	switch action {
	case DemoPay:
		d.deliver(t.NotifyURL, note, 0)
	case DemoPayDelayed:
		d.deliver(t.NotifyURL, note, d.cfg.NotifyDelay)
	case DemoPayTwice:
		d.deliver(t.NotifyURL, note, 0)
		d.deliver(t.NotifyURL, note, 0)
		d.deliver(t.NotifyURL, note, time.Second)
	}
	return *t, nil
}

// notification builds the signed TRADE_SUCCESS notification of t. d.mu held.
func (d *Demo) notification(t *demoTrade) url.Values {
	at := func(x time.Time) string { return x.In(domain.Shanghai).Format("2006-01-02 15:04:05") }
	v := url.Values{
		"notify_time": {at(d.cfg.Clock())}, "notify_type": {"trade_status_sync"}, "notify_id": {fmt.Sprintf("demo%s%d", t.TradeNo, d.cfg.Clock().UnixNano())},
		"app_id": {d.cfg.AppID}, "charset": {"utf-8"}, "version": {"1.0"},
		"trade_no": {t.TradeNo}, "out_trade_no": {t.OutTradeNo}, "trade_status": {t.Status},
		"total_amount": {domain.FormatYuan(t.AmountFen)}, "receipt_amount": {domain.FormatYuan(t.AmountFen)},
		"buyer_pay_amount": {domain.FormatYuan(t.AmountFen)}, "subject": {t.Subject},
		"buyer_logon_id": {domain.MaskedBuyer(t.Buyer)}, "seller_id": {d.cfg.SellerID},
		"gmt_create": {at(t.Created)}, "gmt_payment": {at(t.Paid)},
	}
	d.SignValues(v)
	return v
}

// deliver posts a notification after delay, retrying every RetryEvery
// (at most 8 tries, like Alipay) until the answer is exactly "success".
func (d *Demo) deliver(to string, v url.Values, delay time.Duration) {
	if to == "" {
		return
	}
	body := v.Encode()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		wait := delay
		for try := 0; try < 8; try++ {
			select {
			case <-d.ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = d.cfg.RetryEvery
			if d.post(to, body) {
				return
			}
		}
		d.cfg.Log.Warn("demo gateway: notification given up", "out_trade_no", v.Get("out_trade_no"))
	}()
}

func (d *Demo) post(to, body string) bool {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, to, strings.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, err := d.cfg.HTTPClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	return string(b) == "success"
}

// onTrade runs one API call on an existing trade under the gateway's lock,
// after letting an unpaid trade expire; an unknown trade gets
// ACQ.TRADE_NOT_EXIST as Alipay answers it.
func (d *Demo) onTrade(w http.ResponseWriter, method string, biz bizContent, op func(http.ResponseWriter, string, *demoTrade, bizContent)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.trades[biz.OutTradeNo]
	if t == nil {
		notExist(w, d, method)
		return
	}
	d.expire(t, d.cfg.Clock())
	op(w, method, t, biz)
}

func (d *Demo) query(w http.ResponseWriter, method string, t *demoTrade, _ bizContent) {
	d.answer(w, method, map[string]any{
		"code": "10000", "msg": "Success", "out_trade_no": t.OutTradeNo, "trade_no": t.TradeNo, "trade_status": t.Status,
		"total_amount": domain.FormatYuan(t.AmountFen), "buyer_logon_id": domain.MaskedBuyer(t.Buyer),
	})
}

func (d *Demo) close(w http.ResponseWriter, method string, t *demoTrade, _ bizContent) {
	if t.Status == domain.TradeSuccess || t.Status == domain.TradeFinished {
		d.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"})
		return
	}
	t.Status = domain.TradeClosed
	d.answer(w, method, map[string]any{"code": "10000", "msg": "Success", "out_trade_no": t.OutTradeNo, "trade_no": t.TradeNo})
}

// refund refunds part or all of a paid trade. The same out_request_no
// again refunds nothing more (fund_change "N"), so a retry is safe.
func (d *Demo) refund(w http.ResponseWriter, method string, t *demoTrade, biz bizContent) {
	amount, err := domain.ParseYuan(biz.RefundAmount)
	switch {
	case err != nil || amount <= 0 || biz.OutRequestNo == "":
		d.answer(w, method, map[string]any{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter", "sub_msg": "退款金额或请求号不正确"})
		return
	case t.Status != domain.TradeSuccess:
		d.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"})
		return
	}
	change := "N"
	if _, done := t.Refunds[biz.OutRequestNo]; !done {
		if t.RefundedFen+amount > t.AmountFen {
			d.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg": "退款金额超限"})
			return
		}
		t.Refunds[biz.OutRequestNo] = amount
		t.RefundedFen += amount
		change = "Y"
		if t.RefundedFen == t.AmountFen {
			t.Status = domain.TradeClosed
		}
	}
	d.answer(w, method, map[string]any{"code": "10000", "msg": "Success", "out_trade_no": t.OutTradeNo, "trade_no": t.TradeNo,
		"fund_change": change, "refund_fee": domain.FormatYuan(t.RefundedFen), "buyer_logon_id": domain.MaskedBuyer(t.Buyer)})
}

// TradeStatus reports the gateway's status of a trade ("" when unknown).
func (d *Demo) TradeStatus(outTradeNo string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.trades[outTradeNo]; t != nil {
		d.expire(t, d.cfg.Clock())
		return t.Status
	}
	return ""
}
