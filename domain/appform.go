package domain

import (
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Ethnicities are the 56 民族 in the order of GB/T 3304, for the 民族 select.
var Ethnicities = []string{
	"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
	"满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
	"佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
	"达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
	"塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
	"独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
}

// PoliticalStatuses are the 政治面貌 choices (after GB/T 4762).
var PoliticalStatuses = []string{
	"中共党员", "中共预备党员", "共青团员",
	"民革党员", "民盟盟员", "民建会员", "民进会员", "农工党党员", "致公党党员", "九三学社社员", "台盟盟员",
	"无党派人士", "群众",
}

// DemocraticParties are the PoliticalStatuses of the eight 民主党派 members.
var DemocraticParties = PoliticalStatuses[3:11]

// Educations are the 学历 choices, highest first.
var Educations = []string{"研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下"}

// Degrees are the 学位 choices, highest first.
var Degrees = []string{"博士", "硕士", "学士", "无"}

// AppraisalOptions are the 年度考核 grades, for composing 近三年年度考核结果.
var AppraisalOptions = []string{"优秀", "称职", "基本称职", "不称职", "未确定等次"}

// HealthOptions are the 健康状况 choices.
var HealthOptions = []string{"健康", "良好", "一般", "较差"}

// EducationRank orders 学历: 研究生 5, 大学本科 4, 大学专科 3, 中专 2,
// 高中 1, 初中及以下 0, and -1 for text it does not recognise. Common
// spellings in 职位表 are understood: 硕士研究生, 本科, 大专, "大学本科及以上".
func EducationRank(s string) int {
	s = strings.TrimSpace(s)
	if s == "初中及以下" || s == "初中" {
		return 0
	}
	s = trimRequirementSuffix(s, "学历")
	switch s {
	case "研究生", "博士研究生", "硕士研究生", "博士", "硕士":
		return 5
	case "大学本科", "本科":
		return 4
	case "大学专科", "专科", "大专":
		return 3
	case "中专", "中等专科", "中技", "职高":
		return 2
	case "高中":
		return 1
	}
	return -1
}

// DegreeRank orders 学位: 博士 3, 硕士 2, 学士 1, 无 0, and -1 for text it
// does not recognise ("硕士学位", "学士及以上" are understood).
func DegreeRank(s string) int {
	s = strings.TrimSpace(s)
	s = trimRequirementSuffix(s, "学位")
	switch s {
	case "博士":
		return 3
	case "硕士":
		return 2
	case "学士":
		return 1
	case "无":
		return 0
	}
	return -1
}

// trimRequirementSuffix strips "及以上", "以上" and noun (学历, 学位) in
// either order: 职位表 write both "本科及以上学历" and "本科学历以上".
func trimRequirementSuffix(s, noun string) string {
	for {
		t := strings.TrimSuffix(s, "及以上")
		t = strings.TrimSuffix(t, "以上")
		t = strings.TrimSuffix(t, noun)
		t = strings.TrimSpace(t)
		if t == s {
			return s
		}
		s = t
	}
}

// Form limits.
const (
	MaxFamilyRows   = 15
	MaxResumeLen    = 2000 // 个人简历, characters
	MaxRewardsLen   = 1000 // 奖惩情况: a list of awards outgrows a one-line field
	MaxTextLen      = 100  // every other text field
	MaxGrassrootsYr = 50
)

// ParseFormDate parses a form date typed as YYYY-MM-DD or YYYY-MM (also
// with / or . separators, as Excel and WPS users type them). For YYYY-MM
// it returns the first day of the month and monthOnly true.
func ParseFormDate(s string) (t time.Time, monthOnly bool, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("/", "-", ".", "-").Replace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, Shanghai); err == nil {
		return t, false, true
	}
	if t, err := time.ParseInLocation("2006-1-2", s, Shanghai); err == nil {
		return t, false, true
	}
	if t, err := time.ParseInLocation("2006-01", s, Shanghai); err == nil {
		return t, true, true
	}
	if t, err := time.ParseInLocation("2006-1", s, Shanghai); err == nil {
		return t, true, true
	}
	return time.Time{}, false, false
}

