package handlers

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// Rendered fragments of the public position search and counts page, kept
// per (what they were rendered from, normalised query): on the last day the
// same few keywords and pages are asked for thousands of times a minute. A
// key names everything the fragment depends on, each read from the store
// (the catalog version, the exam's level names) or from the counts: a change
// anywhere makes new keys, and the stale entries age out of the LRU. The
// same key, hashed, is the fragment's ETag, so a repeat htmx request is
// answered 304 without rendering or sending anything.

// Fragment cache bounds: a 100-row page renders to ~60 KB, a 20-row one to
// ~12 KB.
const (
	fragmentCacheEntries = 4096
	fragmentCacheBytes   = 32 << 20
)

// fragmentCache is an LRU of rendered fragments bounded in count and bytes.
type fragmentCache struct {
	mu         sync.Mutex
	order      *list.List // of *fragment, most recently used first
	byKey      map[string]*list.Element
	size       int // bytes of every body held
	maxEntries int
	maxBytes   int
}

// fragment is one rendered fragment; body is shared and never changed.
type fragment struct {
	key  string
	body []byte
	etag string
}

func newFragmentCache(maxEntries, maxBytes int) *fragmentCache {
	return &fragmentCache{order: list.New(), byKey: map[string]*list.Element{}, maxEntries: maxEntries, maxBytes: maxBytes}
}

func (fc *fragmentCache) get(key string) (*fragment, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	el, ok := fc.byKey[key]
	if !ok {
		return nil, false
	}
	fc.order.MoveToFront(el)
	return el.Value.(*fragment), true
}

// put keeps f, dropping the least recently used fragments beyond the
// bounds (a body larger than an eighth of the byte bound is not kept).
func (fc *fragmentCache) put(f *fragment) {
	if len(f.body) > fc.maxBytes/8 {
		return
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if el, ok := fc.byKey[f.key]; ok {
		fc.order.MoveToFront(el)
		return
	}
	fc.byKey[f.key] = fc.order.PushFront(f)
	fc.size += len(f.body)
	for fc.order.Len() > fc.maxEntries || fc.size > fc.maxBytes {
		old := fc.order.Remove(fc.order.Back()).(*fragment)
		delete(fc.byKey, old.key)
		fc.size -= len(old.body)
	}
}

// len and bytes report the cache's contents (tests and metrics).
func (fc *fragmentCache) len() (entries, bytes int) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.order.Len(), fc.size
}

// fragmentKey names a fragment by kind, exam and every version it depends
// on, and the normalised query (page and size included). ok is false when
// the catalog version cannot be read: the caller renders uncached.
func (s *Server) fragmentKey(kind string, exam *domain.Exam, q domain.PositionQuery) (string, bool) {
	catalog, err := s.store.CatalogVersion(exam.ID)
	if err != nil {
		return "", false
	}
	var k cacheKey
	k.add(kind, exam.ID, catalog, strconv.FormatUint(s.store.CountsVersion(exam.ID), 36),
		strconv.Itoa(q.Page), strconv.Itoa(q.PageSize))
	// What the fragments show of the exam itself: its levels' names.
	k.addLevels(exam.Levels)
	k.addPairs(q.Values())
	return k.String(), true
}

// cacheKey joins the parts a cached rendering depends on, each ended by a
// NUL (which no part holds).
type cacheKey struct{ strings.Builder }

func (k *cacheKey) add(parts ...string) {
	for _, p := range parts {
		k.WriteString(p)
		k.WriteByte(0)
	}
}

// addPairs adds name=value pairs (a query's values, hidden fields).
func (k *cacheKey) addPairs(pairs [][2]string) {
	for _, kv := range pairs {
		k.add(kv[0] + "=" + kv[1])
	}
}

// addLevels adds the levels' codes and names.
func (k *cacheKey) addLevels(levels []domain.Level) {
	for _, l := range levels {
		k.add(l.Code + "=" + l.Name)
	}
}

// cachedFragment returns the fragment for key, rendering and keeping it on
// a miss.
func (s *Server) cachedFragment(ctx context.Context, key string, render func() templ.Component) (*fragment, error) {
	if f, ok := s.fragments.get(key); ok {
		return f, nil
	}
	var buf strings.Builder
	if err := render().Render(ctx, &buf); err != nil {
		return nil, err
	}
	f := &fragment{key: key, body: []byte(buf.String()), etag: etagOf(key)}
	s.fragments.put(f)
	return f, nil
}

// notModified answers 304 when an htmx request already holds the fragment
// key names (If-None-Match carries its ETag).
func (s *Server) notModified(c *fiber.Ctx, key string) bool {
	inm := c.Get(fiber.HeaderIfNoneMatch)
	if inm == "" {
		return false
	}
	etag := etagOf(key)
	for _, t := range strings.Split(inm, ",") {
		if strings.TrimSpace(t) == etag {
			fragmentHeaders(c, etag)
			c.Status(fiber.StatusNotModified)
			return true
		}
	}
	return false
}

