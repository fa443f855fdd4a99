package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/domain/sheet"
)

// scoreImportLimit bounds a score import request: the 20 MB file plus the
// multipart envelope, refused by Content-Length before anything is read.
var scoreImportLimit = int(sheet.ScoreLimits.MaxFileSize) + 64<<10

// scoreRoutes: 成绩管理 and the 资格复审/面试 list (administrators), 成绩查询
// (candidates) and the public query by 准考证号 + 身份证号.
func (s *Server) scoreRoutes(app *fiber.App, storage fiber.Storage) {
	adm := s.requireRole(domain.RoleAdmin)
	app.Get("/admin/exams/:id/scores", adm, s.adminScores)
	app.Post("/admin/exams/:id/scores/rules", adm, limitBody(formLimit), s.saveScoreRules)
	app.Post("/admin/exams/:id/scores/import", adm, limitBody(scoreImportLimit), s.importScores)
	app.Get("/admin/exams/:id/scores/list", adm, s.interviewList)
	app.Get("/admin/exams/:id/scores/list.xlsx", adm, s.exportInterviewList)

	app.Get("/scores", s.requireRole(domain.RoleCandidate), s.showScores)

	app.Get("/score-query", s.showScoreQuery)
	app.Post("/score-query", s.scoreQueryLimiter(storage), limitBody(formLimit), s.doScoreQuery)
}

// scoreQueryLimiter caps public score queries per client IP, like logins:
// each also costs a captcha and counts against its 准考证号 (kv.CheckScoreQuery).
func (s *Server) scoreQueryLimiter(storage fiber.Storage) fiber.Handler {
	return s.perIPLimiter(storage, "scorequery", s.authLimit, "查询过于频繁，请一分钟后再试。")
}
