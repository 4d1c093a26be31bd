package mail

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// clock is a test clock shared by a Service and its store, so queue due
// times and back-offs move only when the test says.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one data dir: a store file and a master key that outlive any one
// Service, so a test can "restart" by opening both again.
type env struct {
	t     *testing.T
	path  string
	key   []byte
	now   func() time.Time
	store *sqlite.Store
	box   *secrets.Box
	// logPath collects the log of every Service built on the env.
	logPath string
}

func newEnv(t *testing.T, now func() time.Time) *env {
	t.Helper()
	key := bytes.Repeat([]byte{7}, 32)
	dir := t.TempDir()
	e := &env{t: t, path: filepath.Join(dir, "gatehouse.db"), key: key, now: now, logPath: filepath.Join(dir, "mail.log")}
	e.open()
	return e
}

// open (re)opens the store, as a restarted server does.
func (e *env) open() {
	e.t.Helper()
	st, err := sqlite.Open(context.Background(), e.path, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	box, err := secrets.NewBox(e.key)
	if err != nil {
		e.t.Fatal(err)
	}
	e.store, e.box = st, box
}

// service builds a Service on the env's store with fast test tuning;
// opts fills in transports and overrides.
func (e *env) service(opts Options) *Service {
	e.t.Helper()
	opts.Store, opts.Box = e.store, e.box
	if opts.Now == nil {
		opts.Now = e.now
	}
	logf, err := os.OpenFile(e.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { logf.Close() })
	opts.Logger = slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	setDefault(&opts.Poll, 5*time.Millisecond)
	setDefault(&opts.RetryBase, 10*time.Millisecond)
	setDefault(&opts.MaxAttempts, 3)
	s, err := New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s
}

// logs returns what the env's services have logged so far.
func (e *env) logs() string {
	b, err := os.ReadFile(e.logPath)
	if err != nil && !os.IsNotExist(err) {
		e.t.Fatal(err)
	}
	return string(b)
}

// waitEntry polls the outbox until entry id satisfies cond.
func waitEntry(t *testing.T, s *Service, id string, what string, cond func(Entry) bool) Entry {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last Entry
	for time.Now().Before(deadline) {
		e, ok := findEntry(t, s, id)
		if ok && cond(e) {
			return e
		}
		last = e
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("message %s: not %s within 15s; last seen %+v", id, what, last)
	return last
}

func findEntry(t *testing.T, s *Service, id string) (Entry, bool) {
	t.Helper()
	entries, err := s.List(context.Background(), Query{Limit: MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

func hasStatus(status string) func(Entry) bool {
	return func(e Entry) bool { return e.Status == status }
}

// send is Send that fails the test on error.
func send(t *testing.T, s *Service, m Message) string {
	t.Helper()
	id, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return id
}
