package views

import (
	"strconv"
	"strings"

	"examreg/domain"
)

// ApplyHidden is what every application form carries besides the CSRF
// token: the account it was rendered for and the application version, so
// a form from another login or a stale tab is refused.
type ApplyHidden struct {
	CSRF    string
	Account string
	Version int
}

// ApplyExamItem is one exam on the 选择考试 page.
type ApplyExamItem struct {
	ID           string
	Name         string
	Levels       []string
	Registration string // the window as text
	Open         bool   // registration open now
	Closed       string // why not, with the window's dates
	Applied      bool
	State        string // label of the application's state when applied
}

// ApplyExamsProps is the 选择考试 page.
type ApplyExamsProps struct {
	Exams []ApplyExamItem
}

// ApplyLevelProps is the 选择报考层级 page.
type ApplyLevelProps struct {
	Hidden   ApplyHidden
	ExamID   string
	ExamName string
	Levels   []domain.Level
	Current  string
	Disabled string // why the choice is not possible now ("" when it is)
	Error    string
}

// ApplyPledgeProps is the 报考承诺书 page.
type ApplyPledgeProps struct {
	Hidden     ApplyHidden
	ExamID     string
	ExamName   string
	Pledge     domain.Pledge
	AcceptedAt string // set once accepted
	Disabled   string
	Error      string
}

// FlowStep is one line of the 报考流程 page with its link.
type FlowStep struct {
	domain.Step
	Href string
}

// ReturnedNotice is what a reviewer asked for when returning an
// application (退回修改): the reason and the titles of the named parts.
type ReturnedNotice struct {
	Reason string
	Parts  []string
}

// ApplyFlowProps is the 报考流程 page.
type ApplyFlowProps struct {
	Returned     *ReturnedNotice // nil unless fixing a 退回修改
	ExamID       string
	ExamName     string
	LevelName    string
	State        domain.State
	PositionCode string
	Steps        []FlowStep
	Error        string // a refused action (stale tab, window closed)
}

// ApplyListProps lists a candidate's applications when there are several.
type ApplyListProps struct {
	Items []ApplyExamItem
}

// ApplyFormProps is the 填报信息 form.
type ApplyFormProps struct {
	Hidden    ApplyHidden
	ExamID    string
	ExamName  string
	Name      string
	Sex       string
	BirthDate string
	Form      domain.ApplicationForm
	Raw       map[string]string // values to show as typed when they did not parse
	Fields    domain.FieldErrors
	Error     string
	Saved     string // section id just saved by htmx ("all" for the whole form)
	Disabled  string // why the form cannot be saved now
	Returned  *ReturnedNotice
	// Locked are the sections the reviewer did not name (退回修改): shown
	// read-only, without their save buttons.
	Locked map[string]bool
}

// FamilyRows returns the rows to render: at least one.
func (p ApplyFormProps) FamilyRows() []domain.FamilyMember {
	if len(p.Form.Family) == 0 {
		return []domain.FamilyMember{{}}
	}
	return p.Form.Family
}

// value returns the form value of a field by its JSON name.
func (p ApplyFormProps) value(name string) string {
	if v, ok := p.Raw[name]; ok {
		return v
	}
	f := &p.Form
	switch name {
	case "ethnicity":
		return f.Ethnicity
	case "native_place":
		return f.NativePlace
	case "birth_place":
		return f.BirthPlace
	case "political":
		return f.Political
	case "party_join_date":
		return f.PartyJoinDate
	case "health":
		return f.Health
	case "work_start_date":
		return f.WorkStartDate
	case "civil_servant_date":
		return f.CivilServantDate
	case "employer":
		return f.Employer
	case "rank":
		return f.Rank
	case "rank_date":
		return f.RankDate
	case "grassroots_years":
		if f.GrassrootsYears == 0 && f.WorkStartDate == "" {
			return ""
		}
		return strconv.Itoa(f.GrassrootsYears)
	case "ft_education":
		return f.FullTimeEducation
	case "ft_degree":
		return f.FullTimeDegree
	case "ft_school":
		return f.FullTimeSchool
	case "ft_major":
		return f.FullTimeMajor
	case "ft_grad_date":
		return f.FullTimeGradDate
	case "pt_education":
		return f.PartTimeEducation
	case "pt_degree":
		return f.PartTimeDegree
	case "pt_school":
		return f.PartTimeSchool
	case "pt_major":
		return f.PartTimeMajor
	case "appraisals":
		return f.Appraisals
	case "phone":
		return f.Phone
	case "address":
		return f.Address
	case "resume":
		return f.Resume
	case "rewards":
		return f.Rewards
	}
	return ""
}

