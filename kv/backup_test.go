package kv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"examreg/domain"
)

// knownIDNumber is a 身份证号 the encryption test looks for in the files.
const knownIDNumber = "42010219900307123X"

// populate fills s with what a real store holds: accounts with unique
// indexes, applications in every state the review path reaches, blobs small
// and large (the large one lives in the value log), audit entries and a
// key with a TTL.
func populate(t *testing.T, s *Store) {
	t.Helper()
	ids := seedApps(t, s, 8, 3)
	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin}
	// App i is advanced i steps: position_selected, confirmed,
	// materials_uploaded, submitted, returned, then reviewed below.
	for i, id := range ids {
		for range min(i, 4) {
			if err := advance(s, id, admin); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 3 { // ids[5]: submitted, then approved
		if err := advance(s, ids[5], admin); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ReviewApplication(ids[5], admin, domain.Decision{Action: domain.ActionApprove}, benchStart); err != nil {
		t.Fatal(err)
	}
	for range 3 { // ids[6]: submitted, then rejected
		if err := advance(s, ids[6], admin); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ReviewApplication(ids[6], admin, domain.Decision{Action: domain.ActionReject, Reason: "学历不符"}, benchStart); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		a := &domain.Account{ID: NewID(benchStart), Role: domain.RoleCandidate, LoginName: fmt.Sprintf("4201021990030712%02d", i),
			Name: "考生" + fmt.Sprint(i), PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$x$y", CreatedAt: benchStart}
		if i == 0 {
			a.LoginName = knownIDNumber
		}
		if err := s.CreateAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	large := bytes.Repeat([]byte("%PDF-1.4 推荐表 "), 20000) // ~360 KB: over the value threshold
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutBlob(BlobMeta{ID: "blob-large", Name: "推荐表.pdf", ContentType: "application/pdf", OwnerID: "c00000001", CreatedAt: benchStart}, large); err != nil {
			return err
		}
		if err := tx.PutBlob(BlobMeta{ID: "blob-small", Name: "照片.jpg", ContentType: "image/jpeg", OwnerID: "c00000002", CreatedAt: benchStart}, []byte("\xff\xd8\xff small")); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: benchStart, ActorID: "adm", Action: "exam.update", Target: "e1", Detail: "改名", IP: "10.0.0.1"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SpendOnce("captcha", "abc", time.Hour); err != nil {
		t.Fatal(err)
	}
}

// record is one key as Badger holds it.
type record struct {
	value     string
	expiresAt uint64
	userMeta  byte
}

// dump reads every live key of s.
func dump(t *testing.T, s *Store) map[string]record {
	t.Helper()
	out := map[string]record{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(item.KeyCopy(nil))] = record{value: string(v), expiresAt: item.ExpiresAt(), userMeta: item.UserMeta()}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compareDumps(t *testing.T, want, got map[string]record) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("restored %d keys, the original has %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("key %q missing after restore", k)
		case g != w:
			t.Errorf("key %q differs after restore: %d bytes, expires %d; want %d bytes, expires %d", k, len(g.value), g.expiresAt, len(w.value), w.expiresAt)
		}
	}
}

// TestBackupRestoreRoundTrip: a backup of a populated store (accounts,
// applications in every state reached, blobs, audit, a TTL key), taken
// while the store is open, restores into an empty directory with every
// record equal: key, value, expiry and meta. Encrypted stores too.
func TestBackupRestoreRoundTrip(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			var key []byte
			if encrypted {
				key = bytes.Repeat([]byte{7}, EncryptionKeySize)
			}
			s, err := Open(Options{Dir: t.TempDir(), EncryptionKey: key})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			populate(t, s)
			states := map[domain.State]bool{}
			apps, _ := s.ApplicationsPerState()
			for st := range apps {
				states[domain.State(st)] = true
			}
			for _, st := range []domain.State{domain.StatePositionSelected, domain.StateConfirmed, domain.StateMaterialsUploaded,
				domain.StateSubmitted, domain.StateReturned, domain.StateApproved, domain.StateRejected} {
				if !states[st] {
					t.Errorf("the populated store has no application in state %s (%v)", st, apps)
				}
			}
			want := dump(t, s)

			var buf bytes.Buffer
			st, err := s.Backup(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if st.Bytes != int64(buf.Len()) || st.Encrypted != encrypted {
				t.Fatalf("stats %+v for %d bytes", st, buf.Len())
			}
			if encrypted && bytes.Contains(buf.Bytes(), []byte(knownIDNumber)) {
				t.Fatal("the backup of an encrypted store holds an ID number in the clear")
			}
			if !encrypted && !bytes.Contains(buf.Bytes(), []byte(knownIDNumber)) {
				t.Fatal("a plain backup should hold the ID number (the check above would prove nothing)")
			}

			dir := filepath.Join(t.TempDir(), "restored")
			if err := Restore(dir, bytes.NewReader(buf.Bytes()), key); err != nil {
				t.Fatal(err)
			}
			r, err := Open(Options{Dir: dir, EncryptionKey: key})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			compareDumps(t, want, dump(t, r))
			if a, err := r.AccountByLogin(knownIDNumber); err != nil || a.Name != "考生0" {
				t.Errorf("restored account: %+v, %v", a, err)
			}
			if log, _ := r.AuditLog(10); len(log) == 0 {
				t.Error("restored audit log is empty")
			}
			if got, want := r.CountTotals("e1"), s.CountTotals("e1"); got != want {
				t.Errorf("restored counts %+v, want %+v", got, want)
			}
		})
	}
}

// TestRestoreRefuses: a non-empty directory, a backup cut short or
// altered anywhere, an encrypted backup without or with the wrong key: each
// is refused, and the target directory is left as empty as it was.
func TestRestoreRefuses(t *testing.T) {
	key := bytes.Repeat([]byte{9}, EncryptionKeySize)
	backupOf := func(key []byte) []byte {
		s, err := Open(Options{Dir: t.TempDir(), EncryptionKey: key})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		populate(t, s)
		var buf bytes.Buffer
		if _, err := s.Backup(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	plain, enc := backupOf(nil), backupOf(key)

	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "MANIFEST"), []byte("x"), 0o600)
	if err := Restore(full, bytes.NewReader(plain), nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a non-empty directory: %v", err)
	}

	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0x01
		return c
	}
	cases := []struct {
		name string
		data []byte
		key  []byte
		want string
	}{
		{"plain cut short in the middle", plain[:len(plain)/2], nil, "incomplete"},
		{"plain without its last frame", plain[:len(plain)-40], nil, ""},
		{"plain altered", flip(plain, len(plain)/2), nil, ""},
		{"encrypted cut short", enc[:len(enc)/2], key, "incomplete"},
		{"encrypted without its last frame", enc[:len(enc)-20], key, ""},
		{"encrypted altered", flip(enc, len(enc)/2), key, "decrypted"},
		{"encrypted without a key", enc, nil, "encrypted"},
		{"encrypted with another key", enc, bytes.Repeat([]byte{1}, EncryptionKeySize), "decrypted"},
		{"not a backup", []byte("hello, world: no backup here"), nil, "not an examreg backup"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r")
			err := Restore(dir, bytes.NewReader(tc.data), tc.key)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want an error containing %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused restore left %d entries in the directory", len(entries))
			}
		})
	}
}

