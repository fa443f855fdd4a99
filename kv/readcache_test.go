package kv

import (
	"testing"
	"time"
)

// A value read from the store before a commit changed its key must not be
// kept once the commit has invalidated it (the reader would cache the old
// value for good); entries end at their own expiry or readCacheTTL.
func TestReadCacheKeepsNoValueOlderThanAWrite(t *testing.T) {
	c := newReadCache()
	now := time.Now()
	const key = prefixFiber + "sess"
	_, ok, gen := c.get(key, now)
	if ok {
		t.Fatal("empty cache has the key")
	}
	c.invalidate(key) // a commit lands between the reader's store read and its put
	c.put(key, []byte("old"), gen, now.Add(time.Minute))
	if _, ok, _ := c.get(key, now); ok {
		t.Fatal("a value read before the write was kept")
	}
	_, _, gen = c.get(key, now)
	c.put(key, []byte("new"), gen, now.Add(time.Second))
	if raw, ok, _ := c.get(key, now); !ok || string(raw) != "new" {
		t.Fatalf("fresh value not kept: %q %v", raw, ok)
	}
	if _, ok, _ := c.get(key, now.Add(time.Second)); ok {
		t.Fatal("entry used past its expiry")
	}
}

// Through the store: a committed write of a cached key is seen by the next
// read, whether it wrote or deleted the key or the key was absent before.
func TestReadCacheFollowsCommits(t *testing.T) {
	s := openAt(t, t.TempDir())
	f := NewFiberStorage(s)
	if err := f.Set("sid", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read comes from the cache
		if b, _ := f.Get("sid"); string(b) != "v1" {
			t.Fatalf("Get = %q", b)
		}
	}
	if err := s.Update(func(tx *Tx) error { return tx.PutRaw(prefixFiber+"sid", []byte("v2")) }); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Get("sid"); string(b) != "v2" {
		t.Fatalf("after a commit: %q", b)
	}
	if err := f.Delete("sid"); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Get("sid"); b != nil {
		t.Fatalf("after a delete: %q", b)
	}
	b, _ := f.Get("absent")
	if b != nil {
		t.Fatalf("absent key: %q", b)
	}
	if err := f.Set("absent", []byte("now"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Get("absent"); string(b) != "now" {
		t.Fatalf("a cached absence outlived the write: %q", b)
	}
}
