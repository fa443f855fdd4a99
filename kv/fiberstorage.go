package kv

import (
	"path/filepath"
	"time"

	badgerv3 "github.com/dgraph-io/badger/v3"
	badgerstorage "github.com/gofiber/storage/badger/v2"
)

// OpenFiberStorage opens the store for Fiber's own middleware state
// (sessions, rate limiter) in its own folder under dataDir. It runs its own
// Badger (v3, as gofiber/storage/badger ships it), so its memory is kept
// small: this state is tiny and short-lived. Tests leave Fiber on its
// built-in memory storage instead. With a key (-encryption-key-file) it is
// encrypted like the main store: sessions and flash messages are data too.
func OpenFiberStorage(dataDir string, key []byte) *badgerstorage.Storage {
	dir := filepath.Join(dataDir, "fiber")
	opts := badgerv3.DefaultOptions(dir).
		WithLogger(nil).
		WithMemTableSize(8 << 20).
		WithValueThreshold(64 << 10).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueLogFileSize(16 << 20).
		WithNumCompactors(2)
	if key != nil {
		opts = opts.WithEncryptionKey(key)
	}
	return badgerstorage.New(badgerstorage.Config{
		Database:      dir,
		BadgerOptions: opts,
		GCInterval:    time.Minute,
	})
}
