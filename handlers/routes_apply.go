package handlers

import (
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// applyRoutes: the candidate's application flow.
func (s *Server) applyRoutes(app *fiber.App) {
	candidate := s.requireRole(domain.RoleCandidate)

	// 上传照片 (first login, and until the application is confirmed).
	app.Get("/photo", candidate, s.showPhoto)
	app.Post("/photo", candidate, s.uploadGate(domain.UploadKindPhoto, uploadLimit(domain.MaxPhotoUpload)), limitBody(uploadLimit(domain.MaxPhotoUpload)), s.uploadPhoto)
	app.Post("/photo/save", candidate, limitBody(formLimit), s.savePhoto)
	app.Get("/photo/current.jpg", candidate, s.currentPhoto)
	app.Get("/photo/pending.jpg", candidate, s.pendingPhoto)

	// 选择考试 → 层级 → 承诺书 → 填报信息 → 选择职位 → 确认 → 材料.
	app.Get("/exams", candidate, s.showExams)
	app.Get("/apply", candidate, s.showApplyIndex)
	p := views.ApplyPaths(":exam")
	// Every path under /apply/:exam, even one without a route, needs a candidate.
	app.Group(p.Flow(), candidate)
	app.Get(p.Flow(), s.showFlow)
	app.Get(p.Level(), s.showLevel)
	app.Post(p.Level(), limitBody(formLimit), s.chooseLevel)
	app.Get(p.Pledge(), s.showPledge)
	app.Post(p.Pledge(), limitBody(formLimit), s.acceptPledge)
	app.Get(p.Form(), s.showForm)
	app.Post(p.Form(), limitBody(formLimit), s.saveForm)
	app.Get(p.Position(), s.showChoosePosition)
	app.Post(p.Position(), limitBody(formLimit), s.saveChosenPosition)
	app.Get(p.Confirm(), s.showConfirm)
	app.Post(p.Confirm(), limitBody(formLimit), s.doConfirm)
	app.Get(p.Recommendation(), s.showRecommendation)
	app.Get(p.RecommendationPDF(), s.recommendationPDF)
	app.Get(p.Materials(), s.showMaterials)
	app.Post(p.Materials(), s.uploadGate(domain.UploadKindRecommendation, uploadLimit(domain.MaxRecommendationPDF)), limitBody(uploadLimit(domain.MaxRecommendationPDF)), s.uploadMaterials)
	app.Post(p.MaterialsConfirm(), limitBody(formLimit), s.confirmMaterials)
	app.Get(p.UploadedPDF(), s.applicationFile("pdf"))
	app.Get(p.Photo(), s.applicationFile("photo"))

	// 查看报考状态, with the polled fragment.
	app.Get("/status", candidate, s.showStatus)
	app.Get("/status/:exam", candidate, s.statusFragment)
}
