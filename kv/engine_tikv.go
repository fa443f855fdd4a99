package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	pingcaplog "github.com/pingcap/log"
	tikverr "github.com/tikv/client-go/v2/error"
	tikvkv "github.com/tikv/client-go/v2/kv"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/txnkv"
	"github.com/tikv/client-go/v2/txnkv/transaction"
	"go.uber.org/zap/zapcore"
)

// EngineSpec is a parsed -store value.
type EngineSpec struct {
	TiKV      bool
	PDAddrs   []string // TiKV's placement drivers, host:port
	KeyPrefix string   // this deployment's keys live under KeyPrefix + "/"
}

// defaultKeyPrefix is the deployment prefix when -store names none.
const defaultKeyPrefix = "examreg"

// ParseEngine parses a -store value: "" or "badger" for the embedded store,
// or "tikv://pd1:2379,pd2:2379,pd3:2379/prefix" for a TiKV cluster (the
// path, default "examreg", keeps one deployment's keys apart from another's
// on a shared cluster). A malformed value is refused with a message that
// says what is expected.
func ParseEngine(spec string) (EngineSpec, error) {
	if spec == "" || spec == "badger" {
		return EngineSpec{}, nil
	}
	const example = "tikv://pd1:2379,pd2:2379,pd3:2379/examreg"
	rest, ok := strings.CutPrefix(spec, "tikv://")
	if !ok {
		return EngineSpec{}, fmt.Errorf("-store %q: use badger (the default) or %s", spec, example)
	}
	hosts, prefix, _ := strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		prefix = defaultKeyPrefix
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return EngineSpec{}, fmt.Errorf("-store %q: the key prefix %q may hold only letters, digits, '-', '_' and '.'", spec, prefix)
		}
	}
	out := EngineSpec{TiKV: true, KeyPrefix: prefix}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		host, port, err := net.SplitHostPort(h)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 || strings.ContainsAny(host, "?#@ ") {
			return EngineSpec{}, fmt.Errorf("-store %q: %q is not a PD address host:port (example: %s)", spec, h, example)
		}
		if _, err := url.Parse("http://" + h); err != nil {
			return EngineSpec{}, fmt.Errorf("-store %q: %q is not a PD address host:port (example: %s)", spec, h, example)
		}
		out.PDAddrs = append(out.PDAddrs, h)
	}
	return out, nil
}

// tikvConnectTimeout bounds how long Open waits for the placement drivers.
const tikvConnectTimeout = 20 * time.Second

// openTiKV connects to the cluster spec names, or says why it cannot.
func openTiKV(spec EngineSpec, logger *slog.Logger) (engine, error) {
	type result struct {
		c   *txnkv.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := txnkv.NewClient(spec.PDAddrs)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("kv: cannot reach TiKV's placement drivers %s: %w", strings.Join(spec.PDAddrs, ","), r.err)
		}
		logger.Info("kv: connected to TiKV", "pd", strings.Join(spec.PDAddrs, ","), "prefix", spec.KeyPrefix)
		return newTiKVEngine(r.c.KVStore, spec.KeyPrefix, true), nil
	case <-time.After(tikvConnectTimeout):
		return nil, fmt.Errorf("kv: no answer from TiKV's placement drivers %s within %s", strings.Join(spec.PDAddrs, ","), tikvConnectTimeout)
	}
}

// tikvMaxValue caps one value: well under TiKV's raft entry limit
// (raft-entry-max-size, 8 MiB by default) so a commit never fails there.
// Files are split into chunks of this size (blobs.go).
const tikvMaxValue = 1 << 20

// tikvMaxTxn caps what one transaction buffers (TiKV's own guidance for
// one optimistic transaction is tens of MiB at most).
const tikvMaxTxn = 64 << 20

// tikvEngine keeps the store in a TiKV cluster through client-go's
// optimistic transactions. TiKV checks only written keys for conflicts, so
// a transaction also locks (Op_Lock at prewrite) every key it read and did
// not write: a commit made meanwhile to any of them fails the prewrite with a
// write conflict, which is Badger's guarantee (serializable over the keys
// read) and what Store.Update retries.
//
// Keys: prefix "/k/" + key holds data; prefix "/t/" + expiry + key indexes
// the keys with a TTL for the sweeper. A value is framed: one byte 0 then
// the value, or 1, an 8-byte expiry (Unix ns, big-endian), then the value.
type tikvEngine struct {
	store     *tikv.KVStore
	data      []byte // prefix + "/k/"
	ttlIndex  []byte // prefix + "/t/"
	ownsStore bool
}

func newTiKVEngine(store *tikv.KVStore, prefix string, owns bool) *tikvEngine {
	// client-go logs every lock it meets at info level: routine under
	// contention (Store.Update retries), noise in examreg's log.
	pingcaplog.SetLevel(zapcore.WarnLevel)
	if prefix == "" {
		prefix = defaultKeyPrefix
	}
	return &tikvEngine{store: store, data: []byte(prefix + "/k/"), ttlIndex: []byte(prefix + "/t/"), ownsStore: owns}
}

