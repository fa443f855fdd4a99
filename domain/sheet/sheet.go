// Package sheet reads and writes .xlsx workbooks for examreg: bytes in,
// rows out and back. It is pure (no files, no network): size and zip-bomb
// limits are checked before excelize expands anything, and excelize is
// told to keep every part in memory instead of spilling to temporary files.
package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"examreg/domain"
)

// Limits bound what Read accepts.
type Limits struct {
	MaxFileSize int64 // bytes of the .xlsx itself
	MaxUnzipped int64 // bytes of all its parts uncompressed (zip-bomb guard)
	MaxRatio    int64 // largest compression ratio of one part (zip-bomb guard)
	MaxParts    int   // entries in the zip
	MaxRows     int   // rows of the first sheet
	MaxCols     int   // columns a row may have content in (the template's, plus room); 0: MaxColsDefault
	MaxCellLen  int   // characters of one cell
	// RawValues reads numbers as stored, not as displayed: a score shown
	// with a "0" format as 79 is 78.5 (the score import sets it).
	RawValues bool
}

// MaxColsDefault caps the columns of a row when Limits.MaxCols is 0; a
// reader for a particular template sets its own.
const MaxColsDefault = 64

// DefaultLimits suit a 职位表 of up to 20,000 positions.
var DefaultLimits = Limits{
	MaxFileSize: 20 << 20,
	MaxUnzipped: 150 << 20,
	MaxRatio:    200,
	MaxParts:    500,
	MaxRows:     20010,
	MaxCols:     MaxColsDefault,
	MaxCellLen:  5000,
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

func invalid(format string, args ...any) error {
	return domain.FieldError("file", fmt.Sprintf(format, args...))
}

// CheckXLSX checks that data is an .xlsx workbook within the limits without
// expanding it: the zip signature, the workbook parts, the declared
// uncompressed sizes and compression ratios. (Go's zip reader refuses a
// part that inflates beyond its declared size, so the declared sizes bound
// what reading can cost.)
func CheckXLSX(data []byte, lim Limits) error {
	if len(data) == 0 {
		return invalid("请选择要上传的 .xlsx 文件。")
	}
	if int64(len(data)) > lim.MaxFileSize {
		return &domain.Error{Code: domain.ETOOLARGE, Message: fmt.Sprintf("文件超过 %d MB 的上限。", lim.MaxFileSize>>20),
			Fields: domain.FieldErrors{"file": fmt.Sprintf("文件超过 %d MB 的上限。", lim.MaxFileSize>>20)}}
	}
	if bytes.HasPrefix(data, oleMagic) {
		return invalid("这是旧版 Excel（.xls）或加密的工作簿。请在 Excel/WPS 中“另存为” .xlsx 格式（不设密码）后再上传。")
	}
	if !bytes.HasPrefix(data, zipMagic) {
		return invalid("文件不是有效的 .xlsx 工作簿（内容不是 Excel 格式），请使用系统提供的模板或导出的职位表。")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return invalid("文件已损坏，无法作为 .xlsx 工作簿打开。")
	}
	if len(zr.File) > lim.MaxParts {
		return invalid("工作簿结构异常（包含 %d 个部件），请另存为普通 .xlsx 后再上传。", len(zr.File))
	}
	var total uint64
	hasWorkbook, hasTypes := false, false
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		hasWorkbook = hasWorkbook || name == "xl/workbook.xml"
		hasTypes = hasTypes || name == "[content_types].xml"
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzipped) {
			return invalid("工作簿解压后超过 %d MB，已拒绝（可能是压缩炸弹）。", lim.MaxUnzipped>>20)
		}
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(lim.MaxRatio) && f.UncompressedSize64 > 1<<20 {
			return invalid("工作簿压缩比异常，已拒绝（可能是压缩炸弹）。")
		}
	}
	if !hasWorkbook || !hasTypes {
		return invalid("文件是压缩包但不是 Excel 工作簿，请上传 .xlsx 格式的职位表。")
	}
	return nil
}

