package domain

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
)

// Photo rules. The stored photo is the 国考-style 证件照: 295×413 pixels
// (5:7 portrait), JPEG, at most MaxPhotoBytes. Uploads are normalised to it
// on the server so the candidate needs no offline 照片审核工具.
const (
	// MaxPhotoUpload is the largest photo file accepted. The web layer
	// enforces it before reading the body; NormalizePhoto checks again so
	// the rule holds for any caller.
	MaxPhotoUpload = 5 << 20
	// MaxPhotoBytes is the largest stored (normalised) photo.
	MaxPhotoBytes = 30 * 1024
	// PhotoWidth and PhotoHeight are the exact stored size; uploads must be
	// at least this large because the photo is never enlarged.
	PhotoWidth  = 295
	PhotoHeight = 413
	// MaxPhotoPixels and MaxPhotoSide bound the decoded size: a small file
	// can declare a huge canvas (decompression bomb), and decoding it would
	// allocate width*height*4 bytes or more.
	MaxPhotoPixels = 40_000_000
	MaxPhotoSide   = 10000

	// photoAspectTolerance is how far w/h may stray from 5:7 (relative).
	photoAspectTolerance = 0.10
	// Quality steps tried in order; 20 is the floor below which a face
	// photo is no longer usable for identification.
	photoStartQuality = 90
	photoQualityStep  = 5
	photoMinQuality   = 20
)

// Messages of photo errors; exported so the web layer and tests can match them.
const (
	MsgPhotoFormat    = "照片格式不正确，只接受 JPG 或 PNG 格式的图片"
	MsgPhotoCorrupt   = "照片文件已损坏，无法读取"
	MsgPhotoEmpty     = "请选择要上传的照片文件"
	MsgPhotoTooLarge  = "照片文件过大：不能超过 5 MB"
	MsgPhotoTooHuge   = "照片像素尺寸过大（当前 %d×%d 像素）：宽、高均不能超过 10000 像素，总像素不能超过 4000 万"
	MsgPhotoTooSmall  = "照片尺寸过小：当前 %d×%d 像素，至少需要 295×413 像素（不会放大）"
	MsgPhotoRatio     = "照片比例不符合要求：应为宽:高约 5:7 的竖版证件照（当前 %d×%d）"
	MsgPhotoNoFit     = "照片压缩后仍超过 30 KB，请换一张背景更简单、更清晰的照片"
	MsgPhotoBadStored = "已保存的照片不符合规格（应为 295×413 像素的 JPG 图片）"
)

// PhotoField is the form field name photo errors are reported on.
const PhotoField = "photo"

// PhotoInfo describes what NormalizePhoto did, for the page and the log.
type PhotoInfo struct {
	SourceFormat string // "jpeg" or "png"
	SourceWidth  int
	SourceHeight int
	Bytes        int // size of the normalised JPEG
	Quality      int // JPEG quality that made it fit MaxPhotoBytes
}

// photoDecodeConfig and photoDecode call the JPEG and PNG decoders
// directly, chosen by the file's magic bytes, instead of image.Decode: the
// image package's format registry is process-wide, so any other import
// (image/gif, x/image/webp) would silently widen what uploads accept.
// format is "" when the magic bytes are neither JPEG nor PNG.
func photoDecodeConfig(data []byte) (image.Config, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8")):
		c, err := jpeg.DecodeConfig(bytes.NewReader(data))
		return c, "jpeg", err
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		c, err := png.DecodeConfig(bytes.NewReader(data))
		return c, "png", err
	}
	return image.Config{}, "", errors.New("unknown format")
}

func photoDecode(data []byte, format string) (image.Image, error) {
	if format == "png" {
		return png.Decode(bytes.NewReader(data))
	}
	return jpeg.Decode(bytes.NewReader(data))
}

// NormalizePhoto checks an uploaded photo and turns it into the stored form:
// a 295×413 JPEG of at most 30 KB without metadata. Every refusal is an
// EINVALID (or ETOOLARGE) error on PhotoField with a message saying what to fix.
func NormalizePhoto(data []byte) ([]byte, PhotoInfo, error) {
	return normalizePhoto(data, MaxPhotoBytes)
}

