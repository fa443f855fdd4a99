package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParsePoints(t *testing.T) {
	tests := []struct {
		in   string
		want Points
		ok   bool
	}{
		{"78", 7800, true}, {"78.5", 7850, true}, {" 78.25 ", 7825, true}, {"０", 0, true}, {"100.00", 10000, true},
		{"", 0, false}, {"-1", 0, false}, {"+5", 0, false}, {"78.", 0, false}, {".5", 0, false}, {"78.125", 0, false},
		{"1e2", 0, false}, {"七十", 0, false}, {"78 5", 0, false}, {"缺考", 0, false}, {"1234567", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParsePoints(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParsePoints(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for p, s := range map[Points]string{7850: "78.5", 8000: "80", 7825: "78.25", 5: "0.05", 0: "0"} {
		if p.String() != s {
			t.Errorf("Points(%d) = %q, want %q", int64(p), p.String(), s)
		}
	}
}

func TestTotalWeightsAndBonus(t *testing.T) {
	two := []ScoreSubject{{Name: "公共科目", Weight: 40, FullMark: 10000}, {Name: "专业科目", Weight: 60, FullMark: 10000}}
	sum := []ScoreSubject{{Name: "公共科目", Weight: 100, FullMark: 10000}, {Name: "专业科目", Weight: 100, FullMark: 10000}}
	tests := []struct {
		name     string
		row      ScoreRow
		subjects []ScoreSubject
		want     string
	}{
		{"weighted 40/60", ScoreRow{Scores: []Points{8000, 7000}}, two, "74.00"},
		{"weighted, halves round", ScoreRow{Scores: []Points{7850, 6025}}, two, "67.55"},
		{"sum", ScoreRow{Scores: []Points{7850, 6025}}, sum, "138.75"},
		{"bonus added after weights", ScoreRow{Scores: []Points{8000, 7000}, Bonus: 250}, two, "76.50"},
		{"absent counts nothing", ScoreRow{Scores: []Points{8000, 0}, Marks: []ScoreMark{"", MarkAbsent}}, two, "0.00"},
		{"misconduct counts nothing", ScoreRow{Scores: []Points{8000, 7000}, Marks: []ScoreMark{MarkMisconduct, ""}, Bonus: 300}, two, "0.00"},
	}
	for _, tt := range tests {
		if got := TotalOf(&tt.row, tt.subjects).String(); got != tt.want {
			t.Errorf("%s: total %s, want %s", tt.name, got, tt.want)
		}
	}
	// Exactness: 33% of 78.50 is 25.905, kept to the ten-thousandth for ties.
	thirds := []ScoreSubject{{Name: "a", Weight: 33, FullMark: 10000}}
	a, b := ScoreRow{Scores: []Points{7850}}, ScoreRow{Scores: []Points{7851}}
	if TotalOf(&a, thirds) == TotalOf(&b, thirds) {
		t.Error("78.50 and 78.51 weighted 33% must not tie")
	}
}

// rowsOf builds one-subject rows: "A:80" is ticket A with 80 points,
// "B:缺考", "C:违纪".
func rowsOf(specs ...string) []ScoreRow {
	var out []ScoreRow
	for _, s := range specs {
		ticket, v, _ := strings.Cut(s, ":")
		r := ScoreRow{TicketNo: ticket, Position: "P1", Scores: []Points{0}, Marks: []ScoreMark{""}}
		switch v {
		case "缺考":
			r.Marks[0] = MarkAbsent
		case "违纪":
			r.Marks[0] = MarkMisconduct
		default:
			p, ok := ParsePoints(v)
			if !ok {
				panic(v)
			}
			r.Scores[0] = p
		}
		out = append(out, r)
	}
	return out
}

// rankSummary writes a result as "ticket:rank[*]" in result order, * when listed.
func rankSummary(res PositionResult) string {
	var parts []string
	for _, e := range res.Entries {
		s := fmt.Sprintf("%s:%d", e.Row.TicketNo, e.Rank)
		if e.Listed {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestRankPosition(t *testing.T) {
	one := []ScoreSubject{{Name: "综合", Weight: 100, FullMark: 10000}}
	withLine := []ScoreSubject{{Name: "综合", Weight: 100, FullMark: 10000, MinScore: 6000}}
	tests := []struct {
		name     string
		quota    int
		rules    ScoreRules
		subjects []ScoreSubject
		rows     []ScoreRow
		want     string
		listed   int
		cutoff   string
	}{
		{"3:1 of one, no ties", 1, ScoreRules{Ratio: 3}, one, rowsOf("A:90", "B:80", "C:70", "D:60"),
			"A:1* B:2* C:3* D:4", 3, "70.00"},
		{"competition ranking 1,2,2,4", 1, ScoreRules{Ratio: 3}, one, rowsOf("A:90", "B:80", "C:80", "D:70"),
			"A:1* B:2* C:2* D:4", 3, "80.00"},
		{"tie at the cut-off: all tied included", 1, ScoreRules{Ratio: 3}, one, rowsOf("A:90", "B:80", "C:70", "D:70", "E:70", "F:60"),
			"A:1* B:2* C:3* D:3* E:3* F:6", 5, "70.00"},
		{"tie straddling the cut-off from above", 1, ScoreRules{Ratio: 2}, one, rowsOf("A:80", "B:80", "C:80", "D:79.99"),
			"A:1* B:1* C:1* D:4", 3, "80.00"},
		{"fewer candidates than slots", 2, ScoreRules{Ratio: 3}, one, rowsOf("A:50", "B:40"),
			"A:1* B:2*", 2, "40.00"},
		{"absent and misconduct never ranked or listed", 1, ScoreRules{Ratio: 3}, one, rowsOf("X:违纪", "A:60", "Y:缺考", "B:50"),
			"A:1* B:2* Y:0 X:0", 2, "50.00"},
		{"total line excludes, ranks stay", 1, ScoreRules{Ratio: 3, MinTotal: 6500}, one, rowsOf("A:90", "B:65", "C:64.99", "D:64"),
			"A:1* B:2* C:3 D:4", 2, "65.00"},
		{"subject line excludes", 1, ScoreRules{Ratio: 3}, withLine, rowsOf("A:90", "B:59.5", "C:60"),
			"A:1* C:2* B:3", 2, "60.00"},
		{"small quota uses its own ratio", 1, ScoreRules{Ratio: 2, SmallQuota: 1, SmallRatio: 5}, one, rowsOf("A:90", "B:89", "C:88", "D:87", "E:86", "F:85"),
			"A:1* B:2* C:3* D:4* E:5* F:6", 5, "86.00"},
		{"large quota keeps the base ratio", 2, ScoreRules{Ratio: 1, SmallQuota: 1, SmallRatio: 5}, one, rowsOf("A:90", "B:89", "C:88"),
			"A:1* B:2* C:3", 2, "89.00"},
		{"quota 0 lists nobody", 0, ScoreRules{Ratio: 3}, one, rowsOf("A:90"), "A:1", 0, ""},
		{"default ratio 3", 1, ScoreRules{}, one, rowsOf("A:4", "B:3", "C:2", "D:1"), "A:1* B:2* C:3* D:4", 3, "2.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := RankPosition("P1", tt.quota, tt.rows, tt.subjects, &tt.rules)
			if got := rankSummary(res); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if res.Listed != tt.listed {
				t.Errorf("listed %d, want %d", res.Listed, tt.listed)
			}
			if tt.listed > 0 && res.Cutoff.String() != tt.cutoff {
				t.Errorf("cutoff %s, want %s", res.Cutoff, tt.cutoff)
			}
			for _, e := range res.Entries {
				if !e.Listed && e.Why == "" {
					t.Errorf("%s not listed without a reason", e.Row.TicketNo)
				}
			}
		})
	}
}

func TestRankAllGroupsByPosition(t *testing.T) {
	one := []ScoreSubject{{Name: "综合", Weight: 100, FullMark: 10000}}
	rows := rowsOf("A:90", "B:80", "C:70")
	rows[1].Position = "P2"
	res := RankAll(rows, map[string]int{"P1": 1, "P2": 1}, one, &ScoreRules{Ratio: 1})
	if len(res) != 2 || res[0].Code != "P1" || res[0].Rows != 2 || res[1].Code != "P2" || res[1].Entries[0].Rank != 1 || !res[1].Entries[0].Listed {
		t.Fatalf("RankAll = %+v", res)
	}
	if e, ok := res[0].Entry("C"); !ok || e.Rank != 2 || e.Listed {
		t.Errorf("C in P1: %+v", e)
	}
}

func scoreExam() *Exam {
	e := testExam()
	e.Subjects = []string{"公共科目", "专业科目"}
	e.Score = Window{sh(2023, 5, 10, 9, 0), sh(2023, 6, 10, 17, 0)}
	return e
}

func TestScoreAvailability(t *testing.T) {
	before, after := sh(2023, 5, 10, 8, 59), sh(2023, 5, 10, 9, 0)
	imported := scoreExam()
	imported.Scores.Generation = "g1"
	noWindow := scoreExam()
	noWindow.Score = Window{}
	noWindow.Scores.Generation = "g1"
	tests := []struct {
		name string
		exam *Exam
		now  time.Time
		want string // "" published, else a word of the message
	}{
		{"imported, before the window", imported, before, "2023-05-10 09:00"},
		{"imported, at the window start", imported, after, ""},
		{"not imported, window open", scoreExam(), after, "尚未公布"},
		{"no window", noWindow, after, "另行通知"},
	}
	for _, tt := range tests {
		err := ScoreAvailability(tt.exam, tt.now)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tt.want)):
			t.Errorf("%s: %v, want EFORBIDDEN with %q", tt.name, err, tt.want)
		}
		if ScoresPublished(tt.exam, tt.now) != (tt.want == "") {
			t.Errorf("%s: ScoresPublished disagrees", tt.name)
		}
	}
}

func TestScoreStepAndSituation(t *testing.T) {
	e := scoreExam()
	e.Scores.Generation = "g1"
	app := appIn(StateTicketIssued)
	app.Form = completeForm()
	score := func(now time.Time) Step {
		steps := Steps(app, e, true, now)
		return steps[len(steps)-1]
	}
	if s := score(sh(2023, 5, 10, 8, 0)); s.Key != StepScore || s.Status != StepClosed || !strings.Contains(s.Reason, "尚未公布") {
		t.Errorf("before publication: %+v", s)
	}
	if s := score(sh(2023, 5, 10, 9, 0)); s.Status != StepDone || !s.Actionable {
		t.Errorf("after publication: %+v", s)
	}
	paid := appIn(StatePaid)
	if s := Steps(paid, e, true, sh(2023, 5, 11, 9, 0)); s[len(s)-1].Status != StepLocked {
		t.Errorf("without a ticket: %+v", s[len(s)-1])
	}
	now := sh(2023, 5, 10, 9, 0)
	if sit := CandidateSituation(app, e, Steps(app, e, true, now), now); sit.Headline != "笔试成绩已公布" {
		t.Errorf("home headline %q", sit.Headline)
	}
}

func scoreForm(e *Exam) ScoreRulesForm {
	return ScoreRulesForm{
		Weights: []string{"50", "50"}, FullMarks: []string{"100", "100"}, MinScores: []string{"", "45"},
		Ratio: "3", SmallQuota: "1", SmallRatio: "5", MinTotal: "60",
		ScoreStart: "2023-05-10T09:00", ScoreEnd: "2023-06-10T17:00",
	}
}

func TestDecideScoreRules(t *testing.T) {
	e := scoreExam()
	rules, w, err := DecideScoreRules(e, scoreForm(e), sh(2023, 5, 1, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	if rules.Ratio != 3 || rules.SmallQuota != 1 || rules.SmallRatio != 5 || rules.MinTotal != 6000 || rules.Subjects[1].MinScore != 4500 || rules.Subjects[0].Weight != 50 {
		t.Errorf("rules %+v", rules)
	}
	if !w.Start.Equal(sh(2023, 5, 10, 9, 0)) {
		t.Errorf("window %v", w)
	}
	bad := []struct {
		field string
		edit  func(f *ScoreRulesForm)
	}{
		{"weight_0", func(f *ScoreRulesForm) { f.Weights[0] = "0" }},
		{"weight_1", func(f *ScoreRulesForm) { f.Weights = f.Weights[:1] }},
		{"full_0", func(f *ScoreRulesForm) { f.FullMarks[0] = "abc" }},
		{"min_1", func(f *ScoreRulesForm) { f.MinScores[1] = "101" }},
		{"ratio", func(f *ScoreRulesForm) { f.Ratio = "" }},
		{"small_ratio", func(f *ScoreRulesForm) { f.SmallRatio = "" }},
		{"min_total", func(f *ScoreRulesForm) { f.MinTotal = "六十" }},
		{"score_start", func(f *ScoreRulesForm) { f.ScoreStart = "" }},
		{"score_end", func(f *ScoreRulesForm) { f.ScoreEnd = "2023-05-01T09:00" }},
	}
	for _, b := range bad {
		f := scoreForm(e)
		b.edit(&f)
		_, _, err := DecideScoreRules(e, f, sh(2023, 5, 1, 9, 0))
		if ErrorFields(err)[b.field] == "" {
			t.Errorf("%s: want a field error, got %v", b.field, err)
		}
	}
	// Published: the scoring is fixed, the window end may still move.
	e.Scores = rules
	e.Scores.Generation = "g1"
	after := sh(2023, 5, 11, 9, 0)
	f := scoreForm(e)
	f.ScoreEnd = "2023-06-20T17:00"
	if _, _, err := DecideScoreRules(e, f, after); err != nil {
		t.Errorf("window change after publication: %v", err)
	}
	f.Ratio = "4"
	if _, _, err := DecideScoreRules(e, f, after); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("ratio change after publication: %v", err)
	}
	f = scoreForm(e)
	f.ScoreStart = "2023-05-20T09:00"
	if _, _, err := DecideScoreRules(e, f, after); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("publication moved later after publication: %v", err)
	}
}

func TestCheckScoreImport(t *testing.T) {
	e := scoreExam()
	if err := CheckScoreImport(e, 10); err != nil {
		t.Error(err)
	}
	if err := CheckScoreImport(e, 0); ErrorCode(err) != ECONFLICT {
		t.Errorf("no tickets: %v", err)
	}
	e.Subjects = nil
	if err := CheckScoreImport(e, 10); ErrorCode(err) != ECONFLICT {
		t.Errorf("no subjects: %v", err)
	}
}

// BenchmarkRankAll: 100,000 rows in 10,000 positions, two subjects.
func BenchmarkRankAll(b *testing.B) {
	subjects := []ScoreSubject{{Name: "公共科目", Weight: 50, FullMark: 10000}, {Name: "专业科目", Weight: 50, FullMark: 10000}}
	rows := make([]ScoreRow, 100000)
	quotas := map[string]int{}
	for i := range rows {
		code := fmt.Sprintf("P%05d", i%10000)
		quotas[code] = 1 + i%3
		rows[i] = ScoreRow{TicketNo: fmt.Sprintf("2023%07d", i), Position: code, Scores: []Points{Points(i * 7919 % 10001), Points(i * 104729 % 10001)}}
	}
	rules := &ScoreRules{Ratio: 3, SmallQuota: 1, SmallRatio: 5, MinTotal: 3000}
	b.ResetTimer()
	for b.Loop() {
		if res := RankAll(rows, quotas, subjects, rules); len(res) != 10000 {
			b.Fatal(len(res))
		}
	}
}
