package domain

import (
	"strings"
	"testing"
	"time"
)

// makeID completes a 17-digit body with its check character, so tests can
// build valid numbers for any birth date and sex.
func makeID(body string) string {
	return body + string(IDCheckDigit(body))
}

var idNow = time.Date(2023, 3, 5, 10, 0, 0, 0, Shanghai)

func TestIDCheckDigitKnown(t *testing.T) {
	// Numbers checked by hand against the GB 11643 weights.
	tests := []struct{ body, want string }{
		{"11010519491231002", "X"}, // the standard's own example
		{"44052418800101001", "4"},
		{"42010619900307151", "0"},
		{"42010619900307157", "X"},
	}
	for _, tt := range tests {
		if got := string(IDCheckDigit(tt.body)); got != tt.want {
			t.Errorf("IDCheckDigit(%s) = %s, want %s", tt.body, got, tt.want)
		}
	}
	if IDCheckDigit("1234") != 0 || IDCheckDigit("1101051949123100A") != 0 {
		t.Error("IDCheckDigit accepted a malformed body")
	}
}

func TestParseIDNumberValid(t *testing.T) {
	tests := []struct {
		in, number, birth, sex string
	}{
		{"11010519491231002X", "11010519491231002X", "1949-12-31", "女"},
		{"  11010519491231002x ", "11010519491231002X", "1949-12-31", "女"},
		{"440524188001010014", "440524188001010014", "1880-01-01", ""}, // placeholder, replaced below
		{makeID("42010619900307151"), "420106199003071510", "1990-03-07", "男"},
		{"４２０１０６１９９００３０７１５７ｘ", "42010619900307157X", "1990-03-07", "男"}, // full-width input
		{"420106199003071529", "420106199003071529", "1990-03-07", "女"},
		{makeID("42010619900307157"), "42010619900307157X", "1990-03-07", "男"},
		{makeID("32010220000229003"), makeID("32010220000229003"), "2000-02-29", "男"},
		{makeID("32010219000101004"), makeID("32010219000101004"), "1900-01-01", "女"},
		{makeID("32010220230305009"), makeID("32010220230305009"), "2023-03-05", "男"}, // born today
	}
	tests = append(tests[:2], tests[3:]...) // 1880 is before 1900: covered as a failure below
	for _, tt := range tests {
		id, err := ParseIDNumber(tt.in, idNow)
		if err != nil {
			t.Errorf("ParseIDNumber(%q): %v", tt.in, err)
			continue
		}
		if id.Number != tt.number || id.BirthDateString() != tt.birth || id.Sex != tt.sex {
			t.Errorf("ParseIDNumber(%q) = %s %s %s, want %s %s %s", tt.in,
				id.Number, id.BirthDateString(), id.Sex, tt.number, tt.birth, tt.sex)
		}
		if id.BirthDate.Location() != Shanghai {
			t.Errorf("birth date not in Asia/Shanghai: %v", id.BirthDate)
		}
	}
}

func TestParseIDNumberInvalid(t *testing.T) {
	valid := makeID("42010619900307151")
	badCheck := valid[:17] + "2"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "   ", "请输入身份证号"},
		{"short", valid[:17], "应为18位"},
		{"long", valid + "1", "应为18位"},
		{"fifteen digit old format", "420106900307151", "应为18位"},
		{"letter in body", "4201061990A307151" + "1", "前17位只能是数字"},
		{"chinese character", "42010六199003071510", "前17位只能是数字"},
		{"full-width space inside", "42010　199003071510", "前17位只能是数字"},
		{"bad last char", valid[:17] + "Y", "最后一位只能是数字或X"},
		{"region starts with 0", makeID("02010619900307151"), "地区码"},
		{"feb 30", makeID("42010619990230151"), "不是有效日期"},
		{"feb 29 non leap", makeID("42010619990229151"), "不是有效日期"},
		{"month 13", makeID("42010619991301151"), "不是有效日期"},
		{"day 00", makeID("42010619990100151"), "不是有效日期"},
		{"before 1900", makeID("44052418991231001"), "早于1900年"},
		{"tomorrow", makeID("42010620230306151"), "晚于今天"},
		{"check digit", badCheck, "校验位不正确"},
		{"check digit X wrong", valid[:17] + "X", "校验位不正确"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIDNumber(tt.in, idNow)
			if err == nil {
				t.Fatalf("ParseIDNumber(%q) accepted", tt.in)
			}
			if ErrorCode(err) != EINVALID {
				t.Errorf("code = %s", ErrorCode(err))
			}
			msg := ErrorFields(err)["id_number"]
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestParseIDNumberNowInOtherZone(t *testing.T) {
	// 2023-03-05 17:00 UTC is already 03-06 in Shanghai: someone born on the
	// 6th is not in the future.
	now := time.Date(2023, 3, 5, 17, 0, 0, 0, time.UTC)
	if _, err := ParseIDNumber(makeID("42010620230306151"), now); err != nil {
		t.Errorf("born today in Shanghai refused: %v", err)
	}
}

func TestValidatePhone(t *testing.T) {
	tests := []struct {
		in, want string // want "" = valid
	}{
		{"13800138000", ""},
		{"19912345678", ""},
		{"", "请输入"},
		{"1380013800", "应为11位"},
		{"138001380001", "应为11位"},
		{"12800138000", "13至19开头"},
		{"23800138000", "13至19开头"},
		{"138-0013-800", "只能包含数字"},
		{"+8613800138000", "只能包含数字"},
	}
	for _, tt := range tests {
		checkMsg(t, "ValidatePhone("+tt.in+")", ValidatePhone(tt.in), tt.want)
	}
}

func TestValidateEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a@b.cn", ""},
		{"zhang.san+x@mail.hb.gov.cn", ""},
		{"zhangsan", "格式不正确"},
		{"@b.cn", "格式不正确"},
		{"a@@b.cn", "格式不正确"},
		{"a@b@c.cn", "格式不正确"},
		{"a@b", "域名"},
		{"a@b.", "域名"},
		{"a@.cn", "域名"},
		{"a@b..cn", "域名"},
		{"a b@c.cn", "不允许的字符"},
		{"张三@c.cn", "不允许的字符"},
		{"<a>@c.cn", "不允许的字符"},
		{strings.Repeat("a", 95) + "@b.cn1", "100"},
	}
	for _, tt := range tests {
		checkMsg(t, "ValidateEmail("+tt.in+")", ValidateEmail(tt.in), tt.want)
	}
}

