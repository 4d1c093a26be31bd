package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var goFnDir string // task root holding the test function as "bootstrap"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-runtime-test")
	if err != nil {
		panic(err)
	}
	goFnDir = filepath.Join(dir, "gofn")
	os.MkdirAll(goFnDir, 0o755)
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(goFnDir, "bootstrap"), "./testdata/gofn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build test function: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type memSink struct {
	mu    sync.Mutex
	lines []string
}

func (m *memSink) Log(stream string, t time.Time, line []byte) {
	m.mu.Lock()
	m.lines = append(m.lines, string(line))
	m.mu.Unlock()
}

func (m *memSink) text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.lines, "\n")
}

func newSup(t *testing.T, opts Options) *Supervisor {
	t.Helper()
	opts.RuntimeDir = t.TempDir()
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

var revSeq atomic.Int64

func goFunction(name string, sink LogSink) *Function {
	if sink == nil {
		sink = nopSink{}
	}
	return &Function{
		Name:        name,
		Revision:    fmt.Sprint(revSeq.Add(1)),
		Version:     "$LATEST",
		ARN:         "arn:aws:lambda:us-east-1:000000000000:function:" + name,
		Runtime:     "provided.al2023",
		Handler:     "bootstrap",
		TaskRoot:    goFnDir,
		MemoryMB:    128,
		Timeout:     3 * time.Second,
		Env:         map[string]string{"MY_VAR": "mine", "AWS_REGION": "overridden-by-reserved"},
		Concurrency: -1,
		Logs:        sink,
	}
}

var reqSeq atomic.Int64

func invoke(t *testing.T, s *Supervisor, fn *Function, payload string) Result {
	t.Helper()
	res, err := s.Invoke(context.Background(), fn, &Invocation{
		RequestID:  fmt.Sprintf("req-%d", reqSeq.Add(1)),
		Payload:    []byte(payload),
		InvokedARN: fn.ARN,
		TraceID:    "Root=1-00000000-000000000000000000000000;Sampled=0",
		Tail:       true,
	})
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return res
}

func TestGoFunctionColdThenWarm(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("echo", nil)
	first := invoke(t, s, fn, `{"action":"echo","text":"hi"}`)
	if first.FunctionError || !first.ColdStart || first.InitDuration <= 0 {
		t.Fatalf("first invoke: %+v (%s)", first, first.Payload)
	}
	var out struct {
		Text, RequestID, Arn, Function string
		Memory                         int
		Remaining                      int64
		ColdAt                         int64
		Env                            map[string]string
	}
	if err := json.Unmarshal(first.Payload, &out); err != nil {
		t.Fatalf("payload %s: %v", first.Payload, err)
	}
	if out.Text != "hi" || out.Function != "echo" || out.Memory != 128 || out.Arn != fn.ARN {
		t.Fatalf("context seen by the function: %+v", out)
	}
	if out.Remaining < 2000 || out.Remaining > 3000 {
		t.Fatalf("remaining time %d ms, want about 3000", out.Remaining)
	}
	if out.Env["AWS_REGION"] != "us-east-1" || out.Env["MY_VAR"] != "mine" || out.Env["_HANDLER"] != "bootstrap" ||
		out.Env["AWS_LAMBDA_LOG_GROUP_NAME"] != "/aws/lambda/echo" || out.Env["TZ"] != ":UTC" {
		t.Fatalf("environment: %v", out.Env)
	}
	second := invoke(t, s, fn, `{"action":"echo"}`)
	var out2 struct{ ColdAt int64 }
	json.Unmarshal(second.Payload, &out2)
	if second.ColdStart || out2.ColdAt != out.ColdAt {
		t.Fatalf("second invoke was not warm: cold=%v coldAt %d vs %d", second.ColdStart, out2.ColdAt, out.ColdAt)
	}
	if total, busy := s.Stats(); total != 1 || busy != 0 {
		t.Fatalf("stats total=%d busy=%d, want 1, 0", total, busy)
	}
}

func TestLogsAndTail(t *testing.T) {
	t.Parallel()
	sink := &memSink{}
	s := newSup(t, Options{})
	fn := goFunction("logs", sink)
	res := invoke(t, s, fn, `{"action":"log","text":"abc"}`)
	tail := string(res.LogTail)
	for _, want := range []string{"START RequestId: ", "hello from the function: abc", "to stderr", "END RequestId: ", "REPORT RequestId: ", "Billed Duration: ", "Memory Size: 128 MB", "Max Memory Used: ", "Init Duration: "} {
		if !strings.Contains(tail, want) {
			t.Errorf("tail lacks %q:\n%s", want, tail)
		}
	}
	if !strings.Contains(sink.text(), "hello from the function: abc") {
		t.Errorf("function log lacks the output:\n%s", sink.text())
	}
	warm := invoke(t, s, fn, `{"action":"log","text":"def"}`)
	if strings.Contains(string(warm.LogTail), "Init Duration") || strings.Contains(string(warm.LogTail), "abc") {
		t.Errorf("warm tail has cold-start or previous output:\n%s", warm.LogTail)
	}
}

func TestFunctionErrors(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("errs", nil)
	res := invoke(t, s, fn, `{"action":"error"}`)
	if !res.FunctionError || res.ErrorType != "myErr" || !strings.Contains(string(res.Payload), `"requested failure"`) {
		t.Fatalf("returned error: %+v %s", res, res.Payload)
	}
	// A panic is reported, then the process exits; the next invoke must
	// cold start cleanly.
	res = invoke(t, s, fn, `{"action":"panic"}`)
	if !res.FunctionError || !strings.Contains(string(res.Payload), `"boom"`) || !strings.Contains(string(res.Payload), "stackTrace") {
		t.Fatalf("panic: %+v %s", res, res.Payload)
	}
	time.Sleep(50 * time.Millisecond)
	res = invoke(t, s, fn, `{"action":"echo"}`)
	if res.FunctionError {
		t.Fatalf("invoke after panic: %s", res.Payload)
	}
	res = invoke(t, s, fn, `{"action":"exit"}`)
	if res.ErrorType != ErrTypeExit || !strings.Contains(string(res.Payload), "Runtime exited with error: exit status 3") {
		t.Fatalf("exit: %+v %s", res, res.Payload)
	}
}

func TestTimeoutKillsEnvironment(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("slow", nil)
	fn.Timeout = 500 * time.Millisecond
	start := time.Now()
	res := invoke(t, s, fn, `{"action":"sleep","n":5000}`)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("timeout took %v", took)
	}
	if res.ErrorType != ErrTypeTimeout || !strings.Contains(string(res.Payload), "Task timed out after 0.50 seconds") {
		t.Fatalf("timeout result: %+v %s", res, res.Payload)
	}
	if !strings.Contains(string(res.LogTail), "Task timed out after 0.50 seconds") {
		t.Fatalf("tail lacks the timeout line:\n%s", res.LogTail)
	}
	res = invoke(t, s, fn, `{"action":"echo"}`)
	if res.FunctionError || !res.ColdStart {
		t.Fatalf("after a timeout the next invoke must cold start and work: %+v", res)
	}
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("big", nil)
	res := invoke(t, s, fn, `{"action":"big","n":7000000}`)
	if res.ErrorType != ErrTypeResponseTooLarge {
		t.Fatalf("oversized response: %+v %.200s", res, res.Payload)
	}
	res = invoke(t, s, fn, `{"action":"big","n":6000000}`)
	if res.FunctionError || len(res.Payload) != 6000002 {
		t.Fatalf("6,000,000-byte response: error=%v len=%d %.300s", res.FunctionError, len(res.Payload), res.Payload)
	}
}

