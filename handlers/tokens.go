package handlers

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image/color"
	"image/png"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/dchest/captcha"
	"github.com/gofiber/fiber/v2"

	"examreg/kv"
)

// Anonymous visitors get no server-side state (issue 8, item 6): the form
// token and the captcha answer travel with the browser, signed or sealed
// with keys derived from a secret kept in the store, and bound to a random
// nonce cookie so a token is only good in the browser it was issued to.

// serverKeys are the keys derived from the store's token secret.
type serverKeys struct {
	captcha cipher.AEAD // seals the captcha answer (AES-256-GCM)
	csrf    []byte      // HMAC key of anonymous form tokens
}

// loadServerKeys derives the keys from the store's secret (made on first use).
func loadServerKeys(store *kv.Store) (*serverKeys, error) {
	secret, err := store.Secret("tokens")
	if err != nil {
		return nil, err
	}
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(purpose))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("captcha"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &serverKeys{captcha: aead, csrf: derive("csrf")}, nil
}

// keyCache loads the keys once; a failed load is tried again next time.
type keyCache struct {
	mu   sync.Mutex
	keys *serverKeys
}

func (s *Server) keys() (*serverKeys, error) {
	s.keyCache.mu.Lock()
	defer s.keyCache.mu.Unlock()
	if s.keyCache.keys == nil {
		k, err := loadServerKeys(s.store)
		if err != nil {
			return nil, err
		}
		s.keyCache.keys = k
	}
	return s.keyCache.keys, nil
}

// Cookies of an anonymous browser.
const (
	nonceCookie   = "examreg_nonce"   // random, names this browser for token binding
	captchaCookie = "examreg_captcha" // the sealed answer of the last captcha image shown
	localNonce    = "examreg.nonce"
)

// validNonce accepts what newToken makes (43 URL-safe base64 characters).
func validNonce(n string) bool {
	if len(n) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(n)
	return err == nil
}

// browserNonce returns this browser's nonce, setting the cookie when the
// browser has none yet.
func (s *Server) browserNonce(c *fiber.Ctx) string {
	if n, _ := c.Locals(localNonce).(string); n != "" {
		return n
	}
	n := c.Cookies(nonceCookie)
	if !validNonce(n) {
		n = newToken()
		c.Cookie(s.cookie(nonceCookie, n))
	}
	c.Locals(localNonce, n)
	return n
}

// cookie is a browser-session, HTTP-only cookie for the whole site.
func (s *Server) cookie(name, value string) *fiber.Cookie {
	return &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax", SessionOnly: true}
}

// anonCSRF is the form token of an anonymous browser: an HMAC of its nonce,
// so it is checked without storing anything.
func (k *serverKeys) anonCSRF(nonce string) string {
	m := hmac.New(sha256.New, k.csrf)
	m.Write([]byte("csrf\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Captcha tokens.
const (
	captchaLen = 5 // digits: fewer, larger digits read better on a phone
	captchaTTL = 20 * time.Minute
	// Image size in pixels; shown at half size (240×80 CSS px), so it stays
	// sharp on phone screens with two or three device pixels per CSS pixel.
	captchaWidth, captchaHeight = 480, 160
)

var errBadCaptchaToken = errors.New("captcha token invalid")

// bindNonce is what a captcha token carries of the browser's nonce.
func bindNonce(nonce string) []byte {
	h := sha256.Sum256([]byte("captcha\x00" + nonce))
	return h[:16]
}

// sealCaptcha makes a token: expiry (8 bytes, also the AEAD's additional
// data) | GCM nonce (12 bytes, also the token's id) | sealed digits and
// browser binding.
func (k *serverKeys) sealCaptcha(digits []byte, nonce string, exp time.Time) string {
	head := make([]byte, 8, 8+12+captchaLen+16+k.captcha.Overhead())
	binary.BigEndian.PutUint64(head, uint64(exp.Unix()))
	iv := make([]byte, 12)
	_, _ = rand.Read(iv)
	plain := append(append([]byte(nil), digits...), bindNonce(nonce)...)
	out := append(append(head, iv...), k.captcha.Seal(nil, iv, plain, head[:8])...)
	return base64.RawURLEncoding.EncodeToString(out)
}

// captchaToken is an opened token.
type captchaToken struct {
	id     string
	digits []byte
	bind   []byte
	exp    time.Time
}

func (k *serverKeys) openCaptcha(tok string) (captchaToken, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 8+12+captchaLen+16+k.captcha.Overhead() {
		return captchaToken{}, errBadCaptchaToken
	}
	plain, err := k.captcha.Open(nil, b[8:20], b[20:], b[:8])
	if err != nil {
		return captchaToken{}, errBadCaptchaToken
	}
	return captchaToken{
		id:     hex.EncodeToString(b[8:20]),
		digits: plain[:captchaLen],
		bind:   plain[captchaLen:],
		exp:    time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0),
	}, nil
}

// captchaPNG draws digits readable at 100 % on a phone: dchest/captcha's
// shapes (the seed is the token id) recoloured with an opaque white
// background, near-black digits and faint noise circles.
func captchaPNG(id string, digits []byte) ([]byte, error) {
	img := captcha.NewImage(id, digits, captchaWidth, captchaHeight)
	pal := img.Palette
	pal[0] = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	pal[1] = color.RGBA{0x10, 0x1C, 0x3A, 0xFF}
	for i := 2; i < len(pal); i++ {
		pal[i] = color.RGBA{0xDD, 0xE3, 0xEC, 0xFF}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img.Paletted); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parseTrusted reads -trusted-proxies: addresses or CIDR prefixes.
func parseTrusted(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address per-IP limits and the audit log see. Behind a
// trusted proxy it is the rightmost address of ProxyHeader that is not
// itself a trusted proxy: each proxy appends the address it got the
// request from, so everything left of that was written by the client and
// is never believed.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if s.proxyHeader == "" || !s.trustedProxy(peer) {
		return peer.String()
	}
	var values []string
	for _, v := range c.Request().Header.PeekAll(s.proxyHeader) {
		values = append(values, string(v))
	}
	hops := strings.Split(strings.Join(values, ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // written by the client: the last trusted hop is as far as we know
		}
		client = a.Unmap()
		if !s.trustedProxy(client) {
			break
		}
	}
	return client.String()
}