// TestCopyBackupChecksFraming: the CLI's copy of a server's stream fails
// on a cut-short stream and passes a server's error message on.
func TestCopyBackupChecksFraming(t *testing.T) {
	s := openTemp(t, false)
	populate(t, s)
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if n, err := CopyBackup(&out, bytes.NewReader(buf.Bytes())); err != nil || n != int64(buf.Len()) || !bytes.Equal(out.Bytes(), buf.Bytes()) {
		t.Fatalf("copy of a whole backup: %d bytes, %v", n, err)
	}
	if _, err := CopyBackup(&bytes.Buffer{}, bytes.NewReader(buf.Bytes()[:buf.Len()-10])); !errors.Is(err, ErrBackupIncomplete) {
		t.Fatalf("copy of a cut-short backup: %v", err)
	}
	var failed bytes.Buffer
	fw, _ := newFrameWriter(&failed, nil)
	fw.Write([]byte("some data"))
	fw.fail(errors.New("disk on fire"))
	if _, err := CopyBackup(&bytes.Buffer{}, &failed); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("copy of a failed backup: %v", err)
	}
}

// TestEncryptionAtRest: with a key, a known 身份证号 appears in no file of
// the data directory (SSTs, value log, memtable WAL, manifest), whether the
// store is open or closed; without a key it does (so the search works). A
// wrong or missing key refuses to open with a message saying which.
func TestEncryptionAtRest(t *testing.T) {
	key := bytes.Repeat([]byte{0x42}, EncryptionKeySize)
	for _, encrypted := range []bool{false, true} {
		dir := t.TempDir()
		var k []byte
		if encrypted {
			k = key
		}
		s, err := Open(Options{Dir: dir, SyncWrites: true, EncryptionKey: k})
		if err != nil {
			t.Fatal(err)
		}
		populate(t, s)
		// Flush to SSTs as well, so both the WAL and the tables are searched.
		if err := s.db.Sync(); err != nil {
			t.Fatal(err)
		}
		openHits := filesContaining(t, dir, knownIDNumber)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		closedHits := filesContaining(t, dir, knownIDNumber)
		if encrypted && (len(openHits) > 0 || len(closedHits) > 0) {
			t.Errorf("encrypted store: the ID number is readable in %v (open) and %v (closed)", openHits, closedHits)
		}
		if !encrypted && len(openHits)+len(closedHits) == 0 {
			t.Error("unencrypted store: the ID number was not found, so the search proves nothing")
		}
		if !encrypted {
			continue
		}
		_, err = Open(Options{Dir: dir})
		if !errors.Is(err, ErrEncryptionKey) || !strings.Contains(err.Error(), "is encrypted") || !strings.Contains(err.Error(), "-encryption-key-file") {
			t.Errorf("open without the key: %v", err)
		}
		_, err = Open(Options{Dir: dir, EncryptionKey: bytes.Repeat([]byte{1}, EncryptionKeySize)})
		if !errors.Is(err, ErrEncryptionKey) || !strings.Contains(err.Error(), "does not open") {
			t.Errorf("open with a wrong key: %v", err)
		}
		r, err := Open(Options{Dir: dir, EncryptionKey: key})
		if err != nil {
			t.Fatalf("open with the right key: %v", err)
		}
		if a, err := r.AccountByLogin(knownIDNumber); err != nil || a.Name != "考生0" {
			t.Errorf("reopened encrypted store: %+v, %v", a, err)
		}
		r.Close()
	}
}

// filesContaining lists the files under dir whose bytes contain s.
func filesContaining(t *testing.T, dir, s string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(s)) {
			hits = append(hits, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	good, short := filepath.Join(dir, "good"), filepath.Join(dir, "short")
	os.WriteFile(good, bytes.Repeat([]byte{1}, 32), 0o600)
	os.WriteFile(short, []byte("0123456789abcdef0123456789abcdef\n"), 0o600)
	if k, err := ReadKeyFile(good); err != nil || len(k) != 32 {
		t.Errorf("32-byte key: %v", err)
	}
	if _, err := ReadKeyFile(short); err == nil || !strings.Contains(err.Error(), "exactly 32") {
		t.Errorf("33-byte key file: %v", err)
	}
}
