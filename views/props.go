// Package views holds examreg's templ components: the layout shell, pages
// and the fragments htmx swaps. Components get everything through props;
// they never read the store.
package views

import (
	"time"

	"examreg/domain"
)

// SystemName is shown in the header and the title of every page.
const SystemName = "公开遴选公务员网上报名系统"

// User is the logged-in account as the shell shows it.
type User struct {
	ID    string
	Name  string
	Role  domain.Role
	Login string // masked for display
}

// Page is what the layout needs besides the page's own content.
type Page struct {
	Title     string
	User      *User // nil when not logged in
	CSRF      string
	Flash     string
	FlashKind string // "ok", "error" or "info"
	Nav       string // key of the active navigation item
	Now       time.Time
	Site      domain.SiteSettings // the footer's 主办单位 and ICP 备案号
}

// NavItem is one entry of the navigation menu.
type NavItem struct {
	Key   string
	Label string
	Href  string
}

// NavFor returns the navigation of the seed's menu for the given user.
func NavFor(u *User) []NavItem {
	switch {
	case u == nil:
		return []NavItem{
			{"home", "首页", "/"},
			{"notices", "考试公告", "/notices"},
			{"positions", "职位查询", "/positions"},
			{"stats", "报名人数统计", "/stats"},
			{"score-query", "成绩查询", "/score-query"},
			{"help", "报考须知", "/help"},
			{"login", "考生登录", "/login"},
			{"register", "用户注册", "/register"},
		}
	case u.Role == domain.RoleCandidate:
		return []NavItem{
			{"home", "首页", "/"},
			{"notices", "考试公告", "/notices"},
			{"positions", "职位查询", "/positions"},
			{"exams", "选择考试", "/exams"},
			{"apply", "报考流程", "/apply"},
			{"status", "查看报考状态", "/status"},
			{"messages", "消息", "/messages"},
			{"pay", "网上缴费", "/pay"},
			{"ticket", "打印准考证", "/ticket"},
			{"scores", "成绩查询", "/scores"},
			{"stats", "报名人数统计", "/stats"},
			{"profile", "注册信息维护", "/account/profile"},
			{"help", "报考须知", "/help"},
		}
	case u.Role == domain.RoleReviewer:
		return []NavItem{
			{"home", "首页", "/"},
			{"review", "资格审核", "/review"},
			{"notices", "考试公告", "/notices"},
			{"positions", "职位查询", "/positions"},
			{"stats", "报名人数统计", "/stats"},
			{"help", "报考须知", "/help"},
		}
	case u.Role == domain.RoleInvigilator:
		return []NavItem{
			{"checkin", "入场核验", "/checkin"},
			{"help", "报考须知", "/help"},
		}
	default:
		return []NavItem{
			{"home", "首页", "/"},
			{"admin", "考试管理", "/admin/exams"},
			{"admin-notices", "公告管理", "/admin/notices"},
			{"admin-review", "审核进度", "/admin/review"},
			{"admin-accounts", "账号管理", "/admin/accounts"},
			{"admin-payments", "缴费管理", "/admin/payments"},
			{"admin-site", "网站信息", "/admin/site"},
			{"notices", "考试公告", "/notices"},
			{"positions", "职位查询", "/positions"},
			{"stats", "报名人数统计", "/stats"},
			{"help", "报考须知", "/help"},
		}
	}
}

// PollHeader marks a request made by an htmx polling element rather than
// by the person: the server does not count it as activity, so a page left
// open on a shared computer still logs out after the idle timeout.
const PollHeader = "X-Examreg-Poll"

// PollHeaders is the hx-headers value of every polling element.
const PollHeaders = `{"` + PollHeader + `":"1"}`
