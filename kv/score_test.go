package kv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"examreg/domain"
	"examreg/domain/sheet"
)

var scoreNow = time.Date(2023, 5, 20, 9, 0, 0, 0, domain.Shanghai)

// seedScoreExam stores exam e1 (two subjects, score window from
// scoreNow+24h) with npos positions of quota 1 and n seated applications
// written directly (seats, 准考证号 index, a seat run): the fixture of the
// score import, not a walk through the seat assignment.
func seedScoreExam(t testing.TB, s *Store, n, npos int) []domain.ScoreRow {
	t.Helper()
	e := benchExam()
	e.Subjects = []string{"公共科目", "专业科目"}
	e.Score = domain.Window{Start: scoreNow.Add(24 * time.Hour), End: scoreNow.AddDate(0, 1, 0)}
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutExam(e); err != nil {
			return err
		}
		return tx.Put(seatRunKey(e.ID), &domain.SeatRun{ID: "run1", ExamID: e.ID, CompletedAt: scoreNow})
	}); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < npos; start += 1000 {
		if err := s.Update(func(tx *Tx) error {
			for i := start; i < min(start+1000, npos); i++ {
				if err := tx.PutPosition(&domain.Position{ExamID: e.ID, Code: fmt.Sprintf("P%05d", i), LevelCode: "sz", Quota: 1}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	rows := make([]domain.ScoreRow, n)
	for start := 0; start < n; start += 1000 {
		if err := s.Update(func(tx *Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				seat := domain.Seat{ExamID: e.ID, AppID: fmt.Sprintf("app%08d", i), PositionCode: fmt.Sprintf("P%05d", i%npos),
					TicketNo: fmt.Sprintf("2023%07d", i), RunID: "run1"}
				if err := tx.Put(seatKey(e.ID, seat.AppID), &seat); err != nil {
					return err
				}
				if err := tx.PutRaw(seatNoKey(e.ID, seat.TicketNo), []byte(seat.AppID)); err != nil {
					return err
				}
				if err := tx.PutRaw(appByPosKey(e.ID, seat.PositionCode, seat.AppID), []byte(domain.StateTicketIssued)); err != nil {
					return err
				}
				rows[i] = domain.ScoreRow{TicketNo: seat.TicketNo, AppID: seat.AppID, Position: seat.PositionCode,
					Scores: []domain.Points{domain.Points(i * 7919 % 10001), domain.Points(i * 104729 % 10001)}}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

var scoreAdmin = &domain.Account{ID: "admin", Role: domain.RoleAdmin}

func TestImportScoresReplacesAsAWhole(t *testing.T) {
	s := openTemp(t, false)
	rows := seedScoreExam(t, s, 5000, 50)
	holders, runID, err := s.TicketHolders("e1")
	if err != nil || len(holders) != 5000 || runID != "run1" {
		t.Fatalf("holders %d %q %v", len(holders), runID, err)
	}

	res, err := s.ImportScores("e1", rows, "成绩.xlsx", scoreAdmin, "127.0.0.1", scoreNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Before != 0 || res.After != 5000 {
		t.Errorf("first import %+v", res)
	}
	e, _ := s.Exam("e1")
	if e.Scores.Generation != res.Generation || e.Scores.Rows != 5000 {
		t.Fatalf("exam scores %+v", e.Scores)
	}
	if n, _ := s.KeyCount(prefixScore); n != 5000 {
		t.Fatalf("%d score keys", n)
	}
	pos, err := s.PositionScores(e, "P00007")
	if err != nil || pos.Rows != 100 || pos.Listed < 3 || pos.Entries[0].Rank != 1 {
		t.Fatalf("position %+v %v", pos.Listed, err)
	}

	// A re-import with fewer rows replaces the set: nothing of the first stays.
	second := append([]domain.ScoreRow(nil), rows[:1200]...)
	second[0].Scores = []domain.Points{10000, 10000}
	res2, err := s.ImportScores("e1", second, "更正.csv", scoreAdmin, "127.0.0.1", scoreNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res2.Before != 5000 || res2.After != 1200 {
		t.Errorf("re-import %+v", res2)
	}
	if n, _ := s.KeyCount(prefixScore); n != 1200 {
		t.Errorf("%d score keys after the re-import, want 1200", n)
	}
	if n, _ := s.KeyCount(prefixScoreGen); n != 1 {
		t.Errorf("%d generation markers", n)
	}
	e, _ = s.Exam("e1")
	pos, _ = s.PositionScores(e, rows[0].Position)
	if top := pos.Entries[0]; top.Row.TicketNo != rows[0].TicketNo || top.Total.String() != "200.00" {
		t.Errorf("corrected row not first: %+v", top)
	}
	page, err := s.QueryAudit(AuditFilter{Target: "e1", Action: "scores.import"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, a := range page.Entries {
		if a.Action == "scores.import" {
			details = append(details, a.Detail)
		}
	}
	if len(details) != 2 || !strings.Contains(strings.Join(details, "|"), "原 5000 条 → 现 1200 条") {
		t.Errorf("audit %q", details)
	}
}

func TestImportScoresRefusedWritesNothing(t *testing.T) {
	s := openTemp(t, false)
	rows := seedScoreExam(t, s, 300, 3)
	if _, err := s.ImportScores("e1", rows, "a.xlsx", scoreAdmin, "", scoreNow); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Exam("e1")
	keys, _ := s.KeyCount(prefixScore)

	// Rows checked against seats that changed since (another seat run).
	stale := append([]domain.ScoreRow(nil), rows...)
	stale[250].AppID = "someone-else"
	if _, err := s.ImportScores("e1", stale, "b.xlsx", scoreAdmin, "", scoreNow); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("stale rows: %v", err)
	}
	// An exam without subjects.
	if err := s.Update(func(tx *Tx) error {
		e, _ := tx.Exam("e1")
		e.Subjects = nil
		return tx.PutExam(e)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportScores("e1", rows, "c.xlsx", scoreAdmin, "", scoreNow); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("no subjects: %v", err)
	}
	after, _ := s.Exam("e1")
	if after.Scores.Generation != before.Scores.Generation {
		t.Error("generation switched by a refused import")
	}
	if n, _ := s.KeyCount(prefixScore); n != keys {
		t.Errorf("score keys %d → %d", keys, n)
	}
}

func TestImportScoresCutShortIsInvisibleAndCleaned(t *testing.T) {
	s := openTemp(t, false)
	rows := seedScoreExam(t, s, 300, 3)
	if _, err := s.ImportScores("e1", rows, "a.xlsx", scoreAdmin, "", scoreNow); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Exam("e1")
	// An import that crashed after some batches: a generation with rows,
	// never switched to.
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Put(scoreGenMarkerKey("e1", "crashed"), scoreNow); err != nil {
			return err
		}
		for i := range 100 {
			r := rows[i]
			r.Scores = []domain.Points{0, 0}
			if err := tx.Put(scoreRowKey("e1", "crashed", &r), &r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pos, _ := s.PositionScores(e, "P00000")
	if pos.Rows != 100 {
		t.Errorf("readers see the unfinished generation: %d rows", pos.Rows)
	}
	if _, err := s.ImportScores("e1", rows[:10], "b.xlsx", scoreAdmin, "", scoreNow); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.KeyCount(prefixScore); n != 10 {
		t.Errorf("%d score keys, want 10 (crashed and replaced generations removed)", n)
	}
}

func TestSaveScoreRulesAndExamFormKeepsThem(t *testing.T) {
	s := openTemp(t, false)
	seedScoreExam(t, s, 30, 3)
	form := domain.ScoreRulesForm{Weights: []string{"40", "60"}, FullMarks: []string{"100", "100"}, MinScores: []string{"", ""},
		Ratio: "3", SmallQuota: "1", SmallRatio: "5", MinTotal: "",
		ScoreStart: "2023-05-21T09:00", ScoreEnd: "2023-06-20T17:00"}
	if err := s.SaveScoreRules("e1", form, scoreAdmin, "", scoreNow); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Exam("e1")
	if e.Scores.Ratio != 3 || e.ScoreSubjects()[1].Weight != 60 || !e.Score.Start.Equal(time.Date(2023, 5, 21, 9, 0, 0, 0, domain.Shanghai)) {
		t.Fatalf("saved %+v %v", e.Scores, e.Score)
	}
	// The general exam form, loaded before the rules changed, keeps them.
	stale := *e
	stale.Scores = domain.ScoreRules{}
	stale.Name = "改名"
	if err := s.SaveExam(&stale, AuditEntry{At: scoreNow, ActorID: "admin", Action: "exam.update"}); err != nil {
		t.Fatal(err)
	}
	if e, _ = s.Exam("e1"); e.Scores.Ratio != 3 || e.Name != "改名" {
		t.Errorf("exam form overwrote the score rules: %+v", e.Scores)
	}
	form.Ratio = "0"
	if err := s.SaveScoreRules("e1", form, scoreAdmin, "", scoreNow); domain.ErrorFields(err)["ratio"] == "" {
		t.Errorf("bad ratio: %v", err)
	}
}

func TestScoreQueryThrottle(t *testing.T) {
	s := openTemp(t, false)
	for i := range domain.FreeLoginFailures {
		if err := s.CheckScoreQuery("e1", "20230000001", scoreNow); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if err := s.RecordScoreQueryFailure("e1", "20230000001", scoreNow); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CheckScoreQuery("e1", "20230000001", scoreNow); domain.ErrorCode(err) != domain.ERATELIMIT {
		t.Errorf("after %d failures: %v", domain.FreeLoginFailures, err)
	}
	if err := s.CheckScoreQuery("e1", "20230000002", scoreNow); err != nil {
		t.Errorf("another number: %v", err)
	}
}

// importedScoreExam is a temp store holding exam e1 with 100,000 ticket
// holders in npos positions and their scores imported: what the reading
// benchmarks rank.
func importedScoreExam(b *testing.B, npos int) (*Store, *domain.Exam) {
	b.Helper()
	s := openTemp(b, false)
	rows := seedScoreExam(b, s, 100000, npos)
	if _, err := s.ImportScores("e1", rows, "b.xlsx", scoreAdmin, "", scoreNow); err != nil {
		b.Fatal(err)
	}
	e, err := s.Exam("e1")
	if err != nil {
		b.Fatal(err)
	}
	return s, e
}

// measureCPUPerOp resets b's timer and starts counting the process's CPU
// time; the function it returns reports that time per op as cpu-s/op
// (call it deferred, after the b.Loop).
func measureCPUPerOp(b *testing.B) func() {
	b.ResetTimer()
	cpu := processCPU()
	return func() { b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op") }
}

// BenchmarkImportScores100000 writes a 100,000-row score set (the rows as
// decoded: see sheet.BenchmarkDecodeScores100000 for the file) and switches to it.
func BenchmarkImportScores100000(b *testing.B) {
	s := openTemp(b, false)
	rows := seedScoreExam(b, s, 100000, 10000)
	defer measureCPUPerOp(b)()
	for b.Loop() {
		if _, err := s.ImportScores("e1", rows, "b.xlsx", scoreAdmin, "", scoreNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreResults100000 ranks 100,000 rows in 10,000 positions from the store.
func BenchmarkScoreResults100000(b *testing.B) {
	s, e := importedScoreExam(b, 10000)
	defer measureCPUPerOp(b)()
	for b.Loop() {
		if res, err := s.ScoreResults(e); err != nil || len(res) != 10000 {
			b.Fatal(err, len(res))
		}
	}
}

// BenchmarkImportScoreFile100000 is the whole import of a 100,000-row
// .xlsx: stream and check it (sheet.DecodeScores against TicketHolders),
// then write the new generation and switch to it.
func BenchmarkImportScoreFile100000(b *testing.B) {
	s := openTemp(b, false)
	rows := seedScoreExam(b, s, 100000, 10000)
	sh := sheet.Sheet{Name: "成绩", Columns: []sheet.Column{{Header: "准考证号"}, {Header: "公共科目"}, {Header: "专业科目"}}}
	for _, r := range rows {
		sh.Rows = append(sh.Rows, []any{r.TicketNo, r.Scores[0].String(), r.Scores[1].String()})
	}
	data, err := sheet.Write(sh)
	if err != nil {
		b.Fatal(err)
	}
	e, _ := s.Exam("e1")
	defer measureCPUPerOp(b)()
	for b.Loop() {
		holders, _, err := s.TicketHolders("e1")
		if err != nil {
			b.Fatal(err)
		}
		f, err := sheet.DecodeScores(data, "b.xlsx", e.ScoreSubjects(), func(no string) (sheet.ScoreTicket, bool) { h, ok := holders[no]; return h, ok }, sheet.ScoreLimits)
		if err != nil || len(f.Problems) > 0 {
			b.Fatal(err, f.Problems)
		}
		if _, err := s.ImportScores("e1", f.Rows, "b.xlsx", scoreAdmin, "", scoreNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPositionScores: what a candidate's 成绩查询 reads and ranks,
// one position of 100 candidates in a set of 100,000.
func BenchmarkPositionScores(b *testing.B) {
	s, e := importedScoreExam(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if res, err := s.PositionScores(e, "P00500"); err != nil || res.Rows != 100 {
			b.Fatal(err, res.Rows)
		}
	}
}
