// Package runtime runs execution environments: processes that speak the
// Lambda Runtime API. The Supervisor starts them, reuses warm ones, caps
// concurrency, enforces timeouts and memory, and kills whole process trees.
// It knows nothing of HTTP APIs, stores or user pools.
package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/runtime/bootstraps"
)

// Options configure a Supervisor.
type Options struct {
	// RuntimeDir receives the embedded Node and Python bootstraps.
	RuntimeDir string
	// Node and Python are absolute interpreter paths, resolved once at
	// start; empty disables the runtime family.
	Node, Python string
	// MaxEnvironments caps live environments across all functions.
	MaxEnvironments int
	IdleTimeout     time.Duration
	InitTimeout     time.Duration
	Region          string
	Launcher        Launcher
	Logger          *slog.Logger
}

// Supervisor owns every execution environment of this node.
type Supervisor struct {
	opts  Options
	log   *slog.Logger
	nodeB string
	pyB   string
	// pySDK is a directory holding (links to) the AWS SDK for Python,
	// which Lambda's Python runtimes include; "" when the host has none.
	pySDK string

	mu     sync.Mutex
	pools  map[string]*pool
	live   map[*env]struct{} // every started environment not yet dead
	total  int
	closed bool

	stop chan struct{}
	wg   sync.WaitGroup
}

type pool struct {
	fn     *Function
	idle   []*env // most recently used last: reuse the warmest
	active int    // environments alive or starting for fn's revision
	busy   int
}

