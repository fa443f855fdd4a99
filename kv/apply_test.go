package kv

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"examreg/domain"
)

var benchStart = time.Date(2023, 3, 15, 9, 0, 0, 0, domain.Shanghai)

func benchExam() *domain.Exam {
	return &domain.Exam{
		ID: "e1", Name: "测试考试", Levels: []domain.Level{{Code: "sz", Name: "省直机关"}}, Published: true,
		Registration: domain.Window{Start: benchStart.AddDate(0, 0, -10), End: benchStart.AddDate(0, 0, 10)},
		Review:       domain.Window{Start: benchStart.AddDate(0, 0, -10), End: benchStart.AddDate(0, 0, 10)},
	}
}

func openTemp(t testing.TB, sync bool) *Store {
	t.Helper()
	s, err := Open(Options{Dir: t.TempDir(), SyncWrites: sync})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seedApps stores n applications at state position_selected over npos
// positions, ready for 确认.
func seedApps(t testing.TB, s *Store, n, npos int) []string {
	t.Helper()
	exam := benchExam()
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutExam(exam); err != nil {
			return err
		}
		for i := range npos {
			if err := tx.PutPosition(&domain.Position{ExamID: exam.ID, Code: fmt.Sprintf("P%04d", i), LevelCode: "sz"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range n {
		a := &domain.Application{
			ID: fmt.Sprintf("app%08d", i), ExamID: exam.ID, CandidateID: fmt.Sprintf("c%08d", i), LevelCode: "sz",
			State: domain.StatePositionSelected, Version: 1, PositionCode: fmt.Sprintf("P%04d", i%npos),
			PhotoID: "ph", RecommendationID: "rec",
		}
		if err := s.CreateApplication(a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	return ids
}

// seedSubmitted stores one application (seedApps) and advances it by an
// administrator through 确认, upload and 提交 to 待审核. It returns its id,
// as seedApps does, and the administrator.
func seedSubmitted(t testing.TB, s *Store) ([]string, *domain.Account) {
	t.Helper()
	ids := seedApps(t, s, 1, 1)
	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin}
	for range 3 {
		if err := advance(s, ids[0], admin); err != nil {
			t.Fatal(err)
		}
	}
	return ids, admin
}

// advance moves one application one step along the candidate's path and
// back through review, so a benchmark can keep transitioning it.
func advance(s *Store, id string, admin *domain.Account) error {
	exam := benchExam()
	_, err := s.UpdateApplication(id, func(tx *Tx, a *domain.Application) error {
		var action domain.Action
		role, actor := domain.RoleCandidate, a.CandidateID
		switch a.State {
		case domain.StatePositionSelected, domain.StateReturned:
			action = domain.ActionConfirm
		case domain.StateConfirmed:
			action = domain.ActionUploadMaterials
		case domain.StateMaterialsUploaded:
			action = domain.ActionConfirmMaterials
		case domain.StateSubmitted:
			action, role, actor = domain.ActionReturn, admin.Role, admin.ID
		default:
			return fmt.Errorf("unexpected state %s", a.State)
		}
		var err error
		if action == domain.ActionReturn {
			err = domain.Review(a, exam, domain.Decision{Action: action, Reason: "退回补充材料", Parts: []string{domain.PartRecommendation}}, actor, role, benchStart)
		} else {
			err = domain.Transition(a, exam, action, actor, role, benchStart, "退回补充材料")
		}
		if err != nil {
			return err
		}
		if len(a.History) > 8 { // keep records of a realistic size
			a.History = a.History[len(a.History)-8:]
		}
		return nil
	})
	return err
}

func TestReviewApplication(t *testing.T) {
	s := openTemp(t, false)
	ids, admin := seedSubmitted(t, s)
	reviewer := &domain.Account{ID: "rev", Role: domain.RoleReviewer, Departments: []string{"别的机关"}}
	if _, err := s.ReviewApplication(ids[0], reviewer, domain.Decision{Action: domain.ActionApprove}, benchStart); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("reviewer of another department: %v", err)
	}
	if _, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionReject}, benchStart); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("reject without reason: %v", err)
	}
	a, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionReject, Reason: "学历不符"}, benchStart)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != domain.StateRejected || a.RejectedPositions[0] != "P0000" || a.ReviewReason != "学历不符" {
		t.Fatalf("%+v", a)
	}
	if _, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionApprove}, benchStart); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("review of a rejected application: %v", err)
	}
	log, _ := s.AuditLog(10)
	if len(log) != 1 || log[0].Action != "application.reject" || log[0].Target != ids[0] {
		t.Fatalf("audit %+v", log)
	}
}