// formDate is a parsed form date with its precision.
type formDate struct {
	t     time.Time
	month bool
}

// before reports a < b; when either side only has a month, the comparison is
// by month, so "2012-07" is not before "2012-07-15".
func (a formDate) before(b formDate) bool {
	if a.month || b.month {
		ay, am, _ := a.t.Date()
		by, bm, _ := b.t.Date()
		return ay < by || ay == by && am < bm
	}
	return a.t.Before(b.t)
}

func (a formDate) String() string {
	if a.month {
		return a.t.Format("2006-01")
	}
	return a.t.Format("2006-01-02")
}

// FormSection is one part of the 填报信息 form, saved on its own.
type FormSection struct {
	ID     string
	Title  string
	Fields []string // JSON names of ApplicationForm fields; "family" stands for all rows
}

// FormSections lists the form's parts in page order; every field of
// ApplicationForm is in exactly one.
var FormSections = []FormSection{
	{"basic", "基本信息", []string{"ethnicity", "native_place", "birth_place", "political", "party_join_date", "health"}},
	{"work", "工作情况", []string{"work_start_date", "civil_servant_date", "employer", "rank", "rank_date", "grassroots_years"}},
	{"education", "学历学位", []string{"ft_education", "ft_degree", "ft_school", "ft_major", "ft_grad_date",
		"pt_education", "pt_degree", "pt_school", "pt_major"}},
	{"contact", "考核与联系方式", []string{"appraisals", "phone", "address"}},
	{"resume", "简历与奖惩", []string{"resume", "rewards"}},
	{"family", "家庭主要成员", []string{"family"}},
}

// Section returns the section with the given id.
func Section(id string) (FormSection, bool) {
	for _, s := range FormSections {
		if s.ID == id {
			return s, true
		}
	}
	return FormSection{}, false
}

// SectionOfField returns the id of the section holding a form field, by
// its posted name ("family.2.name" is in "family"); "" when none does.
func SectionOfField(name string) string {
	name, _, _ = strings.Cut(name, ".")
	for _, s := range FormSections {
		if slices.Contains(s.Fields, name) {
			return s.ID
		}
	}
	return ""
}

// formFieldIndex maps a JSON field name of ApplicationForm to its struct
// field index, so sections are declared once, by the names forms post.
var formFieldIndex = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[ApplicationForm]()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// MergeSection copies the fields of section from from into f, leaving the
// others untouched; an unknown section copies nothing and returns false.
func (f *ApplicationForm) MergeSection(section string, from ApplicationForm) bool {
	s, ok := Section(section)
	if !ok {
		return false
	}
	dst := reflect.ValueOf(f).Elem()
	src := reflect.ValueOf(&from).Elem()
	for _, name := range s.Fields {
		i := formFieldIndex[name]
		v := src.Field(i)
		if v.Kind() == reflect.Slice && !v.IsNil() {
			v = reflect.ValueOf(slices.Clone(v.Interface().([]FamilyMember)))
		}
		dst.Field(i).Set(v)
	}
	return true
}

// Normalize trims surrounding spaces from every text field, writes
// parseable dates as YYYY-MM or YYYY-MM-DD, and drops
// family rows that are entirely empty (forms post a fixed number of rows).
// Call it before Validate, so error keys like "family.2.name" index the
// rows as stored.
func (f *ApplicationForm) Normalize() {
	v := reflect.ValueOf(f).Elem()
	for i := 0; i < v.NumField(); i++ {
		if fv := v.Field(i); fv.Kind() == reflect.String {
			fv.SetString(strings.TrimSpace(fv.String()))
		}
	}
	for _, d := range []*string{&f.PartyJoinDate, &f.WorkStartDate, &f.CivilServantDate, &f.RankDate, &f.FullTimeGradDate} {
		*d = canonicalDate(*d)
	}
	rows := f.Family[:0]
	for _, m := range f.Family {
		m = FamilyMember{strings.TrimSpace(m.Relation), strings.TrimSpace(m.Name),
			canonicalDate(strings.TrimSpace(m.BirthMonth)), strings.TrimSpace(m.Political), strings.TrimSpace(m.Work)}
		if m != (FamilyMember{}) {
			rows = append(rows, m)
		}
	}
	if len(rows) == 0 {
		rows = nil
	}
	f.Family = rows
}

