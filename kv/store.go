// Package kv is examreg's storage: a small transactional key-value API over
// an ordered, transactional engine: an embedded Badger v4 database (the
// default) or a TiKV cluster for several nodes (engine.go). It is the only
// package that imports either. Records are JSON values under readable,
// versioned keys (see keys.go).
package kv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/tikv/client-go/v2/tikv"

	"examreg/domain"
)

// ErrNotFound is returned by Get when the key does not exist. Store methods
// that load a record translate it to a domain ENOTFOUND error.
var ErrNotFound = errors.New("kv: not found")

// maxConflictRetries bounds the retries of an Update that lost a race.
// Each retry re-runs the function on fresh data, so a retried function must
// only read and write through its Tx.
const maxConflictRetries = 50

// maxBlockedRetries bounds the 10 ms waits of an Update while writes are
// blocked (about a second).
const maxBlockedRetries = 100

// Options configure Open.
type Options struct {
	// Engine names the store: "" or "badger" (embedded, in Dir) or
	// "tikv://pd1:2379,pd2:2379/prefix" (a TiKV cluster; see ParseEngine).
	Engine     string
	Dir        string // data directory; ignored when InMemory
	InMemory   bool   // tests and benchmarks that do not need a disk
	SyncWrites bool   // fsync each commit; on in production so an acknowledged write survives a crash
	Logger     *slog.Logger
	// EncryptionKey (32 bytes) encrypts every file of the store with
	// AES-256 (Badger's encryption at rest); nil leaves it unencrypted. An
	// encrypted store opens only with its key (see encryption.go).
	EncryptionKey []byte
	// TiKV runs the store on an open client-go store (tests pass a mock
	// TiKV); KeyPrefix keeps this deployment's keys apart from others'.
	TiKV      *tikv.KVStore
	KeyPrefix string
	// Blobs keeps file bytes in an object store (OpenS3Blobs); nil keeps
	// them in the KV store.
	Blobs BlobStore
}

// Store is an open database.
type Store struct {
	eng       engine
	blobs     BlobStore  // nil: file bytes live in the KV store
	db        *badger.DB // the Badger engine's database; nil on TiKV
	positions *catalog
	exams     *examCache      // exams_cache.go
	accounts  decodedAccounts // signedin.go
	reads     *readCache      // readcache.go; nil on a shared engine
	counts    *countCache
	queue     *queueCache // review queue sizes (review_queue.go)
	log       *slog.Logger
	key       []byte // encryption key; nil when not encrypted (backups follow it)
	cancel    context.CancelFunc
	gcDone    chan struct{}
	site      atomic.Pointer[domain.SiteSettings] // footer settings, read on every page (site.go)
	// stateCache keeps ApplicationsPerState between scrapes (metrics.go).
	stateCache appStateCache
	stamps     statusStamps // status poll versions (statusstamp.go)
	// garbage counts the bytes of blobs deleted since the last forced
	// memtable flush; gcNudge asks the GC loop to run early (bulk deletes).
	garbage atomic.Int64
	gcNudge chan struct{}
	// lastFlatten is when the GC last forced a full compaction (UnixNano; 0 never).
	lastFlatten atomic.Int64
	gcMu        sync.Mutex // serialises collect
	node        string     // this process among the nodes (leases)
	sweepDone   chan struct{}
	refreshDone chan struct{}
}

