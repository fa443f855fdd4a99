package domain

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PositionIndex answers position searches without scanning every position:
// it is built once per catalog version (positions change rarely, searches
// arrive by the thousand on the last day) and shared, read only, by every
// request. Keywords go through an n-gram index (single characters and
// pairs of adjacent characters of 职位名称, 遴选机关, 用人单位, 专业, 职位简介
// and 职位代码, lower-cased); 层级, 遴选机关, 学历 and 政治面貌 filters are
// bitsets. A query intersects them, checks the surviving positions with
// the same rule as SearchPositions, and builds rows for the requested page
// only. Search returns exactly what SearchPositions returns.
type PositionIndex struct {
	list  []Position
	words int // bitset length in uint64 words
	grams map[string][]int32
	level map[string]bitset
	dept  map[string]bitset
	edu   map[string]bitset // by the visitor's 学历 (Educations)
	pol   map[string]bitset // by the visitor's 政治面貌 (PoliticalStatuses)
}

type bitset []uint64

func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

// and keeps in b only the bits also in o.
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

// NewPositionIndex indexes list (sorted by code, as the store keeps it);
// the index keeps list and callers must not change it afterwards.
func NewPositionIndex(list []Position) *PositionIndex {
	ix := &PositionIndex{
		list: list, words: (len(list) + 63) / 64, grams: map[string][]int32{},
		level: map[string]bitset{}, dept: map[string]bitset{}, edu: map[string]bitset{}, pol: map[string]bitset{},
	}
	ranks := make([]int, len(Educations))
	for k, e := range Educations {
		ranks[k] = EducationRank(e)
		ix.edu[e] = ix.newSet()
	}
	for _, p := range PoliticalStatuses {
		ix.pol[p] = ix.newSet()
	}
	seen := map[string]bool{}
	for i := range list {
		p := &list[i]
		ix.member(ix.level, p.LevelCode).set(i)
		ix.member(ix.dept, p.Department).set(i)
		for k, e := range Educations {
			if educationAccepts(p.Education, ranks[k]) {
				ix.edu[e].set(i)
			}
		}
		for _, st := range PoliticalStatuses {
			if politicalAccepts(p.Political, st) {
				ix.pol[st].set(i)
			}
		}
		clear(seen)
		for _, f := range searchFields(p) {
			ix.addGrams(strings.ToLower(f), int32(i), seen)
		}
	}
	return ix
}

func (ix *PositionIndex) newSet() bitset { return make(bitset, ix.words) }

func (ix *PositionIndex) member(m map[string]bitset, key string) bitset {
	b := m[key]
	if b == nil {
		b = ix.newSet()
		m[key] = b
	}
	return b
}

// searchFields are the fields a keyword is looked for in.
func searchFields(p *Position) [6]string {
	return [...]string{p.Title, p.Department, p.Employer, p.Major, p.Description, p.Code}
}

// addGrams records every character and every pair of adjacent characters
// of f for position i (once per position: seen holds what i already has).
func (ix *PositionIndex) addGrams(f string, i int32, seen map[string]bool) {
	prev := -1
	for at := 0; at < len(f); {
		_, size := utf8.DecodeRuneInString(f[at:])
		ix.addGram(f[at:at+size], i, seen)
		if prev >= 0 {
			ix.addGram(f[prev:at+size], i, seen)
		}
		prev = at
		at += size
	}
}

func (ix *PositionIndex) addGram(g string, i int32, seen map[string]bool) {
	if seen[g] {
		return
	}
	seen[g] = true
	ix.grams[g] = append(ix.grams[g], i)
}

// Len is the number of positions indexed.
func (ix *PositionIndex) Len() int { return len(ix.list) }

// Positions is the indexed list, sorted by code; read only.
func (ix *PositionIndex) Positions() []Position { return ix.list }

// candidates returns the positions that may hold word: those holding each
// of its character pairs (or its one character). Positions not in the
// result certainly do not match; those in it are checked by matchesWords.
func (ix *PositionIndex) candidates(word string) []int32 {
	var lists [][]int32
	prev := -1
	n := 0
	for at := 0; at < len(word); {
		_, size := utf8.DecodeRuneInString(word[at:])
		n++
		if prev >= 0 {
			lists = append(lists, ix.grams[word[prev:at+size]])
		}
		prev = at
		at += size
	}
	if n == 1 {
		lists = append(lists, ix.grams[word])
	}
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	out := slices.Clone(lists[0])
	for _, l := range lists[1:] {
		out = intersectSorted(out, l)
		if len(out) == 0 {
			break
		}
	}
	return out
}

// intersectSorted keeps in a (reused) the ids also in b; both ascending.
func intersectSorted(a, b []int32) []int32 {
	out := a[:0]
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) {
			break
		}
		if b[j] == x {
			out = append(out, x)
		}
	}
	return out
}

