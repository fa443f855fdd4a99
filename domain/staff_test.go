package domain

import (
	"strings"
	"testing"
	"time"
)

func TestValidateStaffLogin(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"shenhe1", true}, {"Zhou_Shenhe", true}, {"ab", false}, {"abcdefghijklmnopqr", false},
		{"abcdefghijklmnopq", true}, {"审核员", false}, {"a b c", false}, {"", false},
	} {
		if err := ValidateStaffLogin(tt.in); (err == nil) != tt.ok {
			t.Errorf("%q: %v", tt.in, err)
		}
	}
}

func TestValidateDepartments(t *testing.T) {
	known := []string{"甲", "乙", "丙"}
	for _, tt := range []struct {
		in   []string
		want []string
		ok   bool
	}{
		{[]string{"甲"}, []string{"甲"}, true},
		{[]string{"乙", "甲", "乙", " "}, []string{"乙", "甲"}, true},
		{nil, nil, false},
		{[]string{""}, nil, false},
		{[]string{"甲", "伪造"}, nil, false},
	} {
		got, err := ValidateDepartments(tt.in, known)
		if (err == nil) != tt.ok || len(got) != len(tt.want) {
			t.Errorf("%v: %v %v", tt.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%v: %v", tt.in, got)
			}
		}
	}
}

func TestSetStaffDisabledAndUnlock(t *testing.T) {
	now := time.Date(2023, 3, 15, 9, 0, 0, 0, Shanghai)
	r := &Account{Role: RoleReviewer}
	if err := SetStaffDisabled(r, true, now); err != nil || !r.Disabled {
		t.Fatal(err)
	}
	if err := SetStaffDisabled(r, true, now); ErrorCode(err) != ECONFLICT {
		t.Fatal(err)
	}
	if err := SetStaffDisabled(&Account{Role: RoleAdmin}, true, now); ErrorCode(err) != ENOTFOUND {
		t.Fatal(err)
	}
	c := &Account{Role: RoleCandidate}
	var th LoginThrottle
	if err := CheckUnlock(th, now); ErrorCode(err) != ECONFLICT || ThrottleSummary(th, now) != "" {
		t.Fatal(err)
	}
	for range FreeLoginFailures + 1 {
		th = th.AfterFailure(now)
	}
	if err := CheckUnlock(th, now); err != nil || !strings.Contains(ThrottleSummary(th, now), "4 次，限制至") {
		t.Fatalf("%v %q", err, ThrottleSummary(th, now))
	}
	if err := CheckUnlock(th, now.Add(LoginFailureMemory)); ErrorCode(err) != ECONFLICT {
		t.Fatalf("a forgotten record: %v", err)
	}
	SetPasswordByAdmin(c, "h", now)
	if !c.MustChangePassword || c.PasswordHash != "h" {
		t.Fatalf("%+v", c)
	}
}

func TestResetCodeRules(t *testing.T) {
	now := time.Date(2023, 3, 15, 9, 0, 0, 0, Shanghai)
	fresh := func() *ResetCode {
		return &ResetCode{AccountID: "a", Salt: "s", Hash: HashResetCode("s", "123456"), IssuedAt: now, ExpiresAt: now.Add(ResetCodeTTL)}
	}
	for _, tt := range []struct {
		name string
		edit func(*ResetCode)
		code string
		at   time.Time
		ok   bool
	}{
		{"right", nil, "123456", now, true},
		{"wrong", nil, "123457", now, false},
		{"expired", nil, "123456", now.Add(ResetCodeTTL), false},
		{"used", func(c *ResetCode) { c.Used = true }, "123456", now, false},
		{"too many tries", func(c *ResetCode) { c.Attempts = ResetCodeMaxAttempts }, "123456", now, false},
	} {
		c := fresh()
		if tt.edit != nil {
			tt.edit(c)
		}
		err := c.UseResetCode(tt.code, tt.at)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
		if err != nil && ErrorFields(err)["code"] != "验证码错误或已失效，请重新获取。" {
			t.Errorf("%s: message %v", tt.name, err)
		}
	}
	c := fresh()
	_ = c.UseResetCode("000000", now)
	if c.Attempts != 1 {
		t.Fatal("wrong code not counted")
	}
	var none *ResetCode
	if err := none.UseResetCode("123456", now); err == nil {
		t.Fatal("nil code accepted")
	}

	for _, tt := range []struct {
		name  string
		prev  *ResetCode
		at    time.Time
		today int
		ok    bool
	}{
		{"first", nil, now, 1, true},
		{"within a minute", &ResetCode{IssuedAt: now, IssuedToday: 1}, now.Add(30 * time.Second), 0, false},
		{"after a minute", &ResetCode{IssuedAt: now, IssuedToday: 1}, now.Add(time.Minute), 2, true},
		{"daily cap", &ResetCode{IssuedAt: now, IssuedToday: ResetCodesPerDay}, now.Add(time.Hour), 0, false},
		{"next day", &ResetCode{IssuedAt: now, IssuedToday: ResetCodesPerDay}, now.Add(24 * time.Hour), 1, true},
	} {
		n, err := MayIssueResetCode(tt.prev, tt.at)
		if (err == nil) != tt.ok || n != tt.today {
			t.Errorf("%s: %d %v", tt.name, n, err)
		}
	}
}

func TestDecisionMessages(t *testing.T) {
	deadline := time.Date(2023, 3, 17, 18, 0, 0, 0, Shanghai)
	for _, tt := range []struct {
		app   Application
		title string
		has   string
	}{
		{Application{State: StateApproved, PositionCode: "1001"}, "资格审核通过", "「综合岗」已通过"},
		{Application{State: StateReturned, ReviewReason: "照片模糊", ReturnedParts: []string{PartRecommendation}}, "报名被退回修改", "2023-03-17 18:00 前"},
		{Application{State: StateRejected, ReviewReason: "学历不符"}, "资格审核未通过", "学历不符"},
	} {
		title, body := DecisionMessage(&tt.app, "综合岗", deadline)
		if title != tt.title || !contains(body, tt.has) {
			t.Errorf("%s: %s / %s", tt.app.State, title, body)
		}
	}
	now := deadline.Add(-23 * time.Hour)
	returned := &Application{State: StateReturned}
	for _, tt := range []struct {
		app *Application
		at  time.Time
		due bool
	}{
		{returned, now, true},
		{returned, deadline.Add(-25 * time.Hour), false},
		{returned, deadline, false},
		{&Application{State: StateSubmitted}, now, false},
	} {
		if got := ReturnReminderDue(tt.app, deadline, tt.at); got != tt.due {
			t.Errorf("%s at %v: %v", tt.app.State, tt.at, got)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
