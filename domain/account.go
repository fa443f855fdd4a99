package domain

import (
	"slices"
	"time"
)

// Role is what an account may do.
type Role string

// Roles.
const (
	RoleCandidate Role = "candidate" // 考生
	RoleReviewer  Role = "reviewer"  // 审核员
	RoleAdmin     Role = "admin"     // 管理员
)

// Label is the role's name in the UI.
func (r Role) Label() string {
	switch r {
	case RoleCandidate:
		return "考生"
	case RoleReviewer:
		return "审核员"
	case RoleAdmin:
		return "管理员"
	case RoleInvigilator:
		return "监考"
	}
	return string(r)
}

// Account is a login. Candidates log in with their 身份证号; reviewers and
// administrators with a user name kept in the same LoginName field.
type Account struct {
	ID           string   `json:"id"`
	Role         Role     `json:"role"`
	LoginName    string   `json:"login_name"` // 身份证号 for candidates (upper-case X)
	Name         string   `json:"name"`       // 姓名
	Phone        string   `json:"phone"`
	Email        string   `json:"email,omitempty"`
	PasswordHash string   `json:"password_hash"`
	BirthDate    string   `json:"birth_date,omitempty"`  // YYYY-MM-DD, derived from the ID number
	Sex          string   `json:"sex,omitempty"`         // 男 / 女, derived from the ID number
	Departments  []string `json:"departments,omitempty"` // reviewer: 遴选机关 they review
	PhotoID      string   `json:"photo_id,omitempty"`    // blob id of the normalised photo; empty until uploaded
	// Venue scopes an invigilator (监考) to one 考点: domain.VenueScope(examID, venueNo).
	Venue string `json:"venue,omitempty"`
	// MustChangePassword: the password was set by an administrator (a new
	// reviewer's initial one, a one-time reset); nothing but 修改密码 opens until it changes.
	MustChangePassword bool `json:"must_change_password,omitempty"`
	// Disabled: a staff account switched off by an administrator; it cannot log in.
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaskedID shows the first 6 and last 4 characters of an ID number, as lists must.
func MaskedID(id string) string {
	if len(id) < 10 {
		return id
	}
	return id[:6] + "********" + id[len(id)-4:]
}

// MaskedPhone shows the first 3 and last 4 digits of a phone number.
func MaskedPhone(p string) string {
	if len(p) != 11 {
		return p
	}
	return p[:3] + "****" + p[7:]
}

// Clone returns a copy of a that shares nothing changeable with it.
func (a *Account) Clone() *Account {
	c := *a
	c.Departments = slices.Clone(a.Departments)
	return &c
}