// Search is SearchPositions over the index: same arguments (without the
// list) and the same result.
func (ix *PositionIndex) Search(q PositionQuery, counts map[string]PositionCounts, eligible func(*Position) bool) PositionPage {
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	hits := ix.filter(q)
	words := strings.Fields(strings.ToLower(q.Keyword))
	if allExact(words) {
		words = nil // the n-gram filter already decided every word
	}
	// The ids that survive every filter, in code order.
	var ids []int32
	for w, word := range hits {
		for word != 0 {
			i := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			p := &ix.list[i]
			if len(words) > 0 && !matchesWords(p, words) {
				continue
			}
			if q.NoApproved && counts[p.Code].Approved > 0 {
				continue
			}
			if q.Eligible && eligible != nil && !eligible(p) {
				continue
			}
			ids = append(ids, int32(i))
		}
	}
	row := func(i int32) PositionRow {
		p := &ix.list[i]
		c := counts[p.Code]
		return PositionRow{Position: p, Counts: c, Competition: Competition(c, p.Quota)}
	}
	page := PositionPage{Total: len(ids), PageSize: q.PageSize}
	page.Pages = (len(ids) + q.PageSize - 1) / q.PageSize
	page.Page = min(q.Page, max(page.Pages, 1))
	start := (page.Page - 1) * q.PageSize
	end := min(start+q.PageSize, len(ids))
	if start >= end {
		return page
	}
	if q.Sort == SortByCompetition || q.Sort == SortByCompetitionAsc {
		// Sorting needs every hit's competition; rows are still built for
		// the page only.
		type ranked struct {
			i    int32
			comp float64
		}
		rs := make([]ranked, len(ids))
		for k, i := range ids {
			rs[k] = ranked{i, Competition(counts[ix.list[i].Code], ix.list[i].Quota)}
		}
		desc := q.Sort == SortByCompetition
		slices.SortStableFunc(rs, func(a, b ranked) int {
			switch {
			case a.comp == b.comp:
				return 0
			case (a.comp > b.comp) == desc:
				return -1
			}
			return 1
		})
		for k := range ids {
			ids[k] = rs[k].i
		}
	}
	page.Rows = make([]PositionRow, 0, end-start)
	for _, i := range ids[start:end] {
		page.Rows = append(page.Rows, row(i))
	}
	return page
}

// allExact reports whether the n-gram filter alone decides every word: a
// word of one or two characters is one gram, looked up exactly, and when
// its characters are ASCII or Han, lower-casing the fields (the index) and
// matchesWords' comparison agree. Longer words need the pairs checked in order.
func allExact(words []string) bool {
	for _, w := range words {
		if utf8.RuneCountInString(w) > 2 {
			return false
		}
		for _, r := range w {
			if r >= utf8.RuneSelf && !unicode.Is(unicode.Han, r) {
				return false
			}
		}
	}
	return true
}

// filter returns the positions passing the indexed filters: 层级, 遴选机关,
// 学历, 政治面貌 and the keywords' n-grams (a superset of the keyword hits).
func (ix *PositionIndex) filter(q PositionQuery) bitset {
	hits := ix.newSet()
	for w := range hits {
		hits[w] = ^uint64(0)
	}
	if r := len(ix.list) % 64; r != 0 {
		hits[len(hits)-1] = 1<<uint(r) - 1
	}
	andKey := func(m map[string]bitset, key string) {
		if b, ok := m[key]; ok {
			hits.and(b)
		} else {
			clear(hits)
		}
	}
	if q.Level != "" {
		andKey(ix.level, q.Level)
	}
	if q.Department != "" {
		andKey(ix.dept, q.Department)
	}
	if q.Education != "" {
		if b, ok := ix.edu[q.Education]; ok {
			hits.and(b)
		} else {
			ix.andFunc(hits, func(p *Position) bool { return educationAccepts(p.Education, EducationRank(q.Education)) })
		}
	}
	if q.Political != "" {
		if b, ok := ix.pol[q.Political]; ok {
			hits.and(b)
		} else {
			ix.andFunc(hits, func(p *Position) bool { return politicalAccepts(p.Political, q.Political) })
		}
	}
	for _, word := range strings.Fields(strings.ToLower(q.Keyword)) {
		keep := ix.newSet()
		for _, i := range ix.candidates(word) {
			keep.set(int(i))
		}
		hits.and(keep)
	}
	return hits
}

// andFunc clears the positions keep refuses (values outside the indexed
// lists, which ParsePositionQuery does not let through).
func (ix *PositionIndex) andFunc(hits bitset, keep func(*Position) bool) {
	for i := range ix.list {
		if hits.has(i) && !keep(&ix.list[i]) {
			hits[i>>6] &^= 1 << (uint(i) & 63)
		}
	}
}
