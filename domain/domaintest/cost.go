// Package domaintest measures, for tests only, what checking one hostile
// upload costs: the test binary runs one of its own tests again in a fresh
// child process (so the peak-RSS mark belongs to that check alone), and the
// child reports the extra memory and the CPU time the check used. CPU time,
// unlike wall time, does not grow when the machine is busy with other work.
//
// Only _test.go files import it; it needs Linux /proc.
package domaintest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Cost is what one check in a child process used.
type Cost struct {
	ExtraMB float64 // peak RSS above the RSS before the check, in MB
	CPUms   float64 // user + system CPU time of the check, in ms
}

// SkipUnlessMeasurable skips t when the kernel cannot reset and report
// the peak-RSS mark (not Linux, or /proc not mounted).
func SkipUnlessMeasurable(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("needs Linux /proc to measure peak RSS")
	}
}

// ChildCost writes data to a file in dir named name, runs the test
// childTest of this test binary in a fresh process with env set to that
// file's path, and returns the cost the child printed (see MeasureInChild).
func ChildCost(t testing.TB, dir, name string, data []byte, childTest, env string) Cost {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+childTest+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var c Cost
	line := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "COST ") {
			line = l
		}
	}
	if _, err := fmt.Sscanf(line, "COST extra_mb=%g cpu_ms=%g", &c.ExtraMB, &c.CPUms); err != nil {
		t.Fatalf("no cost line in child output: %v\n%s", err, out)
	}
	t.Logf("%d bytes: +%.1f MB peak RSS, %.0f ms CPU", len(data), c.ExtraMB, c.CPUms)
	return c
}

// ChildInput is the file a child test checks: the contents of the file
// named by env, or a skip when env is unset (a normal run, where the
// child test does nothing).
func ChildInput(t testing.TB, env string) []byte {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Skip("child process of a cost test; does nothing in a normal run")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// MeasureInChild runs check once, after a GC and a reset of the peak-RSS
// mark, and prints the line ChildCost reads: the peak RSS above the RSS
// before the check, and the CPU time the check used. check returns a line
// saying what it found, printed for the parent's log.
func MeasureInChild(t testing.TB, check func() string) {
	t.Helper()
	runtime.GC()
	base := procStatusKB(t, "VmRSS")
	// Writing 5 resets the peak-RSS mark to the current RSS.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatal(err)
	}
	cpu0 := cpuTime()
	found := check()
	cpu := cpuTime() - cpu0
	peak := procStatusKB(t, "VmHWM")
	fmt.Println(found)
	fmt.Printf("COST extra_mb=%.1f cpu_ms=%d\n", float64(peak-base)/1024, cpu.Milliseconds())
}

// procStatusKB reads a "Name: N kB" line of /proc/self/status.
func procStatusKB(t testing.TB, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", name)
	return 0
}

// cpuTime is the CPU time (user + system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
