package kv

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// dirSize is the bytes of the files under dir.
func dirSize(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReplacedBlobsDiskReclaimed re-uploads a 4.5 MB file many times,
// each replacing (and deleting, in the same transaction) the one before,
// as a candidate replacing a 推荐表 does: after value-log GC the data
// directory holds a bounded amount, not every upload ever made.
func TestReplacedBlobsDiskReclaimed(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 1 GB")
	}
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 4500<<10)
	rand.Read(data)
	old := ""
	now := time.Now()
	const uploads = 200
	for i := range uploads {
		err := s.Update(func(tx *Tx) error {
			if old != "" {
				if err := tx.DeleteBlob(old); err != nil {
					return err
				}
			}
			id := NewID(now.Add(time.Duration(i) * time.Millisecond))
			old = id
			return tx.PutBlob(BlobMeta{ID: id, Name: "x.pdf"}, data)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(s.gcNudge) != 1 {
		t.Error("deleting 900 MB of blobs did not nudge the GC loop")
	}
	before := dirSize(t, dir)
	s.CollectGarbage()
	after := dirSize(t, dir)
	t.Logf("%d uploads of %d KB: data dir %d MB before GC, %d MB after", uploads, len(data)>>10, before>>20, after>>20)
	// What is left: the live blob, the value-log files still being
	// written, the LSM. Without the forced flush GC reclaimed nothing.
	if after > 256<<20 {
		t.Errorf("data dir %d MB after GC, want < 256 MB", after>>20)
	}
	// Reads still see the live blob after the rewrite.
	if _, got, err := s.Blob(old); err != nil || len(got) != len(data) {
		t.Errorf("live blob after GC: %d bytes, %v", len(got), err)
	}
}
