package domain

import (
	"testing"
	"time"
)

func reviewExam() *Exam {
	at := func(d, h int) time.Time { return time.Date(2023, 3, d, h, 0, 0, 0, Shanghai) }
	return &Exam{
		Registration: Window{Start: at(1, 9), End: at(20, 9)},
		Review:       Window{Start: at(1, 9), End: at(25, 9)},
	}
}

func TestCorrectionDeadline(t *testing.T) {
	e := reviewExam()
	at := func(d, h int) time.Time { return time.Date(2023, 3, d, h, 0, 0, 0, Shanghai) }
	for _, tc := range []struct {
		name    string
		hours   int
		decided time.Time
		want    time.Time
	}{
		{"default 48 h", 0, at(10, 9), at(12, 9)},
		{"exam's own period", 24, at(10, 9), at(11, 9)},
		{"capped at the review window's end", 0, at(24, 9), at(25, 9)},
		{"late registration return reaches past registration", 0, at(19, 12), at(21, 12)},
	} {
		e.CorrectionHours = tc.hours
		if got := CorrectionDeadline(e, tc.decided); !got.Equal(tc.want) {
			t.Errorf("%s: got %s, want %s", tc.name, FormatTime(got), FormatTime(tc.want))
		}
	}
}

// TestCandidateWindowCorrection: after registration closed, a returned
// application may be fixed until its 补正截止 and not after; other
// applications may not; a rejected one never gets the extension.
func TestCandidateWindowCorrection(t *testing.T) {
	e := reviewExam()
	at := func(d, h int) time.Time { return time.Date(2023, 3, d, h, 0, 0, 0, Shanghai) }
	returned := &Application{State: StateReturned, ReturnedParts: []string{PartPhoto}, CorrectionDeadline: at(21, 12)}
	confirmedAgain := &Application{State: StateMaterialsUploaded, CorrectionDeadline: at(21, 12)}
	plain := &Application{State: StatePositionSelected}
	for _, tc := range []struct {
		name string
		app  *Application
		now  time.Time
		ok   bool
	}{
		{"registration open", plain, at(10, 9), true},
		{"registration closed, no return", plain, at(20, 10), false},
		{"no application", nil, at(20, 10), false},
		{"returned, before 补正截止", returned, at(21, 11), true},
		{"returned, at 补正截止", returned, at(21, 12), false},
		{"materials again, before 补正截止", confirmedAgain, at(21, 11), true},
	} {
		err := CandidateWindow(tc.app, e, tc.now)
		if (err == nil) != tc.ok || (err != nil && ErrorCode(err) != EFORBIDDEN) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := CandidateWindow(returned, e, at(22, 9)); err == nil || ErrorMessage(err) != "补正截止时间（2023-03-21 12:00）已过，报名信息不能再修改。" {
		t.Errorf("overdue message: %v", err)
	}
}

// TestReturnLoopAfterRegistrationClosed walks the state machine: a return
// at the end of registration, the candidate re-confirms and resubmits after
// registration closed but before 补正截止, and the reviewer approves.
func TestReturnLoopAfterRegistrationClosed(t *testing.T) {
	e := reviewExam()
	at := func(d, h int) time.Time { return time.Date(2023, 3, d, h, 0, 0, 0, Shanghai) }
	a := &Application{State: StateSubmitted, PositionCode: "1001", RecommendationID: "pdf"}
	if err := Review(a, e, Decision{Action: ActionReturn, Reason: "照片不清晰", Parts: []string{PartPhoto}}, "r1", RoleReviewer, at(19, 12)); err != nil {
		t.Fatal(err)
	}
	if !a.CorrectionDeadline.Equal(at(21, 12)) {
		t.Fatalf("deadline %s", FormatTime(a.CorrectionDeadline))
	}
	now := at(20, 15) // registration closed
	for _, act := range []Action{ActionConfirm, ActionConfirmMaterials} {
		if err := Transition(a, e, act, "cand", RoleCandidate, now, ""); err != nil {
			t.Fatalf("%s after registration closed, before 补正截止: %v", act, err)
		}
	}
	if a.State != StateSubmitted {
		t.Fatalf("state %s", a.State)
	}
	if err := Review(a, e, Decision{Action: ActionApprove}, "r1", RoleReviewer, now); err != nil {
		t.Fatal(err)
	}
	if !a.CorrectionDeadline.IsZero() || len(a.ReturnedParts) != 0 {
		t.Errorf("approval keeps deadline %v parts %v", a.CorrectionDeadline, a.ReturnedParts)
	}
}

// TestOverdueReturnDecidedAsItStands: after 补正截止 the candidate is
// refused and the reviewer may approve or reject the application as it
// stands, but not return it again; before it, no decision is possible.
func TestOverdueReturnDecidedAsItStands(t *testing.T) {
	e := reviewExam()
	at := func(d, h int) time.Time { return time.Date(2023, 3, d, h, 0, 0, 0, Shanghai) }
	mk := func() *Application {
		return &Application{State: StateReturned, PositionCode: "1001", ReturnedParts: []string{PartPhoto}, CorrectionDeadline: at(21, 12)}
	}
	if err := Review(mk(), e, Decision{Action: ActionApprove}, "r", RoleReviewer, at(21, 11)); ErrorCode(err) != ECONFLICT {
		t.Errorf("approve before 补正截止: %v", err)
	}
	if err := Transition(mk(), e, ActionConfirm, "c", RoleCandidate, at(21, 13), ""); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("candidate after 补正截止: %v", err)
	}
	if err := Review(mk(), e, Decision{Action: ActionReturn, Reason: "x", Parts: []string{PartPhoto}}, "r", RoleReviewer, at(21, 13)); ErrorCode(err) != ECONFLICT {
		t.Errorf("return again after 补正截止: %v", err)
	}
	a := mk()
	if err := Review(a, e, Decision{Action: ActionReject, Reason: "逾期未补正"}, "r", RoleReviewer, at(21, 13)); err != nil || a.State != StateRejected {
		t.Errorf("reject overdue: %v, %s", err, a.State)
	}
	if !CorrectionOverdue(mk(), at(21, 12)) || CorrectionOverdue(mk(), at(21, 11)) || CorrectionOverdue(&Application{State: StateReturned}, at(21, 13)) {
		t.Error("CorrectionOverdue boundaries")
	}
}