// Read returns the cells of the first worksheet as shown in Excel (numbers
// formatted), one slice per row from row 1, empty rows included, trailing
// empty cells dropped. Every failure is an EINVALID (or ETOOLARGE) error
// with a Chinese message for the "file" field. It collects what Stream
// reads, so its limits hold while the sheet streams.
func Read(data []byte, lim Limits) (rows [][]string, err error) {
	err = Stream(data, lim, func(_ int, cells []string) error {
		rows = append(rows, cells)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Stream reads the first worksheet row by row with excelize's streaming
// iterator and calls fn with each row's 1-based line and its cells (as
// Read returns them); fn's error ends the read and is returned. Limits
// are enforced as rows stream, before the rest of the sheet is read: a
// row with content beyond lim.MaxCols columns (excelize pads a row up to
// its last cell, so one cell in column XFD is 16,384 strings), more than
// lim.MaxRows rows, an over-long or undecodable cell. The whole sheet is
// never materialised; a 职位表 import and a score import read through it.
func Stream(data []byte, lim Limits, fn func(line int, cells []string) error) (err error) {
	if err := CheckXLSX(data, lim); err != nil {
		return err
	}
	maxCols := lim.MaxCols
	if maxCols <= 0 {
		maxCols = MaxColsDefault
	}
	// excelize may panic on hostile XML; a bad upload must never be a 500.
	defer func() {
		if r := recover(); r != nil {
			err = invalid("工作簿内容无法解析，请在 Excel/WPS 中重新保存为 .xlsx 后再上传。")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: lim.MaxUnzipped,
		// Equal limits keep every part in memory: no temporary files.
		UnzipXMLSizeLimit: lim.MaxUnzipped,
	})
	if err != nil {
		return invalid("工作簿无法打开（%s），请在 Excel/WPS 中重新保存为 .xlsx 后再上传。", shortErr(err))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return invalid("工作簿中没有工作表。")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return invalid("工作表「%s」无法读取（%s）。", sheets[0], shortErr(err))
	}
	defer rows.Close()
	line := 0
	for rows.Next() {
		line++
		if line > lim.MaxRows {
			return invalid("工作表超过 %d 行的上限。", lim.MaxRows)
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: lim.RawValues})
		if err != nil {
			return invalid("工作表「%s」第 %d 行无法读取（%s）。", sheets[0], line, shortErr(err))
		}
		if len(cells) > maxCols {
			return invalid("第 %d 行第 %s有内容，超出了模板的列（最多 %d 列）。请删除模板以外的列后再上传。", line, columnName(len(cells)-1), maxCols)
		}
		for j, c := range cells {
			if !utf8.ValidString(c) {
				return invalid("第 %d 行第 %d 列含有无法识别的字符。", line, j+1)
			}
			if utf8.RuneCountInString(c) > lim.MaxCellLen {
				return invalid("第 %d 行第 %d 列的内容超过 %d 个字。", line, j+1, lim.MaxCellLen)
			}
		}
		if err := fn(line, cells); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return invalid("工作表「%s」无法读取（%s）。", sheets[0], shortErr(err))
	}
	return nil
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// Column describes one column written by Write.
type Column struct {
	Header string
	Width  float64 // in Excel character widths; 0 = default
}

// Sheet is one worksheet for Write. Cells are strings or ints; strings are
// always written as text (so 职位代码 keep their leading zeros).
type Sheet struct {
	Name    string
	Columns []Column
	Rows    [][]any
}

// Write builds a workbook of the given sheets (the first is active) with a
// bold header row, streaming rows so 10,000 are cheap.
func Write(sheets ...Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return nil, err
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return nil, err
		}
		for c, col := range sh.Columns {
			if col.Width > 0 {
				if err := sw.SetColWidth(c+1, c+1, col.Width); err != nil {
					return nil, err
				}
			}
		}
		hdr := make([]any, len(sh.Columns))
		for c, col := range sh.Columns {
			hdr[c] = excelize.Cell{StyleID: header, Value: col.Header}
		}
		if err := sw.SetRow("A1", hdr); err != nil {
			return nil, err
		}
		for r, row := range sh.Rows {
			cells := make([]any, len(row))
			for c, v := range row {
				if s, ok := v.(string); ok {
					cells[c] = excelize.Cell{StyleID: text, Value: s}
				} else {
					cells[c] = v
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
	}
	// The first sheet is the active one already; SetActiveSheet would
	// parse every streamed row back into memory.
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MaxUpload is the largest .xlsx accepted for import.
const MaxUpload = 20 << 20
