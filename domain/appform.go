package domain

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
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

// FamilyMember is one row of 家庭主要成员及重要社会关系.
type FamilyMember struct {
	Relation   string `json:"relation"`    // 称谓
	Name       string `json:"name"`        // 姓名
	BirthMonth string `json:"birth_month"` // 出生年月 YYYY-MM
	Political  string `json:"political"`   // 政治面貌
	Work       string `json:"work"`        // 工作单位及职务
}

// ApplicationForm is the 填报信息 of a 遴选 application. Dates are
// YYYY-MM-DD or YYYY-MM strings as typed; validation parses them.
type ApplicationForm struct {
	Ethnicity        string `json:"ethnicity"`          // 民族
	NativePlace      string `json:"native_place"`       // 籍贯
	BirthPlace       string `json:"birth_place"`        // 出生地
	Political        string `json:"political"`          // 政治面貌
	PartyJoinDate    string `json:"party_join_date"`    // 入党时间 (only 中共党员)
	WorkStartDate    string `json:"work_start_date"`    // 参加工作时间
	CivilServantDate string `json:"civil_servant_date"` // 公务员登记时间
	Employer         string `json:"employer"`           // 现工作单位及职务
	Rank             string `json:"rank"`               // 现职级
	RankDate         string `json:"rank_date"`          // 任现职级时间
	GrassrootsYears  int    `json:"grassroots_years"`   // 基层工作经历年限
	Health           string `json:"health"`             // 健康状况

	FullTimeEducation string `json:"ft_education"` // 全日制 学历
	FullTimeDegree    string `json:"ft_degree"`    // 学位
	FullTimeSchool    string `json:"ft_school"`    // 毕业院校
	FullTimeMajor     string `json:"ft_major"`     // 专业
	FullTimeGradDate  string `json:"ft_grad_date"` // 毕业时间
	PartTimeEducation string `json:"pt_education"` // 在职 学历 (optional)
	PartTimeDegree    string `json:"pt_degree"`
	PartTimeSchool    string `json:"pt_school"`
	PartTimeMajor     string `json:"pt_major"`

	Appraisals string         `json:"appraisals"` // 近三年年度考核结果
	Phone      string         `json:"phone"`      // 联系电话
	Address    string         `json:"address"`    // 通讯地址
	Resume     string         `json:"resume"`     // 个人简历
	Rewards    string         `json:"rewards"`    // 奖惩情况
	Family     []FamilyMember `json:"family"`
}

// FieldKind says how a 填报信息 field is entered, checked and shown.
type FieldKind string

// Field kinds.
const (
	KindText     FieldKind = "text"     // one line of text
	KindTextarea FieldKind = "textarea" // several lines of text
	KindSelect   FieldKind = "select"   // one of Options
	KindDate     FieldKind = "date"     // YYYY-MM or YYYY-MM-DD, not in the future
	KindNumber   FieldKind = "number"   // a whole number from 0 to Max
	KindPhone    FieldKind = "tel"      // a 联系电话
	KindFamily   FieldKind = "family"   // the 家庭主要成员 rows (one field, many cells)
)

// FormField is one field of the 填报信息 form. FormFields is the one table
// of them: parsing, validation, the form, the confirmation page and the
// 推荐表 all read it, so a new field is one row here (and its
// ApplicationForm struct field, whose json name is Name).
type FormField struct {
	Name      string    // posted name and json name of the ApplicationForm field
	Label     string    // in messages, on the confirmation page and the 推荐表
	FormLabel string    // on the form when it differs from Label
	Section   string    // id of the FormSection it is saved with
	Kind      FieldKind //
	Max       int       // text: characters; number: largest value
	Unit      string    // number: shown after the value ("年")
	Options   []string  // select: the choices
	Help      string    // hint under the input
	Rows      int       // textarea height
	// Required fields must be filled before 报名信息确认; RequiredIf makes
	// a field required depending on others (入党时间 for party members).
	Required   bool
	RequiredIf func(f *ApplicationForm) bool
	Missing    string // message when required and empty; "请填写"+Label by default
	MinAge     int    // date: not before the candidate had this age
	// Check is a format rule beyond the kind's; it returns the message.
	Check func(v string) string
}

// InputLabel is the label on the form.
func (d FormField) InputLabel() string {
	if d.FormLabel != "" {
		return d.FormLabel
	}
	return d.Label
}

// MaxLength is the input's maxlength attribute: characters a value may have.
func (d FormField) MaxLength() int {
	switch d.Kind {
	case KindDate:
		return 10
	case KindNumber:
		return len(itoa(d.Max))
	case KindPhone:
		return 20
	}
	return d.Max
}

func (d FormField) required(f *ApplicationForm) bool {
	return d.Required || d.RequiredIf != nil && d.RequiredIf(f)
}

