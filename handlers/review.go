package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// reviewPageSize is the number of applications per page of the dashboard.
const reviewPageSize = 50

// queueQuery is the dashboard's filter as parsed from the URL.
type queueQuery struct {
	exam   *domain.Exam
	choice []views.ExamChoice
	depts  []string // departments listed: the viewer's, or the one chosen
	form   views.ReviewFilter
	filter kv.QueueFilter
	admin  bool
}

// parseQueue reads the dashboard's filters. A reviewer names only their own
// departments (EFORBIDDEN otherwise); malformed values are EINVALID with
// the field named.
func (s *Server) parseQueue(c *fiber.Ctx) (*queueQuery, error) {
	acct := account(c)
	exam, choices, err := s.publicExam(c, c.Query("exam"))
	if err != nil {
		return nil, err
	}
	q := &queueQuery{exam: exam, choice: choices, admin: acct.Role == domain.RoleAdmin}
	q.form = views.ReviewFilter{
		ExamID: exam.ID, Department: strings.TrimSpace(c.Query("dept")), Position: strings.TrimSpace(c.Query("pos")),
		State: c.Query("state"), Date: strings.TrimSpace(c.Query("date")), Search: strings.TrimSpace(c.Query("q")),
		Errors: map[string]string{},
	}
	allowed := acct.Departments
	if q.admin {
		allowed = s.store.ReviewDepartments(exam.ID)
	}
	q.depts = allowed
	if d := q.form.Department; d != "" {
		if !q.admin && !slices.Contains(acct.Departments, d) {
			return nil, domain.Errorf(domain.EFORBIDDEN, "您无权查看遴选机关“%s”的报名。", d)
		}
		q.depts = []string{d}
	}
	bucket, err := domain.ParseReviewBucket(q.form.State)
	if err != nil {
		return q, err
	}
	q.filter = kv.QueueFilter{ExamID: exam.ID, Departments: q.depts, Bucket: bucket, Position: q.form.Position, Limit: reviewPageSize, After: c.Query("after")}
	if q.form.Position != "" {
		p, ok := s.store.Position(exam.ID, q.form.Position)
		if !ok || !slices.Contains(q.depts, p.Department) {
			return q, domain.FieldError("pos", "该职位不在您审核的范围内。")
		}
	}
	if q.form.Date != "" {
		day, err := time.ParseInLocation("2006-01-02", q.form.Date, domain.Shanghai)
		if err != nil {
			return q, domain.FieldError("date", "请按 年-月-日 填写提交日期。")
		}
		q.filter.From, q.filter.To = day, day.AddDate(0, 0, 1)
	}
	if len([]rune(q.form.Search)) > 40 {
		return q, domain.FieldError("q", "搜索内容不能超过40个字。")
	}
	if search := q.form.Search; search != "" {
		full := q.admin
		q.filter.Match = func(e *kv.QueueEntry) bool {
			return domain.MatchesSearch(search, e.Name, shownID(e.IDNumber, full))
		}
	}
	if err := kv.ParseQueueCursor(q.filter.After); err != nil {
		return q, err
	}
	return q, nil
}

// shownID is an ID number as a list shows it: full for administrators,
// masked (420102********123X) for reviewers.
func shownID(id string, full bool) string {
	if full {
		return id
	}
	return domain.MaskedID(id)
}

// queueURL builds a dashboard URL with the query's filters and extra ones.
func (q *queueQuery) url(path string, extra ...[2]string) string {
	params := [][2]string{{"exam", q.form.ExamID}, {"dept", q.form.Department}, {"pos", q.form.Position},
		{"state", q.form.State}, {"date", q.form.Date}, {"q", q.form.Search}}
	return views.BuildURL(path, params, extra)
}

