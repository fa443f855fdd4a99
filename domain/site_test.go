package domain

import (
	"strings"
	"testing"
	"time"
)

func TestSiteSettingsFormDecide(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, Shanghai)
	cases := []struct {
		name             string
		form             SiteSettingsForm
		wantOrg, wantICP string
		wantField        string
	}{
		{"both set", SiteSettingsForm{" 湖北省人事考试院 ", "鄂ICP备05003302号-1"}, "湖北省人事考试院", "鄂ICP备05003302号-1", ""},
		{"both empty hides the line", SiteSettingsForm{"", ""}, "", "", ""},
		{"icp with spaces and lowercase", SiteSettingsForm{"", "鄂 icp备 05003302号"}, "", "鄂ICP备05003302号", ""},
		{"icp without 号", SiteSettingsForm{"", "鄂ICP备05003302"}, "", "", "icp"},
		{"icp without province", SiteSettingsForm{"", "ICP备05003302号"}, "", "", "icp"},
		{"icp free text", SiteSettingsForm{"", "备案中"}, "", "", "icp"},
		{"organizer too long", SiteSettingsForm{strings.Repeat("考", 61), ""}, "", "", "organizer"},
		{"organizer on two lines", SiteSettingsForm{"湖北省\n人事考试院", ""}, "", "", "organizer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.form.Decide("admin1", now)
			if tc.wantField != "" {
				if ErrorFields(err)[tc.wantField] == "" {
					t.Fatalf("err %v, want a message on %s", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Organizer != tc.wantOrg || got.ICP != tc.wantICP || got.UpdatedBy != "admin1" || !got.UpdatedAt.Equal(now) {
				t.Errorf("got %+v, want organizer %q icp %q", got, tc.wantOrg, tc.wantICP)
			}
		})
	}
}
