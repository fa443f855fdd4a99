package kv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tikv/client-go/v2/testutils"
	"github.com/tikv/client-go/v2/tikv"

	"examreg/domain"
)

// The conformance suite runs the same checks of kv's API against every
// engine: Badger (in memory) and TiKV (client-go's in-process mock cluster
// with one bootstrapped store). An engine behind kv must pass all of them.

// NewMockTiKV starts client-go's in-process mock TiKV (one region on one
// store), closed when the test ends. Several Stores may share it, as
// several examreg nodes share one cluster.
func newMockTiKV(t testing.TB) *tikv.KVStore {
	t.Helper()
	client, cluster, pdClient, err := testutils.NewMockTiKV("", nil)
	if err != nil {
		t.Fatal(err)
	}
	testutils.BootstrapWithSingleStore(cluster)
	st, err := tikv.NewTestTiKVStore(client, pdClient, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// openOnTiKV opens a Store on a (mock) cluster under prefix.
func openOnTiKV(t testing.TB, st *tikv.KVStore, prefix string) *Store {
	t.Helper()
	s, err := Open(Options{TiKV: st, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// forEachEngine runs test once per engine on a fresh, empty store.
func forEachEngine(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Run("badger", func(t *testing.T) {
		s, err := Open(Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		test(t, s)
	})
	t.Run("tikv", func(t *testing.T) {
		test(t, openOnTiKV(t, newMockTiKV(t), "conformance"))
	})
}

func TestConformanceGetPutDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		if err := s.Update(func(tx *Tx) error {
			if err := tx.PutRaw("v1/c/a", []byte("甲")); err != nil {
				return err
			}
			return tx.PutRaw("v1/c/empty", nil) // an empty value is a value
		}); err != nil {
			t.Fatal(err)
		}
		err := s.View(func(tx *Tx) error {
			if b, err := tx.GetRaw("v1/c/a"); err != nil || string(b) != "甲" {
				t.Errorf("GetRaw = %q, %v", b, err)
			}
			if ok, err := tx.Exists("v1/c/empty"); !ok || err != nil {
				t.Errorf("Exists(empty value) = %v, %v", ok, err)
			}
			if _, err := tx.GetRaw("v1/c/missing"); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing key: %v, want ErrNotFound", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.View(func(tx *Tx) error { return tx.PutRaw("v1/c/b", []byte("1")) }); err == nil {
			t.Error("View allowed a write")
		}
		// A failed Update writes nothing.
		boom := errors.New("boom")
		if err := s.Update(func(tx *Tx) error {
			if err := tx.PutRaw("v1/c/half", []byte("1")); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("Update = %v, want boom", err)
		}
		if err := s.Update(func(tx *Tx) error {
			// A transaction reads its own writes and deletes.
			if err := tx.Delete("v1/c/a"); err != nil {
				return err
			}
			if ok, _ := tx.Exists("v1/c/a"); ok {
				t.Error("a key deleted in the transaction is still seen in it")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.KeyCount("v1/c/"); err != nil || n != 1 {
			t.Errorf("KeyCount = %d, %v; want 1 (only the empty value is left)", n, err)
		}
	})
}

func TestConformanceScanOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		keys := []string{"v1/s/b", "v1/s/a", "v1/s/c/1", "v1/s/c", "v1/sx", "v1/r", "v1/s/\xff"}
		if err := s.Update(func(tx *Tx) error {
			for _, k := range keys {
				if err := tx.PutRaw(k, []byte("val "+k)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		scan := func(prefix string, o ScanOptions) (got []string) {
			t.Helper()
			err := s.View(func(tx *Tx) error {
				return tx.Scan(prefix, o, func(k string, v []byte) error {
					if o.KeysOnly && v != nil {
						t.Errorf("KeysOnly scan gave a value for %s", k)
					}
					if !o.KeysOnly && string(v) != "val "+k {
						t.Errorf("value of %s = %q", k, v)
					}
					got = append(got, k)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, c := range []struct {
			prefix string
			o      ScanOptions
			want   []string
		}{
			{"v1/s/", ScanOptions{}, []string{"v1/s/a", "v1/s/b", "v1/s/c", "v1/s/c/1", "v1/s/\xff"}},
			{"v1/s/", ScanOptions{KeysOnly: true, Reverse: true}, []string{"v1/s/\xff", "v1/s/c/1", "v1/s/c", "v1/s/b", "v1/s/a"}},
			{"v1/s/", ScanOptions{After: "v1/s/b"}, []string{"v1/s/c", "v1/s/c/1", "v1/s/\xff"}},
			{"v1/s/", ScanOptions{After: "v1/s/c", Reverse: true}, []string{"v1/s/b", "v1/s/a"}},
			{"v1/s/", ScanOptions{Limit: 2}, []string{"v1/s/a", "v1/s/b"}},
			{"v1/s/", ScanOptions{Limit: 2, Reverse: true, KeysOnly: true}, []string{"v1/s/\xff", "v1/s/c/1"}},
			{"v1/s/c", ScanOptions{}, []string{"v1/s/c", "v1/s/c/1"}},
			{"v1/none/", ScanOptions{}, nil},
			{"v1/", ScanOptions{KeysOnly: true, After: "v1/meta/\xff"}, []string{"v1/r", "v1/s/a", "v1/s/b", "v1/s/c", "v1/s/c/1", "v1/s/\xff", "v1/sx"}},
		} {
			if got := scan(c.prefix, c.o); !slices.Equal(got, c.want) {
				t.Errorf("Scan(%q, %+v) = %q, want %q", c.prefix, c.o, got, c.want)
			}
		}
		// StopScan ends a scan without an error.
		n := 0
		if err := s.View(func(tx *Tx) error {
			return tx.Scan("v1/s/", ScanOptions{}, func(string, []byte) error { n++; return StopScan })
		}); err != nil || n != 1 {
			t.Errorf("StopScan: %d calls, %v", n, err)
		}
	})
}

// TestConformanceUniqueUnderConcurrency registers one ID number from 50
// goroutines at once through the real action: exactly one account.
func TestConformanceUniqueUnderConcurrency(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		const n = 50
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a := &domain.Account{ID: fmt.Sprintf("acct%02d", i), LoginName: "110101199001011234", Role: domain.RoleCandidate}
				switch err := s.CreateAccount(a); {
				case err == nil:
					ok.Add(1)
				case domain.ErrorCode(err) == domain.ECONFLICT:
					refused.Add(1)
				default:
					t.Errorf("CreateAccount: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 || refused.Load() != n-1 {
			t.Fatalf("%d accounts created, %d refused; want 1 and %d", ok.Load(), refused.Load(), n-1)
		}
		if c, err := s.KeyCount(prefixAccount); err != nil || c != 1 {
			t.Errorf("%d account records, %v; want 1", c, err)
		}
	})
}

// TestConformanceWriteSkew: two transactions each read both keys of an
// invariant ("at least one of a, b stays on") and switch off a different
// one. Without read-set conflicts both commit and the invariant breaks
// (TiKV's plain optimistic transactions check only written keys).
func TestConformanceWriteSkew(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		for round := range 5 {
			if err := s.Update(func(tx *Tx) error {
				if err := tx.PutRaw("v1/skew/a", []byte("on")); err != nil {
					return err
				}
				return tx.PutRaw("v1/skew/b", []byte("on"))
			}); err != nil {
				t.Fatal(err)
			}
			var bothRead sync.WaitGroup
			bothRead.Add(2)
			var refusals atomic.Int32
			var wg sync.WaitGroup
			for _, mine := range []string{"v1/skew/a", "v1/skew/b"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					first := true
					err := s.Update(func(tx *Tx) error {
						on := 0
						for _, k := range []string{"v1/skew/a", "v1/skew/b"} {
							v, err := tx.GetRaw(k)
							if err != nil {
								return err
							}
							if string(v) == "on" {
								on++
							}
						}
						if first { // both read before either commits
							first = false
							bothRead.Done()
							bothRead.Wait()
						}
						if on < 2 {
							return domain.Errorf(domain.ECONFLICT, "the other one is off")
						}
						return tx.PutRaw(mine, []byte("off"))
					})
					if domain.ErrorCode(err) == domain.ECONFLICT {
						refusals.Add(1)
					} else if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			var on int
			_ = s.View(func(tx *Tx) error {
				return tx.Scan("v1/skew/", ScanOptions{}, func(_ string, v []byte) error {
					if string(v) == "on" {
						on++
					}
					return nil
				})
			})
			if on != 1 || refusals.Load() != 1 {
				t.Fatalf("round %d: %d keys left on, %d refused; want 1 and 1 (write skew)", round, on, refusals.Load())
			}
		}
	})
}

// TestConformanceScanSkew: the same guarantee when the invariant rests on a
// scan (the sum of sharded counters under a cap, like a position's room):
// 12 workers all see 2 places left before any commits; 2 may take one.
// The shards exist beforehand, as counters do: a key created inside a
// scanned range (a phantom) is not a conflict on Badger either.
func TestConformanceScanSkew(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		const limit, workers = 5, 12
		if err := s.Update(func(tx *Tx) error {
			for i := range workers {
				if err := tx.PutRaw(fmt.Sprintf("v1/room/w%02d", i), []byte("0")); err != nil {
					return err
				}
			}
			return tx.PutRaw("v1/room/base", []byte("3"))
		}); err != nil {
			t.Fatal(err)
		}
		var allRead sync.WaitGroup
		allRead.Add(workers)
		var wg sync.WaitGroup
		var took atomic.Int32
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				err := s.Update(func(tx *Tx) error {
					total := 0
					if err := tx.Scan("v1/room/", ScanOptions{}, func(_ string, v []byte) error {
						n, _ := strconv.Atoi(string(v))
						total += n
						return nil
					}); err != nil {
						return err
					}
					if first {
						first = false
						allRead.Done()
						allRead.Wait()
					}
					if total >= limit {
						return domain.Errorf(domain.ECONFLICT, "full")
					}
					return tx.PutRaw(fmt.Sprintf("v1/room/w%02d", i), []byte("1"))
				})
				if err == nil {
					took.Add(1)
				} else if domain.ErrorCode(err) != domain.ECONFLICT {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		total := 0
		_ = s.View(func(tx *Tx) error {
			return tx.Scan("v1/room/", ScanOptions{}, func(_ string, v []byte) error {
				n, _ := strconv.Atoi(string(v))
				total += n
				return nil
			})
		})
		if total != limit || took.Load() != 2 {
			t.Fatalf("total %d (%d places granted), want %d (2 granted)", total, took.Load(), limit)
		}
	})
}

// TestConformanceConflictRetry: 40 concurrent increments of one key all
// land (each lost race is retried on fresh data).
func TestConformanceConflictRetry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		const n = 40
		var wg sync.WaitGroup
		var attempts atomic.Int32
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Update(func(tx *Tx) error {
					attempts.Add(1)
					cur := 0
					if v, err := tx.GetRaw("v1/counter"); err == nil {
						cur, _ = strconv.Atoi(string(v))
					} else if !errors.Is(err, ErrNotFound) {
						return err
					}
					return tx.PutRaw("v1/counter", []byte(strconv.Itoa(cur+1)))
				}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var got []byte
		_ = s.View(func(tx *Tx) (err error) { got, err = tx.GetRaw("v1/counter"); return err })
		if string(got) != strconv.Itoa(n) {
			t.Fatalf("counter = %s, want %d", got, n)
		}
		t.Logf("%d attempts for %d increments", attempts.Load(), n)
	})
}

// TestConformanceTTL: a value with a TTL (login throttle, spent tokens,
// sessions) reads as absent once it expires, and is then removed.
func TestConformanceTTL(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		if err := s.SpendOnce("test", "tok", time.Second); err != nil {
			t.Fatal(err)
		}
		if err := s.SpendOnce("test", "tok", time.Second); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second spend: %v, want ECONFLICT", err)
		}
		if err := s.SpendOnce("test", "long", time.Hour); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond) // Badger's expiry has one-second steps
		if err := s.SpendOnce("test", "tok", time.Second); err != nil {
			t.Fatalf("spend after expiry: %v", err)
		}
		// Overwritten with a plain value, a key loses its old expiry.
		if err := s.Update(func(tx *Tx) error { return tx.putRawTTL("v1/ttl/x", []byte("1"), time.Second) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(func(tx *Tx) error { return tx.PutRaw("v1/ttl/x", []byte("2")) }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		if err := s.SweepExpired(time.Now()); err != nil {
			t.Fatal(err)
		}
		if b, err := s.getRaw("v1/ttl/x"); err != nil || string(b) != "2" {
			t.Errorf("a key rewritten without TTL = %q, %v", b, err)
		}
		// "tok" was spent again with a second to live, so only "long" is left.
		if n, err := s.KeyCount(prefixOnce); err != nil || n != 1 {
			t.Errorf("%d live tokens, %v; want 1", n, err)
		}
		if e, ok := s.eng.(*tikvEngine); ok {
			// The sweeper removed the expired key and every index entry.
			var raw int
			_ = e.view(func(et engineTxn) error {
				it, err := et.(*tikvTxn).txn.Iter(e.ttlIndex, prefixEnd(e.ttlIndex))
				if err != nil {
					return err
				}
				defer it.Close()
				for ; it.Valid(); _ = it.Next() {
					raw++
				}
				return nil
			})
			if raw != 1 {
				t.Errorf("%d TTL index entries left, want 1 (the live token)", raw)
			}
		}
	})
}

// TestConformanceLargeValue: a value over the engine's cap is refused with
// ErrValueTooLarge and nothing of the transaction is written.
func TestConformanceLargeValue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		big := make([]byte, s.eng.maxValueSize()+1)
		err := s.Update(func(tx *Tx) error {
			if err := tx.PutRaw("v1/big/rec", []byte("x")); err != nil {
				return err
			}
			return tx.PutRaw("v1/big/value", big)
		})
		if !errors.Is(err, ErrValueTooLarge) {
			t.Fatalf("Update = %v, want ErrValueTooLarge", err)
		}
		if n, _ := s.KeyCount("v1/big/"); n != 0 {
			t.Errorf("%d keys written by a refused transaction", n)
		}
	})
}

// TestConformancePrefixIsolation: two deployments on one cluster do not see
// each other's keys.
func TestConformancePrefixIsolation(t *testing.T) {
	st := newMockTiKV(t)
	a, b := openOnTiKV(t, st, "hubei"), openOnTiKV(t, st, "hunan")
	if err := a.Update(func(tx *Tx) error { return tx.PutRaw("v1/x", []byte("a")) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.KeyCount("v1/x"); n != 0 {
		t.Errorf("deployment hunan sees %d keys of hubei", n)
	}
	if n, _ := a.KeyCount("v1/x"); n != 1 {
		t.Errorf("deployment hubei sees %d of its keys, want 1", n)
	}
}

func TestParseEngine(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    EngineSpec
		wantErr bool
	}{
		{"", EngineSpec{}, false},
		{"badger", EngineSpec{}, false},
		{"tikv://pd1:2379,pd2:2379,pd3:2379/hubei-2026", EngineSpec{TiKV: true, PDAddrs: []string{"pd1:2379", "pd2:2379", "pd3:2379"}, KeyPrefix: "hubei-2026"}, false},
		{"tikv://127.0.0.1:2379", EngineSpec{TiKV: true, PDAddrs: []string{"127.0.0.1:2379"}, KeyPrefix: "examreg"}, false},
		{"tikv://pd1", EngineSpec{}, true},
		{"tikv://pd1:99999", EngineSpec{}, true},
		{"tikv://:2379", EngineSpec{}, true},
		{"tikv://pd1:2379,,pd2:2379", EngineSpec{}, true},
		{"tikv://pd1:2379/a b", EngineSpec{}, true},
		{"mysql://x", EngineSpec{}, true},
		{"tikv:/pd1:2379", EngineSpec{}, true},
	} {
		got, err := ParseEngine(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseEngine(%q) error = %v, want error %v", c.in, err, c.wantErr)
			continue
		}
		if err == nil && (got.TiKV != c.want.TiKV || got.KeyPrefix != c.want.KeyPrefix || !slices.Equal(got.PDAddrs, c.want.PDAddrs)) {
			t.Errorf("ParseEngine(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// getRaw reads one value in its own transaction.
func (s *Store) getRaw(key string) (b []byte, err error) {
	err = s.View(func(tx *Tx) error { b, err = tx.GetRaw(key); return err })
	return b, err
}

// TestConformanceFiberStorage: Fiber's sessions and limiter entries kept in
// the store: get/set/delete, expiry, reset.
func TestConformanceFiberStorage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		f := NewFiberStorage(s)
		if b, err := f.Get("missing"); b != nil || err != nil {
			t.Fatalf("Get(missing) = %q, %v; want nil, nil", b, err)
		}
		if err := f.Set("sess1", []byte("gob"), 0); err != nil {
			t.Fatal(err)
		}
		if err := f.Set("limiter:1.2.3.4", []byte("7"), time.Second); err != nil {
			t.Fatal(err)
		}
		if b, _ := f.Get("sess1"); string(b) != "gob" {
			t.Errorf("Get(sess1) = %q", b)
		}
		if b, _ := f.Get("limiter:1.2.3.4"); string(b) != "7" {
			t.Errorf("Get(limiter) = %q", b)
		}
		if err := f.Delete("sess1"); err != nil {
			t.Fatal(err)
		}
		if b, _ := f.Get("sess1"); b != nil {
			t.Errorf("deleted session still there: %q", b)
		}
		time.Sleep(2100 * time.Millisecond)
		if b, _ := f.Get("limiter:1.2.3.4"); b != nil {
			t.Errorf("expired entry still there: %q", b)
		}
		for i := range 1500 {
			if err := f.Set(fmt.Sprintf("s%04d", i), []byte("x"), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Reset(); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.KeyCount(prefixFiber); n != 0 {
			t.Errorf("%d entries left after Reset", n)
		}
	})
}

// TestLeaseOneNodeAtATime: two nodes on one cluster run a leased worker;
// it runs on one at a time, and moves to the other when its node stops.
func TestLeaseOneNodeAtATime(t *testing.T) {
	st := newMockTiKV(t)
	a, b := openOnTiKV(t, st, "lease"), openOnTiKV(t, st, "lease")
	var running, maxRunning atomic.Int32
	ran := map[string]*atomic.Int32{"a": {}, "b": {}}
	worker := func(node string) func(context.Context) {
		return func(ctx context.Context) {
			if n := running.Add(1); n > maxRunning.Load() {
				maxRunning.Store(n)
			}
			ran[node].Add(1)
			<-ctx.Done()
			running.Add(-1)
		}
	}
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA, doneB := make(chan struct{}), make(chan struct{})
	const ttl = 300 * time.Millisecond
	go func() { defer close(doneA); a.RunLeased(ctxA, "w", ttl, worker("a")) }()
	time.Sleep(50 * time.Millisecond)
	go func() { defer close(doneB); b.RunLeased(ctxB, "w", ttl, worker("b")) }()
	time.Sleep(4 * ttl)
	if ran["a"].Load() != 1 || ran["b"].Load() != 0 || maxRunning.Load() != 1 {
		t.Fatalf("while a holds the lease: a ran %d, b ran %d, at most %d at once", ran["a"].Load(), ran["b"].Load(), maxRunning.Load())
	}
	stopA()
	<-doneA
	deadline := time.Now().Add(3 * ttl)
	for ran["b"].Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if ran["b"].Load() != 1 || maxRunning.Load() != 1 {
		t.Fatalf("after a stopped: b ran %d times, at most %d at once", ran["b"].Load(), maxRunning.Load())
	}
	stopB()
	<-doneB
}
