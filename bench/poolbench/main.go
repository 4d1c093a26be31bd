// Command poolbench measures gatehouse's user pools on this machine:
// USER_SRP_AUTH, USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH sign-ins/s,
// SignUp/s, and InitiateAuth latency with 1,000 and with 1,000,000 users
// in the pool, plus the server's memory. It builds and starts a real
// `gatehouse serve` on a free loopback port and drives it over HTTP at a
// fixed concurrency; the load generator shares the machine's cores with
// the server, and its CPU per operation is reported beside the server's.
//
//	go run ./bench/poolbench                 # from the repository root
//	go run ./bench/poolbench --skip-scale --duration 5s
//	go run ./bench/poolbench --json
//	go run ./bench/poolbench --profile /tmp/prof   # a CPU profile per phase
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/gatehouse/gatehouse/bench/internal/benchproc"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/credentials"
)

var (
	duration  = flag.Duration("duration", 10*time.Second, "length of each measured phase")
	conc      = flag.Int("concurrency", 8, "requests in flight in every phase")
	logins    = flag.Int("logins", 1000, "login users created through the API (the pool's size before the import)")
	users     = flag.Int("users", 1000000, "users in the pool for the scale phase (the rest are imported)")
	skipScale = flag.Bool("skip-scale", false, "skip the import and the large-pool measurement")
	aBits     = flag.Int("srp-a-bits", 256, "bits of the SRP client's ephemeral a: 256, or 1024 as amazon-cognito-identity-js draws")
	asJSON    = flag.Bool("json", false, "print the results as JSON")
	profile   = flag.String("profile", "", "directory to save a server CPU profile of each phase in")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "poolbench:", err)
		os.Exit(1)
	}
}

// bench is one run's state.
type bench struct {
	srv        *benchproc.Server
	api        *api
	conc       int
	duration   time.Duration
	logins     int
	json       bool
	profileDir string
	srpABytes  int // size of the SRP client ephemeral a
	runID      string

	poolID, clientID string
	// refresh holds a refresh token per login user, from the password phase.
	mu      sync.Mutex
	refresh []string
}

func (b *bench) note(format string, args ...any) {
	if !b.json {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}

func run() error {
	if *aBits != 256 && *aBits != 1024 {
		return fmt.Errorf("--srp-a-bits must be 256 or 1024")
	}
	if *conc < 1 || *logins < 1 {
		return fmt.Errorf("--concurrency and --logins must be positive")
	}
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "poolbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gatehouse")
	if err := benchproc.Build(bin, "./cmd/gatehouse", nil); err != nil {
		return err
	}
	srv, err := benchproc.Start(bin, filepath.Join(tmp, "data"), *profile != "")
	if err != nil {
		return err
	}
	defer srv.Stop()
	// The server has its own process group: an interrupted run must stop
	// it (and remove the data) itself.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		srv.Stop()
		os.RemoveAll(tmp)
		os.Exit(130)
	}()
	id, secret, ok := credentials.ReadCredentialsFile(filepath.Join(srv.Data, "credentials"))
	if !ok {
		return fmt.Errorf("no credentials in %s", srv.Data)
	}
	b := &bench{
		srv: srv, api: newAPI(srv.URL, id, secret, 2**conc), conc: *conc, duration: *duration, logins: *logins,
		json: *asJSON, profileDir: *profile, srpABytes: *aBits / 8, runID: fmt.Sprint(time.Now().Unix()),
	}
	rep := &report{Date: time.Now().UTC().Format("2006-01-02"), CPUs: runtime.NumCPU(), Concurrency: b.conc,
		PhaseSeconds: b.duration.Seconds(), LoginUsers: b.logins, SRPClientABits: *aBits}
	if err := b.setup(); err != nil {
		return err
	}
	rep.add("password", "USER_PASSWORD_AUTH sign-ins", b.run("password", b.passwordLogin))
	rep.add("srp", "USER_SRP_AUTH full sign-ins", b.run("srp", b.srpLogin))
	if err := b.signInAll(); err != nil {
		return err
	}
	rep.add("refresh", "REFRESH_TOKEN_AUTH", b.run("refresh", b.refreshLogin))
	if !*skipScale && *users > b.logins {
		if err := b.scale(rep, *users); err != nil {
			return err
		}
	}
	rep.add("signup", "SignUp", b.run("signup", b.signUp))
	rep.RSSMiB, rep.PeakRSSMiB = srv.Memory()
	rep.Targets = rep.targets()
	if b.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(os.Stdout)
	return nil
}

// scale measures the same sign-ins just before and just after importing
// users up to total, so that the pool's size is the only difference.
func (b *bench) scale(rep *report, total int) error {
	rep.add("scale-small", fmt.Sprintf("InitiateAuth, %s users in the pool", count(b.logins)), b.run("scale-small", b.passwordLogin))
	b.note("importing %d users...", total-b.logins)
	secs, err := b.seed(context.Background(), total-b.logins)
	if err != nil {
		return err
	}
	rep.Imported, rep.ImportSeconds, rep.ScaleUsers = total-b.logins, secs, total
	rep.DatabaseMiB = dirMiB(b.srv.Data, "gatehouse.db")
	b.note("imported in %.0f s; database %.0f MiB", secs, rep.DatabaseMiB)
	rep.add("scale-large", fmt.Sprintf("InitiateAuth, %s users in the pool", count(total)), b.run("scale-large", b.passwordLogin))
	return nil
}

// count renders 1000 as 1k and 1000000 as 1M.
func count(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dM", n/1e6)
	case n >= 1e3 && n%1e3 == 0:
		return fmt.Sprintf("%dk", n/1e3)
	}
	return fmt.Sprint(n)
}

// dirMiB is the size of a SQLite database with its WAL and shared memory.
func dirMiB(dir, name string) float64 {
	var total int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(filepath.Join(dir, name+suffix)); err == nil {
			total += fi.Size()
		}
	}
	return float64(total) / (1 << 20)
}
