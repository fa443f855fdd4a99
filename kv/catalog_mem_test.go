package kv

import (
	"fmt"
	"runtime"
	"testing"

	"examreg/domain"
)

// TestCatalogMemory reports what the in-memory position catalog (map plus
// the sorted snapshot search reads) and the counts cache cost for 10,000
// positions (go test ./kv -run CatalogMemory -v).
func TestCatalogMemory(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	before := heap()
	c := newCatalog()
	counts := &countCache{byExam: map[string]map[string]domain.PositionCounts{}, version: map[string]uint64{}, snap: map[string]countSnapshot{}}
	for i := range 10000 {
		c.put(domain.Position{
			ExamID: "e1", Code: fmt.Sprintf("%08d", i), Department: "湖北省发展和改革委员会", Employer: fmt.Sprintf("湖北省发展和改革委员会综合规划处%d", i%7),
			Title: "综合文字岗", LevelCode: "sz", Description: "从事综合文字材料起草工作，参与重要政策研究", Quota: 1,
			Education: "大学本科及以上", Degree: "学士及以上", Major: "中国语言文学类、新闻传播学类", MaxAge: 35, Political: "中共党员",
			GrassrootsYears: 2, Rank: "四级主任科员及以上", Other: "需经常加班值班", Phone: "027-87231405",
		})
		counts.add("e1", fmt.Sprintf("%08d", i), domain.PositionCounts{Submitted: 3, Approved: 5, Paid: 2})
	}
	mapOnly := heap()
	snap := c.snapshot("e1")
	withSnap := heap()
	s := &Store{counts: counts}
	view := s.CountsView("e1")
	all := heap()
	t.Logf("10,000 positions: catalog map %.1f MB, sorted snapshot %.1f MB, counts cache + view %.1f MB (total %.1f MB)",
		mb(mapOnly-before), mb(withSnap-mapOnly), mb(all-withSnap), mb(all-before))
	runtime.KeepAlive(c)
	runtime.KeepAlive(snap)
	runtime.KeepAlive(view)
	runtime.KeepAlive(s)
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
