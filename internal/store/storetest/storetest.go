// Package storetest is the conformance suite every store backend must pass.
// A backend's test calls Run with a factory that returns a fresh, empty
// store using the given clock.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Factory opens a new empty store whose timestamps and leases use now.
type Factory func(t *testing.T, now func() time.Time) store.Store

// Clock is a settable clock for lease and timestamp tests.
type Clock struct{ ns atomic.Int64 }

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock {
	c := &Clock{}
	c.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, c *Clock)
	}{
		{"CRUD", testCRUD},
		{"UpdateCAS", testUpdateCAS},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentCreate", testConcurrentCreate},
		{"List", testList},
		{"Tx", testTx},
		{"Blobs", testBlobs},
		{"Queue", testQueue},
		{"QueueLease", testQueueLease},
		{"QueueConcurrentClaim", testQueueConcurrentClaim},
		{"HostileKeys", testHostileKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock()
			s := open(t, c.Now)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s, c)
		})
	}
}

func check[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func okRec(t *testing.T) func(store.Record, error) store.Record      { return check[store.Record](t) }
func okRecs(t *testing.T) func([]store.Record, error) []store.Record { return check[[]store.Record](t) }
func okMsgs(t *testing.T) func([]store.Message, error) []store.Message {
	return check[[]store.Message](t)
}
func okBlob(t *testing.T) func([]byte, error) []byte { return check[[]byte](t) }
func okID(t *testing.T) func(int64, error) int64     { return check[int64](t) }

func testCRUD(t *testing.T, s store.Store, c *Clock) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "fn", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get missing: %v, want ErrNotFound", err)
	}
	rec := okRec(t)(s.Create(ctx, "fn", "a", []byte(`{"x":1}`)))
	if rec.Version == 0 || !rec.Updated.Equal(c.Now()) {
		t.Fatalf("Create returned %+v; want a version and updated = %v", rec, c.Now())
	}
	if _, err := s.Create(ctx, "fn", "a", []byte("again")); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("second Create: %v, want ErrAlreadyExists", err)
	}
	// Same id under another kind is a different record.
	okRec(t)(s.Create(ctx, "other", "a", []byte("o")))
	got := okRec(t)(s.Get(ctx, "fn", "a"))
	if string(got.Data) != `{"x":1}` || got.Version != rec.Version {
		t.Fatalf("Get = %+v, want data and version of %+v", got, rec)
	}
	c.Advance(time.Second)
	up := okRec(t)(s.Update(ctx, "fn", "a", func(old []byte) ([]byte, error) { return append(old, '!'), nil }))
	if up.Version == rec.Version || string(up.Data) != `{"x":1}!` || !up.Updated.Equal(c.Now()) {
		t.Fatalf("Update = %+v", up)
	}
	boom := errors.New("boom")
	if _, err := s.Update(ctx, "fn", "a", func([]byte) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("Update with failing fn: %v, want boom", err)
	}
	if got := okRec(t)(s.Get(ctx, "fn", "a")); got.Version != up.Version {
		t.Fatal("a failed update changed the record")
	}
	if _, err := s.Update(ctx, "fn", "missing", func(b []byte) ([]byte, error) { return b, nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Update missing: %v", err)
	}
	if err := s.Delete(ctx, "fn", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "fn", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := s.Get(ctx, "other", "a"); err != nil {
		t.Fatalf("deleting fn/a touched other/a: %v", err)
	}
	// Empty and binary data round-trip exactly.
	okRec(t)(s.Create(ctx, "fn", "empty", nil))
	if got := okRec(t)(s.Get(ctx, "fn", "empty")); len(got.Data) != 0 {
		t.Fatalf("empty data came back as %q", got.Data)
	}
	bin := []byte{0, 1, 2, 0xff, 0xfe, 0}
	okRec(t)(s.Create(ctx, "fn", "bin", bin))
	if got := okRec(t)(s.Get(ctx, "fn", "bin")); !bytes.Equal(got.Data, bin) {
		t.Fatalf("binary data came back as %v", got.Data)
	}
}

func testUpdateCAS(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	rec := okRec(t)(s.Create(ctx, "k", "x", []byte("1")))
	err := s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.Put("k", "x", []byte("2"), rec.Version)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A writer holding the old version must lose.
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.Put("k", "x", []byte("3"), rec.Version)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale Put: %v, want ErrConflict", err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.Put("k", "nope", []byte("3"), 7)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Put of missing record at a version: %v, want ErrNotFound", err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.Put("k", "x", []byte("3"), 0)
		return err
	})
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("Put at version 0 of existing record: %v, want ErrAlreadyExists", err)
	}
	if got := okRec(t)(s.Get(ctx, "k", "x")); string(got.Data) != "2" {
		t.Fatalf("data = %q, want 2", got.Data)
	}
}

