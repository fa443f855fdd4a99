package domain

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

func zipWith(names ...string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		f, _ := w.Create(n)
		f.Write([]byte("<x/>"))
	}
	w.Close()
	return buf.Bytes()
}

func TestCheckAttachment(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	doc := append(append([]byte{}, ole...), utf16le("WordDocument")...)
	xls := append(append([]byte{}, ole...), utf16le("Workbook")...)
	tests := []struct {
		name, file string
		data       []byte
		wantType   string // "" = refused
	}{
		{"pdf", "推荐表.pdf", []byte("%PDF-1.7\n..."), "application/pdf"},
		{"doc", "推荐表.doc", doc, "application/msword"},
		{"xls", "职位表.XLS", xls, "application/vnd.ms-excel"},
		{"xlsx", "职位表.xlsx", zipWith("[Content_Types].xml", "xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"docx", "a.docx", zipWith("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"zip", "材料.zip", zipWith("a.txt"), "application/zip"},
		{"rar", "材料.rar", []byte("Rar!\x1a\x07\x01\x00rest"), "application/vnd.rar"},
		{"exe renamed pdf", "x.pdf", []byte("MZ\x90\x00"), ""},
		{"zip renamed xlsx", "x.xlsx", zipWith("a.txt"), ""},
		{"xls renamed doc", "x.doc", xls, ""},
		{"html", "x.html", []byte("<html>"), ""},
		{"no extension", "README", []byte("%PDF-"), ""},
		{"empty", "x.pdf", nil, ""},
		{"broken zip", "x.zip", []byte("PK\x03\x04garbage"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ct, err := CheckAttachment(tt.file, tt.data)
			if tt.wantType == "" {
				if err == nil || ErrorFields(err)["file"] == "" {
					t.Fatalf("want refusal, got %q %v", ct, err)
				}
				return
			}
			if err != nil || ct != tt.wantType {
				t.Fatalf("got %q %v", ct, err)
			}
		})
	}
	big := append([]byte("%PDF-"), make([]byte, MaxAttachmentSize)...)
	if _, _, err := CheckAttachment("big.pdf", big); ErrorCode(err) != ETOOLARGE {
		t.Errorf("20 MB+: %v", err)
	}
}

func TestCleanFileName(t *testing.T) {
	tests := map[string]string{
		`C:\Users\张三\Desktop\职位表.xlsx`: "职位表.xlsx",
		"../../etc/passwd":             "passwd",
		"a\"b\r\n.pdf":                 "ab.pdf",
		".pdf":                         "附件.pdf",
	}
	for in, want := range tests {
		if got := CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := CleanFileName(strings.Repeat("长", 300) + ".docx")
	if !strings.HasSuffix(long, ".docx") || len([]rune(long)) != 120 {
		t.Errorf("long name %d %q", len([]rune(long)), long[len(long)-10:])
	}
}

func TestValidateNotice(t *testing.T) {
	if fe := ValidateNotice("公告", "正文"); len(fe) != 0 {
		t.Error(fe)
	}
	if fe := ValidateNotice("", strings.Repeat("文", MaxNoticeBody+1)); fe["title"] == "" || fe["body"] == "" {
		t.Error(fe)
	}
}
