package kv

import (
	"errors"

	"examreg/domain"
)

// NewAttachment is a file to store with a notice.
type NewAttachment struct {
	Meta BlobMeta
	Data []byte
}

// Notice loads a notice. Returns ENOTFOUND.
func (tx *Tx) Notice(id string) (*domain.Notice, error) {
	var n domain.Notice
	if err := tx.Get(noticeKey(id), &n); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, domain.Errorf(domain.ENOTFOUND, "公告不存在。")
		}
		return nil, err
	}
	return &n, nil
}

// Notice loads a notice in its own transaction.
func (s *Store) Notice(id string) (n *domain.Notice, err error) {
	err = s.View(func(tx *Tx) error { n, err = tx.Notice(id); return err })
	return n, err
}

// Notices lists notices, newest first (ids sort by creation time).
func (s *Store) Notices(limit int) (list []*domain.Notice, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixNotice, ScanOptions{Reverse: true, Limit: limit}, func(_ string, v []byte) error {
			var n domain.Notice
			if err := jsonUnmarshal(v, &n); err != nil {
				return err
			}
			list = append(list, &n)
			return nil
		})
	})
	return list, err
}

// SaveNotice creates or updates a notice, storing new attachments with it,
// and appends the audit entry, all in one transaction. Each attachment's
// size may be up to 20 MB: blobs over the value threshold go to Badger's
// value log, so they cost the transaction only a pointer.
func (s *Store) SaveNotice(n *domain.Notice, files []NewAttachment, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		out := *n
		out.Attachments = append([]domain.Attachment(nil), n.Attachments...)
		for _, f := range files {
			if err := tx.PutBlob(f.Meta, f.Data); err != nil {
				return err
			}
			out.Attachments = append(out.Attachments, domain.Attachment{
				BlobID: f.Meta.ID, Name: f.Meta.Name, ContentType: f.Meta.ContentType, Size: len(f.Data),
			})
		}
		if err := domain.CheckNoticeAttachments(len(out.Attachments)); err != nil {
			return err
		}
		audit.Target = n.ID
		old, err := tx.Notice(n.ID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		audit.Detail = withChanges(audit.Detail, AuditChanges(old, &out, "created_at", "updated_at"))
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		if err := tx.Put(noticeKey(n.ID), &out); err != nil {
			return err
		}
		*n = out
		return nil
	})
}

// RemoveAttachment deletes one attachment of a notice (record and blob).
func (s *Store) RemoveAttachment(noticeID, blobID string, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		n, err := tx.Notice(noticeID)
		if err != nil {
			return err
		}
		kept := n.Attachments[:0]
		found := false
		for _, a := range n.Attachments {
			if a.BlobID == blobID {
				found = true
				continue
			}
			kept = append(kept, a)
		}
		if !found {
			return domain.Errorf(domain.ENOTFOUND, "附件不存在。")
		}
		n.Attachments = kept
		if err := tx.DeleteBlob(blobID); err != nil {
			return err
		}
		audit.Target = noticeID
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.Put(noticeKey(n.ID), n)
	})
}

// DeleteNotice removes a notice and its attachments.
func (s *Store) DeleteNotice(id string, audit AuditEntry) error {
	return s.Update(func(tx *Tx) error {
		n, err := tx.Notice(id)
		if err != nil {
			return err
		}
		for _, a := range n.Attachments {
			if err := tx.DeleteBlob(a.BlobID); err != nil {
				return err
			}
		}
		audit.Target = id
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.Delete(noticeKey(id))
	})
}

// NoticeAttachment loads one attachment of a notice with its bytes; an
// attachment id that does not belong to the notice is ENOTFOUND (blob ids
// of candidates' files must never be reachable through a public URL).
func (s *Store) NoticeAttachment(noticeID, blobID string) (a domain.Attachment, data []byte, err error) {
	err = s.View(func(tx *Tx) error {
		n, err := tx.Notice(noticeID)
		if err != nil {
			return err
		}
		for _, att := range n.Attachments {
			if att.BlobID == blobID {
				_, data, err = tx.Blob(blobID)
				a = att
				return err
			}
		}
		return domain.Errorf(domain.ENOTFOUND, "附件不存在。")
	})
	return a, data, err
}
