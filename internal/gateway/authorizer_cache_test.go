package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAuthorizerCacheHitAndExpiry(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	c := newResultCache[int](100)
	fills := 0
	fill := func() (int, time.Time, error) {
		fills++
		return fills, clock.Now().Add(time.Minute), nil
	}
	ctx := context.Background()
	for i, want := range []struct {
		advance time.Duration
		v       int
	}{{0, 1}, {59 * time.Second, 1}, {time.Second, 2}, {30 * time.Second, 2}} {
		clock.Advance(want.advance)
		v, err := c.do(ctx, "k", clock.Now, fill)
		if err != nil || v != want.v {
			t.Fatalf("step %d: do = %d, %v; want %d", i, v, err, want.v)
		}
	}
	if _, ok := c.get("other", clock.Now()); ok {
		t.Fatal("hit on a key never filled")
	}
}

func TestAuthorizerCacheErrorsNotCached(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	c := newResultCache[int](100)
	boom := errors.New("boom")
	calls := 0
	for range 3 {
		_, err := c.do(context.Background(), "k", clock.Now, func() (int, time.Time, error) {
			calls++
			return 0, clock.Now().Add(time.Hour), boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	}
	// An expiry already past: served once, not kept.
	for range 2 {
		c.do(context.Background(), "past", clock.Now, func() (int, time.Time, error) {
			calls++
			return 1, clock.Now(), nil
		})
	}
	if calls != 5 || c.len() != 0 {
		t.Fatalf("calls = %d, entries = %d; want 5 calls and nothing cached", calls, c.len())
	}
}

func TestAuthorizerCacheBounded(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	const size = 64
	c := newResultCache[int](size)
	for i := range 10 * size {
		c.set(fmt.Sprint("k", i), i, clock.Now().Add(time.Duration(i+1)*time.Second), clock.Now())
	}
	if n := c.len(); n > size+cacheShardCount {
		t.Fatalf("%d entries, bound %d", n, size)
	}
	// The newest entries survive (the soonest-expiring are evicted).
	if v, ok := c.get(fmt.Sprint("k", 10*size-1), clock.Now()); !ok || v != 10*size-1 {
		t.Fatalf("newest entry lost: %d, %v", v, ok)
	}
	// Expired entries are swept when a shard fills.
	clock.Advance(time.Duration(20*size) * time.Second)
	for i := range size {
		c.set(fmt.Sprint("new", i), i, clock.Now().Add(time.Hour), clock.Now())
	}
	for i := range 10 * size {
		if _, ok := c.get(fmt.Sprint("k", i), clock.Now()); ok {
			t.Fatalf("expired k%d served", i)
		}
	}
	if n := c.len(); n > size+cacheShardCount {
		t.Fatalf("%d entries after the sweep, bound %d", n, size)
	}
}

// TestAuthorizerCacheSingleFlight: fifty concurrent misses fill once and
// all get the value.
func TestAuthorizerCacheSingleFlight(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	c := newResultCache[string](100)
	var fills atomic.Int64
	release := make(chan struct{})
	var started sync.WaitGroup
	var wg sync.WaitGroup
	results := make([]string, 50)
	for i := range results {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			v, err := c.do(context.Background(), "k", clock.Now, func() (string, time.Time, error) {
				fills.Add(1)
				<-release
				return "v", clock.Now().Add(time.Minute), nil
			})
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		})
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let the goroutines reach the flight
	close(release)
	wg.Wait()
	if n := fills.Load(); n != 1 {
		t.Fatalf("%d fills, want 1", n)
	}
	for i, v := range results {
		if v != "v" {
			t.Fatalf("result %d = %q", i, v)
		}
	}
}

func TestAuthorizerCacheWaiterGivesUp(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	c := newResultCache[int](100)
	inFill := make(chan struct{})
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.do(context.Background(), "k", clock.Now, func() (int, time.Time, error) {
			close(inFill)
			<-release
			return 1, clock.Now().Add(time.Minute), nil
		})
	}()
	<-inFill
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.do(ctx, "k", clock.Now, func() (int, time.Time, error) {
		t.Error("second fill while the first is in flight")
		return 0, time.Time{}, nil
	}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter err = %v", err)
	}
	close(release)
	<-done
	if v, ok := c.get("k", clock.Now()); !ok || v != 1 {
		t.Fatalf("the leader's value was not cached: %d %v", v, ok)
	}
}
