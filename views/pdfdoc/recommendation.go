// Package pdfdoc draws the printable documents of examreg (报名推荐表,
// later 准考证) with fpdf and the embedded CJK font. Documents are built
// from data only: the candidate cannot edit them, which is the point of
// generating the 推荐表 instead of accepting a hand-filled one.
package pdfdoc

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"

	"examreg/domain"
	"examreg/static/fonts"
)

// RecommendationData is what the 报名推荐表 shows. Name, Sex, BirthDate and
// IDNumber come from the candidate's domain.Account (IDNumber is its
// LoginName); the rest from the application, its position and exam.
type RecommendationData struct {
	ExamName  string
	Name      string // 姓名
	Sex       string // 性别
	BirthDate string // YYYY-MM-DD
	IDNumber  string // 身份证号, printed in full: the form goes to the candidate's own employer
	Form      domain.ApplicationForm
	Position  domain.Position
	LevelName string // 报考层级
	// Photo is the normalised photo (domain.CheckPhotoStored); empty
	// prints a "贴照片处" box instead.
	Photo         []byte
	ApplicationID string    // printed in the footer so a scan can be matched to its record
	GeneratedAt   time.Time // printed in Asia/Shanghai
}

// Page geometry in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 15.0
	marginTop    = 14.0
	footerSpace  = 16.0 // reserved at the bottom for the footer
	tableW       = pageW - 2*marginX
	contentBot   = pageH - footerSpace
	fontName     = "wqy"
	bodySize     = 10.0 // pt
	lineH        = 4.6  // mm per text line at bodySize
	pad          = 1.5  // mm between a cell border and its text
	labelW       = 22.0 // the left label column: 5 characters a line
	photoW       = 32.0
	fixedRowMinH = 9.0
)

