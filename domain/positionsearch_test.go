package domain

import (
	"strings"
	"testing"
)

func searchFixture() []Position {
	return []Position{
		{Code: "1001", Department: "湖北省财政厅", Employer: "湖北省财政厅办公室", Title: "综合文字岗", LevelCode: "sz", Quota: 1, Major: "中国语言文学类", Education: "大学本科及以上", Political: "中共党员"},
		{Code: "1002", Department: "湖北省财政厅", Employer: "湖北省财政厅财务处", Title: "财务审计岗", LevelCode: "sz", Quota: 2, Major: "会计学", Education: "研究生"},
		{Code: "2001", Department: "宜昌市财政局", Employer: "宜昌市财政局", Title: "法制审核岗", LevelCode: "ds", Quota: 1, Major: "法学类", Education: "全日制大学本科"},
		{Code: "2002", Department: "宜昌市审计局", Employer: "宜昌市审计局", Title: "IT岗", LevelCode: "ds", Quota: 4, Major: "计算机类"},
	}
}

func codes(p PositionPage) string {
	var out []string
	for _, r := range p.Rows {
		out = append(out, r.Position.Code)
	}
	return strings.Join(out, ",")
}

func TestSearchPositions(t *testing.T) {
	all := searchFixture()
	counts := map[string]PositionCounts{"1001": {Submitted: 3, Approved: 2}, "1002": {Submitted: 1}, "2002": {Approved: 1, Paid: 1}}
	tests := []struct {
		name string
		q    PositionQuery
		want string
	}{
		{"all", PositionQuery{}, "1001,1002,2001,2002"},
		{"keyword title", PositionQuery{Keyword: "审计"}, "1002,2002"},
		{"keyword major", PositionQuery{Keyword: "法学"}, "2001"},
		{"keyword code", PositionQuery{Keyword: "200"}, "2001,2002"},
		{"keyword case-insensitive code-ish", PositionQuery{Keyword: "it"}, "2002"},
		{"two words AND", PositionQuery{Keyword: "财政 法制"}, "2001"},
		{"level", PositionQuery{Level: "ds"}, "2001,2002"},
		{"department", PositionQuery{Department: "湖北省财政厅"}, "1001,1002"},
		{"education 大学本科 excludes 研究生", PositionQuery{Education: "大学本科"}, "1001,2001,2002"},
		{"education 大学专科", PositionQuery{Education: "大学专科"}, "2002"},
		{"political 群众", PositionQuery{Political: "群众"}, "1002,2001,2002"},
		{"political 预备党员 accepted by 中共党员", PositionQuery{Political: "中共预备党员"}, "1001,1002,2001,2002"},
		{"no approved", PositionQuery{NoApproved: true}, "1002,2001"},
		{"competition desc", PositionQuery{Sort: SortByCompetition}, "1001,1002,2002,2001"},
		{"competition asc", PositionQuery{Sort: SortByCompetitionAsc}, "2001,2002,1002,1001"},
		{"page 2 size 3", PositionQuery{Page: 2, PageSize: 3}, "2002"},
		{"page beyond clamps", PositionQuery{Page: 9, PageSize: 3}, "2002"},
		{"eligible", PositionQuery{Eligible: true}, "1002,2002"},
	}
	eligible := func(p *Position) bool { return p.Quota > 1 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SearchPositions(all, tt.q, counts, eligible)
			if codes(got) != tt.want {
				t.Errorf("got %s, want %s", codes(got), tt.want)
			}
		})
	}
	p := SearchPositions(all, PositionQuery{PageSize: 3}, nil, nil)
	if p.Total != 4 || p.Pages != 2 || p.Page != 1 {
		t.Errorf("paging: %+v", p)
	}
}

func TestParsePositionQuery(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		field  string // expected error field, "" for none
		check  func(PositionQuery) bool
	}{
		{"defaults", nil, "", func(q PositionQuery) bool { return q.Page == 1 && q.PageSize == 20 && q.Sort == SortByCode }},
		{"values", map[string]string{"q": " 财务 ", "level": "sz", "page": "3", "size": "50", "sort": "competition", "eligible": "1"}, "",
			func(q PositionQuery) bool {
				return q.Keyword == "财务" && q.Level == "sz" && q.Page == 3 && q.PageSize == 50 && q.Sort == SortByCompetition && q.Eligible
			}},
		{"keyword of 10000 chars", map[string]string{"q": strings.Repeat("财", 10000)}, "q", func(q PositionQuery) bool { return q.Keyword == "" }},
		{"page -1", map[string]string{"page": "-1"}, "page", func(q PositionQuery) bool { return q.Page == 1 }},
		{"page abc", map[string]string{"page": "abc"}, "page", nil},
		{"page 0", map[string]string{"page": "0"}, "page", nil},
		{"huge page", map[string]string{"page": "99999999999999999999"}, "page", nil},
		{"size 7", map[string]string{"size": "7"}, "size", nil},
		{"bad sort", map[string]string{"sort": "drop table"}, "sort", nil},
		{"unknown education", map[string]string{"edu": "博士后"}, "edu", nil},
		{"unknown political", map[string]string{"pol": "x"}, "pol", nil},
		{"invalid utf8", map[string]string{"q": "\xff\xfe"}, "q", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParsePositionQuery(func(k string) string { return tt.params[k] })
			fields := ErrorFields(err)
			if tt.field == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.field != "" && (ErrorCode(err) != EINVALID || fields[tt.field] == "") {
				t.Fatalf("want EINVALID on %s, got %v", tt.field, err)
			}
			if tt.check != nil && !tt.check(q) {
				t.Errorf("query %+v", q)
			}
		})
	}
}

func TestQueryValuesRoundTrip(t *testing.T) {
	in := PositionQuery{Keyword: "财务 审计", Level: "sz", Department: "湖北省财政厅", Education: "研究生", Political: "中共党员",
		Eligible: true, NoApproved: true, Sort: SortByCompetitionAsc, Page: 4, PageSize: 50}
	m := map[string]string{}
	for _, kv := range in.Values() {
		m[kv[0]] = kv[1]
	}
	out, err := ParsePositionQuery(func(k string) string { return m[k] })
	if err != nil || out != in {
		t.Fatalf("round trip: %+v, %v", out, err)
	}
}

func TestEligibilityFilterMemo(t *testing.T) {
	exam := &Exam{ReferenceDate: "2023-03-07"}
	acct := &Account{BirthDate: "1990-03-07"}
	form := &ApplicationForm{FullTimeEducation: "大学本科", FullTimeDegree: "学士", Political: "群众", WorkStartDate: "2012-07", GrassrootsYears: 3}
	f := EligibilityFilter(acct, form, exam)
	tests := []struct {
		p    Position
		want bool
	}{
		{Position{Education: "大学本科及以上"}, true},
		{Position{Education: "研究生"}, false},
		{Position{Political: "中共党员"}, false},
		{Position{MaxAge: 30}, false},
		{Position{MaxAge: 35}, true},
		{Position{GrassrootsYears: 5}, false},
		{Position{Education: "研究生", Code: "other code, same requirements"}, false},
	}
	for i, tt := range tests {
		if got := f(&tt.p); got != tt.want {
			t.Errorf("%d: got %v want %v", i, got, tt.want)
		}
	}
}