// canonicalDate rewrites a parseable date as YYYY-MM or YYYY-MM-DD and
// leaves anything else as typed, for Validate to point out.
func canonicalDate(s string) string {
	if t, month, ok := ParseFormDate(s); ok {
		return formDate{t, month}.String()
	}
	return s
}

// Complete reports whether every mandatory field of the form is filled
// (formats and dates are checked by Validate). The 报考流程 page uses it to
// show 填报信息 as done.
func (f *ApplicationForm) Complete() bool {
	for _, v := range f.required() {
		if strings.TrimSpace(v.value) == "" {
			return false
		}
	}
	return len(f.Family) > 0
}

type requiredField struct {
	key, label, value string
}

func (f *ApplicationForm) required() []requiredField {
	r := []requiredField{
		{"ethnicity", "民族", f.Ethnicity},
		{"native_place", "籍贯", f.NativePlace},
		{"birth_place", "出生地", f.BirthPlace},
		{"political", "政治面貌", f.Political},
		{"health", "健康状况", f.Health},
		{"work_start_date", "参加工作时间", f.WorkStartDate},
		{"civil_servant_date", "公务员登记时间", f.CivilServantDate},
		{"employer", "现工作单位及职务", f.Employer},
		{"rank", "现职级", f.Rank},
		{"rank_date", "任现职级时间", f.RankDate},
		{"ft_education", "全日制学历", f.FullTimeEducation},
		{"ft_degree", "全日制学位", f.FullTimeDegree},
		{"ft_school", "全日制毕业院校", f.FullTimeSchool},
		{"ft_major", "全日制所学专业", f.FullTimeMajor},
		{"ft_grad_date", "全日制毕业时间", f.FullTimeGradDate},
		{"appraisals", "近三年年度考核结果", f.Appraisals},
		{"phone", "联系电话", f.Phone},
		{"address", "通讯地址", f.Address},
		{"resume", "个人简历", f.Resume},
		{"rewards", "奖惩情况（没有请填“无”）", f.Rewards},
	}
	if partyMember(f.Political) {
		r = append(r, requiredField{"party_join_date", "入党时间", f.PartyJoinDate})
	}
	return r
}

// partyMember: 中共党员 and 中共预备党员 both have an 入党时间.
func partyMember(p string) bool { return p == "中共党员" || p == "中共预备党员" }

