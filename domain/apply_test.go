package domain

import "testing"

func TestLocksPhoto(t *testing.T) {
	locks := map[State]bool{
		StateConfirmed: true, StateMaterialsUploaded: true, StateSubmitted: true, StateApproved: true,
		StatePaid: true, StateTicketIssued: true, StateScored: true, StateRefundPending: true, StateRefunded: true,
	}
	for _, s := range allStates {
		if got := s.LocksPhoto(); got != locks[s] {
			t.Errorf("%s.LocksPhoto() = %v, want %v", s, got, locks[s])
		}
		err := CheckPhotoChange([]*Application{appIn(StateInfoSaved), appIn(s)})
		if (err != nil) != locks[s] || (err != nil && ErrorCode(err) != ECONFLICT) {
			t.Errorf("CheckPhotoChange with %s: %v", s, err)
		}
	}
	if err := CheckPhotoChange(nil); err != nil {
		t.Errorf("no applications: %v", err)
	}
}

func TestCheckVersion(t *testing.T) {
	a := &Application{Version: 4}
	for _, tc := range []struct {
		v  int
		ok bool
	}{{4, true}, {3, false}, {5, false}, {-1, false}} {
		err := CheckVersion(a, tc.v)
		if (err == nil) != tc.ok || (err != nil && ErrorCode(err) != ECONFLICT) {
			t.Errorf("version %d: %v", tc.v, err)
		}
	}
}

func TestCheckLevelChoice(t *testing.T) {
	exam := testExam()
	exam.Levels = []Level{{"sz", "省直机关"}, {"sx", "市州机关"}}
	for _, tc := range []struct {
		name string
		app  *Application
		code string
		when string
		want Code
	}{
		{"new, open", nil, "sz", "reg", ""},
		{"new, unknown level", nil, "xx", "reg", EINVALID},
		{"new, before registration", nil, "sz", "early", EFORBIDDEN},
		{"new, after registration", nil, "sz", "review", EFORBIDDEN},
		{"started, change", appIn(StateStarted), "sx", "reg", ""},
		{"info saved, change", appIn(StateInfoSaved), "sx", "reg", ""},
		{"position chosen", appIn(StatePositionSelected), "sx", "reg", ECONFLICT},
		{"rejected", appIn(StateRejected), "sx", "reg", ECONFLICT},
		{"submitted", appIn(StateSubmitted), "sx", "reg", ECONFLICT},
	} {
		err := CheckLevelChoice(tc.app, exam, tc.code, allTimes[tc.when])
		if ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want code %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckPositionLevel(t *testing.T) {
	a := &Application{LevelCode: "sz"}
	if err := CheckPositionLevel(a, &Position{Code: "1", LevelCode: "sz"}); err != nil {
		t.Error(err)
	}
	if err := CheckPositionLevel(a, &Position{Code: "2", LevelCode: "sx"}); ErrorCode(err) != EINVALID || ErrorFields(err)["position_code"] == "" {
		t.Errorf("other level: %v", err)
	}
}
