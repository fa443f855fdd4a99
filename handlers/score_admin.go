package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/views"
)

// scorePositionsPerPage is how many positions the preview and the list show per page.
const scorePositionsPerPage = 50

// scoreRulesFormOf is the settings form as the exam stands.
func scoreRulesFormOf(e *domain.Exam) domain.ScoreRulesForm {
	f := domain.ScoreRulesForm{Ratio: strconv.Itoa(e.Scores.InterviewRatio(1 << 30))}
	if e.Scores.SmallQuota > 0 {
		f.SmallQuota, f.SmallRatio = strconv.Itoa(e.Scores.SmallQuota), strconv.Itoa(e.Scores.SmallRatio)
	}
	if e.Scores.MinTotal > 0 {
		f.MinTotal = e.Scores.MinTotal.String()
	}
	for _, s := range e.ScoreSubjects() {
		f.Weights = append(f.Weights, strconv.Itoa(s.Weight))
		f.FullMarks = append(f.FullMarks, s.FullMark.String())
		m := ""
		if s.MinScore > 0 {
			m = s.MinScore.String()
		}
		f.MinScores = append(f.MinScores, m)
	}
	if !e.Score.Start.IsZero() {
		f.ScoreStart = e.Score.Start.In(domain.Shanghai).Format("2006-01-02T15:04")
		f.ScoreEnd = e.Score.End.In(domain.Shanghai).Format("2006-01-02T15:04")
	}
	return f
}

// scoresPage renders 成绩管理 with p's form, problems or error; the status,
// the preview and the counts are filled in here.
func (s *Server) scoresPage(c *fiber.Ctx, status int, e *domain.Exam, p views.AdminScoresProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	holders, _, err := s.store.TicketHolders(e.ID)
	if err != nil {
		return err
	}
	p.CSRF, p.Exam, p.Subjects, p.Tickets = tok, e, e.ScoreSubjects(), len(holders)
	p.Published = domain.ScoresPublished(e, s.now())
	if p.Form.Weights == nil {
		p.Form = scoreRulesFormOf(e)
	}
	results, err := s.store.ScoreResults(e)
	if err != nil {
		return err
	}
	for _, r := range results {
		p.Summary.Positions++
		p.Summary.Rows += r.Rows
		p.Summary.Sat += r.Sat
		p.Summary.Listed += r.Listed
		for _, en := range r.Entries {
			switch en.Row.Mark() {
			case domain.MarkAbsent:
				p.Summary.Absent++
			case domain.MarkMisconduct:
				p.Summary.Misconduct++
			}
		}
	}
	p.Filter = strings.TrimSpace(c.Query("pos"))
	results = filterPositions(results, p.Filter)
	page, from, to, pages := pageOf(c, len(results))
	p.Preview = results[from:to]
	base := "/admin/exams/" + e.ID + "/scores"
	p.Pager = views.PagerProps{Page: page, Pages: pages, Target: "body", URL: func(n int) string { return fmt.Sprintf("%s?page=%d", base, n) }}
	return s.page(c, status, "成绩管理", "admin", views.AdminScoresPage(p), nil)
}

func filterPositions(results []domain.PositionResult, code string) []domain.PositionResult {
	if code == "" {
		return results
	}
	for _, r := range results {
		if r.Code == code {
			return []domain.PositionResult{r}
		}
	}
	return nil
}

// pageOf reads ?page= for n positions.
func pageOf(c *fiber.Ctx, n int) (page, from, to, pages int) {
	pages = max(1, (n+scorePositionsPerPage-1)/scorePositionsPerPage)
	page, _ = strconv.Atoi(c.Query("page"))
	page = min(max(page, 1), pages)
	from = min((page-1)*scorePositionsPerPage, n)
	to = min(from+scorePositionsPerPage, n)
	return page, from, to, pages
}

// adminScores is 成绩管理.
func (s *Server) adminScores(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	return s.scoresPage(c, fiber.StatusOK, e, views.AdminScoresProps{})
}

// saveScoreRules stores the scoring rules and the 成绩查询 window.
func (s *Server) saveScoreRules(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	f := domain.ScoreRulesForm{
		Ratio: formValue(c, "ratio"), SmallQuota: formValue(c, "small_quota"), SmallRatio: formValue(c, "small_ratio"),
		MinTotal: formValue(c, "min_total"), ScoreStart: formValue(c, "score_start"), ScoreEnd: formValue(c, "score_end"),
	}
	for i := range e.Subjects {
		f.Weights = append(f.Weights, formValue(c, fmt.Sprintf("weight_%d", i)))
		f.FullMarks = append(f.FullMarks, formValue(c, fmt.Sprintf("full_%d", i)))
		f.MinScores = append(f.MinScores, formValue(c, fmt.Sprintf("min_%d", i)))
	}
	if err := s.store.SaveScoreRules(e.ID, f, account(c), s.clientIP(c), s.now()); err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.EFORBIDDEN {
			return s.scoresPage(c, statusOf(code), e, views.AdminScoresProps{Form: f, Fields: domain.ErrorFields(err), Error: domain.ErrorMessage(err)})
		}
		return err
	}
	return s.redirectFlash(c, "/admin/exams/"+e.ID+"/scores", "ok", "计分规则已保存。")
}

