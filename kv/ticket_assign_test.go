package kv

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"examreg/domain"
)

// TestAssignSeatsWorkersWriteTheSameStore: a run written by seatWorkers
// side by side leaves, key for key, the store one worker leaves (the run's
// id, random, aside), for a first run and for a rerun with another seed.
func TestAssignSeatsWorkersWriteTheSameStore(t *testing.T) {
	defer func(n int) { seatWorkers = n }(seatWorkers)
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	dumps := map[int][2]map[string]string{}
	for _, workers := range []int{1, 2, 3} {
		seatWorkers = workers
		s := openTemp(t, false)
		seedPaid(t, s, 700, 9, true)
		seatSetup(t, s, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12", 2) // 720 seats
		var d [2]map[string]string
		var runIDs []string
		for i, seed := range []uint64{11, 12} {
			run, err := s.AssignSeats("e1", admin, seed, ticketStart.Add(time.Duration(i)*time.Minute))
			if err != nil || run.Written != 700 {
				t.Fatalf("%d workers, seed %d: %+v %v", workers, seed, run, err)
			}
			runIDs = append(runIDs, run.ID)
			d[i] = storeDump(t, s, runIDs)
		}
		dumps[workers] = d
	}
	for _, workers := range []int{2, 3} {
		for i, what := range []string{"first run", "rerun"} {
			want, got := dumps[1][i], dumps[workers][i]
			if len(got) != len(want) {
				t.Errorf("%s, %d workers: %d keys, one worker %d", what, workers, len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("%s, %d workers: %s = %.200q, one worker %.200q", what, workers, k, got[k], v)
				}
			}
		}
	}
}

// storeDump reads every key of the store but the audit log and the catalog
// and exams versions (random ids of their own), with the runs' ids (random) replaced
// by "RUN1", "RUN2", ….
func storeDump(t *testing.T, s *Store, runIDs []string) map[string]string {
	t.Helper()
	var pairs []string
	for i, id := range runIDs {
		pairs = append(pairs, id, fmt.Sprintf("RUN%d", i+1))
	}
	norm := strings.NewReplacer(pairs...)
	m := map[string]string{}
	err := s.View(func(tx *Tx) error {
		return tx.Scan("", ScanOptions{}, func(k string, v []byte) error {
			if strings.HasPrefix(k, prefixAudit) || strings.HasPrefix(k, prefixAuditActor) || strings.HasPrefix(k, prefixAuditTarget) ||
				strings.HasPrefix(k, prefixCatVer) || k == examsVersionKey {
				return nil
			}
			m[norm.Replace(k)] = norm.Replace(string(v))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAssignSeatsResumedUnderAnotherPlan: a rerun cut short after some
// batches (applications moved to new seats, their old numbers left to the
// plan's new holders), then 40 candidates leave 已缴费 so the resumed run,
// same seed, plans fewer seats: when it completes, every number-index
// entry names the application seated there and nobody else has one.
func TestAssignSeatsResumedUnderAnotherPlan(t *testing.T) {
	s := openTemp(t, false)
	ids := seedPaid(t, s, 250, 7, true)
	seatSetup(t, s, "1\n2\n3\n4\n5", 2) // 300 seats
	admin := &domain.Account{ID: "admin", Role: domain.RoleAdmin}
	if _, err := s.AssignSeats("e1", admin, 1, ticketStart); err != nil {
		t.Fatal(err)
	}

	// The second run, seed 2, cut short after its first worker wrote 100
	// applications (in key order, as writeSeats hands them out).
	later := ticketStart.Add(time.Minute)
	exam, _ := s.Exam("e1")
	run := &domain.SeatRun{ID: NewID(later), ExamID: "e1", Seed: 2, ActorID: admin.ID, StartedAt: later, Candidates: 250, Seats: 300}
	var plan []domain.Seat
	if err := s.View(func(tx *Tx) error {
		cands, err := tx.seatCandidates("e1")
		if err != nil {
			return err
		}
		settings, _ := tx.ticketSettings("e1")
		venues, _ := tx.Venues("e1")
		plan, err = domain.PlanSeats("e1", settings.ExamNo, run.ID, venues, cands, run.Seed)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.Put(seatRunKey("e1"), run) }); err != nil {
		t.Fatal(err)
	}
	w := &seatWrite{exam: exam, run: run, now: later, planned: map[string]bool{}}
	for _, seat := range plan {
		w.planned[seat.TicketNo] = true
	}
	order := slices.Clone(plan)
	slices.SortFunc(order, func(a, b domain.Seat) int { return strings.Compare(a.AppID, b.AppID) })
	if err := s.writeSeatPart(w, 0, order[:100], make([]bool, 100), new(atomic.Bool)); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.SeatRun("e1"); r.Complete() || r.Written != 100 {
		t.Fatalf("run cut short reads %+v", r)
	}
	if bad := seatIndexMismatches(t, s); len(bad) == 0 {
		t.Fatal("the cut-short run left no number to a later holder: the test misses its case")
	}

	// 40 candidates leave 已缴费 (what a refund does), then the run resumes.
	left := map[string]bool{}
	for _, id := range ids[:40] {
		left[id] = true
		if _, err := s.UpdateApplication(id, func(_ *Tx, a *domain.Application) error {
			a.State = domain.StateApproved
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	resumed, err := s.AssignSeats("e1", admin, 99, later.Add(time.Minute))
	if err != nil || resumed.ID != run.ID || !resumed.Complete() || resumed.Written != 210 {
		t.Fatalf("resumed: %+v %v", resumed, err)
	}
	if bad := seatIndexMismatches(t, s); len(bad) > 0 {
		t.Fatalf("number index entries not matching a seat: %v", bad)
	}
	numbers, seated := map[string]bool{}, 0
	for _, id := range ids {
		seat, err := s.Seat("e1", id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case left[id] && seat != nil:
			t.Fatalf("%s left 已缴费 but keeps seat %s", id, seat.TicketNo)
		case left[id]:
			continue
		case seat == nil || seat.RunID != run.ID || numbers[seat.TicketNo]:
			t.Fatalf("%s: seat %+v", id, seat)
		}
		numbers[seat.TicketNo] = true
		seated++
	}
	if n, _ := s.KeyCount(seatNoPrefix("e1")); n != seated || seated != 210 {
		t.Fatalf("%d number index entries, %d seated, want 210 each", n, seated)
	}
	if n, _ := s.KeyCount(prefixSeatProg); n != 0 {
		t.Fatalf("%d progress counts left after the run completed", n)
	}
}

// seatIndexMismatches lists the 准考证号 index entries of e1 whose
// application's seat carries another number (or none).
func seatIndexMismatches(t *testing.T, s *Store) (bad []string) {
	t.Helper()
	prefix := seatNoPrefix("e1")
	err := s.View(func(tx *Tx) error {
		return tx.Scan(prefix, ScanOptions{}, func(k string, v []byte) error {
			var seat domain.Seat
			if err := tx.Get(seatKey("e1", string(v)), &seat); err != nil && err != ErrNotFound {
				return err
			}
			if seat.TicketNo != k[len(prefix):] {
				bad = append(bad, fmt.Sprintf("%s→%s (seat %q)", k[len(prefix):], v, seat.TicketNo))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

// BenchmarkAssignSeatsFilledForms is BenchmarkAssignSeats100k with records
// as candidates leave them, ~2.5 KB instead of ~1: 填报信息 filled in (简历,
// 家庭成员) and the history of a whole registration. Not matched by
// -bench AssignSeats100k; run it by name (EXAMREG_BENCH_SEATS applies).
func BenchmarkAssignSeatsFilledForms(b *testing.B) {
	s := openTemp(b, false)
	ids := seedPaid(b, s, benchSeatN, 500, false)
	steps := []domain.HistoryEntry{
		{ActorID: "c", Role: domain.RoleCandidate, From: domain.StateStarted, To: domain.StatePositionSelected},
		{ActorID: "c", Role: domain.RoleCandidate, From: domain.StatePositionSelected, To: domain.StateConfirmed},
		{ActorID: "c", Role: domain.RoleCandidate, From: domain.StateConfirmed, To: domain.StateSubmitted},
		{ActorID: "reviewer", Role: domain.RoleReviewer, From: domain.StateSubmitted, To: domain.StateReturned, Note: "请补充近三年年度考核结果"},
		{ActorID: "c", Role: domain.RoleCandidate, From: domain.StateReturned, To: domain.StateSubmitted},
	}
	for start := 0; start < len(ids); start += 200 {
		if err := s.Update(func(tx *Tx) error {
			for i, id := range ids[start:min(start+200, len(ids))] {
				a, err := tx.Application(id)
				if err != nil {
					return err
				}
				before := priorOf(a)
				a.Form = filledForm(start + i)
				for j, h := range steps {
					h.At = ticketStart.AddDate(0, 0, -40+j)
					a.History = append([]domain.HistoryEntry{h}, a.History...)
				}
				if err := tx.writeApplication(before, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	benchSeatRuns(b, s)
}

// filledForm is a 填报信息 as a candidate fills it in.
func filledForm(i int) domain.ApplicationForm {
	schools := []string{"武汉大学", "华中科技大学", "华中师范大学", "中南财经政法大学", "湖北大学", "武汉理工大学"}
	majors := []string{"法学", "汉语言文学", "会计学", "计算机科学与技术", "经济学", "行政管理"}
	school, major := schools[i%len(schools)], majors[i%len(majors)]
	return domain.ApplicationForm{
		Ethnicity: "汉族", NativePlace: "湖北武汉", BirthPlace: "湖北武汉", Political: "中共党员", PartyJoinDate: "2010-06",
		WorkStartDate: "2012-07", CivilServantDate: "2013-03", Employer: "武汉市江岸区人民政府办公室科员",
		Rank: "四级主任科员", RankDate: "2019-06", GrassrootsYears: 6, Health: "健康",
		FullTimeEducation: "大学本科", FullTimeDegree: "学士", FullTimeSchool: school, FullTimeMajor: major, FullTimeGradDate: "2012-06",
		Appraisals: "2020年度称职，2021年度优秀，2022年度称职", Phone: fmt.Sprintf("139%08d", 27000000+i),
		Address: "湖北省武汉市江岸区沿江大道1号",
		Resume: "2008.09—2012.06 " + school + major + "专业学习\n2012.07—2015.12 武汉市江岸区某街道办事处科员\n" +
			"2016.01—2019.05 武汉市江岸区人民政府办公室科员\n2019.06— 武汉市江岸区人民政府办公室四级主任科员",
		Rewards: "2021年度嘉奖一次",
		Family: []domain.FamilyMember{
			{Relation: "父亲", Name: "某某", BirthMonth: "1962-05", Political: "群众", Work: "退休"},
			{Relation: "母亲", Name: "某某", BirthMonth: "1964-09", Political: "群众", Work: "退休"},
			{Relation: "配偶", Name: "某某", BirthMonth: "1991-02", Political: "中共党员", Work: "武汉市某中学教师"},
		},
	}
}
