package runtime

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Command describes a process to start.
type Command struct {
	Path   string
	Args   []string
	Dir    string
	Env    []string
	Stdout *os.File // receives stdout and stderr
	// MemoryBytes is the memory limit; 0 means none.
	MemoryBytes int64
}

// Process is a started execution environment's process tree.
type Process interface {
	Pid() int
	// Terminate asks the process group to stop (SIGTERM).
	Terminate()
	// Kill stops the whole process tree at once (SIGKILL to the group and
	// to everything in its cgroup, so children that left the group die too).
	Kill()
	// Done is closed when the main process has exited; Err then says how.
	Done() <-chan struct{}
	Err() error
	// MaxMemoryBytes is the peak memory the tree has used so far.
	MaxMemoryBytes() int64
}

// Launcher starts processes. The local implementation uses process groups
// and memory cgroups; others (a sandbox, a remote worker) can replace it.
type Launcher interface {
	Start(cmd Command) (Process, error)
}

// LocalLauncher runs processes on this host, each in its own process group
// and, when the host allows, its own memory cgroup.
type LocalLauncher struct {
	Cgroups CgroupManager // nil: no memory limits

	traceOnce sync.Once
	traceable bool
}

// traceOK reports whether this host lets us trace our own children (a
// seccomp profile or Yama may forbid it); without it, limits are applied
// just after start instead.
func (l *LocalLauncher) traceOK() bool {
	l.traceOnce.Do(func() {
		cmd := exec.Command("true")
		cmd.SysProcAttr = &syscall.SysProcAttr{}
		l.traceable = startStopped(cmd, nil) == nil && cmd.Wait() == nil
	})
	return l.traceable
}

// Start implements Launcher.
func (l *LocalLauncher) Start(c Command) (Process, error) {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,
		Pdeathsig: syscall.SIGKILL, // the server dying must not leave environments behind
	}
	var cg Cgroup
	if l.Cgroups != nil && c.MemoryBytes > 0 {
		var err error
		cg, err = l.Cgroups.New(c.MemoryBytes)
		if err != nil {
			return nil, fmt.Errorf("memory cgroup: %w", err)
		}
		if fd, ok := cg.FD(); ok {
			cmd.SysProcAttr.UseCgroupFD = true
			cmd.SysProcAttr.CgroupFD = fd
		}
	}
	if _, placed := cgFD(cg); !placed && l.traceOK() {
		// cgroup v1 cannot place a child at clone time, and rlimits cannot
		// be set before exec from Go. The child is traced so that it stops
		// right after exec, before running a single instruction of the
		// runtime; it gets its limits and joins its cgroups, then goes on.
		// Otherwise what it forks in its first microseconds (a shell
		// script's children) would escape the memory and process limits.
		if err := startStopped(cmd, cg); err != nil {
			if cg != nil {
				cg.Remove()
			}
			return nil, err
		}
	} else {
		if err := cmd.Start(); err != nil {
			if cg != nil {
				cg.Remove()
			}
			return nil, err
		}
		setLimits(cmd.Process.Pid)
		if cg != nil && !placed {
			if err := cg.Add(cmd.Process.Pid); err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				cg.Remove()
				return nil, fmt.Errorf("join cgroup: %w", err)
			}
		}
	}
	p := &localProcess{cmd: cmd, cg: cg, done: make(chan struct{})}
	go p.wait()
	return p, nil
}

func cgFD(cg Cgroup) (int, bool) {
	if cg == nil {
		return 0, false
	}
	return cg.FD()
}

// startStopped starts cmd under ptrace, moves it into cg while it is
// stopped at its exec, and lets it run. ptrace requests must come from the
// thread that started the child, hence the locked OS thread.
func startStopped(cmd *exec.Cmd, cg Cgroup) error {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	cmd.SysProcAttr.Ptrace = true
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, syscall.WALL, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			cmd.Process.Kill()
			return fmt.Errorf("wait for exec stop: %w", err)
		}
		break
	}
	if !ws.Stopped() {
		return fmt.Errorf("process did not stop at exec: %v", ws)
	}
	setLimits(pid) // while it is stopped, so the limits hold from its start
	var joinErr error
	if cg != nil {
		joinErr = cg.Add(pid)
	}
	if err := syscall.PtraceDetach(pid); err != nil && joinErr == nil {
		joinErr = fmt.Errorf("detach: %w", err)
	}
	if joinErr != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		cmd.Wait()
		return fmt.Errorf("join cgroup: %w", joinErr)
	}
	return nil
}

// setLimits applies Lambda's per-environment quotas: 1,024 open files,
// and no core dumps of customer memory onto the host's disk.
func setLimits(pid int) {
	unix.Prlimit(pid, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: 1024, Max: 1024}, nil)
	unix.Prlimit(pid, unix.RLIMIT_CORE, &unix.Rlimit{}, nil)
}

type localProcess struct {
	cmd  *exec.Cmd
	cg   Cgroup
	done chan struct{}
	err  error
	peak int64
}

func (p *localProcess) wait() {
	err := p.cmd.Wait()
	// Read the peak before the cgroup is gone.
	p.peak = p.readPeak()
	p.err = err
	// The main process is gone; its children must not outlive it.
	p.killTree()
	if p.cg != nil {
		// Removal fails while killed members are still exiting; retry briefly.
		for i := 0; i < 50 && p.cg.Remove() != nil; i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
	close(p.done)
}

func (p *localProcess) Pid() int              { return p.cmd.Process.Pid }
func (p *localProcess) Done() <-chan struct{} { return p.done }
func (p *localProcess) Err() error            { <-p.done; return p.err }

func (p *localProcess) Terminate() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
}

func (p *localProcess) Kill() { p.killTree() }

func (p *localProcess) killTree() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	if p.cg != nil {
		p.cg.Kill()
	}
}

func (p *localProcess) MaxMemoryBytes() int64 {
	select {
	case <-p.done:
		return p.peak
	default:
		return p.readPeak()
	}
}

// readPeak is the larger of the cgroup's peak and the main process's own
// high-water mark: on cgroup v1 a process joins its cgroup just after
// exec, so what it touched while starting is charged elsewhere.
func (p *localProcess) readPeak() int64 {
	peak := procHighWater(p.cmd.Process.Pid)
	if p.cg != nil {
		if n, err := p.cg.Peak(); err == nil && n > peak {
			peak = n
		}
	}
	return peak
}

// procHighWater reads VmHWM (peak resident set) of one process, the best
// figure available without a cgroup.
func procHighWater(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	const key = "VmHWM:"
	for i := 0; i+len(key) < len(b); i++ {
		if b[i] == '\n' || i == 0 {
			j := i
			if b[j] == '\n' {
				j++
			}
			if len(b)-j > len(key) && string(b[j:j+len(key)]) == key {
				var kb int64
				fmt.Sscanf(string(b[j+len(key):]), "%d", &kb)
				return kb * 1024
			}
		}
	}
	return 0
}

// exitDescription renders a process exit the way Lambda words it
// ("exit status 1", "signal: killed").
func exitDescription(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.String()
	}
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
