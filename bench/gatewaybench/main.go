// Command gatewaybench measures gatehouse's API Gateway data plane on
// this machine: requests/s, p50 and p99 for a GET to a warm trivial Go
// function through an open route, a Cognito user pool authorizer (one ID
// token, reused) and a caching Lambda TOKEN authorizer, against the same
// function invoked directly through the Invoke API; the gateway's added
// latency; server, function and load generator CPU per request; server
// memory. It builds gatehouse and the functions, starts a real `gatehouse
// serve` on a free loopback port, sets everything up through the signed
// APIs, and drives each phase from a load generator on the same cores.
//
//	go run ./bench/gatewaybench                   # from the repository root
//	go run ./bench/gatewaybench --duration 5s --concurrency 8
//	go run ./bench/gatewaybench --json
//	go run ./bench/gatewaybench --profile /tmp/gwprof   # server CPU profiles and allocations
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/gatehouse/gatehouse/bench/internal/benchproc"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/credentials"
)

var (
	duration    = flag.Duration("duration", 10*time.Second, "length of each measured phase")
	conc        = flag.Int("concurrency", 8, "requests in flight in the throughput phases")
	latencyDur  = flag.Duration("latency-duration", 5*time.Second, "measured time per route one request at a time (the routes take turns)")
	warmup      = flag.Duration("warmup", time.Second, "unmeasured load before each phase")
	asJSON      = flag.Bool("json", false, "print the results as JSON")
	profile     = flag.String("profile", "", "directory to save a server CPU profile of each concurrent phase in")
	skipNetHTTP = flag.Bool("skip-net-http", false, "leave out the phases with Go's net/http client")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gatewaybench:", err)
		os.Exit(1)
	}
}

// bench is one run's state.
type bench struct {
	srv          *benchproc.Server
	api          *api
	lambdaSigner awsproto.Signer
	host         string // the API's execute-api host
	idToken      string
	warmup       time.Duration
	json         bool
	profileDir   string
}

func (b *bench) note(format string, args ...any) {
	if !b.json {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}

func run() error {
	if *conc < 1 || *duration <= 0 || *latencyDur <= 0 {
		return fmt.Errorf("--concurrency, --duration and --latency-duration must be positive")
	}
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "gatewaybench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, proxyBin, authBin := filepath.Join(tmp, "gatehouse"), filepath.Join(tmp, "proxyfn"), filepath.Join(tmp, "authfn")
	if err := benchproc.Build(bin, "./cmd/gatehouse", nil); err != nil {
		return err
	}
	// Built as for Lambda's provided.al2023: a static Linux executable
	// without aws-lambda-go's legacy RPC mode.
	linux := []string{"GOOS=linux"}
	if err := benchproc.Build(proxyBin, "./bench/gatewaybench/proxyfn", linux, "-tags", "lambda.norpc"); err != nil {
		return err
	}
	if err := benchproc.Build(authBin, "./bench/gatewaybench/authfn", linux, "-tags", "lambda.norpc"); err != nil {
		return err
	}
	// Profiling is always on: the RSA check reads a CPU profile.
	srv, err := benchproc.Start(bin, filepath.Join(tmp, "data"), true, "--max-environments", "64")
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
		srv:          srv,
		api:          &api{url: srv.URL, http: &http.Client{Timeout: time.Minute}, id: id, secret: secret},
		lambdaSigner: awsproto.Signer{AccessKeyID: id, SecretAccessKey: secret, Region: "us-east-1", Service: "lambda"},
		warmup:       *warmup, json: *asJSON, profileDir: *profile,
	}
	if err := b.setup(proxyBin, authBin); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	// The peak so far is setup's (a function's zip arrives base64 in
	// JSON), not the data plane's: reported apart.
	_, setupPeak := srv.Memory()
	rep, err := b.phases()
	if err != nil {
		return err
	}
	rep.RSSMiB, rep.PeakRSSMiB = srv.Memory()
	rep.SetupPeakRSSMiB = setupPeak
	if b.profileDir != "" {
		// Allocations since the start, the phases' by far the most.
		if err := srv.Save(filepath.Join(b.profileDir, "allocs.pprof"), "/debug/pprof/allocs"); err != nil {
			return err
		}
	}
	rep.Targets = rep.targets()
	if b.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(os.Stdout)
	if b.profileDir != "" {
		fmt.Printf("\nServer CPU profiles of the concurrent phases and the allocations of the run: %s/*.pprof (go tool pprof -top %s/cognito.pprof)\n", b.profileDir, b.profileDir)
	}
	return nil
}

// setup creates the functions, the pool and its user's ID token, and the
// API with its stage, then checks every route.
func (b *bench) setup(proxyBin, authBin string) error {
	var arns [2]string
	for i, fn := range []struct{ name, bin string }{{proxyFn, proxyBin}, {authFn, authBin}} {
		zip, err := bootstrapZip(fn.bin)
		if err != nil {
			return err
		}
		if arns[i], err = b.api.createFunction(fn.name, zip); err != nil {
			return err
		}
	}
	proxyARN, authARN := arns[0], arns[1]
	poolARN, token, err := b.api.idToken()
	if err != nil {
		return err
	}
	b.idToken = token
	apiID, err := b.api.importAPI(apiDocument(proxyARN, authARN, poolARN))
	if err != nil {
		return err
	}
	b.host = apiID + ".execute-api.localhost"
	return b.check()
}

// bootstrapZip is a provided.al2023 deployment package: the executable
// as bootstrap.
func bootstrapZip(path string) ([]byte, error) {
	exe, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(exe); err != nil {
		return nil, err
	}
	err = zw.Close()
	return buf.Bytes(), err
}
