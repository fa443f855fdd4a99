package kv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// BlobStore keeps the bytes of files (photos, 推荐表 PDFs, attachments,
// ticket PDFs) outside the KV store, named by their SHA-256 (hex). The KV
// store keeps each file's description, size and hash (BlobMeta).
type BlobStore interface {
	Put(ctx context.Context, sha string, data []byte) error
	Get(ctx context.Context, sha string) ([]byte, error)
	Delete(ctx context.Context, sha string) error
	// List calls fn for each object with the time it was last written.
	List(ctx context.Context, fn func(sha string, modified time.Time) error) error
}

// S3Blobs is a BlobStore in an S3-compatible bucket (MinIO, Ceph RGW,
// Alibaba OSS, AWS S3) through minio-go.
type S3Blobs struct {
	client *minio.Client
	bucket string
	prefix string // object name prefix, "blobs/"
}

// OpenS3Blobs connects to the bucket a -blobs value names:
// s3://bucket?endpoint=https://oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou
// (endpoint defaults to AWS; http:// in it switches TLS off). Credentials
// come from the environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or
// MinIO's MINIO_ROOT_USER / MINIO_ROOT_PASSWORD). It checks that the bucket
// exists, so a wrong name or endpoint is refused at start.
func OpenS3Blobs(spec string) (*S3Blobs, error) {
	return openS3Blobs(spec, credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}}))
}

func openS3Blobs(spec string, creds *credentials.Credentials) (*S3Blobs, error) {
	const example = "s3://bucket?endpoint=https://s3.example.com&region=cn-north-1"
	u, err := url.Parse(spec)
	if err != nil || u.Scheme != "s3" || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return nil, fmt.Errorf("-blobs %q: use %s", spec, example)
	}
	q := u.Query()
	endpoint, secure := q.Get("endpoint"), true
	if endpoint == "" {
		endpoint = "https://s3.amazonaws.com"
	}
	eu, err := url.Parse(endpoint)
	if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
		return nil, fmt.Errorf("-blobs %q: endpoint %q is not an http(s) URL (example: %s)", spec, endpoint, example)
	}
	secure = eu.Scheme == "https"
	client, err := minio.New(eu.Host, &minio.Options{Creds: creds, Secure: secure, Region: q.Get("region"), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("-blobs %q: %w", spec, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ok, err := client.BucketExists(ctx, u.Host)
	if err != nil {
		return nil, fmt.Errorf("-blobs %q: cannot reach the bucket: %w", spec, err)
	}
	if !ok {
		return nil, fmt.Errorf("-blobs %q: bucket %q does not exist at %s (create it, with versioning on)", spec, u.Host, endpoint)
	}
	return &S3Blobs{client: client, bucket: u.Host, prefix: "blobs/"}, nil
}

// Put uploads data as the object named sha (again, when it exists: the
// write is idempotent, and refreshes its time for the sweeper's grace).
func (b *S3Blobs) Put(ctx context.Context, sha string, data []byte) error {
	_, err := b.client.PutObject(ctx, b.bucket, b.prefix+sha, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	return err
}

// Get downloads the object named sha; ErrNotFound when there is none.
func (b *S3Blobs) Get(ctx context.Context, sha string) ([]byte, error) {
	obj, err := b.client.GetObject(ctx, b.bucket, b.prefix+sha, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return nil, ErrNotFound
	}
	return data, err
}

// Delete removes the object named sha (no error when absent).
func (b *S3Blobs) Delete(ctx context.Context, sha string) error {
	return b.client.RemoveObject(ctx, b.bucket, b.prefix+sha, minio.RemoveObjectOptions{})
}

// List calls fn for every object.
func (b *S3Blobs) List(ctx context.Context, fn func(string, time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		if err := fn(strings.TrimPrefix(o.Key, b.prefix), o.LastModified); err != nil {
			return err
		}
	}
	return nil
}

// blobSweepGrace is how old an unreferenced object must be before the
// sweeper removes it: an upload whose transaction has not committed yet
// (or is being retried) must not lose its object.
const blobSweepGrace = time.Hour

// SweepBlobObjects removes objects of the object store that no file refers
// to any more and that were last written before now-grace (files deleted
// or replaced, uploads whose transaction never committed). It reports how
// many it removed. Without an object store it does nothing. An upload of
// the very same bytes that starts between the check and the removal (both
// within milliseconds, after an hour without any reference) would lose its
// object: its file then reads as "文件不存在" and must be uploaded again.
func (s *Store) SweepBlobObjects(ctx context.Context, now time.Time, grace time.Duration) (removed int, err error) {
	if s.blobs == nil {
		return 0, nil
	}
	var stale []string
	err = s.blobs.List(ctx, func(sha string, modified time.Time) error {
		if now.Sub(modified) < grace {
			return nil
		}
		used := false
		if err := s.View(func(tx *Tx) error {
			return tx.Scan(prefixBlobRef+sha+"/", ScanOptions{KeysOnly: true, Limit: 1}, func(string, []byte) error { used = true; return nil })
		}); err != nil {
			return err
		}
		if !used {
			stale = append(stale, sha)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, sha := range stale {
		if err := s.blobs.Delete(ctx, sha); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