func TestCheckReviewVersion(t *testing.T) {
	a := &Application{Version: 7}
	for _, tc := range []struct {
		v  int
		ok bool
	}{{0, true}, {7, true}, {6, false}, {-1, false}} {
		if err := CheckReviewVersion(a, tc.v); (err == nil) != tc.ok || (err != nil && ErrorCode(err) != ECONFLICT) {
			t.Errorf("version %d: %v", tc.v, err)
		}
	}
}

func TestReviewBucketAndSince(t *testing.T) {
	t0 := time.Date(2023, 3, 10, 9, 0, 0, 0, Shanghai)
	hist := []HistoryEntry{{At: t0, From: StateMaterialsUploaded, To: StateSubmitted}, {At: t0.Add(time.Hour), From: StateSubmitted, To: StateReturned}}
	for _, tc := range []struct {
		a     Application
		want  State
		since time.Time
	}{
		{Application{State: StateConfirmed}, "", time.Time{}},
		{Application{State: StateSubmitted, History: hist[:1]}, StateSubmitted, t0},
		{Application{State: StatePaid, History: []HistoryEntry{{At: t0, To: StateApproved, From: StateSubmitted}, {At: t0.Add(time.Hour), From: StateApproved, To: StatePaid}}}, StateApproved, t0},
		{Application{State: StateConfirmed, CorrectionDeadline: t0.Add(48 * time.Hour), History: hist}, StateReturned, t0.Add(time.Hour)},
		{Application{State: StateRejected, History: []HistoryEntry{{At: t0, From: StateSubmitted, To: StateRejected}}}, StateRejected, t0},
	} {
		if got := ReviewBucket(&tc.a); got != tc.want {
			t.Errorf("%s: bucket %q, want %q", tc.a.State, got, tc.want)
		}
		if tc.want != "" && !BucketSince(&tc.a).Equal(tc.since) {
			t.Errorf("%s: since %v", tc.a.State, BucketSince(&tc.a))
		}
	}
	if _, err := ParseReviewBucket("paid"); ErrorCode(err) != EINVALID {
		t.Errorf("unknown bucket: %v", err)
	}
	if b, err := ParseReviewBucket(""); err != nil || b != StateSubmitted {
		t.Errorf("default bucket %q %v", b, err)
	}
}