// RecommendationPDF draws the 报名推荐表: the candidate's data, position,
// 简历, family and a photo on the first page(s); the boxes for the
// employer's and appointing organ's opinion and stamp, and the candidate's
// signed declaration, on a page of their own (the back when printed
// duplex). Long text wraps and continues on a new page, never overflowing.
func RecommendationPDF(d RecommendationData) ([]byte, error) {
	if len(d.Photo) > 0 {
		if err := domain.CheckPhotoStored(d.Photo); err != nil {
			return nil, fmt.Errorf("recommendation pdf: photo: %w", err)
		}
	}
	f := newForm()
	pdf := f.pdf
	// Fixed dates and sorted catalog make the output a function of d only,
	// so tests and re-downloads compare equal.
	pdf.SetCreationDate(d.GeneratedAt)
	pdf.SetModificationDate(d.GeneratedAt)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(d.ExamName+" 报名推荐表", true)
	pdf.SetCreator("examreg", true)
	pdf.AliasNbPages("{nb}")

	generated := d.GeneratedAt.In(domain.Shanghai).Format("2006-01-02 15:04:05")
	pdf.SetFooterFunc(func() {
		pdf.SetFont(fontName, "", 8)
		pdf.SetXY(marginX, pageH-footerSpace+5)
		pdf.CellFormat(tableW, 4, clean(fmt.Sprintf("报名序号：%s　　生成时间：%s（北京时间）　　第 %d 页 共 {nb} 页",
			d.ApplicationID, generated, pdf.PageNo())), "", 0, "C", false, 0, "")
		pdf.SetXY(marginX, pageH-footerSpace+9)
		pdf.CellFormat(tableW, 4, "本表由报名系统根据考生填报信息生成，涂改无效。", "", 0, "C", false, 0, "")
	})

	if len(d.Photo) > 0 {
		pdf.RegisterImageOptionsReader("photo", fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(d.Photo))
	}

	f.newPage()
	f.title(d.ExamName + " 报名推荐表")
	f.front(d)
	f.newPage()
	f.back()

	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("recommendation pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("recommendation pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// form is the layout state: the fpdf document, the pen's y and a width
// cache (GetStringWidth per rune is the hot spot of wrapping).
type form struct {
	pdf    *fpdf.Fpdf
	y      float64
	widths map[rune]float64 // width of a rune at bodySize, mm
}

// newForm sets up an A4 document with the embedded CJK font.
func newForm() *form { return newFormWith(fonts.CJK) }

// newFormWith sets up an A4 document with the given TrueType font (the
// full CJK font or the ticket's prepared cut of it, ticketfont.go).
func newFormWith(font []byte) *form {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontName, "", font)
	pdf.SetMargins(marginX, marginTop, marginX)
	// Page breaks are placed by the layout code, which knows row heights;
	// fpdf's automatic break would split a bordered row in two.
	pdf.SetAutoPageBreak(false, footerSpace)
	pdf.SetCellMargin(0)
	pdf.SetLineWidth(0.3)
	pdf.SetFont(fontName, "", bodySize)
	return &form{pdf: pdf, widths: map[rune]float64{}}
}

func (f *form) newPage() {
	f.pdf.AddPage()
	f.pdf.SetFont(fontName, "", bodySize)
	f.y = marginTop
}

func (f *form) title(s string) {
	f.pdf.SetFont(fontName, "", 16)
	lines := f.wrapAt(clean(s), tableW, 16)
	for _, l := range lines {
		f.pdf.SetXY(marginX, f.y)
		f.pdf.CellFormat(tableW, 7.5, l, "", 0, "C", false, 0, "")
		f.y += 7.5
	}
	f.y += 3
	f.pdf.SetFont(fontName, "", bodySize)
}

// cell is one box of a table row.
type cell struct {
	w     float64
	text  string
	align string // "C" (default) or "L"
}

func lbl(w float64, s string) cell { return cell{w: w, text: s} }
func val(w float64, s string) cell { return cell{w: w, text: s} }
func txt(w float64, s string) cell { return cell{w: w, text: s, align: "L"} }

// rowHeight is the height the cells need at bodySize, at least minH.
func (f *form) rowHeight(minH float64, cells []cell) float64 {
	h := minH
	for _, c := range cells {
		n := len(f.wrap(c.text, c.w-2*pad))
		h = max(h, float64(n)*lineH+2*pad)
	}
	return h
}

// row draws cells side by side from x, breaking the page first when the
// row would cross the footer. It returns the height used.
func (f *form) row(x, minH float64, cells ...cell) float64 {
	h := f.rowHeight(minH, cells)
	if f.y+h > contentBot {
		f.newPage()
	}
	for _, c := range cells {
		f.box(x, f.y, c.w, h, f.wrap(c.text, c.w-2*pad), c.align)
		x += c.w
	}
	f.y += h
	return h
}

// box draws a bordered rectangle with lines of text centred vertically.
func (f *form) box(x, y, w, h float64, lines []string, align string) {
	if align == "" {
		align = "C"
	}
	f.pdf.Rect(x, y, w, h, "D")
	ty := y + (h-float64(len(lines))*lineH)/2
	if align == "LT" {
		ty = y + pad // long text reads from the top, like a handwritten form
		align = "L"
	}
	for i, l := range lines {
		f.pdf.SetXY(x+pad, ty+float64(i)*lineH)
		f.pdf.CellFormat(w-2*pad, lineH, l, "", 0, align, false, 0, "")
	}
}

// front draws the data part of the form.
func (f *form) front(d RecommendationData) {
	fm := d.Form
	x := float64(marginX)
	// Rows beside the photo: three label/value pairs in tableW-photoW.
	const lw, vw1, vw2 = 20.0, 30.0, 29.0
	top := f.y
	beside := [][]cell{
		{lbl(lw, "姓名"), val(vw1, d.Name), lbl(lw, "性别"), val(vw2, d.Sex), lbl(lw, "出生年月"), val(vw2, yearMonth(d.BirthDate))},
		{lbl(lw, "民族"), val(vw1, fm.Ethnicity), lbl(lw, "籍贯"), val(vw2, fm.NativePlace), lbl(lw, "出生地"), val(vw2, fm.BirthPlace)},
		{lbl(lw, "政治面貌"), val(vw1, fm.Political), lbl(lw, "入党时间"), val(vw2, yearMonth(fm.PartyJoinDate)), lbl(lw, "健康状况"), val(vw2, fm.Health)},
		{lbl(lw, "参加工作时间"), val(vw1, yearMonth(fm.WorkStartDate)), lbl(lw, "公务员登记时间"), val(vw2, yearMonth(fm.CivilServantDate)),
			lbl(lw, "基层工作经历年限"), val(vw2, fmt.Sprintf("%d 年", fm.GrassrootsYears))},
	}
	for _, r := range beside {
		f.row(x, 10, r...)
	}
	f.photo(x+tableW-photoW, top, photoW, f.y-top, d.Photo)

	f.row(x, fixedRowMinH, lbl(labelW, "身份证号"), val((tableW-2*labelW)/2, d.IDNumber), lbl(labelW, "联系电话"), val((tableW-2*labelW)/2, fm.Phone))
	f.row(x, fixedRowMinH, lbl(labelW, "现工作单位及职务"), txt(tableW-labelW, fm.Employer))
	rank := fm.Rank
	if fm.RankDate != "" {
		rank += "（" + yearMonth(fm.RankDate) + " 任现职级）"
	}
	f.row(x, fixedRowMinH, lbl(labelW, "现职级及任职时间"), txt(tableW-labelW, rank))

	// 学历学位: the left label spans both rows, as on the 干部任免审批表.
	edu := func(kind, education, degree, school, major, grad string) []cell {
		ed := strings.TrimSpace(education + " " + degree)
		sc := strings.TrimSpace(school + " " + major)
		if grad != "" {
			sc += "（" + yearMonth(grad) + " 毕业）"
		}
		return []cell{lbl(22, kind), val(40, ed), lbl(22, "毕业院校及专业"), txt(tableW-labelW-84, sc)}
	}
	f.spanned(x, "学历学位", fixedRowMinH,
		edu("全日制教育", fm.FullTimeEducation, fm.FullTimeDegree, fm.FullTimeSchool, fm.FullTimeMajor, fm.FullTimeGradDate),
		edu("在职教育", fm.PartTimeEducation, fm.PartTimeDegree, fm.PartTimeSchool, fm.PartTimeMajor, ""))

	// Fields of domain.FormFields this layout does not place (a field added
	// to the form later) follow as label/value rows, so nothing typed is
	// missing from the 推荐表.
	for _, fd := range domain.FormFields {
		if placedFields[fd.Name] {
			continue
		}
		v := fm.Value(fd.Name)
		if fd.Unit != "" && v != "" {
			v += " " + fd.Unit
		}
		f.row(x, fixedRowMinH, lbl(labelW, fd.Label), txt(tableW-labelW, v))
	}

	p := d.Position
	f.spanned(x, "报考职位", fixedRowMinH,
		[]cell{lbl(20, "报考层级"), val(50, d.LevelName), lbl(20, "职位代码"), val(tableW-labelW-90, p.Code)},
		[]cell{lbl(20, "遴选机关"), val(50, p.Department), lbl(20, "职位名称"), val(tableW-labelW-90, p.Title)})

	f.textBlock(x, "个人简历", fm.Resume, 40)
	f.textBlock(x, "奖惩情况", fm.Rewards, 14)
	f.textBlock(x, "近三年年度考核结果", fm.Appraisals, 10)
	f.family(x, fm.Family)
}

// Placed reports whether the official table has a place of its own for
// the 填报信息 field name; the others follow as rows of their own (in the
// PDF and on the printable page alike).
func Placed(name string) bool { return placedFields[name] }

// The fixed texts of the official table, shared with the printable page.
const (
	EmployerOpinionNote = "（对考生政治素质、工作实绩、廉洁自律及是否符合报考条件等情况的意见）"
	Declaration         = "本人承诺：以上填写的信息及提交的材料真实、准确、完整，符合报考条件。如有弄虚作假或不符合报考条件的情况，本人自愿承担取消遴选资格等一切后果。"
)

// placedFields are the 填报信息 fields front draws in their places on the
// official table.
var placedFields = map[string]bool{
	"ethnicity": true, "native_place": true, "birth_place": true, "political": true, "party_join_date": true,
	"health": true, "work_start_date": true, "civil_servant_date": true, "grassroots_years": true, "phone": true,
	"employer": true, "rank": true, "rank_date": true,
	"ft_education": true, "ft_degree": true, "ft_school": true, "ft_major": true, "ft_grad_date": true,
	"pt_education": true, "pt_degree": true, "pt_school": true, "pt_major": true,
	"resume": true, "rewards": true, "appraisals": true, "family": true,
	// 通讯地址 is not on the official table: the employer forwards the form.
	"address": true,
}

// spanned draws rows that share one left label cell (labelW wide).
func (f *form) spanned(x float64, label string, minH float64, rows ...[]cell) {
	total := 0.0
	for _, r := range rows {
		total += f.rowHeight(minH, r)
	}
	if f.y+total > contentBot {
		f.newPage()
	}
	top := f.y
	for _, r := range rows {
		f.row(x+labelW, minH, r...)
	}
	f.box(x, top, labelW, f.y-top, f.wrap(label, labelW-2*pad), "C")
}

// textBlock draws a labelled box of free text at least minH tall. Text
// that does not fit on the page continues in a box on the next page with
// the label marked （续）.
func (f *form) textBlock(x float64, label, text string, minH float64) {
	lines := f.wrapHanging(text, tableW-labelW-2*pad)
	first := true
	for first || len(lines) > 0 {
		l := label
		if !first {
			l += "\n（续）"
		}
		avail := contentBot - f.y
		need := max(minH, float64(len(lines))*lineH+2*pad)
		// Fewer than three lines of room: start the block on a new page
		// rather than leave a stub box at the bottom.
		if need > avail && avail < 3*lineH+2*pad {
			f.newPage()
			avail = contentBot - f.y
		}
		n := len(lines)
		if need > avail {
			n = int((avail - 2*pad) / lineH)
			need = avail
		}
		f.box(x, f.y, labelW, need, f.wrap(l, labelW-2*pad), "C")
		f.box(x+labelW, f.y, tableW-labelW, need, lines[:n], "LT")
		f.y += need
		lines = lines[n:]
		first = false
		if len(lines) > 0 {
			f.newPage()
		}
	}
}

// family draws the 家庭主要成员及重要社会关系 sub-table, with at least
// five rows so blank lines remain for hand additions, as on paper forms.
func (f *form) family(x float64, members []domain.FamilyMember) {
	const label = "家庭主要成员及重要社会关系"
	widths := []float64{18, 22, 20, 22, tableW - labelW - 82}
	header := []cell{lbl(widths[0], "称谓"), lbl(widths[1], "姓名"), lbl(widths[2], "出生年月"), lbl(widths[3], "政治面貌"), lbl(widths[4], "工作单位及职务")}
	rows := make([][]cell, max(5, len(members)))
	for i := range rows {
		var m domain.FamilyMember
		if i < len(members) {
			m = members[i]
		}
		rows[i] = []cell{val(widths[0], m.Relation), val(widths[1], m.Name), val(widths[2], yearMonth(m.BirthMonth)), val(widths[3], m.Political), txt(widths[4], m.Work)}
	}
	const minH = 7.0
	hh := f.rowHeight(minH, header)
	// Keep the header with at least two rows.
	if f.y+hh+2*f.rowHeight(minH, rows[0]) > contentBot {
		f.newPage()
	}
	top := f.y
	f.row(x+labelW, minH, header...)
	for _, r := range rows {
		h := f.rowHeight(minH, r)
		if f.y+h > contentBot {
			f.box(x, top, labelW, f.y-top, f.wrap(label, labelW-2*pad), "C")
			f.newPage()
			top = f.y
			f.row(x+labelW, minH, header...)
		}
		f.row(x+labelW, minH, r...)
	}
	f.box(x, top, labelW, f.y-top, f.wrap(label, labelW-2*pad), "C")
}

// photo draws the photo cell: the picture at 5:7 centred in it, or an
// empty "贴照片处" box when there is none.
func (f *form) photo(x, y, w, h float64, photo []byte) {
	f.pdf.Rect(x, y, w, h, "D")
	iw := w - 2*2.5
	ih := iw * 7 / 5
	if ih > h-2*2.5 {
		ih = h - 2*2.5
		iw = ih * 5 / 7
	}
	ix, iy := x+(w-iw)/2, y+(h-ih)/2
	if len(photo) == 0 {
		f.box(x, y, w, h, []string{"贴照片处"}, "C")
		return
	}
	f.pdf.ImageOptions("photo", ix, iy, iw, ih, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
}

// back draws the opinions and the declaration on their own page.
func (f *form) back() {
	x := float64(marginX)
	f.pdf.SetFont(fontName, "", 13)
	f.pdf.SetXY(x, f.y)
	f.pdf.CellFormat(tableW, 8, "审核意见", "", 0, "C", false, 0, "")
	f.y += 11
	f.pdf.SetFont(fontName, "", bodySize)

	opinion := func(label, note string, h float64) {
		f.box(x, f.y, labelW, h, f.wrap(label, 5), "C")
		f.pdf.Rect(x+labelW, f.y, tableW-labelW, h, "D")
		if note != "" {
			f.pdf.SetXY(x+labelW+4, f.y+4)
			f.pdf.SetFont(fontName, "", 8.5)
			f.pdf.MultiCell(tableW-labelW-8, 4.2, note, "", "L", false)
			f.pdf.SetFont(fontName, "", bodySize)
		}
		// Stamp and date sit bottom right, where the organ signs.
		right := x + tableW - 8
		f.pdf.SetXY(right-60, f.y+h-24)
		f.pdf.CellFormat(60, 6, "（盖章）", "", 0, "C", false, 0, "")
		f.pdf.SetXY(right-60, f.y+h-13)
		f.pdf.CellFormat(60, 6, "年　　　月　　　日", "", 0, "C", false, 0, "")
		f.y += h
	}
	opinion("所在单位意见", EmployerOpinionNote, 95)
	opinion("任免机关意见", "", 90)

	h := 44.0
	f.box(x, f.y, labelW, h, f.wrap("本人声明", 5), "C")
	f.pdf.Rect(x+labelW, f.y, tableW-labelW, h, "D")
	f.pdf.SetXY(x+labelW+4, f.y+5)
	f.pdf.MultiCell(tableW-labelW-8, lineH+0.6, Declaration, "", "L", false)
	f.pdf.SetXY(x+tableW-118, f.y+h-12)
	f.pdf.CellFormat(110, 6, "本人签名：　　　　　　　　　　年　　　月　　　日", "", 0, "R", false, 0, "")
	f.y += h
}

// wrap breaks s into lines no wider than w mm at bodySize.
func (f *form) wrap(s string, w float64) []string { return f.wrapAt(clean(s), w, bodySize) }

// resumeDates matches the period that starts a 简历 line, such as
// "2008.07—2010.12　" or "2019.12—　".
var resumeDates = regexp.MustCompile(`^\d{4}[.\-/]\d{1,2}\s*[—–\-~～至]+\s*(\d{4}[.\-/]\d{1,2})?[\s　]*`)

// wrapHanging wraps like wrap, but a paragraph that starts with a period
// ("2008.07—2010.12　…", as 简历 lines do) continues under its text, not
// under the dates, the way 简历 are laid out on cadre forms.
func (f *form) wrapHanging(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(clean(s), "\n") {
		prefix := resumeDates.FindString(para)
		indent := 0.0
		for _, r := range prefix {
			indent += f.runeWidth(r)
		}
		if prefix == "" || indent > w/2 {
			out = append(out, f.wrapAt(para, w, bodySize)...)
			continue
		}
		// Indent with ideographic spaces: whole glyphs, so the PDF text
		// stays plain characters; the rest of the text is wrapped to the
		// narrower width.
		pad := strings.Repeat("　", int(indent/f.runeWidth('　')+0.5))
		first := f.wrapAt(para, w, bodySize)[0]
		out = append(out, first)
		rest := strings.TrimLeftFunc(strings.TrimPrefix(para, first), unicode.IsSpace)
		for _, l := range f.wrapAt(rest, w-indent, bodySize) {
			out = append(out, pad+l)
		}
	}
	return out
}

// wrapAt breaks s into lines no wider than w mm at size pt. fpdf's own
// SplitText drops the character at a break between two Chinese characters
// (it treats each as a separator like a space), so wrapping is done here:
// break anywhere in CJK text, at spaces in Latin words, keep closing
// punctuation off the start of a line (避头尾), honour newlines.
func (f *form) wrapAt(s string, w float64, size float64) []string {
	if s == "" {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		rs := []rune(para)
		for len(rs) > 0 {
			n, width := 0, 0.0
			for n < len(rs) {
				cw := f.runeWidth(rs[n]) * size / bodySize
				if width+cw > w && n > 0 {
					break
				}
				width += cw
				n++
			}
			if n < len(rs) {
				n = breakPoint(rs, n)
			}
			lines = append(lines, strings.TrimRightFunc(string(rs[:n]), unicode.IsSpace))
			rs = rs[n:]
			for len(rs) > 0 && rs[0] == ' ' {
				rs = rs[1:]
			}
		}
		if len(rs) == 0 && len(para) == 0 {
			lines = append(lines, "")
		}
	}
	return lines
}

// breakPoint moves a line break at n (the first rune that did not fit)
// back to a better place: before the last space when breaking inside a
// Latin word or number, and never before closing punctuation.
func breakPoint(rs []rune, n int) int {
	if isWordRune(rs[n]) && isWordRune(rs[n-1]) {
		for i := n - 1; i > 0; i-- {
			if rs[i] == ' ' {
				return i + 1
			}
			if !isWordRune(rs[i-1]) { // CJK before the word: break there
				return i
			}
		}
		return n // one long word: cut it
	}
	for n > 1 && strings.ContainsRune("，。、；：？！）》」』”’,.;:?!)%", rs[n]) {
		n--
	}
	return n
}

func isWordRune(r rune) bool { return r < 0x2E80 && !unicode.IsSpace(r) }

func (f *form) runeWidth(r rune) float64 {
	if w, ok := f.widths[r]; ok {
		return w
	}
	pt, _ := f.pdf.GetFontSize()
	w := f.pdf.GetStringWidth(string(r)) * bodySize / pt
	f.widths[r] = w
	return w
}

// clean makes user text safe to draw: CRLF to LF, tabs to spaces, other
// control characters dropped, and characters outside the Basic
// Multilingual Plane (which fpdf's width table does not cover) replaced by
// a visible box so the reviewer sees something is there.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r > 0xFFFF || r == unicode.ReplacementChar:
			return '□'
		}
		return r
	}, strings.TrimSpace(s))
}

// YearMonth shows a YYYY-MM-DD or YYYY-MM date as YYYY.MM, the usual form
// on cadre forms; anything else is shown as typed.
func YearMonth(s string) string { return yearMonth(s) }

func yearMonth(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 7 && s[4] == '-' {
		return s[:4] + "." + s[5:7]
	}
	return s
}