func (e *tikvEngine) maxValueSize() int { return tikvMaxValue }

func (e *tikvEngine) close() error {
	if e.ownsStore {
		return e.store.Close()
	}
	return nil
}

func (e *tikvEngine) ping() error {
	_, err := e.store.CurrentTimestamp("global")
	return err
}

func (e *tikvEngine) begin(writable bool) (*tikvTxn, error) {
	txn, err := e.store.Begin()
	if err != nil {
		return nil, fmt.Errorf("kv: begin TiKV transaction: %w", err)
	}
	txn.GetUnionStore().SetEntrySizeLimit(tikvMaxValue+64<<10, tikvMaxTxn)
	return &tikvTxn{e: e, txn: txn, writable: writable, now: time.Now(), reads: map[string]struct{}{}}, nil
}

func (e *tikvEngine) view(fn func(engineTxn) error) error {
	t, err := e.begin(false)
	if err != nil {
		return err
	}
	defer t.txn.Rollback()
	return fn(t)
}

func (e *tikvEngine) update(fn func(engineTxn) error) error {
	t, err := e.begin(true)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		t.txn.Rollback()
		return mapTiKVError(err)
	}
	if !t.wrote {
		// Nothing to write: like Badger, a read-only update commits nothing.
		return t.txn.Rollback()
	}
	ctx := context.Background()
	if len(t.reads) > 0 {
		keys := make([][]byte, 0, len(t.reads))
		for k := range t.reads {
			keys = append(keys, []byte(k))
		}
		if err := t.txn.LockKeys(ctx, tikvkv.NewLockCtx(t.txn.StartTS(), tikvkv.LockNoWait, time.Now()), keys...); err != nil {
			t.txn.Rollback()
			return mapTiKVError(err)
		}
	}
	if err := t.txn.Commit(ctx); err != nil {
		return mapTiKVError(err)
	}
	return nil
}

// mapTiKVError gives client-go's errors kv's meaning (wrapping, so the
// original stays matchable).
func mapTiKVError(err error) error {
	var tooLarge *tikverr.ErrTxnTooLarge
	var entryTooLarge *tikverr.ErrEntryTooLarge
	switch {
	case err == nil:
		return nil
	case tikverr.IsErrWriteConflict(err):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: %w", ErrTxnTooBig, err)
	case errors.As(err, &entryTooLarge):
		return fmt.Errorf("%w: %w", ErrValueTooLarge, err)
	}
	return err
}

type tikvTxn struct {
	e        *tikvEngine
	txn      *transaction.KVTxn
	writable bool
	wrote    bool
	now      time.Time
	// reads are the data keys a read-write transaction read, locked at
	// commit so a concurrent write to any of them is a conflict.
	reads map[string]struct{}
}

func (t *tikvTxn) key(k string) []byte {
	b := make([]byte, 0, len(t.e.data)+len(k))
	return append(append(b, t.e.data...), k...)
}

func (t *tikvTxn) noteRead(full []byte) {
	if t.writable {
		t.reads[string(full)] = struct{}{}
	}
}

// decodeValue strips the frame; live is false for an expired value.
func (t *tikvTxn) decodeValue(full, raw []byte) (val []byte, live bool, err error) {
	val, exp, err := t.decodeFrame(full, raw)
	return val, err == nil && (exp.IsZero() || t.now.Before(exp)), err
}

// decodeFrame splits a stored frame into the value and its expiry (zero: never).
func (t *tikvTxn) decodeFrame(full, raw []byte) (val []byte, exp time.Time, err error) {
	if len(raw) == 0 {
		return nil, time.Time{}, fmt.Errorf("kv: %q holds no frame", full)
	}
	switch raw[0] {
	case 0:
		return raw[1:], time.Time{}, nil
	case 1:
		if len(raw) < 9 {
			return nil, time.Time{}, fmt.Errorf("kv: %q has a short expiry frame", full)
		}
		return raw[9:], time.Unix(0, int64(binary.BigEndian.Uint64(raw[1:9]))), nil
	}
	return nil, time.Time{}, fmt.Errorf("kv: %q has an unknown frame %d", full, raw[0])
}

func (t *tikvTxn) get(key string) ([]byte, error) {
	v, _, err := t.getExpiry(key)
	return v, err
}

