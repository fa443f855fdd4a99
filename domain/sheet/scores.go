package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"examreg/domain"
)

// ScoreLimits suit a score file of up to 200,000 candidates (.xlsx or .csv).
var ScoreLimits = Limits{
	MaxFileSize: 20 << 20,
	MaxUnzipped: 150 << 20,
	MaxRatio:    200,
	MaxParts:    500,
	MaxRows:     200010,
	MaxCols:     32,
	MaxCellLen:  200,
	RawValues:   true,
}

// MaxScoreProblems bounds the problems listed for one file: a wrong file
// of 100,000 rows must not make a page of 100,000 lines.
const MaxScoreProblems = 300

// ScoreTicket is what one 准考证号 of the exam stands for.
type ScoreTicket = domain.TicketHolder

// ScoreFile is a decoded score file: the rows (meaningful only when
// Problems is empty), the problems by row and column, and how many more
// problems there were beyond MaxScoreProblems.
type ScoreFile struct {
	Rows         []domain.ScoreRow
	Problems     []Problem
	MoreProblems int
}

func (f *ScoreFile) problem(line int, column, format string, args ...any) {
	if len(f.Problems) >= MaxScoreProblems {
		f.MoreProblems++
		return
	}
	f.Problems = append(f.Problems, Problem{Row: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

// Score file headers besides the subjects: 准考证号 and 加分 are read,
// the informative ones are skipped.
var (
	ticketHeaders     = []string{"准考证号", "准考证号码", "准考证"}
	bonusHeaders      = []string{"加分", "政策加分", "加分值"}
	scoreInfoHeaders  = map[string]bool{"序号": true, "姓名": true, "性别": true, "身份证号": true, "职位代码": true, "报考职位": true, "职位名称": true, "备注": true}
	errNotScoreFormat = errors.New("not a score file")
)

// DecodeScores reads a score file (.xlsx, or .csv in UTF-8 or GB18030) for
// an exam's subjects. The header row (within the first ten rows, the
// first naming 准考证号) names the columns in any order: 准考证号, one
// column per subject by its name, optionally 加分; 序号, 姓名, 备注 and the
// like are skipped, anything else is refused. A subject cell holds a score
// from 0 to the subject's full mark (up to two decimals), 缺考 or 违纪.
// tickets tells which 准考证号 the exam has.
//
// Every problem is listed by row and column (unknown or repeated 准考证号,
// a missing subject column, a score out of range or not a number, a cell
// mixing 缺考/违纪 with a score, a formula cell). A file that cannot be read
// at all (not .xlsx/.csv, too large, a zip bomb) is err: EINVALID or
// ETOOLARGE on the field "file".
func DecodeScores(data []byte, fileName string, subjects []domain.ScoreSubject, tickets func(string) (ScoreTicket, bool), lim Limits) (*ScoreFile, error) {
	d := &scoreDecoder{subjects: subjects, tickets: tickets, out: &ScoreFile{}, seen: map[string]int{}}
	isCSV := strings.HasSuffix(strings.ToLower(fileName), ".csv")
	switch {
	case bytes.HasPrefix(data, zipMagic) || bytes.HasPrefix(data, oleMagic) || !isCSV:
		if !bytes.HasPrefix(data, zipMagic) && !bytes.HasPrefix(data, oleMagic) && len(data) > 0 && int64(len(data)) <= lim.MaxFileSize {
			return nil, invalid("请上传 .xlsx 工作簿或 .csv 文件（成绩表）。")
		}
		if err := CheckXLSX(data, lim); err != nil {
			return nil, err
		}
		formulas, err := formulaCells(data)
		if err != nil {
			return nil, err
		}
		d.formulas = formulas
		if err := Stream(data, lim, d.row); err != nil && !errors.Is(err, errNotScoreFormat) {
			return nil, err
		}
	default:
		d.formulas = map[int][]int{}
		if err := streamCSV(data, lim, d.formulas, d.row); err != nil && !errors.Is(err, errNotScoreFormat) {
			return nil, err
		}
	}
	return d.finish()
}

// scoreDecoder checks rows as they stream.
type scoreDecoder struct {
	subjects []domain.ScoreSubject
	tickets  func(string) (ScoreTicket, bool)
	formulas map[int][]int // line → 0-based columns holding a formula (.xlsx)
	out      *ScoreFile

	header    bool
	lines     int
	ticketCol int
	bonusCol  int   // -1: none
	subjCol   []int // column of each subject
	colName   map[int]string
	seen      map[string]int // 准考证号 → first line
}

func (d *scoreDecoder) row(line int, cells []string) error {
	d.lines = line
	if !d.header {
		if line > headerScanRows {
			return invalid("未找到表头行：前 %d 行中没有“准考证号”列。", headerScanRows)
		}
		return d.readHeader(line, cells)
	}
	empty := true
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			empty = false
			break
		}
	}
	if empty {
		return nil
	}
	formula := map[int]bool{}
	for _, j := range d.formulas[line] {
		formula[j] = true
		d.out.problem(line, d.column(j), "单元格是公式，请粘贴为数值后再导入。")
	}
	r := domain.ScoreRow{Scores: make([]domain.Points, len(d.subjects))}
	ticket := strings.TrimSpace(cellAt(cells, d.ticketCol))
	switch t, ok := d.tickets(ticket); {
	case formula[d.ticketCol]:
	case ticket == "":
		d.out.problem(line, "准考证号", "准考证号为空。")
	case !ok:
		d.out.problem(line, "准考证号", "准考证号 %s 不是本考试的准考证号。", ticket)
	default:
		if first, dup := d.seen[ticket]; dup {
			d.out.problem(line, "准考证号", "准考证号 %s 与第 %d 行重复。", ticket, first)
		} else {
			d.seen[ticket] = line
		}
		r.TicketNo, r.AppID, r.Position = ticket, t.AppID, t.Position
	}
	for i, s := range d.subjects {
		if formula[d.subjCol[i]] {
			continue
		}
		p, mark, msg := parseScoreCell(cellAt(cells, d.subjCol[i]), s)
		if msg != "" {
			d.out.problem(line, s.Name, "%s", msg)
			continue
		}
		r.Scores[i] = p
		if mark != domain.MarkNone {
			if r.Marks == nil {
				r.Marks = make([]domain.ScoreMark, len(d.subjects))
			}
			r.Marks[i] = mark
		}
	}
	if d.bonusCol >= 0 && !formula[d.bonusCol] {
		if v := strings.TrimSpace(cellAt(cells, d.bonusCol)); v != "" {
			b, ok := domain.ParsePoints(v)
			switch {
			case !ok:
				d.out.problem(line, "加分", "加分“%s”不是数字。", v)
			case b > domain.MaxBonus:
				d.out.problem(line, "加分", "加分 %s 超过上限 %s 分。", b, domain.MaxBonus)
			default:
				r.Bonus = b
			}
		}
	}
	if len(d.out.Problems) == 0 {
		d.out.Rows = append(d.out.Rows, r)
	}
	return nil
}

func (d *scoreDecoder) column(j int) string {
	if n, ok := d.colName[j]; ok {
		return n
	}
	return columnName(j)
}

// readHeader takes the first row naming 准考证号 as the header; rows
// above it (a title) are skipped.
func (d *scoreDecoder) readHeader(line int, cells []string) error {
	norm := make([]string, len(cells))
	found := false
	for j, c := range cells {
		norm[j] = normalizeHeader(c)
		found = found || isOneOf(norm[j], ticketHeaders)
	}
	if !found {
		return nil
	}
	d.header, d.ticketCol, d.bonusCol = true, -1, -1
	d.subjCol = make([]int, len(d.subjects))
	for i := range d.subjCol {
		d.subjCol[i] = -1
	}
	d.colName = map[int]string{}
	for j, h := range norm {
		if h == "" || scoreInfoHeaders[h] {
			continue
		}
		d.colName[j] = strings.TrimSpace(cells[j])
		col := &d.ticketCol
		if isOneOf(h, bonusHeaders) {
			col = &d.bonusCol
		} else if !isOneOf(h, ticketHeaders) {
			col = nil
			for i, s := range d.subjects {
				if normalizeHeader(s.Name) == h {
					col = &d.subjCol[i]
				}
			}
		}
		switch {
		case col == nil:
			d.out.problem(line, columnName(j), "无法识别的列「%s」：本考试的笔试科目为 %s。", strings.TrimSpace(cells[j]), subjectNames(d.subjects))
		case *col >= 0:
			d.out.problem(line, columnName(j), "列「%s」重复（已在%s）。", strings.TrimSpace(cells[j]), columnName(*col))
		default:
			*col = j
		}
	}
	for i, s := range d.subjects {
		if d.subjCol[i] < 0 {
			d.out.problem(line, s.Name, "缺少科目「%s」的成绩列。", s.Name)
		}
	}
	if len(d.out.Problems) > 0 {
		return errNotScoreFormat // the rows cannot be read without their columns
	}
	return nil
}

func (d *scoreDecoder) finish() (*ScoreFile, error) {
	if !d.header {
		return nil, invalid("未找到表头行：前 %d 行中没有“准考证号”列。", headerScanRows)
	}
	if len(d.out.Problems) == 0 && len(d.out.Rows) == 0 {
		return nil, invalid("成绩表中没有成绩（表头下面没有数据行）。")
	}
	if len(d.out.Problems) > 0 {
		d.out.Rows = nil
	}
	return d.out, nil
}

// parseScoreCell reads one subject cell: a score within the full mark,
// 缺考 or 违纪; msg says what is wrong.
func parseScoreCell(v string, s domain.ScoreSubject) (p domain.Points, mark domain.ScoreMark, msg string) {
	v = strings.TrimSpace(v)
	switch v {
	case "":
		return 0, "", "成绩为空：请填写分数，或“缺考”“违纪”。"
	case "缺考":
		return 0, domain.MarkAbsent, ""
	case "违纪":
		return 0, domain.MarkMisconduct, ""
	}
	if strings.Contains(v, "缺考") || strings.Contains(v, "违纪") {
		return 0, "", fmt.Sprintf("“%s”同时有标记和分数：一个单元格只能填分数，或“缺考”“违纪”。", v)
	}
	p, ok := domain.ParsePoints(v)
	if !ok {
		p, ok = storedPoints(v)
	}
	if !ok {
		return 0, "", fmt.Sprintf("“%s”不是有效的分数（0～%s，最多两位小数）。", v, s.FullMark)
	}
	if p > s.FullMark {
		return 0, "", fmt.Sprintf("分数 %s 超出范围（0～%s）。", p, s.FullMark)
	}
	return p, "", ""
}

// storedPoints reads a number as a workbook stores it (RawValues): a
// binary double such as 78.450000000000003 or 7.85E1 is the 78.45 that was
// typed, when it lies within a millionth of two decimals. Anything else
// (three real decimals, negatives) is not a score.
func storedPoints(v string) (domain.Points, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1e6 || math.IsNaN(f) {
		return 0, false
	}
	h := math.Round(f * 100)
	if math.Abs(f*100-h) > 1e-6 {
		return 0, false
	}
	return domain.Points(h), true
}

func isOneOf(h string, names []string) bool {
	for _, n := range names {
		if h == n {
			return true
		}
	}
	return false
}

func subjectNames(s []domain.ScoreSubject) string {
	names := make([]string, len(s))
	for i := range s {
		names[i] = "「" + s[i].Name + "」"
	}
	return strings.Join(names, "")
}

func cellAt(cells []string, j int) string {
	if j >= 0 && j < len(cells) {
		return cells[j]
	}
	return ""
}

// streamCSV reads a CSV file row by row within lim: UTF-8 (a BOM is
// dropped) or, as Excel saves it on Chinese Windows, GB18030. A cell
// starting with "=" is recorded in formulas (line → columns) before fn
// sees its row.
func streamCSV(data []byte, lim Limits, formulas map[int][]int, fn func(line int, cells []string) error) error {
	if len(data) == 0 {
		return invalid("请选择要上传的文件。")
	}
	if int64(len(data)) > lim.MaxFileSize {
		msg := fmt.Sprintf("文件超过 %d MB 的上限。", lim.MaxFileSize>>20)
		return &domain.Error{Code: domain.ETOOLARGE, Message: msg, Fields: domain.FieldErrors{"file": msg}}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) {
			return invalid("CSV 文件的编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后再上传。")
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	line := 0
	maxCols := lim.MaxCols
	if maxCols <= 0 {
		maxCols = MaxColsDefault
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			return invalid("CSV 第 %d 行格式有误（%s）。", line, shortErr(err))
		}
		if line > lim.MaxRows {
			return invalid("文件超过 %d 行的上限。", lim.MaxRows)
		}
		if len(rec) > maxCols {
			return invalid("第 %d 行有 %d 列，超出了成绩表的列数（最多 %d 列）。", line, len(rec), maxCols)
		}
		for j, c := range rec {
			if utf8.RuneCountInString(c) > lim.MaxCellLen {
				return invalid("第 %d 行第 %d 列的内容超过 %d 个字。", line, j+1, lim.MaxCellLen)
			}
			if strings.HasPrefix(strings.TrimSpace(c), "=") {
				formulas[line] = append(formulas[line], j)
			}
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

// formulaCells finds the cells of the first worksheet that hold a formula
// (<f> in the sheet XML), by 1-based row and 0-based column: excelize's
// row iterator returns a formula's cached value, which must not be taken
// for a typed score. CheckXLSX has bounded the parts already.
func formulaCells(data []byte) (map[int][]int, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, invalid("文件已损坏，无法作为 .xlsx 工作簿打开。")
	}
	part := firstSheetPart(zr)
	var sheetXML []byte
	for _, f := range zr.File {
		if f.Name == part {
			rc, err := f.Open()
			if err != nil {
				return nil, invalid("工作表无法读取。")
			}
			sheetXML, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, invalid("工作表无法读取（%s）。", shortErr(err))
			}
		}
	}
	out := map[int][]int{}
	for i := 0; ; {
		k := bytes.Index(sheetXML[i:], []byte("<f"))
		if k < 0 {
			break
		}
		k += i
		i = k + 2
		if i >= len(sheetXML) || (sheetXML[i] != '>' && sheetXML[i] != ' ' && sheetXML[i] != '/') {
			continue // <family…>, <fill…>: not a formula element
		}
		c := bytes.LastIndex(sheetXML[:k], []byte("<c "))
		if c < 0 {
			continue
		}
		end := bytes.IndexByte(sheetXML[c:k], '>')
		if end < 0 {
			continue
		}
		if col, row, ok := cellRef(sheetXML[c : c+end]); ok {
			out[row] = append(out[row], col)
		}
	}
	return out, nil
}

// cellRef reads the r="B12" attribute of a <c …> tag.
func cellRef(tag []byte) (col, row int, ok bool) {
	i := bytes.Index(tag, []byte(` r="`))
	if i < 0 {
		return 0, 0, false
	}
	ref := tag[i+4:]
	if j := bytes.IndexByte(ref, '"'); j >= 0 {
		ref = ref[:j]
	}
	n := 0
	for n < len(ref) && ref[n] >= 'A' && ref[n] <= 'Z' {
		col = col*26 + int(ref[n]-'A'+1)
		n++
	}
	if n == 0 || n == len(ref) {
		return 0, 0, false
	}
	for _, b := range ref[n:] {
		if b < '0' || b > '9' {
			return 0, 0, false
		}
		row = row*10 + int(b-'0')
	}
	return col - 1, row, true
}

// firstSheetPart is the zip path of the workbook's first worksheet, from
// xl/workbook.xml and its relationships (xl/worksheets/sheet1.xml when
// they cannot be read).
func firstSheetPart(zr *zip.Reader) string {
	const fallback = "xl/worksheets/sheet1.xml"
	read := func(name string) []byte {
		for _, f := range zr.File {
			if f.Name == name && f.UncompressedSize64 < 8<<20 {
				rc, err := f.Open()
				if err != nil {
					return nil
				}
				defer rc.Close()
				b, _ := io.ReadAll(rc)
				return b
			}
		}
		return nil
	}
	var wb struct {
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if xml.Unmarshal(read("xl/workbook.xml"), &wb) != nil || len(wb.Sheets) == 0 || xml.Unmarshal(read("xl/_rels/workbook.xml.rels"), &rels) != nil {
		return fallback
	}
	for _, r := range rels.Rel {
		if r.ID == wb.Sheets[0].RID {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/")
			}
			return path.Join("xl", r.Target)
		}
	}
	return fallback
}
