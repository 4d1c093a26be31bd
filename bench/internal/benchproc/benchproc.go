// Package benchproc runs a `gatehouse serve` for the benchmark commands
// and measures it: CPU of the server and of its function environments,
// of the load generator, of the whole machine, and the server's memory.
package benchproc

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is a `gatehouse serve` child process on a free loopback port.
type Server struct {
	Cmd  *exec.Cmd
	Addr string // host:port, for raw connections
	URL  string
	Data string
}

// Build builds pkg from the current module into out; extra goes before
// -o (tags, and GOOS in env for functions, which run as Linux programs).
func Build(out, pkg string, env []string, extra ...string) error {
	args := append([]string{"build"}, extra...)
	args = append(args, "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// Start starts bin serving data and waits until it is healthy; pprof
// exposes /debug/pprof; args are extra serve flags.
func Start(bin, data string, pprof bool, args ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--addr", addr}, args...)...)
	cmd.Stderr = io.Discard
	cmd.Env = os.Environ()
	if pprof {
		cmd.Env = append(cmd.Env, "GATEHOUSE_PPROF=1")
	}
	// Its own process group, so stopping it (and its environments)
	// cannot signal us; and told to stop if we die without stopping it
	// (a closed stdout's SIGPIPE, kill -9), so that no server outlives
	// the run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Cmd: cmd, Addr: addr, URL: "http://" + addr, Data: data}
	for i := 0; ; i++ {
		if resp, err := http.Get(s.URL + "/_gatehouse/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if i > 200 {
			s.Stop()
			return nil, fmt.Errorf("server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the server's process group, killing it after 15 s.
func (s *Server) Stop() {
	syscall.Kill(-s.Cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-s.Cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Memory is the server's resident set now and at its peak, in MiB; the
// function environments are separate processes and not in it.
func (s *Server) Memory() (rss, peak float64) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Cmd.Process.Pid))
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 64)
		switch name {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// procStat is what a phase needs of /proc/PID/stat: the parent, and user
// plus system CPU so far.
func procStat(pid string) (ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces; the fields after it do not.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 > len(b) {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, time.Duration(utime+stime) * time.Second / clockTicks, true
}

// CPU is the CPU time so far of the server process itself and of its
// descendants (the function environments), which share the cores.
func (s *Server) CPU() (self, children time.Duration) {
	root := s.Cmd.Process.Pid
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	usage := map[int]time.Duration{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, cpu, ok := procStat(e.Name()); ok {
			parent[pid], usage[pid] = ppid, cpu
		}
	}
	for pid, cpu := range usage {
		if pid == root {
			self += cpu
			continue
		}
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				children += cpu
				break
			}
		}
	}
	return self, children
}

// SelfCPU is this process's (the load generator's) CPU time so far.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MachineBusy is the CPU time the machine has been busy so far, and the
// part of it spent in interrupts, from the first line of /proc/stat. No
// process is charged for interrupts, and loopback TCP is handled mostly
// in softirq, so a phase's "other" CPU would otherwise be largely its
// own networking.
func MachineBusy() (busy, irq time.Duration) {
	b, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var ticks, irqTicks int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
		if i == 5 || i == 6 { // irq, softirq
			irqTicks += n
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, time.Duration(irqTicks) * time.Second / clockTicks
}

// Save writes what the server answers at path (a pprof endpoint) to file.
func (s *Server) Save(file, path string) error {
	resp, err := http.Get(s.URL + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return os.WriteFile(file, data, 0o644)
}

// Profile saves a CPU profile of the next d to file, in the background;
// the channel closes when it is written, so the run can wait for it.
func (s *Server) Profile(file string, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Save(file, fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds()))); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
		}
	}()
	return done
}
