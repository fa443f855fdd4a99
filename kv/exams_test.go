package kv

import (
	"fmt"
	"testing"
	"time"

	"examreg/domain"
)

func openExamsTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var testNow = time.Date(2023, 3, 1, 9, 0, 0, 0, domain.Shanghai)

func testExam(id, code string) *domain.Exam {
	return &domain.Exam{ID: id, Code: code, Name: "考试" + code, Levels: []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "ds", Name: "市州机关"}}, CreatedAt: testNow}
}

func testPosition(examID, code, level string) domain.Position {
	return domain.Position{ExamID: examID, Code: code, Department: "湖北省财政厅", Employer: "办公室", Title: "综合岗", LevelCode: level, Quota: 1}
}

func auditCount(t *testing.T, s *Store) int {
	list, err := s.AuditLog(1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestSaveExam(t *testing.T) {
	s := openExamsTestStore(t)
	if err := s.SaveExam(testExam("e1", "A1"), AuditEntry{At: testNow, Action: "exam.create"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveExam(testExam("e2", "A1"), AuditEntry{At: testNow}); domain.ErrorFields(err)["code"] == "" {
		t.Fatalf("duplicate code: %v", err)
	}
	// Renaming the code frees the old one.
	e := testExam("e1", "A2")
	if err := s.SaveExam(e, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveExam(testExam("e2", "A1"), AuditEntry{At: testNow}); err != nil {
		t.Fatalf("freed code: %v", err)
	}
	// A level with positions cannot be removed.
	if _, err := s.ImportPositions("e1", []domain.Position{testPosition("e1", "1", "ds")}, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	e.Levels = e.Levels[:1]
	if err := s.SaveExam(e, AuditEntry{At: testNow}); domain.ErrorFields(err)["levels"] == "" {
		t.Fatalf("level removal: %v", err)
	}
	if n := auditCount(t, s); n != 4 { // 3 exam saves + 1 import
		t.Errorf("audit entries %d", n)
	}
	if got, _ := s.Exam("e1"); got.Code != "A2" || len(got.Levels) != 2 {
		t.Errorf("stored %+v", got)
	}
}

func TestSaveAndRemovePosition(t *testing.T) {
	s := openExamsTestStore(t)
	p := testPosition("e1", "100", "sz")
	if err := s.SavePosition(&p, true, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePosition(&p, true, AuditEntry{At: testNow}); domain.ErrorFields(err)["code"] == "" {
		t.Fatalf("duplicate create: %v", err)
	}
	missing := testPosition("e1", "999", "sz")
	if err := s.SavePosition(&missing, false, AuditEntry{At: testNow}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("update missing: %v", err)
	}
	app := &domain.Application{ID: "a1", ExamID: "e1", CandidateID: "c1", PositionCode: "100", State: domain.StateSubmitted}
	if err := s.CreateApplication(app); err != nil {
		t.Fatal(err)
	}
	moved := p
	moved.LevelCode = "ds"
	if err := s.SavePosition(&moved, false, AuditEntry{At: testNow}); domain.ErrorFields(err)["level"] == "" {
		t.Fatalf("level move with applications: %v", err)
	}
	p.Title = "新名称"
	if err := s.SavePosition(&p, false, AuditEntry{At: testNow}); err != nil {
		t.Fatalf("same-level edit: %v", err)
	}
	if got, _ := s.Position("e1", "100"); got.Title != "新名称" {
		t.Errorf("catalog not updated: %+v", got)
	}
	if err := s.RemovePosition("e1", "100", AuditEntry{At: testNow}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("delete with applications: %v", err)
	}
	q := testPosition("e1", "200", "sz")
	if err := s.SavePosition(&q, true, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePosition("e1", "200", AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Position("e1", "200"); ok || len(s.PositionList("e1")) != 1 {
		t.Errorf("delete not seen by catalog: %v", s.PositionList("e1"))
	}
	if err := s.RemovePosition("e1", "200", AuditEntry{At: testNow}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("delete twice: %v", err)
	}
}

func TestImportPositions(t *testing.T) {
	s := openExamsTestStore(t)
	var list []domain.Position
	for i := range 1200 { // more than two write batches
		list = append(list, testPosition("e1", fmt.Sprintf("%05d", i), "sz"))
	}
	res, err := s.ImportPositions("e1", list, AuditEntry{At: testNow})
	if err != nil || res.Created != 1200 {
		t.Fatalf("%+v %v", res, err)
	}
	list[5].Title = "改过的"
	list = append(list, testPosition("e1", "99999", "ds"))
	res, err = s.ImportPositions("e1", list, AuditEntry{At: testNow})
	if err != nil || res != (ImportResult{Created: 1, Updated: 1, Unchanged: 1199}) {
		t.Fatalf("re-import %+v %v", res, err)
	}
	if got := s.PositionList("e1"); len(got) != 1201 || got[5].Title != "改过的" || got[0].Code != "00000" {
		t.Fatalf("list %d", len(got))
	}
	if deps := s.PositionDepartments("e1"); len(deps) != 1 {
		t.Errorf("departments %v", deps)
	}
	// Reopen from disk state: the catalog is rebuilt at Open (in-memory store: same db).
	if err := s.loadCatalog(); err != nil || len(s.PositionList("e1")) != 1201 {
		t.Fatalf("reload %v", err)
	}
	if err := s.CreateApplication(&domain.Application{ID: "a1", ExamID: "e1", CandidateID: "c", PositionCode: "00001", State: domain.StateSubmitted}); err != nil {
		t.Fatal(err)
	}
	moved := []domain.Position{testPosition("e1", "00001", "ds"), testPosition("e1", "00002", "ds")}
	conflicts, err := s.LevelMoveConflicts(moved)
	if err != nil || len(conflicts) != 1 || conflicts["00001"] == "" {
		t.Fatalf("conflicts %v %v", conflicts, err)
	}
}

func TestCountsVersionAndTotals(t *testing.T) {
	s := openExamsTestStore(t)
	v0 := s.CountsVersion("e1")
	for i, st := range []domain.State{domain.StateSubmitted, domain.StateApproved, domain.StatePaid} {
		if err := s.CreateApplication(&domain.Application{ID: fmt.Sprint("a", i), ExamID: "e1", CandidateID: fmt.Sprint("c", i), PositionCode: "1", State: st}); err != nil {
			t.Fatal(err)
		}
	}
	if s.CountsVersion("e1") == v0 {
		t.Error("version did not change")
	}
	view := s.CountsView("e1")
	if view["1"] != (domain.PositionCounts{Submitted: 1, Approved: 2, Paid: 1}) {
		t.Errorf("view %+v", view)
	}
	if err := s.CreateApplication(&domain.Application{ID: "a9", ExamID: "e1", CandidateID: "c9", PositionCode: "2", State: domain.StateSubmitted}); err != nil {
		t.Fatal(err)
	}
	if s.CountsView("e1")["2"].Submitted != 1 || view["2"].Submitted != 0 {
		t.Error("view not refreshed after a change, or old view modified")
	}

	if got := s.CountTotals("e1"); got != (domain.PositionCounts{Submitted: 2, Approved: 2, Paid: 1}) {
		t.Errorf("totals %+v", got)
	}
	drift, err := s.RebuildCounts("e1")
	if err != nil || len(drift) != 0 {
		t.Fatalf("drift %v %v", drift, err)
	}
}

func TestNotices(t *testing.T) {
	s := openExamsTestStore(t)
	n := &domain.Notice{ID: NewID(testNow), Title: "公告", Body: "正文", CreatedAt: testNow}
	file := NewAttachment{Meta: BlobMeta{ID: "b1", Name: "职位表.xlsx", ContentType: "application/zip"}, Data: []byte("PK\x03\x04data")}
	if err := s.SaveNotice(n, []NewAttachment{file}, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	a, data, err := s.NoticeAttachment(n.ID, "b1")
	if err != nil || a.Name != "职位表.xlsx" || string(data) != "PK\x03\x04data" || a.Size != 8 {
		t.Fatalf("%+v %q %v", a, data, err)
	}
	if _, _, err := s.NoticeAttachment(n.ID, "other-blob"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("foreign blob: %v", err)
	}
	list, _ := s.Notices(10)
	if len(list) != 1 || len(list[0].Attachments) != 1 {
		t.Fatalf("list %+v", list)
	}
	if err := s.RemoveAttachment(n.ID, "b1", AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Blob("b1"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("blob kept: %v", err)
	}
	if err := s.DeleteNotice(n.ID, AuditEntry{At: testNow}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice(n.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("notice kept: %v", err)
	}
}
