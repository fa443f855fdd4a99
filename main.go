// Command examreg is the online registration system for civil-service
// selection exams: one binary with an embedded database.
//
//	examreg [-addr 127.0.0.1:8080] [-data ./data] [-demo] [-no-captcha] [-tls-cert F -tls-key F]
//	examreg admin create -login NAME -name 姓名 [-data ./data]   (password read from stdin)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
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
	var err error
	if len(os.Args) > 2 && os.Args[1] == "admin" && os.Args[2] == "create" {
		err = adminCreate(os.Args[3:], os.Stdin, os.Stdout)
	} else if len(os.Args) > 1 && os.Args[1] == "backup" {
		err = backupCommand(os.Args[2:], os.Stdout, logger)
	} else if len(os.Args) > 1 && os.Args[1] == "restore" {
		err = restoreCommand(os.Args[2:], os.Stdout)
	} else if len(os.Args) > 1 && os.Args[1] == "keygen" {
		err = keygenCommand(os.Args[2:], os.Stdout)
	} else {
		err = serve(os.Args[1:], logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "examreg:", err)
		os.Exit(1)
	}
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
	demo := fs.Bool("demo", envBool("EXAMREG_DEMO"), "seed a demo exam and demo accounts into an empty store (EXAMREG_DEMO)")
	noCaptcha := fs.Bool("no-captcha", envBool("EXAMREG_NO_CAPTCHA"), "switch the captcha off: for local automated tests only (EXAMREG_NO_CAPTCHA)")
	tlsCert := fs.String("tls-cert", envOr("EXAMREG_TLS_CERT", ""), "TLS certificate file (EXAMREG_TLS_CERT)")
	tlsKey := fs.String("tls-key", envOr("EXAMREG_TLS_KEY", ""), "TLS key file (EXAMREG_TLS_KEY)")
	authRate := fs.Int("auth-rate-limit", envInt("EXAMREG_AUTH_RATE_LIMIT", 30), "login and register POSTs allowed per client IP per minute (EXAMREG_AUTH_RATE_LIMIT)")
	captchaRate := fs.Int("captcha-rate-limit", envInt("EXAMREG_CAPTCHA_RATE_LIMIT", 60), "captcha images allowed per client IP per minute (EXAMREG_CAPTCHA_RATE_LIMIT)")
	proxyHeader := fs.String("proxy-header", envOr("EXAMREG_PROXY_HEADER", ""), "header the reverse proxy appends the client IP to, e.g. X-Forwarded-For; its rightmost address not in -trusted-proxies is the client (EXAMREG_PROXY_HEADER)")
	trusted := fs.String("trusted-proxies", envOr("EXAMREG_TRUSTED_PROXIES", "127.0.0.1"), "comma-separated proxy addresses or CIDR ranges whose -proxy-header is believed (EXAMREG_TRUSTED_PROXIES)")
	notifyCfg := addNotifyFlags(fs)
	opsCfg := addOpsFlags(fs) // main_logging.go: encryption, logs, metrics, backups
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, logCloser, err := opsCfg.logger()
	if err != nil {
		return err
	}
	defer logCloser.Close()
	slog.SetDefault(logger)
	key, err := opsCfg.encryptionKey(logger)
	if err != nil {
		return err
	}
	if *noCaptcha {
		logger.Warn("!!! CAPTCHA IS SWITCHED OFF (-no-captcha): use this only for local automated tests, never in production !!!")
	}
	store, err := kv.Open(kv.Options{Dir: *dataDir, SyncWrites: true, Logger: logger, EncryptionKey: key})
	if err != nil {
		return err
	}
	defer store.Close()
	ops, err := opsCfg.start(store, *dataDir, logger)
	if err != nil {
		return err
	}
	defer ops.stop()
	fiberStorage := kv.OpenFiberStorage(*dataDir, key)
	defer fiberStorage.Close()

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
	}
	sender, err := notifyCfg.sender(store, *demo)
	if err != nil {
		return err
	}
	defer startDispatcher(store, sender, logger)()
	views.SetAssetURL(static.URL)
	app := handlers.New(handlers.Config{
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
		DemoOutbox:       *demo,
		Metrics:          ops.metrics,
		Ready:            ops.ready.Load,
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		logger.Info("examreg listening", "addr", *addr, "data", *dataDir, "tls", *tlsCert != "")
		if *tlsCert != "" {
			errc <- app.ListenTLS(*addr, *tlsCert, *tlsKey)
		} else {
			errc <- app.Listen(*addr)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	ops.ready.Store(false)
	logger.Info("shutting down: finishing requests, then closing the store")
	if err := app.ShutdownWithTimeout(20 * time.Second); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Error("shutdown", "err", err)
	}
	return nil
}
