// Package fonts embeds the fonts examreg draws PDFs with, so generating a
// 报名推荐表 or 准考证 needs no font installed on the server.
package fonts

import _ "embed"

// CJK is WenQuanYi Micro Hei (文泉驿微米黑) as a standalone TrueType file:
// about 35k characters covering GB 18030's common set plus Latin and
// digits, so rare characters in names and ID numbers print. It is face 0
// of Debian's .ttc, extracted because fpdf cannot read collections. 4.6 MB;
// fpdf embeds only the glyphs a document uses. License:
// LICENSE-wqy-microhei.txt (Apache-2.0 or GPL-3+ with font exception).
//
//go:embed wqy-microhei.ttf
var CJK []byte
