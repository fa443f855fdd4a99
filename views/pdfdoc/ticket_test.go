package pdfdoc

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"examreg/static/fonts"
)

func sampleTicket() TicketData {
	return TicketData{
		ExamName: "湖北省2023年度市州级以上机关公开遴选公务员", Name: "张三丰", Sex: "男", IDNumber: "420101199001011234",
		TicketNo: "20230100417", Position: "10001 省委办公厅 综合处一级主任科员", VenueName: "武汉市第一中学",
		Address: "武汉市江岸区某路 1 号", Transport: "地铁 2 号线", RoomNo: 4, SeatNo: 17, Subjects: []string{"公共科目笔试", "专业科目"},
		Instructions: "一、考生须携带准考证和身份证参加考试。\n\n二、开考 30 分钟后不得入场。",
		Token:        "T1.ZTF8MjAyMzAxMDA0MTd8YTE.abc", AppID: "a1", GeneratedAt: time.Date(2023, 5, 1, 9, 0, 0, 0, time.UTC),
	}
}

func TestTicketPDF(t *testing.T) {
	pdf, err := TicketPDF(sampleTicket())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatal("not a PDF")
	}
	again, _ := TicketPDF(sampleTicket())
	if string(again) != string(pdf) {
		t.Fatal("same data gave a different PDF")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = strings.NewReader(string(pdf))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"张三丰", "20230100417", "第 004 考场", "考生须知", "开考 30 分钟后不得入场"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, out)
		}
	}
	info := exec.Command("pdfinfo", "-")
	info.Stdin = strings.NewReader(string(pdf))
	if b, err := info.Output(); err == nil && !regexp.MustCompile(`Pages:\s+1\n`).Match(b) {
		t.Errorf("ticket is not one page:\n%s", b)
	}
}

func TestTicketPDFRefusesBadPhoto(t *testing.T) {
	d := sampleTicket()
	d.Photo = []byte("not a jpeg")
	if _, err := TicketPDF(d); err == nil {
		t.Fatal("a broken photo was drawn")
	}
}

// BenchmarkTicketPDF is one 准考证 PDF without a photo (font subsetting dominates).
func BenchmarkTicketPDF(b *testing.B) {
	d := sampleTicket()
	for i := 0; i < b.N; i++ {
		if _, err := TicketPDF(d); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTicketFontChoice: a ticket in GB 2312 characters is drawn with the
// prepared cut of the font; a name with a rarer character (堃 is GBK, not
// GB 2312) falls back to the full font, and both print their text.
func TestTicketFontChoice(t *testing.T) {
	common := sampleTicket()
	if got := fontFor(common.Name, common.Address, common.Instructions); len(got) >= len(fonts.CJK) {
		t.Fatalf("common text: full font (%d bytes)", len(got))
	}
	rare := sampleTicket()
	rare.Name = "王堃"
	if got := fontFor(rare.Name); len(got) != len(fonts.CJK) {
		t.Fatalf("rare name: cut font (%d bytes)", len(got))
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	for _, d := range []TicketData{common, rare} {
		pdf, err := TicketPDF(d)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = strings.NewReader(string(pdf))
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{d.Name, "武汉市第一中学", "座位号", "入场核验二维码"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: PDF text lacks %q", d.Name, want)
			}
		}
	}
}