// Open opens (or creates) the store. Memory options are sized for a small
// machine (2 cores, a few hundred MB for the store).
func Open(o Options) (*Store, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	eng, db, err := openEngine(o, logger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{eng: eng, exams: newExamCache(), blobs: o.Blobs, node: newNodeID(), sweepDone: make(chan struct{}), refreshDone: make(chan struct{}), db: db, log: logger, key: o.EncryptionKey, cancel: cancel, gcDone: make(chan struct{}), gcNudge: make(chan struct{}, 1)}
	if !s.sharedEngine() {
		s.reads = newReadCache()
	}
	for _, load := range []func() error{s.loadCatalog, s.loadCounts, s.loadReviewQueue, s.adoptRefundCases} {
		if err := load(); err != nil {
			cancel()
			eng.close()
			return nil, err
		}
	}
	go s.runValueLogGC(ctx, gcEvery)
	go func() { defer close(s.sweepDone); s.runSweepers(ctx) }()
	go func() { defer close(s.refreshDone); s.runRefresher(ctx) }()
	return s, nil
}

// openEngine opens the engine o names; db is Badger's database (nil on TiKV).
func openEngine(o Options, logger *slog.Logger) (engine, *badger.DB, error) {
	if o.TiKV != nil {
		return newTiKVEngine(o.TiKV, o.KeyPrefix, false), nil, nil
	}
	spec, err := ParseEngine(o.Engine)
	if err != nil {
		return nil, nil, err
	}
	if spec.TiKV {
		eng, err := openTiKV(spec, logger)
		return eng, nil, err
	}
	bo := badgerOptions(o)
	db, err := badger.Open(bo)
	if err != nil {
		return nil, nil, openError(o, err)
	}
	maxValue := int(bo.ValueLogFileSize)
	if o.InMemory {
		// Less than the threshold: Badger v4.9.6 accepts a value of exactly
		// the threshold in memory and then panics writing it.
		maxValue = int(bo.ValueThreshold) - 1
	}
	return badgerEngine{db: db, maxValue: maxValue}, db, nil
}

// badgerOptions are the Badger options of Open (and of Restore).
func badgerOptions(o Options) badger.Options {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	bo := badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(o.SyncWrites && !o.InMemory).
		WithLogger(badgerLogger{logger}).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(16 << 20).
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		// No block compression: a compaction compresses each block in
		// goroutines with buffers of their own, which took the first start
		// after a bulk load of 100,000 candidates from 315 MB to 693 MB of
		// RSS, and every read of a record decompressed its block. The JSON
		// records take ~3× the disk instead (270 MB for that load); uploads
		// (JPEG, PDF) do not compress anyway.
		WithCompression(options.None).
		// Values over 64 KiB (uploaded PDFs, attachments) go to the value log,
		// so they cost a transaction only a pointer and never hit ErrTxnTooBig.
		WithValueThreshold(64 << 10)
	if o.InMemory {
		bo.Dir, bo.ValueDir = "", ""
	}
	if o.EncryptionKey != nil {
		// Encrypted blocks are decrypted into the block cache and their
		// indexes into the index cache (both set above): Badger refuses
		// encryption without them.
		bo = bo.WithEncryptionKey(o.EncryptionKey)
	}
	return bo
}

// Close stops background work and closes the database; safe to call once.
func (s *Store) Close() error {
	s.cancel()
	<-s.gcDone
	<-s.sweepDone
	<-s.refreshDone
	return s.eng.close()
}

// Ping reports whether the store is open and readable (for /healthz).
func (s *Store) Ping() error { return s.eng.ping() }

// Value-log GC schedule: every gcEvery, and early (at most every
// gcMinGap) once gcFlushBytes of blobs were deleted.
const (
	gcEvery      = time.Minute
	gcMinGap     = 10 * time.Second
	gcFlushBytes = 32 << 20
	// gcFlattenEvery bounds the full LSM compactions the GC loop forces.
	gcFlattenEvery = 10 * time.Minute
)

// runValueLogGC is Badger's alone and needs no lease: one process holds a
// data directory (Badger's lock); TiKV collects its own garbage.
func (s *Store) runValueLogGC(ctx context.Context, every time.Duration) {
	defer close(s.gcDone)
	if s.db == nil || s.db.Opts().InMemory {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.gcNudge:
		}
		s.collect(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(gcMinGap):
		}
	}
}

// noteDeleted records deleted blob bytes and nudges the GC loop once
// enough have piled up (a bulk delete, a rush of replaced uploads).
func (s *Store) noteDeleted(n int) {
	if s.garbage.Add(int64(n)) >= gcFlushBytes {
		select {
		case s.gcNudge <- struct{}{}:
		default:
		}
	}
}

// CollectGarbage runs value-log GC now, until Badger finds no more to
// reclaim (tests and tools; the store runs it on its own schedule).
func (s *Store) CollectGarbage() {
	if s.db != nil && !s.db.Opts().InMemory {
		// Flush whatever the counter says: the background loop may just
		// have reset it while deletes were still being committed.
		s.garbage.Store(gcFlushBytes)
		s.lastFlatten.Store(0)
		s.collect(context.Background())
	}
}

