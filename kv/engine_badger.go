package kv

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// badgerEngine is the embedded default: one Badger v4 database in -data.
// Badger's transactions are serializable on their own (every key a
// transaction reads or iterates is checked against later commits).
type badgerEngine struct {
	db *badger.DB
	// maxValue is Badger's own limit: a value must fit one value-log
	// file; in memory (tests), where there is no value log, the value
	// threshold Open was given (Badger's Opts no longer shows it).
	maxValue int
}

func (e badgerEngine) view(fn func(engineTxn) error) error {
	return e.db.View(func(txn *badger.Txn) error { return fn(badgerTxn{txn: txn, max: e.maxValueSize()}) })
}

func (e badgerEngine) update(fn func(engineTxn) error) error {
	err := e.db.Update(func(txn *badger.Txn) error { return fn(badgerTxn{txn: txn, max: e.maxValueSize()}) })
	switch {
	case err == nil:
		return nil
	case errors.Is(err, badger.ErrConflict):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.Is(err, badger.ErrBlockedWrites):
		return fmt.Errorf("%w: %w", errWritesBlocked, err)
	}
	return err
}

func (e badgerEngine) maxValueSize() int { return e.maxValue }

func (e badgerEngine) close() error { return e.db.Close() }

func (e badgerEngine) ping() error { return e.db.View(func(*badger.Txn) error { return nil }) }

type badgerTxn struct {
	txn *badger.Txn
	max int
}

func (t badgerTxn) get(key string) ([]byte, error) {
	v, _, err := t.getExpiry(key)
	return v, err
}

func (t badgerTxn) getExpiry(key string) ([]byte, time.Time, error) {
	item, err := t.txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	var exp time.Time
	if e := item.ExpiresAt(); e > 0 {
		exp = time.Unix(int64(e), 0)
	}
	v, err := item.ValueCopy(nil)
	return v, exp, err
}

func (t badgerTxn) exists(key string) (bool, error) {
	_, err := t.txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (t badgerTxn) set(key string, val []byte) error {
	if len(val) > t.max {
		return valueTooLarge(key, len(val), t.max)
	}
	return wrapTooBig(t.txn.Set([]byte(key), val))
}

func (t badgerTxn) setWithTTL(key string, val []byte, ttl time.Duration) error {
	if len(val) > t.max {
		return valueTooLarge(key, len(val), t.max)
	}
	return wrapTooBig(t.txn.SetEntry(badger.NewEntry([]byte(key), val).WithTTL(ttl)))
}

func (t badgerTxn) delete(key string) error { return wrapTooBig(t.txn.Delete([]byte(key))) }

// wrapTooBig keeps badger.ErrTxnTooBig matchable and adds kv's own.
func wrapTooBig(err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return fmt.Errorf("%w: %w", ErrTxnTooBig, err)
	}
	return err
}

func (t badgerTxn) scan(prefix string, reverse, keysOnly bool, after string, fn func(string, []byte) error) error {
	io := badger.DefaultIteratorOptions
	io.PrefetchValues = !keysOnly
	io.Reverse = reverse
	io.Prefix = []byte(prefix)
	it := t.txn.NewIterator(io)
	defer it.Close()
	p := []byte(prefix)
	start := p
	if reverse {
		// Seek in reverse lands on the largest key <= seek: start past every key with the prefix.
		start = append(append([]byte{}, p...), 0xff, 0xff, 0xff, 0xff)
	}
	if after != "" {
		start = []byte(after)
	}
	for it.Seek(start); it.ValidForPrefix(p); it.Next() {
		item := it.Item()
		k := item.KeyCopy(nil)
		if after != "" && bytes.Equal(k, []byte(after)) {
			continue
		}
		var v []byte
		if !keysOnly {
			var err error
			if v, err = item.ValueCopy(nil); err != nil {
				return err
			}
		}
		if err := fn(string(k), v); err != nil {
			return err
		}
	}
	return nil
}

func valueTooLarge(key string, n, max int) error {
	return fmt.Errorf("%w: %s is %d bytes, the store takes at most %d in one value", ErrValueTooLarge, key, n, max)
}
