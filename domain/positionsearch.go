package domain

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Position search: the public 职位查询, the 报名人数统计 page and the
// application flow's 选择职位 all filter the same in-memory list with
// SearchPositions. Parse the request with ParsePositionQuery, search, and
// render the page with views.PositionResults.

// Sort orders of a position search.
const (
	SortByCode           = "code"            // 职位代码 ascending (default)
	SortByCompetition    = "competition"     // applicants per quota, highest first
	SortByCompetitionAsc = "competition_asc" // applicants per quota, lowest first
)

// Search limits: a longer keyword is refused (422), not truncated.
const (
	MaxSearchKeyword  = 50  // characters
	MaxSearchFilter   = 100 // characters of any other filter value
	MaxSearchPage     = 100000
	DefaultPageSize   = 20
	MaxSearchPageSize = 100
)

// SearchPageSizes are the page sizes a visitor may choose.
var SearchPageSizes = []int{10, 20, 50, 100}

// PositionQuery is a position search as the visitor asked for it. Zero
// values mean "no filter"; ParsePositionQuery fills defaults.
type PositionQuery struct {
	Keyword    string // over 职位名称, 遴选机关, 用人单位, 专业, 职位简介, 职位代码; words separated by spaces must all match
	Level      string // 层级 code, exact
	Department string // 遴选机关, exact
	Education  string // the visitor's 学历: positions whose 学历 requirement it meets
	Political  string // the visitor's 政治面貌: positions whose requirement accepts it
	Eligible   bool   // only positions whose hard requirements the candidate meets (needs the eligible func)
	NoApproved bool   // only positions with 0 审核通过 (报名人数统计)
	Sort       string // SortByCode (default), SortByCompetition, SortByCompetitionAsc
	Page       int    // 1-based
	PageSize   int
}

// ParsePositionQuery reads a query from request parameters (get returns ""
// for a missing one). Keys: q, level, dept, edu, pol, eligible=1,
// noapproved=1, sort, page, size. Bad values give an EINVALID error with a
// message per key; the query returned alongside holds the usable rest, so
// the form can be shown again with the visitor's input.
func ParsePositionQuery(get func(key string) string) (PositionQuery, error) {
	q := PositionQuery{
		Keyword:    strings.TrimSpace(get("q")),
		Level:      strings.TrimSpace(get("level")),
		Department: strings.TrimSpace(get("dept")),
		Education:  strings.TrimSpace(get("edu")),
		Political:  strings.TrimSpace(get("pol")),
		Eligible:   get("eligible") == "1",
		NoApproved: get("noapproved") == "1",
		Sort:       strings.TrimSpace(get("sort")),
		Page:       1,
		PageSize:   DefaultPageSize,
	}
	fe := FieldErrors{}
	if !utf8.ValidString(q.Keyword) {
		fe.Add("q", "关键词含有无法识别的字符。")
		q.Keyword = ""
	} else if n := utf8.RuneCountInString(q.Keyword); n > MaxSearchKeyword {
		fe.Add("q", "关键词最多 "+strconv.Itoa(MaxSearchKeyword)+" 个字，您输入了 "+strconv.Itoa(n)+" 个字。")
		q.Keyword = ""
	}
	for _, f := range []struct {
		key string
		v   *string
	}{{"level", &q.Level}, {"dept", &q.Department}, {"edu", &q.Education}, {"pol", &q.Political}} {
		if utf8.RuneCountInString(*f.v) > MaxSearchFilter || !utf8.ValidString(*f.v) {
			fe.Add(f.key, "筛选条件过长或无效。")
			*f.v = ""
		}
	}
	if q.Education != "" && !slices.Contains(Educations, q.Education) {
		fe.Add("edu", "请选择列表中的学历。")
		q.Education = ""
	}
	if q.Political != "" && !slices.Contains(PoliticalStatuses, q.Political) {
		fe.Add("pol", "请选择列表中的政治面貌。")
		q.Political = ""
	}
	switch q.Sort {
	case "":
		q.Sort = SortByCode
	case SortByCode, SortByCompetition, SortByCompetitionAsc:
	default:
		fe.Add("sort", "排序方式无效。")
		q.Sort = SortByCode
	}
	if s := strings.TrimSpace(get("page")); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			fe.Add("page", "页码必须是数字。")
		case n < 1 || n > MaxSearchPage:
			fe.Add("page", "页码必须在 1 到 "+strconv.Itoa(MaxSearchPage)+" 之间。")
		default:
			q.Page = n
		}
	}
	if s := strings.TrimSpace(get("size")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(SearchPageSizes, n) {
			fe.Add("size", "每页条数只能是 10、20、50 或 100。")
		} else {
			q.PageSize = n
		}
	}
	return q, fe.Err()
}

// Values returns the query as request parameters (defaults left out), for
// links that keep the filters: pagination, bookmarks, polling.
func (q PositionQuery) Values() [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("q", q.Keyword)
	add("level", q.Level)
	add("dept", q.Department)
	add("edu", q.Education)
	add("pol", q.Political)
	if q.Eligible {
		add("eligible", "1")
	}
	if q.NoApproved {
		add("noapproved", "1")
	}
	if q.Sort != SortByCode {
		add("sort", q.Sort)
	}
	if q.PageSize != DefaultPageSize && q.PageSize != 0 {
		add("size", strconv.Itoa(q.PageSize))
	}
	if q.Page > 1 {
		add("page", strconv.Itoa(q.Page))
	}
	return out
}