// reviewQueue is the dashboard (GET /review): the 待审核 applications of
// the reviewer's departments, oldest first, with filters, counts and
// cursor pagination. A poll (htmx, ?v=) whose queue version is unchanged
// gets 204 and no body.
func (s *Server) reviewQueue(c *fiber.Ctx) error {
	if s.queueUnchanged(c) {
		c.Vary("HX-Request")
		return c.SendStatus(fiber.StatusNoContent)
	}
	q, err := s.parseQueue(c)
	if err != nil && (q == nil || domain.ErrorCode(err) != domain.EINVALID) {
		return err
	}
	version := strconv.FormatUint(s.store.ReviewVersion(q.exam.ID, q.depts), 10)
	if err == nil && isHX(c) && c.Query("v") == version {
		c.Vary("HX-Request")
		return c.SendStatus(fiber.StatusNoContent)
	}
	now := s.now()
	list := views.ReviewListProps{Updated: domain.FormatTime(now), StateName: domain.BucketLabel(q.filter.Bucket)}
	status := fiber.StatusOK
	if err != nil {
		status = invalidStatus
		for k, v := range fieldMessagesMap(err) {
			q.form.Errors[k] = v
		}
	} else {
		page, err := s.store.ReviewQueue(q.filter)
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			row := views.ReviewRow{
				URL: "/review/" + e.AppID, Name: e.Name, IDNumber: shownID(e.IDNumber, q.admin),
				Position: e.Position, Department: e.Department,
				Since: domain.FormatTime(e.Since), Waiting: domain.WaitingLabel(e.Since, now),
			}
			if !e.Deadline.IsZero() {
				row.Deadline = domain.FormatTime(e.Deadline)
				row.Overdue = !now.Before(e.Deadline)
			}
			if p, ok := s.store.Position(q.exam.ID, e.Position); ok {
				row.Position = e.Position + " " + p.Title
			}
			list.Rows = append(list.Rows, row)
		}
		if page.Next != "" {
			list.NextURL = q.url("/review", [2]string{"after", page.Next})
		}
		if q.filter.After != "" {
			list.FirstURL = q.url("/review")
		}
		list.PollURL = q.url("/review", [2]string{"after", q.filter.After}, [2]string{"v", version})
	}
	counts := s.store.ReviewCounts(q.exam.ID, q.depts, q.form.Position)
	for _, b := range domain.ReviewBuckets {
		cq := *q
		cq.form.State = string(b)
		list.Counts = append(list.Counts, views.ReviewCount{
			Label: domain.BucketLabel(b), N: counts[b], URL: cq.url("/review"), Current: b == q.filter.Bucket,
		})
	}
	if isHX(c) {
		c.Vary("HX-Request")
		return s.write(c, status, views.ReviewList(list))
	}
	props := views.ReviewQueueProps{
		ExamName: q.exam.Name, Exams: q.choice, Filter: q.form, List: list, IsAdmin: q.admin,
		ExportURL: q.url("/review/export.xlsx"),
	}
	props.Departments = slices.Clone(account(c).Departments)
	if q.admin {
		props.Departments = s.store.ReviewDepartments(q.exam.ID)
	}
	for _, p := range s.store.PositionList(q.exam.ID) {
		if slices.Contains(q.depts, p.Department) {
			props.Positions = append(props.Positions, p)
		}
	}
	return s.page(c, status, "资格审核", "review", views.ReviewQueuePage(props), nil)
}

// queueUnchanged answers a poll from memory: the version of the queues the
// poll's filters cover (the viewer's departments, or the one it names if
// the viewer may see it) still equals the one the list was rendered at.
// Anything else goes the full way (parseQueue checks every filter).
func (s *Server) queueUnchanged(c *fiber.Ctx) bool {
	v := c.Query("v")
	if v == "" || !isHX(c) {
		return false
	}
	acct, exam, dept := account(c), c.Query("exam"), c.Query("dept")
	depts := acct.Departments
	if acct.Role == domain.RoleAdmin {
		depts = s.store.ReviewDepartments(exam)
	}
	if dept != "" {
		if !slices.Contains(depts, dept) {
			return false
		}
		depts = []string{dept}
	}
	return v == strconv.FormatUint(s.store.ReviewVersion(exam, depts), 10)
}

// fieldMessagesMap is an EINVALID error's field messages.
func fieldMessagesMap(err error) map[string]string {
	out := map[string]string{}
	for f, m := range domain.ErrorFields(err) {
		out[f] = m
	}
	if len(out) == 0 {
		out["form"] = domain.ErrorMessage(err)
	}
	return out
}

// reviewNext opens the oldest waiting application of the reviewer's
// departments (下一个), or the dashboard when none waits.
func (s *Server) reviewNext(c *fiber.Ctx) error {
	q, err := s.parseQueue(c)
	if err != nil {
		return err
	}
	q.filter.Bucket, q.filter.Limit, q.filter.After = domain.StateSubmitted, 1, ""
	page, err := s.store.ReviewQueue(q.filter)
	if err != nil {
		return err
	}
	if len(page.Entries) == 0 {
		return s.redirectFlash(c, q.url("/review"), "ok", "当前没有待审核的报名。")
	}
	return c.Redirect("/review/"+page.Entries[0].AppID, fiber.StatusSeeOther)
}