func TestWaitingLabel(t *testing.T) {
	t0 := time.Date(2023, 3, 10, 9, 0, 0, 0, Shanghai)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "不到1分钟"}, {12 * time.Minute, "12分钟"}, {5*time.Hour + 10*time.Minute, "5小时10分"},
		{74 * time.Hour, "3天2小时"},
	} {
		if got := WaitingLabel(t0, t0.Add(tc.d)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestMaskedSearch(t *testing.T) {
	masked := MaskedID("42010219900307123X")
	if masked != "420102********123X" {
		t.Fatalf("masked %q", masked)
	}
	for _, tc := range []struct {
		q  string
		ok bool
	}{{"", true}, {"张", true}, {"123x", true}, {"420102", true}, {"19900307", false}, {"李", false}} {
		if got := MatchesSearch(tc.q, "张三", masked); got != tc.ok {
			t.Errorf("search %q: %v", tc.q, got)
		}
	}
}

func TestOverturn(t *testing.T) {
	e := reviewExam()
	now := time.Date(2023, 3, 22, 9, 0, 0, 0, Shanghai)
	rejected := func() *Application {
		return &Application{State: StateRejected, PositionCode: "1001", RejectedPositions: []string{"1001"}, ReviewReason: "专业不符"}
	}
	if err := Overturn(rejected(), e, Decision{Action: ActionApprove, Reason: "专业符合"}, "r", RoleReviewer, now); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("reviewer overturn: %v", err)
	}
	if err := Overturn(rejected(), e, Decision{Action: ActionApprove}, "a", RoleAdmin, now); ErrorCode(err) != EINVALID {
		t.Errorf("overturn without reason: %v", err)
	}
	if err := Overturn(rejected(), e, Decision{Action: ActionReject, Reason: "x"}, "a", RoleAdmin, now); ErrorCode(err) != ECONFLICT {
		t.Errorf("same outcome: %v", err)
	}
	if err := Overturn(&Application{State: StateSubmitted}, e, Decision{Action: ActionApprove, Reason: "x"}, "a", RoleAdmin, now); ErrorCode(err) != ECONFLICT {
		t.Errorf("undecided: %v", err)
	}
	if err := Overturn(&Application{State: StatePaid}, e, Decision{Action: ActionReject, Reason: "x"}, "a", RoleAdmin, now); ErrorCode(err) != ECONFLICT {
		t.Errorf("paid: %v", err)
	}
	a := rejected()
	if err := Overturn(a, e, Decision{Action: ActionApprove, Reason: "经复核专业符合要求"}, "a", RoleAdmin, now); err != nil {
		t.Fatal(err)
	}
	last := a.History[len(a.History)-1]
	if a.State != StateApproved || len(a.RejectedPositions) != 0 || last.Note != "改判：经复核专业符合要求" || last.From != StateRejected {
		t.Errorf("after overturn: %+v", a)
	}
	a = &Application{State: StateApproved}
	if err := Overturn(a, e, Decision{Action: ActionReturn, Reason: "推荐表未盖章", Parts: []string{PartRecommendation}}, "a", RoleAdmin, now); err != nil {
		t.Fatal(err)
	}
	if a.State != StateReturned || !a.CorrectionDeadline.Equal(now.Add(48*time.Hour)) || len(a.ReturnedParts) != 1 {
		t.Errorf("overturn to return: %+v", a)
	}
}

func TestReviewRequirements(t *testing.T) {
	e := reviewExam()
	e.ReferenceDate = "2023-03-20"
	p := &Position{Code: "1001", Education: "大学本科及以上", Political: "中共党员", GrassrootsYears: 2, Major: "法学类", MaxAge: 40}
	acct := &Account{BirthDate: "1990-03-07"}
	f := &ApplicationForm{FullTimeEducation: "大学本科", Political: "群众", WorkStartDate: "2012-07", GrassrootsYears: 3}
	got := map[string]string{}
	for _, r := range ReviewRequirements(p, acct, f, e) {
		got[r.Label] = r.Result
	}
	want := map[string]string{"年龄": "pass", "学历": "pass", "政治面貌": "fail", "基层工作经历": "pass", "专业": "check"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["学位"]; ok {
		t.Errorf("学位 not required, yet listed")
	}
	if ComposeReason("照片不符合要求", "请换蓝底") != "照片不符合要求；请换蓝底" || ComposeReason("", " x ") != "x" {
		t.Error("ComposeReason")
	}
}

// TestExamFormCorrectionHours: the exam form's 补正期限 is stored, shown
// again for editing, defaults when empty and is refused outside 1–720.
func TestExamFormCorrectionHours(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"", 0, true}, {"24", 24, true}, {" 72 ", 72, true}, {"0", 0, false}, {"721", 0, false}, {"1.5", 0, false}, {"abc", 0, false}} {
		h, msg := ParseCorrectionHours(tc.in)
		if (msg == "") != tc.ok || h != tc.want {
			t.Errorf("%q: %d %q", tc.in, h, msg)
		}
	}
	now := time.Date(2023, 2, 1, 0, 0, 0, 0, Shanghai)
	f := validExamForm()
	f.CorrectionHours = "24"
	e := &Exam{ID: "e1"}
	if err := f.Apply(e, now); err != nil || e.CorrectionHours != 24 {
		t.Fatalf("apply 24 h: %v, %d", err, e.CorrectionHours)
	}
	f.CorrectionHours = "0"
	if err := f.Apply(&Exam{ID: "e2"}, now); ErrorFields(err)["correction_hours"] == "" {
		t.Errorf("0 h accepted: %v", err)
	}
	if f := ExamFormOf(e); f.CorrectionHours != "24" {
		t.Errorf("form of an exam with 24 h: %q", f.CorrectionHours)
	}
	if (&Exam{}).CorrectionPeriod() != 48*time.Hour || e.CorrectionPeriod() != 24*time.Hour {
		t.Errorf("CorrectionPeriod")
	}
}
