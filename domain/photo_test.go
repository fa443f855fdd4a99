package domain

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// photoLike draws a portrait-ish test picture: a light background, a darker
// "head and shoulders" blob, a gradient and per-pixel noise of the given
// amplitude (0 = smooth). Noise is what makes JPEG big, so tests use it to
// force quality stepping.
func photoLike(w, h, noise int, alpha bool) image.Image {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, r := w/2, h*2/5, w/4
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			base := 200 - 60*y/h
			dx, dy := x-cx, y-cy
			if dx*dx+dy*dy < r*r || (y > h*3/5 && dx*dx < (w*w)/9) {
				base = 90 + 40*x/w
			}
			n := 0
			if noise > 0 {
				n = rng.IntN(2*noise+1) - noise
			}
			c := func(v int) uint8 { return uint8(max(0, min(255, v))) }
			a := uint8(255)
			if alpha && (x < w/10 || y < h/10) {
				a = 0 // transparent frame: must come out white, not black
			}
			img.SetNRGBA(x, y, color.NRGBA{c(base + n), c(base + n/2 + 10), c(base - n/3 + 20), a})
		}
	}
	return img
}

func encJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// forgedPNG returns a valid 1×1 PNG whose IHDR claims w×h, with the chunk
// CRC recomputed so the header parses: the shape of a decompression bomb.
func forgedPNG(t testing.TB, w, h uint32) []byte {
	t.Helper()
	b := encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// Layout: 8-byte signature, then IHDR: length(4) "IHDR"(4) data(13) crc(4).
	if string(b[12:16]) != "IHDR" {
		t.Fatal("unexpected PNG layout")
	}
	binary.BigEndian.PutUint32(b[16:20], w)
	binary.BigEndian.PutUint32(b[20:24], h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestNormalizePhotoAccepts(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		format string
		maxQ   int // quality must be at most this (checks stepping happened)
	}{
		{"jpeg 600x840", encJPEG(t, photoLike(600, 840, 4, false), 92), "jpeg", 90},
		{"jpeg exact 295x413", encJPEG(t, photoLike(295, 413, 0, false), 95), "jpeg", 90},
		{"png 600x840 with alpha", encPNG(t, photoLike(600, 840, 0, true)), "png", 90},
		// 5% too wide still passes and is centre-cropped.
		{"jpeg slightly wide 630x840", encJPEG(t, photoLike(630, 840, 2, false), 90), "jpeg", 90},
		{"jpeg noisy 1200x1700 needs stepping", encJPEG(t, photoLike(1200, 1700, 120, false), 95), "jpeg", 85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, info, err := NormalizePhoto(tt.data)
			if err != nil {
				t.Fatalf("NormalizePhoto: %v", err)
			}
			if info.SourceFormat != tt.format {
				t.Errorf("format %q, want %q", info.SourceFormat, tt.format)
			}
			if len(out) > MaxPhotoBytes || info.Bytes != len(out) {
				t.Errorf("output %d bytes, info %d", len(out), info.Bytes)
			}
			if info.Quality > tt.maxQ || info.Quality < photoMinQuality {
				t.Errorf("quality %d, want %d..%d", info.Quality, photoMinQuality, tt.maxQ)
			}
			if err := CheckPhotoStored(out); err != nil {
				t.Errorf("CheckPhotoStored(output): %v", err)
			}
			// No metadata: right after SOI comes the JFIF-less quantisation
			// table or APP0 at most, never APP1 (EXIF/XMP).
			if bytes.Contains(out, []byte("Exif\x00")) {
				t.Error("output carries EXIF")
			}
			t.Logf("%s %dx%d -> %d bytes at q%d", info.SourceFormat, info.SourceWidth, info.SourceHeight, info.Bytes, info.Quality)
		})
	}
}

func TestNormalizePhotoFlattensAlphaOnWhite(t *testing.T) {
	out, _, err := NormalizePhoto(encPNG(t, photoLike(600, 840, 0, true)))
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(3, 3).RGBA()
	if r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Errorf("transparent corner became %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
}

func TestNormalizePhotoStripsEXIF(t *testing.T) {
	src := encJPEG(t, photoLike(600, 840, 0, false), 90)
	// Splice an APP1 Exif segment right after SOI, as cameras write it.
	payload := []byte("Exif\x00\x00GPS-secret-location")
	seg := append([]byte{0xff, 0xe1, 0, byte(len(payload) + 2)}, payload...)
	withExif := append(append([]byte{0xff, 0xd8}, seg...), src[2:]...)
	out, _, err := NormalizePhoto(withExif)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("GPS-secret")) || bytes.Contains(out, []byte("Exif")) {
		t.Error("EXIF survived normalisation")
	}
}