// normalizePhoto takes the byte budget as a parameter only so tests can
// reach the "does not fit" branch: at 295×413, even full-range random noise
// encodes to about 25 KB at quality 20, so no real upload hits it.
func normalizePhoto(data []byte, maxBytes int) ([]byte, PhotoInfo, error) {
	var info PhotoInfo
	if len(data) == 0 {
		return nil, info, FieldError(PhotoField, MsgPhotoEmpty)
	}
	if len(data) > MaxPhotoUpload {
		return nil, info, &Error{Code: ETOOLARGE, Message: MsgPhotoTooLarge, Fields: FieldErrors{PhotoField: MsgPhotoTooLarge}}
	}
	cfg, format, err := photoDecodeConfig(data)
	if format == "" {
		return nil, info, FieldError(PhotoField, MsgPhotoFormat)
	}
	if err != nil { // right magic bytes but the header is cut off or garbled
		return nil, info, FieldError(PhotoField, MsgPhotoCorrupt)
	}
	w, h := cfg.Width, cfg.Height
	info.SourceFormat, info.SourceWidth, info.SourceHeight = format, w, h
	// Sizes come from the header only: refuse bombs before any pixel is allocated.
	if w <= 0 || h <= 0 {
		return nil, info, FieldError(PhotoField, MsgPhotoCorrupt)
	}
	if w > MaxPhotoSide || h > MaxPhotoSide || int64(w)*int64(h) > MaxPhotoPixels {
		return nil, info, FieldError(PhotoField, fmt.Sprintf(MsgPhotoTooHuge, w, h))
	}
	if w < PhotoWidth || h < PhotoHeight {
		return nil, info, FieldError(PhotoField, fmt.Sprintf(MsgPhotoTooSmall, w, h))
	}
	const want = float64(PhotoWidth) / float64(PhotoHeight)
	if r := float64(w) / float64(h); r < want*(1-photoAspectTolerance) || r > want*(1+photoAspectTolerance) {
		return nil, info, FieldError(PhotoField, fmt.Sprintf(MsgPhotoRatio, w, h))
	}

	src, err := photoDecode(data, format)
	if err != nil {
		return nil, info, FieldError(PhotoField, MsgPhotoCorrupt)
	}

	dst := scalePhoto(src, cropTo57(src.Bounds()))

	var buf bytes.Buffer
	for q := photoStartQuality; q >= photoMinQuality; q -= photoQualityStep {
		buf.Reset()
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: q}); err != nil {
			return nil, info, fmt.Errorf("encode photo: %w", err)
		}
		if buf.Len() <= maxBytes {
			info.Bytes, info.Quality = buf.Len(), q
			return bytes.Clone(buf.Bytes()), info, nil
		}
	}
	return nil, info, FieldError(PhotoField, MsgPhotoNoFit)
}

// scalePhoto crops src to sr, flattens it on white and scales it to
// exactly PhotoWidth×PhotoHeight.
//
// Measured on a 1200×1680 JPEG (2 shared cores): x/image/draw CatmullRom
// alone took 80–130 ms, because at a 4× reduction every output pixel reads
// a 16×16 footprint through the generic kernel path; ApproxBiLinear alone
// took ~4 ms but aliases fine patterns badly (9 dB PSNR against an exact
// area average on 2-pixel stripes, vs 40 dB for CatmullRom). So the bulk
// of the reduction is an integer box average (each source pixel read once,
// no aliasing) and a bilinear step does the remaining < 2× reduction.
// For that last step CatmullRom and ApproxBiLinear score the same against
// the exact area average (45.6/40.8/41.0 dB vs 45.5/41.0/41.0 dB in
// TestScalePhotoAntiAliasing: the box average has already removed what
// could alias), but bilinear takes ~5 ms less and half the memory per
// upload (4 MB vs 8 MB), which keeps a 2-megapixel upload near the 50 ms
// budget where the JPEG decode alone takes ~40 ms on this kind of machine.
// TestScalePhotoAntiAliasing guards the choice.
func scalePhoto(src image.Image, sr image.Rectangle) *image.RGBA {
	k := min(sr.Dx()/PhotoWidth, sr.Dy()/PhotoHeight)
	var mid *image.RGBA
	if y, ok := src.(*image.YCbCr); ok && k >= 2 {
		// Every JPEG decodes to YCbCr: averaging its planes directly saves
		// converting (and allocating) the full-size RGBA copy, about a third
		// of the scaling time.
		mid = boxShrinkYCbCr(y, sr, k)
	} else {
		mid = flatten(src, sr)
		if k >= 2 {
			mid = boxShrink(mid, k)
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, PhotoWidth, PhotoHeight))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), mid, mid.Bounds(), draw.Src, nil)
	return dst
}

// flatten copies the sr part of src into a new opaque RGBA image.
func flatten(src image.Image, sr image.Rectangle) *image.RGBA {
	flat := image.NewRGBA(image.Rect(0, 0, sr.Dx(), sr.Dy()))
	if o, ok := src.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		// White first: transparent PNG areas become white (证件照
		// background), not black as a JPEG encoder would render them.
		draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	}
	draw.Draw(flat, flat.Bounds(), src, sr.Min, draw.Over)
	return flat
}

