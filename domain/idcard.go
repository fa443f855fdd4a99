package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// IDNumber is a checked 18-digit 居民身份证号码 (GB 11643-1999) with the
// facts derived from it.
type IDNumber struct {
	Number    string    // 18 characters, check digit X upper-case
	BirthDate time.Time // midnight Asia/Shanghai of the 出生日期码
	Sex       string    // 男 when the 顺序码's last digit (17th character) is odd, else 女
}

// BirthDateString is the birth date as YYYY-MM-DD, the form Account.BirthDate keeps.
func (id IDNumber) BirthDateString() string { return id.BirthDate.Format("2006-01-02") }

// idWeights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 of the first 17 digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps (weighted sum mod 11) to the check character.
const idCheckChars = "10X98765432"

// IDCheckDigit returns the check character for the first 17 digits of an
// ID number; it returns 0 when body is not 17 ASCII digits.
func IDCheckDigit(body string) byte {
	if len(body) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := body[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ParseIDNumber checks an 18-digit 身份证号 and derives birth date and sex.
// Surrounding spaces are trimmed, full-width digits are read as digits and
// a lower-case x is accepted as X. The
// birth date must be a real calendar date, in 1900 or later and not after
// now (compared as dates in Asia/Shanghai). Each kind of failure has its own
// message, so the candidate knows which part of the number to recheck.
func ParseIDNumber(s string, now time.Time) (IDNumber, error) {
	const field = "id_number"
	s = strings.ToUpper(halfWidth(strings.TrimSpace(s)))
	if s == "" {
		return IDNumber{}, FieldError(field, "请输入身份证号")
	}
	if n := utf8.RuneCountInString(s); n != 18 {
		return IDNumber{}, FieldError(field, "身份证号应为18位，当前为"+itoa(n)+"位")
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return IDNumber{}, FieldError(field, "身份证号前17位只能是数字")
		}
	}
	if last := s[17]; (last < '0' || last > '9') && last != 'X' {
		return IDNumber{}, FieldError(field, "身份证号最后一位只能是数字或X")
	}
	if s[0] == '0' {
		return IDNumber{}, FieldError(field, "身份证号前6位地区码不正确")
	}
	birth, ok := idBirthDate(s[6:14])
	if !ok {
		return IDNumber{}, FieldError(field, "身份证号中的出生日期（第7至14位）不是有效日期")
	}
	if birth.Year() < 1900 {
		return IDNumber{}, FieldError(field, "身份证号中的出生日期（第7至14位）早于1900年")
	}
	if birth.After(dateOf(now)) {
		return IDNumber{}, FieldError(field, "身份证号中的出生日期（第7至14位）晚于今天")
	}
	if IDCheckDigit(s[:17]) != s[17] {
		return IDNumber{}, FieldError(field, "身份证号校验位不正确，请核对后重新输入")
	}
	sex := "女"
	if (s[16]-'0')%2 == 1 {
		sex = "男"
	}
	return IDNumber{Number: s, BirthDate: birth, Sex: sex}, nil
}

// halfWidth turns full-width digits and letters, which Chinese input
// methods often produce, into their ASCII forms.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			return r - '！' + '!'
		}
		if r == '　' {
			return ' '
		}
		return r
	}, s)
}