// importScores reads an uploaded score file. Every row is checked first
// (sheet.DecodeScores); any problem lists them all and writes nothing.
func (s *Server) importScores(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	fail := func(err error) error {
		return s.scoresPage(c, statusOf(domain.ErrorCode(err)), e, views.AdminScoresProps{Fields: domain.ErrorFields(err), Error: domain.ErrorMessage(err)})
	}
	data, name, err := uploadedFile(c, "file", sheet.ScoreLimits.MaxFileSize)
	if err != nil {
		return fail(err)
	}
	holders, _, err := s.store.TicketHolders(e.ID)
	if err != nil {
		return err
	}
	if err := domain.CheckScoreImport(e, len(holders)); err != nil {
		return fail(err)
	}
	lookup := func(no string) (sheet.ScoreTicket, bool) { h, ok := holders[no]; return h, ok }
	file, err := sheet.DecodeScores(data, name, e.ScoreSubjects(), lookup, sheet.ScoreLimits)
	if err != nil {
		return fail(err)
	}
	if len(file.Problems) > 0 {
		return s.scoresPage(c, invalidStatus, e, views.AdminScoresProps{Problems: file.Problems, More: file.MoreProblems})
	}
	res, err := s.store.ImportScores(e.ID, file.Rows, name, account(c), s.clientIP(c), s.now())
	if err != nil {
		if domain.ErrorCode(err) != domain.EINTERNAL {
			return fail(err)
		}
		return err
	}
	msg := fmt.Sprintf("已导入 %s：%d 条成绩", name, res.After)
	if res.Before > 0 {
		msg += fmt.Sprintf("（整体替换了上次导入的 %d 条）", res.Before)
	}
	return s.redirectFlash(c, "/admin/exams/"+e.ID+"/scores", "ok", msg+"。")
}

// interviewPositions builds the list of the given positions with the
// candidates' names: the listed ones, or with all every candidate (the
// preview of one position).
func (s *Server) interviewPositions(e *domain.Exam, results []domain.PositionResult, all bool) ([]views.InterviewPosition, error) {
	var ids []string
	for _, r := range results {
		for _, en := range r.Entries {
			if en.Listed || all {
				ids = append(ids, en.Row.AppID)
			}
		}
	}
	names, err := s.store.CandidateNames(ids)
	if err != nil {
		return nil, err
	}
	out := make([]views.InterviewPosition, len(results))
	for i, r := range results {
		p, _ := s.store.Position(e.ID, r.Code)
		out[i] = views.InterviewPosition{Result: r, Title: strings.TrimSpace(p.Department + " " + p.Title), All: all}
		for _, en := range r.Entries {
			if en.Listed || all {
				out[i].Rows = append(out[i].Rows, views.InterviewRow{Entry: en, Name: names[en.Row.AppID]})
			}
		}
	}
	return out, nil
}

// interviewList is the 资格复审/面试人员名单, 50 positions a page; with
// ?pos= one position with every candidate (the administrator's preview of
// ranks and reasons, before and after publication).
func (s *Server) interviewList(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	results, err := s.store.ScoreResults(e)
	if err != nil {
		return err
	}
	filter := strings.TrimSpace(c.Query("pos"))
	results = filterPositions(results, filter)
	page, from, to, pages := pageOf(c, len(results))
	list, err := s.interviewPositions(e, results[from:to], filter != "")
	if err != nil {
		return err
	}
	base := "/admin/exams/" + e.ID + "/scores/list"
	return s.page(c, fiber.StatusOK, "资格复审/面试人员名单", "admin", views.InterviewListPage(views.InterviewListProps{
		Exam: e, Subjects: e.ScoreSubjects(), Positions: list, Filter: filter,
		Pager: views.PagerProps{Page: page, Pages: pages, Target: "body", URL: func(n int) string { return fmt.Sprintf("%s?page=%d", base, n) }},
	}), nil)
}

// exportInterviewList downloads the whole list as .xlsx; every text cell
// goes through sheet.Neutralize (names and titles are typed by people).
func (s *Server) exportInterviewList(c *fiber.Ctx) error {
	e, err := s.store.Exam(c.Params("id"))
	if err != nil {
		return err
	}
	results, err := s.store.ScoreResults(e)
	if err != nil {
		return err
	}
	list, err := s.interviewPositions(e, results, false)
	if err != nil {
		return err
	}
	subjects := e.ScoreSubjects()
	sh := sheet.Sheet{Name: "资格复审面试名单", Columns: []sheet.Column{
		{Header: "职位代码", Width: 12}, {Header: "遴选机关", Width: 24}, {Header: "职位名称", Width: 20}, {Header: "遴选计划"}, {Header: "比例"},
		{Header: "排名"}, {Header: "准考证号", Width: 14}, {Header: "姓名", Width: 10},
	}}
	for _, sub := range subjects {
		sh.Columns = append(sh.Columns, sheet.Column{Header: sub.Name})
	}
	sh.Columns = append(sh.Columns, sheet.Column{Header: "加分"}, sheet.Column{Header: "总成绩"}, sheet.Column{Header: "最低入围分数"})
	n := sheet.Neutralize
	for _, pos := range list {
		p, _ := s.store.Position(e.ID, pos.Result.Code)
		for _, r := range pos.Rows {
			row := []any{n(pos.Result.Code), n(p.Department), n(p.Title), pos.Result.Quota, fmt.Sprintf("%d:1", pos.Result.Ratio),
				r.Entry.Rank, r.Entry.Row.TicketNo, n(r.Name)}
			for i := range subjects {
				row = append(row, r.Entry.Row.Scores[i].String())
			}
			row = append(row, r.Entry.Row.Bonus.String(), r.Entry.Total.String(), pos.Result.Cutoff.String())
			sh.Rows = append(sh.Rows, row)
		}
	}
	data, err := sheet.Write(sh)
	if err != nil {
		return err
	}
	if err := s.store.AppendAudit(withTarget(s.staffAudit(c, "scores.export", fmt.Sprintf("下载资格复审/面试名单 %d 人", len(sh.Rows))), e.ID)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, contentDisposition(e.Name+"资格复审面试名单.xlsx"))
	c.Set(fiber.HeaderContentType, xlsxType)
	return c.Send(data)
}
