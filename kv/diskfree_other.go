//go:build !(linux || darwin || freebsd)

package kv

import "errors"

// FreeBytes is not implemented on this system: the low-disk check is off
// (the caller treats the error as "unknown" and logs it on /healthz).
func FreeBytes(dir string) (uint64, error) {
	return 0, errors.New("kv: free disk space is not measured on this system")
}
