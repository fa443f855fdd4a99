package domain

import "strings"

// Complete reports whether every mandatory field of the form is filled
// (formats and dates are checked by Validate). The 报考流程 page uses it to
// show 填报信息 as done.
func (f *ApplicationForm) Complete() bool {
	for _, v := range []string{
		f.Ethnicity, f.NativePlace, f.BirthPlace, f.Political, f.WorkStartDate, f.CivilServantDate,
		f.Employer, f.Rank, f.RankDate, f.Health, f.FullTimeEducation, f.FullTimeDegree,
		f.FullTimeSchool, f.FullTimeMajor, f.FullTimeGradDate, f.Appraisals, f.Phone, f.Address,
		f.Resume, f.Rewards,
	} {
		if strings.TrimSpace(v) == "" {
			return false
		}
	}
	if partyMember(f.Political) && strings.TrimSpace(f.PartyJoinDate) == "" {
		return false
	}
	return len(f.Family) > 0
}

// partyMember: 中共党员 and 中共预备党员 both have an 入党时间.
func partyMember(p string) bool { return p == "中共党员" || p == "中共预备党员" }
