package handlers

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/kv"
	"examreg/views"
)

// auditActions name the audited actions in the log's filter and rows; a
// value ending in "." selects a whole family.
var auditActions = []views.AuditAction{
	{Value: "application.", Label: "资格审核（全部）"},
	{Value: "application.approve", Label: "审核通过"},
	{Value: "application.return", Label: "退回修改"},
	{Value: "application.reject", Label: "审核不通过"},
	{Value: "exam.", Label: "考试设置"},
	{Value: "position.", Label: "职位（全部）"},
	{Value: "position.import", Label: "导入职位表"},
	{Value: "position.export", Label: "导出职位表"},
	{Value: "notice.", Label: "公告"},
	{Value: "counts.rebuild", Label: "重建报名人数"},
	{Value: "account.", Label: "账号（全部）"},
	{Value: "account.create", Label: "新建审核员"},
	{Value: "account.departments", Label: "修改遴选机关"},
	{Value: "account.disable", Label: "停用账号"},
	{Value: "account.enable", Label: "启用账号"},
	{Value: "account.unlock", Label: "解除锁定"},
	{Value: "account.reset_password", Label: "设置一次性密码"},
	{Value: "account.reset_by_code", Label: "验证码重设密码"},
	{Value: "audit.export", Label: "导出操作日志"},
	{Value: "login.failed", Label: "登录失败（工作人员）"},
}

// auditActionLabel names an action for people; unknown ones show as stored.
func auditActionLabel(a string) string {
	for _, x := range auditActions {
		if x.Value == a {
			return x.Label
		}
	}
	switch a {
	case "exam.create":
		return "新建考试"
	case "exam.update":
		return "修改考试"
	case "position.create":
		return "新增职位"
	case "position.update":
		return "修改职位"
	case "position.delete":
		return "删除职位"
	case "notice.create":
		return "发布公告"
	case "notice.update":
		return "修改公告"
	case "notice.delete":
		return "删除公告"
	case "notice.file.delete":
		return "删除公告附件"
	}
	return a
}

// auditQuery reads the log's filters from the query string. Bad input is
// EINVALID with field messages.
func (s *Server) auditQuery(c *fiber.Ctx) (kv.AuditFilter, views.AuditProps, error) {
	q := queryGetter(c)
	p := views.AuditProps{Actor: q("actor"), Action: q("action"), Target: q("target"), From: q("from"), To: q("to"), Actions: auditActions}
	f := kv.AuditFilter{Action: p.Action, Target: p.Target, Before: q("before")}
	fields := domain.FieldErrors{}
	if p.Actor != "" {
		a, err := s.store.AccountByLogin(strings.ToUpper(p.Actor))
		switch {
		case err == nil:
			f.ActorID = a.ID
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			fields.Add("actor", "没有用户名或身份证号为「"+p.Actor+"」的账号。")
		default:
			return f, p, err
		}
	}
	if p.Action != "" && !knownAuditAction(p.Action) {
		fields.Add("action", "未知的操作类型。")
	}
	day := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, domain.Shanghai)
		if err != nil {
			fields.Add(field, "日期格式应为 2023-03-15。")
		}
		return t
	}
	f.From = day("from", p.From)
	if to := day("to", p.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole last day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fields.Add("to", "截止日期不能早于起始日期。")
	}
	if f.Before != "" && !validCursor(f.Before) {
		fields.Add("before", "分页参数无效。")
	}
	if len(p.Target) > 80 {
		fields.Add("target", "对象编号过长。")
	}
	return f, p, fields.Err()
}

func knownAuditAction(a string) bool {
	if auditActionLabel(a) != a {
		return true
	}
	for _, x := range auditActions {
		if x.Value == a {
			return true
		}
	}
	return false
}

