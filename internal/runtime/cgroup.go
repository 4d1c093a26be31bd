package runtime

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// CgroupManager creates one memory cgroup per execution environment.
type CgroupManager interface {
	New(memoryBytes int64) (Cgroup, error)
	// Kind is "v1" or "v2", for the start-up log.
	Kind() string
}

// Cgroup is one environment's memory cgroup.
type Cgroup interface {
	// FD returns a directory fd for CLONE_INTO_CGROUP where supported (v2).
	FD() (int, bool)
	Add(pid int) error
	Peak() (int64, error)
	Kill()
	Remove() error
}

// DetectCgroups finds a memory cgroup hierarchy this process may create
// children in: cgroup v2 with the memory controller, else cgroup v1's
// memory hierarchy. It returns an error saying why neither works.
func DetectCgroups() (CgroupManager, error) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	var v1Path, v1Pids, v2Path string
	sc := bufio.NewScanner(strings.NewReader(string(self)))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2Path = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			switch c {
			case "memory":
				v1Path = parts[2]
			case "pids":
				v1Pids = parts[2]
			}
		}
	}
	var reasons []string
	if v1Path != "" {
		m, err := newV1("/sys/fs/cgroup/memory", v1Path)
		if err == nil {
			if v1Pids != "" {
				m.withPids("/sys/fs/cgroup/pids", v1Pids)
			}
			return m, nil
		}
		reasons = append(reasons, "v1: "+err.Error())
	}
	if v2Path != "" {
		for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
			m, err := newV2(root, v2Path)
			if err == nil {
				return m, nil
			}
			reasons = append(reasons, "v2 at "+root+": "+err.Error())
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "no memory cgroup found for this process")
	}
	return nil, errors.New(strings.Join(reasons, "; "))
}

func writeFile(path, value string) error {
	return os.WriteFile(path, []byte(value), 0)
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// killMembers SIGKILLs every process listed in a cgroup.procs file.
func killMembers(procs string) {
	for i := 0; i < 3; i++ {
		b, err := os.ReadFile(procs)
		if err != nil || len(strings.TrimSpace(string(b))) == 0 {
			return
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// MaxProcesses is Lambda's limit on processes and threads in one
// execution environment; it also stops a fork bomb in a function.
const MaxProcesses = 1024

// v1: a parent directory under our own memory cgroup, one child each, and
// the same under the pids hierarchy when it is mounted.
type v1Manager struct {
	base, pidsBase, instance string
	seq                      atomic.Int64
}

func (m *v1Manager) withPids(mount, self string) {
	clearStale(filepath.Join(mount, self))
	base := filepath.Join(mount, self, m.instance)
	if err := os.Mkdir(base, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return
	}
	m.pidsBase = base
}

// newInstance names one server's cgroups: the pid says whose they are
// (so a later server can clear what a crashed one left), the random part
// keeps servers in one process (tests) and a reused pid apart.
func newInstance() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("gatehouse-%d-%x", os.Getpid(), b)
}

// clearStale removes the cgroups of gatehouse servers that are gone,
// killing anything still running in them.
func clearStale(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		var pid int
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "gatehouse-") {
			continue
		}
		if _, err := fmt.Sscanf(e.Name(), "gatehouse-%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == nil {
			continue // its server is alive
		}
		dir := filepath.Join(parent, e.Name())
		subs, _ := os.ReadDir(dir)
		for _, sub := range subs {
			if sub.IsDir() {
				killMembers(filepath.Join(dir, sub.Name(), "cgroup.procs"))
				os.Remove(filepath.Join(dir, sub.Name()))
			}
		}
		os.Remove(dir)
	}
}

func newV1(mount, self string) (*v1Manager, error) {
	clearStale(filepath.Join(mount, self))
	instance := newInstance()
	base := filepath.Join(mount, self, instance)
	if err := os.Mkdir(base, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	// Probe that limits can be written before promising them.
	if err := writeFile(filepath.Join(base, "memory.limit_in_bytes"), "-1"); err != nil {
		os.Remove(base)
		return nil, err
	}
	return &v1Manager{base: base, instance: instance}, nil
}

func (m *v1Manager) Kind() string { return "v1" }

func (m *v1Manager) New(limit int64) (Cgroup, error) {
	dir := filepath.Join(m.base, fmt.Sprintf("env-%d", m.seq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "memory.limit_in_bytes"), strconv.FormatInt(limit, 10)); err != nil {
		os.Remove(dir)
		return nil, err
	}
	// Without a memsw limit the kernel would swap instead of killing;
	// the file only exists when swap accounting is on.
	writeFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), strconv.FormatInt(limit, 10))
	writeFile(filepath.Join(dir, "memory.swappiness"), "0")
	// Charge what the process touched before it joined (exec, loader) here.
	writeFile(filepath.Join(dir, "memory.move_charge_at_immigrate"), "3")
	cg := &v1Cgroup{dir: dir}
	if m.pidsBase != "" {
		pids := filepath.Join(m.pidsBase, filepath.Base(dir))
		if os.Mkdir(pids, 0o755) == nil {
			if writeFile(filepath.Join(pids, "pids.max"), strconv.Itoa(MaxProcesses)) == nil {
				cg.pids = pids
			} else {
				os.Remove(pids)
			}
		}
	}
	return cg, nil
}

