package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// showPhoto is 上传照片: the current photo, a pending checked one with
// 保存图片 and the captcha, or the upload form.
func (s *Server) showPhoto(c *fiber.Ctx) error {
	return s.photoPage(c, fiber.StatusOK, nil, "")
}

func (s *Server) photoPage(c *fiber.Ctx, status int, fields map[string]string, errMsg string) error {
	acct := account(c)
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p := views.PhotoProps{CSRF: tok, Account: acct.ID, Fields: fields, Error: errMsg}
	if acct.PhotoID != "" {
		p.HasPhoto, p.PhotoURL = true, "/photo/current.jpg?v="+acct.PhotoID
	}
	apps, err := s.store.ApplicationsOfCandidate(acct.ID)
	if err != nil {
		return err
	}
	if err := domain.CheckPhotoChange(apps); err != nil {
		p.Locked = domain.ErrorMessage(err)
	} else {
		pending, err := s.store.PendingPhoto(acct.ID)
		switch domain.ErrorCode(err) {
		case "":
			p.Pending, p.PendingURL = true, "/photo/pending.jpg?v="+itoa(int(pending.At.UnixMilli()%1e9))
			p.PendingKB = fmt.Sprintf("%.1f KB", float64(len(pending.Data))/1024)
			p.SourceSize = fmt.Sprintf("%d×%d 像素", pending.Info.SourceWidth, pending.Info.SourceHeight)
			p.CaptchaID = s.newCaptcha()
		case domain.ENOTFOUND:
		default:
			return err
		}
	}
	return s.page(c, status, "上传照片", "photo", views.PhotoPage(p), nil)
}

// uploadPhoto checks and normalises an uploaded photo and keeps the result
// as the account's pending photo, shown before 保存图片.
func (s *Server) uploadPhoto(c *fiber.Ctx) error {
	if err := checkFormAccount(c); err != nil {
		return err
	}
	data, _, err := readUpload(c, "photo", domain.MaxPhotoUpload)
	if err != nil {
		return err
	}
	jpeg, info, err := s.normalizePhoto(data)
	if err != nil {
		if fe := domain.ErrorFields(err); fe != nil {
			return s.photoPage(c, statusOf(domain.ErrorCode(err)), fe, "")
		}
		return err
	}
	err = s.store.PutPendingPhoto(account(c).ID, kv.PendingPhoto{Data: jpeg, Info: info, At: s.now()})
	if err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return s.photoPage(c, fiber.StatusConflict, nil, domain.ErrorMessage(err))
		}
		return err
	}
	return s.redirectFlash(c, "/photo", "ok", "照片检查通过，请核对处理后的照片，输入验证码后点击“保存图片”。")
}

// savePhoto is 保存图片: with the captcha, the pending photo becomes the
// account's photo in one transaction.
func (s *Server) savePhoto(c *fiber.Ctx) error {
	if err := checkFormAccount(c); err != nil {
		return err
	}
	if !s.captchaOK(c) {
		return s.photoPage(c, invalidStatus, map[string]string{"captcha": captchaMessage}, "")
	}
	if _, err := s.store.SavePendingPhoto(account(c).ID, s.now()); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			// A double-clicked 保存图片: the first click saved it.
			if a, aerr := s.store.Account(account(c).ID); aerr == nil && a.PhotoID != "" {
				return s.redirectFlash(c, "/", "ok", "照片已保存。")
			}
		}
		switch domain.ErrorCode(err) {
		case domain.ECONFLICT, domain.ENOTFOUND:
			return s.photoPage(c, statusOf(domain.ErrorCode(err)), nil, domain.ErrorMessage(err))
		}
		return err
	}
	return s.redirectFlash(c, "/", "ok", "照片保存成功。")
}

// currentPhoto serves the account's own saved photo.
func (s *Server) currentPhoto(c *fiber.Ctx) error {
	acct := account(c)
	if acct.PhotoID == "" {
		return domain.Errorf(domain.ENOTFOUND, "尚未上传照片。")
	}
	m, data, err := s.store.Blob(acct.PhotoID)
	if err != nil {
		return err
	}
	if m.OwnerID != acct.ID {
		return domain.Errorf(domain.ENOTFOUND, "文件不存在。")
	}
	return sendFile(c, "image/jpeg", "photo.jpg", data)
}

// pendingPhoto serves the checked photo awaiting 保存图片, to its owner only.
func (s *Server) pendingPhoto(c *fiber.Ctx) error {
	p, err := s.store.PendingPhoto(account(c).ID)
	if err != nil {
		return err
	}
	return sendFile(c, "image/jpeg", "photo.jpg", p.Data)
}

// normalizePhoto runs the photo check in one of a bounded number of slots:
// decoding a 12-megapixel phone photo takes a core for a few hundred
// milliseconds and tens of MB, so an upload rush must queue, not thrash.
func (s *Server) normalizePhoto(data []byte) ([]byte, domain.PhotoInfo, error) {
	s.imageSlots <- struct{}{}
	defer func() { <-s.imageSlots }()
	return domain.NormalizePhoto(data)
}
