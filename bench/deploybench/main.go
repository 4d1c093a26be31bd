// Command deploybench measures `gatehouse deploy` on this machine: a
// deploy of examples/hello-auth from scratch to a new stack, and a
// redeploy of it with one function's code changed, against the targets of
// under 2 s and under 0.5 s. It builds gatehouse, starts a real `gatehouse
// serve` on a free loopback port with a temporary data dir, and deploys
// through GatehouseStacks.Deploy as the CLI does.
//
// Go builds are excluded: the template's code is packaged once before
// anything is timed (hello-auth's functions are Go), and each redeploy
// changes one function's package by adding a file to its zip. A run's
// time is the client's wall time from sending the Deploy request (body
// encoded and signed beforehand) to reading its final event.
//
//	go run ./bench/deploybench                 # from the repository root
//	go run ./bench/deploybench --runs 10
//	go run ./bench/deploybench --template bench/deploybench/testdata/template.yaml
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bench/internal/benchproc"
	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/credentials"
	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/gatehouse/gatehouse/internal/stack/artifact"
	"github.com/gatehouse/gatehouse/internal/stack/template"
)

const (
	defaultTemplate  = "examples/hello-auth/template.yaml"
	fallbackTemplate = "bench/deploybench/testdata/template.yaml"
)

// The targets, on the median run.
const (
	targetScratch  = 2 * time.Second
	targetRedeploy = 500 * time.Millisecond
)

var (
	runs          = flag.Int("runs", 5, "measured deploys per phase")
	warmups       = flag.Int("warmup", 1, "unmeasured deploy and redeploy before the measured ones (a fresh server's first requests)")
	tmplPath      = flag.String("template", "", "template to deploy (default "+defaultTemplate+", or "+fallbackTemplate+" when that is missing)")
	deployTimeout = flag.Duration("deploy-timeout", time.Minute, "longest one deploy may take before the run fails")
	totalTimeout  = flag.Duration("timeout", 10*time.Minute, "longest the whole run may take, builds included")
	strict        = flag.Bool("strict", false, "exit with status 2 when a target is not met")
	keep          = flag.Bool("keep", false, "keep the from-scratch stacks (they are deleted after each run, untimed, so every run meets the same server)")
)

func main() {
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *totalTimeout)
	defer cancel()
	// Ctrl-C ends the run through the context, so the server is stopped
	// and the data dir removed on the way out.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	met, err := run(ctx)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (the run's --timeout is %s)", err, *totalTimeout)
		}
		fmt.Fprintln(os.Stderr, "deploybench:", err)
		os.Exit(1)
	}
	if *strict && !met {
		os.Exit(2)
	}
}

// bench is one run's state.
type bench struct {
	srv    *benchproc.Server
	signer awsproto.Signer
	client *http.Client
}

