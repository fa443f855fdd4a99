package domain

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Notice is a 公告 with its attachments (职位表, 推荐表 template, …).
type Notice struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Body        string       `json:"body"`
	Attachments []Attachment `json:"attachments"`
	AuthorID    string       `json:"author_id"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// Attachment is a file of a notice; the bytes are a blob in the store.
type Attachment struct {
	BlobID      string `json:"blob_id"`
	Name        string `json:"name"` // original file name, as uploaded (Chinese kept)
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// Notice limits.
const (
	MaxNoticeTitle       = 100
	MaxNoticeBody        = 20000
	MaxAttachmentSize    = 20 << 20
	MaxNoticeAttachments = 10
)

// ValidateNotice checks title and body; messages keyed by field.
func ValidateNotice(title, body string) FieldErrors {
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		fe.Add("title", "请填写公告标题。")
	case n > MaxNoticeTitle:
		fe.Add("title", "公告标题最多 100 个字。")
	}
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		fe.Add("body", "请填写公告正文。")
	case n > MaxNoticeBody:
		fe.Add("body", "公告正文最多 20000 个字。")
	}
	return fe
}

// Attachment content types, decided from the content.
var attachmentTypes = map[string]string{
	".pdf":  "application/pdf",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".zip":  "application/zip",
	".rar":  "application/vnd.rar",
}

var (
	magicPDF = []byte("%PDF-")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicZIP = []byte("PK\x03\x04")
	magicRAR = []byte("Rar!\x1a\x07")
)

// CheckAttachment decides an attachment's content type from its bytes and
// checks it agrees with the file name's extension: pdf starts %PDF-; doc
// and xls are OLE2 compound files (D0 CF 11 E0) holding a WordDocument or
// Workbook stream; docx, xlsx and zip are zip archives, docx with
// word/document.xml and xlsx with xl/workbook.xml; rar starts "Rar!". It
// returns the cleaned file name and the content type. Errors are EINVALID
// (field "file") or ETOOLARGE.
func CheckAttachment(name string, data []byte) (cleanName, contentType string, err error) {
	cleanName = CleanFileName(name)
	ext := strings.ToLower(path.Ext(cleanName))
	want, ok := attachmentTypes[ext]
	if !ok {
		return "", "", FieldError("file", "只能上传 xls、xlsx、doc、docx、pdf、zip、rar 格式的附件。")
	}
	if len(data) == 0 {
		return "", "", FieldError("file", "文件是空的，请重新选择。")
	}
	if len(data) > MaxAttachmentSize {
		return "", "", &Error{Code: ETOOLARGE, Message: "附件不能超过 20 MB。", Fields: FieldErrors{"file": "附件不能超过 20 MB。"}}
	}
	mismatch := FieldError("file", "文件内容与扩展名 "+ext+" 不符（系统按文件内容检查格式），请确认文件没有被改名。")
	switch ext {
	case ".pdf":
		if !bytes.HasPrefix(data, magicPDF) {
			return "", "", mismatch
		}
	case ".doc", ".xls":
		if !bytes.HasPrefix(data, magicOLE) {
			return "", "", mismatch
		}
		stream := "WordDocument"
		if ext == ".xls" {
			stream = "Workbook"
		}
		if !bytes.Contains(data, utf16le(stream)) && !(ext == ".xls" && bytes.Contains(data, utf16le("Book"))) {
			return "", "", mismatch
		}
	case ".docx", ".xlsx", ".zip":
		if !bytes.HasPrefix(data, magicZIP) {
			return "", "", mismatch
		}
		zr, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if zerr != nil {
			return "", "", FieldError("file", "压缩文件已损坏，无法打开。")
		}
		inner := map[string]string{".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}[ext]
		if inner != "" && !zipHas(zr, inner) {
			return "", "", mismatch
		}
	case ".rar":
		if !bytes.HasPrefix(data, magicRAR) {
			return "", "", mismatch
		}
	}
	return cleanName, want, nil
}

func zipHas(zr *zip.Reader, name string) bool {
	for _, f := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return true
		}
	}
	return false
}

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// CleanFileName keeps the last path element of an uploaded name (browsers
// on Windows may send C:\...\name), drops control characters and quotes,
// and bounds its length, keeping the extension.
func CleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 120 {
		ext := path.Ext(name)
		r := []rune(strings.TrimSuffix(name, ext))
		name = string(r[:120-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "" || strings.HasPrefix(name, ".") {
		name = "附件" + name
	}
	return name
}

// CheckNoticeAttachments refuses an announcement with more than
// MaxNoticeAttachments files (EINVALID on "file").
func CheckNoticeAttachments(n int) error {
	if n > MaxNoticeAttachments {
		return FieldError("file", "每条公告最多 "+itoa(MaxNoticeAttachments)+" 个附件。")
	}
	return nil
}
