package kv

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"examreg/domain"
)

// openAt opens a store in dir (on disk), closed when the test ends unless
// the test closes it itself first.
func openAt(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { _ = s.Close() }) })
	return s
}

func TestGetPutDelete(t *testing.T) {
	s := openAt(t, t.TempDir())
	type rec struct {
		A string
		N int
	}
	if err := s.Update(func(tx *Tx) error { return tx.Put("v1/test/x", rec{"甲", 7}) }); err != nil {
		t.Fatal(err)
	}
	err := s.View(func(tx *Tx) error {
		var r rec
		if err := tx.Get("v1/test/x", &r); err != nil {
			return err
		}
		if r != (rec{"甲", 7}) {
			t.Errorf("got %+v", r)
		}
		if err := tx.Get("v1/test/missing", &r); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing key: %v, want ErrNotFound", err)
		}
		if _, err := tx.GetRaw("v1/test/x"); err != nil {
			t.Errorf("GetRaw of a present key: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A read-only transaction cannot write.
	if err := s.View(func(tx *Tx) error { return tx.PutRaw("v1/test/y", []byte("1")) }); err == nil {
		t.Error("View allowed a write")
	}
	if err := s.Update(func(tx *Tx) error { return tx.Delete("v1/test/x") }); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		if _, err := tx.GetRaw("v1/test/x"); !errors.Is(err, ErrNotFound) {
			t.Error("deleted key still there")
		}
		return nil
	})
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	s := openAt(t, t.TempDir())
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutRaw("v1/test/a", []byte("1")); err != nil {
			return err
		}
		if err := tx.ClaimUnique("test", "v", "owner", "taken"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	_ = s.View(func(tx *Tx) error {
		if _, err := tx.GetRaw("v1/test/a"); !errors.Is(err, ErrNotFound) {
			t.Error("a failed transaction wrote its key")
		}
		if _, err := tx.LookupUnique("test", "v"); !errors.Is(err, ErrNotFound) {
			t.Error("a failed transaction kept its unique claim")
		}
		return nil
	})
}

// 50 goroutines bump one key at once: Badger refuses the losers with
// ErrConflict, Update retries them on fresh data, and every increment lands.
func TestUpdateRetriesConflicts(t *testing.T) {
	s := openAt(t, t.TempDir())
	const workers, each = 50, 1
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < each; i++ {
				errs <- s.Update(func(tx *Tx) error {
					var n int
					if err := tx.Get("v1/test/counter", &n); err != nil && !errors.Is(err, ErrNotFound) {
						return err
					}
					return tx.Put("v1/test/counter", n+1)
				})
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update under contention: %v", err)
		}
	}
	var n int
	if err := s.View(func(tx *Tx) error { return tx.Get("v1/test/counter", &n) }); err != nil {
		t.Fatal(err)
	}
	if n != workers*each {
		t.Fatalf("counter = %d, want %d: increments were lost", n, workers*each)
	}
}

func scanKeys(t *testing.T, s *Store, prefix string, o ScanOptions) []string {
	t.Helper()
	var keys []string
	err := s.View(func(tx *Tx) error {
		return tx.Scan(prefix, o, func(k string, v []byte) error {
			if o.KeysOnly && v != nil {
				t.Errorf("KeysOnly scan returned a value for %s", k)
			}
			if !o.KeysOnly && string(v) != "val:"+k {
				t.Errorf("value of %s = %q", k, v)
			}
			keys = append(keys, k)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestScan(t *testing.T) {
	s := openAt(t, t.TempDir())
	var all []string
	err := s.Update(func(tx *Tx) error {
		// Written out of order; neighbours share a prefix with the scanned one.
		for _, i := range []int{7, 3, 10, 1, 5, 2, 9, 4, 8, 6} {
			k := fmt.Sprintf("v1/t/a/%03d", i)
			all = append(all, k)
			if err := tx.PutRaw(k, []byte("val:"+k)); err != nil {
				return err
			}
		}
		for _, k := range []string{"v1/t/a", "v1/t/ab/001", "v1/t/b/001", "v1/t/", "v1/u/a/001"} {
			if err := tx.PutRaw(k, []byte("val:"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(all)
	rev := slices.Clone(all)
	slices.Reverse(rev)
	const p = "v1/t/a/"

	check := func(name string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
	check("prefix", scanKeys(t, s, p, ScanOptions{}), all)
	check("keys only", scanKeys(t, s, p, ScanOptions{KeysOnly: true}), all)
	check("reverse", scanKeys(t, s, p, ScanOptions{Reverse: true}), rev)
	check("limit", scanKeys(t, s, p, ScanOptions{Limit: 3}), all[:3])
	check("reverse limit", scanKeys(t, s, p, ScanOptions{Reverse: true, Limit: 3}), rev[:3])
	check("after", scanKeys(t, s, p, ScanOptions{After: p + "003"}), all[3:])
	check("reverse after", scanKeys(t, s, p, ScanOptions{Reverse: true, After: p + "005"}), []string{p + "004", p + "003", p + "002", p + "001"})
	check("after a missing key", scanKeys(t, s, p, ScanOptions{After: p + "0035"}), all[3:])
	check("after the last", scanKeys(t, s, p, ScanOptions{After: p + "010"}), nil)
	check("empty prefix range", scanKeys(t, s, "v1/t/c/", ScanOptions{}), nil)
	check("'v1/t/a' is not under 'v1/t/a/'", scanKeys(t, s, "v1/t/b/", ScanOptions{}), []string{"v1/t/b/001"})

	// Pagination: pages of 4 with After = the last key of the previous page
	// visit every key once, both ways.
	for _, reverse := range []bool{false, true} {
		var got []string
		after := ""
		for page := 0; page < 10; page++ {
			keys := scanKeys(t, s, p, ScanOptions{After: after, Limit: 4, Reverse: reverse})
			if len(keys) == 0 {
				break
			}
			got = append(got, keys...)
			after = keys[len(keys)-1]
		}
		want := all
		if reverse {
			want = rev
		}
		check(fmt.Sprintf("pages (reverse %v)", reverse), got, want)
	}

	// StopScan ends early without an error; another error comes back.
	n := 0
	err = s.View(func(tx *Tx) error {
		return tx.Scan(p, ScanOptions{}, func(string, []byte) error {
			n++
			if n == 2 {
				return StopScan
			}
			return nil
		})
	})
	if err != nil || n != 2 {
		t.Errorf("StopScan: err %v after %d entries, want nil after 2", err, n)
	}
	boom := errors.New("boom")
	err = s.View(func(tx *Tx) error {
		return tx.Scan(p, ScanOptions{}, func(string, []byte) error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Errorf("callback error: got %v", err)
	}
}

func TestClaimUnique(t *testing.T) {
	s := openAt(t, t.TempDir())
	claim := func(owner string) error {
		return s.Update(func(tx *Tx) error { return tx.ClaimUnique("code", "A01", owner, "代码已被使用") })
	}
	owner := func() string {
		var o string
		_ = s.View(func(tx *Tx) (err error) {
			o, err = tx.LookupUnique("code", "A01")
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		})
		return o
	}
	if err := claim("p1"); err != nil {
		t.Fatal(err)
	}
	if err := claim("p1"); err != nil {
		t.Fatalf("claiming again by the owner: %v", err)
	}
	err := claim("p2")
	if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorMessage(err) != "代码已被使用" {
		t.Fatalf("claim by another owner: %v, want ECONFLICT with the message", err)
	}
	if o := owner(); o != "p1" {
		t.Fatalf("owner = %q, want p1", o)
	}
	// Only the owner releases.
	if err := s.Update(func(tx *Tx) error { return tx.ReleaseUnique("code", "A01", "p2") }); err != nil {
		t.Fatal(err)
	}
	if o := owner(); o != "p1" {
		t.Fatalf("after a release by a non-owner, owner = %q", o)
	}
	if err := s.Update(func(tx *Tx) error { return tx.ReleaseUnique("code", "A01", "p1") }); err != nil {
		t.Fatal(err)
	}
	if o := owner(); o != "" {
		t.Fatalf("after release, owner = %q", o)
	}
	if err := s.Update(func(tx *Tx) error { return tx.ReleaseUnique("code", "A01", "p1") }); err != nil {
		t.Fatalf("releasing a free value: %v", err)
	}
	if err := claim("p2"); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// Moving a value: release and claim in one transaction.
	err = s.Update(func(tx *Tx) error {
		if err := tx.ReleaseUnique("code", "A01", "p2"); err != nil {
			return err
		}
		return tx.ClaimUnique("code", "A01", "p3", "代码已被使用")
	})
	if err != nil || owner() != "p3" {
		t.Fatalf("move: %v, owner %q", err, owner())
	}
	// Indexes are separate namespaces.
	if err := s.Update(func(tx *Tx) error { return tx.ClaimUnique("other", "A01", "p9", "x") }); err != nil {
		t.Fatal(err)
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)
	a, b := NewID(t0), NewID(t0.Add(time.Millisecond))
	if len(a) != 20 || len(b) != 20 || !(a < b) {
		t.Fatalf("ids %q %q: want 20 characters, sorted by time", a, b)
	}
	if NewID(t0) == NewID(t0) {
		t.Fatal("two ids in the same millisecond collide")
	}
}

// Everything acknowledged is there after a close and reopen: accounts with
// their index, the live session, a small blob and one large enough to live
// in the value log.
func TestRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := openAt(t, dir)
	now := time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)
	acct := &domain.Account{
		ID: NewID(now), Role: domain.RoleCandidate, LoginName: "42010219900307123X", Name: "李小明",
		Phone: "13912345678", PasswordHash: "$argon2id$x", BirthDate: "1990-03-07", Sex: "男",
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateAccount(acct); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLiveSession(acct.ID, "sid-1"); err != nil {
		t.Fatal(err)
	}
	small := []byte("%PDF-1.4 small")
	big := make([]byte, 300<<10) // over the 64 KiB value threshold
	for i := range big {
		big[i] = byte(i * 7)
	}
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutBlob(BlobMeta{ID: "b-small", Name: "推荐表.pdf", ContentType: "application/pdf", OwnerID: acct.ID, CreatedAt: now}, small); err != nil {
			return err
		}
		if err := tx.PutBlob(BlobMeta{ID: "b-big", Name: "photo.jpg", ContentType: "image/jpeg", OwnerID: acct.ID, CreatedAt: now}, big); err != nil {
			return err
		}
		acct.PhotoID = "b-big"
		return tx.PutAccount(acct)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openAt(t, dir)
	got, err := s2.AccountByLogin("42010219900307123X")
	if err != nil {
		t.Fatalf("account after restart: %v", err)
	}
	if got.ID != acct.ID || got.Name != "李小明" || got.PhotoID != "b-big" || !got.CreatedAt.Equal(now) {
		t.Errorf("account after restart = %+v", got)
	}
	if sid := liveSession(t, s2, acct.ID); sid != "sid-1" {
		t.Errorf("live session after restart = %q", sid)
	}
	for id, want := range map[string][]byte{"b-small": small, "b-big": big} {
		m, data, err := s2.Blob(id)
		if err != nil {
			t.Fatalf("blob %s after restart: %v", id, err)
		}
		if !slices.Equal(data, want) || m.Size != len(want) || m.OwnerID != acct.ID {
			t.Errorf("blob %s after restart: %d bytes, meta %+v", id, len(data), m)
		}
	}
	if _, _, err := s2.Blob("nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("missing blob: %v", err)
	}
	// The unique index survived too: the ID number is still taken.
	dup := *acct
	dup.ID = NewID(now.Add(time.Second))
	if err := s2.CreateAccount(&dup); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("duplicate after restart: %v", err)
	}
	if err := s2.Update(func(tx *Tx) error { return tx.DeleteBlob("b-small") }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.Blob("b-small"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("deleted blob: %v", err)
	}
	if err := s2.Ping(); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
