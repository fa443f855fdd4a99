package domain

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Rules of the uploaded 报名推荐表: a scan of the stamped form, front and
// back, as one PDF.
const (
	// MaxRecommendationPDF is the largest accepted PDF; the web layer
	// enforces it before reading the body, CheckRecommendationPDF again.
	MaxRecommendationPDF = 5 << 20
	// MinRecommendationPages: the form has a front and a back.
	MinRecommendationPages = 2
	// MaxRecommendationPages: the form has 2–4 pages; a few more leave room
	// for an attached page, anything beyond is not a 推荐表 (and a huge page
	// tree is a way to make every check slow).
	MaxRecommendationPages = 10
)

// Work bounds of one PDF check, so that any upload up to
// MaxRecommendationPDF costs a bounded amount of memory and time.
const (
	// maxPDFDecodeBytes caps what any one stream may inflate to. A
	// scanner's pages are JPEG (kept encoded); object streams, content
	// streams and metadata of a real 推荐表 are a few hundred KB.
	maxPDFDecodeBytes = 8 << 20
	// maxPDFObjects caps the object count a cross-reference may declare.
	maxPDFObjects = 50_000
	// maxPageTreeNodes caps the page-tree nodes (pages and their parents)
	// the check visits before validation walks the tree.
	maxPageTreeNodes = 64
)

// Messages of 推荐表 errors.
const (
	MsgPDFEmpty     = "请选择要上传的报名推荐表 PDF 文件"
	MsgPDFTooLarge  = "PDF 文件过大：不能超过 5 MB"
	MsgPDFNotPDF    = "文件不是有效的 PDF"
	MsgPDFCorrupt   = "PDF 文件已损坏或不完整，无法读取，请重新扫描后上传"
	MsgPDFEncrypted = "PDF 文件已加密，请上传未加密的扫描件"
	MsgPDFPages     = "推荐表须包含正反两面（至少 2 页），当前只有 %d 页"
	MsgPDFTooMany   = "推荐表最多 10 页（通常为 2–4 页），该文件页数过多，请只上传盖章后的推荐表扫描件"
)

// RecommendationField is the form field name 推荐表 errors are reported on.
const RecommendationField = "recommendation"

func init() {
	// Without this, pdfcpu's NewDefaultConfiguration creates
	// ~/.config/pdfcpu (config.yml, fonts, certificates) on first use: a
	// server must not write to its user's home, and may have none. With the
	// config dir disabled pdfcpu uses its built-in defaults; we need no user
	// fonts for reading. pdfcpu's loggers are nil by default, so it stays quiet.
	api.DisableConfigDir()
}

// CheckRecommendationPDF checks an uploaded 报名推荐表 by its content and
// returns its page count: a readable, unencrypted PDF of at least
// MinRecommendationPages pages, at most MaxRecommendationPDF bytes.
func CheckRecommendationPDF(data []byte) (pages int, err error) {
	if len(data) == 0 {
		return 0, FieldError(RecommendationField, MsgPDFEmpty)
	}
	if len(data) > MaxRecommendationPDF {
		return 0, &Error{Code: ETOOLARGE, Message: MsgPDFTooLarge, Fields: FieldErrors{RecommendationField: MsgPDFTooLarge}}
	}
	// The header may follow a little junk in the wild, but a scanner's
	// output starts with it; requiring it at 0 also refuses renamed images
	// before the parser sees them.
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return 0, FieldError(RecommendationField, MsgPDFNotPDF)
	}
	n, encrypted, err := pdfPageCount(data)
	switch {
	case encrypted:
		return 0, FieldError(RecommendationField, MsgPDFEncrypted)
	case errors.Is(err, errTooManyPages):
		return 0, FieldError(RecommendationField, MsgPDFTooMany)
	case err != nil:
		return 0, FieldError(RecommendationField, MsgPDFCorrupt)
	case n < MinRecommendationPages:
		return n, FieldError(RecommendationField, fmt.Sprintf(MsgPDFPages, n))
	}
	return n, nil
}

// errTooManyPages: the page tree is larger than a 推荐表 can be.
var errTooManyPages = errors.New("too many pages")