func TestValidatePassword(t *testing.T) {
	id := makeID("42010619900307157") // ends in X
	tests := []struct{ pw, id, want string }{
		{"abc12345", id, ""},
		{"密码abc12345", id, ""},
		{"Abcdefg1", "", ""},
		{"abc1234", id, "至少需要8个字符"},
		{strings.Repeat("a1", 32), id, ""},
		{strings.Repeat("a1", 32) + "b", id, "不能超过64个字符"},
		{"abcdefgh", id, "同时包含字母和数字"},
		{"12345678", id, "同时包含字母和数字"},
		{"a" + id, id, "不能包含身份证号"},
		{"a" + strings.ToLower(id), id, "不能包含身份证号"},
		{"pw19900307", id, "不能包含出生日期"},
		{"abc\x0012345", id, "控制字符"},
	}
	for _, tt := range tests {
		checkMsg(t, "ValidatePassword("+tt.pw+")", ValidatePassword(tt.pw, tt.id), tt.want)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张三", ""},
		{"欧阳娜娜", ""},
		{"买买提·艾力", ""},
		{"John Smith", ""},
		{"", "请输入姓名"},
		{"张", "至少2个字"},
		{strings.Repeat("张", 31), "不能超过30个字"},
		{"张三1", "不能包含数字"},
		{"张<b>", "尖括号"},
		{"买买提•艾力", "间隔号请使用"},
		{"买买提.艾力", "间隔号请使用"},
		{"·艾力", "只能用在姓名中间"},
		{"艾力·", "只能用在姓名中间"},
		{"张三!", "只能包含汉字"},
		{"John  Smith", "多余的空格"},
	}
	for _, tt := range tests {
		checkMsg(t, "ValidateName("+tt.in+")", ValidateName(tt.in), tt.want)
	}
}

func checkMsg(t *testing.T, what string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", what, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: accepted, want error containing %q", what, want)
		return
	}
	if msg := ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("%s: message %q does not contain %q", what, msg, want)
	}
}

func TestRegistrationInputValidate(t *testing.T) {
	good := RegistrationInput{
		IDNumber: " " + strings.ToLower(makeID("42010619900307157")) + " ",
		Name:     " 张三 ", Phone: "13800138000", Email: "",
		Password: "abc12345", PasswordConfirm: "abc12345",
	}
	in := good
	id, err := in.Validate(idNow)
	if err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	if id.Number != "42010619900307157X" || in.IDNumber != id.Number || in.Name != "张三" || id.Sex != "男" {
		t.Errorf("normalisation: %+v %+v", id, in)
	}

	tests := []struct {
		name   string
		change func(*RegistrationInput)
		fields []string
	}{
		{"bad id", func(r *RegistrationInput) { r.IDNumber = "123" }, []string{"id_number"}},
		{"bad name", func(r *RegistrationInput) { r.Name = "张3" }, []string{"name"}},
		{"bad phone", func(r *RegistrationInput) { r.Phone = "123" }, []string{"phone"}},
		{"bad email", func(r *RegistrationInput) { r.Email = "x" }, []string{"email"}},
		{"weak password", func(r *RegistrationInput) { r.Password, r.PasswordConfirm = "abcdefgh", "abcdefgh" }, []string{"password"}},
		{"mismatch", func(r *RegistrationInput) { r.PasswordConfirm = "abc12346" }, []string{"password_confirm"}},
		{"no confirm", func(r *RegistrationInput) { r.PasswordConfirm = "" }, []string{"password_confirm"}},
		{"all empty", func(r *RegistrationInput) { *r = RegistrationInput{} },
			[]string{"id_number", "name", "phone", "password", "password_confirm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.change(&in)
			_, err := in.Validate(idNow)
			fe := ErrorFields(err)
			if ErrorCode(err) != EINVALID || len(fe) != len(tt.fields) {
				t.Fatalf("got %v, want fields %v", err, tt.fields)
			}
			for _, f := range tt.fields {
				if fe[f] == "" {
					t.Errorf("no message for %s: %v", f, fe)
				}
			}
		})
	}
}