// boxShrinkYCbCr is boxShrink reading the sr part of a YCbCr image. The
// YCbCr→RGB conversion is affine, so averaging Y, Cb and Cr first and
// converting once per output pixel gives the same result up to rounding.
// Chroma is averaged over the chroma samples the block touches, read from
// the subsampled planes directly (a per-pixel COffset call cost ~15% of
// the whole upload).
func boxShrinkYCbCr(m *image.YCbCr, sr image.Rectangle, k int) *image.RGBA {
	hx, hy := chromaDivisors(m.SubsampleRatio)
	w, h := sr.Dx()/k, sr.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	cminX, cminY := m.Rect.Min.X/hx, m.Rect.Min.Y/hy
	for oy := 0; oy < h; oy++ {
		y0 := sr.Min.Y + oy*k
		cy0, cy1 := y0/hy, (y0+k-1)/hy
		for ox := 0; ox < w; ox++ {
			x0 := sr.Min.X + ox*k
			var ys uint32
			for y := y0; y < y0+k; y++ {
				yi := m.YOffset(x0, y)
				for _, v := range m.Y[yi : yi+k] {
					ys += uint32(v)
				}
			}
			cx0, cx1 := x0/hx, (x0+k-1)/hx
			var cbs, crs, cn uint32
			for cy := cy0; cy <= cy1; cy++ {
				ci := (cy-cminY)*m.CStride + (cx0 - cminX)
				for i := ci; i <= ci+cx1-cx0; i++ {
					cbs += uint32(m.Cb[i])
					crs += uint32(m.Cr[i])
				}
				cn += uint32(cx1 - cx0 + 1)
			}
			r, g, b := color.YCbCrToRGB(uint8((ys+n/2)/n), uint8((cbs+cn/2)/cn), uint8((crs+cn/2)/cn))
			i := out.PixOffset(ox, oy)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = r, g, b, 0xff
		}
	}
	return out
}

// chromaDivisors returns how many luma pixels share one chroma sample
// horizontally and vertically.
func chromaDivisors(r image.YCbCrSubsampleRatio) (hx, hy int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// boxShrink averages each k×k block of an opaque RGBA image into one
// pixel; the right and bottom remainders (< k pixels) are dropped, which
// at most trims a sliver of the already centred crop.
func boxShrink(m *image.RGBA, k int) *image.RGBA {
	w, h := m.Rect.Dx()/k, m.Rect.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	sums := make([]uint32, w*3)
	n := uint32(k * k)
	for oy := 0; oy < h; oy++ {
		clear(sums)
		for y := oy * k; y < oy*k+k; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w*k*4]
			for ox := 0; ox < w; ox++ {
				var r, g, b uint32
				for i := ox * k * 4; i < (ox+1)*k*4; i += 4 {
					r += uint32(row[i])
					g += uint32(row[i+1])
					b += uint32(row[i+2])
				}
				sums[ox*3] += r
				sums[ox*3+1] += g
				sums[ox*3+2] += b
			}
		}
		o := out.Pix[oy*out.Stride:]
		for ox := 0; ox < w; ox++ {
			o[ox*4+0] = uint8((sums[ox*3+0] + n/2) / n)
			o[ox*4+1] = uint8((sums[ox*3+1] + n/2) / n)
			o[ox*4+2] = uint8((sums[ox*3+2] + n/2) / n)
			o[ox*4+3] = 0xff
		}
	}
	return out
}

// cropTo57 returns the largest centred 5:7 rectangle inside r, so the
// scale step never distorts the face even though ±10% is tolerated.
func cropTo57(r image.Rectangle) image.Rectangle {
	w, h := r.Dx(), r.Dy()
	if w*PhotoHeight > h*PhotoWidth { // too wide: trim the sides
		cw := h * PhotoWidth / PhotoHeight
		x := r.Min.X + (w-cw)/2
		return image.Rect(x, r.Min.Y, x+cw, r.Max.Y)
	}
	ch := w * PhotoHeight / PhotoWidth // too tall (or exact): trim top and bottom
	y := r.Min.Y + (h-ch)/2
	return image.Rect(r.Min.X, y, r.Max.X, y+ch)
}

// CheckPhotoStored verifies that data is a photo as NormalizePhoto stores
// it: a JPEG of exactly 295×413 within MaxPhotoBytes. Used before a stored
// blob goes into a PDF or a 准考证, so a damaged or foreign blob is caught.
func CheckPhotoStored(data []byte) error {
	if len(data) == 0 || len(data) > MaxPhotoBytes || !bytes.HasPrefix(data, []byte("\xff\xd8")) {
		return FieldError(PhotoField, MsgPhotoBadStored)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != PhotoWidth || cfg.Height != PhotoHeight {
		return FieldError(PhotoField, MsgPhotoBadStored)
	}
	// Decode fully: a header can be intact while the scan data is cut off.
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		return FieldError(PhotoField, MsgPhotoBadStored)
	}
	return nil
}