func testConcurrentUpdates(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	okRec(t)(s.Create(ctx, "counter", "c", []byte("0")))
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := s.Update(ctx, "counter", "c", func(old []byte) ([]byte, error) {
					n, err := strconv.Atoi(string(old))
					return []byte(strconv.Itoa(n + 1)), err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := okRec(t)(s.Get(ctx, "counter", "c")); string(got.Data) != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d: an update was lost", got.Data, workers*each)
	}
}

func testConcurrentCreate(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var won atomic.Int32
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			_, err := s.Create(ctx, "k", "same", []byte(strconv.Itoa(w)))
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, store.ErrAlreadyExists):
				t.Error(err)
			}
		}(w)
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d concurrent creates of one id succeeded, want 1", won.Load())
	}
}

func testList(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	for _, id := range []string{"b/2", "a/1", "b/1", "b/3", "c", "b", "b0"} {
		okRec(t)(s.Create(ctx, "l", id, []byte(id)))
	}
	okRec(t)(s.Create(ctx, "l2", "b/9", nil))
	ids := func(rs []store.Record) string {
		var b bytes.Buffer
		for _, r := range rs {
			if r.Kind != "l" || string(r.Data) != r.ID {
				t.Fatalf("bad record %+v", r)
			}
			fmt.Fprintf(&b, "%s,", r.ID)
		}
		return b.String()
	}
	cases := []struct {
		prefix, after string
		limit         int
		want          string
	}{
		{"", "", 0, "a/1,b,b/1,b/2,b/3,b0,c,"},
		{"b/", "", 0, "b/1,b/2,b/3,"},
		{"b/", "b/1", 0, "b/2,b/3,"},
		{"b/", "", 2, "b/1,b/2,"},
		{"b/", "a", 0, "b/1,b/2,b/3,"},
		{"b/", "zzz", 0, ""},
		{"", "b0", 0, "c,"},
		{"nothing", "", 0, ""},
	}
	for _, tc := range cases {
		if got := ids(okRecs(t)(s.List(ctx, "l", tc.prefix, tc.after, tc.limit))); got != tc.want {
			t.Errorf("List(%q, %q, %d) = %s, want %s", tc.prefix, tc.after, tc.limit, got, tc.want)
		}
	}
	// Paging through with after = last id visits every record once.
	var all, after string
	for {
		page := okRecs(t)(s.List(ctx, "l", "", after, 3))
		if len(page) == 0 {
			break
		}
		all += ids(page)
		after = page[len(page)-1].ID
	}
	if all != cases[0].want {
		t.Fatalf("paged list = %s", all)
	}
}