// formFieldSpec describes how one 填报信息 field is rendered.
type formFieldSpec struct {
	Label    string
	Kind     string // input, select, textarea
	Type     string
	Options  []string
	Help     string
	Required bool
	Max      int
	Rows     int
}

var formFieldSpecs = map[string]formFieldSpec{
	"ethnicity":          {Label: "民族", Kind: "select", Options: domain.Ethnicities, Required: true},
	"native_place":       {Label: "籍贯", Kind: "input", Required: true, Max: domain.MaxTextLen, Help: "如：湖北武汉"},
	"birth_place":        {Label: "出生地", Kind: "input", Required: true, Max: domain.MaxTextLen},
	"political":          {Label: "政治面貌", Kind: "select", Options: domain.PoliticalStatuses, Required: true},
	"party_join_date":    {Label: "入党时间", Kind: "input", Max: 10, Help: "中共党员、中共预备党员填写，如 2008-06"},
	"health":             {Label: "健康状况", Kind: "select", Options: domain.HealthOptions, Required: true},
	"work_start_date":    {Label: "参加工作时间", Kind: "input", Required: true, Max: 10, Help: "如 2010-07"},
	"civil_servant_date": {Label: "公务员登记时间", Kind: "input", Required: true, Max: 10, Help: "如 2011-03"},
	"employer":           {Label: "现工作单位及职务", Kind: "input", Required: true, Max: domain.MaxTextLen},
	"rank":               {Label: "现职级", Kind: "input", Required: true, Max: domain.MaxTextLen, Help: "如：一级主任科员"},
	"rank_date":          {Label: "任现职级时间", Kind: "input", Required: true, Max: 10},
	"grassroots_years":   {Label: "基层工作经历年限", Kind: "input", Type: "number", Max: 2, Help: "整年数，没有填 0"},
	"ft_education":       {Label: "全日制学历", Kind: "select", Options: domain.Educations, Required: true},
	"ft_degree":          {Label: "全日制学位", Kind: "select", Options: domain.Degrees, Required: true},
	"ft_school":          {Label: "全日制毕业院校", Kind: "input", Required: true, Max: domain.MaxTextLen},
	"ft_major":           {Label: "全日制所学专业", Kind: "input", Required: true, Max: domain.MaxTextLen},
	"ft_grad_date":       {Label: "全日制毕业时间", Kind: "input", Required: true, Max: 10},
	"pt_education":       {Label: "在职教育学历（选填）", Kind: "select", Options: domain.Educations},
	"pt_degree":          {Label: "在职教育学位（选填）", Kind: "select", Options: domain.Degrees},
	"pt_school":          {Label: "在职教育毕业院校（选填）", Kind: "input", Max: domain.MaxTextLen},
	"pt_major":           {Label: "在职教育所学专业（选填）", Kind: "input", Max: domain.MaxTextLen},
	"appraisals":         {Label: "近三年年度考核结果", Kind: "input", Required: true, Max: domain.MaxTextLen, Help: "如：2020年度优秀，2021年度称职，2022年度称职"},
	"phone":              {Label: "联系电话", Kind: "input", Type: "tel", Required: true, Max: 20},
	"address":            {Label: "通讯地址", Kind: "input", Required: true, Max: domain.MaxTextLen},
	"resume":             {Label: "个人简历", Kind: "textarea", Required: true, Max: domain.MaxResumeLen, Rows: 8, Help: "从大学学习经历填起，每段一行，如：2006.09—2010.07 武汉大学法学专业学习"},
	"rewards":            {Label: "奖惩情况", Kind: "textarea", Required: true, Max: domain.MaxRewardsLen, Rows: 3, Help: "没有请填“无”"},
}

// formField builds the Field of a 填报信息 input.
func (p ApplyFormProps) formField(name string) Field {
	s := formFieldSpecs[name]
	return Field{
		Name: name, Label: s.Label, Value: p.value(name), Error: p.Fields[name], Type: s.Type,
		Help: s.Help, Required: s.Required, MaxLength: s.Max, Options: s.Options, Rows: s.Rows,
	}
}

// sectionField is formField, disabled when its section is locked.
func (p ApplyFormProps) sectionField(sec domain.FormSection, name string) Field {
	f := p.formField(name)
	f.Disabled = p.Locked[sec.ID]
	return f
}

func fieldKind(name string) string { return formFieldSpecs[name].Kind }

func familyName(i int, field string) string { return "family." + strconv.Itoa(i) + "." + field }

