package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// Session data keys.
const (
	sessAccount   = "acct"
	sessSeen      = "seen" // unix seconds of the last request, for the idle timeout
	sessCSRF      = "csrf"
	sessFlash     = "flash"
	sessFlashKind = "flash_kind"
)

// Locals keys.
const (
	localSession = "examreg.session"
	localAccount = "examreg.account"
	localEnded   = "examreg.ended" // why a session just ended (idle, replaced)
	// localCSRFCheck holds the form token check left for limitBody.
	localCSRFCheck = "examreg.csrf"
)

// requestSession is the request's session, loaded once and saved once at
// the end of the request (Fiber's Session.Save releases the object, so it
// can't be saved part-way and used again).
type requestSession struct {
	sess  *webSession
	dirty bool
}

// session returns the request's session, loading it on first use.
func (s *Server) session(c *fiber.Ctx) (*webSession, error) {
	if rs, ok := c.Locals(localSession).(*requestSession); ok {
		return rs.sess, nil
	}
	sess, err := s.sessions.get(c)
	if err != nil {
		return nil, err
	}
	c.Locals(localSession, &requestSession{sess: sess})
	return sess, nil
}

// touchSession marks the session as changed so it is saved at the end of the request.
func touchSession(c *fiber.Ctx) {
	if rs, ok := c.Locals(localSession).(*requestSession); ok {
		rs.dirty = true
	}
}

// withSession runs the rest of the chain, renders any error itself (the
// error page may change the session too: a new CSRF token, a flash taken),
// then saves the session once if anything changed.
func (s *Server) withSession(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	rs, ok := c.Locals(localSession).(*requestSession)
	if !ok || !rs.dirty {
		return nil
	}
	c.Locals(localSession, nil)
	return rs.sess.Save()
}

// account returns the logged-in account or nil.
func account(c *fiber.Ctx) *domain.Account {
	a, _ := c.Locals(localAccount).(*domain.Account)
	return a
}

// hasSessionCookie avoids creating a session for anonymous visitors who
// have never seen a form.
func hasSessionCookie(c *fiber.Ctx) bool {
	return c.Cookies(sessionCookie) != ""
}

// loadUser finds the logged-in account. A session ends when it has been
// idle too long or when a newer login of the same account replaced it.
func (s *Server) loadUser(c *fiber.Ctx) error {
	if !hasSessionCookie(c) {
		return c.Next()
	}
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	id, _ := sess.Get(sessAccount).(string)
	if id == "" {
		return c.Next()
	}
	now := s.now()
	seen, _ := sess.Get(sessSeen).(int64)
	if now.Unix()-seen > int64(s.idle.Seconds()) {
		c.Locals(localEnded, "您已超过 30 分钟未操作，系统已自动退出，请重新登录。")
		return s.endSession(c, sess)
	}
	acct, live, err := s.store.SignedIn(id) // one read of both: every signed-in request pays it
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return s.endSession(c, sess)
	}
	if err != nil {
		return err
	}
	if live != sess.ID() {
		c.Locals(localEnded, s.endedMessage(id, live))
		return s.endSession(c, sess)
	}
	if acct.Disabled {
		c.Locals(localEnded, "您的账号已被管理员停用，已退出登录。")
		return s.endSession(c, sess)
	}
	c.Locals(localAccount, acct)
	// Refresh the idle clock at most once a minute, and never for a poll:
	// a status page left open must not keep a shared computer logged in,
	// and a write per poll would turn every refresh into a store write.
	if now.Unix()-seen >= 60 && c.Get(views.PollHeader) == "" {
		sess.Set(sessSeen, now.Unix())
		touchSession(c)
	}
	return c.Next()
}

// endSession forgets the login (keeping nothing of the old session) and
// goes on as an anonymous request.
func (s *Server) endSession(c *fiber.Ctx, sess *webSession) error {
	if err := sess.Reset(); err != nil {
		return err
	}
	touchSession(c)
	return c.Next()
}

// login starts a fresh session for acct: a new id and a new CSRF token (so a
// form rendered for the previous user of this browser is refused), and
// records it as the account's only live session.
func (s *Server) login(c *fiber.Ctx, acct *domain.Account) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if err := sess.Reset(); err != nil {
		return err
	}
	sess.Set(sessAccount, acct.ID)
	sess.Set(sessSeen, s.now().Unix())
	sess.Set(sessCSRF, newToken())
	touchSession(c)
	c.Locals(localAccount, acct)
	return s.store.SetLiveSession(acct.ID, sess.ID())
}

// logout destroys the session.
func (s *Server) logout(c *fiber.Ctx) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if acct := account(c); acct != nil {
		if err := s.store.ClearLiveSession(acct.ID, sess.ID()); err != nil {
			return err
		}
	}
	c.Locals(localAccount, nil)
	if err := sess.Reset(); err != nil {
		return err
	}
	touchSession(c)
	return nil
}

