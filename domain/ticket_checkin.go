package domain

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"time"
)

// RoleInvigilator is a 监考 account: it checks candidates in at the door of
// one venue of one exam (Account.Venue) and nothing else.
const RoleInvigilator Role = "invigilator"

// TicketClaims is what a 准考证's QR code vouches for.
type TicketClaims struct {
	ExamID   string
	TicketNo string
	AppID    string
}

// tokenPrefix versions the token format.
const tokenPrefix = "T1."

// SignTicket makes the QR code's token: the claims and their ed25519
// signature, URL-safe base64. Without the private key it cannot be made,
// and any changed byte fails VerifyTicket.
func SignTicket(key ed25519.PrivateKey, c TicketClaims) string {
	payload := []byte(c.ExamID + "|" + c.TicketNo + "|" + c.AppID)
	sig := ed25519.Sign(key, payload)
	enc := base64.RawURLEncoding
	return tokenPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig)
}

// VerifyTicket checks a token's signature and returns its claims. A token
// that is malformed or whose signature does not match is EINVALID (field "code").
func VerifyTicket(pub ed25519.PublicKey, token string) (TicketClaims, error) {
	bad := FieldError("code", "准考证二维码无效（已被篡改或不是本系统签发的准考证）。")
	token = strings.TrimSpace(token)
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > 512 {
		return TicketClaims{}, bad
	}
	p64, s64, ok := strings.Cut(rest, ".")
	if !ok {
		return TicketClaims{}, bad
	}
	// Strict: the unused low bits of the last character must be zero, so
	// no two spellings of one token exist.
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(p64)
	sig, err2 := enc.DecodeString(s64)
	if err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, payload, sig) {
		return TicketClaims{}, bad
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 {
		return TicketClaims{}, bad
	}
	return TicketClaims{ExamID: parts[0], TicketNo: parts[1], AppID: parts[2]}, nil
}

// IsTicketToken tells a scanned token from a typed 准考证号.
func IsTicketToken(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), tokenPrefix) }

// CheckIn records that a candidate entered the exam room.
type CheckIn struct {
	ExamID   string    `json:"exam_id"`
	TicketNo string    `json:"ticket_no"`
	AppID    string    `json:"app_id"`
	At       time.Time `json:"at"`
	ByID     string    `json:"by_id"` // invigilator account
}

// VenueScope is the exam and venue an invigilator works at, stored in
// Account.Venue as "<examID>/<venueNo>".
func VenueScope(examID string, venueNo int) string { return examID + "/" + itoa(venueNo) }

// DecideCheckIn decides a check-in at the door by invigilator inv of the
// candidate seated at seat, whose earlier check-in (nil when none) is prev.
// A seat of another exam or venue is refused (EFORBIDDEN); a second check-in
// returns the first one and already=true, so the page warns "已签到 于 …"
// instead of recording it again.
func DecideCheckIn(inv *Account, seat *Seat, prev *CheckIn, now time.Time) (rec *CheckIn, already bool, err error) {
	if inv.Role != RoleInvigilator {
		return nil, false, Errorf(EFORBIDDEN, "只有监考账号可以签到。")
	}
	if inv.Disabled {
		return nil, false, Errorf(EFORBIDDEN, "该监考账号已被管理员停用。")
	}
	examID, _, _ := strings.Cut(inv.Venue, "/")
	if seat.ExamID != examID {
		return nil, false, Errorf(EFORBIDDEN, "该准考证不属于本场考试。")
	}
	if VenueScope(seat.ExamID, seat.VenueNo) != inv.Venue {
		return nil, false, Errorf(EFORBIDDEN, "该考生不在本考点考试（考点 %02d），请引导其前往正确考点。", seat.VenueNo)
	}
	if prev != nil {
		return prev, true, nil
	}
	return &CheckIn{ExamID: seat.ExamID, TicketNo: seat.TicketNo, AppID: seat.AppID, At: now, ByID: inv.ID}, false, nil
}

// InvigilatorInput is the administrator's 新建监考账号 form.
type InvigilatorInput struct {
	Name     string
	Login    string
	Password string
}

// Validate checks the form like a reviewer's (user name, 姓名, initial password).
func (in InvigilatorInput) Validate() error {
	fields := FieldErrors{}
	if n := len([]rune(strings.TrimSpace(in.Name))); n == 0 || n > 30 {
		fields.Add("name", "请填写姓名（不超过 30 个字）。")
	}
	if err := ValidateStaffLogin(in.Login); err != nil {
		fields.Add("login", ErrorMessage(err))
	}
	if err := ValidatePassword(in.Password, ""); err != nil {
		fields.Add("password", ErrorMessage(err))
	}
	return fields.Err()
}

// CheckInvigilatorOf refuses an account that is not a 监考 account of the
// exam's venue venueNo (ENOTFOUND: the administrator's page names one).
func CheckInvigilatorOf(a *Account, examID string, venueNo int) error {
	if a.Role != RoleInvigilator || a.Venue != VenueScope(examID, venueNo) {
		return Errorf(ENOTFOUND, "该考点没有这个监考账号。")
	}
	return nil
}

// SetInvigilatorDisabled switches a 监考 account of the venue off (it can
// neither log in nor check anyone in) or on again; switching it to the
// state it is in is ECONFLICT.
func SetInvigilatorDisabled(a *Account, examID string, venueNo int, disabled bool, now time.Time) error {
	if err := CheckInvigilatorOf(a, examID, venueNo); err != nil {
		return err
	}
	if a.Disabled == disabled {
		if disabled {
			return Errorf(ECONFLICT, "该监考账号已是停用状态。")
		}
		return Errorf(ECONFLICT, "该监考账号已是启用状态。")
	}
	a.Disabled, a.UpdatedAt = disabled, now
	return nil
}
