package sheet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"examreg/domain"
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
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("needs Linux /proc to measure peak RSS")
	}
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
			path := filepath.Join(dir, strconv.Itoa(i)+".xlsx")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestSheetImportChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), sheetChildEnv+"="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			var extraMB, cpuMS float64
			line := ""
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "COST ") {
					line = l
				}
			}
			if _, err := fmt.Sscanf(line, "COST extra_mb=%g cpu_ms=%g", &extraMB, &cpuMS); err != nil {
				t.Fatalf("no cost line in child output: %v\n%s", err, out)
			}
			t.Logf("%d bytes: +%.1f MB peak RSS, %.0f ms CPU", len(tc.data), extraMB, cpuMS)
			if extraMB >= 256 {
				t.Errorf("import cost %.1f MB extra memory, want < 256 MB", extraMB)
			}
		})
	}
}

// TestSheetImportChild is the child of TestSheetImportCostIsBounded; it
// does nothing in a normal run.
func TestSheetImportChild(t *testing.T) {
	path := os.Getenv(sheetChildEnv)
	if path == "" {
		t.Skip("child process of TestSheetImportCostIsBounded")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	base := procKB(t, "VmRSS")
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatal(err)
	}
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	rows, problems, derr := DecodePositions(data, testExam, DefaultLimits)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	peak := procKB(t, "VmHWM")
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	fmt.Printf("decode: %d rows, %d problems, err %v\n", len(rows), len(problems), derr)
	fmt.Printf("COST extra_mb=%.1f cpu_ms=%d\n", float64(peak-base)/1024, cpu.Milliseconds())
}

func procKB(t *testing.T, name string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", name)
	return 0
}
