package kv

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"examreg/domain"
)

// reviewFixture stores an exam with depts departments of perDept positions
// each, and returns a function that creates a submitted application (with
// its candidate account) to a position at a submission time.
func reviewFixture(t testing.TB, s *Store, depts, perDept int) func(i int, code string, at time.Time, st domain.State) *domain.Application {
	t.Helper()
	exam := benchExam()
	if err := s.Update(func(tx *Tx) error { return tx.PutExam(exam) }); err != nil {
		t.Fatal(err)
	}
	for d := range depts {
		if err := s.Update(func(tx *Tx) error {
			for p := range perDept {
				if err := tx.PutPosition(&domain.Position{ExamID: exam.ID, Code: posCode(d, p), Department: deptName(d), LevelCode: "sz"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return func(i int, code string, at time.Time, st domain.State) *domain.Application {
		a := submittedApp(i, exam.ID, code, at, st)
		if err := s.Update(func(tx *Tx) error {
			if err := tx.Put(accountKey(a.CandidateID), candidateAccount(i, a.CandidateID)); err != nil {
				return err
			}
			return tx.writeApplication(nil, a)
		}); err != nil {
			t.Fatal(err)
		}
		return a
	}
}

func deptName(d int) string       { return fmt.Sprintf("遴选机关%03d", d) }
func posCode(d, p int) string     { return fmt.Sprintf("%03d%02d", d, p) }
func candidateLogin(i int) string { return fmt.Sprintf("420102199003%06dX", i) }
func candidateName(i int) string  { return fmt.Sprintf("考生%06d", i) }
func candidateAccount(i int, id string) *domain.Account {
	return &domain.Account{ID: id, Role: domain.RoleCandidate, LoginName: candidateLogin(i), Name: candidateName(i)}
}

// submittedApp is an application that reached st (submitted, or decided
// after submission) at, with a history of realistic size.
func submittedApp(i int, examID, code string, at time.Time, st domain.State) *domain.Application {
	a := &domain.Application{
		ID: fmt.Sprintf("%012x%08x", at.UnixMilli(), i), ExamID: examID, CandidateID: fmt.Sprintf("cand%08d", i), LevelCode: "sz",
		State: domain.StateSubmitted, Version: 6, PositionCode: code, PhotoID: "ph", RecommendationID: "rec",
		Form: domain.ApplicationForm{Ethnicity: "汉族", Employer: "某单位科员", Phone: "13800138000", Resume: "2010-2014 某大学"},
		History: []domain.HistoryEntry{
			{At: at.Add(-time.Hour), From: domain.StateStarted, To: domain.StateInfoSaved},
			{At: at.Add(-30 * time.Minute), From: domain.StatePositionSelected, To: domain.StateConfirmed},
			{At: at, From: domain.StateMaterialsUploaded, To: domain.StateSubmitted},
		},
		CreatedAt: at.Add(-time.Hour), UpdatedAt: at,
	}
	if st != domain.StateSubmitted {
		decided := at.Add(time.Hour)
		a.State, a.Version, a.UpdatedAt = st, 7, decided
		a.History = append(a.History, domain.HistoryEntry{At: decided, ActorID: "r", Role: domain.RoleReviewer, From: domain.StateSubmitted, To: st, Note: "x"})
		if st == domain.StateReturned {
			a.ReturnedParts, a.CorrectionDeadline = []string{domain.PartPhoto}, decided.Add(48*time.Hour)
		}
	}
	return a
}

// TestReviewQueueFollowsApplication: a submitted application is listed in
// its department's 待审核 queue only; a decision moves it to its bucket in
// the same transaction, and the counts and the poll version follow.
func TestReviewQueueFollowsApplication(t *testing.T) {
	s := openTemp(t, false)
	add := reviewFixture(t, s, 2, 2)
	a := add(1, posCode(0, 1), benchStart, domain.StateSubmitted)
	d0, d1 := []string{deptName(0)}, []string{deptName(1)}
	page, err := s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: d0, Bucket: domain.StateSubmitted})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("queue: %v %+v", err, page)
	}
	e := page.Entries[0]
	if e.AppID != a.ID || e.Name != candidateName(1) || e.IDNumber != candidateLogin(1) || e.Position != posCode(0, 1) || !e.Since.Equal(benchStart) {
		t.Errorf("entry %+v", e)
	}
	if p, _ := s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: d1, Bucket: domain.StateSubmitted}); len(p.Entries) != 0 {
		t.Errorf("other department sees %+v", p.Entries)
	}
	v0, v1 := s.ReviewVersion("e1", d0), s.ReviewVersion("e1", d1)
	if c := s.ReviewCounts("e1", d0, ""); c[domain.StateSubmitted] != 1 {
		t.Errorf("counts %v", c)
	}
	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin}
	got, err := s.ReviewApplication(a.ID, admin, domain.Decision{Action: domain.ActionReturn, Reason: "照片模糊", Parts: []string{domain.PartPhoto}}, benchStart.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !got.CorrectionDeadline.Equal(benchStart.Add(49 * time.Hour)) {
		t.Errorf("deadline %v", got.CorrectionDeadline)
	}
	c := s.ReviewCounts("e1", d0, "")
	if c[domain.StateSubmitted] != 0 || c[domain.StateReturned] != 1 {
		t.Errorf("counts after return %v", c)
	}
	if s.ReviewVersion("e1", d0) == v0 || s.ReviewVersion("e1", d1) != v1 {
		t.Errorf("versions: d0 %d→%d, d1 %d→%d", v0, s.ReviewVersion("e1", d0), v1, s.ReviewVersion("e1", d1))
	}
	page, _ = s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: d0, Bucket: domain.StateReturned})
	if len(page.Entries) != 1 || !page.Entries[0].Deadline.Equal(got.CorrectionDeadline) || !page.Entries[0].Since.Equal(benchStart.Add(time.Hour)) {
		t.Errorf("returned queue %+v", page.Entries)
	}
	// The candidate re-confirms: still 已退回 until resubmitted, same entry.
	vr := s.ReviewVersion("e1", d0)
	if _, err := s.UpdateApplication(a.ID, func(tx *Tx, x *domain.Application) error {
		return domain.Transition(x, benchExam(), domain.ActionConfirm, x.CandidateID, domain.RoleCandidate, benchStart.Add(2*time.Hour), "")
	}); err != nil {
		t.Fatal(err)
	}
	if s.ReviewVersion("e1", d0) != vr || s.ReviewCounts("e1", d0, "")[domain.StateReturned] != 1 {
		t.Errorf("re-confirm moved the entry: counts %v", s.ReviewCounts("e1", d0, ""))
	}
}

