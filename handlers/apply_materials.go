package handlers

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
	"examreg/views/pdfdoc"
)

// uploadLimit is an upload's file limit plus room for the multipart
// framing and the other fields.
func uploadLimit(file int) int { return file + 64<<10 }

func (s *Server) materialsProps(c *fiber.Ctx, ac *applyCtx) (views.ApplyMaterialsProps, error) {
	h, err := s.hidden(c, ac)
	if err != nil {
		return views.ApplyMaterialsProps{}, err
	}
	a, now := ac.app, s.now()
	p := views.ApplyMaterialsProps{Hidden: h, ExamID: ac.exam.ID, ExamName: ac.exam.Name, State: a.State, Uploaded: a.RecommendationName}
	_, upErr := domain.CheckTransition(a, ac.exam, domain.ActionUploadMaterials, domain.RoleCandidate, now)
	_, cfErr := domain.CheckTransition(a, ac.exam, domain.ActionConfirmMaterials, domain.RoleCandidate, now)
	p.CanUpload, p.CanConfirm = upErr == nil, cfErr == nil
	switch {
	case a.State.AwaitingReview() || a.State.Final():
		p.Disabled = "材料已确认提交，不能再更换。"
	case upErr != nil:
		p.Disabled = domain.ErrorMessage(upErr)
	}
	return p, nil
}

// showMaterials is 材料上传 / 材料确认.
func (s *Server) showMaterials(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	p, err := s.materialsProps(c, ac)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "材料上传", "apply", views.ApplyMaterialsPage(p), nil)
}

// readUpload reads the named file of a multipart form into a fresh slice,
// at most max+1 bytes (the checks refuse anything longer).
func readUpload(c *fiber.Ctx, field string, max int) (data []byte, name string, err error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, "", nil // no file: the checks say "please choose a file"
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, "", err
	}
	return data, strings.Clone(filepath.Base(fh.Filename)), nil
}

// uploadMaterials stores the scanned 推荐表 (kv.Store.UploadRecommendation,
// replacing an earlier one) after checking it by content: a real,
// unencrypted PDF of at least 2 pages.
func (s *Server) uploadMaterials(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	data, name, err := readUpload(c, "recommendation", domain.MaxRecommendationPDF)
	if err != nil {
		return err
	}
	if _, err := s.checkRecommendationPDF(data); err != nil {
		p, perr := s.materialsProps(c, ac)
		if perr != nil {
			return perr
		}
		p.UploadError = domain.ErrorMessage(err)
		return s.page(c, statusOf(domain.ErrorCode(err)), "材料上传", "apply", views.ApplyMaterialsPage(p), nil)
	}
	if !strings.HasSuffix(strings.ToLower(name), ".pdf") {
		name = "报名推荐表.pdf"
	}
	_, err = s.store.UploadRecommendation(s.act(c, ac), name, data)
	if err != nil {
		return s.actionRefused(c, ac, err)
	}
	return s.redirectFlash(c, views.ApplyPaths(ac.exam.ID).Materials(), "ok", "报名推荐表上传成功。请核对后点击“材料确认”。")
}

// confirmMaterials is 材料确认: the application goes to 待审核.
func (s *Server) confirmMaterials(c *fiber.Ctx) error {
	ac, ok, err := s.postedApplication(c)
	if !ok {
		return err
	}
	if _, err := s.store.ConfirmMaterials(s.act(c, ac)); err != nil {
		return s.actionRefused(c, ac, err)
	}
	return s.redirectFlash(c, "/status", "ok", "材料确认成功，请等待资格审核。")
}

// showRecommendation is the printable 报名推荐表, from the confirmed data.
func (s *Server) showRecommendation(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	if !ac.app.State.LocksPhoto() {
		return s.redirectFlash(c, ac.base(), "info", "报名信息确认后才能生成报名推荐表。")
	}
	p, err := s.confirmProps(c, ac)
	if err != nil {
		return err
	}
	p.FullID = ac.acct.LoginName
	noStore(c) // the full ID number
	return s.page(c, fiber.StatusOK, "报名推荐表", "apply", views.ApplyRecommendationPage(p), nil)
}

// recommendationPDF generates the 报名推荐表 PDF with the frozen photo.
func (s *Server) recommendationPDF(c *fiber.Ctx) error {
	ac, ok, err := s.application(c)
	if !ok {
		return err
	}
	a := ac.app
	if !a.State.LocksPhoto() {
		return domain.Errorf(domain.ECONFLICT, "报名信息确认后才能生成报名推荐表。")
	}
	pos, ok := s.store.Position(a.ExamID, a.PositionCode)
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "所报职位不存在。")
	}
	var photo []byte
	if a.PhotoID != "" {
		if _, photo, err = s.store.ApplicationFile(a.ID, a.PhotoID); err != nil {
			return err
		}
	}
	s.pdfSlots <- struct{}{}
	defer func() { <-s.pdfSlots }()
	pdf, err := pdfdoc.RecommendationPDF(pdfdoc.RecommendationData{
		ExamName: ac.exam.Name, Name: ac.acct.Name, Sex: ac.acct.Sex, BirthDate: ac.acct.BirthDate,
		IDNumber: ac.acct.LoginName, Form: a.Form, Position: pos, LevelName: ac.levelName(),
		Photo: photo, ApplicationID: a.ID, GeneratedAt: a.UpdatedAt,
	})
	if err != nil {
		return err
	}
	return sendFile(c, "application/pdf", "报名推荐表.pdf", pdf)
}

// sendFile answers a private download: never cached, never sniffed.
func sendFile(c *fiber.Ctx, contentType, name string, data []byte) error {
	noStore(c)
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `inline; filename*=UTF-8''`+urlPathEscape(name))
	return c.Send(data)
}

// applicationFile serves the application's frozen photo or its 推荐表, only
// to the candidate it belongs to. (Reviewers will get their own route that
// checks domain.CanReview.)
func (s *Server) applicationFile(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ac, err := s.loadApply(c)
		if err != nil {
			return err
		}
		if ac.app == nil {
			return domain.Errorf(domain.ENOTFOUND, "文件不存在。")
		}
		id := ac.app.PhotoID
		if kind == "pdf" {
			id = ac.app.RecommendationID
		}
		m, data, err := s.store.ApplicationFile(ac.app.ID, id)
		if err != nil {
			return err
		}
		return sendFile(c, m.ContentType, m.Name, data)
	}
}