func TestForkedChildrenDieWithEnvironment(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("forker", nil)
	res := invoke(t, s, fn, `{"action":"fork"}`)
	var pid int
	if err := json.Unmarshal(res.Payload, &pid); err != nil || pid <= 0 {
		t.Fatalf("fork: %s", res.Payload)
	}
	if syscall.Kill(pid, 0) != nil {
		t.Fatal("child not running while its environment lives")
	}
	s.Retire("forker")
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		// A zombie still answers kill(0); check its state.
		if st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); bytes.Contains(st, []byte(") Z")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d outlived its environment", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLogFloodDoesNotHurtServer(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	sink := sinkFunc(func(string, time.Time, []byte) { n.Add(1) })
	s := newSup(t, Options{})
	fn := goFunction("spam", sink)
	fn.Timeout = 20 * time.Second
	res := invoke(t, s, fn, `{"action":"spam","n":102400}`) // 100 MB
	if res.FunctionError || string(res.Payload) != `"spammed"` {
		t.Fatalf("spam: %+v %.200s", res, res.Payload)
	}
	if len(res.LogTail) > 4096 {
		t.Fatalf("tail is %d bytes, want at most 4096", len(res.LogTail))
	}
	if got := n.Load(); got < 102400 {
		t.Fatalf("sink saw %d lines, want all 102400", got)
	}
}

type sinkFunc func(string, time.Time, []byte)

func (f sinkFunc) Log(s string, t time.Time, b []byte) { f(s, t, b) }

func TestMissingBootstrap(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("nobootstrap", nil)
	fn.TaskRoot = t.TempDir()
	res := invoke(t, s, fn, `{}`)
	if res.ErrorType != ErrTypeInvalidEntry || !strings.Contains(string(res.Payload), "no such file or directory") {
		t.Fatalf("missing bootstrap: %+v %s", res, res.Payload)
	}
	if total, _ := s.Stats(); total != 0 {
		t.Fatalf("a failed start left %d environments counted", total)
	}
}