// idBirthDate parses YYYYMMDD and refuses dates time.Date would normalise
// (19990230 would otherwise silently become 1999-03-02).
func idBirthDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("20060102", s, Shanghai)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// dateOf is midnight Asia/Shanghai of the day t falls on there.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// ValidatePhone checks a mainland mobile number: 11 digits, starting with 1,
// second digit 3 to 9.
func ValidatePhone(s string) error {
	const field = "phone"
	if s == "" {
		return FieldError(field, "请输入手机号码")
	}
	if !allDigits(s) {
		return FieldError(field, "手机号码只能包含数字")
	}
	if len(s) != 11 {
		return FieldError(field, "手机号码应为11位，当前为"+itoa(len(s))+"位")
	}
	if s[0] != '1' || s[1] < '3' {
		return FieldError(field, "手机号码应以13至19开头")
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidateEmail accepts an empty address (e-mail is optional) or a plain
// local@domain.tld of at most 100 characters; it does not try to follow
// RFC 5322, only to catch typing mistakes.
func ValidateEmail(s string) error {
	const field = "email"
	if s == "" {
		return nil
	}
	if len(s) > 100 {
		return FieldError(field, "电子邮箱不能超过100个字符")
	}
	for _, r := range s {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || strings.ContainsRune(`<>"'(),;:\[]`, r) {
			return FieldError(field, "电子邮箱包含不允许的字符")
		}
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') {
		return FieldError(field, "电子邮箱格式不正确，应为 名称@域名")
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 || strings.Contains(domain, "..") || strings.HasPrefix(domain, "-") {
		return FieldError(field, "电子邮箱的域名部分不正确")
	}
	return nil
}

// Password length bounds, in characters.
const (
	PasswordMinLen = 8
	PasswordMaxLen = 64
)

// ValidatePassword checks a new password: 8 to 64 characters, at least one
// letter and one digit, and not containing the holder's ID number or the
// birth date digits (YYYYMMDD) in it, the first things a thief would try.
// idNumber may be empty (e.g. administrator accounts).
func ValidatePassword(pw, idNumber string) error {
	const field = "password"
	n := utf8.RuneCountInString(pw)
	if n < PasswordMinLen {
		return FieldError(field, "密码至少需要8个字符")
	}
	if n > PasswordMaxLen {
		return FieldError(field, "密码不能超过64个字符")
	}
	var letter, digit bool
	for _, r := range pw {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsControl(r):
			return FieldError(field, "密码不能包含控制字符")
		}
	}
	if !letter || !digit {
		return FieldError(field, "密码必须同时包含字母和数字")
	}
	id := strings.ToUpper(strings.TrimSpace(idNumber))
	upper := strings.ToUpper(pw)
	// Only a well-formed number is compared: a half-typed one on the
	// registration form would otherwise refuse innocent passwords.
	if len(id) == 18 && strings.Contains(upper, id) {
		return FieldError(field, "密码不能包含身份证号")
	}
	if len(id) == 18 && strings.Contains(pw, id[6:14]) {
		return FieldError(field, "密码不能包含出生日期")
	}
	return nil
}

// Name length bounds, in characters.
const (
	NameMinLen = 2
	NameMaxLen = 30
)

// ValidateName checks a 姓名: 2 to 30 characters of Chinese characters or
// letters, with the middle dot · (U+00B7) between parts of minority and
// foreign names and single spaces between Latin parts.
func ValidateName(s string) error {
	const field = "name"
	if s == "" {
		return FieldError(field, "请输入姓名")
	}
	n := utf8.RuneCountInString(s)
	if n < NameMinLen {
		return FieldError(field, "姓名至少2个字")
	}
	if n > NameMaxLen {
		return FieldError(field, "姓名不能超过30个字")
	}
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			return FieldError(field, "姓名不能包含数字")
		case r == '<' || r == '>' || r == '＜' || r == '＞':
			return FieldError(field, "姓名不能包含尖括号")
		case r == '·' || r == ' ' || unicode.Is(unicode.Han, r) || unicode.IsLetter(r):
		case r == '•' || r == '・' || r == '.' || r == '。':
			return FieldError(field, "姓名中的间隔号请使用“·”")
		default:
			return FieldError(field, "姓名只能包含汉字、字母和间隔号“·”")
		}
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if first == '·' || last == '·' || strings.Contains(s, "··") {
		return FieldError(field, "间隔号“·”只能用在姓名中间")
	}
	if strings.Contains(s, "  ") || first == ' ' || last == ' ' {
		return FieldError(field, "姓名中不能有多余的空格")
	}
	return nil
}

// RegistrationInput is the 用户注册 form as posted.
type RegistrationInput struct {
	IDNumber        string `json:"id_number"`
	Name            string `json:"name"`
	Phone           string `json:"phone"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"password_confirm"`
}

// Validate trims surrounding spaces from the text fields in place (never
// from passwords, where a space may be intended) and checks every field,
// returning the parsed ID number or an EINVALID error whose FieldErrors are
// keyed id_number, name, phone, email, password, password_confirm.
func (in *RegistrationInput) Validate(now time.Time) (IDNumber, error) {
	in.IDNumber = strings.ToUpper(strings.TrimSpace(in.IDNumber))
	in.Name = strings.TrimSpace(in.Name)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Email = strings.TrimSpace(in.Email)

	fe := FieldErrors{}
	add := func(field string, err error) {
		if err != nil {
			fe.Add(field, ErrorMessage(err))
		}
	}
	id, err := ParseIDNumber(in.IDNumber, now)
	add("id_number", err)
	if err == nil {
		in.IDNumber = id.Number
	}
	add("name", ValidateName(in.Name))
	add("phone", ValidatePhone(in.Phone))
	add("email", ValidateEmail(in.Email))
	add("password", ValidatePassword(in.Password, in.IDNumber))
	switch {
	case in.PasswordConfirm == "":
		fe.Add("password_confirm", "请再次输入密码")
	case in.PasswordConfirm != in.Password:
		fe.Add("password_confirm", "两次输入的密码不一致")
	}
	if err := fe.Err(); err != nil {
		return IDNumber{}, err
	}
	return id, nil
}
