package domain

import (
	"strconv"
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
		{"both set", SiteSettingsForm{Organizer: " 湖北省人事考试院 ", ICP: "鄂ICP备05003302号-1"}, "湖北省人事考试院", "鄂ICP备05003302号-1", ""},
		{"both empty hides the line", SiteSettingsForm{Organizer: "", ICP: ""}, "", "", ""},
		{"icp with spaces and lowercase", SiteSettingsForm{Organizer: "", ICP: "鄂 icp备 05003302号"}, "", "鄂ICP备05003302号", ""},
		{"icp without 号", SiteSettingsForm{Organizer: "", ICP: "鄂ICP备05003302"}, "", "", "icp"},
		{"icp without province", SiteSettingsForm{Organizer: "", ICP: "ICP备05003302号"}, "", "", "icp"},
		{"icp free text", SiteSettingsForm{Organizer: "", ICP: "备案中"}, "", "", "icp"},
		{"organizer too long", SiteSettingsForm{Organizer: strings.Repeat("考", 61), ICP: ""}, "", "", "organizer"},
		{"organizer on two lines", SiteSettingsForm{Organizer: "湖北省\n人事考试院", ICP: ""}, "", "", "organizer"},
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

func TestSiteSettingsReviewReasons(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, Shanghai)
	cases := []struct {
		name      string
		text      string
		want      []string // nil: the built-in list
		wantField bool
	}{
		{"empty keeps the built-in list", "", nil, false},
		{"the built-in list unchanged is not copied", strings.Join(CommonReviewReasons, "\r\n"), nil, false},
		{"own list, blank lines and repeats dropped", " 照片背景不是白色 \r\n\n推荐表缺少签字\n照片背景不是白色\n", []string{"照片背景不是白色", "推荐表缺少签字"}, false},
		{"too long a reason", "好\n" + strings.Repeat("长", MaxReviewReasonLen+1), nil, true},
		{"a tab inside", "照片\t模糊", nil, true},
		{"too many reasons", numbered(MaxReviewReasons + 1), nil, true},
		{"as many as allowed", numbered(MaxReviewReasons), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SiteSettingsForm{ReviewReasons: tc.text}.Decide("admin1", now)
			if tc.wantField {
				if ErrorFields(err)["review_reasons"] == "" {
					t.Fatalf("err %v, want a message at review_reasons", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if tc.name == "as many as allowed" {
				want = strings.Split(numbered(MaxReviewReasons), "\n")
			}
			if strings.Join(got.ReviewReasons, "|") != strings.Join(want, "|") {
				t.Errorf("stored %q, want %q", got.ReviewReasons, want)
			}
			list := got.ReviewReasonList()
			if want == nil && strings.Join(list, "|") != strings.Join(CommonReviewReasons, "|") {
				t.Errorf("pick list %q, want the built-in one", list)
			}
		})
	}
}

// numbered is n distinct reasons, one per line.
func numbered(n int) string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = "理由" + strconv.Itoa(i+1)
	}
	return strings.Join(lines, "\n")
}