func (d FormField) missing() string {
	if d.Missing != "" {
		return d.Missing
	}
	return "请填写" + d.Label
}

// FormFields is the 填报信息 form, in page order.
var FormFields = []FormField{
	{Name: "ethnicity", Label: "民族", Section: "basic", Kind: KindSelect, Options: Ethnicities, Required: true},
	{Name: "native_place", Label: "籍贯", Section: "basic", Kind: KindText, Max: MaxTextLen, Required: true, Help: "如：湖北武汉"},
	{Name: "birth_place", Label: "出生地", Section: "basic", Kind: KindText, Max: MaxTextLen, Required: true},
	{Name: "political", Label: "政治面貌", Section: "basic", Kind: KindSelect, Options: PoliticalStatuses, Required: true},
	{Name: "party_join_date", Label: "入党时间", Section: "basic", Kind: KindDate, MinAge: 18,
		RequiredIf: func(f *ApplicationForm) bool { return partyMember(f.Political) }, Help: "中共党员、中共预备党员填写，如 2008-06"},
	{Name: "health", Label: "健康状况", Section: "basic", Kind: KindSelect, Options: HealthOptions, Required: true},

	{Name: "work_start_date", Label: "参加工作时间", Section: "work", Kind: KindDate, MinAge: 16, Required: true, Help: "如 2010-07"},
	{Name: "civil_servant_date", Label: "公务员登记时间", Section: "work", Kind: KindDate, MinAge: 16, Required: true, Help: "如 2011-03"},
	{Name: "employer", Label: "现工作单位及职务", Section: "work", Kind: KindText, Max: MaxTextLen, Required: true},
	{Name: "rank", Label: "现职级", Section: "work", Kind: KindText, Max: MaxTextLen, Required: true, Help: "如：一级主任科员"},
	{Name: "rank_date", Label: "任现职级时间", Section: "work", Kind: KindDate, MinAge: 16, Required: true},
	{Name: "grassroots_years", Label: "基层工作经历年限", Section: "work", Kind: KindNumber, Max: MaxGrassrootsYr, Unit: "年", Help: "整年数，没有填 0"},

	{Name: "ft_education", Label: "全日制学历", Section: "education", Kind: KindSelect, Options: Educations, Required: true},
	{Name: "ft_degree", Label: "全日制学位", Section: "education", Kind: KindSelect, Options: Degrees, Required: true},
	{Name: "ft_school", Label: "全日制毕业院校", Section: "education", Kind: KindText, Max: MaxTextLen, Required: true},
	{Name: "ft_major", Label: "全日制所学专业", Section: "education", Kind: KindText, Max: MaxTextLen, Required: true},
	{Name: "ft_grad_date", Label: "全日制毕业时间", Section: "education", Kind: KindDate, MinAge: 15, Required: true},
	{Name: "pt_education", Label: "在职教育学历", FormLabel: "在职教育学历（选填）", Section: "education", Kind: KindSelect, Options: Educations,
		RequiredIf: partTimeStarted},
	{Name: "pt_degree", Label: "在职教育学位", FormLabel: "在职教育学位（选填）", Section: "education", Kind: KindSelect, Options: Degrees,
		RequiredIf: partTimeStarted, Missing: "请填写在职教育学位（没有请选“无”）"},
	{Name: "pt_school", Label: "在职教育毕业院校", FormLabel: "在职教育毕业院校（选填）", Section: "education", Kind: KindText, Max: MaxTextLen,
		RequiredIf: partTimeStarted},
	{Name: "pt_major", Label: "在职教育所学专业", FormLabel: "在职教育所学专业（选填）", Section: "education", Kind: KindText, Max: MaxTextLen,
		RequiredIf: partTimeStarted},

	{Name: "appraisals", Label: "近三年年度考核结果", Section: "contact", Kind: KindText, Max: MaxTextLen, Required: true, Help: "如：2020年度优秀，2021年度称职，2022年度称职"},
	{Name: "phone", Label: "联系电话", Section: "contact", Kind: KindPhone, Required: true, Check: func(v string) string {
		if validContactPhone(v) {
			return ""
		}
		return "联系电话应为11位手机号码，或带区号的固定电话如027-87654321"
	}},
	{Name: "address", Label: "通讯地址", Section: "contact", Kind: KindText, Max: MaxTextLen, Required: true},

	{Name: "resume", Label: "个人简历", Section: "resume", Kind: KindTextarea, Max: MaxResumeLen, Rows: 8, Required: true,
		Help: "从大学学习经历填起，每段一行，如：2006.09—2010.07 武汉大学法学专业学习"},
	{Name: "rewards", Label: "奖惩情况", Section: "resume", Kind: KindTextarea, Max: MaxRewardsLen, Rows: 3, Required: true,
		Missing: "请填写奖惩情况（没有请填“无”）", Help: "没有请填“无”"},

	{Name: "family", Label: "家庭主要成员及重要社会关系", Section: "family", Kind: KindFamily, Required: true,
		Missing: "请至少填写一名家庭主要成员"},
}