func run(ctx context.Context) (bool, error) {
	if *runs < 1 || *warmups < 0 || *deployTimeout <= 0 {
		return false, errors.New("--runs must be at least 1, --warmup at least 0 and --deploy-timeout positive")
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return false, errors.New("run from the repository root (go run ./bench/deploybench)")
	}
	path := *tmplPath
	if path == "" {
		path = defaultTemplate
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s not found: deploying %s instead\n", defaultTemplate, fallbackTemplate)
			path = fallbackTemplate
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}

	tmp, err := os.MkdirTemp("", "deploybench")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gatehouse")
	fmt.Fprintln(os.Stderr, "building gatehouse…")
	if err := benchproc.Build(bin, "./cmd/gatehouse", nil); err != nil {
		return false, err
	}

	// Packaging (Go builds included) is what the issue leaves out of the
	// figures: done once, timed apart.
	began := time.Now()
	artifacts, changing, err := packageCode(ctx, path, src)
	if err != nil {
		return false, err
	}
	packaging := time.Since(began)
	params := parameters(path, src)

	srv, err := benchproc.Start(bin, filepath.Join(tmp, "data"), false)
	if err != nil {
		return false, err
	}
	defer srv.Stop()
	id, secret, ok := credentials.ReadCredentialsFile(filepath.Join(srv.Data, "credentials"))
	if !ok {
		return false, fmt.Errorf("no credentials in %s", srv.Data)
	}
	b := &bench{srv: srv, signer: awsproto.Signer{AccessKeyID: id, SecretAccessKey: secret, Region: "us-east-1", Service: "gatehouse"},
		client: &http.Client{Timeout: *deployTimeout}}

	deploy := func(name string, arts map[string][]byte) (result, error) {
		req := stack.DeployRequest{StackName: name, TemplateName: filepath.Base(path), TemplateBody: string(src), Parameters: params, Artifacts: arts}
		return b.deploy(ctx, req)
	}

	// The stack the redeploys change, made untimed.
	const redeployStack = "deploybench-redeploy"
	base, err := deploy(redeployStack, artifacts)
	if err != nil {
		return false, fmt.Errorf("first deploy of %s: %w", path, err)
	}
	if err := b.checkAPI(base.outputs); err != nil {
		return false, err
	}
	variant := 0
	nextCode := func() (map[string][]byte, error) {
		variant++
		changed, err := withExtraFile(artifacts[changing.CodeURI], fmt.Sprintf("deploybench-%d.txt", variant), fmt.Sprint(variant))
		if err != nil {
			return nil, err
		}
		arts := map[string][]byte{}
		for k, v := range artifacts {
			arts[k] = v
		}
		arts[changing.CodeURI] = changed
		return arts, nil
	}

	var scratch, redeploy phase
	scratch.name, redeploy.name = "deploy from scratch", "redeploy, one function's code changed"
	scratch.target, redeploy.target = targetScratch, targetRedeploy
	for i := range *warmups + *runs {
		measured := i >= *warmups
		name := fmt.Sprintf("deploybench-scratch-%d", i)
		r, err := deploy(name, artifacts)
		if err != nil {
			return false, fmt.Errorf("%s to %s: %w", scratch.name, name, err)
		}
		if err := r.want(stack.StatusCreateComplete, func(c stack.Change) bool { return c.Action == stack.ActionCreate }); err != nil {
			return false, fmt.Errorf("%s to %s: %w", scratch.name, name, err)
		}
		if measured {
			scratch.add(r)
		}
		if !*keep {
			if err := b.deleteStack(ctx, name); err != nil {
				return false, err
			}
		}

		arts, err := nextCode()
		if err != nil {
			return false, err
		}
		r, err = deploy(redeployStack, arts)
		if err != nil {
			return false, fmt.Errorf("%s: %w", redeploy.name, err)
		}
		// Exactly the changed function is updated.
		if err := r.want(stack.StatusUpdateComplete, func(c stack.Change) bool {
			if c.LogicalID == changing.LogicalID {
				return c.Action == stack.ActionUpdate
			}
			return c.Action == stack.ActionUnchanged
		}); err != nil {
			return false, fmt.Errorf("%s: %w", redeploy.name, err)
		}
		if measured {
			redeploy.add(r)
		}
	}
	// The API still works after all the redeploys.
	if err := b.checkAPI(base.outputs); err != nil {
		return false, err
	}

	fmt.Printf("# gatehouse deploy benchmark (%s, %d CPUs, %s/%s)\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("template %s: %d resources; code packaged once, untimed, in %s (Go builds included); %d measured runs per phase after %d warm-up\n",
		path, len(base.changes), packaging.Round(time.Millisecond), *runs, *warmups)
	fmt.Printf("redeploys change %s's package (%s)\n\n", changing.LogicalID, changing.CodeURI)
	fmt.Println("| phase | applied | min | median | max | target (median) | |")
	fmt.Println("|---|---|---|---|---|---|---|")
	met := true
	for _, p := range []*phase{&scratch, &redeploy} {
		fmt.Println(p.line())
		met = met && p.met()
	}
	fmt.Println()
	for _, p := range []*phase{&scratch, &redeploy} {
		fmt.Printf("%s: %s; slowest steps (server side, median): %s\n", p.name, p.verdict(), p.slowest(3))
	}
	return met, nil
}