// Applicants is the number a position's competition is measured by: those
// waiting for review plus those approved (paid ones are among the approved).
func (c PositionCounts) Applicants() int { return c.Submitted + c.Approved }

// Competition is applicants per place (报名人数与遴选计划之比); 0 for a
// position without a quota.
func Competition(c PositionCounts, quota int) float64 {
	if quota <= 0 {
		return 0
	}
	return float64(c.Applicants()) / float64(quota)
}

// PositionRow is one search result: the position and its public counts.
type PositionRow struct {
	Position    *Position // points into the list given to SearchPositions: read only
	Counts      PositionCounts
	Competition float64
}

// PositionPage is one page of search results.
type PositionPage struct {
	Rows     []PositionRow
	Total    int // results over all pages
	Page     int // the page shown (clamped to the last page)
	PageSize int
	Pages    int
}

// SearchPositions filters all (sorted by code, as kv returns it) by q and
// returns the requested page. counts may be nil or miss positions (no
// applicants yet). eligible, when not nil and q.Eligible is set, keeps only
// positions it accepts; it is called last, on positions every other filter
// kept, because an eligibility check costs more than a string match.
func SearchPositions(all []Position, q PositionQuery, counts map[string]PositionCounts, eligible func(*Position) bool) PositionPage {
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	words := strings.Fields(strings.ToLower(q.Keyword))
	eduRank := -1
	if q.Education != "" {
		eduRank = EducationRank(q.Education)
	}
	var hits []PositionRow
	for i := range all {
		p := &all[i]
		if q.Level != "" && p.LevelCode != q.Level {
			continue
		}
		if q.Department != "" && p.Department != q.Department {
			continue
		}
		if len(words) > 0 && !matchesWords(p, words) {
			continue
		}
		if eduRank >= 0 && !educationAccepts(p.Education, eduRank) {
			continue
		}
		if q.Political != "" && !politicalAccepts(p.Political, q.Political) {
			continue
		}
		c := counts[p.Code]
		if q.NoApproved && c.Approved > 0 {
			continue
		}
		if q.Eligible && eligible != nil && !eligible(p) {
			continue
		}
		hits = append(hits, PositionRow{Position: p, Counts: c, Competition: Competition(c, p.Quota)})
	}
	switch q.Sort {
	case SortByCompetition:
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].Competition > hits[j].Competition })
	case SortByCompetitionAsc:
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].Competition < hits[j].Competition })
	}
	page := PositionPage{Total: len(hits), PageSize: q.PageSize}
	page.Pages = (len(hits) + q.PageSize - 1) / q.PageSize
	page.Page = min(q.Page, max(page.Pages, 1))
	start := (page.Page - 1) * q.PageSize
	end := min(start+q.PageSize, len(hits))
	if start < end {
		page.Rows = hits[start:end:end]
	}
	return page
}

// matchesWords reports whether every word occurs in one of the searched
// fields. Words are lower-cased; fields are lower-cased only for a word with
// Latin letters (rare: "IT岗"), so the usual Chinese search allocates nothing.
func matchesWords(p *Position, words []string) bool {
	for _, w := range words {
		fields := searchFields(p)
		found := false
		latin := hasLatin(w)
		for _, f := range fields {
			if strings.Contains(f, w) || (latin && strings.Contains(strings.ToLower(f), w)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func hasLatin(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// educationAccepts reports whether a candidate whose 学历 ranks have meets
// requirement req; a requirement the system does not understand is kept
// (the reviewer decides).
func educationAccepts(req string, have int) bool {
	req = strings.TrimSpace(strings.ReplaceAll(req, "全日制", ""))
	if unrestricted(req) {
		return true
	}
	need := EducationRank(req)
	return need < 0 || have >= need
}

// politicalAccepts reports whether requirement req accepts status have; a
// requirement the system does not understand is kept.
func politicalAccepts(req, have string) bool {
	req = strings.TrimSpace(req)
	if unrestricted(req) {
		return true
	}
	accepted, ok := acceptedPolitical(req)
	return !ok || slices.Contains(accepted, have)
}

// EligibilityFilter returns the eligible func for SearchPositions for one
// candidate: MeetsHardRequirements, remembered per distinct set of hard
// requirements (thousands of positions share a few dozen), so filtering
// 10,000 positions costs a few dozen full checks.
func EligibilityFilter(acct *Account, f *ApplicationForm, exam *Exam) func(*Position) bool {
	type reqKey struct {
		edu, deg, pol string
		age, years    int
	}
	memo := map[reqKey]bool{}
	return func(p *Position) bool {
		k := reqKey{p.Education, p.Degree, p.Political, p.MaxAge, p.GrassrootsYears}
		if ok, seen := memo[k]; seen {
			return ok
		}
		probe := Position{Education: p.Education, Degree: p.Degree, Political: p.Political, MaxAge: p.MaxAge, GrassrootsYears: p.GrassrootsYears}
		ok := MeetsHardRequirements(&probe, acct, f, exam)
		memo[k] = ok
		return ok
	}
}

// Departments returns the distinct 遴选机关 of positions, in first-seen order
// (positions sorted by code keep a department's positions together).
func Departments(all []Position) []string {
	seen := map[string]bool{}
	var out []string
	for i := range all {
		d := all[i].Department
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
