// Package functions is gatehouse's Lambda: the control plane (create,
// update, delete, tags, policy, concurrency), the Invoker every other part
// calls to run a function, and the durable queue behind Event invokes.
package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/credentials"
	"github.com/gatehouse/gatehouse/internal/logs"
	"github.com/gatehouse/gatehouse/internal/runtime"
	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store"
)

const kindFunction = "function"

// Options wire a Service.
type Options struct {
	Store      store.Store
	Keys       *credentials.Keyring
	Box        *secrets.Box
	Supervisor *runtime.Supervisor
	Logs       *logs.Store
	Metrics    *Metrics
	Logger     *slog.Logger
	Now        func() time.Time

	CodeDir string
	Region  string
	Account string
	// Endpoint is given to functions as AWS_ENDPOINT_URL so that SDKs in
	// function code call gatehouse.
	Endpoint string
	// AccountConcurrency is the account-wide limit reported and enforced.
	AccountConcurrency int

	Async AsyncOptions
}

// Service implements the Lambda API and the Invoker.
type Service struct {
	opts  Options
	st    store.Store
	log   *slog.Logger
	now   func() time.Time
	code  *codeCache
	async *asyncQueue

	mu    sync.RWMutex
	cache map[string]*live
	// gen counts forgets, so a resolve that read the store before a change
	// does not put what it read back into the cache after the change.
	gen uint64

	// validNames remembers function names and ARNs that passed the name
	// pattern, so the invoke path (the gateway sends the same ARN on
	// every request) does not run the regular expression each time.
	validNames  sync.Map
	validNamesN atomic.Int64
}

// live is a function as the invoke path needs it, built once per revision.
type live struct {
	rec record
	fn  *runtime.Function
}

// New builds a Service; Start begins async processing.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.AccountConcurrency <= 0 {
		opts.AccountConcurrency = 1000
	}
	if err := os.MkdirAll(opts.CodeDir, 0o755); err != nil {
		return nil, err
	}
	s := &Service{
		opts:  opts,
		st:    opts.Store,
		log:   opts.Logger,
		now:   opts.Now,
		code:  &codeCache{dir: opts.CodeDir, store: opts.Store},
		cache: map[string]*live{},
	}
	s.async = newAsyncQueue(s, opts.Async)
	return s, nil
}

func (s *Service) arn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.opts.Region, s.opts.Account, name)
}

func (s *Service) load(ctx context.Context, name string) (record, int64, error) {
	var rec record
	r, err := s.st.Get(ctx, kindFunction, name)
	if errors.Is(err, store.ErrNotFound) {
		return rec, 0, notFound(s.arn(name))
	}
	if err != nil {
		return rec, 0, err
	}
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return rec, 0, fmt.Errorf("decode function %s: %w", name, err)
	}
	return rec, r.Version, nil
}

// update applies fn to a function record with compare-and-swap and
// refreshes the in-memory copy the invoke path uses.
func (s *Service) update(ctx context.Context, name string, fn func(*record) error) (record, error) {
	var out record
	_, err := s.st.Update(ctx, kindFunction, name, func(old []byte) ([]byte, error) {
		var rec record
		if err := json.Unmarshal(old, &rec); err != nil {
			return nil, fmt.Errorf("decode function %s: %w", name, err)
		}
		if err := fn(&rec); err != nil {
			return nil, err
		}
		out = rec
		return json.Marshal(rec)
	})
	if errors.Is(err, store.ErrNotFound) {
		return out, notFound(s.arn(name))
	}
	if err != nil {
		return out, err
	}
	s.forget(name)
	return out, nil
}

func (s *Service) forget(name string) {
	s.mu.Lock()
	delete(s.cache, name)
	s.gen++
	s.mu.Unlock()
}

// resolve returns the runnable form of a function, from memory when warm.
func (s *Service) resolve(ctx context.Context, name string) (*live, error) {
	s.mu.RLock()
	l := s.cache[name]
	gen := s.gen
	s.mu.RUnlock()
	if l != nil {
		return l, nil
	}
	rec, _, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	root, err := s.code.path(ctx, rec.Code)
	if err != nil {
		return nil, err
	}
	secret, err := s.opts.Box.Open(rec.Secret, []byte(rec.AccessKeyID))
	if err != nil {
		return nil, fmt.Errorf("open key of function %s: %w", name, err)
	}
	c := rec.Config
	env := make(map[string]string, 8)
	if c.Environment != nil {
		for k, v := range c.Environment.Variables {
			env[k] = v
		}
	}
	env["AWS_ACCESS_KEY_ID"] = rec.AccessKeyID
	env["AWS_SECRET_ACCESS_KEY"] = string(secret)
	if s.opts.Endpoint != "" {
		env["AWS_ENDPOINT_URL"] = s.opts.Endpoint
	}
	conc := -1
	if rec.Concurrency != nil {
		conc = *rec.Concurrency
	}
	l = &live{rec: rec, fn: &runtime.Function{
		Name:        c.FunctionName,
		Revision:    c.RevisionID,
		Version:     "$LATEST",
		ARN:         c.FunctionArn,
		Runtime:     c.Runtime,
		Handler:     c.Handler,
		TaskRoot:    root,
		MemoryMB:    c.MemorySize,
		Timeout:     time.Duration(c.Timeout) * time.Second,
		Env:         env,
		Concurrency: conc,
		Logs:        logSink{store: s.opts.Logs, group: "/aws/lambda/" + c.FunctionName},
	}}
	s.mu.Lock()
	if s.gen == gen {
		s.cache[name] = l
	}
	s.mu.Unlock()
	return l, nil
}

type logSink struct {
	store *logs.Store
	group string
}

func (l logSink) Log(stream string, t time.Time, line []byte) {
	if l.store != nil {
		l.store.Put(l.group, stream, t, line)
	}
}

// list returns function records in name order after marker.
func (s *Service) list(ctx context.Context, marker string, max int) ([]record, string, error) {
	rs, err := s.st.List(ctx, kindFunction, "", marker, max+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rs) > max {
		rs = rs[:max]
		next = rs[len(rs)-1].ID
	}
	out := make([]record, 0, len(rs))
	for _, r := range rs {
		var rec record
		if err := json.Unmarshal(r.Data, &rec); err != nil {
			return nil, "", fmt.Errorf("decode function %s: %w", r.ID, err)
		}
		out = append(out, rec)
	}
	return out, next, nil
}
