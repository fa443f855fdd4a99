package domain

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SiteSettings are the deployment's own lines in every page's footer, set
// by an administrator: 主办单位 and the ICP 备案号 that Chinese government
// sites must show. Empty fields are not shown.
type SiteSettings struct {
	Organizer string    `json:"organizer"` // 主办单位, e.g. 湖北省人事考试院
	ICP       string    `json:"icp"`       // ICP 备案号, e.g. 鄂ICP备05003302号-1
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"` // account ID of the administrator
}

// MaxOrganizer is the longest 主办单位 name, in characters.
const MaxOrganizer = 60

// icpNumber is the shape of a 备案号: one province character, "ICP备",
// the number, "号", optionally "-N" for one of several sites.
var icpNumber = regexp.MustCompile(`^\p{Han}ICP备\d{4,12}号(-\d{1,3})?$`)

// SiteSettingsForm is the administrator's form for SiteSettings.
type SiteSettingsForm struct {
	Organizer string
	ICP       string
}

// Decide validates the form and returns the settings to store, or the
// field messages. Spaces around the values are dropped; "icp" accepts
// a lowercase "icp".
func (f SiteSettingsForm) Decide(actorID string, now time.Time) (SiteSettings, error) {
	fe := FieldErrors{}
	org := strings.TrimSpace(f.Organizer)
	switch {
	case utf8.RuneCountInString(org) > MaxOrganizer:
		fe.Add("organizer", "主办单位最多 60 个字。")
	case strings.IndexFunc(org, unicode.IsControl) >= 0:
		fe.Add("organizer", "主办单位请写在一行内。")
	}
	icp := strings.Join(strings.Fields(f.ICP), "")
	icp = strings.Replace(icp, "icp", "ICP", 1)
	if icp != "" && !icpNumber.MatchString(icp) {
		fe.Add("icp", "ICP 备案号格式如：鄂ICP备05003302号 或 鄂ICP备05003302号-1。")
	}
	if err := fe.Err(); err != nil {
		return SiteSettings{}, err
	}
	return SiteSettings{Organizer: org, ICP: icp, UpdatedAt: now, UpdatedBy: actorID}, nil
}