func testTx(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.Create("t", "1", []byte("one")); err != nil {
			return err
		}
		if _, err := tx.Get("t", "1"); err != nil {
			return fmt.Errorf("read own write: %w", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx = %v, want boom", err)
	}
	if _, err := s.Get(ctx, "t", "1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled-back create is visible: %v", err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.Create("t", "1", []byte("one")); err != nil {
			return err
		}
		_, err := tx.Create("t", "2", []byte("two"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(tx store.Tx) error {
		rs, err := tx.List("t", "", "", 0)
		if err != nil || len(rs) != 2 {
			return fmt.Errorf("list in tx: %d records, %v", len(rs), err)
		}
		if err := tx.Delete("t", "1"); err != nil {
			return err
		}
		if err := tx.Delete("t", "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete missing in tx: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "t", "1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("delete in tx did not commit")
	}
}

func testBlobs(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	if _, err := s.GetBlob(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetBlob missing: %v", err)
	}
	big := bytes.Repeat([]byte{0, 1, 2, 3}, 1<<20)
	if err := s.PutBlob(ctx, "h1", big); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlob(ctx, "h1", big); err != nil {
		t.Fatalf("second PutBlob of same key: %v", err)
	}
	if got := okBlob(t)(s.GetBlob(ctx, "h1")); !bytes.Equal(got, big) {
		t.Fatal("blob did not round-trip")
	}
	if err := s.DeleteBlob(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBlob(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second DeleteBlob: %v", err)
	}
}

func testQueue(t *testing.T, s store.Store, c *Clock) {
	ctx := context.Background()
	if ms := okMsgs(t)(s.Claim(ctx, "q", 10, time.Minute)); len(ms) != 0 {
		t.Fatalf("claimed %d from an empty queue", len(ms))
	}
	for i := 0; i < 3; i++ {
		okID(t)(s.Enqueue(ctx, "q", []byte(strconv.Itoa(i)), c.Now()))
	}
	okID(t)(s.Enqueue(ctx, "q", []byte("later"), c.Now().Add(time.Hour)))
	okID(t)(s.Enqueue(ctx, "other", []byte("x"), c.Now()))
	ms := okMsgs(t)(s.Claim(ctx, "q", 2, time.Minute))
	if len(ms) != 2 || string(ms[0].Payload) != "0" || string(ms[1].Payload) != "1" || ms[0].Attempts != 0 {
		t.Fatalf("first claim = %+v, want messages 0 and 1 in order, attempts 0", ms)
	}
	rest := okMsgs(t)(s.Claim(ctx, "q", 10, time.Minute))
	if len(rest) != 1 || string(rest[0].Payload) != "2" {
		t.Fatalf("second claim = %+v, want only message 2 (leased and future ones excluded)", rest)
	}
	if err := s.Ack(ctx, ms[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, ms[0]); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("double Ack: %v, want ErrLeaseLost", err)
	}
	if err := s.Retry(ctx, ms[1], c.Now().Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if ms := okMsgs(t)(s.Claim(ctx, "q", 10, time.Minute)); len(ms) != 0 {
		t.Fatalf("retried message claimable before its time: %+v", ms)
	}
	c.Advance(31 * time.Second)
	again := okMsgs(t)(s.Claim(ctx, "q", 10, time.Minute))
	if len(again) != 1 || string(again[0].Payload) != "1" || again[0].Attempts != 1 {
		t.Fatalf("claim after retry = %+v, want message 1 with attempts 1", again)
	}
	c.Advance(time.Hour)
	// Message 2's lease and message 1's lease lapsed; "later" is due.
	due := okMsgs(t)(s.Claim(ctx, "q", 10, time.Minute))
	if len(due) != 3 {
		t.Fatalf("claim after an hour = %d messages, want 3", len(due))
	}
	for _, m := range due {
		if err := s.Ack(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if ms := okMsgs(t)(s.Claim(ctx, "q", 10, time.Minute)); len(ms) != 0 {
		t.Fatalf("queue not empty after acks: %+v", ms)
	}
	if ms := okMsgs(t)(s.Claim(ctx, "other", 10, time.Minute)); len(ms) != 1 {
		t.Fatalf("other queue lost its message: %+v", ms)
	}
}

func testQueueLease(t *testing.T, s store.Store, c *Clock) {
	ctx := context.Background()
	okID(t)(s.Enqueue(ctx, "q", []byte("m"), c.Now()))
	first := okMsgs(t)(s.Claim(ctx, "q", 1, time.Minute))
	if len(first) != 1 {
		t.Fatal("no message")
	}
	c.Advance(50 * time.Second)
	if err := s.Extend(ctx, first[0], time.Minute); err != nil {
		t.Fatal(err)
	}
	c.Advance(50 * time.Second)
	if ms := okMsgs(t)(s.Claim(ctx, "q", 1, time.Minute)); len(ms) != 0 {
		t.Fatal("extended lease was not honoured")
	}
	c.Advance(2 * time.Minute)
	second := okMsgs(t)(s.Claim(ctx, "q", 1, time.Minute))
	if len(second) != 1 || second[0].Attempts != 1 {
		t.Fatalf("lapsed lease not re-claimable: %+v", second)
	}
	// The first worker came back late: it must not settle the message.
	if err := s.Ack(ctx, first[0]); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Ack on lost lease: %v", err)
	}
	if err := s.Extend(ctx, first[0], time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Extend on lost lease: %v", err)
	}
	if err := s.Retry(ctx, first[0], c.Now()); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Retry on lost lease: %v", err)
	}
	if err := s.Ack(ctx, second[0]); err != nil {
		t.Fatal(err)
	}
}

func testQueueConcurrentClaim(t *testing.T, s store.Store, c *Clock) {
	ctx := context.Background()
	const n = 60
	for i := 0; i < n; i++ {
		okID(t)(s.Enqueue(ctx, "q", []byte(strconv.Itoa(i)), c.Now()))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ms, err := s.Claim(ctx, "q", 4, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				for _, m := range ms {
					mu.Lock()
					seen[string(m.Payload)]++
					mu.Unlock()
					if err := s.Ack(ctx, m); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("saw %d distinct messages, want %d", len(seen), n)
	}
	for p, k := range seen {
		if k != 1 {
			t.Fatalf("message %s delivered %d times to concurrent claimers", p, k)
		}
	}
}

func testHostileKeys(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	for _, id := range []string{"'; DROP TABLE records; --", "%", "_", "a\x00b", "ünï/cødé", string(bytes.Repeat([]byte("x"), 4096))} {
		okRec(t)(s.Create(ctx, "h", id, []byte(id)))
		if got := okRec(t)(s.Get(ctx, "h", id)); string(got.Data) != id {
			t.Fatalf("id %q came back with data %q", id, got.Data)
		}
	}
	if rs := okRecs(t)(s.List(ctx, "h", "%", "", 0)); len(rs) != 1 {
		t.Fatalf("prefix %% matched %d records, want 1 (no wildcard semantics)", len(rs))
	}
	if rs := okRecs(t)(s.List(ctx, "h", "_", "", 0)); len(rs) != 1 {
		t.Fatalf("prefix _ matched %d records, want 1", len(rs))
	}
}