// packageCode packages every function's code as `gatehouse deploy`
// would, and picks the function whose code the redeploys change (the
// last by logical ID, ProtectedFunction in hello-auth).
func packageCode(ctx context.Context, path string, src []byte) (map[string][]byte, artifact.Function, error) {
	fns, err := stack.CodeToPackage(path, src)
	if err != nil {
		return nil, artifact.Function{}, err
	}
	if len(fns) == 0 {
		return nil, artifact.Function{}, fmt.Errorf("%s has no function with local code to change", path)
	}
	out := map[string][]byte{}
	for _, f := range fns {
		fmt.Fprintf(os.Stderr, "packaging %s (%s)…\n", f.LogicalID, f.CodeURI)
		zip, err := artifact.Package(ctx, f)
		if err != nil {
			return nil, artifact.Function{}, err
		}
		out[f.CodeURI] = zip
	}
	return out, fns[len(fns)-1], nil
}

// parameters gives an Architecture parameter (hello-auth's) the host's,
// as the e2e tests do: the functions are built for this machine.
func parameters(path string, src []byte) map[string]string {
	t, err := template.Parse(filepath.Base(path), src)
	if err != nil {
		return nil
	}
	ps, _ := t.Doc["Parameters"].(map[string]any)
	if _, ok := ps["Architecture"]; !ok {
		return nil
	}
	arch := runtime.GOARCH
	if arch == "amd64" {
		arch = "x86_64"
	}
	return map[string]string{"Architecture": arch}
}

// withExtraFile copies a zip and adds one file: a different package that
// runs the same.
func withExtraFile(src []byte, name, body string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	w, err := zw.Create(name)
	if err != nil {
		return nil, err
	}
	io.WriteString(w, body)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// result is one deploy as the client saw it.
type result struct {
	took    time.Duration
	status  string
	changes []stack.Change
	outputs map[string]string
	steps   map[string]time.Duration // "LogicalID action" → server-side time
}

// want checks the deploy's verdict and that every change is as expected.
func (r result) want(status string, ok func(stack.Change) bool) error {
	if r.status != status {
		return fmt.Errorf("status %q, want %s", r.status, status)
	}
	for _, c := range r.changes {
		if !ok(c) {
			return fmt.Errorf("unexpected plan: %s %s (%s)", c.Action, c.LogicalID, c.Reason)
		}
	}
	return nil
}

// deploy sends one Deploy and reads its events to the verdict; the time
// runs from sending the request to reading the final event.
func (b *bench) deploy(ctx context.Context, in stack.DeployRequest) (result, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, *deployTimeout)
	defer cancel()
	req, err := b.request(ctx, "Deploy", body)
	if err != nil {
		return result{}, err
	}
	r := result{outputs: map[string]string{}, steps: map[string]time.Duration{}}
	began := time.Now()
	err = b.stream(req, func(e stack.Event) error {
		switch e.Kind {
		case "plan":
			r.changes = e.Changes
		case "resource":
			if e.Status == "done" {
				r.steps[e.LogicalID+" "+e.Action] = e.Elapsed
			}
		case "complete":
			r.took = time.Since(began)
			r.status = e.Status
			for _, o := range e.Outputs {
				r.outputs[o.Key] = o.Value
			}
		case "failed":
			return fmt.Errorf("deploy of %s failed: %s", in.StackName, e.Message)
		}
		return nil
	})
	if err != nil {
		return result{}, err
	}
	if r.status == "" {
		return result{}, fmt.Errorf("deploy of %s: the stream ended without a verdict", in.StackName)
	}
	return r, nil
}

