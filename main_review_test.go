package main

import (
	"bytes"
	"testing"
	"time"

	"examreg/domain"
	"examreg/kv"
)

// TestSeedDemoApplications: -demo adds a few dozen submitted applications
// spread over positions, half of them to the demo reviewer's department,
// and adds nothing on the next start.
func TestSeedDemoApplications(t *testing.T) {
	s, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if err := seedDemo(s, now, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	exams, _ := s.Exams()
	exam := exams[0]
	waiting := func() (all, mine int) {
		mine = s.ReviewCounts(exam.ID, []string{demoDepartmentName}, "")[domain.StateSubmitted]
		all = s.ReviewCounts(exam.ID, s.ReviewDepartments(exam.ID), "")[domain.StateSubmitted]
		return all, mine
	}
	all0, mine0 := waiting() // the demo's candidates at each state
	for range 2 {
		if err := seedDemoApplications(s, now, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	if all, mine := waiting(); all-all0 != demoApplicants || mine-mine0 != demoApplicants/2 {
		t.Errorf("waiting: %d more in all, %d more for the demo reviewer", all-all0, mine-mine0)
	}
	if n := len(s.ReviewDepartments(exam.ID)); n < 5 {
		t.Errorf("applications spread over %d departments only", n)
	}
	page, err := s.ReviewQueue(kv.QueueFilter{ExamID: exam.ID, Departments: []string{demoDepartmentName}, Bucket: domain.StateSubmitted})
	if err != nil || len(page.Entries) == 0 {
		t.Fatal(err)
	}
	a, err := s.Application(page.Entries[0].AppID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ApplicationFile(a.ID, a.RecommendationID); err != nil {
		t.Errorf("推荐表: %v", err)
	}
	if _, _, err := s.ApplicationFile(a.ID, a.PhotoID); err != nil {
		t.Errorf("photo: %v", err)
	}
}
