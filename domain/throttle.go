package domain

import "time"

// Login throttle policy (等保 "登录失败处理"): failed logins are counted per
// login name, from any address, for registered and unknown names alike.
// After FreeLoginFailures failures every further attempt for that name must
// wait until a "not before" time that doubles with each failure, from
// FirstLoginDelay up to MaxLoginDelay. Attempts made while waiting are
// answered at once and neither counted nor checked, so a stranger can slow
// an account down but never lock its owner out for longer than
// MaxLoginDelay, and guessing is held to one try per delay. (The login form
// always asks for the captcha, so every attempt also costs a solved one.)
const (
	FreeLoginFailures = 3
	FirstLoginDelay   = 15 * time.Second
	MaxLoginDelay     = 2 * time.Minute
	// LoginFailureMemory is how long a failure counts: a name without a
	// failure for this long starts again from zero.
	LoginFailureMemory = 24 * time.Hour
)

// LoginThrottle is the failed-login record of one login name.
type LoginThrottle struct {
	Failures    int       `json:"failures"`
	LastFailure time.Time `json:"last_failure"`
	NotBefore   time.Time `json:"not_before"`
}

// current is t as it stands at now: a record older than
// LoginFailureMemory is forgotten.
func (t LoginThrottle) current(now time.Time) LoginThrottle {
	if !t.LastFailure.IsZero() && now.Sub(t.LastFailure) >= LoginFailureMemory {
		return LoginThrottle{}
	}
	return t
}

// CheckLoginAttempt decides whether a login attempt for the name may be
// checked at now. It returns an ERATELIMIT error saying until when to wait
// (the same words whether or not the name is registered).
func (t LoginThrottle) CheckLoginAttempt(now time.Time) error {
	t = t.current(now)
	if now.Before(t.NotBefore) {
		return Errorf(ERATELIMIT, "该账号近期多次密码错误，为保护账号安全，请于 %s 后再登录（需输入验证码）。", formatClock(t.NotBefore))
	}
	return nil
}

// AfterFailure is the record after a wrong password (or unknown name) at now.
func (t LoginThrottle) AfterFailure(now time.Time) LoginThrottle {
	t = t.current(now)
	t.Failures++
	t.LastFailure = now
	if extra := t.Failures - FreeLoginFailures; extra >= 0 {
		delay := MaxLoginDelay
		if extra < 8 && FirstLoginDelay<<extra < MaxLoginDelay {
			delay = FirstLoginDelay << extra
		}
		t.NotBefore = now.Add(delay)
	}
	return t
}

// FailureMessage says what a wrong password means and what follows, in the
// same words whether or not the name is registered.
func (t LoginThrottle) FailureMessage(now time.Time) string {
	const wrong = "身份证号（用户名）或密码错误。"
	if now.Before(t.NotBefore) {
		return wrong + "该账号已连续多次登录失败，为保护账号安全，请于 " + formatClock(t.NotBefore) + " 后再试（需输入验证码）；忘记密码可点击“忘记密码”。"
	}
	left := FreeLoginFailures - t.Failures
	if left < 1 {
		left = 1
	}
	return wrong + "再输错 " + itoa(left) + " 次后，每次登录都须等待一段时间（最长 " + itoa(int(MaxLoginDelay/time.Minute)) + " 分钟）并输入验证码。"
}

// formatClock shows t in Asia/Shanghai to the second (a wait is short).
func formatClock(t time.Time) string { return t.In(Shanghai).Format("15:04:05") }