// TestReviewQueuePages: a queue over two departments pages oldest first
// with a cursor, without gaps or repeats; filters by position, day and
// search keep the order; a forged cursor is EINVALID.
func TestReviewQueuePages(t *testing.T) {
	s := openTemp(t, false)
	add := reviewFixture(t, s, 3, 2)
	const n = 130
	for i := range n {
		add(i, posCode(i%2, i%2), benchStart.Add(time.Duration(n-i)*time.Minute), domain.StateSubmitted)
	}
	add(999, posCode(2, 0), benchStart, domain.StateSubmitted) // a third department, not asked for
	f := QueueFilter{ExamID: "e1", Departments: []string{deptName(0), deptName(1)}, Bucket: domain.StateSubmitted, Limit: 50}
	var seen []QueueEntry
	pages := 0
	for {
		p, err := s.ReviewQueue(f)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		seen = append(seen, p.Entries...)
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	if pages != 3 || len(seen) != n {
		t.Fatalf("%d pages, %d entries", pages, len(seen))
	}
	ids := map[string]bool{}
	for i, e := range seen {
		if ids[e.AppID] {
			t.Errorf("repeated %s", e.AppID)
		}
		ids[e.AppID] = true
		if i > 0 && e.Since.Before(seen[i-1].Since) {
			t.Errorf("not oldest first at %d", i)
		}
	}
	p, _ := s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: f.Departments, Bucket: domain.StateSubmitted, Position: posCode(1, 1), Limit: 500})
	if len(p.Entries) != n/2 {
		t.Errorf("position filter: %d", len(p.Entries))
	}
	from := benchStart.Add(10 * time.Minute)
	p, _ = s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: f.Departments, Bucket: domain.StateSubmitted, From: from, To: from.Add(5 * time.Minute), Limit: 500})
	if len(p.Entries) != 5 {
		t.Errorf("time range: %d entries", len(p.Entries))
	}
	p, _ = s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: f.Departments, Bucket: domain.StateSubmitted, Limit: 500,
		Match: func(e *QueueEntry) bool { return e.Name == candidateName(7) }})
	if len(p.Entries) != 1 || p.Entries[0].Name != candidateName(7) {
		t.Errorf("search: %+v", p.Entries)
	}
	for _, bad := range []string{"x", "zzzzzzzzzzzzzzzz/a", "0000000000000001/a/b"} {
		if _, err := s.ReviewQueue(QueueFilter{ExamID: "e1", Departments: f.Departments, Bucket: domain.StateSubmitted, After: bad}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	over, err := s.ReviewOverview("e1", "")
	if err != nil || len(over) != 3 || over[0].Department != deptName(2) || !over[0].Oldest.Equal(benchStart) {
		t.Errorf("overview (slowest first): %v %+v", err, over)
	}
	byPos, err := s.ReviewOverview("e1", deptName(1))
	if err != nil || len(byPos) != 1 || byPos[0].Position != posCode(1, 1) || byPos[0].Counts[domain.StateSubmitted] != n/2 {
		t.Errorf("overview per position: %v %+v", err, byPos)
	}
}

// TestReviewQueueBuiltOnOpen: applications stored before the index existed
// are indexed once when the store opens, and the counts come back after a
// restart.
func TestReviewQueueBuiltOnOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	add := reviewFixture(t, s, 1, 1)
	for i := range 3 {
		add(i, posCode(0, 0), benchStart.Add(time.Duration(i)*time.Minute), domain.StateSubmitted)
	}
	add(3, posCode(0, 0), benchStart, domain.StateApproved)
	// Forget the index, as a store written before it existed.
	var keys []string
	if err := s.View(func(tx *Tx) error {
		return tx.Scan(prefixReviewQueue, ScanOptions{KeysOnly: true}, func(k string, _ []byte) error { keys = append(keys, k); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error {
		for _, k := range append(keys, reviewIndexBuilt) {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.ReviewCounts("e1", []string{deptName(0)}, "")
	if c[domain.StateSubmitted] != 3 || c[domain.StateApproved] != 1 {
		t.Errorf("rebuilt counts %v (keys before: %d)", c, len(keys))
	}
}

// TestReviewRace: two reviewers decide one application at once: exactly
// one decision lands, the other gets ECONFLICT, and the history and the
// audit log hold one decision.
func TestReviewRace(t *testing.T) {
	s := openTemp(t, false)
	add := reviewFixture(t, s, 1, 1)
	a := add(1, posCode(0, 0), benchStart, domain.StateSubmitted)
	reviewers := []*domain.Account{
		{ID: "r1", Role: domain.RoleReviewer, Departments: []string{deptName(0)}},
		{ID: "r2", Role: domain.RoleReviewer, Departments: []string{deptName(0)}},
	}
	decisions := []domain.Decision{{Action: domain.ActionApprove}, {Action: domain.ActionReject, Reason: "专业不符"}}
	for round := range 20 {
		if round > 0 {
			a = add(100+round, posCode(0, 0), benchStart, domain.StateSubmitted)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.ReviewApplication(a.ID, reviewers[i], decisions[i], benchStart.Add(time.Hour), ReviewSeen{Version: a.Version})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch domain.ErrorCode(err) {
			case "":
				ok++
			case domain.ECONFLICT:
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		got, _ := s.Application(a.ID)
		decided := 0
		for _, h := range got.History {
			if h.Role == domain.RoleReviewer {
				decided++
			}
		}
		if ok != 1 || decided != 1 {
			t.Fatalf("round %d: %d decisions landed, history has %d", round, ok, decided)
		}
	}
	log, _ := s.AuditLog(100)
	if len(log) != 20 {
		t.Errorf("audit entries %d, want 20", len(log))
	}
}

// TestReviewVersionAndScope: a decision on a page older than the
// application is refused and writes nothing; a reviewer of another
// department gets ENOTFOUND when deciding from a page, as for a missing one.
func TestReviewVersionAndScope(t *testing.T) {
	s := openTemp(t, false)
	add := reviewFixture(t, s, 2, 1)
	a := add(1, posCode(0, 0), benchStart, domain.StateSubmitted)
	r := &domain.Account{ID: "r1", Role: domain.RoleReviewer, Departments: []string{deptName(0)}}
	other := &domain.Account{ID: "r2", Role: domain.RoleReviewer, Departments: []string{deptName(1)}}
	if _, err := s.ReviewApplication(a.ID, r, domain.Decision{Action: domain.ActionApprove}, benchStart, ReviewSeen{Version: a.Version - 1}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("stale version: %v", err)
	}
	if _, err := s.ReviewApplication(a.ID, other, domain.Decision{Action: domain.ActionApprove}, benchStart, ReviewSeen{Version: a.Version}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other department: %v", err)
	}
	if _, _, err := s.ReviewableApplication(a.ID, other); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other department reads: %v", err)
	}
	if _, _, err := s.ReviewableFile(a.ID, other, true); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other department file: %v", err)
	}
	got, _ := s.Application(a.ID)
	if got.Version != a.Version || got.State != domain.StateSubmitted {
		t.Errorf("refused decisions wrote: %+v", got)
	}
}

// TestRemindDueReturns: a returned application whose 补正截止 is less than
// a day away gets one reminder, however often the check runs; one further
// off gets none yet.
func TestRemindDueReturns(t *testing.T) {
	s := openTemp(t, false)
	add := reviewFixture(t, s, 1, 1)
	soon := add(1, posCode(0, 0), benchStart, domain.StateReturned) // deadline benchStart+49h
	add(2, posCode(0, 0), benchStart.Add(30*time.Hour), domain.StateReturned)
	now := benchStart.Add(30 * time.Hour) // 19 h before the first deadline, 49 h before the second
	for i := range 3 {
		n, err := s.RemindDueReturns(now)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{0: 1}[i]; n != want {
			t.Errorf("run %d: %d reminders, want %d", i, n, want)
		}
	}
	msgs, _, err := s.Messages(soon.CandidateID, 10)
	if err != nil || len(msgs) != 1 {
		t.Errorf("candidate messages %v %+v", err, msgs)
	}
}