// csrfToken returns the form token for this request: a signed-in session's
// own random token, or, for an anonymous browser, an HMAC of its nonce
// cookie. An anonymous page with a form thus stores nothing on the server.
func (s *Server) csrfToken(c *fiber.Ctx) (string, error) {
	if t, err := s.sessionCSRF(c); t != "" || err != nil {
		return t, err
	}
	keys, err := s.keys()
	if err != nil {
		return "", err
	}
	return keys.anonCSRF(s.browserNonce(c)), nil
}

// sessionCSRF is the token kept in the session ("" for none; only login
// puts one there).
func (s *Server) sessionCSRF(c *fiber.Ctx) (string, error) {
	if !hasSessionCookie(c) && c.Locals(localSession) == nil {
		return "", nil
	}
	sess, err := s.session(c)
	if err != nil {
		return "", err
	}
	t, _ := sess.Get(sessCSRF).(string)
	return t, nil
}

// checkCSRF refuses a state-changing request whose token (form field _csrf
// or header X-CSRF-Token, for htmx) does not match the session's. A token
// in the header is checked at once; so is a form of known length within
// formLimit, the smallest route limit. A larger or chunked body must first
// pass its route's size limit, so its form token is checked by the route's
// limitBody (or, on no route, by notFound) before any handler runs.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if sent := c.Get("X-CSRF-Token"); sent != "" {
		if err := s.verifyCSRF(c, sent); err != nil {
			return err
		}
		return c.Next()
	}
	check := func() error { return s.verifyCSRF(c, c.FormValue("_csrf")) }
	if n := c.Request().Header.ContentLength(); n < 0 || n > formLimit {
		c.Locals(localCSRFCheck, check)
		return c.Next()
	}
	if err := loadBody(c, formLimit); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	return c.Next()
}

// deferredCSRF runs the form token check checkCSRF left for after the size
// check, once.
func deferredCSRF(c *fiber.Ctx) error {
	check, _ := c.Locals(localCSRFCheck).(func() error)
	if check == nil {
		return nil
	}
	c.Locals(localCSRFCheck, nil)
	return check()
}

// verifyCSRF compares the sent token with the session's, or, when the
// session has none, with the anonymous token of the browser's nonce cookie
// (a form rendered before a login or logout in this browser is refused).
func (s *Server) verifyCSRF(c *fiber.Ctx, sent string) error {
	want, err := s.sessionCSRF(c)
	if err != nil {
		return err
	}
	if want == "" {
		if nonce := c.Cookies(nonceCookie); validNonce(nonce) {
			keys, err := s.keys()
			if err != nil {
				return err
			}
			want = keys.anonCSRF(nonce)
		}
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
		return domain.Errorf(domain.EFORBIDDEN, "页面已过期或表单来源无效（可能已在本浏览器重新登录或退出），请刷新页面后重新操作。")
	}
	return nil
}

// setFlash keeps a one-time message for the next full page.
func (s *Server) setFlash(c *fiber.Ctx, kind, msg string) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	sess.Set(sessFlash, msg)
	sess.Set(sessFlashKind, kind)
	touchSession(c)
	return nil
}

// takeFlash returns and clears the flash message.
func (s *Server) takeFlash(c *fiber.Ctx) (kind, msg string, err error) {
	if !hasSessionCookie(c) {
		return "", "", nil
	}
	sess, err := s.session(c)
	if err != nil {
		return "", "", err
	}
	msg, _ = sess.Get(sessFlash).(string)
	if msg == "" {
		return "", "", nil
	}
	kind, _ = sess.Get(sessFlashKind).(string)
	sess.Delete(sessFlash)
	sess.Delete(sessFlashKind)
	touchSession(c)
	return kind, msg, nil
}

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return strings.TrimRight(base64.URLEncoding.EncodeToString(b[:]), "=")
}

// requireRole lets the request through only for a logged-in account with
// one of the roles; others go to the login page (or get 403).
func (s *Server) requireRole(roles ...domain.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		acct := account(c)
		if acct == nil {
			return s.toLogin(c)
		}
		for _, r := range roles {
			if acct.Role == r {
				return c.Next()
			}
		}
		return domain.Errorf(domain.EFORBIDDEN, "您的账号没有权限访问该页面。")
	}
}

// toLogin sends an anonymous request to the login page, saying why when a
// session just ended, and coming back to the page afterwards.
func (s *Server) toLogin(c *fiber.Ctx) error {
	msg, _ := c.Locals(localEnded).(string)
	if msg == "" {
		msg = "请先登录。"
	}
	if err := s.setFlash(c, "info", msg); err != nil {
		return err
	}
	next := ""
	if c.Method() == fiber.MethodGet && !isHX(c) {
		next = "?next=" + urlQueryEscape(c.OriginalURL())
	}
	return s.redirect(c, "/login"+next)
}