// partTimeStarted: an 在职教育 entry, once begun, must be complete.
func partTimeStarted(f *ApplicationForm) bool {
	return f.PartTimeEducation != "" || f.PartTimeDegree != "" || f.PartTimeSchool != "" || f.PartTimeMajor != ""
}

// FormSection is one part of the 填报信息 form, saved on its own.
type FormSection struct {
	ID     string
	Title  string
	Fields []string // names of its FormFields, in page order
}

// FormSections lists the form's parts in page order, their fields taken
// from FormFields.
var FormSections = sectionsOf([]FormSection{
	{ID: "basic", Title: "基本信息"},
	{ID: "work", Title: "工作情况"},
	{ID: "education", Title: "学历学位"},
	{ID: "contact", Title: "考核与联系方式"},
	{ID: "resume", Title: "简历与奖惩"},
	{ID: "family", Title: "家庭主要成员"},
})

func sectionsOf(secs []FormSection) []FormSection {
	for i := range secs {
		for _, d := range FormFields {
			if d.Section == secs[i].ID {
				secs[i].Fields = append(secs[i].Fields, d.Name)
			}
		}
	}
	return secs
}

// Field returns the FormField named name.
func Field(name string) (FormField, bool) {
	for _, d := range FormFields {
		if d.Name == name {
			return d, true
		}
	}
	return FormField{}, false
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
	if d, ok := Field(name); ok {
		return d.Section
	}
	return ""
}

// formFieldIndex maps a JSON field name of ApplicationForm to its struct
// field index, so FormFields name the fields the way forms post them.
var formFieldIndex = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[ApplicationForm]()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// Value returns a scalar field as text ("" for family and unknown names).
func (f *ApplicationForm) Value(name string) string {
	i, ok := formFieldIndex[name]
	if !ok {
		return ""
	}
	switch v := reflect.ValueOf(f).Elem().Field(i); v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int:
		return itoa(int(v.Int()))
	}
	return ""
}

// SetValue stores posted text into the scalar field name. A number that
// does not parse is left unset and its message returned.
func (f *ApplicationForm) SetValue(name, text string) (msg string) {
	i, ok := formFieldIndex[name]
	if !ok {
		return ""
	}
	switch v := reflect.ValueOf(f).Elem().Field(i); v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Int:
		if strings.TrimSpace(text) == "" {
			return ""
		}
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			d, _ := Field(name)
			return d.Label + "请填写整数" + d.Unit + "，没有填 0"
		}
		v.SetInt(int64(n))
	}
	return ""
}

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
	for _, d := range FormFields {
		switch d.Kind {
		case KindFamily, KindNumber:
		case KindDate:
			f.SetValue(d.Name, canonicalDate(strings.TrimSpace(f.Value(d.Name))))
		default:
			f.SetValue(d.Name, strings.TrimSpace(f.Value(d.Name)))
		}
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
	for _, d := range FormFields {
		if d.required(f) && f.empty(d) {
			return false
		}
	}
	return true
}

// empty reports whether field d has no value (no family rows for the family).
func (f *ApplicationForm) empty(d FormField) bool {
	switch d.Kind {
	case KindFamily:
		return len(f.Family) == 0
	case KindNumber:
		return false // 0 is an answer ("没有填 0")
	}
	return strings.TrimSpace(f.Value(d.Name)) == ""
}

// partyMember: 中共党员 and 中共预备党员 both have an 入党时间.
func partyMember(p string) bool { return p == "中共党员" || p == "中共预备党员" }

// CheckPlainText refuses what must never reach a reviewer, an export or a
// PDF from a free-text field: control characters (NUL, ESC …; line breaks
// only where multiline), and the invisible format characters that reorder
// or hide text (U+202E and the other bidi controls, zero-width characters,
// BOM). Registration refuses them in 姓名 by allowing only letters; this
// is the same rule for fields that allow any printable text. It returns
// the message ("" when s is clean).
func CheckPlainText(label, s string, multiline bool) string {
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return label + "不能包含控制字符，请删除后重新填写"
		case unicode.Is(unicode.Cf, r), r == utf8.RuneError, r >= 0xFFF9 && r <= 0xFFFB:
			return label + "不能包含不可见的格式字符（如从网页复制带入的方向控制符），请删除后重新填写"
		}
	}
	return ""
}