// pdfLimits are pdfcpu's resource limits for a 推荐表, far below its
// defaults (512 MB per stream, ten million objects).
func pdfLimits() model.ResourceLimits {
	l := model.DefaultResourceLimits()
	l.MaxStreamBytes = MaxRecommendationPDF
	l.MaxDecodeBytes = maxPDFDecodeBytes
	l.MaxImageBytes = maxPDFDecodeBytes
	l.MaxObjectCount = maxPDFObjects
	l.MaxObjectStreamCount = maxPDFObjects
	l.MaxObjectStreamFirst = 1 << 20
	l.MaxXRefEntries = maxPDFObjects
	l.MaxRecursionDepth = 32
	return l
}

// pdfPageCount parses and validates data with pdfcpu. encrypted is true
// for any encrypted PDF, including those pdfcpu can open with the empty
// user password: reviewers' viewers and later processing may still choke
// on them, and an encrypted scan is never what the form asks for.
func pdfPageCount(data []byte) (n int, encrypted bool, err error) {
	defer func() {
		// pdfcpu recovers its own faults in ReadContext but not everywhere;
		// hostile input must never take the server down.
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("pdfcpu panic: %v", r)
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.Limits = pdfLimits()
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return 0, errors.Is(err, pdfcpu.ErrWrongPassword), err
	}
	if ctx.XRefTable.Encrypt != nil || ctx.E != nil {
		return 0, true, nil
	}
	// Walk the page tree ourselves with a node budget first: validation
	// would visit every entry of a 600,000-page tree.
	n, err = boundedPageCount(ctx.XRefTable)
	if err != nil {
		return 0, false, err
	}
	// Validation decodes the catalog's XMP metadata with pdfcpu's default
	// 512 MB cap, not the configured one: decode it first under ours (a
	// decoded stream is kept and not decoded again).
	if err := predecodeMetadata(ctx.XRefTable); err != nil {
		return 0, false, err
	}
	// Validation resolves the page tree and every object it references, so
	// a file cut short (pdfcpu rebuilds a missing xref table and would
	// otherwise report the surviving pages) is caught here.
	if err := api.ValidateContext(ctx); err != nil {
		return 0, false, err
	}
	return n, false, nil
}

// boundedPageCount counts the leaves of the page tree, visiting at most
// maxPageTreeNodes nodes and refusing (errTooManyPages) a tree that
// declares or holds more than MaxRecommendationPages pages.
func boundedPageCount(xt *model.XRefTable) (int, error) {
	root, err := xt.Pages()
	if err != nil {
		return 0, err
	}
	budget, pages := maxPageTreeNodes, 0
	var walk func(o types.Object, depth int) error
	walk = func(o types.Object, depth int) error {
		if budget--; budget < 0 || depth > 16 {
			return errTooManyPages
		}
		d, err := xt.DereferenceDict(o)
		if err != nil {
			return err
		}
		if d == nil {
			return errors.New("page tree: missing node")
		}
		if t := d.Type(); t != nil && *t == "Page" {
			if pages++; pages > MaxRecommendationPages {
				return errTooManyPages
			}
			return nil
		}
		if c := d.IntEntry("Count"); c != nil && *c > MaxRecommendationPages {
			return errTooManyPages
		}
		kids, err := xt.DereferenceArray(d["Kids"])
		if err != nil {
			return err
		}
		if len(kids) > budget {
			return errTooManyPages
		}
		for _, k := range kids {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(*root, 0); err != nil {
		return 0, err
	}
	return pages, nil
}

// predecodeMetadata decodes the catalog's /Metadata stream, if any, under
// maxPDFDecodeBytes.
func predecodeMetadata(xt *model.XRefTable) error {
	cat, err := xt.Catalog()
	if err != nil {
		return err
	}
	o, ok := cat.Find("Metadata")
	if !ok {
		return nil
	}
	sd, _, err := xt.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return err
	}
	err = sd.DecodeWithLimit(maxPDFDecodeBytes)
	if errors.Is(err, filter.ErrUnsupportedFilter) {
		return nil // validation skips it too
	}
	return err
}