func TestNormalizePhotoRefuses(t *testing.T) {
	good := encJPEG(t, photoLike(600, 840, 4, false), 90)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	var gif bytes.Buffer
	gif.WriteString("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	tests := []struct {
		name string
		data []byte
		code Code
		msg  string // substring of the message
	}{
		{"empty", nil, EINVALID, MsgPhotoEmpty},
		{"over 5 MB", make([]byte, MaxPhotoUpload+1), ETOOLARGE, MsgPhotoTooLarge},
		{"pdf renamed jpg", pdf, EINVALID, MsgPhotoFormat},
		{"gif", gif.Bytes(), EINVALID, MsgPhotoFormat},
		{"garbage", []byte(strings.Repeat("not an image ", 50)), EINVALID, MsgPhotoFormat},
		{"jpeg truncated in pixel data", good[:len(good)/2], EINVALID, MsgPhotoCorrupt},
		{"jpeg truncated in header", good[:20], EINVALID, MsgPhotoCorrupt},
		{"png truncated", encPNG(t, photoLike(600, 840, 4, false))[:5000], EINVALID, MsgPhotoCorrupt},
		{"too small 200x280", encJPEG(t, photoLike(200, 280, 0, false), 90), EINVALID, fmt.Sprintf(MsgPhotoTooSmall, 200, 280)},
		{"one pixel short 295x412", encJPEG(t, photoLike(295, 412, 0, false), 90), EINVALID, fmt.Sprintf(MsgPhotoTooSmall, 295, 412)},
		{"landscape 840x600", encJPEG(t, photoLike(840, 600, 0, false), 90), EINVALID, fmt.Sprintf(MsgPhotoRatio, 840, 600)},
		{"square 800x800", encJPEG(t, photoLike(800, 800, 0, false), 90), EINVALID, fmt.Sprintf(MsgPhotoRatio, 800, 800)},
		{"too tall 400x700", encJPEG(t, photoLike(400, 700, 0, false), 90), EINVALID, fmt.Sprintf(MsgPhotoRatio, 400, 700)},
		{"png bomb 50000x50000", forgedPNG(t, 50000, 50000), EINVALID, fmt.Sprintf(MsgPhotoTooHuge, 50000, 50000)},
		{"png bomb 9000x9000 (81 MP)", forgedPNG(t, 9000, 9000), EINVALID, fmt.Sprintf(MsgPhotoTooHuge, 9000, 9000)},
		{"png side over 10000", forgedPNG(t, 300, 10001), EINVALID, fmt.Sprintf(MsgPhotoTooHuge, 300, 10001)},
		// Header fine, pixels missing: refused at decode without allocating much.
		{"png forged plausible size", forgedPNG(t, 500, 700), EINVALID, MsgPhotoCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := NormalizePhoto(tt.data)
			if err == nil {
				t.Fatalf("accepted (%d bytes out)", len(out))
			}
			if got := ErrorCode(err); got != tt.code {
				t.Errorf("code %q, want %q (%v)", got, tt.code, err)
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q, want %q", msg, tt.msg)
			}
			if ErrorFields(err)[PhotoField] == "" {
				t.Errorf("no message on field %q", PhotoField)
			}
		})
	}
}

func TestNormalizePhotoNoFit(t *testing.T) {
	// Full-range noise at the target size leaves nothing for the scaler
	// to smooth. It still fits 30 KB at quality 20 (about 25 KB), so the
	// budget is lowered to 20 KB to reach the refusal.
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, PhotoWidth, PhotoHeight))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	_, _, err := normalizePhoto(encPNG(t, img), 20*1024)
	if err == nil || ErrorMessage(err) != MsgPhotoNoFit {
		t.Fatalf("err = %v, want %q", err, MsgPhotoNoFit)
	}
}

func TestCheckPhotoStored(t *testing.T) {
	good, _, err := NormalizePhoto(encJPEG(t, photoLike(600, 840, 4, false), 90))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"normalised", good, true},
		{"empty", nil, false},
		{"wrong size jpeg", encJPEG(t, photoLike(300, 420, 0, false), 80), false},
		{"png of right size", encPNG(t, photoLike(PhotoWidth, PhotoHeight, 0, false)), false},
		{"truncated", good[:len(good)-len(good)/3], false},
		{"too big", append(bytes.Clone(good), make([]byte, MaxPhotoBytes)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPhotoStored(tt.data)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPhotoStored = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && ErrorMessage(err) != MsgPhotoBadStored {
				t.Errorf("message %q", ErrorMessage(err))
			}
		})
	}
}