// etagOf is the ETag of the fragment key names: the key holds every
// version the fragment depends on, so its hash names the content.
func etagOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// fragmentHeaders let the browser keep a public fragment and ask again
// with If-None-Match every time (no-cache: it is never shown unchecked).
func fragmentHeaders(c *fiber.Ctx, etag string) {
	c.Vary("HX-Request")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Response().Header.Del(fiber.HeaderPragma)
	c.Set(fiber.HeaderETag, etag)
}

// sendFragment sends a cached fragment as an htmx response.
func sendFragment(c *fiber.Ctx, status int, f *fragment) error {
	fragmentHeaders(c, f.etag)
	c.Status(status)
	c.Type("html", "utf-8")
	return c.Send(f.body)
}

// rawHTML renders already rendered (and escaped) HTML into a page.
type rawHTML []byte

// Render writes the bytes.
func (h rawHTML) Render(_ context.Context, w io.Writer) error {
	_, err := w.Write(h)
	return err
}

// searchForm is the position search form of exam: rendered once per
// (catalog version, the exam's level names, everything the form shows) and
// kept with the fragments, since its 遴选机关 list of a few hundred options
// cost half of a full 报名人数统计 page. A form showing field errors is
// rendered as it is. It fills in the 遴选机关 itself, after reading the
// catalog version, so what it keeps is at least as new as its key.
// The work happens when the page renders it, so an htmx request, which
// gets the results alone, does none.
func (s *Server) searchForm(exam *domain.Exam, p views.PositionSearchFormProps) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return s.renderedSearchForm(ctx, exam, p).Render(ctx, w)
	})
}

func (s *Server) renderedSearchForm(ctx context.Context, exam *domain.Exam, p views.PositionSearchFormProps) templ.Component {
	catalog, verr := s.store.CatalogVersion(exam.ID)
	p.Departments = s.store.PositionDepartments(exam.ID)
	form := views.PositionSearchForm(p)
	if len(p.Fields) > 0 || verr != nil {
		return form
	}
	var k cacheKey
	k.add("form", exam.ID, catalog, p.Action, p.Target, p.KeywordLabel,
		strconv.FormatBool(p.CanFilterEligible), strconv.FormatBool(p.ShowNoApproved), strconv.FormatBool(p.Staff))
	k.addPairs(p.Hidden)
	k.add("levels")
	k.addLevels(p.Levels)
	k.add("query")
	k.addPairs(p.Query.Values())
	f, err := s.cachedFragment(ctx, k.String(), func() templ.Component { return form })
	if err != nil {
		return form
	}
	return rawHTML(f.body)
}

// maxRowCells bounds the rendered result cells kept (≈ 1 KB each with the
// position they were rendered from): every position of a large exam.
const maxRowCells = 16_384

// rowCellCache keeps each position's rendered PositionCells with exactly
// what they were rendered from (the position, its level's name, its detail
// link): an entry is used only while those are equal, so an edit anywhere
// shows at once and no version is needed. It serves every results page,
// cached fragment or not (an uncached keyword search renders up to 100 rows).
type rowCellCache struct {
	mu sync.RWMutex
	m  map[string]renderedCells // by exam and 职位代码
}

type renderedCells struct {
	pos       domain.Position
	level     string
	detailURL string
	html      rawHTML
}

// cells returns the position's PositionCells, rendered once per content.
func (rc *rowCellCache) cells(ctx context.Context, pos *domain.Position, level, detailURL string) templ.Component {
	key := pos.ExamID + "/" + pos.Code
	rc.mu.RLock()
	e, ok := rc.m[key]
	rc.mu.RUnlock()
	if ok && e.pos == *pos && e.level == level && e.detailURL == detailURL {
		return e.html
	}
	var buf strings.Builder
	if err := views.PositionCells(pos, level, detailURL).Render(ctx, &buf); err != nil {
		return views.PositionCells(pos, level, detailURL)
	}
	e = renderedCells{pos: *pos, level: level, detailURL: detailURL, html: rawHTML(buf.String())}
	rc.mu.Lock()
	if rc.m == nil || len(rc.m) >= maxRowCells {
		rc.m = map[string]renderedCells{} // start over: the hot rows come back first
	}
	rc.m[key] = e
	rc.mu.Unlock()
	return e.html
}

// positionCells is PositionResultsProps.Cells over the row cache for
// results showing levels and linking 职位名称 with detailURL (nil: unlinked).
func (s *Server) positionCells(ctx context.Context, levels map[string]string, detailURL func(*domain.Position) string) func(*domain.Position) templ.Component {
	return func(pos *domain.Position) templ.Component {
		link := ""
		if detailURL != nil {
			link = detailURL(pos)
		}
		return s.rowCells.cells(ctx, pos, views.LevelName(levels, pos.LevelCode), link)
	}
}
