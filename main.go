// Command examreg is the online registration system for civil-service
// selection exams: one binary with an embedded database.
//
//	examreg [-addr 127.0.0.1:8080] [-data ./data] [-demo] [-no-captcha] [-tls-cert F -tls-key F] [-shutdown-grace 60s]
//	examreg admin create -login NAME -name 姓名 [-data ./data]   (password read from stdin)
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"examreg/handlers"
	"examreg/kv"
	"examreg/static"
	"examreg/views"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	os.Exit(runCommand(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, logger))
}

// usage is printed when the command line is not understood.
const usage = `usage:
  examreg [-addr 127.0.0.1:8080] [-data ./data] [-demo] [flags]   run the server (examreg -h lists the flags)
  examreg admin create -login NAME -name 姓名 [-data ./data]       create an administrator (password from stdin)
  examreg backup -o FILE [-data ./data]                            back up the store (asks the running server, or reads a stopped store)
  examreg restore -i FILE -data NEW_DIR                            restore a backup into a new or empty directory
  examreg keygen -o FILE                                           write a 32-byte encryption key (mode 0600)
`

// errUsage marks a command line that is not understood: runCommand prints the
// usage and exits 2.
var errUsage = errors.New("command line not understood")

// runCommand dispatches the command line and returns the process exit code: 0,
// 1 when the command failed, 2 when the command line is not understood.
// A stray word never starts the server with default flags.
func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, logger *slog.Logger) int {
	var err error
	switch {
	case len(args) > 0 && args[0] == "admin":
		if len(args) < 2 || args[1] != "create" {
			err = fmt.Errorf("%w: unknown admin command %q", errUsage, strings.Join(args[1:], " "))
		} else {
			err = adminCreate(args[2:], stdin, stdout)
		}
	case len(args) > 0 && args[0] == "backup":
		err = backupCommand(args[1:], stdout, logger) // main_backup.go
	case len(args) > 0 && args[0] == "restore":
		err = restoreCommand(args[1:], stdout)
	case len(args) > 0 && args[0] == "keygen":
		err = keygenCommand(args[1:], stdout)
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	default:
		err = serve(args, logger)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stderr, usage)
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "examreg:", err)
		fmt.Fprint(stderr, usage)
		return 2
	}
	fmt.Fprintln(stderr, "examreg:", err)
	return 1
}

