package domain

import (
	"strings"
	"testing"
	"time"
)

func TestLoginThrottle(t *testing.T) {
	t0 := time.Date(2023, 3, 15, 9, 0, 0, 0, Shanghai)
	tests := []struct {
		name     string
		failures []time.Duration // offsets from t0 of the failures, in order
		at       time.Duration   // when the next attempt comes
		wait     time.Duration   // wanted NotBefore - t0 - last failure offset (0: no wait)
		allowed  bool
	}{
		{"no failures", nil, 0, 0, true},
		{"two free failures", []time.Duration{0, time.Second}, 2 * time.Second, 0, true},
		{"third failure starts the wait", []time.Duration{0, 1, 2}, 3, FirstLoginDelay, false},
		{"waited long enough", []time.Duration{0, 1, 2}, 2 + FirstLoginDelay, FirstLoginDelay, true},
		{"fourth doubles", []time.Duration{0, 1, 2, 2 + FirstLoginDelay}, 3 + FirstLoginDelay, 2 * FirstLoginDelay, false},
		{"capped", []time.Duration{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69}, 70, MaxLoginDelay, false},
		{"capped, then waited", []time.Duration{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 11 + MaxLoginDelay, MaxLoginDelay, true},
		{"forgotten after a day", []time.Duration{0, 1, 2, 3, 4, 5}, 5 + LoginFailureMemory, MaxLoginDelay, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var th LoginThrottle
			for _, d := range tc.failures {
				th = th.AfterFailure(t0.Add(d))
			}
			if len(tc.failures) > 0 {
				last := t0.Add(tc.failures[len(tc.failures)-1])
				got := time.Duration(0)
				if !th.NotBefore.IsZero() {
					got = th.NotBefore.Sub(last)
				}
				if got != tc.wait {
					t.Errorf("wait %v, want %v (%+v)", got, tc.wait, th)
				}
			}
			err := th.CheckLoginAttempt(t0.Add(tc.at))
			if (err == nil) != tc.allowed {
				t.Fatalf("attempt at +%v: %v, want allowed %v", tc.at, err, tc.allowed)
			}
			if err != nil && (ErrorCode(err) != ERATELIMIT || !strings.Contains(ErrorMessage(err), formatClock(th.NotBefore))) {
				t.Errorf("refusal %v does not say until when", err)
			}
		})
	}
}

func TestLoginThrottleForgetsOldFailures(t *testing.T) {
	t0 := time.Date(2023, 3, 15, 9, 0, 0, 0, Shanghai)
	var th LoginThrottle
	for i := range 5 {
		th = th.AfterFailure(t0.Add(time.Duration(i) * time.Second))
	}
	th = th.AfterFailure(t0.Add(LoginFailureMemory + time.Hour))
	if th.Failures != 1 || !th.NotBefore.IsZero() {
		t.Fatalf("a failure a day later starts again: %+v", th)
	}
}

func TestLoginFailureMessage(t *testing.T) {
	t0 := time.Date(2023, 3, 15, 9, 0, 0, 0, Shanghai)
	var th LoginThrottle
	th = th.AfterFailure(t0)
	if m := th.FailureMessage(t0); !strings.Contains(m, "再输错 2 次后") || !strings.Contains(m, "等待") {
		t.Errorf("first failure: %q", m)
	}
	th = th.AfterFailure(t0).AfterFailure(t0)
	if m := th.FailureMessage(t0); !strings.Contains(m, "09:00:15") || !strings.Contains(m, "验证码") {
		t.Errorf("third failure: %q", m)
	}
}
