package handlers

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// showStats is the public 报名人数统计 (GET /stats). Counts come from the
// store's in-memory totals, kept in step by the transactions that change
// applications. An htmx request gets only the table; a poll (?v=version)
// whose version is still current gets 204 and an empty body.
func (s *Server) showStats(c *fiber.Ctx) error {
	exam, choices, err := s.publicExam(c, c.Query("exam"))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND && c.Query("exam") == "" {
			return s.page(c, fiber.StatusOK, "报名人数统计", "stats", views.NotOpenPage("报名人数统计", "目前没有发布的考试。"), nil)
		}
		return err
	}
	version := strconv.FormatUint(s.store.CountsVersion(exam.ID), 10)
	if isHX(c) && c.Query("v") == version {
		c.Vary("HX-Request")
		return c.SendStatus(fiber.StatusNoContent)
	}
	q, qerr := domain.ParsePositionQuery(queryGetter(c))
	extra := [][2]string{{"exam", exam.ID}}
	table := views.StatsTableProps{
		Levels:  views.LevelNames(exam),
		Updated: domain.FormatTime(s.now()),
		PageURL: func(n int) string {
			qq := q
			qq.Page = n
			return views.BuildURL("/stats", extra, qq.Values())
		},
	}
	status := fiber.StatusOK
	var tableHTML templ.Component
	build := func() {
		ix := s.store.PositionIndex(exam.ID)
		all := ix.Positions()
		counts, totals, withApproved := s.store.CountsSummary(exam.ID)
		table.Page = ix.Search(q, counts, nil)
		table.Positions = len(all)
		// Counts exist only for positions of the catalog (a position with
		// applications cannot be deleted), so the totals over the counts are
		// the totals over the positions.
		table.Totals = totals
		table.ZeroCount = len(all) - withApproved
		table.PollURL = views.BuildURL("/stats", extra, q.Values(), [][2]string{{"v", version}})
	}
	if qerr != nil {
		status = invalidStatus
		table.Error = fieldMessages(qerr)
	} else if key, ok := s.fragmentKey("stats", exam, q); !ok {
		build()
	} else {
		// Rendered once per counts version (and catalog version, query):
		// its 更新时间 is the time of that rendering.
		if isHX(c) && s.notModified(c, key) {
			return nil
		}
		f, err := s.cachedFragment(c.UserContext(), key, func() templ.Component {
			build()
			return views.StatsTable(table)
		})
		if err != nil {
			return err
		}
		if isHX(c) {
			return sendFragment(c, status, f)
		}
		tableHTML = rawHTML(f.body)
	}
	form := views.PositionSearchFormProps{
		Action: "/stats", Hidden: extra, Target: "#stats-table", Query: q, Fields: domain.ErrorFields(qerr),
		Levels: exam.Levels, ShowNoApproved: true,
	}
	page := views.StatsProps{ExamName: exam.Name, Exams: choices, Form: s.searchForm(exam, form), Table: table, TableHTML: tableHTML}
	return s.page(c, status, "报名人数统计", "stats", views.StatsPage(page), views.StatsTable(table))
}
