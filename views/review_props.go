package views

import (
	"examreg/domain"
)

// ReviewQueueProps is the reviewer's dashboard (/review).
type ReviewQueueProps struct {
	ExamName    string
	Exams       []ExamChoice
	Filter      ReviewFilter
	Departments []string // the departments the viewer may filter by
	Positions   []domain.Position
	List        ReviewListProps
	ExportURL   string
	IsAdmin     bool
}

// ReviewFilter is the dashboard's filter form, as typed.
type ReviewFilter struct {
	ExamID     string
	Department string
	Position   string
	State      string
	Date       string
	Search     string
	Errors     map[string]string
}

// ReviewCount is one bucket's size, with the link that shows it.
type ReviewCount struct {
	Label   string
	N       int
	URL     string
	Current bool
}

// ReviewListProps is the polled list of the dashboard.
type ReviewListProps struct {
	Counts    []ReviewCount // per state; refreshed with the list
	Rows      []ReviewRow
	NextURL   string // next page; "" on the last
	FirstURL  string // first page when not on it
	PollURL   string // carries the queue version; 204 while unchanged
	Updated   string
	StateName string
}

// ReviewRow is one application in the queue.
type ReviewRow struct {
	URL        string
	Name       string
	IDNumber   string // masked for reviewers
	Position   string
	Department string
	Since      string
	Waiting    string
	Overdue    bool   // 逾期未补正
	Deadline   string // 补正截止 of a returned application
}

// ReviewPageProps is the review page of one application.
type ReviewPageProps struct {
	AppID        string
	Version      int
	CSRF         string
	State        domain.State
	StateLabel   string
	Summary      ApplyConfirmProps
	Requirements []domain.RequirementCheck
	PDFURL       string
	PDFName      string
	History      []ReviewHistory
	CanDecide    bool
	CanOverturn  bool
	Overdue      bool
	Deadline     string
	Reason       string
	Parts        []domain.ReturnPart
	ReturnedPart []string
	Reasons      []string
	Form         ReviewDecisionForm
	Error        string
	NextURL      string
	QueueURL     string
	Decided      string // who decided what, when the page is shown after a lost race
}

// ReviewDecisionForm is the decision as posted (re-shown with its errors).
type ReviewDecisionForm struct {
	Action string
	Pick   string
	Reason string
	Parts  []string
	Errors map[string]string
}

// ReviewHistory is one history line with the actor's name.
type ReviewHistory struct {
	At    string
	Actor string
	From  string
	To    string
	Note  string
}

// ReviewOverviewProps is the administrator's overview (/admin/review).
type ReviewOverviewProps struct {
	ExamName   string
	Exams      []ExamChoice
	ExamID     string
	Department string // set: per position of this department
	Rows       []ReviewOverviewRow
}

// ReviewOverviewRow is one department's or position's progress.
type ReviewOverviewRow struct {
	Name      string
	URL       string
	QueueURL  string
	Waiting   int
	Approved  int
	Returned  int
	Rejected  int
	Oldest    string
	OldestAge string
	Late      bool // waiting longer than the exam's correction period
}
