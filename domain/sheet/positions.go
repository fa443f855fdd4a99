package sheet

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"examreg/domain"
)

// Problem is one error of an imported 职位表: the Excel row number (1-based,
// as the administrator sees it), the column header and what is wrong.
type Problem struct {
	Row     int
	Column  string
	Message string
}

// Row is one position read from the 职位表 with its Excel row number.
type Row struct {
	Line     int
	Position domain.Position
}

// headerAliases are other names the columns carry in real 职位表; the key
// is the canonical header of domain.PositionFields.
var headerAliases = map[string][]string{
	"职位代码":     {"职位编码", "职位编号"},
	"遴选机关":     {"遴选单位", "招录机关", "遴选机关名称"},
	"用人单位":     {"用人单位名称"},
	"职位名称":     {"职位"},
	"层级":       {"职位层级", "报考层级"},
	"职位简介":     {"职位描述", "职位说明"},
	"遴选计划":     {"遴选人数", "计划数", "遴选计划数", "招录人数"},
	"学历":       {"学历要求"},
	"学位":       {"学位要求"},
	"专业":       {"专业要求"},
	"年龄上限":     {"年龄", "年龄要求"},
	"政治面貌":     {"政治面貌要求"},
	"基层工作经历年限": {"基层工作经历", "基层工作年限", "基层工作经历要求"},
	"职级要求":     {"职级"},
	"其他条件":     {"其他要求", "其他资格条件"},
	"咨询电话":     {"联系电话"},
}

// ignoredHeaders are columns that may be present and carry nothing to import.
var ignoredHeaders = map[string]bool{"序号": true, "备注": true}

var headerNoise = regexp.MustCompile(`[\s*＊]|（[^）]*）|\([^)]*\)`)

// normalizeHeader strips spaces, line breaks, required-field stars and a
// parenthesised note ("遴选计划（人）") from a header cell.
func normalizeHeader(s string) string { return headerNoise.ReplaceAllString(s, "") }

func fieldOfHeader(h string) (string, bool) {
	for _, f := range domain.PositionFields {
		if h == f.Header {
			return f.Key, true
		}
		for _, a := range headerAliases[f.Header] {
			if h == a {
				return f.Key, true
			}
		}
	}
	return "", false
}

// positionMaxCols: the template's columns, the ignored ones (序号, 备注)
// and a few blank ones; content further right is refused as it streams.
var positionMaxCols = len(domain.PositionFields) + len(ignoredHeaders) + 4

// headerScanRows is how far down a title row or two may push the header.
const headerScanRows = 10

// DecodePositions reads a 职位表 for exam. Columns are found by their
// header (any order, aliases allowed); the header row is the first of the
// first ten rows naming 职位代码, so a title row above it is fine. Every
// column of domain.PositionFields must be present; unknown columns are
// refused. Each non-empty row is parsed with domain.ParsePosition, and a
// 职位代码 appearing twice is a problem on the later row.
//
// A file that cannot be read at all gives err (EINVALID/ETOOLARGE, message
// on field "file"); otherwise problems lists every bad cell and rows is
// meaningful only when problems is empty.
func DecodePositions(data []byte, exam *domain.Exam, lim Limits) (rows []Row, problems []Problem, err error) {
	if lim.MaxCols <= 0 || lim.MaxCols > positionMaxCols {
		lim.MaxCols = positionMaxCols
	}
	cells, err := Read(data, lim)
	if err != nil {
		return nil, nil, err
	}
	hdrAt := -1
	for i := 0; i < len(cells) && i < headerScanRows; i++ {
		for _, c := range cells[i] {
			if k, ok := fieldOfHeader(normalizeHeader(c)); ok && k == "code" {
				hdrAt = i
				break
			}
		}
		if hdrAt >= 0 {
			break
		}
	}
	if hdrAt < 0 {
		return nil, nil, invalid("未找到表头行：前 %d 行中没有“职位代码”列。请使用系统提供的职位表模板。", headerScanRows)
	}
	colKey := map[int]string{}
	seen := map[string]int{}
	var unknown, dup []string
	for j, c := range cells[hdrAt] {
		h := normalizeHeader(c)
		if h == "" || ignoredHeaders[h] {
			continue
		}
		k, ok := fieldOfHeader(h)
		if !ok {
			unknown = append(unknown, strings.TrimSpace(c))
			continue
		}
		if _, twice := seen[k]; twice {
			dup = append(dup, domain.PositionHeader(k))
			continue
		}
		seen[k] = j
		colKey[j] = k
	}
	var missing []string
	for _, f := range domain.PositionFields {
		if _, ok := seen[f.Key]; !ok {
			missing = append(missing, f.Header)
		}
	}
	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, "缺少列："+strings.Join(missing, "、"))
	}
	if len(unknown) > 0 {
		msgs = append(msgs, "无法识别的列："+strings.Join(unknown, "、"))
	}
	if len(dup) > 0 {
		msgs = append(msgs, "重复的列："+strings.Join(dup, "、"))
	}
	if len(msgs) > 0 {
		return nil, nil, invalid("第 %d 行表头有误。%s。请使用系统提供的模板的表头。", hdrAt+1, strings.Join(msgs, "；"))
	}

	firstRow := map[string]int{}
	for i := hdrAt + 1; i < len(cells); i++ {
		line := i + 1
		text := map[string]string{}
		empty := true
		for j, c := range cells[i] {
			k, ok := colKey[j]
			if !ok {
				if strings.TrimSpace(c) != "" && !ignoredColumn(cells[hdrAt], j) {
					problems = append(problems, Problem{line, columnName(j), "该列没有表头，内容无法导入。"})
				}
				continue
			}
			text[k] = c
			if strings.TrimSpace(c) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		p, fe := domain.ParsePosition(text, exam)
		for _, f := range domain.PositionFields {
			if msg, bad := fe[f.Key]; bad {
				problems = append(problems, Problem{line, f.Header, msg})
			}
		}
		if p.Code != "" {
			if first, twice := firstRow[p.Code]; twice {
				problems = append(problems, Problem{line, "职位代码", fmt.Sprintf("职位代码 %s 与第 %d 行重复。", p.Code, first)})
			} else {
				firstRow[p.Code] = line
			}
		}
		rows = append(rows, Row{Line: line, Position: p})
	}
	if len(rows) == 0 && len(problems) == 0 {
		return nil, nil, invalid("职位表中没有职位（表头下面没有数据行）。")
	}
	return rows, problems, nil
}

