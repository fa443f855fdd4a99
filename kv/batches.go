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
