package kv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// The audit log filters by actor, action family, target and date, newest
// first, and its cursor pages through without gaps or repeats.
func TestQueryAudit(t *testing.T) {
	s := openAt(t, t.TempDir())
	day := time.Date(2023, 3, 1, 9, 0, 0, 0, domain.Shanghai)
	if err := s.Update(func(tx *Tx) error {
		for i := range 30 {
			e := AuditEntry{At: day.Add(time.Duration(i) * 24 * time.Hour), ActorID: []string{"a1", "a2"}[i%2],
				Action: []string{"exam.update", "application.approve", "application.return"}[i%3], Target: fmt.Sprintf("t%d", i%5)}
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	all := func(f AuditFilter, limit int) []AuditEntry {
		t.Helper()
		var out []AuditEntry
		for range 100 {
			p, err := s.QueryAudit(f, limit)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Entries...)
			if p.Next == "" {
				return out
			}
			f.Before = p.Next
		}
		t.Fatal("pagination does not end")
		return nil
	}
	for _, tt := range []struct {
		name string
		f    AuditFilter
		want int
	}{
		{"all", AuditFilter{}, 30},
		{"actor", AuditFilter{ActorID: "a1"}, 15},
		{"family", AuditFilter{Action: "application."}, 20},
		{"exact action", AuditFilter{Action: "application.return"}, 10},
		{"target", AuditFilter{Target: "t3"}, 6},
		{"actor and action", AuditFilter{ActorID: "a2", Action: "exam.update"}, 5},
		{"dates", AuditFilter{From: day.AddDate(0, 0, 10), To: day.AddDate(0, 0, 20)}, 10},
		{"target and dates", AuditFilter{Target: "t0", From: day.AddDate(0, 0, 10)}, 4},
	} {
		for _, limit := range []int{3, 50} {
			got := all(tt.f, limit)
			if len(got) != tt.want {
				t.Errorf("%s (page %d): %d entries, want %d", tt.name, limit, len(got), tt.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].ID >= got[i-1].ID {
					t.Errorf("%s: not newest first at %d", tt.name, i)
				}
			}
		}
	}
}

// AuditChanges names each changed field before → after.
func TestAuditChanges(t *testing.T) {
	old := &domain.Position{Code: "P1", Title: "综合岗", Quota: 1}
	cur := &domain.Position{Code: "P1", Title: "文字岗", Quota: 2}
	got := AuditChanges(old, cur)
	if !strings.Contains(got, "title: 综合岗 → 文字岗") || !strings.Contains(got, "→ 2") {
		t.Fatalf("%s", got)
	}
	if got := AuditChanges((*domain.Position)(nil), cur); got != "新建" {
		t.Fatalf("created: %s", got)
	}
	if got := AuditChanges(old, old); got != "无变化" {
		t.Fatalf("same: %s", got)
	}
}