func ignoredColumn(header []string, j int) bool {
	return j < len(header) && ignoredHeaders[normalizeHeader(header[j])]
}

// columnName is the Excel letter of a 0-based column.
func columnName(j int) string {
	s := ""
	for n := j + 1; n > 0; n = (n - 1) / 26 {
		s = string(rune('A'+(n-1)%26)) + s
	}
	return s + " 列"
}

var columnWidths = map[string]float64{
	"code": 12, "department": 24, "employer": 24, "title": 18, "level": 10, "description": 30,
	"quota": 9, "education": 14, "degree": 10, "major": 24, "max_age": 9, "political": 12,
	"grassroots_years": 10, "rank": 16, "other": 30, "phone": 16,
}

var numericFields = map[string]bool{"quota": true, "max_age": true, "grassroots_years": true}

func positionColumns() []Column {
	cols := make([]Column, len(domain.PositionFields))
	for i, f := range domain.PositionFields {
		cols[i] = Column{Header: f.Header, Width: columnWidths[f.Key]}
	}
	return cols
}

// EncodePositions writes the 职位表 of exam: the template's header and one
// row per position, in the order given. DecodePositions of the result gives
// the same positions back.
func EncodePositions(list []domain.Position, exam *domain.Exam) ([]byte, error) {
	rows := make([][]any, len(list))
	for i := range list {
		text := domain.PositionText(&list[i], exam)
		row := make([]any, len(domain.PositionFields))
		for j, f := range domain.PositionFields {
			v := text[f.Key]
			if n, err := strconv.Atoi(v); err == nil && numericFields[f.Key] {
				row[j] = n
			} else {
				row[j] = v
			}
		}
		rows[i] = row
	}
	return Write(Sheet{Name: "职位表", Columns: positionColumns(), Rows: rows}, instructions(exam))
}

// Template is an empty 职位表 with the headers and a second sheet
// explaining each column.
func Template(exam *domain.Exam) ([]byte, error) {
	return Write(Sheet{Name: "职位表", Columns: positionColumns()}, instructions(exam))
}

func instructions(exam *domain.Exam) Sheet {
	var levels []string
	for _, l := range exam.Levels {
		levels = append(levels, l.Name)
	}
	lv := "本考试的层级名称"
	if len(levels) > 0 {
		lv = strings.Join(levels, " 或 ")
	}
	notes := map[string]string{
		"code":             "必填，1～20 位数字或字母，同一考试内不能重复；重新导入时按职位代码更新已有职位",
		"department":       "必填，遴选机关全称（审核员按遴选机关审核）",
		"employer":         "必填",
		"title":            "必填",
		"level":            "必填：" + lv,
		"description":      "选填，最多 1000 字",
		"quota":            "必填，整数 1～999",
		"education":        "研究生 / 大学本科 / 大学专科 等，可加“全日制”“及以上”；不限写“不限”",
		"degree":           "博士 / 硕士 / 学士，可加“及以上”；不限写“不限”",
		"major":            "专业要求（由审核员核对）；不限写“不限”",
		"max_age":          "整数周岁（如 35 表示 35 周岁以下）；不限写“不限”",
		"political":        "中共党员 / 共青团员 / 民主党派 等；不限写“不限”",
		"grassroots_years": "整数年（如 2 表示 2 年以上）；不限写“不限”",
		"rank":             "职级要求（由审核员核对）；不限写“不限”",
		"other":            "其他条件（由审核员核对）",
		"phone":            "咨询电话，如 027-87231405",
	}
	rows := make([][]any, len(domain.PositionFields))
	for i, f := range domain.PositionFields {
		rows[i] = []any{f.Header, notes[f.Key]}
	}
	return Sheet{Name: "填写说明", Columns: []Column{{Header: "列名", Width: 18}, {Header: "填写要求", Width: 80}}, Rows: rows}
}
