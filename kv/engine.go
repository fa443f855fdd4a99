package kv

import (
	"errors"
	"time"
)

// engine is the ordered, transactional key-value store under Store and Tx:
// embedded Badger (engine_badger.go) or a TiKV cluster (engine_tikv.go).
// Everything above it (Tx's methods, the named actions, the handlers) is the
// same for both. An engine guarantees what Badger does: a read-write
// transaction whose reads (point reads and scanned keys) were overwritten by
// a commit made after it started fails with ErrConflict, so invariants that
// rest on a read hold under concurrency (one account per ID number, one open
// order per application, counters, room left in a position).
type engine interface {
	// view runs fn in a read-only transaction.
	view(fn func(engineTxn) error) error
	// update runs fn in a read-write transaction and commits it: one
	// attempt; a lost race returns an error wrapping ErrConflict, which
	// Store.Update retries.
	update(fn func(engineTxn) error) error
	// maxValueSize is the largest value set accepts (0: no cap of ours).
	maxValueSize() int
	close() error
	ping() error
}

// engineTxn is one transaction of an engine. Keys are the store's own keys
// (the engine adds any deployment prefix); values returned are copies.
type engineTxn interface {
	get(key string) ([]byte, error) // ErrNotFound when absent (or expired)
	// getExpiry is get with the time the value expires (zero: never).
	getExpiry(key string) ([]byte, time.Time, error)
	exists(key string) (bool, error)
	set(key string, val []byte) error
	// setWithTTL stores val until ttl has passed; afterwards the key reads
	// as absent and is removed.
	setWithTTL(key string, val []byte, ttl time.Duration) error
	delete(key string) error
	// scan calls fn for each key under prefix in key order (descending with
	// reverse), starting strictly after after when it is not empty. val is
	// nil with keysOnly. An error from fn ends the scan and is returned.
	scan(prefix string, reverse, keysOnly bool, after string, fn func(key string, val []byte) error) error
}

// ErrConflict says a read-write transaction lost a race: a key it read or
// wrote was committed by another transaction after it began. Store.Update
// retries such a transaction on fresh data; callers see it only when the
// retries run out.
var ErrConflict = errors.New("kv: write conflict")

// ErrTxnTooBig says a transaction holds more writes than the engine takes
// in one commit; split the work into smaller transactions.
var ErrTxnTooBig = errors.New("kv: transaction too big")

// ErrValueTooLarge says one value is over the engine's cap (TiKV: well
// under its raft entry limit). Files are split into chunks (blobs.go) or kept
// in object storage; a record this large is a bug.
var ErrValueTooLarge = errors.New("kv: value too large")

// errWritesBlocked says the engine refuses writes for a moment (Badger
// while a memtable flush for GC runs, or for good once closing).
var errWritesBlocked = errors.New("kv: writes blocked")

// sweepBatch bounds the expired keys one sweep transaction removes.
const sweepBatch = 256

// SweepExpired removes the keys whose TTL passed before now. Badger drops
// them itself (compaction); on TiKV, where a TTL is an expiry inside the
// value, the sweeper does (reads already treat them as absent).
func (s *Store) SweepExpired(now time.Time) error {
	e, ok := s.eng.(*tikvEngine)
	if !ok {
		return nil
	}
	for {
		n, err := e.sweepExpired(now, sweepBatch)
		if err != nil || n < sweepBatch {
			return err
		}
	}
}
