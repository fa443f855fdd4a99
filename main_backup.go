package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"examreg/kv"
)

// adminSocketName is the unix socket, in the data directory, on which a
// running server answers `examreg backup`: Badger locks the directory, so
// a second process cannot open the store while the server runs. The socket
// is 0600: only the server's own user (and root) may connect.
const adminSocketName = "admin.sock"

// adminSocketPath is the admin socket of a data directory.
func adminSocketPath(dataDir string) string { return filepath.Join(dataDir, adminSocketName) }

// serveAdminSocket answers backup requests on the data directory's admin
// socket until the returned stop is called.
func serveAdminSocket(store *kv.Store, dataDir string, logger *slog.Logger) (stop func(), err error) {
	path := adminSocketPath(dataDir)
	// The store is open, so its directory lock is ours: a socket left here
	// is a crashed server's and nobody answers on it.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// Not syscall.Umask: it is process-wide and would race Badger's own
	// file creation. The socket is chmod-ed at once, and it lives in the
	// data directory, which Badger creates 0700.
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				handleAdminConn(conn, store, logger)
			}()
		}
	}()
	return func() { ln.Close(); wg.Wait() }, nil
}

// handleAdminConn reads one command line and answers it.
func handleAdminConn(conn net.Conn, store *kv.Store, logger *slog.Logger) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	switch strings.TrimSpace(line) {
	case "backup":
		start := time.Now()
		st, err := store.Backup(conn)
		if err != nil {
			logger.Error("online backup failed", "err", err)
			return
		}
		logger.Info("online backup sent", "bytes", st.Bytes, "encrypted", st.Encrypted, "duration_ms", time.Since(start).Milliseconds())
	default:
		fmt.Fprintln(conn, "unknown command")
	}
}

// backupCommand is `examreg backup -o FILE [-data DIR]`: it asks the
// server running on DIR for a backup over the admin socket, or, when no
// server runs there, opens the stopped store itself.
func backupCommand(args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("examreg backup", flag.ContinueOnError)
	out := fs.String("o", "", "backup file to write (must not exist)")
	dataDir := fs.String("data", envOr("EXAMREG_DATA", "./data"), "data directory (EXAMREG_DATA)")
	keyFile := fs.String("encryption-key-file", envOr("EXAMREG_ENCRYPTION_KEY_FILE", ""), "key file of an encrypted store, when it is stopped (EXAMREG_ENCRYPTION_KEY_FILE)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: "+"usage: examreg backup -o FILE [-data DIR] [-encryption-key-file F]", errUsage)
	}
	start := time.Now()
	n, online, err := writeBackupFile(*out, func(w io.Writer) (int64, bool, error) {
		conn, err := net.Dial("unix", adminSocketPath(*dataDir))
		if err == nil {
			defer conn.Close()
			if _, err := io.WriteString(conn, "backup\n"); err != nil {
				return 0, true, err
			}
			n, err := kv.CopyBackup(w, conn)
			return n, true, err
		}
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ECONNREFUSED) {
			return 0, false, fmt.Errorf("admin socket: %w", err)
		}
		// No server answers: back up the stopped store directly.
		key, err := loadKey(*keyFile)
		if err != nil {
			return 0, false, err
		}
		if _, err := os.Stat(*dataDir); err != nil {
			return 0, false, fmt.Errorf("no store at %s: %w", *dataDir, err)
		}
		store, err := kv.Open(kv.Options{Dir: *dataDir, EncryptionKey: key, Logger: logger})
		if err != nil {
			return 0, false, err
		}
		defer store.Close()
		st, err := store.Backup(w)
		return st.Bytes, false, err
	})
	if err != nil {
		return err
	}
	how := "stopped store"
	if online {
		how = "running server"
	}
	fmt.Fprintf(stdout, "backup of %s (%s) written to %s: %d bytes in %s\n", *dataDir, how, *out, n, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeBackupFile writes a backup to path through a temporary file that is
// synced and renamed only once the backup is complete, so path never holds
// half a backup.
func writeBackupFile(path string, write func(io.Writer) (int64, bool, error)) (int64, bool, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, false, fmt.Errorf("%s already exists: choose a new file name", path)
	}
	tmp, err := os.OpenFile(path+".partial", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, false, err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	n, online, err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".partial", path)
	}
	if err != nil {
		os.Remove(path + ".partial")
		return 0, online, err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return n, online, nil
}

