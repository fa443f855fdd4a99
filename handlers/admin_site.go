package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// showSiteSettings is 网站信息: the footer's 主办单位 and ICP 备案号, and the
// reviewers' 常用理由.
func (s *Server) showSiteSettings(c *fiber.Ctx) error {
	st, err := s.store.SiteSettings()
	if err != nil {
		return err
	}
	return s.siteSettingsPage(c, fiber.StatusOK, views.AdminSiteProps{Organizer: st.Organizer, ICP: st.ICP, ReviewReasons: st.ReviewReasonsText(), Saved: st})
}

func (s *Server) siteSettingsPage(c *fiber.Ctx, status int, p views.AdminSiteProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	return s.page(c, status, "网站信息", "admin-site", views.AdminSitePage(p), nil)
}

// saveSiteSettings stores the footer settings (kv.SaveSiteSettings decides
// and audits); a refused form comes back with the messages at its fields.
func (s *Server) saveSiteSettings(c *fiber.Ctx) error {
	f := domain.SiteSettingsForm{Organizer: formValue(c, "organizer"), ICP: formValue(c, "icp"), ReviewReasons: formValue(c, "review_reasons")}
	if _, err := s.store.SaveSiteSettings(f, s.staffAudit(c, "site.update", "")); err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		saved, serr := s.store.SiteSettings()
		if serr != nil {
			return serr
		}
		return s.siteSettingsPage(c, invalidStatus, views.AdminSiteProps{
			Organizer: f.Organizer, ICP: f.ICP, ReviewReasons: f.ReviewReasons, Saved: saved, Fields: domain.ErrorFields(err), Error: domain.ErrorMessage(err),
		})
	}
	return s.redirectFlash(c, "/admin/site", "ok", "网站信息已保存。")
}
