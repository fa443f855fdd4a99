package domain

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// Rules of the uploaded 报名推荐表: a scan of the stamped form, front and
// back, as one PDF.
const (
	// MaxRecommendationPDF is the largest accepted PDF; the web layer
	// enforces it before reading the body, CheckRecommendationPDF again.
	MaxRecommendationPDF = 5 << 20
	// MinRecommendationPages: the form has a front and a back.
	MinRecommendationPages = 2
)

// Messages of 推荐表 errors.
const (
	MsgPDFEmpty     = "请选择要上传的报名推荐表 PDF 文件"
	MsgPDFTooLarge  = "PDF 文件过大：不能超过 5 MB"
	MsgPDFNotPDF    = "文件不是有效的 PDF"
	MsgPDFCorrupt   = "PDF 文件已损坏或不完整，无法读取，请重新扫描后上传"
	MsgPDFEncrypted = "PDF 文件已加密，请上传未加密的扫描件"
	MsgPDFPages     = "推荐表须包含正反两面（至少 2 页），当前只有 %d 页"
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
	case err != nil:
		return 0, FieldError(RecommendationField, MsgPDFCorrupt)
	case n < MinRecommendationPages:
		return n, FieldError(RecommendationField, fmt.Sprintf(MsgPDFPages, n))
	}
	return n, nil
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
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return 0, errors.Is(err, pdfcpu.ErrWrongPassword), err
	}
	if ctx.XRefTable.Encrypt != nil || ctx.E != nil {
		return 0, true, nil
	}
	// Validation resolves the page tree and every object it references, so
	// a file cut short (pdfcpu rebuilds a missing xref table and would
	// otherwise report the surviving pages) is caught here.
	if err := api.ValidateContext(ctx); err != nil {
		return 0, false, err
	}
	if err := ctx.EnsurePageCount(); err != nil {
		return 0, false, err
	}
	return ctx.PageCount, false, nil
}
