package main

import (
	"context"
	"log/slog"
	"time"

	"examreg/kv"
)

// startReturnReminders checks every few minutes for returned applications
// whose 补正截止 is less than a day away and tells their candidates once
// (kv.RemindDueReturns; the event key makes a second send a no-op). With
// several nodes it runs on the one holding the lease, so they do not all
// scan the queues. The returned function stops it.
func startReturnReminders(store *kv.Store, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		store.RunLeased(ctx, "return-reminders", kv.LeaseTTL, func(ctx context.Context) {
			t := time.NewTicker(5 * time.Minute)
			defer t.Stop()
			for {
				if n, err := store.RemindDueReturns(time.Now()); err != nil {
					logger.Error("补正截止 reminders", "err", err)
				} else if n > 0 {
					logger.Info("补正截止 reminders sent", "n", n)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}()
	return func() { cancel(); <-done }
}
