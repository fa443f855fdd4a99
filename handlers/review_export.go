package handlers

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/kv"
)

// reviewExportColumns are the headers of the applicant export: the review
// outcome, then the 填报信息.
var reviewExportColumns = []string{
	"遴选机关", "职位代码", "职位名称", "姓名", "身份证号", "性别", "出生日期", "审核状态", "审核意见", "提交/审核时间",
	"民族", "籍贯", "出生地", "政治面貌", "入党时间", "参加工作时间", "公务员登记时间", "现工作单位及职务", "现职级", "任现职级时间",
	"基层工作经历年限", "健康状况", "全日制学历", "学位", "毕业院校", "专业", "毕业时间",
	"在职学历", "在职学位", "在职毕业院校", "在职专业", "近三年年度考核结果", "联系电话", "通讯地址",
}

// exportReview downloads the applicants the dashboard's filters select
// (department, position, state, date, search) as .xlsx, written with
// excelize's streaming writer. Administrators get full ID numbers,
// reviewers masked ones; every text cell that a spreadsheet would read as
// a formula is neutralised (sheet.Neutralize). The export is audited.
func (s *Server) exportReview(c *fiber.Ctx) error {
	q, err := s.parseQueue(c)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheetName = "报名人员"
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return err
	}
	header := make([]any, len(reviewExportColumns))
	for i, h := range reviewExportColumns {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	row := 2
	filter := q.filter
	filter.Limit, filter.After = 500, ""
	for {
		page, err := s.store.ReviewQueue(filter)
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			a, err := s.store.Application(e.AppID)
			if err != nil {
				return err
			}
			cells := s.exportRow(q, e, a)
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
			row++
		}
		if page.Next == "" {
			break
		}
		filter.After = page.Next
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	now := s.now()
	audit := withTarget(s.staffAudit(c, "review.export", "导出报名人员 "+itoa(row-2)+" 人；"+q.url("/review/export.xlsx")), q.exam.ID)
	audit.At = now
	if err := s.store.AppendAudit(audit); err != nil {
		return err
	}
	noStore(c)
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(q.exam.Name+"报名人员"+now.In(domain.Shanghai).Format("20060102")+".xlsx"))
	return c.Send(buf.Bytes())
}

func (s *Server) exportRow(q *queueQuery, e kv.QueueEntry, a *domain.Application) []any {
	title := ""
	if p, ok := s.store.Position(a.ExamID, a.PositionCode); ok {
		title = p.Title
	}
	sex, birth := "", ""
	if cand, err := s.store.Account(a.CandidateID); err == nil {
		sex, birth = cand.Sex, cand.BirthDate
	}
	fm := a.Form
	texts := []string{
		e.Department, a.PositionCode, title, e.Name, shownID(e.IDNumber, q.admin), sex, birth, a.State.Label(), a.ReviewReason,
		e.Since.In(domain.Shanghai).Format(time.DateTime),
		fm.Ethnicity, fm.NativePlace, fm.BirthPlace, fm.Political, fm.PartyJoinDate, fm.WorkStartDate, fm.CivilServantDate,
		fm.Employer, fm.Rank, fm.RankDate, itoa(fm.GrassrootsYears), fm.Health,
		fm.FullTimeEducation, fm.FullTimeDegree, fm.FullTimeSchool, fm.FullTimeMajor, fm.FullTimeGradDate,
		fm.PartTimeEducation, fm.PartTimeDegree, fm.PartTimeSchool, fm.PartTimeMajor, fm.Appraisals, fm.Phone, fm.Address,
	}
	out := make([]any, len(texts))
	for i, t := range texts {
		out[i] = sheet.Neutralize(t)
	}
	return out
}
