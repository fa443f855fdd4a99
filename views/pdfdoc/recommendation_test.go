package pdfdoc

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"examreg/domain"
)

// testPhoto makes a stored-format photo: a portrait-like JPEG run through
// domain.NormalizePhoto.
func testPhoto(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 600, 840))
	for y := range 840 {
		for x := range 600 {
			c := color.RGBA{70, 130, 200, 255} // blue 证件照 background
			dx, dy := x-300, y-330
			if dx*dx+dy*dy < 150*150 || (y > 560 && dx*dx < 250*250) {
				c = color.RGBA{230, 190, 160, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	out, _, err := domain.NormalizePhoto(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sampleData(t testing.TB) RecommendationData {
	resume := strings.Join([]string{
		"2004.09—2008.07　武汉大学法学院法学专业学习，获法学学士学位",
		"2008.07—2010.12　湖北省恩施土家族苗族自治州巴东县人民政府办公室科员",
		"2010.12—2014.03　湖北省恩施土家族苗族自治州巴东县人民政府办公室副主任科员（其间：2011.09—2014.06 在华中师范大学公共管理专业在职研究生学习，获公共管理硕士学位）",
		"2014.03—2017.08　湖北省恩施土家族苗族自治州人民政府办公室综合科副科长",
		"2017.08—2019.12　湖北省恩施土家族苗族自治州人民政府办公室综合科科长",
		"2019.12—　　　　湖北省恩施土家族苗族自治州人民政府办公室一级主任科员，负责政务信息、综合文稿起草和重大决策督办工作；参与全州乡村振兴、营商环境优化等重点课题调研，执笔调研报告 12 篇，其中 3 篇获省领导肯定性批示",
	}, "\n")
	return RecommendationData{
		ExamName:  "湖北省2023年度市州级以上机关公开遴选公务员",
		Name:      "欧阳明轩",
		Sex:       "男",
		BirthDate: "1986-05-17",
		IDNumber:  "42282319860517003X",
		Form: domain.ApplicationForm{
			Ethnicity: "土家族", NativePlace: "湖北巴东", BirthPlace: "湖北恩施",
			Political: "中共党员", PartyJoinDate: "2007-06-01", WorkStartDate: "2008-07",
			CivilServantDate: "2008-12", Employer: "湖北省恩施土家族苗族自治州人民政府办公室综合科一级主任科员",
			Rank: "一级主任科员", RankDate: "2019-12", GrassrootsYears: 6, Health: "健康",
			FullTimeEducation: "大学本科", FullTimeDegree: "法学学士", FullTimeSchool: "武汉大学法学院",
			FullTimeMajor: "法学", FullTimeGradDate: "2008-07",
			PartTimeEducation: "研究生", PartTimeDegree: "公共管理硕士", PartTimeSchool: "华中师范大学", PartTimeMajor: "公共管理",
			Appraisals: "2020年度 优秀；2021年度 称职；2022年度 优秀",
			Phone:      "13907181234",
			Resume:     resume,
			Rewards:    "2020年度被评为全州优秀公务员，记三等功一次；2022年获全州乡村振兴工作先进个人。无处分。",
			Family: []domain.FamilyMember{
				{Relation: "妻子", Name: "李晓燕", BirthMonth: "1988-03", Political: "中共党员", Work: "恩施州中心医院护士长"},
				{Relation: "儿子", Name: "欧阳子涵", BirthMonth: "2014-09", Political: "群众", Work: "恩施市实验小学学生"},
				{Relation: "父亲", Name: "欧阳国华", BirthMonth: "1958-11", Political: "中共党员", Work: "巴东县水利局退休干部"},
				{Relation: "母亲", Name: "向秀英", BirthMonth: "1960-02", Political: "群众", Work: "巴东县信陵镇居民（已退休）"},
				{Relation: "岳父", Name: "李建国", BirthMonth: "1959-07", Political: "中共党员", Work: "湖北省恩施土家族苗族自治州交通运输局原副局长（已退休）"},
			},
		},
		Position: domain.Position{
			Code: "14230101", Department: "中共湖北省委办公厅", Employer: "中共湖北省委办公厅", Title: "综合文字岗",
		},
		LevelName:     "省直机关",
		Photo:         testPhoto(t),
		ApplicationID: "2023HBLX-000123",
		GeneratedAt:   time.Date(2023, 3, 5, 2, 30, 15, 0, time.UTC), // 10:30:15 in Shanghai
	}
}

// writeOut keeps the PDF for a manual look when EXAMREG_PDF_OUT names a directory.
func writeOut(t *testing.T, name string, pdf []byte) {
	if dir := os.Getenv("EXAMREG_PDF_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func pdftotext(t *testing.T, pdf []byte) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", false
	}
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

func TestRecommendationPDF(t *testing.T) {
	long := sampleData(t)
	long.Form.Resume = strings.Repeat(long.Form.Resume+"\n", 6) // several pages of 简历
	long.Form.Family = append(long.Form.Family, long.Form.Family...)
	long.Form.Family = append(long.Form.Family, long.Form.Family...)

	noPhoto := sampleData(t)
	noPhoto.Photo = nil
	noPhoto.Form = domain.ApplicationForm{} // a form saved with nothing filled in

	tests := []struct {
		name     string
		data     RecommendationData
		minPages int
		maxPages int
		want     []string // text pdftotext must find
	}{
		{"realistic", sampleData(t), 2, 2, []string{
			"湖北省2023年度市州级以上机关公开遴选公务员", "报名推荐表", "欧阳明轩", "42282319860517003X",
			"1986.05", "土家族", "中共湖北省委办公厅", "14230101", "综合文字岗", "省直机关",
			"执笔调研报告", "李晓燕", "工作单位及职务", "所在单位意见", "任免机关意见",
			"（盖章）", "本人签名", "2023HBLX-000123", "2023-03-05 10:30:15",
		}},
		{"long resume and many relatives", long, 3, 6, []string{"（续）", "欧阳明轩"}},
		{"empty form, no photo", noPhoto, 2, 2, []string{"贴照片处", "所在单位意见"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf, err := RecommendationPDF(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			writeOut(t, strings.ReplaceAll(tt.name, " ", "_")+".pdf", pdf)
			pages, err := domain.CheckRecommendationPDF(pdf)
			if err != nil && !strings.Contains(err.Error(), "页") {
				t.Fatalf("generated PDF does not parse: %v", err)
			}
			if pages < tt.minPages || pages > tt.maxPages {
				t.Errorf("pages = %d, want %d..%d", pages, tt.minPages, tt.maxPages)
			}
			t.Logf("%d pages, %d bytes", pages, len(pdf))
			text, ok := pdftotext(t, pdf)
			if !ok {
				t.Log("pdftotext not installed; text not checked")
				return
			}
			flat := strings.Join(strings.Fields(text), "")
			for _, w := range tt.want {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
					t.Errorf("text %q not found in PDF", w)
				}
			}
		})
	}
}

func TestRecommendationPDFDeterministic(t *testing.T) {
	d := sampleData(t)
	a, err := RecommendationPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RecommendationPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("same data gave different PDFs")
	}
}

func TestRecommendationPDFRefusesBadPhoto(t *testing.T) {
	d := sampleData(t)
	d.Photo = []byte("not a jpeg")
	if _, err := RecommendationPDF(d); err == nil {
		t.Fatal("accepted a broken photo")
	}
}

func TestWrap(t *testing.T) {
	f := newForm()
	tests := []struct {
		name string
		in   string
		w    float64
		want []string
	}{
		{"empty", "", 50, nil},
		{"fits", "中华人民共和国", 50, []string{"中华人民共和国"}},
		// 10 pt CJK glyphs are ~3.5 mm wide: 4 per 15 mm, no character lost.
		{"cjk breaks anywhere", "一二三四五六七八九", 15, []string{"一二三四", "五六七八", "九"}},
		{"no comma at line start", "一二三四，五六", 15, []string{"一二三", "四，五六"}},
		{"newlines kept", "甲\n\n乙", 50, []string{"甲", "", "乙"}},
		{"latin words not split", "Peking University Law School", 30, []string{"Peking University", "Law School"}},
		{"id number kept whole", "身份证 42282319860517003X", 45, []string{"身份证", "42282319860517003X"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.wrap(tt.in, tt.w)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("wrap(%q, %v) = %q, want %q", tt.in, tt.w, got, tt.want)
			}
			if strings.Join(got, "") != strings.ReplaceAll(strings.ReplaceAll(tt.in, "\n", ""), " ", "") &&
				!strings.Contains(tt.in, " ") {
				t.Errorf("characters lost: %q", got)
			}
		})
	}
}

func TestWrapHanging(t *testing.T) {
	f := newForm()
	got := f.wrapHanging("2008.07—2010.12　湖北省恩施土家族苗族自治州巴东县人民政府办公室科员\n不带日期的一段很长很长很长很长很长很长很长很长很长很长的文字", 80)
	if len(got) != 4 {
		t.Fatalf("lines = %q", got)
	}
	if !strings.HasPrefix(got[1], "　　") || strings.HasPrefix(got[3], "　") {
		t.Errorf("hanging indent wrong: %q", got)
	}
	joined := strings.ReplaceAll(strings.Join(got, ""), "　", "")
	if !strings.Contains(joined, "巴东县人民政府办公室科员") {
		t.Errorf("characters lost: %q", got)
	}
}

func TestYearMonthAndClean(t *testing.T) {
	for in, want := range map[string]string{"1986-05-17": "1986.05", "2008-07": "2008.07", "": "", "2008年": "2008年"} {
		if got := yearMonth(in); got != want {
			t.Errorf("yearMonth(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clean(" a\r\nb\tc\x00d😀 "); got != "a\nb cd□" {
		t.Errorf("clean = %q", got)
	}
}

func BenchmarkRecommendationPDF(b *testing.B) {
	d := sampleData(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RecommendationPDF(d); err != nil {
			b.Fatal(err)
		}
	}
}

// Every 填报信息 field reaches the 推荐表: the layout places the fields it
// knows, and any other row of domain.FormFields is printed with its label
// and value, so a field added to the table is never left off.
func TestRecommendationPrintsEveryField(t *testing.T) {
	for name := range placedFields {
		if _, ok := domain.Field(name); !ok {
			t.Errorf("placedFields names %s, which is not a form field", name)
		}
	}
	d := sampleData(t)
	var extra []domain.FormField
	for _, fd := range domain.FormFields {
		if !placedFields[fd.Name] {
			extra = append(extra, fd)
			if fd.Kind != domain.KindFamily {
				d.Form.SetValue(fd.Name, "试填"+fd.Name)
			}
		}
	}
	t.Logf("fields outside the official layout: %d", len(extra))
	pdf, err := RecommendationPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	text, ok := pdftotext(t, pdf)
	if !ok {
		t.Skip("pdftotext not installed; text not checked")
	}
	flat := strings.Join(strings.Fields(text), "")
	for _, fd := range extra {
		// A label longer than 5 characters wraps in its cell: look for its start.
		if label := string([]rune(fd.Label)[:min(4, len([]rune(fd.Label)))]); !strings.Contains(flat, label) || !strings.Contains(flat, "试填"+fd.Name) {
			t.Errorf("field %s (%s) is not on the 推荐表", fd.Name, fd.Label)
		}
	}
	// The placed ones, as the realistic case fills them.
	for _, w := range []string{d.Form.Ethnicity, d.Form.Phone, d.Form.Employer, d.Form.FullTimeSchool, d.Form.Appraisals} {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
			t.Errorf("%q is not on the 推荐表", w)
		}
	}
}
