package pdfdoc

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"examreg/domain"
)

// TicketData is what the 准考证 shows.
type TicketData struct {
	ExamName     string
	Name         string
	Sex          string
	IDNumber     string
	TicketNo     string
	Position     string // 职位代码 and name
	VenueName    string
	Address      string
	Transport    string
	RoomNo       int
	SeatNo       int
	Subjects     []string
	Schedule     []string // timetable lines (科目, date, times); when set, printed instead of Subjects
	Instructions string   // 考生须知, blank line between paragraphs
	Photo        []byte   // normalised JPEG; empty prints a "贴照片处" box
	Token        string   // the QR code's signed token
	AppID        string
	GeneratedAt  time.Time
}

// TicketQR draws the QR code of a ticket token as a PNG. Medium error
// correction survives a crease or a smudge of a home-printed page.
func TicketQR(token string) ([]byte, error) {
	return qrcode.Encode(token, qrcode.Medium, 256)
}

// TicketPDF draws the 准考证 on one A4 page: the candidate, the seat, the
// subjects, the 考生须知 and the QR code checked at the door.
func TicketPDF(d TicketData) ([]byte, error) {
	if len(d.Photo) > 0 {
		if err := domain.CheckPhotoStored(d.Photo); err != nil {
			return nil, fmt.Errorf("ticket pdf: photo: %w", err)
		}
	}
	qr, err := TicketQR(d.Token)
	if err != nil {
		return nil, fmt.Errorf("ticket pdf: qr: %w", err)
	}
	f := newFormWith(fontFor(append([]string{d.ExamName, d.Name, d.Sex, d.IDNumber, d.TicketNo, d.Position, d.VenueName,
		d.Address, d.Transport, d.Instructions, d.AppID}, append(d.Subjects, d.Schedule...)...)...))
	pdf := f.pdf
	pdf.SetCreationDate(d.GeneratedAt)
	pdf.SetModificationDate(d.GeneratedAt)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(d.ExamName+" 准考证", true)
	pdf.SetCreator("examreg", true)
	if len(d.Photo) > 0 {
		pdf.RegisterImageOptionsReader("photo", fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(d.Photo))
	}
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))

	f.newPage()
	f.title(d.ExamName + " 笔试准考证")
	x := float64(marginX)
	top := f.y
	valW := tableW - labelW - photoW
	f.row(x, fixedRowMinH, lbl(labelW, "姓　　名"), val(valW/2, d.Name), lbl(labelW/2+4, "性别"), val(valW/2-labelW/2-4, d.Sex))
	f.row(x, fixedRowMinH, lbl(labelW, "身份证号"), val(valW, d.IDNumber))
	f.row(x, fixedRowMinH, lbl(labelW, "准考证号"), val(valW, d.TicketNo))
	f.row(x, fixedRowMinH, lbl(labelW, "考　　场"), val(valW/2, fmt.Sprintf("第 %03d 考场", d.RoomNo)), lbl(labelW/2+4, "座位号"), val(valW/2-labelW/2-4, fmt.Sprintf("%02d", d.SeatNo)))
	f.photo(x+tableW-photoW, top, photoW, f.y-top, d.Photo)
	f.row(x, fixedRowMinH, lbl(labelW, "报考职位"), txt(tableW-labelW, d.Position))
	f.row(x, fixedRowMinH, lbl(labelW, "考　　点"), txt(tableW-labelW, d.VenueName+"\n"+d.Address))
	if d.Transport != "" {
		f.row(x, fixedRowMinH, lbl(labelW, "交通提示"), txt(tableW-labelW, d.Transport))
	}
	if len(d.Schedule) > 0 {
		f.row(x, fixedRowMinH, lbl(labelW, "笔试科目"), txt(tableW-labelW, strings.Join(d.Schedule, "\n")))
	} else {
		f.row(x, fixedRowMinH, lbl(labelW, "笔试科目"), txt(tableW-labelW, strings.Join(d.Subjects, "、")))
	}

	// QR code and the 考生须知 side by side below the table.
	f.y += 4
	const qrW = 36.0
	pdf.ImageOptions("qr", x+tableW-qrW, f.y, qrW, qrW, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetFont(fontName, "", 8)
	pdf.SetXY(x+tableW-qrW, f.y+qrW)
	pdf.CellFormat(qrW, 4, "入场核验二维码", "", 0, "C", false, 0, "")
	pdf.SetFont(fontName, "", 12)
	pdf.SetXY(x, f.y)
	pdf.CellFormat(tableW-qrW-4, 6, "考生须知", "", 0, "L", false, 0, "")
	f.y += 8
	pdf.SetFont(fontName, "", bodySize)
	textW := tableW - qrW - 4
	for _, para := range strings.Split(clean(d.Instructions), "\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		for _, l := range f.wrap(para, textW) {
			if f.y+lineH > contentBot {
				break // one page: the administrator's limit keeps the text short
			}
			pdf.SetXY(x, f.y)
			pdf.CellFormat(textW, lineH, l, "", 0, "L", false, 0, "")
			f.y += lineH
		}
		f.y += 1
	}
	pdf.SetFont(fontName, "", 8)
	pdf.SetXY(marginX, pageH-footerSpace+5)
	pdf.CellFormat(tableW, 4, clean(fmt.Sprintf("报名序号：%s　　生成时间：%s（北京时间）　　本准考证由报名系统生成，涂改无效。",
		d.AppID, d.GeneratedAt.In(domain.Shanghai).Format("2006-01-02 15:04"))), "", 0, "C", false, 0, "")
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("ticket pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("ticket pdf: %w", err)
	}
	return buf.Bytes(), nil
}
