package handlers

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/views"
)

// listNotices is the public list of 公告.
func (s *Server) listNotices(c *fiber.Ctx) error {
	list, err := s.store.Notices(200)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "考试公告", "notices", views.NoticeListPage(views.NoticeListProps{Notices: list}), nil)
}

// showNotice is one 公告 with its attachments.
func (s *Server) showNotice(c *fiber.Ctx) error {
	n, err := s.store.Notice(c.Params("id"))
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, n.Title, "notices", views.NoticePage(n), nil)
}

// downloadAttachment sends an attachment with its original (Chinese) file
// name and the content type decided from its content at upload.
func (s *Server) downloadAttachment(c *fiber.Ctx) error {
	a, data, err := s.store.NoticeAttachment(c.Params("id"), c.Params("blob"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(a.Name))
	return c.Send(data)
}

// contentDisposition names a download: an ASCII fallback for old browsers
// and the UTF-8 name per RFC 5987/6266 (filename*), which 360, 搜狗 and
// every current browser use.
func contentDisposition(name string) string {
	var fallback strings.Builder
	for _, r := range name {
		switch {
		case r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' && r != ';':
			fallback.WriteRune(r)
		default:
			fallback.WriteByte('_')
		}
	}
	// url.PathEscape leaves a few characters RFC 5987 does not allow in
	// attr-char; escape them too.
	enc := url.PathEscape(name)
	enc = strings.NewReplacer("'", "%27", "(", "%28", ")", "%29", "*", "%2A", ",", "%2C", ";", "%3B", "=", "%3D", "@", "%40", ":", "%3A", "&", "%26", "+", "%2B", "$", "%24").Replace(enc)
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + enc
}