// ApplyPositionProps is the 选择职位 page.
type ApplyPositionProps struct {
	Hidden    ApplyHidden
	ExamID    string
	ExamName  string
	LevelName string
	// Search and Results are the shared position search (views
	// PositionSearchForm / PositionResults), restricted to the level.
	Search  PositionSearchFormProps
	Results PositionResultsProps
	Current string
	// Selected is the position clicked (点击选择), shown with its
	// requirements before 保存.
	Selected *domain.Position
	Hard     []string // requirements the candidate does not meet
	Soft     []string // requirements to confirm
	Ack      bool
	Fields   domain.FieldErrors
	Error    string
	Disabled string
	Returned *ReturnedNotice
}

// ApplyConfirmProps is the 报名信息确认 page, also the read-only summary.
type ApplyConfirmProps struct {
	Hidden    ApplyHidden
	ExamID    string
	ExamName  string
	LevelName string
	Name      string
	IDNumber  string // masked
	Sex       string
	BirthDate string
	Phone     string
	PhotoURL  string // "" when no photo
	Form      domain.ApplicationForm
	Position  *domain.Position
	Soft      []string
	State     domain.State
	Confirmed bool
	Problems  []string // what blocks confirmation
	Error     string
	Disabled  string
}

// ApplyMaterialsProps is the 材料上传 / 材料确认 page.
type ApplyMaterialsProps struct {
	Hidden       ApplyHidden
	ExamID       string
	ExamName     string
	State        domain.State
	Uploaded     string // file name of the uploaded 推荐表
	CanUpload    bool
	CanConfirm   bool
	Disabled     string
	UploadError  string
	ConfirmError string
	Error        string
}

// StatusItem is one application on 查看报考状态.
type StatusItem struct {
	ExamID       string
	ExamName     string
	LevelName    string
	State        domain.State
	PositionCode string
	PositionName string
	PositionDept string // 遴选机关 of the position
	Reason       string
	Parts        []string // titles of the parts to fix after 退回修改
	History      []domain.HistoryEntry
	UpdatedAt    string
	// Stamp names the version of the application shown; the poll sends it
	// back and gets 204 (nothing to swap) while it is still current.
	Stamp string
}

// PollURL is where the fragment polls for changes.
func (it StatusItem) PollURL() string {
	if it.Stamp == "" {
		return "/status/" + it.ExamID
	}
	return BuildURL("/status/"+it.ExamID, [][2]string{{"v", it.Stamp}})
}

// StatusProps is the 查看报考状态 page.
type StatusProps struct {
	Items []StatusItem
}

// statusMessage is the flash kind and text telling a candidate whose
// status page is open that the review decided.
func statusMessage(it StatusItem) (kind, msg string) {
	switch {
	case it.State == domain.StateApproved:
		return "ok", it.ExamName + "：资格审核通过。"
	case it.State == domain.StateReturned:
		return "error", it.ExamName + "：报名被退回修改，请按退回原因修改后重新确认。"
	case it.State == domain.StateRejected:
		return "error", it.ExamName + "：资格审核不通过。报名期间内可以改报其他职位。"
	}
	return "info", it.ExamName + "：报考状态已更新为“" + it.State.Label() + "”。"
}

func stateBadge(s domain.State) string {
	switch {
	case s.Final():
		return "badge badge-ok"
	case s == domain.StateRejected:
		return "badge badge-bad"
	case s == domain.StateReturned || s.AwaitingReview():
		return "badge badge-warn"
	}
	return "badge"
}

func stepBadge(s domain.StepStatus) (class, label string) {
	switch s {
	case domain.StepDone:
		return "badge badge-ok", "已完成"
	case domain.StepCurrent:
		return "badge badge-warn", "进行中"
	case domain.StepOpen:
		return "badge", "可办理"
	case domain.StepClosed:
		return "badge badge-bad", "未开放"
	}
	return "badge", "未开始"
}

// PhotoProps is the 上传照片 page.
type PhotoProps struct {
	CSRF       string
	Account    string
	HasPhoto   bool
	PhotoURL   string
	Pending    bool
	PendingURL string
	PendingKB  string
	SourceSize string
	CaptchaID  string
	Locked     string // why the photo cannot change
	Fields     map[string]string
	Error      string
}

// splitLines splits multi-line text into its non-empty lines.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// PickURL is the 点击选择 link of a position: the page with the position
// shown for 保存, keeping the search.
func PickURL(examID, code string, query [][2]string) string {
	return BuildURL("/apply/"+examID+"/position", query, [][2]string{{"code", code}})
}