func writeScript(t *testing.T, body string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRuntimeThatNeverCallsTheAPI(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{InitTimeout: 300 * time.Millisecond})
	fn := goFunction("silent", nil)
	fn.TaskRoot = writeScript(t, "exec sleep 300\n")
	fn.Timeout = 300 * time.Millisecond
	start := time.Now()
	res := invoke(t, s, fn, `{}`)
	if res.ErrorType != ErrTypeTimeout {
		t.Fatalf("silent runtime: %+v %s", res, res.Payload)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v", took)
	}
}

func TestRuntimeThatExitsAtOnce(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("quitter", nil)
	fn.TaskRoot = writeScript(t, "echo bye; exit 7\n")
	res := invoke(t, s, fn, `{}`)
	if res.ErrorType != ErrTypeExit || !strings.Contains(string(res.Payload), "exit status 7") {
		t.Fatalf("quitter: %+v %s", res, res.Payload)
	}
	if !strings.Contains(string(res.LogTail), "bye") {
		t.Fatalf("tail lacks the runtime's output: %s", res.LogTail)
	}
}

func TestInitErrorIsReported(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("initfail", nil)
	fn.TaskRoot = writeScript(t, `curl -s -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.Custom' \
  -d '{"errorMessage":"cannot init","errorType":"Runtime.Custom"}' http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error >/dev/null
exit 1
`)
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is required in CI")
		}
		t.Skip("curl not installed")
	}
	res := invoke(t, s, fn, `{}`)
	if res.ErrorType != "Runtime.Custom" || !strings.Contains(string(res.Payload), "cannot init") {
		t.Fatalf("init error: %+v %s", res, res.Payload)
	}
}

func TestReservedConcurrencyThrottles(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("limited", nil)
	fn.Concurrency = 1
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		invoke(t, s, fn, `{"action":"sleep","n":500}`)
	}()
	time.Sleep(150 * time.Millisecond)
	_, err := s.Invoke(context.Background(), fn, &Invocation{RequestID: "x", Payload: []byte("{}")})
	var te *ThrottleError
	if !errors.As(err, &te) || te.Reason != "ReservedFunctionConcurrentInvocationLimitExceeded" {
		t.Fatalf("second concurrent invoke: %v, want reserved-concurrency throttle", err)
	}
	wg.Wait()
	fn0 := goFunction("zero", nil)
	fn0.Concurrency = 0
	if _, err := s.Invoke(context.Background(), fn0, &Invocation{RequestID: "y", Payload: []byte("{}")}); !errors.As(err, &te) {
		t.Fatalf("reserved concurrency 0 must throttle, got %v", err)
	}
}

func TestGlobalLimitEvictsIdle(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{MaxEnvironments: 1})
	a, b := goFunction("a", nil), goFunction("b", nil)
	invoke(t, s, a, `{}`)
	// a's environment is idle: b may take its place.
	if res := invoke(t, s, b, `{}`); res.FunctionError {
		t.Fatal(string(res.Payload))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); invoke(t, s, b, `{"action":"sleep","n":400}`) }()
	time.Sleep(150 * time.Millisecond)
	_, err := s.Invoke(context.Background(), a, &Invocation{RequestID: "z", Payload: []byte("{}")})
	var te *ThrottleError
	if !errors.As(err, &te) || te.Reason != "ConcurrentInvocationLimitExceeded" {
		t.Fatalf("invoke beyond the global limit: %v", err)
	}
	wg.Wait()
}

func TestConcurrentInvokesStartEnvironments(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("parallel", nil)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := invoke(t, s, fn, `{"action":"sleep","n":200}`); res.FunctionError {
				t.Error(string(res.Payload))
			}
		}()
	}
	wg.Wait()
	if total, _ := s.Stats(); total != 4 {
		t.Fatalf("%d environments after 4 concurrent invokes, want 4", total)
	}
}