// v1Cgroup's fields never change after creation: Kill (from a timeout or
// shutdown) may run while Remove does.
type v1Cgroup struct {
	dir, pids   string
	pidsRemoved atomic.Bool
}

func (c *v1Cgroup) FD() (int, bool) { return 0, false }
func (c *v1Cgroup) Add(pid int) error {
	if c.pids != "" {
		if err := writeFile(filepath.Join(c.pids, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(c.dir, "cgroup.procs"), strconv.Itoa(pid))
}
func (c *v1Cgroup) Peak() (int64, error) {
	return readInt(filepath.Join(c.dir, "memory.max_usage_in_bytes"))
}
func (c *v1Cgroup) Kill() {
	killMembers(filepath.Join(c.dir, "cgroup.procs"))
	if c.pids != "" && !c.pidsRemoved.Load() {
		killMembers(filepath.Join(c.pids, "cgroup.procs"))
	}
}

func (c *v1Cgroup) Remove() error {
	if c.pids != "" && !c.pidsRemoved.Load() && os.Remove(c.pids) == nil {
		c.pidsRemoved.Store(true)
	}
	return os.Remove(c.dir)
}

// v2: processes may only live in leaves, so the server moves itself into
// a "server" leaf of its own cgroup before enabling the memory controller
// for its siblings, the environments.
type v2Manager struct {
	base, instance string
	seq            atomic.Int64
}

func newV2(root, self string) (*v2Manager, error) {
	ctrl, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	if !strings.Contains(" "+strings.TrimSpace(string(ctrl))+" ", " memory ") {
		return nil, errors.New("memory controller not available")
	}
	own := filepath.Join(root, self)
	if ctrl, err := os.ReadFile(filepath.Join(own, "cgroup.controllers")); err != nil || !strings.Contains(string(ctrl), "memory") {
		return nil, errors.New("memory controller not delegated to " + own)
	}
	leaf := filepath.Join(own, "server")
	if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	if err := writeFile(filepath.Join(leaf, "cgroup.procs"), "0"); err != nil {
		return nil, fmt.Errorf("move server into %s: %w", leaf, err)
	}
	if err := writeFile(filepath.Join(own, "cgroup.subtree_control"), "+memory"); err != nil {
		return nil, fmt.Errorf("enable memory controller: %w", err)
	}
	writeFile(filepath.Join(own, "cgroup.subtree_control"), "+pids") // best effort
	return &v2Manager{base: own, instance: newInstance()}, nil
}

func (m *v2Manager) Kind() string { return "v2" }

func (m *v2Manager) New(limit int64) (Cgroup, error) {
	dir := filepath.Join(m.base, fmt.Sprintf("%s-env-%d", m.instance, m.seq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "memory.max"), strconv.FormatInt(limit, 10)); err != nil {
		os.Remove(dir)
		return nil, err
	}
	writeFile(filepath.Join(dir, "memory.swap.max"), "0")
	writeFile(filepath.Join(dir, "memory.oom.group"), "1")
	writeFile(filepath.Join(dir, "pids.max"), strconv.Itoa(MaxProcesses))
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	return &v2Cgroup{dir: dir, fd: fd}, nil
}

type v2Cgroup struct {
	dir string
	fd  int
}

func (c *v2Cgroup) FD() (int, bool) { return c.fd, true }
func (c *v2Cgroup) Add(pid int) error {
	return writeFile(filepath.Join(c.dir, "cgroup.procs"), strconv.Itoa(pid))
}
func (c *v2Cgroup) Peak() (int64, error) {
	if n, err := readInt(filepath.Join(c.dir, "memory.peak")); err == nil {
		return n, nil
	}
	return readInt(filepath.Join(c.dir, "memory.current"))
}
func (c *v2Cgroup) Kill() {
	if writeFile(filepath.Join(c.dir, "cgroup.kill"), "1") != nil {
		killMembers(filepath.Join(c.dir, "cgroup.procs"))
	}
}
func (c *v2Cgroup) Remove() error {
	if c.fd >= 0 {
		syscall.Close(c.fd)
		c.fd = -1
	}
	return os.Remove(c.dir)
}

// Close removes the per-server parent cgroups once their environments are gone.
func (m *v1Manager) Close() error {
	if m.pidsBase != "" {
		os.Remove(m.pidsBase)
	}
	return os.Remove(m.base)
}