// Validate checks the form. birth is the candidate's birth date (from the
// ID number; zero skips the age-relative checks) and now the current time.
// With final false (a draft save) only filled fields are checked; with final
// true (before 报名信息确认) the mandatory fields, a complete 在职教育 entry
// and complete family rows are required too. Keys are the JSON names of
// the fields, family cells "family.<row>.<field>".
func (f *ApplicationForm) Validate(birth, now time.Time, final bool) FieldErrors {
	fe := FieldErrors{}
	today := formDate{t: dateOf(now)}
	var born formDate
	if !birth.IsZero() {
		born = formDate{t: dateOf(birth)}
	}
	ageDate := func(years int) formDate {
		return formDate{t: born.t.AddDate(years, 0, 0)}
	}

	if final {
		for _, r := range f.required() {
			if strings.TrimSpace(r.value) == "" {
				fe.Add(r.key, "请填写"+r.label)
			}
		}
	}

	oneOf := func(key, label, v string, options []string) {
		if v != "" && !slices.Contains(options, v) {
			fe.Add(key, "请从列表中选择"+label)
		}
	}
	oneOf("ethnicity", "民族", f.Ethnicity, Ethnicities)
	oneOf("political", "政治面貌", f.Political, PoliticalStatuses)
	oneOf("health", "健康状况", f.Health, HealthOptions)
	oneOf("ft_education", "学历", f.FullTimeEducation, Educations)
	oneOf("ft_degree", "学位", f.FullTimeDegree, Degrees)
	oneOf("pt_education", "学历", f.PartTimeEducation, Educations)
	oneOf("pt_degree", "学位", f.PartTimeDegree, Degrees)

	text := func(key, label, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			fe.Add(key, label+"不能超过"+itoa(max)+"个字")
		}
	}
	text("native_place", "籍贯", f.NativePlace, MaxTextLen)
	text("birth_place", "出生地", f.BirthPlace, MaxTextLen)
	text("employer", "现工作单位及职务", f.Employer, MaxTextLen)
	text("rank", "现职级", f.Rank, MaxTextLen)
	text("ft_school", "毕业院校", f.FullTimeSchool, MaxTextLen)
	text("ft_major", "所学专业", f.FullTimeMajor, MaxTextLen)
	text("pt_school", "毕业院校", f.PartTimeSchool, MaxTextLen)
	text("pt_major", "所学专业", f.PartTimeMajor, MaxTextLen)
	text("appraisals", "近三年年度考核结果", f.Appraisals, MaxTextLen)
	text("address", "通讯地址", f.Address, MaxTextLen)
	text("resume", "个人简历", f.Resume, MaxResumeLen)
	text("rewards", "奖惩情况", f.Rewards, MaxRewardsLen)

	// date parses a filled date field and checks it is not in the future
	// and, when the birth date is known, not before the age minAge.
	date := func(key, label, v string, minAge int) (formDate, bool) {
		if strings.TrimSpace(v) == "" {
			return formDate{}, false
		}
		t, month, ok := ParseFormDate(v)
		if !ok {
			fe.Add(key, label+"格式不正确，请按“2012-07”或“2012-07-01”填写")
			return formDate{}, false
		}
		d := formDate{t, month}
		if today.before(d) {
			fe.Add(key, label+"不能晚于今天")
			return d, false
		}
		if !born.t.IsZero() && minAge > 0 && d.before(ageDate(minAge)) {
			fe.Add(key, label+"不能早于"+itoa(minAge)+"周岁（"+ageDate(minAge).String()+"）")
			return d, false
		}
		return d, true
	}
	// notBefore requires later >= earlier, both parsed.
	notBefore := func(key string, later formDate, lok bool, earlier formDate, eok bool, msg string) {
		if lok && eok && later.before(earlier) {
			fe.Add(key, msg+"（"+earlier.String()+"）")
		}
	}

	if f.PartyJoinDate != "" && !partyMember(f.Political) {
		fe.Add("party_join_date", "政治面貌为中共党员或中共预备党员时才填写入党时间")
	} else {
		date("party_join_date", "入党时间", f.PartyJoinDate, 18)
	}
	work, workOK := date("work_start_date", "参加工作时间", f.WorkStartDate, 16)
	cs, csOK := date("civil_servant_date", "公务员登记时间", f.CivilServantDate, 16)
	notBefore("civil_servant_date", cs, csOK, work, workOK, "公务员登记时间不能早于参加工作时间")
	rank, rankOK := date("rank_date", "任现职级时间", f.RankDate, 16)
	notBefore("rank_date", rank, rankOK, cs, csOK, "任现职级时间不能早于公务员登记时间")
	date("ft_grad_date", "毕业时间", f.FullTimeGradDate, 15)

	switch {
	case f.GrassrootsYears < 0 || f.GrassrootsYears > MaxGrassrootsYr:
		fe.Add("grassroots_years", "基层工作经历年限应在0至50年之间")
	case workOK && f.GrassrootsYears > yearsBetween(work.t, today.t)+1:
		// +1: a partial year is commonly counted as a year of service.
		fe.Add("grassroots_years", "基层工作经历年限不能超过参加工作以来的年限")
	}

	if f.Phone != "" && !validContactPhone(f.Phone) {
		fe.Add("phone", "联系电话应为11位手机号码，或带区号的固定电话如027-87654321")
	}

	if final && (f.PartTimeEducation != "" || f.PartTimeDegree != "" || f.PartTimeSchool != "" || f.PartTimeMajor != "") {
		for _, r := range []requiredField{
			{"pt_education", "在职教育学历", f.PartTimeEducation},
			{"pt_degree", "在职教育学位（没有请选“无”）", f.PartTimeDegree},
			{"pt_school", "在职教育毕业院校", f.PartTimeSchool},
			{"pt_major", "在职教育所学专业", f.PartTimeMajor},
		} {
			if r.value == "" {
				fe.Add(r.key, "请填写"+r.label)
			}
		}
	}

	f.validateFamily(fe, today, final)
	return fe
}

