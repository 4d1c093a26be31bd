package main

import (
	"fmt"
	"github.com/gatehouse/gatehouse/bench/internal/benchproc"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// result is one measured phase.
type result struct {
	ID          string  `json:"id"`
	Label       string  `json:"label"`
	Transport   string  `json:"transport"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	LastError   string  `json:"last_error,omitempty"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	// CPU microseconds per successful request: the server process, the
	// function environments (its descendants), and this load generator,
	// which all share the machine's cores.
	ServerCPUus   float64 `json:"server_cpu_us_per_request"`
	FunctionCPUus float64 `json:"function_cpu_us_per_request"`
	ClientCPUus   float64 `json:"load_generator_cpu_us_per_request"`
	// CeilingPerSecond is the rate those three and the interrupts allow on
	// this machine's cores; a rate far below it was limited by waiting,
	// not computing.
	CeilingPerSecond float64 `json:"cpu_ceiling_per_second"`
	// IRQCores is the machine's interrupt time meanwhile, in cores: for
	// the most part the loopback TCP of the phase itself.
	IRQCores float64 `json:"interrupt_cores"`
	// OtherCores is the CPU that other processes on the machine used
	// meanwhile, in cores: anything above ~0.05 disturbed the phase.
	OtherCores float64 `json:"other_processes_cores"`
	// From the server's metrics: environments started during the phase
	// (0 after the warm-up), the integration's invocations (one per
	// request) and the Lambda authorizer's (0 while its result is cached).
	ColdStarts            int `json:"cold_starts"`
	FunctionInvocations   int `json:"function_invocations"`
	AuthorizerInvocations int `json:"authorizer_invocations"`
	// ServerPeakRSSMiB is the server's peak resident set by the phase's
	// end, to tell which phase grew it.
	ServerPeakRSSMiB float64 `json:"server_peak_rss_mib"`

	start, end time.Time
}

// tally adds up the measured windows of one phase.
type tally struct {
	lat                              []time.Duration
	errs                             int
	lastErr                          string
	elapsed, srv, fn, self, all, irq time.Duration
	cold, invocations, authRuns      float64
	start, end                       time.Time
}

// window drives t from conc workers for d and adds to tl what the load
// generator saw, the CPU the server, its environments, this process and
// the whole machine spent, and the functions' counters.
func (b *bench) window(tl *tally, t transport, conc int, d time.Duration) error {
	c0, err := counters(b.srv)
	if err != nil {
		return err
	}
	srv0, fn0 := b.srv.CPU()
	self0 := benchproc.SelfCPU()
	all0, irq0 := benchproc.MachineBusy()
	s := drive(t, conc, d)
	srv1, fn1 := b.srv.CPU()
	self1 := benchproc.SelfCPU()
	all1, irq1 := benchproc.MachineBusy()
	end := time.Now()
	c1, err := counters(b.srv)
	if err != nil {
		return err
	}
	tl.lat = append(tl.lat, s.lat...)
	tl.errs += s.errs
	if s.lastErr != "" {
		tl.lastErr = s.lastErr
	}
	tl.elapsed += s.elapsed
	tl.srv, tl.fn, tl.self, tl.all, tl.irq = tl.srv+srv1-srv0, tl.fn+fn1-fn0, tl.self+self1-self0, tl.all+all1-all0, tl.irq+irq1-irq0
	tl.cold += c1[proxyFn].coldStarts - c0[proxyFn].coldStarts + c1[authFn].coldStarts - c0[authFn].coldStarts
	tl.invocations += c1[proxyFn].invocations - c0[proxyFn].invocations
	tl.authRuns += c1[authFn].invocations - c0[authFn].invocations
	if tl.start.IsZero() {
		tl.start = end.Add(-s.elapsed)
	}
	tl.end = end
	return nil
}

// result is the phase's figures.
func (tl *tally) result(id, label, transport string, conc int) result {
	secs := tl.elapsed.Seconds()
	r := result{ID: id, Label: label, Transport: transport, Concurrency: conc, Requests: len(tl.lat), Errors: tl.errs, LastError: tl.lastErr,
		Seconds: secs, IRQCores: tl.irq.Seconds() / secs, OtherCores: max(0, (tl.all-tl.irq-tl.srv-tl.fn-tl.self).Seconds()/secs),
		ColdStarts: int(tl.cold), FunctionInvocations: int(tl.invocations), AuthorizerInvocations: int(tl.authRuns),
		start: tl.start, end: tl.end}
	if n := len(tl.lat); n > 0 {
		slices.Sort(tl.lat)
		r.PerSecond = float64(n) / secs
		r.P50ms, r.P99ms = msOf(tl.lat[(n-1)*50/100]), msOf(tl.lat[(n-1)*99/100])
		r.ServerCPUus, r.FunctionCPUus, r.ClientCPUus = usOf(tl.srv)/float64(n), usOf(tl.fn)/float64(n), usOf(tl.self)/float64(n)
		// The interrupts are counted in: the phase's own traffic makes most of them.
		if perReq := r.ServerCPUus + r.FunctionCPUus + r.ClientCPUus + usOf(tl.irq)/float64(n); perReq > 0 {
			r.CeilingPerSecond = float64(runtime.NumCPU()) * 1e6 / perReq
		}
	}
	return r
}

// warm runs t unmeasured, so that a phase starts with connections open,
// environments and caches warm, and the server's heap grown.
func (b *bench) warm(id string, t transport, conc int) error {
	if b.warmup <= 0 {
		return nil
	}
	if s := drive(t, conc, b.warmup); s.errs > 0 {
		return fmt.Errorf("%s warm-up: %d errors, last: %s", id, s.errs, s.lastErr)
	}
	return nil
}

// phaseSpec is a phase to measure.
type phaseSpec struct {
	id, label string
	t         transport
}

// measure warms p up, then drives it from conc workers for d in one
// window, with a server CPU profile when --profile asks for one.
func (b *bench) measure(p phaseSpec, conc int, d time.Duration) (result, error) {
	if err := b.warm(p.id, p.t, conc); err != nil {
		return result{}, err
	}
	var profiled <-chan struct{}
	if b.profileDir != "" && conc > 1 && d >= 3*time.Second {
		profiled = b.srv.Profile(filepath.Join(b.profileDir, p.id+".pprof"), d-time.Second)
	}
	var tl tally
	err := b.window(&tl, p.t, conc, d)
	if profiled != nil {
		<-profiled
	}
	if err != nil {
		return result{}, err
	}
	r := tl.result(p.id, p.label, p.t.name, conc)
	_, r.ServerPeakRSSMiB = b.srv.Memory()
	b.noteResult(r)
	return r, nil
}

// interleave measures the phases in turns of slice each until every one
// has had d, so that whatever else the machine does meanwhile (it is
// shared) falls on all of them alike: the gateway's added latency is a
// difference of a few tens of microseconds between them.
func (b *bench) interleave(ps []phaseSpec, conc int, d, slice time.Duration) ([]result, error) {
	for _, p := range ps {
		if err := b.warm(p.id, p.t, conc); err != nil {
			return nil, err
		}
	}
	tallies := make([]tally, len(ps))
	for done := time.Duration(0); done < d; done += slice {
		for i, p := range ps {
			if err := b.window(&tallies[i], p.t, conc, min(slice, d-done)); err != nil {
				return nil, err
			}
		}
	}
	out := make([]result, len(ps))
	for i, p := range ps {
		out[i] = tallies[i].result(p.id, p.label, p.t.name, conc)
		_, out[i].ServerPeakRSSMiB = b.srv.Memory()
		b.noteResult(out[i])
	}
	return out, nil
}

func (b *bench) noteResult(r result) {
	if r.Errors > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d errors, last: %s\n", r.ID, r.Errors, r.LastError)
	}
	b.note("%-13s c=%d %7.0f/s  p50 %.3f ms  p99 %.3f ms  CPU/req server %.0f µs, functions %.0f µs, load generator %.0f µs  interrupts %.2f cores  other processes %.2f cores  server peak RSS %.0f MiB",
		r.ID, r.Concurrency, r.PerSecond, r.P50ms, r.P99ms, r.ServerCPUus, r.FunctionCPUus, r.ClientCPUus, r.IRQCores, r.OtherCores, r.ServerPeakRSSMiB)
}

func msOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
func usOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// warmEnvironments drives the direct Invoke at the phases' concurrency
// until the proxy function has as many environments as there will be
// requests in flight, so no measured phase pays a cold start (Lambda's
// provisioned concurrency, by hand). It gives up after limit: the
// phases report any cold starts they meet.
func (b *bench) warmEnvironments(t transport, conc int, limit time.Duration) (int, error) {
	deadline := time.Now().Add(limit)
	for {
		if s := drive(t, conc, 500*time.Millisecond); s.errs > 0 {
			return 0, fmt.Errorf("warm-up: %d errors, last: %s", s.errs, s.lastErr)
		}
		c, err := counters(b.srv)
		if err != nil {
			return 0, err
		}
		if n := int(c[proxyFn].coldStarts); n >= conc || time.Now().After(deadline) {
			return n, nil
		}
	}
}
