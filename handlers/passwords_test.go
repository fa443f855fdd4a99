package handlers

import (
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h1, err := HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword(testPassword)
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	// The parameters are in the hash, so they can be raised later without
	// breaking existing accounts.
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the expected argon2id parameters", h1)
	}
	s := &Server{hashSlots: make(chan struct{}, 1)}
	if !s.checkPassword(testPassword, h1) || !s.checkPassword(testPassword, h2) {
		t.Error("the password does not verify against its hash")
	}
	for _, wrong := range []string{"", testPassword + " ", strings.ToLower(testPassword)} {
		if s.checkPassword(wrong, h1) {
			t.Errorf("%q verifies against the hash of %q", wrong, testPassword)
		}
	}
	if s.checkPassword(testPassword, "not a hash") {
		t.Error("a malformed hash verifies")
	}
	if s.checkPassword("examreg-no-such-account", "") {
		t.Error("an empty hash verifies")
	}
	// The dummy hash used for unknown login names costs the same as a real one.
	p, _, _, err := argon2id.DecodeHash(dummyHash)
	if err != nil || *p != *passwordParams {
		t.Errorf("dummy hash params %+v, %v; want %+v", p, err, passwordParams)
	}
}

// BenchmarkPasswordHash is the cost of one argon2id hash with examreg's
// parameters (every registration, password change and login pays about this).
func BenchmarkPasswordHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashPassword(testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPasswordVerify is the cost of one login's password check.
func BenchmarkPasswordVerify(b *testing.B) {
	h, err := HashPassword(testPassword)
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{hashSlots: make(chan struct{}, 1)}
	b.ReportAllocs()
	for b.Loop() {
		if !s.checkPassword(testPassword, h) {
			b.Fatal("no match")
		}
	}
}

// TestHashingCores: a login rush leaves one core to everything else, except
// on a single core where hashing must still run.
func TestHashingCores(t *testing.T) {
	for _, c := range []struct{ cpus, want int }{{1, 1}, {2, 1}, {4, 3}, {16, 15}} {
		if got := hashingCores(c.cpus); got != c.want {
			t.Errorf("hashingCores(%d) = %d, want %d", c.cpus, got, c.want)
		}
	}
}
