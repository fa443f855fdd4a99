package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
)

// applyRoutes: the candidate's application flow.
func (s *Server) applyRoutes(app *fiber.App) {
	candidate := s.requireRole(domain.RoleCandidate)

	// 上传照片 (first login, and until the application is confirmed).
	app.Get("/photo", candidate, s.showPhoto)
	app.Post("/photo", candidate, s.uploadGate(domain.UploadPhoto, uploadLimit(domain.MaxPhotoUpload)), limitBody(uploadLimit(domain.MaxPhotoUpload)), s.uploadPhoto)
	app.Post("/photo/save", candidate, limitBody(formLimit), s.savePhoto)
	app.Get("/photo/current.jpg", candidate, s.currentPhoto)
	app.Get("/photo/pending.jpg", candidate, s.pendingPhoto)

	// 选择考试 → 层级 → 承诺书 → 填报信息 → 选择职位 → 确认 → 材料.
	app.Get("/exams", candidate, s.showExams)
	app.Get("/apply", candidate, s.showApplyIndex)
	g := app.Group("/apply/:exam", candidate)
	g.Get("", s.showFlow)
	g.Get("/level", s.showLevel)
	g.Post("/level", limitBody(formLimit), s.chooseLevel)
	g.Get("/pledge", s.showPledge)
	g.Post("/pledge", limitBody(formLimit), s.acceptPledge)
	g.Get("/form", s.showForm)
	g.Post("/form", limitBody(formLimit), s.saveForm)
	g.Get("/position", s.showChoosePosition)
	g.Post("/position", limitBody(formLimit), s.saveChosenPosition)
	g.Get("/confirm", s.showConfirm)
	g.Post("/confirm", limitBody(formLimit), s.doConfirm)
	g.Get("/recommendation", s.showRecommendation)
	g.Get("/recommendation.pdf", s.recommendationPDF)
	g.Get("/materials", s.showMaterials)
	g.Post("/materials", s.uploadGate(domain.UploadRecommendation, uploadLimit(domain.MaxRecommendationPDF)), limitBody(uploadLimit(domain.MaxRecommendationPDF)), s.uploadMaterials)
	g.Post("/materials/confirm", limitBody(formLimit), s.confirmMaterials)
	g.Get("/materials.pdf", s.applicationFile("pdf"))
	g.Get("/photo.jpg", s.applicationFile("photo"))

	// 查看报考状态, with the polled fragment.
	app.Get("/status", candidate, s.showStatus)
	app.Get("/status/:exam", candidate, s.statusFragment)
}
