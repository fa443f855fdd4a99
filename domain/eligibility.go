package domain

import (
	"slices"
	"strings"
	"time"
)

// CheckEligibility compares the candidate with position p's requirements.
//
// hard lists requirements the candidate clearly does not meet, each a
// Chinese sentence naming the requirement and the candidate's value: age at
// the exam's reference date above MaxAge, 学历 or 学位 below the minimum,
// 政治面貌 not among those accepted, too few years of 基层工作经历.
//
// soft lists what the system cannot decide and the candidate must
// acknowledge (and the reviewer check): 专业, 职级, 其他条件, requirement
// text it does not understand, and requirements whose candidate data is not
// filled in yet. Missing data is soft rather than hard so that searching
// positions before filling the form does not hide everything.
//
// Decisions: 学历 and 学位 take the higher of 全日制 and 在职 education
// unless the requirement says 全日制. A 中共党员 requirement accepts 中共预备党员
// too (a probationary member carries a member's duties, and announcements
// usually say "含预备党员"); "中共正式党员" or "正式党员" accepts only 中共党员.
// Ages are whole years (周岁): "35周岁以下" admits a candidate who is 35 on
// the reference date and refuses one who turned 36.
func CheckEligibility(p *Position, acct *Account, f *ApplicationForm, exam *Exam) (hard []string, soft []string) {
	if f == nil {
		f = &ApplicationForm{}
	}

	if p.MaxAge > 0 {
		birth, bok := accountBirthDate(acct)
		ref, rok := referenceDate(exam)
		switch {
		case !bok:
			soft = append(soft, "年龄要求："+itoa(p.MaxAge)+"周岁以下（无法确定出生日期，请审核员核对）")
		case !rok:
			soft = append(soft, "年龄要求："+itoa(p.MaxAge)+"周岁以下（考试未设置年龄计算日期，请审核员核对）")
		default:
			if age := yearsBetween(birth, ref); age > p.MaxAge {
				hard = append(hard, "年龄要求为"+itoa(p.MaxAge)+"周岁以下（计算至"+ref.Format("2006-01-02")+
					"），您届时为"+itoa(age)+"周岁")
			}
		}
	}

	hard, soft = checkRanked("学历", p.Education, EducationRank, f.FullTimeEducation, f.PartTimeEducation, hard, soft)
	hard, soft = checkRanked("学位", p.Degree, DegreeRank, f.FullTimeDegree, f.PartTimeDegree, hard, soft)

	if req := strings.TrimSpace(p.Political); !unrestricted(req) {
		accepted, ok := acceptedPolitical(req)
		switch {
		case !ok:
			soft = append(soft, "政治面貌要求："+p.Political)
		case f.Political == "":
			soft = append(soft, "政治面貌要求："+p.Political+"（请先填报政治面貌）")
		case !slices.Contains(accepted, f.Political):
			hard = append(hard, "政治面貌要求为"+p.Political+"，您填报的是"+f.Political)
		}
	}

	if p.GrassrootsYears > 0 {
		switch {
		case f.WorkStartDate == "":
			// GrassrootsYears is 0 both when typed and when never filled;
			// the work start date tells the work section was filled.
			soft = append(soft, "要求具有"+itoa(p.GrassrootsYears)+"年以上基层工作经历（请先填报工作情况）")
		case f.GrassrootsYears < p.GrassrootsYears:
			hard = append(hard, "要求具有"+itoa(p.GrassrootsYears)+"年以上基层工作经历，您填报的是"+itoa(f.GrassrootsYears)+"年")
		}
	}

	for _, r := range []struct{ label, text string }{
		{"专业要求", p.Major}, {"职级要求", p.Rank}, {"其他条件", p.Other},
	} {
		if t := strings.TrimSpace(r.text); !unrestricted(t) {
			soft = append(soft, r.label+"："+t)
		}
	}
	return hard, soft
}

// MeetsHardRequirements reports whether CheckEligibility finds no hard
// failure; position search uses it to filter.
func MeetsHardRequirements(p *Position, acct *Account, f *ApplicationForm, exam *Exam) bool {
	hard, _ := CheckEligibility(p, acct, f, exam)
	return len(hard) == 0
}

