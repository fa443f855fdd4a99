package kv

import (
	"errors"
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
}

// PutBlob stores a file inside the caller's transaction, so the record that
// refers to it and the file commit together or not at all.
func (tx *Tx) PutBlob(meta BlobMeta, data []byte) error {
	meta.Size = len(data)
	if err := tx.Put(blobMetaKey(meta.ID), meta); err != nil {
		return err
	}
	return tx.PutRaw(blobDataKey(meta.ID), data)
}

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
	data, err := tx.GetRaw(blobDataKey(id))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, domain.Errorf(domain.ENOTFOUND, "文件不存在。")
		}
		return nil, nil, err
	}
	return m, data, nil
}

// Blob loads a file in its own transaction.
func (s *Store) Blob(id string) (m *BlobMeta, data []byte, err error) {
	err = s.View(func(tx *Tx) error { m, data, err = tx.Blob(id); return err })
	return m, data, err
}

// DeleteBlob removes a file (no error when absent). Once committed, its
// bytes count towards the next value-log GC (see Store.noteDeleted).
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
	if err := tx.Delete(blobDataKey(id)); err != nil {
		return err
	}
	tx.afterCommit(func(s *Store) { s.noteDeleted(m.Size) })
	return nil
}