// restoreCommand is `examreg restore -i FILE -data DIR`: DIR must be new or
// empty; an encrypted backup needs the key file of the store it came from.
func restoreCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("examreg restore", flag.ContinueOnError)
	in := fs.String("i", "", "backup file to restore")
	dataDir := fs.String("data", "", "new or empty data directory to restore into")
	keyFile := fs.String("encryption-key-file", "", "key file: needed for an encrypted backup; the restored store is encrypted with it")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *in == "" || *dataDir == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: "+"usage: examreg restore -i FILE -data NEW_DIR [-encryption-key-file F]", errUsage)
	}
	key, err := loadKey(*keyFile)
	if err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	if err := kv.Restore(*dataDir, f, key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s in %s; start examreg with -data %s\n", *in, *dataDir, time.Since(start).Round(time.Millisecond), *dataDir)
	return nil
}

// keygenCommand is `examreg keygen -o FILE`: 32 random bytes, mode 0600,
// never over an existing file (that would lose the key of a store).
func keygenCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("examreg keygen", flag.ContinueOnError)
	out := fs.String("o", "", "key file to create (must not exist)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: "+"usage: examreg keygen -o FILE", errUsage)
	}
	key, err := kv.NewEncryptionKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a %d-byte key to %s (mode 0600). Keep a copy apart from the data and its backups: without it neither can be read.\n", len(key), *out)
	return nil
}

// loadKey reads the key file, or returns nil when none is named.
func loadKey(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return kv.ReadKeyFile(path)
}

// backupFilePrefix and backupFileLayout name scheduled backups by their UTC
// time, so names sort by age.
const (
	backupFilePrefix = "examreg-"
	backupFileSuffix = ".bak"
	backupFileLayout = "20060102T150405Z"
)

// runScheduledBackups writes a backup into dir every `every` and keeps the
// newest `keep`, until ctx ends.
func runScheduledBackups(ctx context.Context, store *kv.Store, dir string, every time.Duration, keep int, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := scheduledBackup(store, dir, now, keep, logger); err != nil {
				logger.Error("scheduled backup failed", "dir", dir, "err", err)
			}
		}
	}
}

// scheduledBackup writes one backup named by now into dir and removes the
// oldest beyond keep. It returns the new file's path.
func scheduledBackup(store *kv.Store, dir string, now time.Time, keep int, logger *slog.Logger) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, backupFilePrefix+now.UTC().Format(backupFileLayout)+backupFileSuffix)
	start := time.Now()
	n, _, err := writeBackupFile(path, func(w io.Writer) (int64, bool, error) {
		st, err := store.Backup(w)
		return st.Bytes, true, err
	})
	if err != nil {
		return "", err
	}
	logger.Info("scheduled backup written", "file", path, "bytes", n, "duration_ms", time.Since(start).Milliseconds())
	return path, pruneBackups(dir, keep, logger)
}

// pruneBackups removes all but the newest keep scheduled backups in dir
// (other files are never touched).
func pruneBackups(dir string, keep int, logger *slog.Logger) error {
	if keep <= 0 {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, backupFilePrefix) || !strings.HasSuffix(n, backupFileSuffix) {
			continue
		}
		if _, err := time.Parse(backupFileLayout, strings.TrimSuffix(strings.TrimPrefix(n, backupFilePrefix), backupFileSuffix)); err != nil {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		logger.Info("old backup removed", "file", names[0])
		names = names[1:]
	}
	return nil
}
