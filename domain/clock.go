package domain

import (
	"time"
	_ "time/tzdata" // the binary must know Asia/Shanghai on any machine
)

// Shanghai is the zone every exam time is set, shown and checked in.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Clock gives the current time; tests inject a fixed or movable one.
type Clock func() time.Time

// FormatTime shows t in Asia/Shanghai as 2006-01-02 15:04.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format("2006-01-02 15:04")
}