// envOr returns the EXAMREG_* environment variable or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func serve(args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("examreg", flag.ContinueOnError)
	addr := fs.String("addr", envOr("EXAMREG_ADDR", "127.0.0.1:8080"), "listen address (EXAMREG_ADDR)")
	dataDir := fs.String("data", envOr("EXAMREG_DATA", "./data"), "data directory (EXAMREG_DATA)")
	storeSpec := fs.String("store", envOr("EXAMREG_STORE", "badger"), "where data lives: badger (embedded, in -data) or tikv://pd1:2379,pd2:2379,pd3:2379/prefix (a TiKV cluster shared by several nodes; the prefix keeps one deployment's keys apart) (EXAMREG_STORE)")
	blobSpec := fs.String("blobs", envOr("EXAMREG_BLOBS", ""), "keep files (photos, PDFs, attachments) in an S3-compatible bucket: s3://bucket?endpoint=https://host&region=r, credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; empty keeps them in the store (EXAMREG_BLOBS)")
	demo := fs.Bool("demo", envBool("EXAMREG_DEMO"), "seed a demo exam and demo accounts into an empty store (EXAMREG_DEMO)")
	noCaptcha := fs.Bool("no-captcha", envBool("EXAMREG_NO_CAPTCHA"), "switch the captcha off: for local automated tests only (EXAMREG_NO_CAPTCHA)")
	tlsCert := fs.String("tls-cert", envOr("EXAMREG_TLS_CERT", ""), "TLS certificate file (EXAMREG_TLS_CERT)")
	tlsKey := fs.String("tls-key", envOr("EXAMREG_TLS_KEY", ""), "TLS key file (EXAMREG_TLS_KEY)")
	authRate := fs.Int("auth-rate-limit", envInt("EXAMREG_AUTH_RATE_LIMIT", 30), "login and register POSTs allowed per client IP per minute (EXAMREG_AUTH_RATE_LIMIT)")
	captchaRate := fs.Int("captcha-rate-limit", envInt("EXAMREG_CAPTCHA_RATE_LIMIT", 60), "captcha images allowed per client IP per minute (EXAMREG_CAPTCHA_RATE_LIMIT)")
	proxyHeader := fs.String("proxy-header", envOr("EXAMREG_PROXY_HEADER", ""), "header the reverse proxy appends the client IP to, e.g. X-Forwarded-For; its rightmost address not in -trusted-proxies is the client (EXAMREG_PROXY_HEADER)")
	trusted := fs.String("trusted-proxies", envOr("EXAMREG_TRUSTED_PROXIES", "127.0.0.1"), "comma-separated proxy addresses or CIDR ranges whose -proxy-header is believed (EXAMREG_TRUSTED_PROXIES)")
	var pf handlers.PayFlags
	fs.StringVar(&pf.AppID, "alipay-app-id", envOr("EXAMREG_ALIPAY_APP_ID", ""), "Alipay application id; empty: 网上缴费 is not open, or under -demo uses the local demo gateway (EXAMREG_ALIPAY_APP_ID)")
	fs.StringVar(&pf.SellerID, "alipay-seller-id", envOr("EXAMREG_ALIPAY_SELLER_ID", ""), "Alipay seller id (PID) notifications must name (EXAMREG_ALIPAY_SELLER_ID)")
	fs.StringVar(&pf.PrivateKeyFile, "alipay-private-key", envOr("EXAMREG_ALIPAY_PRIVATE_KEY", ""), "file with the application's RSA2 private key, PEM (EXAMREG_ALIPAY_PRIVATE_KEY)")
	fs.StringVar(&pf.AlipayKeyFile, "alipay-public-key", envOr("EXAMREG_ALIPAY_PUBLIC_KEY", ""), "file with Alipay's public key, PEM (EXAMREG_ALIPAY_PUBLIC_KEY)")
	fs.StringVar(&pf.Gateway, "alipay-gateway", envOr("EXAMREG_ALIPAY_GATEWAY", "https://openapi.alipay.com/gateway.do"), "Alipay gateway URL (EXAMREG_ALIPAY_GATEWAY)")
	fs.StringVar(&pf.PublicURL, "public-url", envOr("EXAMREG_PUBLIC_URL", ""), "examreg's public URL for Alipay's notify_url and return_url; default http://ADDR (EXAMREG_PUBLIC_URL)")
	notifyCfg := addNotifyFlags(fs)
	opsCfg := addOpsFlags(fs) // main_logging.go: encryption, logs, metrics, backups
	grace := fs.Duration("shutdown-grace", envDuration("EXAMREG_SHUTDOWN_GRACE", 60*time.Second), "on SIGTERM, how long requests in flight (slow uploads) may take to finish while new connections are refused (EXAMREG_SHUTDOWN_GRACE)")
	minFreeMB := fs.Int("min-free-disk-mb", envInt("EXAMREG_MIN_FREE_DISK_MB", handlers.DefaultMinFreeDisk>>20), "uploads are refused (503) while the data directory has less free space than this, in MiB (EXAMREG_MIN_FREE_DISK_MB)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	pf.Demo = *demo
	if pf.PublicURL == "" && pf.AppID == "" {
		pf.PublicURL = "http://" + *addr
	}
	logger, logCloser, err := opsCfg.logger(logger)
	if err != nil {
		return err
	}
	defer logCloser.Close()
	slog.SetDefault(logger)
	applyCgroupMemoryLimit(logger, os.ReadFile) // main_memory.go
	key, err := opsCfg.encryptionKey(logger)
	if err != nil {
		return err
	}
	if *noCaptcha {
		logger.Warn("!!! CAPTCHA IS SWITCHED OFF (-no-captcha): use this only for local automated tests, never in production !!!")
	}
	engine, err := kv.ParseEngine(*storeSpec)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if engine.TiKV && *opsCfg.backupDir != "" {
		return fmt.Errorf("%w: -backup-dir backs up the embedded store; on TiKV use BR (see README: operating N nodes)", errUsage)
	}
	if engine.TiKV && key != nil {
		return fmt.Errorf("%w: -encryption-key-file encrypts the embedded store; TiKV encrypts at rest with its own [security.encryption] settings", errUsage)
	}
	var blobs kv.BlobStore
	if *blobSpec != "" {
		b, err := kv.OpenS3Blobs(*blobSpec)
		if err != nil {
			return err
		}
		blobs = b
	}
	store, err := kv.Open(kv.Options{Engine: *storeSpec, Dir: *dataDir, SyncWrites: true, Logger: logger, EncryptionKey: key, Blobs: blobs})
	if err != nil {
		return err
	}
	defer store.Close()
	// The public counts (报名人数统计, search) lag commits by up to a second
	// on the last day rather than being copied after every state change.
	store.SetCountsRefresh(time.Second)
	ops, err := opsCfg.start(store, *dataDir, logger)
	if err != nil {
		return err
	}
	defer ops.stop()
	// Sessions and limiter counters live in the store, so every node sees them.
	fiberStorage := kv.NewFiberStorage(store)

	if err := store.EnsureAccountIndexes(); err != nil {
		return err
	}
	if *demo {
		if err := seedDemo(store, time.Now(), os.Stdout); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if err := seedDemoReviewers(store, time.Now(), os.Stdout); err != nil {
			return fmt.Errorf("seed demo reviewers: %w", err)
		}
		if err := seedDemoApplications(store, time.Now(), os.Stdout); err != nil { // demo_review.go
			return fmt.Errorf("seed demo applications: %w", err)
		}
	}
	sender, err := notifyCfg.sender(store, *demo)
	if err != nil {
		return err
	}
	defer startDispatcher(store, sender, logger)()
	defer startReturnReminders(store, logger)() // main_review.go
	views.SetAssetURL(static.URL)
	pay, stopPay, err := handlers.SetupPay(pf, logger)
	if err != nil {
		return fmt.Errorf("网上缴费: %w", err)
	}
	defer stopPay()
	conf := handlers.Config{
		Store:            store,
		FiberStorage:     fiberStorage,
		Clock:            time.Now,
		Log:              logger,
		NoCaptcha:        *noCaptcha,
		Secure:           *tlsCert != "",
		AuthRateLimit:    *authRate,
		ProxyHeader:      *proxyHeader,
		TrustedProxies:   splitList(*trusted),
		CaptchaRateLimit: *captchaRate,
		Pay:              pay,
		DemoOutbox:       *demo,
		Metrics:          ops.metrics,
		Ready:            ops.ready.Load,
		FreeDisk:         freeDisk(engine, *dataDir),
		MinFreeDisk:      uint64(max(*minFreeMB, 1)) << 20,
	}
	app := handlers.New(conf)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if r := handlers.NewReconciler(conf); r != nil {
		// The worker stops before the store closes (defers run last-first).
		done := make(chan struct{})
		// One node at a time reconciles (a lease in the store).
		go func() { defer close(done); store.RunLeased(ctx, "pay-reconciler", kv.LeaseTTL, r.Run) }()
		defer func() { stop(); <-done }()
	}
	// Bind first, then say so: "listening" is logged only once the port is ours.
	ln, err := listen(*addr, *tlsCert, *tlsKey)
	if err != nil {
		return err
	}
	logger.Info("examreg listening", "addr", ln.Addr().String(), "store", *storeSpec, "data", *dataDir, "tls", *tlsCert != "", "node", store.NodeID())
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	ops.ready.Store(false) // /readyz answers 503 from now on
	// Fiber closes the listener at once (new connections are refused),
	// then waits for requests in flight, a slow upload included, up to the
	// grace; the deferred closes of both stores run after that.
	logger.Info("shutting down: finishing requests in flight, then closing the store", "grace", *grace)
	if err := app.ShutdownWithTimeout(*grace); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			logger.Warn("shutdown grace over: requests still in flight are cut off", "grace", *grace)
		} else {
			logger.Error("shutdown", "err", err)
		}
	}
	return nil
}

// listen binds addr, with TLS when a certificate is given.
func listen(addr, certFile, keyFile string) (net.Listener, error) {
	var cfg *tls.Config
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		cfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	return ln, nil
}

// envDuration reads a duration (e.g. 60s, 2m) from the environment, or def.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// freeDisk reports the free space uploads need: of the data directory on
// the embedded store; nothing to check on TiKV (the cluster has its own).
func freeDisk(engine kv.EngineSpec, dataDir string) func() (uint64, error) {
	if engine.TiKV {
		return nil
	}
	return func() (uint64, error) { return kv.FreeBytes(dataDir) }
}