// TestReviewApplicationReturnParts: a return names the parts to fix; they
// are stored on the application and written to the audit log.
func TestReviewApplicationReturnParts(t *testing.T) {
	s := openTemp(t, false)
	ids, admin := seedSubmitted(t, s)
	if _, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionReturn, Reason: "工作经历不清"}, benchStart); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("return without parts: %v", err)
	}
	a, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionReturn, Reason: "工作经历不清",
		Parts: []string{"work", domain.PartPhoto}}, benchStart)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.Application(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*domain.Application{a, stored} {
		if got.State != domain.StateReturned || !slices.Equal(got.ReturnedParts, []string{domain.PartPhoto, "work"}) {
			t.Errorf("after return: %s %v", got.State, got.ReturnedParts)
		}
	}
	log, _ := s.AuditLog(10)
	if len(log) != 1 || log[0].Action != "application.return" || !strings.Contains(log[0].Detail, "工作经历不清") ||
		!strings.Contains(log[0].Detail, "照片、工作情况") {
		t.Fatalf("audit %+v", log)
	}
}

func TestPendingPhoto(t *testing.T) {
	s := openTemp(t, false)
	acct := &domain.Account{ID: "c00000000", Role: domain.RoleCandidate, LoginName: "x1"}
	if err := s.CreateAccount(acct); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SavePendingPhoto(acct.ID, benchStart); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("save without pending: %v", err)
	}
	for i := range 2 {
		if err := s.PutPendingPhoto(acct.ID, PendingPhoto{Data: []byte{0xff, 0xd8, byte(i)}, At: benchStart}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SavePendingPhoto(acct.ID, benchStart.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := s.Account(acct.ID)
	_, data, err := s.Blob(a.PhotoID)
	if err != nil || data[2] != 1 {
		t.Fatalf("photo %v %v", data, err)
	}
	// A confirmed application freezes the photo.
	seedApps(t, s, 1, 1) // candidate c00000000, position_selected
	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin}
	if err := advance(s, "app00000000", admin); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPendingPhoto(acct.ID, PendingPhoto{Data: []byte{1}}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("pending photo after confirm: %v", err)
	}
}

// BenchmarkApplicationTransitions: 64 writers moving applications through
// 确认 → 上传 → 材料确认 → 退回 → … with SyncWrites on, on disk. Each op is
// one UpdateApplication with its by-position index, history and sharded
// counters. Reports ops/s.
//
//	go test ./kv -run '^$' -bench ApplicationTransitions -benchtime 20000x
func BenchmarkApplicationTransitions(b *testing.B) {
	s := openTemp(b, true)
	const apps, positions, writers = 4096, 200, 64
	ids := seedApps(b, s, apps, positions)
	admin := &domain.Account{ID: "adm", Role: domain.RoleAdmin}
	var next atomic.Int64
	// Each writer owns the applications i ≡ w (mod writers): a candidate
	// acts on their own application, so writers do not retry on each
	// other's records; positions and counter shards are shared.
	var mu sync.Mutex
	var firstErr error
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := 0
			for next.Add(1) <= int64(b.N) {
				id := ids[(w+k*writers)%apps]
				k++
				if err := advance(s, id, admin); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "ops/s")
}
