package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"), now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestReopenKeepsData checks durability across a close and reopen and that
// migrations are idempotent.
func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "k", "a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, "q", []byte("m"), time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Get(ctx, "k", "a"); err != nil || string(r.Data) != "v" {
		t.Fatalf("after reopen: %+v %v", r, err)
	}
	if ms, err := s.Claim(ctx, "q", 5, time.Minute); err != nil || len(ms) != 1 {
		t.Fatalf("queue after reopen: %+v %v", ms, err)
	}
}

func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "db.sqlite"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Create(ctx, "bench", string(rune(i))+time.Now().String(), data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGroupCommitIsolatesFailures runs many writers at once, so they share
// commits, with some failing (duplicates, an error, a panic): each fails
// alone, the rest are all durable after a reopen.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	for i := 3; i < n; i += 10 {
		if _, err := s.Create(ctx, "g", fmt.Sprint(i), []byte("first")); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch i % 10 {
			case 3: // a duplicate of a record made before
				_, errs[i] = s.Create(ctx, "g", fmt.Sprint(i), []byte("dup"))
			case 5:
				errs[i] = s.Tx(ctx, func(tx store.Tx) error {
					if _, err := tx.Create("g", fmt.Sprint(i), []byte("x")); err != nil {
						return err
					}
					return errors.New("changed my mind")
				})
			case 7:
				errs[i] = s.Tx(ctx, func(tx store.Tx) error {
					tx.Create("g", fmt.Sprint(i), []byte("x"))
					panic("bug")
				})
			default:
				_, errs[i] = s.Create(ctx, "g", fmt.Sprint(i), []byte(fmt.Sprint(i)))
			}
		}(i)
	}
	wg.Wait()
	s.Close()
	s, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		r, gerr := s.Get(ctx, "g", fmt.Sprint(i))
		switch i % 10 {
		case 3:
			if !errors.Is(errs[i], store.ErrAlreadyExists) || string(r.Data) != "first" {
				t.Errorf("%d: duplicate gave %v, record %q", i, errs[i], r.Data)
			}
		case 5, 7:
			if errs[i] == nil || !errors.Is(gerr, store.ErrNotFound) {
				t.Errorf("%d: failed transaction: err %v, record %v", i, errs[i], gerr)
			}
		default:
			if errs[i] != nil || gerr != nil || string(r.Data) != fmt.Sprint(i) {
				t.Errorf("%d: %v %v %q", i, errs[i], gerr, r.Data)
			}
		}
	}
	if _, err := s.Create(ctx, "g", "after", nil); err != nil {
		t.Fatal(err)
	}
}

func TestWritesAfterCloseFail(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Create(context.Background(), "k", "a", nil); !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func BenchmarkCreateParallel(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "db.sqlite"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 200)
	var n atomic.Int64
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Create(ctx, "bench", fmt.Sprint(n.Add(1)), data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