func (b *bench) deleteStack(ctx context.Context, name string) error {
	body, _ := json.Marshal(map[string]string{"StackName": name})
	ctx, cancel := context.WithTimeout(ctx, *deployTimeout)
	defer cancel()
	req, err := b.request(ctx, "DeleteStack", body)
	if err != nil {
		return err
	}
	return b.stream(req, func(e stack.Event) error {
		if e.Kind == "failed" {
			return fmt.Errorf("delete of %s failed: %s", name, e.Message)
		}
		return nil
	})
}

func (b *bench) request(ctx context.Context, op string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", b.srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", stack.Target+op)
	if err := b.signer.Sign(req, body); err != nil {
		return nil, err
	}
	return req, nil
}

// stream sends req and hands each event line of the answer to fn.
func (b *bench) stream(req *http.Request, fn func(stack.Event) error) error {
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("%s: HTTP %d: %s", req.Header.Get("X-Amz-Target"), resp.StatusCode, bytes.TrimSpace(data))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e stack.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("unreadable event %q: %w", sc.Text(), err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return sc.Err()
}

// checkAPI calls the deployed API's open route (GET ApiUrl/open), so the
// figures are of deploys that produce a working API. Templates without
// an ApiUrl output are not checked.
func (b *bench) checkAPI(outputs map[string]string) error {
	u := outputs["ApiUrl"]
	if u == "" {
		return nil
	}
	// The URL's host is API.execute-api.localhost:PORT; dial the server
	// directly rather than rely on *.localhost resolving.
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, b.srv.Addr)
		}}}
	resp, err := c.Get(u + "/open")
	if err != nil {
		return fmt.Errorf("checking the deployed API: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("checking the deployed API: GET %s/open: %d %s", u, resp.StatusCode, body)
	}
	return nil
}

// phase is one measured kind of deploy.
type phase struct {
	name    string
	target  time.Duration
	times   []time.Duration
	applied string
	steps   map[string][]time.Duration
}

func (p *phase) add(r result) {
	p.times = append(p.times, r.took)
	counts := map[string]int{}
	for _, c := range r.changes {
		counts[c.Action]++
	}
	var parts []string
	for _, a := range []string{stack.ActionCreate, stack.ActionUpdate, stack.ActionReplace, stack.ActionDelete, stack.ActionUnchanged} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	p.applied = strings.Join(parts, ", ")
	if p.steps == nil {
		p.steps = map[string][]time.Duration{}
	}
	for k, d := range r.steps {
		p.steps[k] = append(p.steps[k], d)
	}
}

func (p *phase) sorted() []time.Duration {
	s := slices.Clone(p.times)
	slices.Sort(s)
	return s
}

func median(s []time.Duration) time.Duration {
	s = slices.Clone(s)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (p *phase) met() bool { return median(p.times) < p.target }

func (p *phase) verdict() string {
	if p.met() {
		return fmt.Sprintf("target < %s met (median %s)", secs(p.target), secs(median(p.times)))
	}
	return fmt.Sprintf("target < %s NOT met (median %s)", secs(p.target), secs(median(p.times)))
}

// line is the phase's markdown table row.
func (p *phase) line() string {
	s := p.sorted()
	mark := "met"
	if !p.met() {
		mark = "not met"
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | < %s | %s |", p.name, p.applied, secs(s[0]), secs(median(s)), secs(s[len(s)-1]), secs(p.target), mark)
}

// slowest names the n steps with the longest median server-side time.
func (p *phase) slowest(n int) string {
	type step struct {
		name string
		d    time.Duration
	}
	var all []step
	for k, ds := range p.steps {
		all = append(all, step{k, median(ds)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d > all[j].d || all[i].d == all[j].d && all[i].name < all[j].name })
	var parts []string
	for i := 0; i < n && i < len(all); i++ {
		parts = append(parts, fmt.Sprintf("%s %s", all[i].name, all[i].d.Round(100*time.Microsecond)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
