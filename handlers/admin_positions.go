package handlers

import (
	"io"
	"net/url"
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/views"
)

// importLimit bounds an import request: the 20 MB file plus the multipart
// envelope. It is checked by Content-Length before anything is read.
const importLimit = sheet.MaxUpload + 64<<10

// adminPositions lists an exam's positions with search, edit and delete.
func (s *Server) adminPositions(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	base := "/admin/exams/" + e.ID + "/positions"
	q, qerr := domain.ParsePositionQuery(queryGetter(c))
	results := views.PositionResultsProps{
		Query: q, BaseURL: base, Levels: views.LevelNames(e), ShowCounts: true, ActionHeader: "操作",
		Action: func(p *domain.Position) templ.Component { return views.AdminPositionActions(e.ID, tok, p) },
	}
	status := fiber.StatusOK
	if qerr != nil {
		status, results.Error = invalidStatus, fieldMessages(qerr)
	} else {
		results.Page = s.store.PositionIndex(e.ID).Search(q, s.store.CountsView(e.ID), nil)
	}
	form := views.PositionSearchFormProps{Staff: true,
		Action: base, Target: "#position-results", Query: q, Fields: domain.ErrorFields(qerr),
		Levels: e.Levels, Departments: s.store.PositionDepartments(e.ID),
	}
	return s.page(c, status, "职位管理", "admin", views.AdminPositionsPage(views.AdminPositionsProps{CSRF: tok, Exam: e, Form: form, Results: results}), views.PositionResults(results))
}

func (s *Server) positionFormPage(c *fiber.Ctx, status int, p views.AdminPositionFormProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	title := "编辑职位"
	if p.Create {
		title = "新增职位"
	}
	return s.page(c, status, title, "admin", views.AdminPositionFormPage(p), nil)
}

// newPosition shows an empty position form.
func (s *Server) newPosition(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	return s.positionFormPage(c, fiber.StatusOK, views.AdminPositionFormProps{Exam: e, Create: true, Text: map[string]string{"quota": "1"}})
}

// editPosition shows a position's form.
func (s *Server) editPosition(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	p, ok := s.store.Position(e.ID, c.Params("code"))
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "职位不存在。")
	}
	return s.positionFormPage(c, fiber.StatusOK, views.AdminPositionFormProps{Exam: e, Text: domain.PositionText(&p, e)})
}

// createPosition and updatePosition store the position form.
func (s *Server) createPosition(c *fiber.Ctx) error { return s.savePosition(c, true) }
func (s *Server) updatePosition(c *fiber.Ctx) error { return s.savePosition(c, false) }

func (s *Server) savePosition(c *fiber.Ctx, create bool) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	text := map[string]string{}
	for _, f := range domain.PositionFields {
		text[f.Key] = formValue(c, f.Key)
	}
	if !create {
		text["code"] = param(c, "code") // kept in the store's in-memory catalog
	}
	retry := func(err error) error {
		return s.positionFormPage(c, statusOf(domain.ErrorCode(err)), views.AdminPositionFormProps{
			Exam: e, Create: create, Text: text, Fields: domain.ErrorFields(err), Error: domain.ErrorMessage(err),
		})
	}
	p, fe := domain.ParsePosition(text, e)
	if err := fe.Err(); err != nil {
		return retry(err)
	}
	p.UpdatedAt = s.now()
	action := "position.update"
	if create {
		action = "position.create"
	}
	if err := s.store.SavePosition(&p, create, s.staffAudit(c, action, p.Title)); err != nil {
		if domain.ErrorFields(err) != nil {
			return retry(err)
		}
		return err
	}
	return s.redirectFlash(c, "/admin/exams/"+e.ID+"/positions?q="+url.QueryEscape(p.Code), "ok", "职位 "+p.Code+" 已保存。")
}

// deletePosition removes a position without applications.
// confirmDeletePosition is the page that asks before 删除 (without JavaScript).
func (s *Server) confirmDeletePosition(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	p, ok := s.store.Position(e.ID, c.Params("code"))
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "职位不存在。")
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "删除职位", "admin", views.AdminPositionDeletePage(tok, e, &p), nil)
}

func (s *Server) deletePosition(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	code := param(c, "code")
	back := "/admin/exams/" + e.ID + "/positions"
	if err := s.store.RemovePosition(e.ID, code, s.staffAudit(c, "position.delete", "")); err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return s.redirectFlash(c, back, "error", domain.ErrorMessage(err))
		}
		return err
	}
	return s.redirectFlash(c, back, "ok", "职位 "+code+" 已删除。")
}

