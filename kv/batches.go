package kv

// updateInBatches applies fn to every item, size items per transaction, for
// the maintenance and bulk actions whose items are independent of each other
// (one transaction for all would grow past the engine's limit). Batches that
// committed stay committed when a later one fails; each action says why
// that is safe (idempotent, resumable).
func updateInBatches[T any](s *Store, items []T, size int, fn func(tx *Tx, item T) error) error {
	for start := 0; start < len(items); start += size {
		batch := items[start:min(start+size, len(items))]
		if err := s.Update(func(tx *Tx) error {
			for _, it := range batch {
				if err := fn(tx, it); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefixInBatches removes every key under prefix, at most size keys
// per transaction (a crash in between leaves fewer keys, never a torn one).
func (s *Store) deletePrefixInBatches(prefix string, size int) error {
	for {
		var keys []string
		if err := s.View(func(tx *Tx) error {
			return tx.Scan(prefix, ScanOptions{KeysOnly: true, Limit: size}, func(k string, _ []byte) error {
				keys = append(keys, k)
				return nil
			})
		}); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		if err := updateInBatches(s, keys, size, func(tx *Tx, k string) error { return tx.Delete(k) }); err != nil {
			return err
		}
	}
}
