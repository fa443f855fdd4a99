package kv

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// ErrEncryptionKey says the store would not open with the key given (or
// without one): the message says which, and what to do.
var ErrEncryptionKey = errors.New("kv: encryption key")

// openError turns Badger's open failures into messages an operator can act
// on: a key mismatch (wrong key, missing key, or a key for a store that is
// not encrypted) and a data directory another process holds.
func openError(o Options, err error) error {
	switch {
	case errors.Is(err, badger.ErrEncryptionKeyMismatch) || strings.Contains(err.Error(), "Encryption key mismatch"):
		if o.EncryptionKey == nil {
			return fmt.Errorf("%w: the store in %s is encrypted: start with -encryption-key-file naming its key file", ErrEncryptionKey, o.Dir)
		}
		return fmt.Errorf("%w: the key file does not open the store in %s (a wrong key, or the store is not encrypted)", ErrEncryptionKey, o.Dir)
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return fmt.Errorf("kv: open %s: another examreg process is using this data directory: %w", o.Dir, err)
	}
	return fmt.Errorf("kv: open %s: %w", o.Dir, err)
}

// Encrypted reports whether the store encrypts its files.
func (s *Store) Encrypted() bool { return s.key != nil }
