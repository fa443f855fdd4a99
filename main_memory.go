package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Go does not read the cgroup's memory limit (systemd's MemoryMax, a
// container's limit), so without GOMEMLIMIT its heap grows to twice the live
// heap between collections whatever the box allows, and a burst of writes
// (Badger's compaction buffers, argon2id's 19 MiB per login) can take the
// process past the hard limit. When GOMEMLIMIT is not set, examreg sets the
// soft limit itself to cgroupSoftShare of the cgroup's limit, leaving the
// rest for memory-mapped tables, stacks and memory outside the Go heap.
const cgroupSoftShare = 0.7

// applyCgroupMemoryLimit sets the soft memory limit from the cgroup's when
// GOMEMLIMIT is unset and the process runs under a memory limit; it
// returns the limit set (0: none).
func applyCgroupMemoryLimit(logger *slog.Logger, read func(string) ([]byte, error)) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	max, ok := cgroupMemoryMax(read)
	if !ok {
		return 0
	}
	limit := int64(float64(max) * cgroupSoftShare)
	debug.SetMemoryLimit(limit)
	logger.Info("soft memory limit from the cgroup (set GOMEMLIMIT to choose another)", "cgroup_max_mb", max>>20, "limit_mb", limit>>20)
	return limit
}

// cgroupMemoryMax is the memory limit of the process's cgroup (v2, or v1's
// memory controller); ok is false when there is none.
func cgroupMemoryMax(read func(string) ([]byte, error)) (int64, bool) {
	b, err := read("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		// v2: "0::/system.slice/examreg.service"; v1: "4:memory:/system.slice/…".
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			file = "/sys/fs/cgroup" + strings.TrimSuffix(parts[2], "/") + "/memory.max"
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			file = "/sys/fs/cgroup/memory" + strings.TrimSuffix(parts[2], "/") + "/memory.limit_in_bytes"
		default:
			continue
		}
		if v, ok := parseMemoryMax(read, file); ok {
			return v, true
		}
	}
	return 0, false
}

// parseMemoryMax reads a cgroup limit file: "max" (v2) or a huge number
// (v1's "no limit") mean none.
func parseMemoryMax(read func(string) ([]byte, error), file string) (int64, bool) {
	b, err := read(file)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v <= 0 || v >= 1<<60 {
		return 0, false
	}
	return v, true
}
