package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// attachmentLimit bounds a notice request: one 20 MB attachment, the text
// and the multipart envelope. Checked by Content-Length before reading.
const attachmentLimit = domain.MaxAttachmentSize + 256<<10

// adminNotices is 公告管理.
func (s *Server) adminNotices(c *fiber.Ctx) error {
	list, err := s.store.Notices(500)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "公告管理", "admin-notices", views.AdminNoticesPage(views.AdminNoticesProps{Notices: list}), nil)
}

func (s *Server) noticeFormPage(c *fiber.Ctx, status int, p views.AdminNoticeFormProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	return s.page(c, status, "公告管理", "admin-notices", views.AdminNoticeFormPage(p), nil)
}

// newNotice shows an empty notice form.
func (s *Server) newNotice(c *fiber.Ctx) error {
	return s.noticeFormPage(c, fiber.StatusOK, views.AdminNoticeFormProps{})
}

// editNotice shows a notice's form and attachments.
func (s *Server) editNotice(c *fiber.Ctx) error {
	n, err := s.store.Notice(c.Params("id"))
	if err != nil {
		return err
	}
	return s.noticeFormPage(c, fiber.StatusOK, views.AdminNoticeFormProps{Notice: n, Title: n.Title, Body: n.Body})
}

// createNotice and updateNotice save title, body and an optional new
// attachment, checked by content, in one transaction.
func (s *Server) createNotice(c *fiber.Ctx) error { return s.saveNotice(c, nil) }

func (s *Server) updateNotice(c *fiber.Ctx) error {
	n, err := s.store.Notice(c.Params("id"))
	if err != nil {
		return err
	}
	return s.saveNotice(c, n)
}

func (s *Server) saveNotice(c *fiber.Ctx, n *domain.Notice) error {
	title, body := formValue(c, "title"), formValue(c, "body")
	retry := func(err error) error {
		return s.noticeFormPage(c, statusOf(domain.ErrorCode(err)), views.AdminNoticeFormProps{
			Notice: n, Title: title, Body: body, Fields: domain.ErrorFields(err), Error: domain.ErrorMessage(err),
		})
	}
	fe := domain.ValidateNotice(title, body)
	var files []kv.NewAttachment
	now := s.now()
	if fh, err := c.FormFile("file"); err == nil && fh != nil && fh.Filename != "" {
		data, name, err := uploadedFile(c, "file", domain.MaxAttachmentSize)
		if err == nil {
			var ctype string
			name, ctype, err = domain.CheckAttachment(name, data)
			if err == nil {
				files = append(files, kv.NewAttachment{
					Meta: kv.BlobMeta{ID: kv.NewID(now), Name: name, ContentType: ctype, OwnerID: account(c).ID, CreatedAt: now},
					Data: data,
				})
			}
		}
		if err != nil {
			for k, v := range domain.ErrorFields(err) {
				fe.Add(k, v)
			}
			if domain.ErrorFields(err) == nil {
				return err
			}
			if domain.ErrorCode(err) == domain.ETOOLARGE && len(fe) == 1 {
				return retry(err)
			}
		}
	}
	if err := fe.Err(); err != nil {
		return retry(err)
	}
	action := "notice.update"
	if n == nil {
		n = &domain.Notice{ID: kv.NewID(now), AuthorID: account(c).ID, CreatedAt: now}
		action = "notice.create"
	}
	n.Title, n.Body, n.UpdatedAt = title, body, now
	if err := s.store.SaveNotice(n, files, s.staffAudit(c, action, title)); err != nil {
		if domain.ErrorFields(err) != nil {
			return retry(err)
		}
		return err
	}
	return s.redirectFlash(c, "/admin/notices/"+n.ID, "ok", "公告已保存。")
}

// deleteNoticeFile removes one attachment.
func (s *Server) deleteNoticeFile(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := s.store.RemoveAttachment(id, c.Params("blob"), s.staffAudit(c, "notice.file.delete", "")); err != nil {
		return err
	}
	return s.redirectFlash(c, "/admin/notices/"+id, "ok", "附件已删除。")
}

// deleteNotice removes a notice and its attachments.
func (s *Server) deleteNotice(c *fiber.Ctx) error {
	if err := s.store.DeleteNotice(c.Params("id"), s.staffAudit(c, "notice.delete", "")); err != nil {
		return err
	}
	return s.redirectFlash(c, "/admin/notices", "ok", "公告已删除。")
}
