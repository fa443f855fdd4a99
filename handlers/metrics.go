package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"examreg/kv"
)

// Metrics are examreg's Prometheus metrics. They are served by Handler on
// their own address (-metrics-addr), never on the public site.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	logins         *prometheus.CounterVec
	uploadsRefused *prometheus.CounterVec
}

// NewMetrics registers the request metrics and the store's gauges: the
// applications per state, Badger's LSM and value-log sizes, and the free
// disk of the data directory (freeDisk may be nil: not reported).
func NewMetrics(store *kv.Store, freeDisk func() (uint64, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "examreg_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "examreg_http_request_duration_seconds",
			Help:    "Time to answer a request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "examreg_logins_total",
			Help: "Login attempts by result: ok, failed (wrong name or password), throttled (too many failures or requests), disabled, invalid (form incomplete or captcha wrong).",
		}, []string{"result"}),
		uploadsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "examreg_uploads_refused_total",
			Help: "File uploads refused, by reason: too_large, unsupported_type, invalid, quota, wrong_state, low_disk, other.",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.logins, m.uploadsRefused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		storeCollector{store: store, freeDisk: freeDisk})
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records one finished request (called by requestLog).
func (m *Metrics) observe(c *fiber.Ctx, route string, status int, elapsed time.Duration) {
	method := c.Method()
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(elapsed.Seconds())
	if method != fiber.MethodPost {
		return
	}
	if route == "/login" {
		m.logins.WithLabelValues(loginResult(status)).Inc()
	}
	if status >= 400 && strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		m.uploadsRefused.WithLabelValues(uploadRefusal(status)).Inc()
	}
}

// loginResult reads the outcome of POST /login from its status (doLogin
// answers each outcome with its own status).
func loginResult(status int) string {
	switch {
	case status == fiber.StatusSeeOther:
		return "ok"
	case status == fiber.StatusUnauthorized:
		return "failed"
	case status == fiber.StatusTooManyRequests:
		return "throttled"
	case status == fiber.StatusForbidden:
		return "disabled"
	}
	return "invalid"
}

// uploadRefusal names why a multipart POST was refused, from its status
// (handlers/errors.go maps each domain error code to one status).
func uploadRefusal(status int) string {
	switch status {
	case fiber.StatusRequestEntityTooLarge:
		return "too_large"
	case fiber.StatusUnsupportedMediaType:
		return "unsupported_type"
	case invalidStatus, fiber.StatusBadRequest:
		return "invalid"
	case fiber.StatusTooManyRequests:
		return "quota"
	case fiber.StatusConflict, fiber.StatusForbidden:
		return "wrong_state"
	case fiber.StatusServiceUnavailable, fiber.StatusInsufficientStorage:
		return "low_disk"
	}
	return "other"
}

// storeCollector reads the store's figures at scrape time.
type storeCollector struct {
	store    *kv.Store
	freeDisk func() (uint64, error)
}

var (
	descApps     = prometheus.NewDesc("examreg_applications", "Applications by state (at most 30 s old).", []string{"state"}, nil)
	descLSM      = prometheus.NewDesc("examreg_badger_lsm_bytes", "Bytes of Badger's LSM tree (SST files) on disk.", nil, nil)
	descVlog     = prometheus.NewDesc("examreg_badger_vlog_bytes", "Bytes of Badger's value log on disk.", nil, nil)
	descDiskFree = prometheus.NewDesc("examreg_disk_free_bytes", "Free bytes on the data directory's file system.", nil, nil)
	descStoreUp  = prometheus.NewDesc("examreg_store_up", "1 when the store answers a read.", nil, nil)
)

func (sc storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descApps
	ch <- descLSM
	ch <- descVlog
	ch <- descDiskFree
	ch <- descStoreUp
}

func (sc storeCollector) Collect(ch chan<- prometheus.Metric) {
	up := 1.0
	if sc.store.Ping() != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, up)
	lsm, vlog := sc.store.Sizes()
	ch <- prometheus.MustNewConstMetric(descLSM, prometheus.GaugeValue, float64(lsm))
	ch <- prometheus.MustNewConstMetric(descVlog, prometheus.GaugeValue, float64(vlog))
	if sc.freeDisk != nil {
		if free, err := sc.freeDisk(); err == nil {
			ch <- prometheus.MustNewConstMetric(descDiskFree, prometheus.GaugeValue, float64(free))
		}
	}
	if counts, err := sc.store.ApplicationsPerState(); err == nil {
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(descApps, prometheus.GaugeValue, float64(n), state)
		}
	}
}
