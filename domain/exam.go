package domain

import (
	"slices"
	"time"
)

// Window is a [Start, End) interval; times are absolute and shown in Asia/Shanghai.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Open reports whether now lies in [Start, End).
func (w Window) Open(now time.Time) bool {
	return !w.Start.IsZero() && !now.Before(w.Start) && now.Before(w.End)
}

// String shows the window as "2023-03-01 09:00 至 2023-03-07 17:00".
func (w Window) String() string {
	if w.Start.IsZero() {
		return "未设置"
	}
	return FormatTime(w.Start) + " 至 " + FormatTime(w.End)
}

// WindowKind names one of the five windows of an exam.
type WindowKind string

// The five windows.
const (
	WindowRegistration WindowKind = "registration" // 报名
	WindowReview       WindowKind = "review"       // 审核
	WindowPayment      WindowKind = "payment"      // 缴费
	WindowTicket       WindowKind = "ticket"       // 打印准考证
	WindowScore        WindowKind = "score"        // 成绩查询
)

// Label is the window's name in the UI.
func (k WindowKind) Label() string {
	switch k {
	case WindowRegistration:
		return "报名"
	case WindowReview:
		return "审核"
	case WindowPayment:
		return "缴费"
	case WindowTicket:
		return "打印准考证"
	case WindowScore:
		return "成绩查询"
	}
	return string(k)
}

// Level is a 层级 of an exam (省直机关, 市州机关, …).
type Level struct {
	Code string `json:"code"` // short stable code used in URLs and position records
	Name string `json:"name"`
}

// Pledge is one version of the 报考承诺书; a candidate's acceptance records the version.
type Pledge struct {
	Version int    `json:"version"`
	Text    string `json:"text"`
}

// Exam is one selection exam.
type Exam struct {
	ID        string   `json:"id"`
	Code      string   `json:"code"` // e.g. 2023HBLX
	Name      string   `json:"name"` // 湖北省2023年度市州级以上机关公开遴选公务员
	Levels    []Level  `json:"levels"`
	Subjects  []string `json:"subjects"` // 笔试科目
	FeeFen    int64    `json:"fee_fen"`  // fee in 分 (integer, never float)
	Pledges   []Pledge `json:"pledges"`  // versions, oldest first; the last is current
	Published bool     `json:"published"`
	// ReferenceDate is the day ages and years of service are computed at
	// (usually the end of registration), YYYY-MM-DD.
	ReferenceDate string `json:"reference_date"`
	// CorrectionHours is the 补正 period after a 退回修改 (0: DefaultCorrectionHours).
	CorrectionHours int `json:"correction_hours,omitempty"`

	Registration Window `json:"registration"`
	Review       Window `json:"review"`
	Payment      Window `json:"payment"`
	Ticket       Window `json:"ticket"`
	Score        Window `json:"score"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// 笔试成绩 (issue 14): scoring rules and the current imported score set,
	// edited on the 成绩管理 page only (score.go, kv/score.go).
	Scores ScoreRules `json:"scores,omitzero"`
}

// Window returns the exam's window of kind k.
func (e *Exam) Window(k WindowKind) Window {
	switch k {
	case WindowRegistration:
		return e.Registration
	case WindowReview:
		return e.Review
	case WindowPayment:
		return e.Payment
	case WindowTicket:
		return e.Ticket
	case WindowScore:
		return e.Score
	}
	return Window{}
}

// CurrentPledge returns the newest 承诺书 version (zero value when none).
func (e *Exam) CurrentPledge() Pledge {
	if len(e.Pledges) == 0 {
		return Pledge{}
	}
	return e.Pledges[len(e.Pledges)-1]
}

// Level returns the level with the given code.
func (e *Exam) Level(code string) (Level, bool) {
	for _, l := range e.Levels {
		if l.Code == code {
			return l, true
		}
	}
	return Level{}, false
}

// Clone returns a copy of e that shares nothing changeable with it (caches
// hand out clones of the exams they hold).
func (e *Exam) Clone() *Exam {
	c := *e
	c.Levels = slices.Clone(e.Levels)
	c.Subjects = slices.Clone(e.Subjects)
	c.Pledges = slices.Clone(e.Pledges)
	c.Scores.Subjects = slices.Clone(e.Scores.Subjects)
	return &c
}