func (s *Server) importPage(c *fiber.Ctx, status int, p views.AdminImportProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF = tok
	return s.page(c, status, "导入职位表", "admin", views.AdminImportPage(p), nil)
}

// showImport is the 职位表 upload form.
func (s *Server) showImport(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	return s.importPage(c, fiber.StatusOK, views.AdminImportProps{Exam: e})
}

// importPositions reads an uploaded 职位表. Every row is checked first;
// any problem shows the whole list and writes nothing.
func (s *Server) importPositions(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	fail := func(status int, p views.AdminImportProps) error {
		p.Exam = e
		return s.importPage(c, status, p)
	}
	data, name, err := uploadedFile(c, "file", sheet.MaxUpload)
	if err != nil {
		return fail(statusOf(domain.ErrorCode(err)), views.AdminImportProps{Error: domain.ErrorMessage(err)})
	}
	rows, problems, err := sheet.DecodePositions(data, e, sheet.DefaultLimits)
	if err != nil {
		return fail(statusOf(domain.ErrorCode(err)), views.AdminImportProps{Error: domain.ErrorMessage(err)})
	}
	list := make([]domain.Position, len(rows))
	now := s.now()
	for i, r := range rows {
		list[i] = r.Position
		list[i].UpdatedAt = now
	}
	if len(problems) == 0 {
		conflicts, err := s.store.LevelMoveConflicts(list)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if msg, bad := conflicts[r.Position.Code]; bad {
				problems = append(problems, sheet.Problem{Row: r.Line, Column: "层级", Message: msg})
			}
		}
	}
	if len(problems) > 0 {
		return fail(invalidStatus, views.AdminImportProps{Problems: problems, Rows: len(rows)})
	}
	res, err := s.store.ImportPositions(e.ID, list, s.staffAudit(c, "position.import", ""))
	if err != nil {
		return err
	}
	msg := "已导入 " + name + "：新增 " + strconv.Itoa(res.Created) + " 个，更新 " + strconv.Itoa(res.Updated) + " 个，未变 " + strconv.Itoa(res.Unchanged) + " 个职位。"
	return s.redirectFlash(c, "/admin/exams/"+e.ID+"/positions", "ok", msg)
}

// uploadedFile reads one uploaded file of at most max bytes. The request
// was already refused by Content-Length when larger than the route's limit;
// this checks the file itself.
func uploadedFile(c *fiber.Ctx, field string, max int64) ([]byte, string, error) {
	fh, err := c.FormFile(field)
	if err != nil || fh == nil || fh.Size == 0 {
		return nil, "", domain.FieldError(field, "请选择要上传的文件。")
	}
	if fh.Size > max {
		msg := "文件超过 " + strconv.FormatInt(max>>20, 10) + " MB 的上限。"
		return nil, "", &domain.Error{Code: domain.ETOOLARGE, Message: msg, Fields: domain.FieldErrors{field: msg}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > max {
		msg := "文件超过 " + strconv.FormatInt(max>>20, 10) + " MB 的上限。"
		return nil, "", &domain.Error{Code: domain.ETOOLARGE, Message: msg, Fields: domain.FieldErrors{field: msg}}
	}
	return data, domain.CleanFileName(fh.Filename), nil
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// exportPositions downloads an exam's 职位表; importing it again changes nothing.
func (s *Server) exportPositions(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	list := s.store.PositionList(e.ID)
	data, err := sheet.EncodePositions(list, e)
	if err != nil {
		return err
	}
	if err := s.store.AppendAudit(withTarget(s.staffAudit(c, "position.export", itoa(len(list))+" 个职位"), e.ID)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(e.Name+"职位表.xlsx"))
	return c.Send(data)
}

// positionsTemplate downloads an empty 职位表 with the headers; with
// ?exam= its instructions name that exam's levels.
func (s *Server) positionsTemplate(c *fiber.Ctx) error {
	exam := &domain.Exam{Levels: []domain.Level{{Code: "sz", Name: "省直机关"}, {Code: "ds", Name: "市州机关"}}}
	if id := c.Query("exam"); id != "" {
		e, err := s.store.Exam(id)
		if err != nil {
			return err
		}
		exam = e
	}
	data, err := sheet.Template(exam)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition("职位表模板.xlsx"))
	return c.Send(data)
}