func unrestricted(s string) bool {
	return s == "" || s == "不限" || s == "无" || s == "无要求"
}

func fullTimeWord(fullTime bool) string {
	if fullTime {
		return "全日制"
	}
	return "最高"
}

// acceptedPolitical turns a 政治面貌 requirement into the statuses it
// accepts. Alternatives may be joined by 或, 、, ， or /. ok is false when
// any part is not understood, so the whole requirement goes to the reviewer.
func acceptedPolitical(req string) (accepted []string, ok bool) {
	for _, junk := range []string{"（含预备党员）", "(含预备党员)", "（含中共预备党员）", "(含中共预备党员)"} {
		req = strings.ReplaceAll(req, junk, "")
	}
	parts := strings.FieldsFunc(req, func(r rune) bool {
		return r == '或' || r == '、' || r == '，' || r == ',' || r == '/' || r == ' '
	})
	if len(parts) == 0 {
		return nil, false
	}
	for _, p := range parts {
		switch p {
		case "中共党员", "党员":
			accepted = append(accepted, "中共党员", "中共预备党员")
		case "中共正式党员", "正式党员":
			accepted = append(accepted, "中共党员")
		case "民主党派", "民主党派成员":
			accepted = append(accepted, DemocraticParties...)
		case "团员":
			accepted = append(accepted, "共青团员")
		default:
			if !slices.Contains(PoliticalStatuses, p) {
				return nil, false
			}
			accepted = append(accepted, p)
		}
	}
	return accepted, true
}

// accountBirthDate is the account's birth date, or the one in its 身份证号
// when the field was not filled.
func accountBirthDate(acct *Account) (time.Time, bool) {
	if acct == nil {
		return time.Time{}, false
	}
	if t, err := time.ParseInLocation("2006-01-02", acct.BirthDate, Shanghai); err == nil {
		return t, true
	}
	if len(acct.LoginName) == 18 {
		return idBirthDate(acct.LoginName[6:14])
	}
	return time.Time{}, false
}

// referenceDate is the day ages are computed at: the exam's ReferenceDate,
// else the last day of registration.
func referenceDate(exam *Exam) (time.Time, bool) {
	if exam == nil {
		return time.Time{}, false
	}
	if t, err := time.ParseInLocation("2006-01-02", exam.ReferenceDate, Shanghai); err == nil {
		return t, true
	}
	if !exam.Registration.End.IsZero() {
		// End is exclusive: an end at 17:00 on the 7th means registration's
		// last day is the 7th; an end at 00:00 on the 8th also means the 7th.
		return dateOf(exam.Registration.End.Add(-time.Nanosecond)), true
	}
	return time.Time{}, false
}

// checkRanked checks an ordered requirement (学历 or 学位, named by kind):
// the candidate's higher of full-time and part-time counts unless the
// requirement says 全日制. Text the ranks don't know goes to soft for the
// reviewer, and so does a requirement the candidate has not filled in yet.
func checkRanked(kind, requirement string, rank func(string) int, fullTimeVal, partTimeVal string, hard, soft []string) ([]string, []string) {
	req := strings.TrimSpace(requirement)
	if unrestricted(req) {
		return hard, soft
	}
	fullTime := strings.Contains(req, "全日制")
	need := rank(strings.TrimSpace(strings.ReplaceAll(req, "全日制", "")))
	have, label := rank(fullTimeVal), fullTimeVal
	if !fullTime {
		if r := rank(partTimeVal); r > have {
			have, label = r, partTimeVal
		}
	}
	switch {
	case need < 0:
		soft = append(soft, kind+"要求："+requirement)
	case have < 0:
		soft = append(soft, kind+"要求："+requirement+"（请先填报"+kind+"）")
	case have < need:
		hard = append(hard, kind+"要求为"+requirement+"，您填报的"+fullTimeWord(fullTime)+kind+"为"+label)
	}
	return hard, soft
}
