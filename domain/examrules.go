package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Exam and position rules for the administrator: the exam form (levels,
// subjects, fee, 承诺书 versions, the five windows) and the position
// fields shared by the position form and the Excel 职位表.

// ExamForm is the administrator's exam form as typed. Windows hold
// datetime-local values ("2006-01-02T15:04") read in Asia/Shanghai.
type ExamForm struct {
	Name          string
	Code          string
	Levels        string // one level a line: "代码 名称", e.g. "sz 省直机关"
	Subjects      string // one 笔试科目 a line
	Fee           string // 元, up to two decimals
	Pledge        string // 报考承诺书 text
	ReferenceDate string // YYYY-MM-DD; empty = last day of registration
	Published     bool
	Windows       map[WindowKind][2]string // start, end
}

// WindowKinds lists the five windows in the order of the exam's life.
var WindowKinds = []WindowKind{WindowRegistration, WindowReview, WindowPayment, WindowTicket, WindowScore}

// Exam form limits.
const (
	MaxExamNameLen = 100
	MaxPledgeLen   = 10000
	MaxLevels      = 10
	MaxSubjects    = 10
	MaxFeeFen      = 100000 * 100
)

// DatetimeLocal is the layout of an <input type="datetime-local"> value.
const DatetimeLocal = "2006-01-02T15:04"

var (
	examCodeRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{2,32}$`)
	levelCodeRe = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
)

// WindowField is the form field name of one end of a window.
func WindowField(k WindowKind, end bool) string {
	if end {
		return string(k) + "_end"
	}
	return string(k) + "_start"
}

// ExamFormOf fills the form from a stored exam, for editing.
func ExamFormOf(e *Exam) ExamForm {
	f := ExamForm{
		Name: e.Name, Code: e.Code, Pledge: e.CurrentPledge().Text, ReferenceDate: e.ReferenceDate,
		Published: e.Published, Fee: FormatFee(e.FeeFen), Windows: map[WindowKind][2]string{},
	}
	var lv []string
	for _, l := range e.Levels {
		lv = append(lv, l.Code+" "+l.Name)
	}
	f.Levels = strings.Join(lv, "\n")
	f.Subjects = strings.Join(e.Subjects, "\n")
	for _, k := range WindowKinds {
		w := e.Window(k)
		f.Windows[k] = [2]string{formatLocal(w.Start), formatLocal(w.End)}
	}
	return f
}

func formatLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format(DatetimeLocal)
}

// ParseDatetimeLocal reads a datetime-local value (with or without seconds,
// a space instead of the T accepted) in Asia/Shanghai.
func ParseDatetimeLocal(s string) (time.Time, bool) {
	s = strings.Replace(strings.TrimSpace(s), " ", "T", 1)
	for _, layout := range []string{DatetimeLocal, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, Shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// FormatFee shows 分 as 元 ("100", "100.50").
func FormatFee(fen int64) string {
	s := strconv.FormatInt(fen/100, 10)
	if r := fen % 100; r != 0 {
		s += "." + string([]byte{byte('0' + r/10), byte('0' + r%10)})
	}
	return s
}

// ParseFee reads an amount in 元 with at most two decimals into 分,
// exactly (no floating point).
func ParseFee(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "元"))
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || (hasDot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	n *= 100
	if len(frac) == 1 {
		frac += "0"
	}
	if frac != "" {
		f, _ := strconv.ParseInt(frac, 10, 64)
		n += f
	}
	return n, true
}

// Apply validates the form and writes it into e (a new exam or a copy of a
// stored one). A changed 承诺书 text becomes a new version, so acceptances
// keep pointing at the text the candidate read. On any error e is left
// unchanged and the error carries a message per field.
func (f ExamForm) Apply(e *Exam, now time.Time) error {
	fe := FieldErrors{}
	out := *e
	out.Name = strings.TrimSpace(f.Name)
	switch n := utf8.RuneCountInString(out.Name); {
	case n == 0:
		fe.Add("name", "请填写考试名称。")
	case n > MaxExamNameLen:
		fe.Add("name", "考试名称最多 100 个字。")
	}
	out.Code = strings.TrimSpace(f.Code)
	if !examCodeRe.MatchString(out.Code) {
		fe.Add("code", "考试代码为 2～32 位字母、数字、下划线或连字符，例如 2023HBLX。")
	}

	out.Levels = nil
	for i, line := range nonEmptyLines(f.Levels) {
		code, name, _ := strings.Cut(line, " ")
		code, name = strings.TrimSpace(code), strings.TrimSpace(name)
		switch {
		case !levelCodeRe.MatchString(code) || name == "":
			fe.Add("levels", "第 "+strconv.Itoa(i+1)+" 行格式应为「代码 名称」，代码为 1～16 位小写字母或数字，例如「sz 省直机关」。")
		case utf8.RuneCountInString(name) > 30:
			fe.Add("levels", "第 "+strconv.Itoa(i+1)+" 行的层级名称最多 30 个字。")
		case slices.ContainsFunc(out.Levels, func(l Level) bool { return l.Code == code || l.Name == name }):
			fe.Add("levels", "第 "+strconv.Itoa(i+1)+" 行的层级代码或名称与前面的重复。")
		default:
			out.Levels = append(out.Levels, Level{Code: code, Name: name})
		}
	}
	if len(out.Levels) == 0 {
		fe.Add("levels", "请至少设置一个层级，例如「sz 省直机关」。")
	} else if len(out.Levels) > MaxLevels {
		fe.Add("levels", "最多设置 10 个层级。")
	}

	out.Subjects = nonEmptyLines(f.Subjects)
	if len(out.Subjects) > MaxSubjects {
		fe.Add("subjects", "最多设置 10 个笔试科目。")
	}
	for _, s := range out.Subjects {
		if utf8.RuneCountInString(s) > 50 {
			fe.Add("subjects", "每个笔试科目名称最多 50 个字。")
		}
	}

	if fen, ok := ParseFee(f.Fee); !ok || fen > MaxFeeFen {
		fe.Add("fee", "报名费请填写金额（元），最多两位小数，例如 100 或 100.50。")
	} else {
		out.FeeFen = fen
	}

	pledge := strings.TrimSpace(strings.ReplaceAll(f.Pledge, "\r\n", "\n"))
	switch {
	case utf8.RuneCountInString(pledge) > MaxPledgeLen:
		fe.Add("pledge", "报考承诺书最多 10000 个字。")
	case pledge != "" && pledge != e.CurrentPledge().Text:
		out.Pledges = append(slices.Clone(e.Pledges), Pledge{Version: e.CurrentPledge().Version + 1, Text: pledge})
	}

	for _, k := range WindowKinds {
		v := f.Windows[k]
		var w Window
		start, sok := ParseDatetimeLocal(v[0])
		end, eok := ParseDatetimeLocal(v[1])
		switch {
		case strings.TrimSpace(v[0]) != "" && !sok:
			fe.Add(WindowField(k, false), k.Label()+"开始时间格式不正确。")
		case strings.TrimSpace(v[1]) != "" && !eok:
			fe.Add(WindowField(k, true), k.Label()+"结束时间格式不正确。")
		case sok != eok:
			if sok {
				fe.Add(WindowField(k, true), "请同时填写"+k.Label()+"的结束时间。")
			} else {
				fe.Add(WindowField(k, false), "请同时填写"+k.Label()+"的开始时间。")
			}
		case sok:
			w = Window{Start: start, End: end}
		}
		out.setWindow(k, w)
	}
	for field, msg := range ValidateWindows(&out) {
		fe.Add(field, msg)
	}

	out.ReferenceDate = strings.TrimSpace(f.ReferenceDate)
	if out.ReferenceDate != "" {
		if _, err := time.ParseInLocation("2006-01-02", out.ReferenceDate, Shanghai); err != nil {
			fe.Add("reference_date", "年龄计算日期格式应为 2023-03-07。")
		}
	} else if !out.Registration.End.IsZero() {
		out.ReferenceDate = out.Registration.End.Add(-time.Nanosecond).In(Shanghai).Format("2006-01-02")
	}

	out.Published = f.Published
	if out.Published {
		if len(out.Pledges) == 0 {
			fe.Add("pledge", "发布考试前请填写报考承诺书。")
		}
		if out.Registration.Start.IsZero() || out.Review.Start.IsZero() {
			fe.Add("published", "发布考试前请设置报名和审核时间。")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if out.CreatedAt.IsZero() {
		out.CreatedAt = now
	}
	out.UpdatedAt = now
	*e = out
	return nil
}

func (e *Exam) setWindow(k WindowKind, w Window) {
	switch k {
	case WindowRegistration:
		e.Registration = w
	case WindowReview:
		e.Review = w
	case WindowPayment:
		e.Payment = w
	case WindowTicket:
		e.Ticket = w
	case WindowScore:
		e.Score = w
	}
}

// ValidateWindows checks an exam's windows: registration and review are
// required; every window set ends after it starts; review starts no earlier
// than registration and ends no earlier than registration ends; payment
// starts no earlier than review. Messages are keyed by form field.
func ValidateWindows(e *Exam) FieldErrors {
	fe := FieldErrors{}
	for _, k := range WindowKinds {
		w := e.Window(k)
		if w.Start.IsZero() {
			if k == WindowRegistration || k == WindowReview {
				fe.Add(WindowField(k, false), "请设置"+k.Label()+"时间。")
			}
			continue
		}
		if !w.End.After(w.Start) {
			fe.Add(WindowField(k, true), k.Label()+"结束时间必须晚于开始时间。")
		}
	}
	reg, rev, pay := e.Registration, e.Review, e.Payment
	if !reg.Start.IsZero() && !rev.Start.IsZero() {
		if rev.Start.Before(reg.Start) {
			fe.Add(WindowField(WindowReview, false), "审核开始时间不能早于报名开始时间。")
		}
		if rev.End.Before(reg.End) {
			fe.Add(WindowField(WindowReview, true), "审核结束时间不能早于报名结束时间（报名最后一刻提交的也要能审核）。")
		}
	}
	if !pay.Start.IsZero() && !rev.Start.IsZero() && pay.Start.Before(rev.Start) {
		fe.Add(WindowField(WindowPayment, false), "缴费开始时间不能早于审核开始时间。")
	}
	return fe
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// PositionField is one field of a position: its form key and its 职位表
// column header.
type PositionField struct {
	Key      string
	Header   string
	Required bool
}

// PositionFields are the 职位表 columns in their usual order.
var PositionFields = []PositionField{
	{"code", "职位代码", true},
	{"department", "遴选机关", true},
	{"employer", "用人单位", true},
	{"title", "职位名称", true},
	{"level", "层级", true},
	{"description", "职位简介", false},
	{"quota", "遴选计划", true},
	{"education", "学历", false},
	{"degree", "学位", false},
	{"major", "专业", false},
	{"max_age", "年龄上限", false},
	{"political", "政治面貌", false},
	{"grassroots_years", "基层工作经历年限", false},
	{"rank", "职级要求", false},
	{"other", "其他条件", false},
	{"phone", "咨询电话", false},
}

// PositionHeader returns the 职位表 header of a field key.
func PositionHeader(key string) string {
	for _, f := range PositionFields {
		if f.Key == key {
			return f.Header
		}
	}
	return key
}

// Position field limits.
const (
	MaxPositionQuota = 999
	MaxAgeLimit      = 65
	MinAgeLimit      = 18
	MaxGrassrootsReq = 40
)

var (
	positionCodeRe = regexp.MustCompile(`^[0-9A-Za-z_-]{1,20}$`)
	phoneCharsRe   = regexp.MustCompile(`^[0-9 \-+()（）、,，/;；转]*$`)
)

var positionTextLimits = map[string]int{
	"department": 100, "employer": 100, "title": 100, "description": 1000, "education": 30,
	"degree": 30, "major": 500, "political": 50, "rank": 100, "other": 1000, "phone": 50,
}

// ParsePosition reads a position from its text fields (the position form
// or one 职位表 row), keyed as PositionFields. The 层级 may be given by code
// or name. Requirements written 不限, 无 or 无要求 are stored empty. It
// returns every problem, keyed by field.
func ParsePosition(text map[string]string, exam *Exam) (Position, FieldErrors) {
	get := func(k string) string { return strings.TrimSpace(text[k]) }
	fe := FieldErrors{}
	p := Position{
		ExamID:      exam.ID,
		Code:        get("code"),
		Department:  get("department"),
		Employer:    get("employer"),
		Title:       get("title"),
		Description: get("description"),
		Education:   requirement(get("education")),
		Degree:      requirement(get("degree")),
		Major:       requirement(get("major")),
		Political:   requirement(get("political")),
		Rank:        requirement(get("rank")),
		Other:       requirement(get("other")),
		Phone:       get("phone"),
	}
	for _, f := range PositionFields {
		if f.Required && get(f.Key) == "" {
			fe.Add(f.Key, "请填写"+f.Header+"。")
		}
		if lim, ok := positionTextLimits[f.Key]; ok && utf8.RuneCountInString(get(f.Key)) > lim {
			fe.Add(f.Key, f.Header+"最多 "+strconv.Itoa(lim)+" 个字。")
		}
		if !utf8.ValidString(text[f.Key]) {
			fe.Add(f.Key, f.Header+"含有无法识别的字符。")
		}
	}
	if p.Code != "" && !positionCodeRe.MatchString(p.Code) {
		fe.Add("code", "职位代码为 1～20 位数字或字母，例如 14230001。")
	}
	if lv := get("level"); lv != "" {
		found := false
		for _, l := range exam.Levels {
			if l.Code == lv || l.Name == lv {
				p.LevelCode, found = l.Code, true
				break
			}
		}
		if !found {
			var names []string
			for _, l := range exam.Levels {
				names = append(names, l.Name)
			}
			fe.Add("level", "层级「"+lv+"」不是本考试的层级，应为："+strings.Join(names, "、")+"。")
		}
	}
	if s := get("quota"); s != "" {
		n, ok := wholeNumber(s, "人", "名")
		switch {
		case !ok:
			fe.Add("quota", "遴选计划必须是整数，例如 1。")
		case n < 1 || n > MaxPositionQuota:
			fe.Add("quota", "遴选计划必须在 1 到 999 之间。")
		default:
			p.Quota = n
		}
	}
	if s := requirement(get("max_age")); s != "" {
		n, ok := wholeNumber(s, "周岁以下", "周岁及以下", "周岁", "岁以下", "岁")
		switch {
		case !ok:
			fe.Add("max_age", "年龄上限请填写整数周岁（如 35）或“不限”。")
		case n < MinAgeLimit || n > MaxAgeLimit:
			fe.Add("max_age", "年龄上限必须在 18 到 65 周岁之间。")
		default:
			p.MaxAge = n
		}
	}
	if s := requirement(get("grassroots_years")); s != "" {
		n, ok := wholeNumber(s, "年以上", "年及以上", "年")
		switch {
		case !ok:
			fe.Add("grassroots_years", "基层工作经历年限请填写整数年（如 2）或“不限”。")
		case n < 0 || n > MaxGrassrootsReq:
			fe.Add("grassroots_years", "基层工作经历年限必须在 0 到 40 年之间。")
		default:
			p.GrassrootsYears = n
		}
	}
	if p.Education != "" {
		if EducationRank(strings.TrimSpace(strings.ReplaceAll(p.Education, "全日制", ""))) < 0 {
			fe.Add("education", "学历要求无法识别，请填写 研究生、大学本科、大学专科 等（可加“全日制”“及以上”）或“不限”。")
		}
	}
	if p.Degree != "" {
		if DegreeRank(strings.TrimSpace(strings.ReplaceAll(p.Degree, "全日制", ""))) < 0 {
			fe.Add("degree", "学位要求无法识别，请填写 博士、硕士、学士（可加“及以上”）或“不限”。")
		}
	}
	if p.Political != "" {
		if _, ok := acceptedPolitical(p.Political); !ok {
			fe.Add("political", "政治面貌要求无法识别，请填写 中共党员、共青团员、民主党派 等或“不限”。")
		}
	}
	if p.Phone != "" && !phoneCharsRe.MatchString(p.Phone) {
		fe.Add("phone", "咨询电话只能包含数字、连字符和分隔符，例如 027-87231405。")
	}
	return p, fe
}

// requirement stores 不限-style text as empty.
func requirement(s string) string {
	if unrestricted(s) {
		return ""
	}
	return s
}

// wholeNumber reads a non-negative integer, allowing one of the unit
// suffixes and a trailing ".0" (Excel number cells).
func wholeNumber(s string, suffixes ...string) (int, bool) {
	for _, suf := range suffixes {
		if t, ok := strings.CutSuffix(s, suf); ok {
			s = strings.TrimSpace(t)
			break
		}
	}
	s = strings.TrimSuffix(s, ".0")
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// PositionText is the reverse of ParsePosition: the text fields of a
// position as the form and the exported 职位表 show them (层级 by name,
// empty requirements as 不限). ParsePosition(PositionText(p)) gives p back.
func PositionText(p *Position, exam *Exam) map[string]string {
	lv := p.LevelCode
	if l, ok := exam.Level(p.LevelCode); ok {
		lv = l.Name
	}
	num := func(n int) string {
		if n == 0 {
			return "不限"
		}
		return strconv.Itoa(n)
	}
	return map[string]string{
		"code": p.Code, "department": p.Department, "employer": p.Employer, "title": p.Title,
		"level": lv, "description": p.Description, "quota": strconv.Itoa(p.Quota),
		"education": orUnrestricted(p.Education), "degree": orUnrestricted(p.Degree),
		"major": orUnrestricted(p.Major), "max_age": num(p.MaxAge),
		"political": orUnrestricted(p.Political), "grassroots_years": num(p.GrassrootsYears),
		"rank": orUnrestricted(p.Rank), "other": orUnrestricted(p.Other), "phone": p.Phone,
	}
}

func orUnrestricted(s string) string {
	if s == "" {
		return "不限"
	}
	return s
}

// SamePosition reports whether two positions have the same content
// (ignoring UpdatedAt), so a re-import can leave unchanged rows alone.
func SamePosition(a, b *Position) bool {
	x, y := *a, *b
	x.UpdatedAt, y.UpdatedAt = time.Time{}, time.Time{}
	return x == y
}

// CheckLevelsRemoved refuses an exam edit that drops a level of old
// (the stored exam) while positions still use it (ECONFLICT on "levels").
func CheckLevelsRemoved(old, updated *Exam, positions []Position) error {
	for _, l := range old.Levels {
		if _, still := updated.Level(l.Code); still {
			continue
		}
		for _, p := range positions {
			if p.LevelCode == l.Code {
				return &Error{Code: ECONFLICT, Message: "层级「" + l.Name + "」下还有职位，不能删除。",
					Fields: FieldErrors{"levels": "层级「" + l.Name + "」（" + l.Code + "）下还有职位（如 " + p.Code + "），请先删除或移动这些职位。"}}
			}
		}
	}
	return nil
}