func (t *tikvTxn) getExpiry(key string) ([]byte, time.Time, error) {
	full := t.key(key)
	t.noteRead(full)
	raw, err := t.txn.Get(context.Background(), full)
	if tikverr.IsErrNotFound(err) {
		return nil, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	v, exp, err := t.decodeFrame(full, raw)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !exp.IsZero() && !t.now.Before(exp) {
		return nil, time.Time{}, ErrNotFound
	}
	return bytes.Clone(v), exp, nil
}

func (t *tikvTxn) exists(key string) (bool, error) {
	_, err := t.get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// errReadOnly refuses a write in View, as Badger does.
var errReadOnly = errors.New("kv: no writes in a read-only transaction")

func (t *tikvTxn) set(key string, val []byte) error {
	if !t.writable {
		return errReadOnly
	}
	if len(val) > tikvMaxValue {
		return valueTooLarge(key, len(val), tikvMaxValue)
	}
	b := make([]byte, 1+len(val))
	copy(b[1:], val)
	t.wrote = true
	return mapTiKVError(t.txn.Set(t.key(key), b))
}

func (t *tikvTxn) setWithTTL(key string, val []byte, ttl time.Duration) error {
	if !t.writable {
		return errReadOnly
	}
	if len(val) > tikvMaxValue {
		return valueTooLarge(key, len(val), tikvMaxValue)
	}
	exp := time.Now().Add(ttl).UnixNano()
	b := make([]byte, 9+len(val))
	b[0] = 1
	binary.BigEndian.PutUint64(b[1:9], uint64(exp))
	copy(b[9:], val)
	t.wrote = true
	if err := t.txn.Set(t.key(key), b); err != nil {
		return mapTiKVError(err)
	}
	return mapTiKVError(t.txn.Set(t.e.ttlIndexKey(exp, key), []byte{0}))
}

func (e *tikvEngine) ttlIndexKey(exp int64, key string) []byte {
	b := make([]byte, 0, len(e.ttlIndex)+8+len(key))
	b = append(b, e.ttlIndex...)
	b = binary.BigEndian.AppendUint64(b, uint64(exp))
	return append(b, key...)
}

func (t *tikvTxn) delete(key string) error {
	if !t.writable {
		return errReadOnly
	}
	t.wrote = true
	return mapTiKVError(t.txn.Delete(t.key(key)))
}

// prefixEnd is the first key after every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (t *tikvTxn) scan(prefix string, reverse, keysOnly bool, after string, fn func(string, []byte) error) error {
	p := t.key(prefix)
	var it interface {
		Valid() bool
		Key() []byte
		Value() []byte
		Next() error
		Close()
	}
	var err error
	switch {
	case reverse && after != "":
		it, err = t.txn.IterReverse(t.key(after)) // keys < after: strictly after in descending order
	case reverse:
		it, err = t.txn.IterReverse(prefixEnd(p))
	case after != "":
		it, err = t.txn.Iter(t.key(after), prefixEnd(p))
	default:
		it, err = t.txn.Iter(p, prefixEnd(p))
	}
	if err != nil {
		return err
	}
	defer it.Close()
	skip := t.key(after)
	for ; it.Valid(); err = it.Next() {
		if err != nil {
			return err
		}
		k := it.Key()
		if !bytes.HasPrefix(k, p) {
			if reverse {
				return nil
			}
			continue
		}
		if after != "" && !reverse && bytes.Equal(k, skip) {
			continue
		}
		t.noteRead(k)
		v, live, err := t.decodeValue(k, it.Value())
		if err != nil {
			return err
		}
		if !live {
			continue
		}
		if keysOnly {
			v = nil
		} else {
			v = bytes.Clone(v)
		}
		if err := fn(string(k[len(t.e.data):]), v); err != nil {
			return err
		}
	}
	return err
}

// sweepExpired deletes up to limit keys whose TTL passed before now, with
// their index entries, and reports how many index entries it removed. A
// key written again since (a later expiry, or none) is left alone.
func (e *tikvEngine) sweepExpired(now time.Time, limit int) (n int, err error) {
	err = e.update(func(et engineTxn) error {
		t := et.(*tikvTxn)
		n = 0
		it, err := t.txn.Iter(e.ttlIndex, e.ttlIndexKey(now.UnixNano(), ""))
		if err != nil {
			return err
		}
		defer it.Close()
		var idx [][]byte
		for ; it.Valid() && len(idx) < limit; err = it.Next() {
			if err != nil {
				return err
			}
			idx = append(idx, bytes.Clone(it.Key()))
		}
		if err != nil {
			return err
		}
		for _, ik := range idx {
			rest := ik[len(e.ttlIndex):]
			exp, key := int64(binary.BigEndian.Uint64(rest[:8])), string(rest[8:])
			full := t.key(key)
			t.noteRead(full)
			raw, err := t.txn.Get(context.Background(), full)
			switch {
			case tikverr.IsErrNotFound(err):
			case err != nil:
				return err
			case len(raw) >= 9 && raw[0] == 1 && int64(binary.BigEndian.Uint64(raw[1:9])) == exp:
				if err := t.txn.Delete(full); err != nil {
					return err
				}
			}
			if err := t.txn.Delete(ik); err != nil {
				return err
			}
			t.wrote = true
			n++
		}
		return nil
	})
	return n, err
}