// Validate checks the form. birth is the candidate's birth date (from the
// ID number; zero skips the age-relative checks) and now the current time.
// With final false (a draft save) only filled fields are checked; with final
// true (before 报名信息确认) the mandatory fields, a complete 在职教育 entry
// and complete family rows are required too. Keys are the JSON names of
// the fields, family cells "family.<row>.<field>".
//
// Each field is checked by its FormFields row (required, text, choice,
// length, date, number, format); the rules between fields follow.
func (f *ApplicationForm) Validate(birth, now time.Time, final bool) FieldErrors {
	fe := FieldErrors{}
	today := formDate{t: dateOf(now)}
	var born formDate
	if !birth.IsZero() {
		born = formDate{t: dateOf(birth)}
	}
	dates := map[string]formDate{} // the date fields that parsed and passed

	for _, d := range FormFields {
		if d.Kind == KindFamily {
			if final && d.required(f) && f.empty(d) {
				fe.Add(d.Name, d.missing())
			}
			continue
		}
		v := f.Value(d.Name)
		if final && d.required(f) && f.empty(d) {
			fe.Add(d.Name, d.missing())
		}
		if msg := CheckPlainText(d.Label, v, d.Kind == KindTextarea); msg != "" {
			fe.Add(d.Name, msg)
			continue
		}
		switch d.Kind {
		case KindSelect:
			if v != "" && !slices.Contains(d.Options, v) {
				fe.Add(d.Name, "请从列表中选择"+d.Label)
			}
		case KindText, KindTextarea:
			if utf8.RuneCountInString(v) > d.Max {
				fe.Add(d.Name, d.Label+"不能超过"+itoa(d.Max)+"个字")
			}
		case KindNumber:
			if n, _ := strconv.Atoi(v); n < 0 || n > d.Max {
				fe.Add(d.Name, d.Label+"应在0至"+itoa(d.Max)+d.Unit+"之间")
			}
		case KindDate:
			if dt, ok := f.checkDate(fe, d, v, today, born); ok {
				dates[d.Name] = dt
			}
		}
		if d.Check != nil && v != "" {
			if msg := d.Check(v); msg != "" {
				fe.Add(d.Name, msg)
			}
		}
	}

	// Rules between fields.
	if f.PartyJoinDate != "" && !partyMember(f.Political) {
		fe["party_join_date"] = "政治面貌为中共党员或中共预备党员时才填写入党时间"
	}
	notBefore := func(later, earlier, msg string) {
		l, lok := dates[later]
		e, eok := dates[earlier]
		if lok && eok && l.before(e) {
			fe.Add(later, msg+"（"+e.String()+"）")
		}
	}
	notBefore("civil_servant_date", "work_start_date", "公务员登记时间不能早于参加工作时间")
	notBefore("rank_date", "civil_servant_date", "任现职级时间不能早于公务员登记时间")
	if work, ok := dates["work_start_date"]; ok && f.GrassrootsYears > yearsBetween(work.t, today.t)+1 {
		// +1: a partial year is commonly counted as a year of service.
		fe.Add("grassroots_years", "基层工作经历年限不能超过参加工作以来的年限")
	}

	f.validateFamily(fe, today, final)
	return fe
}

// checkDate parses a filled date field and checks it is not in the future
// and, when the birth date is known, not before the age d.MinAge.
func (f *ApplicationForm) checkDate(fe FieldErrors, d FormField, v string, today, born formDate) (formDate, bool) {
	if strings.TrimSpace(v) == "" {
		return formDate{}, false
	}
	t, month, ok := ParseFormDate(v)
	if !ok {
		fe.Add(d.Name, d.Label+"格式不正确，请按“2012-07”或“2012-07-01”填写")
		return formDate{}, false
	}
	dt := formDate{t, month}
	if today.before(dt) {
		fe.Add(d.Name, d.Label+"不能晚于今天")
		return dt, false
	}
	if !born.t.IsZero() && d.MinAge > 0 {
		if min := (formDate{t: born.t.AddDate(d.MinAge, 0, 0)}); dt.before(min) {
			fe.Add(d.Name, d.Label+"不能早于"+itoa(d.MinAge)+"周岁（"+min.String()+"）")
			return dt, false
		}
	}
	return dt, true
}

func (f *ApplicationForm) validateFamily(fe FieldErrors, today formDate, final bool) {
	if len(f.Family) > MaxFamilyRows {
		fe.Add("family", "家庭主要成员最多填写"+itoa(MaxFamilyRows)+"人")
	}
	for i, m := range f.Family {
		key := func(name string) string { return "family." + itoa(i) + "." + name }
		for _, c := range [][3]string{{"relation", "称谓", m.Relation}, {"work", "工作单位及职务", m.Work}} {
			if msg := CheckPlainText(c[1], c[2], false); msg != "" {
				fe.Add(key(c[0]), msg)
			}
		}
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
