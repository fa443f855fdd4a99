package handlers

import "examreg/views"

// homeExams lists the published exams for the home page.
func (s *Server) homeExams() ([]views.HomeExam, error) {
	return nil, nil
}
