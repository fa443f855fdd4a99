package kv

import (
	"bytes"
	"time"
)

// prefixFiber holds Fiber's own middleware state (sessions, rate-limiter
// counters), keyed by Fiber's key.
const prefixFiber = "v1/fiber/"

// FiberStorage is a fiber.Storage over the store: Fiber's sessions and
// rate-limiter entries live with everything else, on whichever engine the
// store runs, so any node of several sees the same sessions (a login on one
// node is valid on the next; 安全退出 on one ends it everywhere). Entries
// with an expiry use the store's TTL.
type FiberStorage struct{ s *Store }

// NewFiberStorage returns the fiber.Storage of the store.
func NewFiberStorage(s *Store) *FiberStorage { return &FiberStorage{s: s} }

// Get returns the value at key, or nil (and no error) when there is none.
func (f *FiberStorage) Get(key string) (b []byte, err error) {
	if key == "" {
		return nil, nil
	}
	vals, err := f.s.readKeys(prefixFiber + key) // a session: read on every request (readcache.go)
	if err != nil || vals[0] == nil {
		return nil, err
	}
	return bytes.Clone(vals[0]), nil // Fiber's callers may keep or change it
}

// Set stores val at key, for exp when exp > 0.
func (f *FiberStorage) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	return f.s.Update(func(tx *Tx) error {
		if exp > 0 {
			return tx.putRawTTL(prefixFiber+key, val, exp)
		}
		return tx.PutRaw(prefixFiber+key, val)
	})
}

// Delete removes key (no error when absent).
func (f *FiberStorage) Delete(key string) error {
	if key == "" {
		return nil
	}
	return f.s.Update(func(tx *Tx) error { return tx.Delete(prefixFiber + key) })
}

// Reset removes every entry (all sessions end), a batch per transaction.
func (f *FiberStorage) Reset() error { return f.s.deletePrefixInBatches(prefixFiber, 1000) }

// Close does nothing: the store is closed by its owner.
func (f *FiberStorage) Close() error { return nil }