// New prepares a supervisor: writes bootstraps and starts the idle reaper.
func New(opts Options) (*Supervisor, error) {
	if opts.MaxEnvironments <= 0 {
		opts.MaxEnvironments = 64
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 10 * time.Minute
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = 10 * time.Second
	}
	if opts.Launcher == nil {
		opts.Launcher = &LocalLauncher{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Supervisor{opts: opts, log: opts.Logger, pools: map[string]*pool{}, live: map[*env]struct{}{}, stop: make(chan struct{})}
	if err := os.MkdirAll(opts.RuntimeDir, 0o755); err != nil {
		return nil, err
	}
	s.nodeB = filepath.Join(opts.RuntimeDir, "bootstrap.mjs")
	s.pyB = filepath.Join(opts.RuntimeDir, "bootstrap.py")
	for path, body := range map[string][]byte{s.nodeB: bootstraps.Node, s.pyB: bootstraps.Python} {
		if err := writeAtomic(path, body); err != nil {
			return nil, err
		}
	}
	if opts.Python != "" {
		s.pySDK = linkPythonSDK(opts.Python, filepath.Join(opts.RuntimeDir, "python-sdk"), s.log)
	}
	s.wg.Add(1)
	go s.reap()
	return s, nil
}

func writeAtomic(path string, body []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Supported reports whether runtime can be run on this host.
func (s *Supervisor) Supported(runtime string) error {
	switch family(runtime) {
	case "provided", "go":
		return nil
	case "node":
		if s.opts.Node == "" {
			return errors.New("no node interpreter configured")
		}
		return nil
	case "python":
		if s.opts.Python == "" {
			return errors.New("no python3 interpreter configured")
		}
		return nil
	}
	return fmt.Errorf("unsupported runtime %q", runtime)
}

func family(runtime string) string {
	switch {
	case runtime == "provided" || runtime == "provided.al2" || runtime == "provided.al2023":
		return "provided"
	case runtime == "go1.x":
		return "go"
	case len(runtime) > 6 && runtime[:6] == "nodejs":
		return "node"
	case len(runtime) > 6 && runtime[:6] == "python":
		return "python"
	}
	return ""
}

// command picks what to exec for a function's runtime.
func (s *Supervisor) command(fn *Function) (path string, args []string, err error) {
	switch family(fn.Runtime) {
	case "provided":
		return filepath.Join(fn.TaskRoot, "bootstrap"), nil, nil
	case "go":
		return filepath.Join(fn.TaskRoot, fn.Handler), nil, nil
	case "node":
		return s.opts.Node, []string{s.nodeB}, nil
	case "python":
		return s.opts.Python, []string{"-S", s.pyB}, nil
	}
	return "", nil, fmt.Errorf("unsupported runtime %q", fn.Runtime)
}

// Invoke runs inv on an environment of fn: a warm one if one is idle, else
// a new one if limits allow, else a *ThrottleError. Function failures are
// reported in the Result, not as an error.
func (s *Supervisor) Invoke(ctx context.Context, fn *Function, inv *Invocation) (Result, error) {
	for {
		e, cold, err := s.acquire(fn)
		if err != nil {
			return Result{}, err
		}
		res := e.invoke(ctx, inv, cold, s.opts.InitTimeout)
		s.release(e)
		if !res.undelivered {
			return res, nil
		}
	}
}

func (s *Supervisor) acquire(fn *Function) (*env, bool, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, errors.New("supervisor is shutting down")
	}
	p := s.pools[fn.Name]
	if p == nil || p.fn.Revision != fn.Revision {
		// A new revision retires the old one's idle environments now and
		// its busy ones when they come back.
		var old []*env
		if p != nil {
			old = p.idle
			s.total -= len(old)
		}
		p = &pool{fn: fn}
		s.pools[fn.Name] = p
		defer func() {
			for _, e := range old {
				go e.die()
			}
		}()
	}
	// Reserved concurrency caps invocations in flight, warm or cold: an
	// idle environment does not make room beyond the reservation.
	if fn.Concurrency >= 0 && p.busy >= fn.Concurrency {
		s.mu.Unlock()
		return nil, false, &ThrottleError{Reason: "ReservedFunctionConcurrentInvocationLimitExceeded"}
	}
	for len(p.idle) > 0 {
		e := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if e.alive() {
			p.busy++
			s.mu.Unlock()
			return e, false, nil
		}
		p.active--
		s.total--
	}
	if s.total >= s.opts.MaxEnvironments && !s.evictLocked() {
		s.mu.Unlock()
		return nil, false, &ThrottleError{Reason: "ConcurrentInvocationLimitExceeded"}
	}
	p.active++
	p.busy++
	s.total++
	s.mu.Unlock()

	e, err := s.start(fn)
	if err != nil {
		// The function could not even be started: report it the way Lambda
		// does, as a function error from an environment that died at once.
		s.mu.Lock()
		p.active--
		p.busy--
		s.total--
		s.mu.Unlock()
		return s.failedEnv(fn, err), true, nil
	}
	return e, true, nil
}

// evictLocked stops the longest-idle environment of any function to make
// room; it reports whether it found one.
func (s *Supervisor) evictLocked() bool {
	var victim *pool
	var when time.Time
	for _, p := range s.pools {
		if len(p.idle) > 0 && (victim == nil || p.idle[0].idleAt.Before(when)) {
			victim, when = p, p.idle[0].idleAt
		}
	}
	if victim == nil {
		return false
	}
	e := victim.idle[0]
	victim.idle = victim.idle[1:]
	victim.active--
	s.total--
	go e.die()
	return true
}

func (s *Supervisor) release(e *env) {
	if _, failed := e.proc.(*deadProcess); failed {
		return // acquire already gave its slot back
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		e.die() // Close has taken the accounting over
		return
	}
	p := s.pools[e.fn.Name]
	current := p != nil && p.fn.Revision == e.fn.Revision
	if current {
		p.busy--
	}
	if current && e.alive() && !s.closed {
		e.idleAt = time.Now()
		p.idle = append(p.idle, e)
		s.mu.Unlock()
		return
	}
	if current {
		p.active--
	}
	s.total--
	s.mu.Unlock()
	e.die()
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// start launches a new environment for fn.
func (s *Supervisor) start(fn *Function) (*env, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	now := time.Now()
	e := &env{
		id:      newID(),
		fn:      fn,
		sup:     s,
		ln:      ln,
		created: now,
		stream:  fmt.Sprintf("%s/[%s]%s", now.UTC().Format("2006/01/02"), fn.Version, newID()),
		ready:   make(chan struct{}),
		dying:   make(chan struct{}),
		// Capture from the first byte: output printed before the first
		// invocation is handed over belongs to that invocation's tail.
		tail: &tailBuffer{},
	}
	out, w, err := newOutput(func(line []byte) { e.log(time.Now(), line) })
	if err != nil {
		ln.Close()
		return nil, err
	}
	e.out = out
	path, args, err := s.command(fn)
	if err != nil {
		ln.Close()
		w.Close()
		return nil, err
	}
	proc, err := s.opts.Launcher.Start(Command{
		Path:        path,
		Args:        args,
		Dir:         fn.TaskRoot,
		Env:         s.environ(fn, ln.Addr().String(), e.stream),
		Stdout:      w,
		MemoryBytes: int64(fn.MemoryMB) << 20,
	})
	w.Close()
	if err != nil {
		ln.Close()
		return nil, err
	}
	e.proc = proc
	s.mu.Lock()
	s.live[e] = struct{}{}
	s.mu.Unlock()
	go e.serveRuntimeAPI()
	go func() {
		<-proc.Done()
		e.die()
		s.mu.Lock()
		delete(s.live, e)
		s.mu.Unlock()
	}()
	return e, nil
}

// failedEnv stands in for an environment whose process could not start
// (missing or non-executable bootstrap): its one invocation reports
// Runtime.InvalidEntrypoint.
func (s *Supervisor) failedEnv(fn *Function, cause error) *env {
	e := &env{fn: fn, sup: s, dying: make(chan struct{}), ready: make(chan struct{})}
	e.proc = &deadProcess{err: cause}
	e.out = &output{eof: true}
	return e
}

// environ builds the process environment the way Lambda does: the
// function's variables first, then the reserved ones, which win.
func (s *Supervisor) environ(fn *Function, api, stream string) []string {
	m := make(map[string]string, len(fn.Env)+24)
	for k, v := range fn.Env {
		m[k] = v
	}
	m["PATH"] = "/usr/local/bin:/usr/bin:/bin:/opt/bin"
	m["LANG"] = "en_US.UTF-8"
	m["TZ"] = ":UTC"
	rt := s.opts.RuntimeDir
	m["LD_LIBRARY_PATH"] = "/lib64:/usr/lib64:" + rt + ":" + rt + "/lib:" + fn.TaskRoot + ":" + fn.TaskRoot + "/lib:/opt/lib"
	switch family(fn.Runtime) {
	case "node":
		m["NODE_PATH"] = "/opt/nodejs/node_modules:" + rt + "/node_modules"
		m["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + fn.Runtime
	case "python":
		// After the task root (the bootstrap puts it first): the
		// function's own PYTHONPATH, the runtime, then the AWS SDK that
		// Lambda's Python runtimes include, so a bundled boto3 wins.
		pp := rt
		if s.pySDK != "" {
			pp += ":" + s.pySDK
		}
		if own := fn.Env["PYTHONPATH"]; own != "" {
			pp = own + ":" + pp
		}
		m["PYTHONPATH"] = pp
		m["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + fn.Runtime
	case "go":
		m["AWS_EXECUTION_ENV"] = "AWS_Lambda_go1.x"
	}
	if f := family(fn.Runtime); (f == "provided" || f == "go") && fn.Env["GOMAXPROCS"] == "" && fn.MemoryMB < 1769 {
		// Lambda gives a function one vCPU's worth of time per 1,769 MB.
		// A Go runtime below that runs one thread of Go code, as it would
		// under Lambda's CPU share, instead of contending with every
		// other environment for all of this host's cores.
		m["GOMAXPROCS"] = "1"
	}
	m["AWS_LAMBDA_RUNTIME_API"] = api
	m["_HANDLER"] = fn.Handler
	m["LAMBDA_TASK_ROOT"] = fn.TaskRoot
	m["LAMBDA_RUNTIME_DIR"] = rt
	m["AWS_LAMBDA_FUNCTION_NAME"] = fn.Name
	m["AWS_LAMBDA_FUNCTION_VERSION"] = fn.Version
	m["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(fn.MemoryMB)
	m["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + fn.Name
	m["AWS_LAMBDA_LOG_STREAM_NAME"] = stream
	m["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
	m["AWS_REGION"] = s.opts.Region
	m["AWS_DEFAULT_REGION"] = s.opts.Region
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// Retire stops every environment of a function (deleted or changed).
func (s *Supervisor) Retire(name string) {
	s.mu.Lock()
	p := s.pools[name]
	delete(s.pools, name)
	var idle []*env
	if p != nil {
		idle = p.idle
		s.total -= len(idle)
	}
	s.mu.Unlock()
	for _, e := range idle {
		e.die()
	}
}

// Stats reports live environments, for metrics.
func (s *Supervisor) Stats() (total, busy int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pools {
		busy += p.busy
	}
	return s.total, busy
}

func (s *Supervisor) reap() {
	defer s.wg.Done()
	period := s.opts.IdleTimeout / 4
	if period < 100*time.Millisecond {
		period = 100 * time.Millisecond
	}
	if period > 30*time.Second {
		period = 30 * time.Second
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			var expired []*env
			s.mu.Lock()
			for _, p := range s.pools {
				keep := p.idle[:0]
				for _, e := range p.idle {
					if now.Sub(e.idleAt) >= s.opts.IdleTimeout || !e.alive() {
						expired = append(expired, e)
						p.active--
						s.total--
					} else {
						keep = append(keep, e)
					}
				}
				p.idle = keep
			}
			s.mu.Unlock()
			for _, e := range expired {
				e.die()
			}
		}
	}
}

// Close stops accepting work, lets busy invocations finish until ctx ends,
// then kills every environment.
func (s *Supervisor) Close(ctx context.Context) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	s.wg.Wait()
	for {
		_, busy := s.Stats()
		if busy == 0 {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
			continue
		}
		break
	}
	// Whatever is still running now, busy or idle, is killed, and Close
	// waits (briefly) for the process trees to be gone.
	s.mu.Lock()
	all := make([]*env, 0, len(s.live))
	for e := range s.live {
		all = append(all, e)
	}
	s.pools = map[string]*pool{}
	s.total = 0
	s.mu.Unlock()
	for _, e := range all {
		e.die()
	}
	deadline := time.After(5 * time.Second)
	for _, e := range all {
		select {
		case <-e.proc.Done():
		case <-deadline:
			return
		}
	}
}

// deadProcess is a process that never started.
type deadProcess struct{ err error }

var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (d *deadProcess) Pid() int              { return 0 }
func (d *deadProcess) Terminate()            {}
func (d *deadProcess) Kill()                 {}
func (d *deadProcess) Done() <-chan struct{} { return closedCh }
func (d *deadProcess) Err() error            { return d.err }
func (d *deadProcess) MaxMemoryBytes() int64 { return 0 }
