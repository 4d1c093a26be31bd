package logs

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPutRead(t *testing.T) {
	t.Parallel()
	s, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.UnixMilli(1_700_000_000_000)
	s.Put("/aws/lambda/f", "stream-1", base, []byte("first"))
	s.Put("/aws/lambda/f", "stream-1", base.Add(time.Second), []byte("multi\nline \\ with backslash\ttab"))
	s.Put("/aws/lambda/other", "s", base, []byte("elsewhere"))
	evs, more, err := s.Read("/aws/lambda/f", time.Time{}, time.Time{}, "", 0, 0)
	if err != nil || more || len(evs) != 2 {
		t.Fatalf("Read = %d events, more=%v, %v", len(evs), more, err)
	}
	if evs[1].Message != "multi\nline \\ with backslash\ttab" || evs[1].Stream != "stream-1" {
		t.Fatalf("message did not round-trip: %q", evs[1].Message)
	}
	if evs, _, _ := s.Read("/aws/lambda/f", base.Add(500*time.Millisecond), time.Time{}, "", 0, 0); len(evs) != 1 {
		t.Fatalf("start time filter: %d events", len(evs))
	}
	if evs, _, _ := s.Read("/aws/lambda/f", time.Time{}, time.Time{}, "first", 0, 0); len(evs) != 1 {
		t.Fatalf("pattern filter: %d events", len(evs))
	}
	if _, _, err := s.Read("/aws/lambda/none", time.Time{}, time.Time{}, "", 0, 0); !errors.Is(err, ErrNoGroup) {
		t.Fatalf("missing group: %v", err)
	}
	groups, _ := s.Groups()
	if strings.Join(groups, ",") != "/aws/lambda/f,/aws/lambda/other" {
		t.Fatalf("groups = %v", groups)
	}
}

func TestPagingAndRotation(t *testing.T) {
	t.Parallel()
	s, err := Open(t.TempDir(), 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				s.Put("g", "s", now, []byte(fmt.Sprintf("worker %d line %d", w, i)))
			}
		}(w)
	}
	wg.Wait()
	// Rotation keeps the newest records: at least the last file's worth.
	all, _, err := s.Read("g", time.Time{}, time.Time{}, "", 0, 0)
	if err != nil || len(all) == 0 || len(all) > 200 {
		t.Fatalf("after rotation: %d events, %v", len(all), err)
	}
	for _, e := range all {
		if !strings.HasPrefix(e.Message, "worker ") {
			t.Fatalf("corrupt record %q", e.Message)
		}
	}
	page, more, _ := s.Read("g", time.Time{}, time.Time{}, "", 0, 10)
	if len(page) != 10 || !more {
		t.Fatalf("first page: %d more=%v", len(page), more)
	}
	next, _, _ := s.Read("g", time.Time{}, time.Time{}, "", 10, 10)
	if len(next) == 0 || next[0] == page[9] {
		t.Fatal("second page repeats the first")
	}
}

func TestHostileGroupNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"../../escape", "/aws/lambda/a/b", "with\x00nul", "ünï"} {
		s.Put(name, "s", time.Now(), []byte("x"))
		if evs, _, err := s.Read(name, time.Time{}, time.Time{}, "", 0, 0); err != nil || len(evs) != 1 {
			t.Fatalf("group %q: %d events, %v", name, len(evs), err)
		}
		if !strings.HasPrefix(dir+"/"+fileName(name), dir+"/") || strings.Contains(fileName(name), "/") {
			t.Fatalf("group %q maps outside the log dir: %s", name, fileName(name))
		}
	}
}