// validCursor accepts an audit id as kv.NewID makes them (20 hex digits).
func validCursor(s string) bool {
	if len(s) != 20 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// actorNames resolves actor ids to "姓名（用户名）" once per page.
type actorNames struct {
	s     *Server
	cache map[string]string
}

func (n *actorNames) name(id string) string {
	if v, ok := n.cache[id]; ok {
		return v
	}
	v := id
	if a, err := n.s.store.Account(id); err == nil {
		v = a.Name + "（" + a.LoginName + "）"
	}
	n.cache[id] = v
	return v
}

// auditPageSize is the entries per page of the log.
const auditPageSize = 50

// showAudit is the read-only, filtered, paginated audit log.
func (s *Server) showAudit(c *fiber.Ctx) error {
	noStore(c)
	f, p, err := s.auditQuery(c)
	p.XLSXURL = "/admin/audit.xlsx?" + auditFilterQuery(p, "")
	if err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		p.Error, p.Fields = domain.ErrorMessage(err), domain.ErrorFields(err)
		if msg := p.Fields["before"] + p.Fields["action"]; msg != "" {
			p.Error = msg
		}
		return s.page(c, invalidStatus, "操作日志", "admin-accounts", views.AuditPage(p), nil)
	}
	page, err := s.store.QueryAudit(f, auditPageSize)
	if err != nil {
		return err
	}
	names := &actorNames{s: s, cache: map[string]string{}}
	for _, e := range page.Entries {
		p.Rows = append(p.Rows, views.AuditRow{
			At: e.At.In(domain.Shanghai).Format("2006-01-02 15:04:05"), Actor: names.name(e.ActorID),
			Action: auditActionLabel(e.Action), Target: e.Target, Detail: e.Detail, IP: e.IP,
		})
	}
	if page.Next != "" {
		p.NextURL = "/admin/audit?" + auditFilterQuery(p, page.Next)
	}
	return s.page(c, fiber.StatusOK, "操作日志", "admin-accounts", views.AuditPage(p), nil)
}

func auditFilterQuery(p views.AuditProps, before string) string {
	v := url.Values{}
	for k, x := range map[string]string{"actor": p.Actor, "action": p.Action, "target": p.Target, "from": p.From, "to": p.To, "before": before} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

// maxAuditExport bounds one export; narrower filters export the rest.
const maxAuditExport = 100000

// exportAudit downloads the filtered log as .xlsx, written with excelize's
// streaming writer; every text cell is neutralised against formula injection.
// The export is itself audited.
func (s *Server) exportAudit(c *fiber.Ctx) error {
	f, p, err := s.auditQuery(c)
	if err != nil {
		return err
	}
	f.Before = ""
	data, n, err := s.auditWorkbook(f)
	if err != nil {
		return err
	}
	detail := "导出 " + itoa(n) + " 条；条件：" + auditFilterQuery(p, "")
	if err := s.store.AppendAudit(withTarget(s.staffAudit(c, "audit.export", detail), "audit")); err != nil {
		return err
	}
	noStore(c)
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition("操作日志.xlsx"))
	return c.Send(data)
}

func (s *Server) auditWorkbook(f kv.AuditFilter) ([]byte, int, error) {
	book := excelize.NewFile()
	defer book.Close()
	const name = "操作日志"
	if err := book.SetSheetName("Sheet1", name); err != nil {
		return nil, 0, err
	}
	sw, err := book.NewStreamWriter(name)
	if err != nil {
		return nil, 0, err
	}
	for i, w := range []float64{20, 24, 18, 30, 80, 16} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, 0, err
		}
	}
	if err := sw.SetRow("A1", []any{"时间", "操作人", "操作", "对象", "内容（修改前 → 修改后）", "IP"}); err != nil {
		return nil, 0, err
	}
	names := &actorNames{s: s, cache: map[string]string{}}
	row := 2
	for row-2 < maxAuditExport {
		page, err := s.store.QueryAudit(f, min(1000, maxAuditExport-(row-2)))
		if err != nil {
			return nil, 0, err
		}
		for _, e := range page.Entries {
			cells := []any{
				e.At.In(domain.Shanghai).Format("2006-01-02 15:04:05"),
				sheet.Neutralize(names.name(e.ActorID)),
				sheet.Neutralize(auditActionLabel(e.Action)),
				sheet.Neutralize(e.Target),
				sheet.Neutralize(e.Detail),
				sheet.Neutralize(e.IP),
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, cells); err != nil {
				return nil, 0, err
			}
			row++
		}
		if page.Next == "" {
			break
		}
		f.Before = page.Next
	}
	if err := sw.Flush(); err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	if err := book.Write(&buf); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), row - 2, nil
}
