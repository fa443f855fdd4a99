package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync/atomic"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"

	"examreg/handlers"
	"examreg/kv"
)

// opsFlags are the server's operations flags: encryption at rest, logs,
// metrics and scheduled backups.
type opsFlags struct {
	keyFile     *string
	logFile     *string
	logMaxMB    *int
	logKeep     *int
	logFormat   *string
	metricsAddr *string
	backupDir   *string
	backupEvery *time.Duration
	backupKeep  *int
}

func addOpsFlags(fs *flag.FlagSet) *opsFlags {
	every, err := time.ParseDuration(envOr("EXAMREG_BACKUP_EVERY", "6h"))
	if err != nil {
		every = 6 * time.Hour
	}
	return &opsFlags{
		keyFile:     fs.String("encryption-key-file", envOr("EXAMREG_ENCRYPTION_KEY_FILE", ""), "32-byte key file (examreg keygen): encrypt the store at rest with AES-256; an encrypted store opens only with it (EXAMREG_ENCRYPTION_KEY_FILE)"),
		logFile:     fs.String("log-file", envOr("EXAMREG_LOG_FILE", ""), "write logs to this file, rotated by size, instead of stderr (EXAMREG_LOG_FILE)"),
		logMaxMB:    fs.Int("log-max-mb", envInt("EXAMREG_LOG_MAX_MB", 100), "rotate -log-file at this size in MB (EXAMREG_LOG_MAX_MB)"),
		logKeep:     fs.Int("log-keep", envInt("EXAMREG_LOG_KEEP", 30), "rotated log files to keep, gzipped (EXAMREG_LOG_KEEP)"),
		logFormat:   fs.String("log-format", envOr("EXAMREG_LOG_FORMAT", "text"), "log line format: text or json (EXAMREG_LOG_FORMAT)"),
		metricsAddr: fs.String("metrics-addr", envOr("EXAMREG_METRICS_ADDR", ""), "serve Prometheus /metrics and Go's /debug/pprof/ on this address, e.g. 127.0.0.1:9100; off when empty. Never the public address (EXAMREG_METRICS_ADDR)"),
		backupDir:   fs.String("backup-dir", envOr("EXAMREG_BACKUP_DIR", ""), "write a backup into this directory every -backup-every; off when empty (EXAMREG_BACKUP_DIR)"),
		backupEvery: fs.Duration("backup-every", every, "interval of scheduled backups (EXAMREG_BACKUP_EVERY)"),
		backupKeep:  fs.Int("backup-keep", envInt("EXAMREG_BACKUP_KEEP", 28), "scheduled backups to keep; older ones are removed (EXAMREG_BACKUP_KEEP)"),
	}
}

// logger builds the process logger: text or JSON, to stderr or to a
// size-rotated file. Without -log-file and -log-format json it is base (the
// caller's stderr logger). The closer closes the file.
func (o *opsFlags) logger(base *slog.Logger) (*slog.Logger, io.Closer, error) {
	if *o.logFile == "" && *o.logFormat == "text" {
		return base, io.NopCloser(nil), nil
	}
	var w io.Writer = os.Stderr
	if *o.logFile != "" {
		w = &lumberjack.Logger{Filename: *o.logFile, MaxSize: *o.logMaxMB, MaxBackups: *o.logKeep, Compress: true}
	}
	return newLogger(w, *o.logFormat)
}

func newLogger(w io.Writer, format string) (*slog.Logger, io.Closer, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), closerOf(w), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), closerOf(w), nil
	}
	return nil, nil, fmt.Errorf("-log-format %q: want text or json", format)
}

// closerOf closes a log file; stderr stays open.
func closerOf(w io.Writer) io.Closer {
	if lj, ok := w.(*lumberjack.Logger); ok {
		return lj
	}
	return io.NopCloser(nil)
}

// encryptionKey reads -encryption-key-file (nil when not set).
func (o *opsFlags) encryptionKey(logger *slog.Logger) ([]byte, error) {
	if *o.keyFile == "" {
		return nil, nil
	}
	if fi, err := os.Stat(*o.keyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the encryption key file is readable by other users: chmod 600 it", "file", *o.keyFile, "mode", fi.Mode().Perm().String())
	}
	return kv.ReadKeyFile(*o.keyFile)
}

// serverOps is what start runs beside the web server.
type serverOps struct {
	ready   atomic.Bool
	metrics *handlers.Metrics
	stops   []func()
}

// start opens the admin socket, the metrics listener and the backup
// schedule. stop ends them (in reverse order).
func (o *opsFlags) start(store *kv.Store, dataDir string, logger *slog.Logger) (*serverOps, error) {
	ops := &serverOps{}
	ops.ready.Store(true)
	stopSocket, err := serveAdminSocket(store, dataDir, logger)
	if err != nil {
		return nil, err
	}
	ops.stops = append(ops.stops, stopSocket)
	if *o.metricsAddr != "" {
		ops.metrics = handlers.NewMetrics(store, func() (uint64, error) { return kv.FreeBytes(dataDir) })
		ln, err := net.Listen("tcp", *o.metricsAddr)
		if err != nil {
			ops.stop()
			return nil, fmt.Errorf("-metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", ops.metrics.Handler())
		// Go's profiler beside the metrics, on the same private address:
		// where the time goes on a live last day (go tool pprof
		// http://ADDR/debug/pprof/profile?seconds=10).
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics server", "err", err)
			}
		}()
		logger.Info("metrics listening", "addr", ln.Addr().String())
		ops.stops = append(ops.stops, func() { _ = srv.Close() })
	}
	if *o.backupDir != "" {
		if *o.backupEvery < time.Minute {
			ops.stop()
			return nil, fmt.Errorf("-backup-every %s: at least 1m", *o.backupEvery)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			runScheduledBackups(ctx, store, *o.backupDir, *o.backupEvery, *o.backupKeep, logger)
		}()
		logger.Info("scheduled backups", "dir", *o.backupDir, "every", o.backupEvery.String(), "keep", *o.backupKeep)
		ops.stops = append(ops.stops, func() { cancel(); <-done })
	}
	return ops, nil
}

// stop ends what start began, the last first.
func (ops *serverOps) stop() {
	for i := len(ops.stops) - 1; i >= 0; i-- {
		ops.stops[i]()
	}
	ops.stops = nil
}
