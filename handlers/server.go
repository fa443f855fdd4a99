// Package handlers is examreg's web layer: Fiber handlers that parse a
// request, call domain rules and the kv store, and render a templ view. All
// routes are listed in routes.go.
package handlers

import (
	"log/slog"
	"net/netip"
	"runtime"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
)

// Config wires a Server.
type Config struct {
	Store *kv.Store
	// FiberStorage keeps sessions and rate-limiter state; nil keeps them in
	// memory (tests).
	FiberStorage fiber.Storage
	Clock        domain.Clock
	Log          *slog.Logger
	// NoCaptcha switches the image captcha off: for local automated tests only.
	NoCaptcha bool
	// Secure marks cookies Secure (served over TLS).
	Secure bool
	// AuthRateLimit is the number of login or register POSTs allowed per IP
	// per minute; 0 means the default.
	AuthRateLimit int
	// IdleTimeout ends a session after this long without a request; 0 means 30 minutes.
	IdleTimeout time.Duration
	// ProxyHeader names the header carrying the client address (e.g.
	// X-Forwarded-For) when examreg runs behind a reverse proxy; it is
	// believed only from TrustedProxies. Empty: the peer address is the client.
	ProxyHeader    string
	TrustedProxies []string
	// CaptchaRateLimit is the number of captcha images one client IP may
	// fetch per minute; 0 means the default (60).
	CaptchaRateLimit int
	// Pay wires 网上缴费 (pay.go); nil: /pay says it is not open.
	Pay *PayConfig
	// DemoOutbox: messages are "sent" into the store (notify.Outbox) and
	// /admin/outbox shows them (-demo).
	DemoOutbox bool
	// Metrics, when not nil, count every request (see metrics.go); they
	// are served elsewhere, never by this app.
	Metrics *Metrics
	// Ready reports whether the server takes new work, for /readyz (nil:
	// ready while the store answers); false once shutdown began.
	Ready func() bool
	// UploadQuota limits each account's uploads per kind; zero means
	// domain.DefaultUploadQuota.
	UploadQuota domain.UploadQuota
	// FreeDisk reports the free bytes of the data directory (nil: unknown,
	// no low-disk check); below MinFreeDisk (0: DefaultMinFreeDisk) uploads
	// are refused with 503 and /healthz reports low_disk.
	FreeDisk    func() (uint64, error)
	MinFreeDisk uint64
}

// Server holds what the handlers share.
type Server struct {
	store     *kv.Store
	clock     domain.Clock
	log       *slog.Logger
	sessions  *sessionStore
	noCaptcha bool
	secure    bool
	idle      time.Duration
	authLimit int
	// hashSlots bounds concurrent password hashing: each argon2id hash takes
	// 19 MiB and ~30 ms of one core, so a login storm must queue, not swap.
	hashSlots chan struct{}
	// pdfSlots bounds concurrent 推荐表 generation (~60 ms and ~40 MB of
	// garbage each): a download rush queues instead of exhausting memory.
	pdfSlots chan struct{}
	// imageSlots bounds concurrent photo decoding and scaling.
	imageSlots chan struct{}
	// keyCache holds the token keys derived from the store's secret.
	keyCache     keyCache
	proxyHeader  string
	trusted      []netip.Prefix
	captchaLimit int
	pay          *PayConfig
	reconciler   *Reconciler
	// demoOutbox: /admin/outbox shows the demo sender's messages.
	demoOutbox bool
	// tickets caches the ticket signing key and drawn 准考证 PDFs (ticket.go).
	tickets ticketCache
	metrics *Metrics
	ready   func() bool
	// pdfCheckSlots bounds concurrent 推荐表 checks (pdfcpu parsing).
	pdfCheckSlots chan struct{}
	uploadQuota   domain.UploadQuota
	freeDisk      func() (uint64, error)
	minFreeDisk   uint64
	// fragments caches rendered search and counts fragments (positions_cache.go).
	fragments *fragmentCache
	// rowCells caches each position's rendered result cells (positions_cache.go).
	rowCells rowCellCache
}

// New builds the Fiber app with every route and middleware.
func New(cfg Config) *fiber.App {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.AuthRateLimit == 0 {
		cfg.AuthRateLimit = 30
	}
	if cfg.CaptchaRateLimit == 0 {
		cfg.CaptchaRateLimit = 60
	}
	if cfg.UploadQuota.Max <= 0 || cfg.UploadQuota.Per <= 0 {
		cfg.UploadQuota = domain.DefaultUploadQuota
	}
	if cfg.MinFreeDisk == 0 {
		cfg.MinFreeDisk = DefaultMinFreeDisk
	}
	s := &Server{
		store:      cfg.Store,
		clock:      cfg.Clock,
		log:        cfg.Log,
		noCaptcha:  cfg.NoCaptcha,
		secure:     cfg.Secure,
		idle:       cfg.IdleTimeout,
		authLimit:  cfg.AuthRateLimit,
		hashSlots:  make(chan struct{}, hashingCores(runtime.NumCPU())),
		pdfSlots:   make(chan struct{}, runtime.NumCPU()),
		imageSlots: make(chan struct{}, runtime.NumCPU()),

		proxyHeader:  cfg.ProxyHeader,
		trusted:      parseTrusted(cfg.TrustedProxies),
		captchaLimit: cfg.CaptchaRateLimit,
		pay:          cfg.Pay,
		reconciler:   NewReconciler(cfg),
		demoOutbox:   cfg.DemoOutbox,
		metrics:      cfg.Metrics,
		ready:        cfg.Ready,

		pdfCheckSlots: make(chan struct{}, runtime.NumCPU()),
		uploadQuota:   cfg.UploadQuota,
		freeDisk:      cfg.FreeDisk,
		minFreeDisk:   cfg.MinFreeDisk,
		fragments:     newFragmentCache(fragmentCacheEntries, fragmentCacheBytes),
	}
	// The storage entry outlives the idle timeout a little; the idle check
	// itself is done against the injected clock (see loadUser).
	s.sessions = newSessionStore(cfg.FiberStorage, cfg.IdleTimeout+5*time.Minute, cfg.Secure)
	app := fiber.New(fiber.Config{
		AppName:      "examreg",
		ErrorHandler: s.handleError,
		// Request bodies are streamed: only the first 8 KB is read before
		// the handlers, so a route's limitBody refuses a body over its
		// limit from the Content-Length without reading it, and bounds a
		// chunked body as it reads it (bodyGuard refuses anything over
		// maxBody). Multipart forms are not parsed ahead either.
		BodyLimit:                    maxBody,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisableStartupMessage:        true,
		// Params, queries and form values are copies, not views into the
		// request buffer Fiber reuses: a value kept past the request (an
		// error message, the position catalog, an after-commit hook) can
		// never change under us. The cost is a few small allocations.
		Immutable:      true,
		ReadBufferSize: 16 << 10,
		// Fiber's ProxyHeader is left unset: its c.IP() would believe the
		// leftmost, client-written address. Per-IP limits and the audit log
		// use s.clientIP instead (tokens.go).
	})
	s.routes(app, cfg.FiberStorage)
	return app
}

// now is the current time from the injected clock.
func (s *Server) now() time.Time { return s.clock() }
