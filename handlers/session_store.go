package handlers

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"
)

// Sessions: the same stored format as Fiber's session middleware (a gob of
// map[string]any under the session id in the Fiber storage, the id in the
// examreg_sid cookie), read without a gob decoder per request. The storage
// (kv.FiberStorage) answers from the store's read cache while the session is
// unchanged, and a logout, rotation or expiry counts at the next request;
// the decoding is reused while the stored bytes are the ones it was decoded
// from: decodedSessions is keyed by session id and holds the stored bytes
// next to their decoding. A poll, the most frequent request of the last
// day, thus costs a map lookup and a byte comparison instead of a store
// read and a gob decoder (≈ 50 allocations) per request.

// sessionCookie is the cookie holding the session id.
const sessionCookie = "examreg_sid"

// maxDecodedSessions bounds the decoded-session cache (≈ 0.5 KB each, so
// ≈ 16 MB): more than the sessions active within a few minutes of a last
// day; an evicted one is only decoded again.
const maxDecodedSessions = 32_768

// sessionStore loads and saves sessions.
type sessionStore struct {
	storage fiber.Storage
	exp     time.Duration // storage lifetime of a saved session
	secure  bool          // Secure cookie attribute
	decoded decodedSessions
}

func newSessionStore(storage fiber.Storage, exp time.Duration, secure bool) *sessionStore {
	if storage == nil {
		// The in-memory storage Fiber's session middleware uses by default.
		storage = session.New().Storage
	}
	return &sessionStore{storage: storage, exp: exp, secure: secure, decoded: decodedSessions{m: map[string]decodedSession{}, max: maxDecodedSessions}}
}

// decodedSessions caches, per session id, the stored bytes last seen and
// their decoding. An entry is used only when the bytes read now are equal
// to the ones it was decoded from.
type decodedSessions struct {
	mu  sync.RWMutex
	m   map[string]decodedSession
	max int
}

type decodedSession struct {
	raw  []byte
	data map[string]any // shared, read only
}

func (d *decodedSessions) lookup(id string, raw []byte) (map[string]any, bool) {
	d.mu.RLock()
	e, ok := d.m[id]
	d.mu.RUnlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return nil, false
	}
	return e.data, true
}

func (d *decodedSessions) store(id string, raw []byte, data map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.m[id]; !ok && len(d.m) >= d.max {
		for k := range d.m { // drop an arbitrary entry: it is only decoded again
			delete(d.m, k)
			break
		}
	}
	d.m[id] = decodedSession{raw: raw, data: data}
}

func (d *decodedSessions) forget(id string) {
	d.mu.Lock()
	delete(d.m, id)
	d.mu.Unlock()
}

// webSession is one request's session. Its data is shared with the cache
// until the request changes it (copied on the first Set or Delete).
type webSession struct {
	st     *sessionStore
	c      *fiber.Ctx
	id     string
	data   map[string]any
	shared bool
}

// get loads the request's session (or starts an empty one with a new id
// when the cookie names no stored session).
func (st *sessionStore) get(c *fiber.Ctx) (*webSession, error) {
	ws := &webSession{st: st, c: c}
	if id := c.Cookies(sessionCookie); id != "" {
		raw, err := st.storage.Get(id)
		if err != nil {
			return nil, err
		}
		if raw != nil {
			ws.id = utils.CopyString(id)
			if data, ok := st.decoded.lookup(ws.id, raw); ok {
				ws.data, ws.shared = data, true
				return ws, nil
			}
			data := map[string]any{}
			if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
				return nil, fmt.Errorf("decode session: %w", err)
			}
			st.decoded.store(ws.id, bytes.Clone(raw), data)
			ws.data, ws.shared = data, true
			return ws, nil
		}
	}
	ws.id = utils.UUIDv4()
	ws.data = map[string]any{}
	return ws, nil
}

// ID is the session id.
func (ws *webSession) ID() string { return ws.id }

// Get returns the value of key, or nil.
func (ws *webSession) Get(key string) any { return ws.data[key] }

// own makes the data the request's own before a change.
func (ws *webSession) own() {
	if ws.shared {
		ws.data = maps.Clone(ws.data)
		ws.shared = false
	}
}

// Set sets key.
func (ws *webSession) Set(key string, v any) {
	ws.own()
	ws.data[key] = v
}

// Delete removes key.
func (ws *webSession) Delete(key string) {
	ws.own()
	delete(ws.data, key)
}

// Reset deletes the stored session, expires its cookie and goes on with a
// new id and no data (as Fiber's Session.Reset).
func (ws *webSession) Reset() error {
	if err := ws.st.storage.Delete(ws.id); err != nil {
		return err
	}
	ws.st.decoded.forget(ws.id)
	ws.c.Request().Header.DelCookie(sessionCookie)
	ws.c.Response().Header.DelCookie(sessionCookie)
	ws.setCookie("", true)
	ws.id = utils.UUIDv4()
	ws.data, ws.shared = map[string]any{}, false
	return nil
}

// Save stores the session and sets its cookie.
func (ws *webSession) Save() error {
	ws.setCookie(ws.id, false)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&ws.data); err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	raw := buf.Bytes()
	if err := ws.st.storage.Set(ws.id, raw, ws.st.exp); err != nil {
		return err
	}
	// What was written is what the next request will read: keep it decoded.
	ws.st.decoded.store(ws.id, bytes.Clone(raw), ws.data)
	ws.shared = true
	return nil
}

// setCookie sets (or, expire true, deletes) the session cookie: HttpOnly,
// SameSite=Lax, Secure behind TLS, and a session cookie (no Max-Age: it
// ends with the browser, safer on shared computers).
func (ws *webSession) setCookie(value string, expire bool) {
	ck := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(ck)
	ck.SetKey(sessionCookie)
	ck.SetValue(value)
	ck.SetPath("/")
	ck.SetSecure(ws.st.secure)
	ck.SetHTTPOnly(true)
	ck.SetSameSite(fasthttp.CookieSameSiteLaxMode)
	if expire {
		ck.SetMaxAge(-1)
		ck.SetExpire(time.Now().Add(-time.Minute))
	}
	ws.c.Response().Header.SetCookie(ck)
}
