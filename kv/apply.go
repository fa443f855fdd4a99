package kv

import (
	"errors"
	"time"

	"examreg/domain"
)

// PendingPhoto is a normalised photo the candidate has seen but not saved.
type PendingPhoto struct {
	Data []byte           `json:"data"` // JPEG, 295×413, ≤ 30 KB
	Info domain.PhotoInfo `json:"info"`
	At   time.Time        `json:"at"`
}

// PutPendingPhoto keeps a normalised photo for the account, replacing any
// earlier pending one. It refuses (ECONFLICT) while an application has the
// photo frozen, so nothing is written that could never be saved.
func (s *Store) PutPendingPhoto(accountID string, p PendingPhoto) error {
	return s.Update(func(tx *Tx) error {
		apps, err := tx.applicationsOfCandidate(accountID)
		if err != nil {
			return err
		}
		if err := domain.CheckPhotoChange(apps); err != nil {
			return err
		}
		return tx.Put(photoPendingKey(accountID), p)
	})
}

// PendingPhoto returns the account's pending photo. Returns ENOTFOUND.
func (s *Store) PendingPhoto(accountID string) (p *PendingPhoto, err error) {
	err = s.View(func(tx *Tx) error {
		var v PendingPhoto
		if err := tx.Get(photoPendingKey(accountID), &v); err != nil {
			if errors.Is(err, ErrNotFound) {
				return domain.Errorf(domain.ENOTFOUND, "没有待保存的照片，请先上传照片。")
			}
			return err
		}
		p = &v
		return nil
	})
	return p, err
}

// SavePendingPhoto makes the pending photo the account's photo, in one
// transaction: a new blob, the account's PhotoID, the pending entry gone,
// and the previous photo blob deleted unless an application still refers
// to it. Returns ENOTFOUND when nothing is pending and ECONFLICT while an
// application has the photo frozen.
func (s *Store) SavePendingPhoto(accountID string, now time.Time) (acct *domain.Account, err error) {
	err = s.Update(func(tx *Tx) error {
		var p PendingPhoto
		if err := tx.Get(photoPendingKey(accountID), &p); err != nil {
			if errors.Is(err, ErrNotFound) {
				return domain.Errorf(domain.ENOTFOUND, "没有待保存的照片，请先上传照片。")
			}
			return err
		}
		apps, err := tx.applicationsOfCandidate(accountID)
		if err != nil {
			return err
		}
		if err := domain.CheckPhotoChange(apps); err != nil {
			return err
		}
		a, err := tx.Account(accountID)
		if err != nil {
			return err
		}
		id := NewID(now)
		if err := tx.PutBlob(BlobMeta{ID: id, Name: "photo.jpg", ContentType: "image/jpeg", OwnerID: accountID, CreatedAt: now}, p.Data); err != nil {
			return err
		}
		old := a.PhotoID
		a.PhotoID, a.UpdatedAt = id, now
		if err := tx.PutAccount(a); err != nil {
			return err
		}
		if err := tx.Delete(photoPendingKey(accountID)); err != nil {
			return err
		}
		if old != "" && !referencesPhoto(apps, old) {
			if err := tx.DeleteBlob(old); err != nil {
				return err
			}
		}
		acct = a
		return nil
	})
	return acct, err
}

func referencesPhoto(apps []*domain.Application, id string) bool {
	for _, a := range apps {
		if a.PhotoID == id {
			return true
		}
	}
	return false
}

// applicationsOfCandidate lists a candidate's applications inside tx.
func (tx *Tx) applicationsOfCandidate(candidateID string) (list []*domain.Application, err error) {
	prefix := appByCandPrefix(candidateID)
	err = tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(key string, _ []byte) error {
		a, err := tx.Application(key[len(prefix):])
		if err != nil {
			return err
		}
		list = append(list, a)
		return nil
	})
	return list, err
}

// ApplicationFile returns a file an application refers to (its frozen
// photo or its 推荐表) after checking that the blob really belongs to it:
// a blob id alone never opens a file.
func (s *Store) ApplicationFile(appID, blobID string) (m *BlobMeta, data []byte, err error) {
	err = s.View(func(tx *Tx) error {
		a, err := tx.Application(appID)
		if err != nil {
			return err
		}
		if blobID == "" || (blobID != a.PhotoID && blobID != a.RecommendationID) {
			return domain.Errorf(domain.ENOTFOUND, "文件不存在。")
		}
		m, data, err = tx.Blob(blobID)
		return err
	})
	return m, data, err
}