func (s *Store) collect(ctx context.Context) {
	// One collection at a time: Badger rejects a second concurrent GC
	// (ErrRejected), which would end the caller's loop early.
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	if s.garbage.Load() >= gcFlushBytes {
		s.garbage.Store(0)
		s.flushForGC(ctx)
	}
	// Badger reclaims one file per call: repeat while it finds work.
	for s.db.RunValueLogGC(0.5) == nil {
		if ctx.Err() != nil {
			return
		}
	}
}

// gcFlushPrefix holds a marker key written and dropped to flush the memtable.
const gcFlushPrefix = "v1/gcflush/"

// gcTickKey is a small key kept, so each forced flush makes a table.
const gcTickKey = "v1/gctick"

// flushForGC makes deleted and replaced blobs visible to value-log GC.
// Badger counts a value as garbage only when compaction drops its key's
// older version; blob keys are few and small in the LSM, so the memtable
// can hold them for hours and GC finds nothing (measured: 200 replaced
// 4.5 MB uploads left 1 GB on disk that GC could not reclaim). DropPrefix
// of a marker key is Badger's public way to flush the memtable; two
// flushes fill level 0, which starts the compaction that counts the
// garbage. Writes are blocked during a flush (Update waits and retries).
func (s *Store) flushForGC(ctx context.Context) {
	for range 2 {
		err := s.db.Update(func(txn *badger.Txn) error {
			if err := txn.Set([]byte(gcTickKey), []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
				return err
			}
			return txn.Set([]byte(gcFlushPrefix+"marker"), nil)
		})
		if err == nil {
			err = s.db.DropPrefix([]byte(gcFlushPrefix))
		}
		if err != nil {
			s.log.Warn("kv: memtable flush for value-log GC", "err", err)
			return
		}
	}
	// Compact the flushed tables down, so the older versions of deleted
	// and replaced blobs are dropped and counted as discardable: under
	// load the background compaction alone left most of them uncounted
	// (474 of 1001 MB stayed). A full compaction costs about the LSM's
	// size, so the schedule does it at most every gcFlattenEvery.
	if last := s.lastFlatten.Load(); last == 0 || time.Since(time.Unix(0, last)) >= gcFlattenEvery {
		s.lastFlatten.Store(time.Now().UnixNano())
		if err := s.db.Flatten(1); err != nil {
			s.log.Warn("kv: compaction for value-log GC", "err", err)
		}
	}
	// Wait (briefly) for the level-0 compaction to count the garbage.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; {
		if l := s.db.Levels(); len(l) > 0 && l[0].NumTables < s.db.Opts().NumLevelZeroTables {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *Tx) error) error {
	return s.eng.view(func(t engineTxn) error { return fn(&Tx{t: t, s: s}) })
}

// Update runs fn in a read-write transaction and commits it. A commit that
// loses a race (ErrConflict) is retried with fresh data, a bounded number of
// times with a short random pause, so callers see either success or a real error.
func (s *Store) Update(fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		tx := &Tx{writable: true, s: s, shared: s.sharedEngine()}
		err := s.eng.update(func(t engineTxn) error {
			tx.t = t
			if err := fn(tx); err != nil {
				return err
			}
			if tx.views != 0 {
				// Other nodes reload these in-memory views (engine_refresh.go).
				return tx.noteChange()
			}
			return nil
		})
		if err == nil {
			// In-memory views (catalog, counts) change only once the data is durable.
			for _, hook := range tx.hooks {
				hook(s)
			}
			return nil
		}
		if errors.Is(err, errWritesBlocked) && attempt < maxBlockedRetries {
			// A memtable flush for GC (flushForGC) blocks writes for a
			// few tens of milliseconds; Close blocks them for good.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !errors.Is(err, ErrConflict) {
			return err
		}
		if attempt >= maxConflictRetries {
			return fmt.Errorf("kv: update still conflicting after %d retries: %w", attempt, err)
		}
		time.Sleep(time.Duration(mrand.IntN(200*(attempt+1))) * time.Microsecond)
	}
}

// Tx is a transaction. Values read from it are copies, safe to keep.
type Tx struct {
	t        engineTxn
	s        *Store // the store it runs on (engine limits, blob store)
	writable bool
	hooks    []func(*Store)
	// shared: other nodes write the same store; views are then the
	// in-memory views this transaction's writes change (engine_refresh.go).
	shared bool
	views  viewKinds
	apps   []string // applications written (their status stamps change)
}

