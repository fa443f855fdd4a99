package sheet

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/domain/domaintest"
)

// wideRowBook is a 职位表 with the template's header and then n rows
// that each carry one cell in column XFD (16,384): excelize pads such a
// row to 16,384 cells. Written with excelize's stream writer, so building
// it costs the test little.
func wideRowBook(t testing.TB, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]any, 0, len(domain.PositionFields))
	for _, h := range header() {
		hdr = append(hdr, h)
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := sw.SetRow("XFD"+strconv.Itoa(i+2), []any{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tallBook is a 职位表 whose rows are valid positions, n of them.
func tallBook(t testing.TB, n int) []byte {
	rows := [][]string{header()}
	for i := range n {
		rows = append(rows, row(fmt.Sprintf("%06d", i+1)))
	}
	return book(t, rows...)
}

func TestWideAndTallSheetsRefusedAsTheyStream(t *testing.T) {
	wide := wideRowBook(t, 3)
	_, _, err := DecodePositions(wide, testExam, DefaultLimits)
	if msg := domain.ErrorFields(err)["file"]; !strings.Contains(msg, "第 2 行第 XFD 列有内容") {
		t.Errorf("wide row: %v", err)
	}
	small := DefaultLimits
	small.MaxRows = 50
	_, _, err = DecodePositions(tallBook(t, 60), testExam, small)
	if msg := domain.ErrorFields(err)["file"]; !strings.Contains(msg, "超过 50 行") {
		t.Errorf("tall sheet: %v", err)
	}
	// Stream stops at the limit: fn never sees a row past it.
	seen := 0
	_ = Stream(tallBook(t, 60), small, func(int, []string) error { seen++; return nil })
	if seen != small.MaxRows {
		t.Errorf("fn saw %d rows, want %d", seen, small.MaxRows)
	}
}

const sheetChildEnv = "EXAMREG_SHEET_CHILD"

// TestSheetImportCostIsBounded decodes hostile 职位表 files in a child
// process and reads its peak RSS (VmHWM, reset before the decode): any
// file up to 20 MB must cost < 256 MB extra memory.
func TestSheetImportCostIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	domaintest.SkipUnlessMeasurable(t)
	cases := []struct {
		name string
		data []byte
	}{
		{"3,000 rows with a cell in XFD", wideRowBook(t, 3000)},
		{"20,000 rows with a cell in XFD", wideRowBook(t, 20000)},
		{"10,000 valid positions", tallBook(t, 10000)},
	}
	dir := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) > int(DefaultLimits.MaxFileSize) {
				t.Fatalf("input is %d bytes, over the 20 MB limit", len(tc.data))
			}
			cost := domaintest.ChildCost(t, dir, strconv.Itoa(i)+".xlsx", tc.data, "TestSheetImportChild", sheetChildEnv)
			if cost.ExtraMB >= 256 {
				t.Errorf("import cost %.1f MB extra memory, want < 256 MB", cost.ExtraMB)
			}
		})
	}
}

// TestSheetImportChild is the child of TestSheetImportCostIsBounded; it
// does nothing in a normal run.
func TestSheetImportChild(t *testing.T) {
	data := domaintest.ChildInput(t, sheetChildEnv)
	domaintest.MeasureInChild(t, func() string {
		rows, problems, err := DecodePositions(data, testExam, DefaultLimits)
		return fmt.Sprintf("decode: %d rows, %d problems, err %v", len(rows), len(problems), err)
	})
}
