package gateway

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"
	"time"
)

// resultCache is a bounded map from a string key to a value that expires,
// with single-flight filling: concurrent misses for one key run fill once
// and share its outcome (fifty requests carrying a new token invoke the
// authorizer once, as the cache would have them do one after another).
//
// Hits take one shard's read lock and nothing else, so requests with
// different keys rarely meet and requests with the same key share the lock.
// A full shard first drops its expired entries, then the one expiring
// soonest; every sweepEvery inserts into a shard sweep it too, so expired
// entries do not outlive their welcome in a shard that never fills.
type resultCache[V any] struct {
	seed     maphash.Seed
	perShard int
	shards   [cacheShardCount]resultShard[V]
}

const (
	cacheShardCount = 32
	sweepEvery      = 256
)

type resultShard[V any] struct {
	mu       sync.RWMutex
	m        map[string]cached[V]
	inflight map[string]*flight[V]
	puts     int
	_        [32]byte // keep shards' locks on separate cache lines
}

type cached[V any] struct {
	v       V
	expires time.Time
}

type flight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// errFillPanicked is what the waiters of a fill that panicked get.
var errFillPanicked = errors.New("gateway: authorizer cache fill panicked")

func newResultCache[V any](size int) *resultCache[V] {
	c := &resultCache[V]{seed: maphash.MakeSeed(), perShard: max(1, (size+cacheShardCount-1)/cacheShardCount)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cached[V])
		c.shards[i].inflight = make(map[string]*flight[V])
	}
	return c
}

func (c *resultCache[V]) shard(key string) *resultShard[V] {
	return &c.shards[maphash.String(c.seed, key)%cacheShardCount]
}

// get returns the value cached under key if it has not expired at now.
func (c *resultCache[V]) get(key string, now time.Time) (V, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.m[key]
	s.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// do returns the cached value for key, or runs fill once for all the
// callers missing key at the same time. fill returns the value, when it
// stops being valid (not after now() at the end of fill: not cached), and
// an error (not cached, but shared with the waiters). A waiter whose ctx
// ends stops waiting; fill itself is not cancelled by a waiter, so it
// should not depend on one caller's context either.
func (c *resultCache[V]) do(ctx context.Context, key string, now func() time.Time, fill func() (V, time.Time, error)) (V, error) {
	if v, ok := c.get(key, now()); ok {
		return v, nil
	}
	s := c.shard(key)
	s.mu.Lock()
	if e, ok := s.m[key]; ok && now().Before(e.expires) {
		s.mu.Unlock()
		return e.v, nil
	}
	if f, ok := s.inflight[key]; ok {
		s.mu.Unlock()
		select {
		case <-f.done:
			return f.v, f.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	s.inflight[key] = f
	s.mu.Unlock()

	var expires time.Time
	func() {
		// A panicking fill must not leave its waiters blocked forever.
		defer func() {
			if r := recover(); r != nil {
				f.err = errFillPanicked
				s.mu.Lock()
				delete(s.inflight, key)
				s.mu.Unlock()
				close(f.done)
				panic(r)
			}
		}()
		f.v, expires, f.err = fill()
	}()
	s.mu.Lock()
	delete(s.inflight, key)
	if f.err == nil {
		if t := now(); t.Before(expires) {
			s.put(key, cached[V]{v: f.v, expires: expires}, t, c.perShard)
		}
	}
	s.mu.Unlock()
	close(f.done)
	return f.v, f.err
}

// set stores v under key until expires, outside do (a value re-verified
// after its cached copy went stale).
func (c *resultCache[V]) set(key string, v V, expires, now time.Time) {
	if !now.Before(expires) {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	s.put(key, cached[V]{v: v, expires: expires}, now, c.perShard)
	s.mu.Unlock()
}

// put stores e; s.mu is held.
func (s *resultShard[V]) put(key string, e cached[V], now time.Time, limit int) {
	s.puts++
	if s.puts%sweepEvery == 0 || len(s.m) >= limit {
		for k, old := range s.m {
			if !now.Before(old.expires) {
				delete(s.m, k)
			}
		}
	}
	if _, ok := s.m[key]; !ok && len(s.m) >= limit {
		// Still full of live entries: drop the one that would expire first.
		var victim string
		var soonest time.Time
		found := false
		for k, old := range s.m {
			if !found || old.expires.Before(soonest) {
				victim, soonest, found = k, old.expires, true
			}
		}
		delete(s.m, victim)
	}
	s.m[key] = e
}

// len counts the entries, expired or not (tests).
func (c *resultCache[V]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
