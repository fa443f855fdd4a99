package views

import (
	"context"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"examreg/domain"
	"examreg/views/pdfdoc"
)

// ApplyHidden is what every application form carries besides the CSRF
// token: the account it was rendered for and the application version, so
// a form from another login or a stale tab is refused.
type ApplyHidden struct {
	Account string
	Version int
}

type csrfKey struct{}

// WithCSRF returns ctx carrying the request's CSRF token: form components
// read it from there instead of every props struct copying it.
func WithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

func csrfOf(ctx context.Context) string {
	tok, _ := ctx.Value(csrfKey{}).(string)
	return tok
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
	Reason   string
	Parts    []string
	Deadline string // 补正截止
}

// ApplyFlowProps is the 报考流程 page.
type ApplyFlowProps struct {
	Returned *ReturnedNotice // nil unless fixing a 退回修改
	// Refund words a 开考比例 refund case (domain.RefundSummary); "" otherwise.
	Refund       string
	ExamID       string
	ExamName     string
	LevelName    string
	State        domain.State
	PositionCode string
	PositionDept string // 遴选机关 of the chosen position ("" if unknown)
	PositionName string // 职位名称 of the chosen position
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

// value returns the form value of a field by its name: as typed when it
// did not parse, else as stored. A number nobody entered yet (0 in an
// untouched section) shows empty rather than a made-up 0.
func (p ApplyFormProps) value(d domain.FormField) string {
	if v, ok := p.Raw[d.Name]; ok {
		return v
	}
	v := p.Form.Value(d.Name)
	if d.Kind == domain.KindNumber && v == "0" && !p.sectionTouched(d) {
		return ""
	}
	return v
}

// sectionTouched reports whether any other field of d's section has a value.
func (p ApplyFormProps) sectionTouched(d domain.FormField) bool {
	sec, _ := domain.Section(d.Section)
	for _, name := range sec.Fields {
		if name != d.Name && p.Form.Value(name) != "" {
			return true
		}
	}
	return false
}

// inputType is the HTML input type of a field kind.
func inputType(k domain.FieldKind) string {
	switch k {
	case domain.KindNumber:
		return "number"
	case domain.KindPhone:
		return "tel"
	}
	return ""
}

// formField builds the Field of a 填报信息 input from its domain.FormFields
// row; it is disabled when its section is locked (退回修改 without it).
func (p ApplyFormProps) formField(name string) Field {
	d, _ := domain.Field(name)
	return Field{
		Name: name, Label: d.InputLabel(), Value: p.value(d), Error: p.Fields[name], Type: inputType(d.Kind),
		Help: d.Help, Required: d.Required, MaxLength: d.MaxLength(), Options: d.Options, Rows: d.Rows,
		Disabled: p.Locked[d.Section] || p.Disabled != "",
	}
}

// ErrorLink points from the top of the form to a field with an error.
type ErrorLink struct {
	Name    string // the field's posted name; its input's id is "f-"+Name
	Label   string
	Message string
}

// ErrorLinks lists the fields with errors in form order, for the summary
// at the top of the long form.
func (p ApplyFormProps) ErrorLinks() []ErrorLink {
	var out []ErrorLink
	for _, d := range domain.FormFields {
		if d.Kind != domain.KindFamily {
			if msg := p.Fields[d.Name]; msg != "" {
				out = append(out, ErrorLink{Name: d.Name, Label: d.Label, Message: msg})
			}
			continue
		}
		if msg := p.Fields[d.Name]; msg != "" {
			out = append(out, ErrorLink{Name: familyName(0, "relation"), Label: d.Label, Message: msg})
		}
		for i := range p.FamilyRows() {
			for _, c := range [][2]string{{"relation", "称谓"}, {"name", "姓名"}, {"birth_month", "出生年月"}, {"political", "政治面貌"}, {"work", "工作单位及职务"}} {
				if msg := p.Fields[familyName(i, c[0])]; msg != "" {
					out = append(out, ErrorLink{Name: familyName(i, c[0]), Label: "家庭成员第" + strconv.Itoa(i+1) + "行" + c[1], Message: msg})
				}
			}
		}
	}
	return out
}

func fieldKind(name string) domain.FieldKind {
	d, _ := domain.Field(name)
	return d.Kind
}

func familyName(i int, field string) string { return "family." + strconv.Itoa(i) + "." + field }

// ApplyPositionProps is the 选择职位 page.
type ApplyPositionProps struct {
	Hidden    ApplyHidden
	ExamID    string
	ExamName  string
	LevelName string
	// Search and Results are the shared position search (views
	// PositionSearchForm / PositionResults), restricted to the level.
	Search  templ.Component // the search form (PositionSearchForm, or its cached rendering)
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
	FullID    string // in full, only on the printable 推荐表 (it goes to the candidate's own employer)
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

// SummaryRow is one field on the read-only summary: its label and value
// (Lines for text of several lines).
type SummaryRow struct {
	Name  string
	Label string
	Value string
	Lines []string
}

// SummarySection is one part of 填报信息 on the summary.
type SummarySection struct {
	ID     string
	Title  string
	Rows   []SummaryRow
	Family []domain.FamilyMember // the family section's rows
}

// Sections lays out 填报信息 for the summary from domain.FormFields:
// every field with a value (optional empty ones are left out), in form
// order, by section.
func (p ApplyConfirmProps) Sections() []SummarySection {
	var out []SummarySection
	for _, sec := range domain.FormSections {
		ss := SummarySection{ID: sec.ID, Title: sec.Title}
		for _, name := range sec.Fields {
			d, _ := domain.Field(name)
			switch d.Kind {
			case domain.KindFamily:
				ss.Family = p.Form.Family
				continue
			}
			v := p.Form.Value(name)
			if v == "" && !d.Required {
				continue
			}
			row := SummaryRow{Name: name, Label: d.Label, Value: v}
			switch d.Kind {
			case domain.KindNumber:
				row.Value = v + " " + d.Unit
			case domain.KindTextarea:
				row.Lines = splitLines(v)
			}
			ss.Rows = append(ss.Rows, row)
		}
		out = append(out, ss)
	}
	return out
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
	Deadline     string   // 补正截止 of a 退回修改 ("" when none)
	Overdue      bool     // the 补正截止 has passed (逾期未补正)
	History      []domain.HistoryEntry
	UpdatedAt    string
	// Stamp names the version of the application shown; the poll sends it
	// back and gets 204 (nothing to swap) while it is still current.
	Stamp string
	// ScoresOut: the exam's 笔试成绩 are published for this ticket holder
	// (domain.ScoresPublished): the item links to 成绩查询.
	ScoresOut bool
	// Refund words a 开考比例 refund case (domain.RefundSummary): what
	// happened, the amount, where it goes, when it was refunded. "" otherwise.
	Refund string
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
		return "error", it.ExamName + "：资格审核不通过。报名期间内可以再次提交原职位或改报其他职位。"
	}
	return "info", it.ExamName + "：报考状态已更新为“" + it.State.Label() + "”。"
}

func stateBadge(s domain.State) string {
	switch {
	case s == domain.StateRefundPending:
		return "badge badge-warn"
	case s == domain.StateRefunded:
		return "badge"
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
	return BuildURL(ApplyPaths(examID).Position(), query, [][2]string{{"code", code}})
}

// ApplyPaths are the URLs of one exam's application flow, in one place
// for routes (ApplyPaths(":exam") gives the patterns), handlers and
// templates.
type ApplyPaths string

// Flow is the 报考流程 page.
func (p ApplyPaths) Flow() string { return "/apply/" + string(p) }

// Level is 选择报考层级.
func (p ApplyPaths) Level() string { return p.Flow() + "/level" }

// Pledge is 报考承诺书.
func (p ApplyPaths) Pledge() string { return p.Flow() + "/pledge" }

// Form is 填报信息.
func (p ApplyPaths) Form() string { return p.Flow() + "/form" }

// Position is 选择职位.
func (p ApplyPaths) Position() string { return p.Flow() + "/position" }

// Confirm is 报名信息确认.
func (p ApplyPaths) Confirm() string { return p.Flow() + "/confirm" }

// Recommendation is the printable 报名推荐表.
func (p ApplyPaths) Recommendation() string { return p.Flow() + "/recommendation" }

// RecommendationPDF is the generated 报名推荐表 PDF.
func (p ApplyPaths) RecommendationPDF() string { return p.Flow() + "/recommendation.pdf" }

// Materials is 材料上传 (GET the page, POST an upload).
func (p ApplyPaths) Materials() string { return p.Flow() + "/materials" }

// MaterialsConfirm is 材料确认.
func (p ApplyPaths) MaterialsConfirm() string { return p.Flow() + "/materials/confirm" }

// UploadedPDF is the uploaded, signed 推荐表.
func (p ApplyPaths) UploadedPDF() string { return p.Flow() + "/materials.pdf" }

// Photo is the photo frozen into the application.
func (p ApplyPaths) Photo() string { return p.Flow() + "/photo.jpg" }

// withDate is text followed by "（YYYY.MM note）" when date is set, as the
// 推荐表 writes 现职级 and 毕业院校.
func withDate(text, date, note string) string {
	text = strings.TrimSpace(text)
	if date == "" {
		return text
	}
	return text + "（" + pdfdoc.YearMonth(date) + note + "）"
}

// withUnit is a value with its unit ("5 年"), nothing when empty.
func withUnit(v, unit string) string {
	if v == "" || unit == "" {
		return v
	}
	return v + " " + unit
}
