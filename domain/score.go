package domain

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Points is a score in hundredths of a point (78.5 → 7850), so sums and
// ties are exact: no float rounding decides who reaches an interview.
type Points int64

// MaxScoreDecimals is how many decimals a score in an imported file may have.
const MaxScoreDecimals = 2

// ParsePoints reads a non-negative score with up to two decimals ("78",
// "78.5", "78.25"); ok is false for anything else (signs, exponents, "七十").
func ParsePoints(s string) (Points, bool) {
	s = strings.TrimSpace(halfWidth(s))
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 6 || !allDigits(whole) || (hasDot && (frac == "" || len(frac) > MaxScoreDecimals || !allDigits(frac))) {
		return 0, false
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < MaxScoreDecimals {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Points(w*100 + f), true
}

// String shows points without trailing zeros: 7850 → "78.5", 8000 → "80".
func (p Points) String() string {
	s := fmt.Sprintf("%d.%02d", p/100, p%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// Total is a weighted total in ten-thousandths of a point: a subject's
// Points times its weight in percent. Kept exact for ranking and ties.
type Total int64

// Points rounds the total half up to hundredths, for display.
func (t Total) Points() Points { return Points((t + 50) / 100) }

// String shows the total with two decimals ("78.50"), as score lists do.
func (t Total) String() string {
	p := t.Points()
	return fmt.Sprintf("%d.%02d", p/100, p%100)
}

// ScoreMark is how a candidate's sitting of the written exam counts.
type ScoreMark string

// Score marks. A mark in any subject applies to the whole candidate:
// neither a 缺考 nor a 违纪 candidate is ranked or listed.
const (
	MarkNone       ScoreMark = ""
	MarkAbsent     ScoreMark = "absent"     // 缺考
	MarkMisconduct ScoreMark = "misconduct" // 违纪
)

// Label is the mark as written in score files and on pages.
func (m ScoreMark) Label() string {
	switch m {
	case MarkAbsent:
		return "缺考"
	case MarkMisconduct:
		return "违纪"
	}
	return ""
}

// ScoreSubject is the scoring rule of one 笔试科目.
type ScoreSubject struct {
	Name     string `json:"name"`
	Weight   int    `json:"weight"`    // percent of the subject's score in the total (50: half)
	FullMark Points `json:"full_mark"` // highest valid score
	MinScore Points `json:"min_score"` // 单科合格分数线; 0: none
}

// Defaults of an exam that has not set its score rules.
const (
	DefaultScoreWeight   = 100   // the total is the sum of the subjects
	DefaultFullMark      = 10000 // 100 points
	DefaultInterviewRate = 3     // 3:1 of 遴选计划
	// MaxBonus is the largest 加分 (policy bonus points) a file may carry.
	MaxBonus Points = 2000
)

// ScoreRules are an exam's rules for 笔试成绩 and the 资格复审/面试 list,
// set on the administrator's 成绩管理 page. The import fields are written
// by the import only.
type ScoreRules struct {
	Subjects []ScoreSubject `json:"subjects,omitempty"` // by exam subject name; missing ones use the defaults
	// Ratio: the list of a position holds Ratio × 遴选计划 candidates (3 → 3:1).
	Ratio int `json:"ratio,omitempty"`
	// SmallQuota, SmallRatio: a position whose 遴选计划 is at most SmallQuota
	// uses SmallRatio instead (e.g. quota ≤ 1 → 5:1). SmallQuota 0: no such rule.
	SmallQuota int `json:"small_quota,omitempty"`
	SmallRatio int `json:"small_ratio,omitempty"`
	// MinTotal is the 合格分数线 of the total (weighted, with 加分); 0: none.
	MinTotal Points `json:"min_total,omitempty"`

	// Generation names the current imported score set (kv keys); empty
	// until a first import. Switching it is what makes an import visible.
	Generation   string    `json:"generation,omitempty"`
	Rows         int       `json:"rows,omitempty"`
	ImportedAt   time.Time `json:"imported_at,omitzero"`
	ImportedFile string    `json:"imported_file,omitempty"`
}

// ScoreSubjects are the exam's 笔试科目 with their rules, in the exam's
// subject order: a subject without a rule gets weight 100, full mark 100.
func (e *Exam) ScoreSubjects() []ScoreSubject {
	out := make([]ScoreSubject, len(e.Subjects))
	for i, name := range e.Subjects {
		out[i] = ScoreSubject{Name: name, Weight: DefaultScoreWeight, FullMark: DefaultFullMark}
		for _, s := range e.Scores.Subjects {
			if s.Name == name {
				out[i] = s
			}
		}
	}
	return out
}

// InterviewRatio is the ratio a position with the given 遴选计划 uses.
func (r *ScoreRules) InterviewRatio(quota int) int {
	if r.SmallQuota > 0 && r.SmallRatio > 0 && quota <= r.SmallQuota {
		return r.SmallRatio
	}
	if r.Ratio > 0 {
		return r.Ratio
	}
	return DefaultInterviewRate
}

// ScoresPublished reports whether candidates may see the exam's scores at
// now: a score set was imported and the 成绩查询 window has started.
func ScoresPublished(e *Exam, now time.Time) bool {
	return ScoreAvailability(e, now) == nil
}

// ScoreAvailability says why candidates cannot see the exam's scores at
// now (EFORBIDDEN), nil once they are published. Every candidate-facing
// page and the public query ask it, and show its words.
func ScoreAvailability(e *Exam, now time.Time) error {
	switch {
	case e.Score.Start.IsZero():
		return Errorf(EFORBIDDEN, "笔试成绩尚未公布，成绩查询时间另行通知。")
	case now.Before(e.Score.Start):
		return Errorf(EFORBIDDEN, "笔试成绩尚未公布。成绩查询时间为 %s 起。", FormatTime(e.Score.Start))
	case e.Scores.Generation == "":
		return Errorf(EFORBIDDEN, "笔试成绩尚未公布，请关注考试公告。")
	}
	return nil
}

// ScoreRulesForm is the text of the 成绩管理 settings form.
type ScoreRulesForm struct {
	Weights    []string // per exam subject, in exam order
	FullMarks  []string
	MinScores  []string
	Ratio      string
	SmallQuota string
	SmallRatio string
	MinTotal   string
	// The 成绩查询 window (publication at its start), "2006-01-02T15:04" in Beijing time.
	ScoreStart, ScoreEnd string
}

// DecideScoreRules checks the settings form against the exam at now and
// returns the exam's new rules and 成绩查询 window. Field errors are keyed
// weight_<i>, full_<i>, min_<i>, ratio, small_quota, small_ratio,
// min_total, score_start, score_end. Once scores are published the
// scoring (weights, marks, lines, ratios) and the publication time are
// fixed (EFORBIDDEN): a change would silently re-rank candidates who have
// seen their rank, or take their scores away.
func DecideScoreRules(e *Exam, f ScoreRulesForm, now time.Time) (ScoreRules, Window, error) {
	fe := FieldErrors{}
	rules := e.Scores
	rules.Subjects = nil
	for i, name := range e.Subjects {
		s := ScoreSubject{Name: name}
		w, err := strconv.Atoi(strings.TrimSpace(At(f.Weights, i)))
		if err != nil || w < 1 || w > 100 {
			fe.Add(fmt.Sprintf("weight_%d", i), "权重应为 1～100 的整数（百分比）。")
		}
		s.Weight = w
		full, ok := ParsePoints(At(f.FullMarks, i))
		if !ok || full <= 0 || full > 100000 {
			fe.Add(fmt.Sprintf("full_%d", i), "满分应为大于 0 的数字（最多两位小数）。")
		}
		s.FullMark = full
		if t := strings.TrimSpace(At(f.MinScores, i)); t != "" {
			m, ok := ParsePoints(t)
			if !ok || m > full {
				fe.Add(fmt.Sprintf("min_%d", i), "单科合格分数线应为不超过满分的数字，不设请留空。")
			}
			s.MinScore = m
		}
		rules.Subjects = append(rules.Subjects, s)
	}
	atoi := func(field, v string, lo, hi int, optional bool, msg string) int {
		v = strings.TrimSpace(v)
		if v == "" && optional {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			fe.Add(field, msg)
		}
		return n
	}
	rules.Ratio = atoi("ratio", f.Ratio, 1, 20, false, "面试比例应为 1～20 的整数（3 表示 3:1）。")
	rules.SmallQuota = atoi("small_quota", f.SmallQuota, 1, 100, true, "应为 1～100 的整数，不设请留空。")
	rules.SmallRatio = atoi("small_ratio", f.SmallRatio, 1, 20, true, "应为 1～20 的整数，不设请留空。")
	if (rules.SmallQuota == 0) != (rules.SmallRatio == 0) {
		fe.Add("small_ratio", "“计划数不超过”与“适用比例”须同时填写或同时留空。")
	}
	if t := strings.TrimSpace(f.MinTotal); t != "" {
		m, ok := ParsePoints(t)
		if !ok {
			fe.Add("min_total", "总成绩合格分数线应为数字（最多两位小数），不设请留空。")
		}
		rules.MinTotal = m
	}
	w := e.Score
	if start, err := parseLocalTime(f.ScoreStart); err != nil {
		fe.Add("score_start", "请填写成绩查询开始时间。")
	} else {
		w.Start = start
	}
	if end, err := parseLocalTime(f.ScoreEnd); err != nil {
		fe.Add("score_end", "请填写成绩查询结束时间。")
	} else {
		w.End = end
	}
	if len(fe) == 0 && !w.End.After(w.Start) {
		fe.Add("score_end", "结束时间应晚于开始时间。")
	}
	if err := fe.Err(); err != nil {
		return ScoreRules{}, Window{}, err
	}
	if ScoresPublished(e, now) && !sameScoring(e.Scores, rules, e) {
		return ScoreRules{}, Window{}, Errorf(EFORBIDDEN, "成绩已于 %s 公布，计分规则（权重、满分、合格分数线、面试比例）不能再修改。", FormatTime(e.Score.Start))
	}
	if ScoresPublished(e, now) && !w.Start.Equal(e.Score.Start) {
		// A later start would take published scores away from candidates.
		return ScoreRules{}, Window{}, Errorf(EFORBIDDEN, "成绩已于 %s 公布，成绩查询开始时间不能再修改（结束时间可以延长或提前）。", FormatTime(e.Score.Start))
	}
	return rules, w, nil
}

func sameScoring(old, new ScoreRules, e *Exam) bool {
	cur := *e
	cur.Scores = old
	return slices.Equal(cur.ScoreSubjects(), new.Subjects) && old.Ratio == new.Ratio && old.SmallQuota == new.SmallQuota &&
		old.SmallRatio == new.SmallRatio && old.MinTotal == new.MinTotal
}

// At is list[i], "" past its end (a form's repeated field).
func At(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

// parseLocalTime reads a datetime-local value in Beijing time.
func parseLocalTime(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(s), Shanghai)
}

// CheckScoreImport decides whether a score file may be imported into the
// exam: it needs 笔试科目 and issued 准考证号 (tickets: how many the exam
// has). A re-import after publication is allowed (a 复核 correction) and
// replaces the published set as a whole.
func CheckScoreImport(e *Exam, tickets int) error {
	switch {
	case len(e.Subjects) == 0:
		return Errorf(ECONFLICT, "本考试尚未设置笔试科目，请先在考试设置中填写笔试科目。")
	case tickets == 0:
		return Errorf(ECONFLICT, "本考试尚未编排考场、生成准考证号，无法导入成绩。")
	}
	return nil
}

// ScoreRow is one candidate's written-exam result as imported: scores in
// the exam's subject order, a mark per subject (缺考/违纪, or none), 加分.
type ScoreRow struct {
	TicketNo string      `json:"t"`
	AppID    string      `json:"a"`
	Position string      `json:"p"`
	Scores   []Points    `json:"s"`
	Marks    []ScoreMark `json:"m,omitempty"`
	Bonus    Points      `json:"b,omitempty"`
}

// Mark is the row's overall mark: 违纪 in any subject over 缺考 in any.
func (r *ScoreRow) Mark() ScoreMark {
	m := MarkNone
	for _, x := range r.Marks {
		if x == MarkMisconduct {
			return MarkMisconduct
		}
		if x == MarkAbsent {
			m = MarkAbsent
		}
	}
	return m
}

// TotalOf is the weighted total of a row with its 加分 (0 for a marked row).
func TotalOf(r *ScoreRow, subjects []ScoreSubject) Total {
	if r.Mark() != MarkNone {
		return 0
	}
	var t Total
	for i, s := range subjects {
		if i < len(r.Scores) {
			t += Total(r.Scores[i]) * Total(s.Weight)
		}
	}
	return t + Total(r.Bonus)*100
}

// RankedScore is one row of a position's results.
type RankedScore struct {
	Row   ScoreRow
	Total Total
	// Rank within the position among candidates with valid scores,
	// competition style (1, 2, 2, 4); 0 for 缺考/违纪.
	Rank int
	// Listed: on the 资格复审/面试 list.
	Listed bool
	// Why is, when not listed, the reason in Chinese.
	Why string
}

// PositionResult is a position's ranking and its 资格复审/面试 list.
type PositionResult struct {
	Code   string
	Quota  int // 遴选计划
	Ratio  int // ratio used (X:1)
	Slots  int // Ratio × Quota: the list's size before ties
	Sat    int // candidates with valid scores (the ranked ones)
	Rows   int // candidates in the score file for the position
	Listed int
	// Cutoff is the lowest total on the list (最低入围分数); valid only when Listed > 0.
	Cutoff Total
	// Entries: ranked rows by total (ties by 准考证号), then 缺考, 违纪.
	Entries []RankedScore
}

// RankPosition ranks one position's rows and draws its list: the eligible
// (valid scores, every 合格分数线 reached) by total, the first Ratio × 遴选计划
// of them, and every further candidate tied with the last one. Rank is
// competition ranking among all valid scores; 缺考 and 违纪 are never
// ranked or listed. rows are not modified.
func RankPosition(code string, quota int, rows []ScoreRow, subjects []ScoreSubject, rules *ScoreRules) PositionResult {
	res := PositionResult{Code: code, Quota: quota, Ratio: rules.InterviewRatio(quota), Rows: len(rows)}
	res.Slots = res.Ratio * quota
	res.Entries = make([]RankedScore, len(rows))
	for i := range rows {
		res.Entries[i] = RankedScore{Row: rows[i], Total: TotalOf(&rows[i], subjects)}
	}
	order := func(m ScoreMark) int {
		switch m {
		case MarkNone:
			return 0
		case MarkAbsent:
			return 1
		}
		return 2
	}
	slices.SortFunc(res.Entries, func(a, b RankedScore) int {
		if c := cmp.Compare(order(a.Row.Mark()), order(b.Row.Mark())); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.Row.TicketNo, b.Row.TicketNo)
	})
	taken := 0
	for i := range res.Entries {
		e := &res.Entries[i]
		if m := e.Row.Mark(); m != MarkNone {
			e.Why = m.Label() + "，不参加排名，不能进入资格复审/面试。"
			continue
		}
		res.Sat++
		if i > 0 && res.Entries[i-1].Row.Mark() == MarkNone && res.Entries[i-1].Total == e.Total {
			e.Rank = res.Entries[i-1].Rank
		} else {
			e.Rank = i + 1
		}
		if why := belowLine(e, subjects, rules); why != "" {
			e.Why = why
			continue
		}
		// Within the slots, or tied with the last one taken.
		if taken < res.Slots || (taken > 0 && e.Total == res.Cutoff) {
			e.Listed = true
			res.Cutoff = e.Total
			taken++
			continue
		}
		e.Why = fmt.Sprintf("未进入前 %d 名（%d:1），且与最低入围分数不同分。", res.Slots, res.Ratio)
	}
	res.Listed = taken
	return res
}

// belowLine says which 合格分数线 a valid row misses ("" when none).
func belowLine(e *RankedScore, subjects []ScoreSubject, rules *ScoreRules) string {
	for i, s := range subjects {
		if s.MinScore > 0 && i < len(e.Row.Scores) && e.Row.Scores[i] < s.MinScore {
			return fmt.Sprintf("%s成绩未达到单科合格分数线（%s 分）。", s.Name, s.MinScore)
		}
	}
	if rules.MinTotal > 0 && e.Total < Total(rules.MinTotal)*100 {
		return fmt.Sprintf("总成绩未达到合格分数线（%s 分）。", rules.MinTotal)
	}
	return ""
}

// Entry returns the position's entry of a ticket number.
func (p *PositionResult) Entry(ticketNo string) (*RankedScore, bool) {
	for i := range p.Entries {
		if p.Entries[i].Row.TicketNo == ticketNo {
			return &p.Entries[i], true
		}
	}
	return nil, false
}

// RankAll ranks every position of a score set: rows grouped by position
// (any order), quotas by position code (a position missing from quotas
// has quota 0: nobody is listed). Results come in position code order.
func RankAll(rows []ScoreRow, quotas map[string]int, subjects []ScoreSubject, rules *ScoreRules) []PositionResult {
	byPos := map[string][]ScoreRow{}
	for _, r := range rows {
		byPos[r.Position] = append(byPos[r.Position], r)
	}
	codes := make([]string, 0, len(byPos))
	for c := range byPos {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	out := make([]PositionResult, len(codes))
	for i, c := range codes {
		out[i] = RankPosition(c, quotas[c], byPos[c], subjects, rules)
	}
	return out
}

// TicketHolder is what a 准考证号 of an exam stands for: the application
// holding it and its position.
type TicketHolder struct {
	AppID    string
	Position string
}

// CheckScoreQuery decides whether a public score query for one 准考证号
// may be checked at now, by the same doubling delays as logins: after a few
// wrong answers (unknown number or wrong 身份证号 alike) the number waits.
func CheckScoreQuery(t LoginThrottle, now time.Time) error {
	t = t.current(now)
	if now.Before(t.NotBefore) {
		return Errorf(ERATELIMIT, "该准考证号近期多次查询未通过核验，请于 %s 后再试。", formatClock(t.NotBefore))
	}
	return nil
}
