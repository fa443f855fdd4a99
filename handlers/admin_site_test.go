package handlers

import (
	"net/url"
	"strings"
	"testing"

	"examreg/domain"
)

// TestAdminSiteSettings: an administrator sets 主办单位 and the ICP 备案号,
// every page's footer then shows them (also to visitors); a malformed
// 备案号 is refused at its field with nothing stored; other roles get 403.
func TestAdminSiteSettings(t *testing.T) {
	ts := newTestServer(t)
	admin := loginStaff(t, ts, domain.RoleAdmin, "siteadmin")
	if r := admin.Get("/admin/site"); r.Status != 200 || r.Doc().Find(`[data-testid="site-form"]`).Length() == 0 {
		t.Fatalf("GET /admin/site: %s", r)
	}
	if r := ts.client().Get("/"); r.TestID("footer-site") != "" {
		t.Fatalf("footer before settings: %q", r.TestID("footer-site"))
	}

	r := admin.PostForm("/admin/site", url.Values{"organizer": {"湖北省人事考试院"}, "icp": {"备案中"}})
	if r.Status != 422 || r.FieldError("icp") == "" {
		t.Fatalf("invalid ICP: %s", r)
	}
	if got := admin.Get("/").TestID("footer-site"); got != "" {
		t.Fatalf("refused form changed the footer: %q", got)
	}

	r = admin.PostForm("/admin/site", url.Values{"organizer": {"湖北省人事考试院"}, "icp": {"鄂ICP备05003302号-1"}})
	if r.Status != 303 || r.Location() != "/admin/site" {
		t.Fatalf("save: %s", r)
	}
	for _, path := range []string{"/", "/notices", "/login"} {
		foot := ts.client().Get(path).TestID("footer-site")
		if !strings.Contains(foot, "主办单位：湖北省人事考试院") || !strings.Contains(foot, "鄂ICP备05003302号-1") {
			t.Errorf("%s footer %q", path, foot)
		}
	}

	reviewer := loginStaff(t, ts, domain.RoleReviewer, "sitereviewer")
	if r := reviewer.PostForm("/admin/site", url.Values{"organizer": {"x"}}); r.Status != 403 {
		t.Errorf("reviewer POST /admin/site: status %d, want 403", r.Status)
	}
}
