//go:build unix

package kv

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the test process has used: a
// benchmark's cost that a busy shared machine does not inflate.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
