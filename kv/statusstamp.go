package kv

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
)

// statusStamps hold, per candidate and exam, a stamp that changes after
// every commit that writes the application (writeApplication), so a status
// poll can be answered "unchanged" from memory, without reading, decoding or
// rendering the application. Stamps start with a random per-process prefix:
// a stamp from before a restart never matches one issued after it.
type statusStamps struct {
	once sync.Once
	boot string
	seq  atomic.Uint64
	m    sync.Map // candidateID + "/" + examID → string
}

func (st *statusStamps) next() string {
	st.once.Do(func() {
		b := make([]byte, 6)
		rand.Read(b)
		st.boot = hex.EncodeToString(b)
	})
	return st.boot + "-" + strconv.FormatUint(st.seq.Add(1), 36)
}

// touch gives the application a new stamp (after its write committed).
func (st *statusStamps) touch(candidateID, examID string) {
	st.m.Store(candidateID+"/"+examID, st.next())
}

// StatusStamp returns the current stamp of a candidate's application to an
// exam. Take it before reading the application: every write whose commit
// hook runs after this call gives a new stamp, so a fragment rendered from a
// later read is never older than its stamp says (at worst a poll renders
// once more than needed).
func (s *Store) StatusStamp(candidateID, examID string) string {
	key := candidateID + "/" + examID
	if v, ok := s.stamps.m.Load(key); ok {
		return v.(string)
	}
	v, _ := s.stamps.m.LoadOrStore(key, s.stamps.next())
	return v.(string)
}
