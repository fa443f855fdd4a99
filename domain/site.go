package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SiteSettings are the deployment's own words, set by an administrator: the
// lines in every page's footer (主办单位 and the ICP 备案号 that Chinese
// government sites must show; empty fields are not shown) and the
// reviewers' 常用理由.
type SiteSettings struct {
	Organizer string `json:"organizer"` // 主办单位, e.g. 湖北省人事考试院
	ICP       string `json:"icp"`       // ICP 备案号, e.g. 鄂ICP备05003302号-1
	// ReviewReasons replace CommonReviewReasons on the review page when set:
	// each office words its own 常用退回理由.
	ReviewReasons []string  `json:"review_reasons,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
	UpdatedBy     string    `json:"updated_by"` // account ID of the administrator
}

// MaxOrganizer is the longest 主办单位 name, in characters.
const MaxOrganizer = 60

// icpNumber is the shape of a 备案号: one province character, "ICP备",
// the number, "号", optionally "-N" for one of several sites.
var icpNumber = regexp.MustCompile(`^\p{Han}ICP备\d{4,12}号(-\d{1,3})?$`)

// SiteSettingsForm is the administrator's form for SiteSettings.
type SiteSettingsForm struct {
	Organizer     string
	ICP           string
	ReviewReasons string // one reason per line
}

// Review reasons are picked from a list, so each stays short and the
// list stays scannable.
const (
	MaxReviewReasons   = 30
	MaxReviewReasonLen = 60
)

// ReviewReasonList is the pick list the review page offers: the office's
// own when it set one, the built-in list otherwise.
func (st SiteSettings) ReviewReasonList() []string {
	if len(st.ReviewReasons) > 0 {
		return st.ReviewReasons
	}
	return CommonReviewReasons
}

// ReviewReasonsText is the list as the form's textarea shows it.
func (st SiteSettings) ReviewReasonsText() string {
	return strings.Join(st.ReviewReasonList(), "\n")
}

// parseReviewReasons reads one reason per line; blank lines and repeats are
// dropped. An empty list means "use the built-in one".
func parseReviewReasons(text string, fe FieldErrors) []string {
	var out []string
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		r := strings.TrimSpace(line)
		switch {
		case r == "" || seen[r]:
			continue
		case utf8.RuneCountInString(r) > MaxReviewReasonLen:
			fe.Add("review_reasons", fmt.Sprintf("第 %d 行超过 %d 个字，请写得简短些。", i+1, MaxReviewReasonLen))
			return nil
		case strings.IndexFunc(r, unicode.IsControl) >= 0:
			fe.Add("review_reasons", fmt.Sprintf("第 %d 行含有不能显示的字符。", i+1))
			return nil
		}
		seen[r] = true
		out = append(out, r)
	}
	if len(out) > MaxReviewReasons {
		fe.Add("review_reasons", fmt.Sprintf("常用理由最多 %d 条，现有 %d 条。", MaxReviewReasons, len(out)))
		return nil
	}
	if slices.Equal(out, CommonReviewReasons) {
		return nil // unchanged built-in list: keep following it
	}
	return out
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
	reasons := parseReviewReasons(f.ReviewReasons, fe)
	if err := fe.Err(); err != nil {
		return SiteSettings{}, err
	}
	return SiteSettings{Organizer: org, ICP: icp, ReviewReasons: reasons, UpdatedAt: now, UpdatedBy: actorID}, nil
}
