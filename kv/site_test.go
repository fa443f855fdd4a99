package kv

import (
	"testing"
	"time"

	"examreg/domain"
)

// TestSiteSettings: saved settings are read back (also after a restart),
// each save is audited, and an invalid form writes nothing.
func TestSiteSettings(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	if st, err := s.SiteSettings(); err != nil || st.Organizer != "" || st.ICP != "" {
		t.Fatalf("fresh store: %+v, %v; want empty settings", st, err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, domain.Shanghai)
	audit := AuditEntry{At: now, ActorID: "admin1"}
	if _, err := s.SaveSiteSettings(domain.SiteSettingsForm{Organizer: "湖北省人事考试院", ICP: "鄂ICP备05003302号"}, audit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSiteSettings(domain.SiteSettingsForm{Organizer: "x", ICP: "备案中"}, audit); domain.ErrorFields(err)["icp"] == "" {
		t.Fatalf("invalid ICP: %v, want a field error", err)
	}
	st, _ := s.SiteSettings()
	if st.Organizer != "湖北省人事考试院" || st.ICP != "鄂ICP备05003302号" {
		t.Fatalf("after save: %+v", st)
	}
	log, err := s.AuditLog(10)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.Action == "site.update" && e.ActorID == "admin1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d site.update audit entries, want 1 (the refused save writes none): %+v", n, log)
	}
	s.Close()
	s = openAt(t, dir)
	if st, _ := s.SiteSettings(); st.ICP != "鄂ICP备05003302号" {
		t.Errorf("after restart: %+v", st)
	}
}
