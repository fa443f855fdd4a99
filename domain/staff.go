package domain

import (
	"slices"
	"strings"
	"time"
)

// StaffInput is the administrator's 新建审核员 form.
type StaffInput struct {
	Name        string
	Login       string
	Departments []string
	Password    string
}

// ValidateStaffLogin checks a staff user name: 3 to 32 letters, digits or
// underscores. An 18-character name could be taken for an ID number on the
// shared login form, so that length is refused.
func ValidateStaffLogin(login string) error {
	const field = "login"
	if len(login) < 3 || len(login) > 32 {
		return FieldError(field, "用户名需为 3-32 位字母、数字或下划线。")
	}
	for _, r := range login {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return FieldError(field, "用户名只能包含字母、数字和下划线。")
		}
	}
	if len(login) == 18 {
		return FieldError(field, "用户名不能是 18 位（与身份证号混淆），请换一个。")
	}
	return nil
}

// ValidateDepartments checks that a reviewer is given at least one 遴选机关
// and only ones the exams know (known: every department of every exam's
// positions). It returns the chosen list without duplicates, in the order given.
func ValidateDepartments(chosen, known []string) ([]string, error) {
	var out []string
	for _, d := range chosen {
		d = strings.TrimSpace(d)
		if d == "" || slices.Contains(out, d) {
			continue
		}
		if !slices.Contains(known, d) {
			return nil, FieldError("departments", "遴选机关「"+d+"」不在职位表中。")
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, FieldError("departments", "请至少选择一个遴选机关。")
	}
	return out, nil
}

// Validate checks the form; known lists the departments that may be chosen.
// It returns the departments cleaned as ValidateDepartments does.
func (in StaffInput) Validate(known []string) ([]string, error) {
	fields := FieldErrors{}
	if n := len([]rune(strings.TrimSpace(in.Name))); n == 0 || n > 30 {
		fields.Add("name", "请填写姓名（不超过 30 个字）。")
	}
	if err := ValidateStaffLogin(in.Login); err != nil {
		fields.Add("login", ErrorMessage(err))
	}
	depts, err := ValidateDepartments(in.Departments, known)
	if err != nil {
		fields.Add("departments", ErrorMessage(err))
	}
	if err := ValidatePassword(in.Password, ""); err != nil {
		fields.Add("password", ErrorMessage(err))
	}
	return depts, fields.Err()
}

// SetStaffDisabled switches a reviewer account off or on again. An
// administrator cannot disable administrators here (nor lock themselves out).
func SetStaffDisabled(a *Account, disabled bool, now time.Time) error {
	if a.Role != RoleReviewer {
		return Errorf(ENOTFOUND, "审核员账号不存在。")
	}
	if a.Disabled == disabled {
		if disabled {
			return Errorf(ECONFLICT, "该账号已是停用状态。")
		}
		return Errorf(ECONFLICT, "该账号已是启用状态。")
	}
	a.Disabled, a.UpdatedAt = disabled, now
	return nil
}

// SetPasswordByAdmin gives an account a password chosen by an administrator
// (a reviewer's initial one or a candidate's one-time reset): it must be
// changed at the next login. (The caller also clears the login throttle.)
func SetPasswordByAdmin(a *Account, hash string, now time.Time) {
	a.PasswordHash, a.MustChangePassword, a.UpdatedAt = hash, true, now
}

// CheckUnlock decides whether support may clear a login name's failed-login
// record at now: only when it has failures that still count (ECONFLICT otherwise).
func CheckUnlock(t LoginThrottle, now time.Time) error {
	if t.current(now).Failures == 0 {
		return Errorf(ECONFLICT, "该账号当前没有登录限制，无需解锁。")
	}
	return nil
}

// ThrottleSummary describes a login name's failed-login record for support
// ("" when nothing counts).
func ThrottleSummary(t LoginThrottle, now time.Time) string {
	t = t.current(now)
	switch {
	case t.Failures == 0:
		return ""
	case now.Before(t.NotBefore):
		return "连续登录失败 " + itoa(t.Failures) + " 次，限制至 " + formatClock(t.NotBefore)
	}
	return "连续登录失败 " + itoa(t.Failures) + " 次"
}