func TestIdleEnvironmentsAreReaped(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{IdleTimeout: 200 * time.Millisecond})
	invoke(t, s, goFunction("idle", nil), `{}`)
	deadline := time.Now().Add(3 * time.Second)
	for {
		if total, _ := s.Stats(); total == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("idle environment never reaped")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNewRevisionRetiresOldEnvironments(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("rev", nil)
	first := invoke(t, s, fn, `{}`)
	fn2 := *fn
	fn2.Revision = "new"
	fn2.Env = map[string]string{"MY_VAR": "changed"}
	res := invoke(t, s, &fn2, `{}`)
	if !res.ColdStart || !strings.Contains(string(res.Payload), `"MY_VAR":"changed"`) {
		t.Fatalf("new revision ran on an old environment: %s", res.Payload)
	}
	_ = first
	if total, _ := s.Stats(); total != 1 {
		t.Fatalf("%d environments, want the old one gone", total)
	}
}

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	cg, err := DetectCgroups()
	if err != nil {
		if os.Getenv("CI") != "" && os.Geteuid() == 0 {
			t.Fatalf("no memory cgroup on a CI machine running as root: %v", err)
		}
		t.Skipf("memory cgroups unavailable: %v", err)
	}
	s := newSup(t, Options{Launcher: &LocalLauncher{Cgroups: cg}})
	fn := goFunction("hog", nil)
	fn.Timeout = 10 * time.Second
	res := invoke(t, s, fn, `{"action":"alloc","n":20}`)
	if res.FunctionError {
		t.Fatalf("20 MB under a 128 MB limit failed: %s", res.Payload)
	}
	if res.MaxMemoryMB < 20 || res.MaxMemoryMB > 128 {
		t.Fatalf("Max Memory Used %d MB", res.MaxMemoryMB)
	}
	res = invoke(t, s, fn, `{"action":"alloc","n":300}`)
	if res.ErrorType != ErrTypeExit || !strings.Contains(string(res.Payload), "signal: killed") {
		t.Fatalf("300 MB under a 128 MB limit: %+v %s", res, res.Payload)
	}
}

func TestForkBombIsContained(t *testing.T) {
	t.Parallel()
	cg, err := DetectCgroups()
	if err != nil {
		t.Skipf("cgroups unavailable: %v", err)
	}
	if m, ok := cg.(*v1Manager); ok && m.pidsBase == "" {
		t.Skip("no pids cgroup on this host")
	}
	s := newSup(t, Options{Launcher: &LocalLauncher{Cgroups: cg}})
	fn := goFunction("bomb", nil)
	// A shell bootstrap that tries to start far more processes than the
	// limit allows, reporting progress every hundred.
	fn.TaskRoot = writeScript(t, `n=0
while [ $n -lt 3000 ]; do sleep 30 & n=$((n+1)); [ $((n % 100)) -eq 0 ] && echo "started $n"; done
echo "started all $n"
`)
	fn.Timeout = 20 * time.Second
	fn.MemoryMB = 4096 // so that the process limit, not memory, stops it
	res := invoke(t, s, fn, `{}`)
	tail := string(res.LogTail)
	if !res.FunctionError || strings.Contains(tail, "started all") || !strings.Contains(tail, "Cannot fork") {
		t.Fatalf("the bomb was not stopped by the process limit: %s\n%s", res.Payload, tail)
	}
	if strings.Contains(tail, fmt.Sprintf("started %d\n", (MaxProcesses/100+1)*100)) {
		t.Fatalf("more than %d processes started:\n%s", MaxProcesses, tail)
	}
}

func TestEnvironmentLimits(t *testing.T) {
	t.Parallel()
	s := newSup(t, Options{})
	fn := goFunction("limits", nil)
	fn.TaskRoot = writeScript(t, `echo "nofile $(ulimit -n) core $(ulimit -c)"; exit 1`+"\n")
	res := invoke(t, s, fn, `{}`)
	if !strings.Contains(string(res.LogTail), "nofile 1024 core 0") {
		t.Fatalf("limits inside the environment:\n%s", res.LogTail)
	}
}

func TestCloseKillsBusyEnvironments(t *testing.T) {
	t.Parallel()
	s, err := New(Options{RuntimeDir: t.TempDir(), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	fn := goFunction("busy-at-close", nil)
	fn.Timeout = 30 * time.Second
	res := make(chan Result, 1)
	go func() {
		r, _ := s.Invoke(context.Background(), fn, &Invocation{RequestID: "x", Payload: []byte(`{"action":"fork"}`)})
		res <- r
	}()
	first := <-res
	var child int
	json.Unmarshal(first.Payload, &child)
	go func() {
		r, _ := s.Invoke(context.Background(), fn, &Invocation{RequestID: "y", Payload: []byte(`{"action":"sleep","n":20000}`)})
		res <- r
	}()
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	s.Close(ctx)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Close took %v", took)
	}
	if r := <-res; !r.FunctionError {
		t.Fatalf("the invocation cut off by Close reported success: %s", r.Payload)
	}
	if child <= 0 {
		t.Fatalf("fork: %s", first.Payload)
	}
	// SIGKILL has been sent; the child may take a moment to be gone.
	deadline := time.Now().Add(2 * time.Second)
	for syscall.Kill(child, 0) == nil {
		if st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child)); bytes.Contains(st, []byte(") Z")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d of a busy environment outlived Close", child)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
