package handlers

import (
	"github.com/alexedwards/argon2id"
)

// passwordParams: argon2id with 19 MiB, 2 passes, 1 lane (the OWASP
// minimum), about 30 ms per hash on this kind of machine; see the
// benchmark in passwords_test.go.
var passwordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// dummyHash is compared against when a login name does not exist, so a
// wrong ID number takes as long as a wrong password.
var dummyHash, _ = argon2id.CreateHash("examreg-no-such-account", passwordParams)

// HashPassword hashes a password with examreg's argon2id parameters (for
// the admin create command and the demo seed).
func HashPassword(pw string) (string, error) { return argon2id.CreateHash(pw, passwordParams) }

// hashPassword hashes pw, waiting for a free hashing slot.
func (s *Server) hashPassword(pw string) (string, error) {
	s.hashSlots <- struct{}{}
	defer func() { <-s.hashSlots }()
	return HashPassword(pw)
}

// checkPassword reports whether pw matches hash, waiting for a free slot.
func (s *Server) checkPassword(pw, hash string) bool {
	s.hashSlots <- struct{}{}
	defer func() { <-s.hashSlots }()
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	return err == nil && ok
}

// hashingCores is how many argon2id hashes may run at once on a machine of
// cpus cores: all but one, so a login rush queues logins while one core
// stays free for status polls and page views (issue 15: hashing on both
// cores of a 2-core machine cut polls by 80 %).
func hashingCores(cpus int) int { return max(cpus-1, 1) }
