package main

import (
	"io"
	"io/fs"
	"log/slog"
	"runtime/debug"
	"testing"
)

func TestCgroupMemoryMax(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"v2 service with MemoryMax=1G", map[string]string{
			"/proc/self/cgroup": "0::/system.slice/examreg.service\n",
			"/sys/fs/cgroup/system.slice/examreg.service/memory.max": "1073741824\n",
		}, 1 << 30},
		{"v2 without a limit", map[string]string{
			"/proc/self/cgroup": "0::/user.slice/session-1.scope\n",
			"/sys/fs/cgroup/user.slice/session-1.scope/memory.max": "max\n",
		}, 0},
		{"v2 in a container (own namespace)", map[string]string{
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "536870912\n",
		}, 512 << 20},
		{"v1 memory controller", map[string]string{
			"/proc/self/cgroup": "12:cpu,cpuacct:/x\n4:memory:/docker/abc\n",
			"/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "2147483648",
		}, 2 << 30},
		{"v1 unlimited", map[string]string{
			"/proc/self/cgroup":                           "4:memory:/\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712",
		}, 0},
		{"no cgroup file", map[string]string{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(name string) ([]byte, error) {
				if s, ok := tc.files[name]; ok {
					return []byte(s), nil
				}
				return nil, fs.ErrNotExist
			}
			got, ok := cgroupMemoryMax(read)
			if got != tc.want || ok != (tc.want > 0) {
				t.Fatalf("cgroupMemoryMax = %d, %v; want %d", got, ok, tc.want)
			}
		})
	}
}

// The soft limit is 70 % of the cgroup's, and GOMEMLIMIT wins.
func TestApplyCgroupMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	read := func(name string) ([]byte, error) {
		switch name {
		case "/proc/self/cgroup":
			return []byte("0::/system.slice/examreg.service\n"), nil
		case "/sys/fs/cgroup/system.slice/examreg.service/memory.max":
			return []byte("1073741824\n"), nil
		}
		return nil, fs.ErrNotExist
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Setenv("GOMEMLIMIT", "")
	gib := int64(1 << 30)
	want := int64(float64(gib) * cgroupSoftShare)
	if got := applyCgroupMemoryLimit(logger, read); got != want || debug.SetMemoryLimit(-1) != got {
		t.Fatalf("limit set %d, runtime has %d", got, debug.SetMemoryLimit(-1))
	}
	debug.SetMemoryLimit(old)
	t.Setenv("GOMEMLIMIT", "700MiB")
	if got := applyCgroupMemoryLimit(logger, read); got != 0 || debug.SetMemoryLimit(-1) != old {
		t.Fatal("GOMEMLIMIT set, yet the cgroup's limit was applied")
	}
}
