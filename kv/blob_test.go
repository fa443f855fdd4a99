package kv

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"examreg/domain"
)

// newFakeS3 starts an in-process S3 (gofakes3) with bucket "examreg" and
// returns the -blobs value that names it.
func newFakeS3(t testing.TB) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("examreg"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return "s3://examreg?endpoint=" + srv.URL + "&region=us-east-1"
}

func openTestS3(t testing.TB, spec string) *S3Blobs {
	t.Helper()
	b, err := openS3Blobs(spec, credentials.NewStaticV4("test", "testsecret", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConformanceBlobs: files larger than the engine's value cap (TiKV)
// are split and read back whole; deleting removes every part.
func TestConformanceBlobs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		size := 3 << 20 // over TiKV's 1 MiB cap
		if s.db != nil {
			// In-memory Badger caps values at 64 KiB and a transaction
			// at about 1.2 MiB; on disk files go whole to the value log.
			size = 200 << 10
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), size/16+7)
		small := []byte("%PDF-1.4 small")
		if err := s.Update(func(tx *Tx) error {
			if err := tx.PutBlob(BlobMeta{ID: "big", Name: "a.pdf"}, big); err != nil {
				return err
			}
			return tx.PutBlob(BlobMeta{ID: "small", Name: "b.pdf"}, small)
		}); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string][]byte{"big": big, "small": small} {
			m, got, err := s.Blob(id)
			if err != nil || !bytes.Equal(got, want) || m.Size != len(want) {
				t.Fatalf("Blob(%s): %d bytes (meta %+v), %v; want %d bytes", id, len(got), m, err, len(want))
			}
		}
		if err := s.Update(func(tx *Tx) error {
			if err := tx.DeleteBlob("big"); err != nil {
				return err
			}
			return tx.DeleteBlob("small")
		}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.KeyCount(prefixBlob); n != 0 {
			t.Errorf("%d blob keys left after deleting both files", n)
		}
		if _, _, err := s.Blob("big"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("deleted blob: %v, want ENOTFOUND", err)
		}
	})
}

// TestS3Blobs: with -blobs the bytes go to the bucket under their content
// hash, the KV store keeps size and hash, and the sweeper removes objects
// no file refers to (a deleted file, an upload whose commit failed) while
// it keeps shared and young ones.
func TestS3Blobs(t *testing.T) {
	blobs := openTestS3(t, newFakeS3(t))
	for _, engine := range []string{"badger", "tikv"} {
		t.Run(engine, func(t *testing.T) {
			o := Options{InMemory: true, Blobs: blobs}
			if engine == "tikv" {
				o = Options{TiKV: newMockTiKV(t), KeyPrefix: "s3test", Blobs: blobs}
			}
			s, err := Open(o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			photo := bytes.Repeat([]byte{0xff, 0xd8, 1, 2}, 600<<10) // 2.4 MB
			if err := s.Update(func(tx *Tx) error {
				if err := tx.PutBlob(BlobMeta{ID: "p1", Name: "photo.jpg"}, photo); err != nil {
					return err
				}
				return tx.PutBlob(BlobMeta{ID: "p2", Name: "same.jpg"}, photo) // same content, one object
			}); err != nil {
				t.Fatal(err)
			}
			// A failed transaction leaves its object behind, unreferenced.
			boom := errors.New("boom")
			orphan := []byte("never committed " + engine)
			if err := s.Update(func(tx *Tx) error {
				if err := tx.PutBlob(BlobMeta{ID: "p3"}, orphan); err != nil {
					return err
				}
				return boom
			}); !errors.Is(err, boom) {
				t.Fatal(err)
			}
			m, got, err := s.Blob("p1")
			if err != nil || !bytes.Equal(got, photo) || len(m.SHA256) != 64 || m.Size != len(photo) {
				t.Fatalf("Blob(p1): %d bytes, meta %+v, %v", len(got), m, err)
			}
			if n, _ := s.KeyCount(prefixBlob); n != 2 {
				t.Errorf("%d blob keys in the KV store, want 2 (descriptions only)", n)
			}
			objects := func() (n int) {
				_ = blobs.List(context.Background(), func(string, time.Time) error { n++; return nil })
				return n
			}
			// Young objects are kept whatever their references.
			if n, err := s.SweepBlobObjects(context.Background(), time.Now(), time.Hour); err != nil || n != 0 {
				t.Fatalf("sweep within the grace removed %d, %v", n, err)
			}
			if n, err := s.SweepBlobObjects(context.Background(), time.Now().Add(time.Minute), 0); err != nil || n != 1 {
				t.Fatalf("sweep removed %d objects, %v; want 1 (the orphan)", n, err)
			}
			if err := s.Update(func(tx *Tx) error { return tx.DeleteBlob("p1") }); err != nil {
				t.Fatal(err)
			}
			// p2 still uses the content: the object stays.
			if n, _ := s.SweepBlobObjects(context.Background(), time.Now().Add(time.Minute), 0); n != 0 {
				t.Fatalf("sweep removed an object p2 still uses")
			}
			if _, got, err := s.Blob("p2"); err != nil || !bytes.Equal(got, photo) {
				t.Fatalf("Blob(p2) after deleting p1: %v", err)
			}
			if err := s.Update(func(tx *Tx) error { return tx.DeleteBlob("p2") }); err != nil {
				t.Fatal(err)
			}
			if n, _ := s.SweepBlobObjects(context.Background(), time.Now().Add(time.Minute), 0); n != 1 || objects() != 0 {
				t.Fatalf("sweep after deleting both removed %d, %d objects left", n, objects())
			}
		})
	}
}

func TestOpenS3BlobsRefusesBadSpecs(t *testing.T) {
	good := newFakeS3(t)
	for _, c := range []struct{ spec, want string }{
		{"s3://", "use s3://bucket"},
		{"gs://bucket", "use s3://bucket"},
		{"s3://bucket/path", "use s3://bucket"},
		{"s3://examreg?endpoint=ftp://x", "not an http(s) URL"},
		{strings.Replace(good, "s3://examreg", "s3://nosuchbucket", 1), "does not exist"},
		{"s3://examreg?endpoint=http://127.0.0.1:1", "cannot reach"},
	} {
		_, err := openS3Blobs(c.spec, credentials.NewStaticV4("test", "testsecret", ""))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("openS3Blobs(%q) = %v, want an error saying %q", c.spec, err, c.want)
		}
	}
}
