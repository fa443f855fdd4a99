package pdfdoc

import (
	"sync"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/simplifiedchinese"

	"examreg/static/fonts"
)

// Why a prepared font: fpdf parses the whole 4.6 MB CJK font when it is
// added to a document (widths of ~35k glyphs into a map) and again when it
// subsets it on output, which made one 准考证 cost 90–330 ms. Cut once to
// the characters tickets almost always use (ASCII, GB 2312's 7,445
// characters and symbols, CJK and full-width punctuation, the ticket's own
// labels), the font is 1.3 MB and a ticket takes a fraction of that. A
// ticket whose text has a character outside it (a rare character in a
// name or address) is drawn with the full font, as before.

// ticketLabels are the fixed strings TicketPDF prints.
const ticketLabels = "笔试准考证姓名性别身份证号准考证号考场座位号报考职位考点交通提示笔试科目入场核验二维码考生须知报名序号生成时间北京时间本准考证由报名系统生成，涂改无效。第（）：、　□"

var ticketFont struct {
	once  sync.Once
	data  []byte
	runes map[rune]bool
}

// WarmTicketFont prepares the ticket font (about 0.1 s of CPU) so the
// first ticket does not pay for it; safe to call more than once, from any goroutine.
func WarmTicketFont() { ticketFont.once.Do(prepareTicketFont) }

func prepareTicketFont() {
	set := map[rune]bool{}
	for r := rune(0x20); r < 0x7f; r++ {
		set[r] = true
	}
	for _, rng := range [][2]rune{{0x2010, 0x2027}, {0x3000, 0x303f}, {0xff01, 0xff5e}} {
		for r := rng[0]; r <= rng[1]; r++ {
			set[r] = true
		}
	}
	for _, r := range ticketLabels {
		set[r] = true
	}
	// GB 2312 is rows 0xA1–0xF7 × 0xA1–0xFE of GBK.
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xa1; hi <= 0xf7; hi++ {
		for lo := 0xa1; lo <= 0xfe; lo++ {
			out, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			if r, _ := utf8.DecodeRune(out); r != utf8.RuneError {
				set[r] = true
			}
		}
	}
	cutset := make([]rune, 0, len(set))
	for r := range set {
		cutset = append(cutset, r)
	}
	ticketFont.data = fpdf.UTF8CutFont(fonts.CJK, string(cutset))
	ticketFont.runes = set
}

// fontFor returns the prepared font when it covers every character of
// texts (after clean), the full font otherwise.
func fontFor(texts ...string) []byte {
	WarmTicketFont()
	if len(ticketFont.data) == 0 {
		return fonts.CJK
	}
	for _, s := range texts {
		for _, r := range clean(s) {
			if r != '\n' && !ticketFont.runes[r] {
				return fonts.CJK
			}
		}
	}
	return ticketFont.data
}