// showReview is the review page of one application (GET /review/:id).
// A reviewer of another department gets 404, as for a missing one.
func (s *Server) showReview(c *fiber.Ctx) error {
	p, err := s.reviewProps(c, param(c, "id"))
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "资格审核", "review", views.ReviewPage(*p), nil)
}

func (s *Server) reviewProps(c *fiber.Ctx, id string) (*views.ReviewPageProps, error) {
	acct := account(c)
	a, pos, err := s.store.ReviewableApplication(id, acct)
	if err != nil {
		return nil, err
	}
	exam, err := s.store.Exam(a.ExamID)
	if err != nil {
		return nil, err
	}
	cand, err := s.store.Account(a.CandidateID)
	if err != nil {
		return nil, err
	}
	site, err := s.store.SiteSettings()
	if err != nil {
		return nil, err
	}
	tok, err := s.csrfToken(c)
	if err != nil {
		return nil, err
	}
	now := s.now()
	overdue := domain.CorrectionOverdue(a, now)
	p := &views.ReviewPageProps{
		AppID: a.ID, Version: a.Version, CSRF: tok, State: a.State, StateLabel: a.State.Label(),
		Requirements: domain.ReviewRequirements(pos, cand, &a.Form, exam),
		CanDecide:    a.State.AwaitingReview() || overdue,
		CanOverturn:  acct.Role == domain.RoleAdmin && (a.State == domain.StateApproved || (domain.ReviewBucket(a) == domain.StateReturned || a.State == domain.StateRejected)),
		Overdue:      overdue, Reason: a.ReviewReason,
		Parts: domain.ReturnParts(), Reasons: site.ReviewReasonList(),
		NextURL: "/review/next?exam=" + a.ExamID, QueueURL: "/review?exam=" + a.ExamID,
		Form: views.ReviewDecisionForm{Errors: map[string]string{}},
	}
	if domain.ReviewBucket(a) == domain.StateReturned && !a.CorrectionDeadline.IsZero() {
		p.Deadline = domain.FormatTime(a.CorrectionDeadline)
	}
	if a.RecommendationID != "" {
		p.PDFURL, p.PDFName = "/review/"+a.ID+"/recommendation.pdf", a.RecommendationName
	}
	level := a.LevelCode
	if l, ok := exam.Level(a.LevelCode); ok {
		level = l.Name
	}
	_, soft := domain.CheckEligibility(pos, cand, &a.Form, exam)
	p.Summary = views.ApplyConfirmProps{
		ExamID: exam.ID, ExamName: exam.Name, LevelName: level, Name: cand.Name,
		// The review page is the one place a reviewer sees the full number.
		IDNumber: cand.LoginName, Sex: cand.Sex, BirthDate: cand.BirthDate, Phone: cand.Phone,
		Form: a.Form, Position: pos, Soft: soft, State: a.State, Confirmed: true,
	}
	if a.PhotoID != "" {
		p.Summary.PhotoURL = "/review/" + a.ID + "/photo.jpg"
	}
	names := map[string]string{}
	for _, h := range a.History {
		p.History = append(p.History, views.ReviewHistory{
			At: domain.FormatTime(h.At), Actor: s.actorName(names, h.ActorID, h.Role),
			From: h.From.Label(), To: h.To.Label(), Note: h.Note,
		})
	}
	return p, nil
}

// actorName names who made a history entry: the candidate, or the
// reviewer or administrator by name.
func (s *Server) actorName(cache map[string]string, id string, role domain.Role) string {
	if role == domain.RoleCandidate || id == "" {
		return role.Label()
	}
	if n, ok := cache[id]; ok {
		return n
	}
	n := role.Label()
	if a, err := s.store.Account(id); err == nil {
		n = role.Label() + " " + a.Name
	}
	cache[id] = n
	return n
}

// parseDecision reads the decision form.
func parseDecision(c *fiber.Ctx) (domain.Decision, views.ReviewDecisionForm, int) {
	f := views.ReviewDecisionForm{
		Action: formValue(c, "action"), Pick: formValue(c, "reason_pick"), Reason: formValue(c, "reason"),
		Errors: map[string]string{},
	}
	args := c.Request().PostArgs()
	for _, v := range args.PeekMulti("parts") {
		f.Parts = append(f.Parts, strings.TrimSpace(string(v)))
	}
	d := domain.Decision{Action: domain.Action(f.Action), Reason: domain.ComposeReason(f.Pick, f.Reason), Parts: f.Parts}
	version, err := strconv.Atoi(formValue(c, "version"))
	if err != nil || version <= 0 {
		version = -1
	}
	return d, f, version
}

