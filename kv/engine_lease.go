package kv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"time"
)

// Leases let several examreg nodes on one store run each background worker
// (payment reconciliation, notification dispatch, sweepers) on one node at
// a time: a worker runs while its node holds the worker's lease key, renewed
// well before it lapses; when the node stops or loses the store, another
// node takes the lease over once it has lapsed.

// LeaseTTL is how long a worker's lease lasts without renewal; the holder
// renews it every third of that (and the others try to take it as often).
const LeaseTTL = 15 * time.Second

func leaseKey(name string) string { return "v1/lease/" + name }

// lease is the record at a lease key.
type lease struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
}

// newNodeID names this process among the nodes: host name and a random part.
func newNodeID() string {
	host, _ := os.Hostname()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return host + "-" + hex.EncodeToString(r[:])
}

// NodeID names this process among the nodes sharing the store.
func (s *Store) NodeID() string { return s.node }

// TakeLease takes (or renews) the named lease for this node until now+ttl.
// It reports false while another node holds it.
func (s *Store) TakeLease(name string, now time.Time, ttl time.Duration) (held bool, err error) {
	err = s.Update(func(tx *Tx) error {
		held = false
		var l lease
		switch err := tx.Get(leaseKey(name), &l); {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		case l.Holder != s.node && now.Before(l.Until):
			return nil
		}
		held = true
		return tx.Put(leaseKey(name), lease{Holder: s.node, Until: now.Add(ttl)})
	})
	return held, err
}

// releaseLease gives the named lease up if this node holds it.
func (s *Store) releaseLease(name string) error {
	return s.Update(func(tx *Tx) error {
		var l lease
		if err := tx.Get(leaseKey(name), &l); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		}
		if l.Holder != s.node {
			return nil
		}
		return tx.Delete(leaseKey(name))
	})
}

// RunLeased runs run while this node holds the named lease (lasting ttl,
// renewed every ttl/3), until ctx ends. run gets a context that ends when
// ctx does or when the lease is lost (a renewal failed, so another node may
// take over once the lease lapses); it is
// started again once the lease is taken again. RunLeased returns after run
// has returned and the lease is released.
func (s *Store) RunLeased(ctx context.Context, name string, ttl time.Duration, run func(ctx context.Context)) {
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	var cur *leasedRun
	defer func() {
		cur.stop()
		if err := s.releaseLease(name); err != nil {
			s.log.Warn("kv: release lease", "lease", name, "err", err)
		}
	}()
	for {
		held, err := s.TakeLease(name, time.Now(), ttl)
		if err != nil {
			s.log.Warn("kv: lease", "lease", name, "err", err)
		}
		switch {
		case held && cur == nil:
			cur = startLeasedRun(ctx, run)
		case !held && cur != nil:
			cur.stop()
			cur = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// leasedRun is one run of a leased worker.
type leasedRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func startLeasedRun(ctx context.Context, run func(context.Context)) *leasedRun {
	r := &leasedRun{done: make(chan struct{})}
	var runCtx context.Context
	runCtx, r.cancel = context.WithCancel(ctx)
	go func() { defer close(r.done); run(runCtx) }()
	return r
}

// stop ends the run and waits for it (nil: nothing runs).
func (r *leasedRun) stop() {
	if r != nil {
		r.cancel()
		<-r.done
	}
}

// runSweepers removes expired keys (TiKV) and unreferenced objects (object
// store) on one node at a time, until ctx ends.
func (s *Store) runSweepers(ctx context.Context) {
	if _, tikv := s.eng.(*tikvEngine); !tikv && s.blobs == nil {
		return
	}
	s.RunLeased(ctx, "sweepers", LeaseTTL, func(ctx context.Context) {
		ttlTick := time.NewTicker(30 * time.Second)
		defer ttlTick.Stop()
		blobTick := time.NewTicker(10 * time.Minute)
		defer blobTick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ttlTick.C:
				if err := s.SweepExpired(time.Now()); err != nil {
					s.log.Warn("kv: sweep expired keys", "err", err)
				}
			case <-blobTick.C:
				if n, err := s.SweepBlobObjects(ctx, time.Now(), blobSweepGrace); err != nil {
					s.log.Warn("kv: sweep unreferenced objects", "err", err)
				} else if n > 0 {
					s.log.Info("kv: unreferenced objects removed", "n", n)
				}
			}
		}
	})
}
