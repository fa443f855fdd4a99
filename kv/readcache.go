package kv

import (
	"errors"
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// The read cache keeps the stored bytes of the few keys every signed-in
// request reads (its Fiber session, the account's live session id, the
// account) so that a status poll, the most frequent request of a last day,
// reads nothing from the store while none of them changed. A cached value
// stays until a commit of this store writes or deletes its key (the hook
// runs after the commit), or for readCacheTTL at most, which also bounds how
// long a value outlives a storage TTL (a session's idle timeout, checked on
// every request, is shorter than its storage TTL).
//
// Only a store that is the sole writer of its data caches: on a shared
// engine (several nodes on TiKV) another node's write has no hook here, so
// every read goes to the store there.

const (
	readCacheShards = 64
	// readCacheEntries bounds the cache (a session ≈ 0.2 KB, an account
	// ≈ 0.6 KB): ≈ 15 MB at most.
	readCacheEntries = 32_768
	readCacheTTL     = time.Minute
)

// cachedPrefixes are the keys the read cache may hold.
var cachedPrefixes = [...]string{prefixFiber, prefixSession, prefixAccount}

func isCachedKey(key string) bool {
	for _, p := range cachedPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

type readCache struct {
	seed   maphash.Seed
	shards [readCacheShards]readCacheShard
}

type readCacheShard struct {
	mu sync.Mutex
	m  map[string]cachedRead
	// gen counts the invalidations of the shard: a value read from the
	// store is kept only when no write of the shard committed meanwhile.
	gen uint64
}

type cachedRead struct {
	raw   []byte    // nil: the key is absent
	until time.Time // when the entry stops being used: readCacheTTL, or the value's own expiry if sooner
}

func newReadCache() *readCache {
	c := &readCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[string]cachedRead{}
	}
	return c
}

func (c *readCache) shard(key string) *readCacheShard {
	return &c.shards[maphash.String(c.seed, key)%readCacheShards]
}

// get returns the cached value of key and whether there is one, and the
// shard's generation to hand to put after a read from the store.
func (c *readCache) get(key string, now time.Time) (raw []byte, ok bool, gen uint64) {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if ok && !now.Before(e.until) {
		delete(sh.m, key)
		ok = false
	}
	return e.raw, ok, sh.gen
}

// put keeps raw for key until until, unless a write invalidated the shard
// since gen.
func (c *readCache) put(key string, raw []byte, gen uint64, until time.Time) {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen != gen {
		return
	}
	if _, ok := sh.m[key]; !ok && len(sh.m) >= readCacheEntries/readCacheShards {
		for k := range sh.m { // drop an arbitrary entry: it is only read again
			delete(sh.m, k)
			break
		}
	}
	sh.m[key] = cachedRead{raw: raw, until: until}
}

// invalidate forgets key after a commit wrote or deleted it.
func (c *readCache) invalidate(key string) {
	sh := c.shard(key)
	sh.mu.Lock()
	delete(sh.m, key)
	sh.gen++
	sh.mu.Unlock()
}

// noteCachedWrite makes the commit of tx forget key in the read cache.
func (tx *Tx) noteCachedWrite(key string) {
	if isCachedKey(key) {
		tx.afterCommit(func(s *Store) {
			if s.reads != nil {
				s.reads.invalidate(key)
			}
		})
	}
}

// readKeys returns the values of keys (nil for an absent key), from the
// read cache where it holds them and from the store, in one transaction,
// for the rest. The returned slices are shared: read only.
func (s *Store) readKeys(keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if s.reads == nil {
		err := s.View(func(tx *Tx) error { return readInto(tx, keys, out, nil, nil) })
		return out, err
	}
	now := time.Now()
	gens := make([]uint64, len(keys))
	missing := make([]bool, len(keys))
	anyMissing := false
	for i, k := range keys {
		raw, ok, gen := s.reads.get(k, now)
		out[i], gens[i] = raw, gen
		if !ok {
			missing[i], anyMissing = true, true
		}
	}
	if !anyMissing {
		return out, nil
	}
	exps := make([]time.Time, len(keys))
	if err := s.View(func(tx *Tx) error { return readInto(tx, keys, out, exps, missing) }); err != nil {
		return nil, err
	}
	for i, k := range keys {
		if missing[i] {
			until := now.Add(readCacheTTL)
			if !exps[i].IsZero() && exps[i].Before(until) {
				until = exps[i]
			}
			s.reads.put(k, out[i], gens[i], until)
		}
	}
	return out, nil
}

// readInto reads keys[i] into out[i] (and its expiry into exps[i] when
// exps is not nil) where only is nil or only[i].
func readInto(tx *Tx, keys []string, out [][]byte, exps []time.Time, only []bool) error {
	for i, k := range keys {
		if only != nil && !only[i] {
			continue
		}
		b, exp, err := tx.t.getExpiry(k)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		out[i] = b
		if exps != nil {
			exps[i] = exp
		}
	}
	return nil
}
