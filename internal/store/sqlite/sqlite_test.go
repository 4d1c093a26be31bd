package sqlite

import (
	"context"
	"path/filepath"
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
