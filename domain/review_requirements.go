package domain

import "strings"

// RequirementCheck is one requirement of a position as the review page
// shows it: what the position asks, and whether the application meets it.
type RequirementCheck struct {
	Label    string // 年龄, 学历, …
	Required string // the position's requirement as written
	// Result: "pass", "fail" (a hard requirement not met) or "check" (the
	// reviewer must judge: 专业, 职级, 其他条件 and what the rules cannot read).
	Result string
	Note   string // why it failed or what to check
}

// ReviewRequirements checks app against each requirement of p separately
// (CheckEligibility on a copy of p with only that requirement), so the
// reviewer sees pass or fail per hard requirement and the soft ones
// flagged. Requirements the position does not set are left out.
func ReviewRequirements(p *Position, acct *Account, f *ApplicationForm, exam *Exam) []RequirementCheck {
	base := Position{ExamID: p.ExamID, Code: p.Code, Department: p.Department}
	one := func(label, required string, set func(*Position)) RequirementCheck {
		q := base
		set(&q)
		hard, soft := CheckEligibility(&q, acct, f, exam)
		rc := RequirementCheck{Label: label, Required: required, Result: "pass"}
		switch {
		case len(hard) > 0:
			rc.Result, rc.Note = "fail", strings.Join(hard, "；")
		case len(soft) > 0:
			rc.Result, rc.Note = "check", strings.Join(soft, "；")
		}
		return rc
	}
	var out []RequirementCheck
	if p.MaxAge > 0 {
		out = append(out, one("年龄", itoa(p.MaxAge)+"周岁以下", func(q *Position) { q.MaxAge = p.MaxAge }))
	}
	if !unrestricted(strings.TrimSpace(p.Education)) {
		out = append(out, one("学历", p.Education, func(q *Position) { q.Education = p.Education }))
	}
	if !unrestricted(strings.TrimSpace(p.Degree)) {
		out = append(out, one("学位", p.Degree, func(q *Position) { q.Degree = p.Degree }))
	}
	if !unrestricted(strings.TrimSpace(p.Political)) {
		out = append(out, one("政治面貌", p.Political, func(q *Position) { q.Political = p.Political }))
	}
	if p.GrassrootsYears > 0 {
		out = append(out, one("基层工作经历", itoa(p.GrassrootsYears)+"年以上", func(q *Position) { q.GrassrootsYears = p.GrassrootsYears }))
	}
	for _, r := range []struct{ label, text string }{{"专业", p.Major}, {"职级", p.Rank}, {"其他条件", p.Other}} {
		if t := strings.TrimSpace(r.text); !unrestricted(t) {
			out = append(out, RequirementCheck{Label: r.label, Required: t, Result: "check", Note: "请审核员核对"})
		}
	}
	return out
}

// CommonReviewReasons are offered as a pick list on the review page,
// besides free text.
var CommonReviewReasons = []string{
	"报名推荐表未加盖公章或印章不清晰",
	"报名推荐表与所报职位不一致",
	"照片不符合要求",
	"学历学位信息与证书不一致",
	"专业不符合职位要求",
	"基层工作经历年限不足",
	"职级不符合职位要求",
	"个人简历不完整或时间不连续",
	"年度考核结果填写不完整",
}

// ComposeReason joins a picked common reason and the reviewer's own text.
func ComposeReason(picked, text string) string {
	picked, text = strings.TrimSpace(picked), strings.TrimSpace(text)
	switch {
	case picked == "":
		return text
	case text == "":
		return picked
	}
	return picked + "；" + text
}
