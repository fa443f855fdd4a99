package domain

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// indexTestPositions is a catalog with the variety search meets: Chinese
// and Latin text, 职位简介, empty and unusual requirements, both levels.
func indexTestPositions(n int) []Position {
	titles := []string{"综合文字岗", "财务审计岗", "IT运维岗", "法制审核岗", "信息化岗", "政策研究岗"}
	depts := []string{"湖北省财政厅", "湖北省审计厅", "武汉市财政局", "宜昌市统计局", "襄阳市教育局"}
	majors := []string{"中国语言文学类", "会计学、审计学", "法学类", "计算机类（Java、SQL）", "经济学类", ""}
	descs := []string{"负责财务报表审核", "", "从事文字综合工作", "承担信息系统运维与数据管理", "Office 办公软件熟练"}
	edus := []string{"大学本科及以上", "研究生", "", "全日制大学本科及以上", "大专", "不限", "本科学历"}
	pols := []string{"中共党员", "", "中共党员或共青团员", "不限", "群众"}
	list := make([]Position, n)
	for i := range list {
		lv := "sz"
		if i%3 == 0 {
			lv = "ds"
		}
		list[i] = Position{
			ExamID: "e", Code: fmt.Sprintf("%05d", i+1), Department: depts[i*len(depts)/n], Employer: depts[i%len(depts)] + "办公室",
			Title: titles[i%len(titles)], LevelCode: lv, Quota: 1 + i%3, Education: edus[i%len(edus)], Major: majors[i%len(majors)],
			Description: descs[i%len(descs)], Political: pols[i%len(pols)],
		}
	}
	return list
}

// TestPositionIndexSameAsScan: the index answers every query exactly as the
// scan does (rows, totals, pages, order), for chosen and random queries.
func TestPositionIndexSameAsScan(t *testing.T) {
	list := indexTestPositions(700)
	counts := map[string]PositionCounts{}
	for i := range list {
		if i%4 != 0 {
			counts[list[i].Code] = PositionCounts{Submitted: i % 7, Approved: i % 5, Paid: i % 3}
		}
	}
	eligible := func(p *Position) bool { return p.Quota != 2 }
	ix := NewPositionIndex(list)
	queries := []PositionQuery{
		{},
		{Keyword: "财务"},
		{Keyword: "财"},
		{Keyword: "财务审计岗"},
		{Keyword: "湖北省 审计"},
		{Keyword: "it"},
		{Keyword: "IT运维"},
		{Keyword: "java"},
		{Keyword: "office 软件"},
		{Keyword: "报表"},
		{Keyword: "00012"},
		{Keyword: "不存在的词"},
		{Keyword: "政策", Level: "sz", Page: 2, PageSize: 10},
		{Department: "武汉市财政局"},
		{Department: "没有这个机关"},
		{Level: "xx"},
		{Education: "大学专科"},
		{Education: "研究生", Political: "共青团员"},
		{Political: "群众", NoApproved: true},
		{Keyword: "岗", Sort: SortByCompetition, Page: 3, PageSize: 50},
		{Sort: SortByCompetitionAsc, PageSize: 100, Page: 7},
		{Keyword: "文字", Eligible: true},
		{Page: 1000},
		// 选择职位: the level fixed to the application's, with the
		// candidate's own filter.
		{Level: "ds", Eligible: true},
		{Level: "sz", Keyword: "岗", Eligible: true, Sort: SortByCompetitionAsc, PageSize: 10, Page: 2},
		{Level: "ds", Department: "武汉市财政局", Eligible: true, NoApproved: true},
	}
	words := []string{"财务", "审计", "岗", "湖北", "武汉市", "it", "运维", "数据", "办公室", "学", "", "研究岗", "0001"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 400 {
		q := PositionQuery{
			Keyword:    words[r.IntN(len(words))] + " " + words[r.IntN(len(words))],
			Level:      []string{"", "sz", "ds"}[r.IntN(3)],
			Education:  []string{"", "研究生", "大学本科", "高中"}[r.IntN(4)],
			Political:  []string{"", "中共党员", "共青团员", "群众"}[r.IntN(4)],
			NoApproved: r.IntN(4) == 0,
			Eligible:   r.IntN(4) == 0,
			Sort:       []string{SortByCode, SortByCompetition, SortByCompetitionAsc}[r.IntN(3)],
			Page:       1 + r.IntN(4),
			PageSize:   SearchPageSizes[r.IntN(len(SearchPageSizes))],
		}
		if r.IntN(5) == 0 {
			q.Department = list[r.IntN(len(list))].Department
		}
		queries = append(queries, q)
	}
	nonEmpty := 0
	for _, q := range queries {
		want := SearchPositions(list, q, counts, eligible)
		got := ix.Search(q, counts, eligible)
		if len(want.Rows) == 0 {
			want.Rows = nil
		}
		if len(got.Rows) == 0 {
			got.Rows = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("query %+v:\nindex %+v\nscan  %+v", q, summary(got), summary(want))
		}
		if want.Total > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < len(queries)/4 {
		t.Errorf("only %d of %d queries found anything: the comparison proves little", nonEmpty, len(queries))
	}
}

func summary(p PositionPage) string {
	s := fmt.Sprintf("total %d page %d/%d:", p.Total, p.Page, p.Pages)
	for _, r := range p.Rows {
		s += " " + r.Position.Code
	}
	return s
}

// TestPositionIndexEmpty: an exam without positions searches to nothing.
func TestPositionIndexEmpty(t *testing.T) {
	ix := NewPositionIndex(nil)
	for _, q := range []PositionQuery{{}, {Keyword: "财务"}, {Level: "sz", Sort: SortByCompetition}} {
		if p := ix.Search(q, nil, nil); p.Total != 0 || len(p.Rows) != 0 || p.Page != 1 {
			t.Errorf("%+v: %+v", q, p)
		}
	}
}

// BenchmarkPositionSearch compares the scan with the index on 10,000
// positions: go test ./domain -run '^$' -bench PositionSearch -benchmem
func BenchmarkPositionSearch(b *testing.B) {
	list := indexTestPositions(10000)
	counts := map[string]PositionCounts{}
	for i := range list {
		counts[list[i].Code] = PositionCounts{Submitted: i % 7, Approved: i % 5}
	}
	ix := NewPositionIndex(list)
	for _, q := range []PositionQuery{{Keyword: "财务"}, {Keyword: "湖北 数据", Level: "sz"}, {}, {Sort: SortByCompetition}} {
		b.Run("scan/"+q.Keyword+q.Sort, func(b *testing.B) {
			for b.Loop() {
				SearchPositions(list, q, counts, nil)
			}
		})
		b.Run("index/"+q.Keyword+q.Sort, func(b *testing.B) {
			for b.Loop() {
				ix.Search(q, counts, nil)
			}
		})
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			NewPositionIndex(list)
		}
	})
}
