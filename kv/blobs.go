package kv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"examreg/domain"
)

// BlobMeta describes an uploaded or generated file.
type BlobMeta struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`         // original file name, shown on download
	ContentType string    `json:"content_type"` // decided from the content, not the name
	Size        int       `json:"size"`
	OwnerID     string    `json:"owner_id"` // account that uploaded it
	CreatedAt   time.Time `json:"created_at"`
	// Chunks is how many values the bytes are split into when one file is
	// over the engine's value cap (TiKV); 0: one value, as on Badger.
	Chunks int `json:"chunks,omitempty"`
	// SHA256 names the object holding the bytes in the object store
	// (-blobs s3://…); empty: the bytes are in the KV store.
	SHA256 string `json:"sha256,omitempty"`
}

// blobChunk is the size of one chunk of a file split over several values
// (smaller when the engine's cap is: in-memory Badger in tests).
const blobChunk = 512 << 10

// PutBlob stores a file inside the caller's transaction, so the record that
// refers to it and the file commit together or not at all. With an object
// store the bytes are uploaded first under their content hash: a crash
// before the commit leaves at most an unreferenced object, which
// SweepBlobObjects removes later.
func (tx *Tx) PutBlob(meta BlobMeta, data []byte) error {
	meta.Size = len(data)
	meta.Chunks, meta.SHA256 = 0, ""
	if bs := tx.s.blobs; bs != nil {
		sum := sha256.Sum256(data)
		meta.SHA256 = hex.EncodeToString(sum[:])
		if err := bs.Put(context.Background(), meta.SHA256, data); err != nil {
			return fmt.Errorf("kv: upload %s to the object store: %w", meta.ID, err)
		}
		if err := tx.PutRaw(blobRefKey(meta.SHA256, meta.ID), nil); err != nil {
			return err
		}
		return tx.Put(blobMetaKey(meta.ID), meta)
	}
	if max := tx.s.eng.maxValueSize(); len(data) > max {
		// Over the engine's value cap: split, each chunk well under it.
		chunk := min(blobChunk, max)
		for off := 0; off < len(data); off += chunk {
			if err := tx.PutRaw(blobChunkKey(meta.ID, meta.Chunks), data[off:min(off+chunk, len(data))]); err != nil {
				return err
			}
			meta.Chunks++
		}
		return tx.Put(blobMetaKey(meta.ID), meta)
	}
	if err := tx.Put(blobMetaKey(meta.ID), meta); err != nil {
		return err
	}
	return tx.PutRaw(blobDataKey(meta.ID), data)
}

func blobChunkKey(id string, n int) string { return fmt.Sprintf("%s/%04d", blobDataKey(id), n) }

// blobRefKey records that blob id uses the object named by its hash (the
// sweeper keeps an object while any such key exists).
func blobRefKey(sha, id string) string { return prefixBlobRef + sha + "/" + id }

// prefixBlobRef holds the object references (content hash, then blob id).
const prefixBlobRef = "v1/blobref/"

// BlobMeta loads a file's description. Returns ENOTFOUND.
func (tx *Tx) BlobMeta(id string) (*BlobMeta, error) {
	var m BlobMeta
	if err := tx.Get(blobMetaKey(id), &m); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "文件不存在。")
		}
		return nil, err
	}
	return &m, nil
}

// Blob loads a file and its description. Returns ENOTFOUND.
func (tx *Tx) Blob(id string) (*BlobMeta, []byte, error) {
	m, err := tx.BlobMeta(id)
	if err != nil {
		return nil, nil, err
	}
	data, err := tx.blobData(m)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, domain.Errorf(domain.ENOTFOUND, "文件不存在。")
		}
		return nil, nil, err
	}
	return m, data, nil
}

func (tx *Tx) blobData(m *BlobMeta) ([]byte, error) {
	switch {
	case m.SHA256 != "":
		if tx.s.blobs == nil {
			return nil, fmt.Errorf("kv: blob %s is in an object store: start with -blobs", m.ID)
		}
		data, err := tx.s.blobs.Get(context.Background(), m.SHA256)
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != m.SHA256 {
			return nil, fmt.Errorf("kv: blob %s: the object store returned other bytes than stored", m.ID)
		}
		return data, nil
	case m.Chunks > 0:
		data := make([]byte, 0, m.Size)
		for n := range m.Chunks {
			b, err := tx.GetRaw(blobChunkKey(m.ID, n))
			if err != nil {
				return nil, err
			}
			data = append(data, b...)
		}
		return data, nil
	}
	return tx.GetRaw(blobDataKey(m.ID))
}

// Blob loads a file in its own transaction.
func (s *Store) Blob(id string) (m *BlobMeta, data []byte, err error) {
	err = s.View(func(tx *Tx) error { m, data, err = tx.Blob(id); return err })
	return m, data, err
}

// DeleteBlob removes a file (no error when absent). Once committed, its
// bytes count towards the next value-log GC (see Store.noteDeleted); an
// object in the object store is removed by SweepBlobObjects once no blob
// refers to its content any more.
func (tx *Tx) DeleteBlob(id string) error {
	m, err := tx.BlobMeta(id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.Delete(blobMetaKey(id)); err != nil {
		return err
	}
	switch {
	case m.SHA256 != "":
		return tx.Delete(blobRefKey(m.SHA256, id))
	case m.Chunks > 0:
		for n := range m.Chunks {
			if err := tx.Delete(blobChunkKey(id, n)); err != nil {
				return err
			}
		}
	default:
		if err := tx.Delete(blobDataKey(id)); err != nil {
			return err
		}
	}
	tx.afterCommit(func(s *Store) { s.noteDeleted(m.Size) })
	return nil
}