// decideReview records a decision (POST /review/:id): 审核通过, 退回修改
// (reason and parts) or 审核不通过 (reason). A stale page (the application
// changed, or another reviewer decided first) gets the fresh page with
// who decided what; nothing is written twice.
func (s *Server) decideReview(c *fiber.Ctx) error {
	return s.decide(c, false)
}

// overturnReview is an administrator's 改判 (POST /review/:id/overturn).
func (s *Server) overturnReview(c *fiber.Ctx) error {
	return s.decide(c, true)
}

func (s *Server) decide(c *fiber.Ctx, overturn bool) error {
	id := param(c, "id")
	acct := account(c)
	// Existence and scope first: another department's application is 404
	// whatever the form says.
	if _, _, err := s.store.ReviewableApplication(id, acct); err != nil {
		return err
	}
	d, form, version := parseDecision(c)
	switch d.Action {
	case domain.ActionApprove, domain.ActionReturn, domain.ActionReject:
	default:
		return s.decisionRefused(c, id, form, overturn, domain.FieldError("action", "请选择审核结论。"))
	}
	seen := kv.ReviewSeen{Version: version, IP: s.clientIP(c)}
	var a *domain.Application
	var err error
	if overturn {
		a, err = s.store.OverturnDecision(id, acct, d, s.now(), seen)
	} else {
		a, err = s.store.ReviewApplication(id, acct, d, s.now(), seen)
	}
	if err != nil {
		return s.decisionRefused(c, id, form, overturn, err)
	}
	msg := "已" + d.Action.Label() + "：" + a.State.Label() + "。"
	if overturn {
		msg = "已改判为“" + a.State.Label() + "”。"
	}
	return s.redirectFlash(c, "/review/"+id, "ok", msg)
}

// decisionRefused re-renders the review page with the reason a decision
// was refused: field messages (422), or the fresh page after a conflict
// (409) saying who decided what.
func (s *Server) decisionRefused(c *fiber.Ctx, id string, form views.ReviewDecisionForm, overturn bool, err error) error {
	code := domain.ErrorCode(err)
	switch code {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN:
	default:
		return err
	}
	p, perr := s.reviewProps(c, id)
	if perr != nil {
		return perr
	}
	if code == domain.EINVALID {
		form.Errors = fieldMessagesMap(err)
		p.Form = form
		p.Error = "审核未提交：" + domain.ErrorMessage(err)
	} else {
		p.Error = domain.ErrorMessage(err)
		p.Decided = s.lastDecision(p)
	}
	if isHX(c) {
		c.Set("HX-Retarget", "#main")
		c.Set("HX-Reswap", "innerHTML")
	}
	return s.page(c, statusOf(code), "资格审核", "review", views.ReviewPage(*p), nil)
}

// lastDecision says who decided the application last, for a reviewer whose
// decision lost the race.
func (s *Server) lastDecision(p *views.ReviewPageProps) string {
	for i := len(p.History) - 1; i >= 0; i-- {
		h := p.History[i]
		if strings.HasPrefix(h.Actor, domain.RoleReviewer.Label()) || strings.HasPrefix(h.Actor, domain.RoleAdmin.Label()) {
			return h.Actor + " 已于 " + h.At + " 作出审核结论“" + h.To + "”：" + h.Note + "。本页已更新为最新内容。"
		}
	}
	return "该报名已有变化，本页已更新为最新内容。"
}

// reviewFile serves the frozen photo or the 推荐表 to a reviewer who may
// review the application (404 otherwise). The PDF may be framed by our own
// review page; ?download=1 asks for a download.
func (s *Server) reviewFile(pdf bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, data, err := s.store.ReviewableFile(param(c, "id"), account(c), pdf)
		if err != nil {
			return err
		}
		if pdf {
			c.Set("X-Frame-Options", "SAMEORIGIN")
			c.Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
		}
		if err := sendFile(c, m.ContentType, m.Name, data); err != nil {
			return err
		}
		if c.Query("download") == "1" {
			c.Set(fiber.HeaderContentDisposition, contentDisposition(m.Name))
		}
		return nil
	}
}