func (f *ApplicationForm) validateFamily(fe FieldErrors, today formDate, final bool) {
	if len(f.Family) > MaxFamilyRows {
		fe.Add("family", "家庭主要成员最多填写"+itoa(MaxFamilyRows)+"人")
	}
	if final && len(f.Family) == 0 {
		fe.Add("family", "请至少填写一名家庭主要成员")
	}
	for i, m := range f.Family {
		key := func(name string) string { return "family." + itoa(i) + "." + name }
		if final && m != (FamilyMember{}) {
			if m.Relation == "" {
				fe.Add(key("relation"), "请填写称谓")
			}
			if m.Name == "" {
				fe.Add(key("name"), "请填写姓名")
			}
		}
		if utf8.RuneCountInString(m.Relation) > 20 {
			fe.Add(key("relation"), "称谓不能超过20个字")
		}
		if m.Name != "" {
			if err := ValidateName(m.Name); err != nil {
				fe.Add(key("name"), ErrorMessage(err))
			}
		}
		if m.BirthMonth != "" {
			t, month, ok := ParseFormDate(m.BirthMonth)
			switch {
			case !ok:
				fe.Add(key("birth_month"), "出生年月格式不正确，请按“1962-05”填写")
			case today.before(formDate{t, month}):
				fe.Add(key("birth_month"), "出生年月不能晚于今天")
			case t.Year() < 1900:
				fe.Add(key("birth_month"), "出生年月不能早于1900年")
			}
		}
		if m.Political != "" && !slices.Contains(PoliticalStatuses, m.Political) {
			fe.Add(key("political"), "请从列表中选择政治面貌")
		}
		if utf8.RuneCountInString(m.Work) > MaxTextLen {
			fe.Add(key("work"), "工作单位及职务不能超过"+itoa(MaxTextLen)+"个字")
		}
	}
}

// ValidateSection validates like Validate but keeps only the messages of
// section's fields, so saving one part of the form is not blocked by
// another part. An unknown section yields a "section" error.
func (f *ApplicationForm) ValidateSection(section string, birth, now time.Time, final bool) FieldErrors {
	s, ok := Section(section)
	if !ok {
		return FieldErrors{"section": "未知的表单部分"}
	}
	out := FieldErrors{}
	for k, msg := range f.Validate(birth, now, final) {
		field, _, _ := strings.Cut(k, ".")
		if slices.Contains(s.Fields, field) {
			out[k] = msg
		}
	}
	return out
}

// validContactPhone accepts a mobile number or a landline with its area
// code (0 and 2-3 more digits, optional hyphen, 7-8 digits, optional
// extension), the two kinds candidates give as 联系电话.
func validContactPhone(s string) bool {
	if ValidatePhone(s) == nil {
		return true
	}
	main, ext, hasExt := strings.Cut(s, "转")
	if !hasExt {
		main, ext, hasExt = strings.Cut(s, "-ext")
	}
	if hasExt && (!allDigits(ext) || len(ext) > 6) {
		return false
	}
	area, num, dash := strings.Cut(main, "-")
	if !dash {
		if len(main) < 10 || len(main) > 12 || main[0] != '0' || !allDigits(main) {
			return false
		}
		return true
	}
	return len(area) >= 3 && len(area) <= 4 && area[0] == '0' && allDigits(area) &&
		len(num) >= 7 && len(num) <= 8 && num[0] != '0' && allDigits(num)
}

// yearsBetween counts whole years from a to b (an age when a is a birth date).
func yearsBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	y := by - ay
	if bm < am || bm == am && bd < ad {
		y--
	}
	return y
}
