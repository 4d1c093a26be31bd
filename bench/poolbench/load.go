package main

import (
	"errors"
	"fmt"
	"github.com/gatehouse/gatehouse/bench/internal/benchproc"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// errUnavailable stops a phase whose operation the server lacks.
var errUnavailable = errors.New("not available")

// result is one measured phase.
type result struct {
	Name      string  `json:"name"`
	Ops       int     `json:"ops"`
	Errors    int     `json:"errors"`
	LastError string  `json:"last_error,omitempty"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	// CPU milliseconds per successful operation, in the server and in
	// this load generator, which share the machine's cores.
	ServerCPUms float64 `json:"server_cpu_ms_per_op"`
	ClientCPUms float64 `json:"client_cpu_ms_per_op"`
	// CeilingPerSecond is the rate those two allow on this machine's
	// cores; a rate far below it was limited by waiting, not computing.
	CeilingPerSecond float64 `json:"cpu_ceiling_per_second"`
	// OtherCores is the CPU that other processes on the machine used
	// meanwhile, in cores: anything above ~0.05 disturbed the phase.
	OtherCores  float64 `json:"other_processes_cores"`
	Unavailable bool    `json:"unavailable,omitempty"`
}

// op is one operation by worker w, its i-th; it returns an error for a
// failed call (counted, not timed) or errUnavailable to end the phase.
type op func(w, i int) error

// run drives op from b.conc workers for b.duration and measures it.
func (b *bench) run(name string, fn op) result {
	if b.profileDir != "" && b.duration >= 3*time.Second {
		b.srv.Profile(filepath.Join(b.profileDir, name+".pprof"), b.duration-time.Second)
	}
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		lat         []time.Duration
		errs        atomic.Int64
		lastErr     atomic.Value
		unavailable atomic.Bool
	)
	deadline := time.Now().Add(b.duration)
	cpu0, _ := b.srv.CPU()
	self0 := benchproc.SelfCPU()
	all0, _ := benchproc.MachineBusy()
	start := time.Now()
	for w := range b.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for i := 0; time.Now().Before(deadline) && !unavailable.Load(); i++ {
				t0 := time.Now()
				err := fn(w, i)
				switch {
				case errors.Is(err, errUnavailable):
					unavailable.Store(true)
				case err != nil:
					errs.Add(1)
					lastErr.Store(err.Error())
				default:
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, _ := b.srv.CPU()
	cpu, self := cpu1-cpu0, benchproc.SelfCPU()-self0
	all1, _ := benchproc.MachineBusy()
	other := all1 - all0 - cpu - self
	r := result{Name: name, Ops: len(lat), Errors: int(errs.Load()), Seconds: elapsed.Seconds(), Unavailable: unavailable.Load(),
		OtherCores: max(0, other.Seconds()/elapsed.Seconds())}
	if v, ok := lastErr.Load().(string); ok {
		r.LastError = v
	}
	if r.Ops > 0 {
		slices.Sort(lat)
		r.PerSecond = float64(r.Ops) / elapsed.Seconds()
		r.P50ms, r.P99ms = msOf(lat[(len(lat)-1)*50/100]), msOf(lat[(len(lat)-1)*99/100])
		r.ServerCPUms, r.ClientCPUms = msOf(cpu)/float64(r.Ops), msOf(self)/float64(r.Ops)
		if perOp := r.ServerCPUms + r.ClientCPUms; perOp > 0 {
			r.CeilingPerSecond = float64(runtime.NumCPU()) * 1000 / perOp
		}
	}
	if r.Errors > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d errors, last: %s\n", name, r.Errors, r.LastError)
	}
	if !b.json {
		fmt.Fprintf(os.Stderr, "%-12s %6.0f/s  p50 %6.2f ms  p99 %6.2f ms  server %.2f ms CPU/op  other processes %.2f cores\n",
			name, r.PerSecond, r.P50ms, r.P99ms, r.ServerCPUms, r.OtherCores)
	}
	return r
}

func msOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// forEach runs fn(i) for i in [0, n) on conc workers, stopping at the
// first error.
func forEach(n, conc int, fn func(i int) error) error {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("item %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}