// afterCommit runs hook once the transaction has committed (never for an
// attempt that failed or was retried).
func (tx *Tx) afterCommit(hook func(*Store)) { tx.hooks = append(tx.hooks, hook) }

// GetRaw returns a copy of the value at key, or ErrNotFound.
func (tx *Tx) GetRaw(key string) ([]byte, error) { return tx.t.get(key) }

// Get decodes the JSON value at key into v, or returns ErrNotFound.
func (tx *Tx) Get(key string, v any) error {
	b, err := tx.GetRaw(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("kv: decode %s: %w", key, err)
	}
	return nil
}

// Exists reports whether key is present.
func (tx *Tx) Exists(key string) (bool, error) { return tx.t.exists(key) }

// KeyCount counts the keys under prefix ("" for all): what a request
// stored, for tests that bound it and for an operator's check of a copy.
func (s *Store) KeyCount(prefix string) (n int, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(string, []byte) error { n++; return nil })
	})
	return n, err
}

// PutRaw stores b at key.
func (tx *Tx) PutRaw(key string, b []byte) error {
	if tx.shared {
		tx.noteWrite(key)
	}
	tx.noteCachedWrite(key)
	return tx.t.set(key, b)
}

// Put stores v as JSON at key.
func (tx *Tx) Put(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("kv: encode %s: %w", key, err)
	}
	return tx.PutRaw(key, b)
}

// Delete removes key (no error when absent).
func (tx *Tx) Delete(key string) error {
	if tx.shared {
		tx.noteWrite(key)
	}
	tx.noteCachedWrite(key)
	return tx.t.delete(key)
}

// ScanOptions tune Scan.
type ScanOptions struct {
	KeysOnly bool   // do not fetch values (index scans)
	Reverse  bool   // descending key order
	After    string // start strictly after this key (pagination); empty = from the start
	Limit    int    // stop after this many entries; 0 = no limit
}

// errStopScan lets a scan callback end the scan early without an error.
var errStopScan = errors.New("kv: stop scan")

// StopScan is returned by a Scan callback to end the scan early.
var StopScan = errStopScan

// Scan calls fn for each key with the given prefix, in key order. val is a
// copy (nil with KeysOnly). Returning StopScan ends the scan without error.
func (tx *Tx) Scan(prefix string, o ScanOptions, fn func(key string, val []byte) error) error {
	n := 0
	err := tx.t.scan(prefix, o.Reverse, o.KeysOnly, o.After, func(k string, v []byte) error {
		if err := fn(k, v); err != nil {
			return err
		}
		n++
		if o.Limit > 0 && n >= o.Limit {
			return errStopScan
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		return nil
	}
	return err
}

// ClaimUnique records that value of the named unique index belongs to owner.
// It fails with a domain ECONFLICT error carrying conflictMsg when another
// owner holds it. Because it runs inside the record's own transaction, two
// concurrent claims cannot both commit: the engine's conflict detection makes the
// loser retry and then see the winner's claim.
func (tx *Tx) ClaimUnique(index, value, owner, conflictMsg string) error {
	key := uniqueKey(index, value)
	cur, err := tx.GetRaw(key)
	switch {
	case errors.Is(err, ErrNotFound):
		return tx.PutRaw(key, []byte(owner))
	case err != nil:
		return err
	case string(cur) == owner:
		return nil
	default:
		return domain.Errorf(domain.ECONFLICT, "%s", conflictMsg)
	}
}

// LookupUnique returns the owner of value in the named unique index, or ErrNotFound.
func (tx *Tx) LookupUnique(index, value string) (string, error) {
	b, err := tx.GetRaw(uniqueKey(index, value))
	return string(b), err
}

// ReleaseUnique frees value in the named index if owner holds it.
func (tx *Tx) ReleaseUnique(index, value, owner string) error {
	key := uniqueKey(index, value)
	cur, err := tx.GetRaw(key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if string(cur) != owner {
		return nil
	}
	return tx.Delete(key)
}

// NewID returns a new record id: 12 hex digits of milliseconds then 8 random
// hex digits, so ids sort by creation time and never collide in practice.
func NewID(now time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%012x%s", now.UnixMilli(), hex.EncodeToString(r[:]))
}

// badgerLogger routes Badger's logs through slog, dropping its chatty info
// and debug lines.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (b badgerLogger) Infof(string, ...any)  {}
func (b badgerLogger) Debugf(string, ...any) {}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