func TestCropTo57(t *testing.T) {
	tests := []struct {
		in   image.Rectangle
		want image.Rectangle
	}{
		{image.Rect(0, 0, 295, 413), image.Rect(0, 0, 295, 413)},
		{image.Rect(0, 0, 630, 840), image.Rect(15, 0, 615, 840)},
		{image.Rect(0, 0, 500, 770), image.Rect(0, 35, 500, 735)},
		{image.Rect(10, 20, 610, 860), image.Rect(10, 20, 610, 860)},
	}
	for _, tt := range tests {
		if got := cropTo57(tt.in); got != tt.want {
			t.Errorf("cropTo57(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// areaAverage is a slow, obviously correct reference downscale: each
// output pixel is the mean of the source pixels of its cell.
func areaAverage(src image.Image, sr image.Rectangle) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, PhotoWidth, PhotoHeight))
	sx, sy := float64(sr.Dx())/PhotoWidth, float64(sr.Dy())/PhotoHeight
	for y := range PhotoHeight {
		for x := range PhotoWidth {
			var sum [3]float64
			var n float64
			for yy := sr.Min.Y + int(float64(y)*sy); yy < sr.Min.Y+int(float64(y+1)*sy); yy++ {
				for xx := sr.Min.X + int(float64(x)*sx); xx < sr.Min.X+int(float64(x+1)*sx); xx++ {
					r, g, b, _ := src.At(xx, yy).RGBA()
					sum[0], sum[1], sum[2] = sum[0]+float64(r>>8), sum[1]+float64(g>>8), sum[2]+float64(b>>8)
					n++
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(sum[0]/n + .5), uint8(sum[1]/n + .5), uint8(sum[2]/n + .5), 255})
		}
	}
	return dst
}

func psnr(a, b *image.RGBA) float64 {
	var se float64
	for i := range a.Pix {
		if i%4 != 3 {
			d := float64(a.Pix[i]) - float64(b.Pix[i])
			se += d * d
		}
	}
	return 10 * math.Log10(255*255/(se/float64(len(a.Pix)*3/4)))
}

// TestScalePhotoAntiAliasing checks the fast scaler against an exact area
// average. Fine stripes alias into moiré with a point-sampling scaler
// (ApproxBiLinear alone scores about 9 dB here).
func TestScalePhotoAntiAliasing(t *testing.T) {
	// Coloured so the JPEG decodes to YCbCr (the fast path) and the PNG
	// to RGBA (the generic path).
	stripes := image.NewRGBA(image.Rect(0, 0, 1200, 1680))
	for y := range 1680 {
		for x := range 1200 {
			v := uint8(0)
			if (x/2+y/3)%2 == 0 {
				v = 255
			}
			stripes.SetRGBA(x, y, color.RGBA{v, 255 - v, v / 2, 255})
		}
	}
	tests := []struct {
		name  string
		img   image.Image
		minDB float64
	}{
		{"photo-like jpeg", photoLike(1200, 1680, 12, false), 42},
		{"stripes jpeg", stripes, 35},
		{"stripes png", stripes, 35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src image.Image
			var err error
			if strings.Contains(tt.name, "png") {
				src, err = png.Decode(bytes.NewReader(encPNG(t, tt.img)))
			} else {
				src, err = jpeg.Decode(bytes.NewReader(encJPEG(t, tt.img, 90)))
			}
			if err != nil {
				t.Fatal(err)
			}
			sr := cropTo57(src.Bounds())
			got := psnr(scalePhoto(src, sr), areaAverage(src, sr))
			t.Logf("%T: %.1f dB", src, got)
			if got < tt.minDB {
				t.Errorf("PSNR %.1f dB against area average, want >= %.0f", got, tt.minDB)
			}
		})
	}
}

// BenchmarkNormalizePhoto measures a typical phone upload: a 1200×1680
// photo-like JPEG with moderate noise. Budget: under 50 ms per op.
// The decode sub-benchmark is the floor: image/jpeg alone takes more
// than half of the time.
func BenchmarkNormalizePhoto(b *testing.B) {
	data := encJPEG(b, photoLike(1200, 1680, 12, false), 90)
	b.Run("normalize", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		var info PhotoInfo
		for b.Loop() {
			var err error
			if _, info, err = NormalizePhoto(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(info.Quality), "quality")
		b.ReportMetric(float64(info.Bytes), "out-bytes")
	})
	b.Run("decode-only", func(b *testing.B) {
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
