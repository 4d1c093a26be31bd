//go:build unix

package bootstraps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// waitLimit bounds every wait on the runtime; generous because a loaded CI machine can take
// seconds to start an interpreter.
const waitLimit = 20 * time.Second

const testARN = "arn:aws:lambda:us-east-1:123456789012:function:test-fn"

// event is one invocation handed out by the fake Runtime API.
type event struct {
	id       string
	body     string
	deadline time.Time
	headers  map[string]string // added to (or overriding) the defaults on the `next` reply
}

// post is one thing the runtime posted back.
type post struct {
	kind        string // "response", "error" or "init"
	id          string
	body        []byte
	contentType string
	errorType   string        // Lambda-Runtime-Function-Error-Type header
	elapsed     time.Duration // since the event was handed out
}

// fakeRuntimeAPI implements the four runtime endpoints of the Lambda Runtime API.
type fakeRuntimeAPI struct {
	srv    *httptest.Server
	events chan event
	posts  chan post
	stop   chan struct{}

	mu        sync.Mutex
	handedOut map[string]time.Time
}

func newFakeRuntimeAPI(tb testing.TB) *fakeRuntimeAPI {
	f := &fakeRuntimeAPI{
		events:    make(chan event, 16),
		posts:     make(chan post, 64),
		stop:      make(chan struct{}),
		handedOut: map[string]time.Time{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", f.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", f.record("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", f.record("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", f.record("init"))
	f.srv = httptest.NewServer(mux) // listens on 127.0.0.1
	tb.Cleanup(func() {
		close(f.stop)
		f.srv.Close()
	})
	return f
}

func (f *fakeRuntimeAPI) next(w http.ResponseWriter, r *http.Request) {
	select {
	case ev := <-f.events:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", ev.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(ev.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", testARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		for k, v := range ev.headers {
			h.Set(k, v)
		}
		f.mu.Lock()
		f.handedOut[ev.id] = time.Now()
		f.mu.Unlock()
		io.WriteString(w, ev.body)
	case <-r.Context().Done():
	case <-f.stop:
	}
}

func (f *fakeRuntimeAPI) record(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.PathValue("id")
		f.mu.Lock()
		start := f.handedOut[id]
		f.mu.Unlock()
		// Recorded before replying, so a runtime that exits right after its post never races it.
		f.posts <- post{
			kind:        kind,
			id:          id,
			body:        body,
			contentType: r.Header.Get("Content-Type"),
			errorType:   r.Header.Get("Lambda-Runtime-Function-Error-Type"),
			elapsed:     time.Since(start),
		}
		w.WriteHeader(http.StatusAccepted)
	}
}

// lockedBuffer collects the runtime's stdout and stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runtimeProc is one bootstrap process talking to its own fake Runtime API.
type runtimeProc struct {
	api    *fakeRuntimeAPI
	out    *lockedBuffer
	done   chan struct{}
	state  *os.ProcessState // valid once done is closed
	nextID atomic.Int64
}

func missingTool(tb testing.TB, name string, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s is required when CI is set: %v", name, err)
	}
	tb.Skipf("%s not available, skipping: %v", name, err)
}

// realPython resolves python3 to the interpreter's own path once: a pyenv shim on PATH costs
// hundreds of milliseconds per start.
var realPython = sync.OnceValues(func() (string, error) {
	shim, err := exec.LookPath("python3")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(shim, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", shim, err)
	}
	return strings.TrimSpace(string(out)), nil
})

// startRuntime writes files into a fresh task root and starts the bootstrap for lang ("node" or
// "python") on them with the Lambda environment. extraEnv entries are KEY=VALUE.
func startRuntime(tb testing.TB, lang string, files map[string]string, handler string, extraEnv ...string) *runtimeProc {
	tb.Helper()
	var bin, script string
	var args []string
	var err error
	runtimeDir := tb.TempDir()
	switch lang {
	case "node":
		if bin, err = exec.LookPath("node"); err != nil {
			missingTool(tb, "node", err)
		}
		script = filepath.Join(runtimeDir, "node.mjs")
		err = os.WriteFile(script, Node, 0o644)
		args = []string{script}
	case "python":
		if bin, err = realPython(); err != nil {
			missingTool(tb, "python3", err)
		}
		script = filepath.Join(runtimeDir, "python.py")
		err = os.WriteFile(script, Python, 0o644)
		args = []string{"-S", script}
	default:
		tb.Fatalf("unknown runtime %q", lang)
	}
	if err != nil {
		tb.Fatal(err)
	}

	taskRoot := tb.TempDir()
	for name, content := range files {
		path := filepath.Join(taskRoot, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}

	api := newFakeRuntimeAPI(tb)
	p := &runtimeProc{api: api, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Dir = taskRoot
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"TZ=UTC",
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(api.srv.URL, "http://"),
		"_HANDLER=" + handler,
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"LAMBDA_RUNTIME_DIR=" + runtimeDir,
		"AWS_LAMBDA_FUNCTION_NAME=test-fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/test-fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/01/01/[$LATEST]0123456789abcdef",
		"AWS_REGION=us-east-1",
	}, extraEnv...)
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		cmd.Wait()
		p.state = cmd.ProcessState
		close(p.done)
	}()
	tb.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if tb.Failed() || testing.Verbose() {
			tb.Logf("runtime output:\n%s", p.out.String())
		}
	})
	return p
}

type eventOption func(*event)

func withHeader(k, v string) eventOption {
	return func(e *event) { e.headers[k] = v }
}

func withDeadline(d time.Time) eventOption {
	return func(e *event) { e.deadline = d }
}

// invoke hands out one event and returns what the runtime posted for it.
func (p *runtimeProc) invoke(tb testing.TB, body string, opts ...eventOption) post {
	tb.Helper()
	ev := event{
		id:       fmt.Sprintf("8f1c9a2e-0000-4000-8000-%012d", p.nextID.Add(1)),
		body:     body,
		deadline: time.Now().Add(time.Minute),
		headers:  map[string]string{},
	}
	for _, o := range opts {
		o(&ev)
	}
	p.api.events <- ev
	got := p.waitPost(tb)
	if got.kind == "init" || got.id != ev.id {
		tb.Fatalf("want a post for invoke %s, got %s for %q: %s", ev.id, got.kind, got.id, got.body)
	}
	return got
}

func (p *runtimeProc) waitPost(tb testing.TB) post {
	tb.Helper()
	select {
	case got := <-p.api.posts:
		return got
	case <-p.done:
		select {
		case got := <-p.api.posts:
			return got
		default:
		}
		tb.Fatalf("runtime exited (%v) without posting", p.state)
	case <-time.After(waitLimit):
		tb.Fatalf("runtime posted nothing within %v", waitLimit)
	}
	return post{}
}

func (p *runtimeProc) waitExit(tb testing.TB) int {
	tb.Helper()
	select {
	case <-p.done:
		return p.state.ExitCode()
	case <-time.After(waitLimit):
		tb.Fatalf("runtime still running after %v", waitLimit)
		return 0
	}
}

// waitOutput waits for the runtime's output to match re: output travels through a pipe, so
// it can lag the post that followed it.
func (p *runtimeProc) waitOutput(tb testing.TB, re string) {
	tb.Helper()
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if rx.MatchString(p.out.String()) {
			return
		}
	}
	tb.Fatalf("runtime output does not match %q:\n%q", re, p.out.String())
}

// initError waits for the init error the runtime must post before exiting non-zero.
func (p *runtimeProc) initError(tb testing.TB) (post, errorBody) {
	tb.Helper()
	got := p.waitPost(tb)
	if got.kind != "init" {
		tb.Fatalf("want an init error, got %s: %s", got.kind, got.body)
	}
	if code := p.waitExit(tb); code == 0 {
		tb.Fatalf("runtime exited 0 after an init error")
	}
	return got, decodeError(tb, got)
}

type errorBody struct {
	ErrorType    string   `json:"errorType"`
	ErrorMessage string   `json:"errorMessage"`
	Trace        []string `json:"trace"`      // Node
	StackTrace   []string `json:"stackTrace"` // Python
	RequestID    *string  `json:"requestId"`  // Python
}

func decodeError(tb testing.TB, got post) errorBody {
	tb.Helper()
	if got.kind == "response" {
		tb.Fatalf("want an error, got response %s", got.body)
	}
	var e errorBody
	if err := json.Unmarshal(got.body, &e); err != nil {
		tb.Fatalf("error body %q: %v", got.body, err)
	}
	// The header repeats the type unless the type is not a valid header value.
	wantHeader := e.ErrorType
	if strings.ContainsFunc(wantHeader, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		wantHeader = ""
	}
	if got.errorType != wantHeader {
		tb.Errorf("Lambda-Runtime-Function-Error-Type = %q, body errorType = %q", got.errorType, e.ErrorType)
	}
	return e
}

// response checks got is a successful response and returns its body re-encoded compactly, so
// tests can compare it with a JSON literal.
func response(tb testing.TB, got post) string {
	tb.Helper()
	if got.kind != "response" || got.errorType != "" {
		tb.Fatalf("want a response, got %s (error type header %q): %s", got.kind, got.errorType, got.body)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, got.body); err != nil {
		tb.Fatalf("response %q is not JSON: %v", got.body, err)
	}
	return buf.String()
}

func wantResponse(tb testing.TB, got post, want string) {
	tb.Helper()
	if body := response(tb, got); body != want {
		tb.Errorf("response = %s, want %s", body, want)
	}
}

func wantError(tb testing.TB, got post, wantType, wantMessage string) errorBody {
	tb.Helper()
	e := decodeError(tb, got)
	if e.ErrorType != wantType || e.ErrorMessage != wantMessage {
		tb.Errorf("error = %s: %q, want %s: %q", e.ErrorType, e.ErrorMessage, wantType, wantMessage)
	}
	return e
}

// logTime matches the ISO-8601 UTC timestamps both runtimes put on log records.
const logTime = `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`

func TestNode(t *testing.T) {
	t.Parallel()

	t.Run("cjs async handler", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async (event, context) => ({ echo: event, id: context.awsRequestId });`,
		}, "index.handler")
		got := p.invoke(t, `{"a":[1,"x"]}`)
		wantResponse(t, got, fmt.Sprintf(`{"echo":{"a":[1,"x"]},"id":%q}`, got.id))
		if got.contentType != "application/json" {
			t.Errorf("Content-Type = %q", got.contentType)
		}
	})

	// One handler covers both event-loop modes and warm reuse after a callback-style invoke.
	callbackHandler := `
let n = 0;
exports.handler = (event, context, callback) => {
  n++;
  if (event.timer) setTimeout(() => {}, event.timer);
  if (event.noWait) context.callbackWaitsForEmptyEventLoop = false;
  callback(null, { n, pid: process.pid });
};`

	t.Run("callback waits for empty event loop", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{"index.js": callbackHandler}, "index.handler")
		var first, second struct{ N, Pid int }
		got := p.invoke(t, `{"timer":300}`)
		if err := json.Unmarshal([]byte(response(t, got)), &first); err != nil {
			t.Fatal(err)
		}
		if got.elapsed < 300*time.Millisecond {
			t.Errorf("response after %v, before the pending 300 ms timer fired", got.elapsed)
		}
		got = p.invoke(t, `{}`)
		if err := json.Unmarshal([]byte(response(t, got)), &second); err != nil {
			t.Fatal(err)
		}
		if first.N != 1 || second.N != 2 || first.Pid != second.Pid {
			t.Errorf("invokes = %+v then %+v, want n=1 then n=2 in one process", first, second)
		}
	})

	t.Run("callback without waiting for event loop", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{"index.js": callbackHandler}, "index.handler")
		got := p.invoke(t, `{"timer":5000,"noWait":true}`)
		response(t, got)
		if got.elapsed > 2*time.Second {
			t.Errorf("response after %v, want it before the pending 5 s timer", got.elapsed)
		}
	})

	t.Run("context.succeed responds at once", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event, context) => { setTimeout(() => {}, 5000); context.succeed({ s: event.v }); context.succeed('second call ignored'); };`,
		}, "index.handler")
		got := p.invoke(t, `{"v":7}`)
		wantResponse(t, got, `{"s":7}`)
		if got.elapsed > 2*time.Second {
			t.Errorf("response after %v, want it before the pending 5 s timer", got.elapsed)
		}
	})

	t.Run("context.fail", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event, context) => { context.fail(new Error('bad thing')); };`,
		}, "index.handler")
		e := wantError(t, p.invoke(t, `{}`), "Error", "bad thing")
		if len(e.Trace) == 0 || e.Trace[0] != "Error: bad thing" {
			t.Errorf("trace = %q", e.Trace)
		}
	})

	t.Run("context.done", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event, context) => { event.fail ? context.done(new RangeError('out of range'), 'ignored') : context.done(null, { d: 1 }); };`,
		}, "index.handler")
		wantError(t, p.invoke(t, `{"fail":true}`), "RangeError", "out of range")
		wantResponse(t, p.invoke(t, `{}`), `{"d":1}`)
	})

	t.Run("nested handler path", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"lib/mod.js": `module.exports = { a: { b: { handler: async (event) => ({ nested: event.x }) } } };`,
		}, "lib/mod.a.b.handler")
		wantResponse(t, p.invoke(t, `{"x":"deep"}`), `{"nested":"deep"}`)
	})

	t.Run("esm mjs", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.mjs": `export const handler = async (event) => ({ esm: 'mjs', v: event.v });`,
		}, "index.handler")
		wantResponse(t, p.invoke(t, `{"v":1}`), `{"esm":"mjs","v":1}`)
	})

	t.Run("esm js with package type module", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"package.json": `{"type":"module"}`,
			"index.js":     `export const handler = async (event) => ({ esm: typeof require, v: event.v });`,
		}, "index.handler")
		wantResponse(t, p.invoke(t, `{"v":2}`), `{"esm":"undefined","v":2}`)
	})

	t.Run("esm dispatch on event_type", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"app.mjs": `
const routes = {
  created: (e) => ({ action: 'create', id: e.id }),
  deleted: (e) => ({ action: 'delete', id: e.id }),
};
export const handler = async (event) => {
  const route = routes[event.event_type];
  if (!route) throw new Error('unknown event_type ' + event.event_type);
  return route(event);
};`,
		}, "app.handler")
		wantResponse(t, p.invoke(t, `{"event_type":"created","id":1}`), `{"action":"create","id":1}`)
		wantResponse(t, p.invoke(t, `{"event_type":"deleted","id":2}`), `{"action":"delete","id":2}`)
		wantError(t, p.invoke(t, `{"event_type":"moved"}`), "Error", "unknown event_type moved")
		wantResponse(t, p.invoke(t, `{"event_type":"created","id":3}`), `{"action":"create","id":3}`)
	})

	t.Run("thrown TypeError", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event) => { throw new TypeError('bad input'); };`,
		}, "index.handler")
		got := p.invoke(t, `{}`)
		e := wantError(t, got, "TypeError", "bad input")
		if len(e.Trace) < 2 || e.Trace[0] != "TypeError: bad input" || !strings.Contains(e.Trace[1], "index.js") {
			t.Errorf("trace = %q, want the stack split into lines", e.Trace)
		}
		p.waitOutput(t, `(?m)^`+logTime+`\t`+got.id+`\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"bad input"`)
	})

	t.Run("error name that is no header value", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `class Ärger extends Error { get name() { return 'Ärger\nzwei'; } }
exports.handler = async () => { throw new Ärger('kaputt'); };`,
		}, "index.handler")
		wantError(t, p.invoke(t, `{}`), "Ärger\nzwei", "kaputt")
		wantError(t, p.invoke(t, `{}`), "Ärger\nzwei", "kaputt")
	})

	t.Run("missing module", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{"other.js": ``}, "nope.handler")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.ImportModuleError" || !strings.HasPrefix(e.ErrorMessage, "Error: Cannot find module 'nope'") {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("missing export", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async () => 1;`,
		}, "index.nope")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.HandlerNotFound" || e.ErrorMessage != "index.nope is undefined or not exported" {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("export is not a function", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = 42;`,
		}, "index.handler")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.HandlerNotFound" || e.ErrorMessage != "index.handler is not a function" {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("syntax error", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async (event) => { return {; };`,
		}, "index.handler")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.UserCodeSyntaxError" || !strings.HasPrefix(e.ErrorMessage, "SyntaxError: ") {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("malformed handler name", func(t *testing.T) {
		t.Parallel()
		for _, handler := range []string{"../index.handler", "index"} {
			p := startRuntime(t, "node", map[string]string{"index.js": `exports.handler = async () => 1;`}, handler)
			_, e := p.initError(t)
			if e.ErrorType != "Runtime.MalformedHandlerName" {
				t.Errorf("handler %q: init error = %s: %q", handler, e.ErrorType, e.ErrorMessage)
			}
		}
	})

	t.Run("getRemainingTimeInMillis", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async (event, context) => context.getRemainingTimeInMillis();`,
		}, "index.handler")
		ms, err := strconv.Atoi(response(t, p.invoke(t, `{}`, withDeadline(time.Now().Add(60*time.Second)))))
		if err != nil || ms > 60000 || ms < 50000 {
			t.Errorf("remaining = %d ms (%v), want just under 60000", ms, err)
		}
	})

	t.Run("context fields", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async (event, context) => ({
  clientContext: context.clientContext, identity: context.identity,
  functionName: context.functionName, functionVersion: context.functionVersion,
  memoryLimitInMB: context.memoryLimitInMB, logGroupName: context.logGroupName,
  logStreamName: context.logStreamName, invokedFunctionArn: context.invokedFunctionArn,
  waits: context.callbackWaitsForEmptyEventLoop, trace: process.env._X_AMZN_TRACE_ID,
});`,
		}, "index.handler")
		got := p.invoke(t, `{}`,
			withHeader("Lambda-Runtime-Client-Context", `{"client":{"installation_id":"inst-1"},"custom":{"k":"v"},"env":{"locale":"en"}}`),
			withHeader("Lambda-Runtime-Cognito-Identity", `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`),
			withHeader("Lambda-Runtime-Trace-Id", "Root=1-abc;Parent=def;Sampled=1"))
		wantResponse(t, got, `{"clientContext":{"client":{"installation_id":"inst-1"},"custom":{"k":"v"},"env":{"locale":"en"}},`+
			`"identity":{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"},`+
			`"functionName":"test-fn","functionVersion":"$LATEST","memoryLimitInMB":"256",`+
			`"logGroupName":"/aws/lambda/test-fn","logStreamName":"2026/01/01/[$LATEST]0123456789abcdef",`+
			`"invokedFunctionArn":"`+testARN+`","waits":true,"trace":"Root=1-abc;Parent=def;Sampled=1"}`)
	})

	t.Run("console log format", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `console.info('at init');
exports.handler = async () => { console.log('hello %s', 'world', { a: 1 }); console.error('two\nlines'); return 'ok'; };`,
		}, "index.handler")
		got := p.invoke(t, `{}`)
		wantResponse(t, got, `"ok"`)
		p.waitOutput(t, `(?m)^`+logTime+`\tundefined\tINFO\tat init\n`)
		p.waitOutput(t, `(?m)^`+logTime+`\t`+got.id+`\tINFO\thello world \{ a: 1 \}\n`)
		p.waitOutput(t, `(?m)^`+logTime+`\t`+got.id+`\tERROR\ttwo\rlines\n`)
	})

	t.Run("async handler that never settles", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async () => { await new Promise(() => {}); };`,
		}, "index.handler")
		e := decodeError(t, p.invoke(t, `{}`))
		if e.ErrorType != "Runtime.NodeJsExit" {
			t.Errorf("error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
		// The process stays usable: the next invoke is served by it.
		if e := decodeError(t, p.invoke(t, `{}`)); e.ErrorType != "Runtime.NodeJsExit" {
			t.Errorf("second invoke: error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("sync handler without result", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event) => { setTimeout(() => {}, 200); return 'ignored'; };`,
		}, "index.handler")
		got := p.invoke(t, `{}`)
		wantResponse(t, got, `null`)
		if got.elapsed < 200*time.Millisecond {
			t.Errorf("response after %v, before the event loop drained", got.elapsed)
		}
	})

	t.Run("unhandled rejection", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = async () => { Promise.reject(new Error('lost')); await new Promise((r) => setTimeout(r, 2000)); return 'late'; };`,
		}, "index.handler")
		wantError(t, p.invoke(t, `{}`), "Runtime.UnhandledPromiseRejection", "Error: lost")
		if code := p.waitExit(t); code != 128 {
			t.Errorf("exit code = %d, want 128", code)
		}
	})

	t.Run("uncaught exception", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event, context, callback) => { setTimeout(() => { throw new Error('boom'); }, 10); };`,
		}, "index.handler")
		wantError(t, p.invoke(t, `{}`), "Error", "boom")
		if code := p.waitExit(t); code != 129 {
			t.Errorf("exit code = %d, want 129", code)
		}
	})

	// The exception fires while the runtime long-polls `next` on its only kept-alive socket.
	t.Run("uncaught exception between invokes", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "node", map[string]string{
			"index.js": `exports.handler = (event, context) => { setTimeout(() => { throw new Error('late boom'); }, 100); context.succeed('done'); };`,
		}, "index.handler")
		first := p.invoke(t, `{}`)
		wantResponse(t, first, `"done"`)
		late := p.waitPost(t)
		if late.id != first.id {
			t.Errorf("late error posted for %q, want the last invoke %q", late.id, first.id)
		}
		wantError(t, late, "Error", "late boom")
		if code := p.waitExit(t); code != 129 {
			t.Errorf("exit code = %d, want 129", code)
		}
	})
}

func TestPython(t *testing.T) {
	t.Parallel()

	t.Run("returns dict", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "def handler(event, context):\n    return {'echo': event, 'id': context.aws_request_id}\n",
		}, "app.handler")
		got := p.invoke(t, `{"a":[1,"x"]}`)
		wantResponse(t, got, fmt.Sprintf(`{"echo":{"a":[1,"x"]},"id":%q}`, got.id))
		if got.contentType != "application/json" {
			t.Errorf("Content-Type = %q", got.contentType)
		}
	})

	t.Run("raises ValueError", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "def handler(event, context):\n    raise ValueError('nope')\n",
		}, "app.handler")
		got := p.invoke(t, `{}`)
		e := wantError(t, got, "ValueError", "nope")
		if e.RequestID == nil || *e.RequestID != got.id {
			t.Errorf("requestId = %v, want %s", e.RequestID, got.id)
		}
		if len(e.StackTrace) != 1 || !strings.Contains(e.StackTrace[0], "app.py") || !strings.Contains(e.StackTrace[0], "raise ValueError('nope')") {
			t.Errorf("stackTrace = %q, want only the handler's frame", e.StackTrace)
		}
		p.waitOutput(t, `(?m)^\[ERROR\] ValueError: nope\rTraceback \(most recent call last\):\r\x{a0}\x{a0}File `)
	})

	t.Run("exception name that is no header value", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "class Ärger(Exception):\n    pass\ndef handler(event, context):\n    raise Ärger('kaputt')\n",
		}, "app.handler")
		wantError(t, p.invoke(t, `{}`), "Ärger", "kaputt")
		wantError(t, p.invoke(t, `{}`), "Ärger", "kaputt")
	})

	t.Run("missing module", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{"other.py": ""}, "nope.handler")
		got, e := p.initError(t)
		if e.ErrorType != "Runtime.ImportModuleError" || e.ErrorMessage != "Unable to import module 'nope': No module named 'nope'" {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
		if e.RequestID == nil || *e.RequestID != "" || e.StackTrace == nil {
			t.Errorf("init error body = %s, want requestId \"\" and a stackTrace list", got.body)
		}
	})

	t.Run("missing function", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{"app.py": "x = 1\n"}, "app.nope")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.HandlerNotFound" || e.ErrorMessage != "Handler 'nope' missing on module 'app'" {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("syntax error", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{"app.py": "def handler(event, context)\n    return 1\n"}, "app.handler")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.UserCodeSyntaxError" || !strings.HasPrefix(e.ErrorMessage, "Syntax error in module 'app': ") {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("malformed handler name", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{"app.py": ""}, "app")
		_, e := p.initError(t)
		if e.ErrorType != "Runtime.MalformedHandlerName" {
			t.Errorf("init error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("non-serializable result", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "def handler(event, context):\n    return {'x': object()}\n",
		}, "app.handler")
		wantError(t, p.invoke(t, `{}`), "Runtime.MarshalError", "Unable to marshal response: Object of type object is not JSON serializable")
	})

	t.Run("event is not JSON", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "def handler(event, context):\n    return event\n",
		}, "app.handler")
		e := decodeError(t, p.invoke(t, `not json`))
		if e.ErrorType != "Runtime.UnmarshalError" || !strings.HasPrefix(e.ErrorMessage, "Unable to unmarshal input: ") {
			t.Errorf("error = %s: %q", e.ErrorType, e.ErrorMessage)
		}
	})

	t.Run("decimal result", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "from decimal import Decimal\ndef handler(event, context):\n    return {'f': Decimal('1.5'), 'i': Decimal('10')}\n",
		}, "app.handler")
		wantResponse(t, p.invoke(t, `{}`), `{"f":1.5,"i":10}`)
	})

	t.Run("nested module path", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"pkg/sub/mod.py": "def handler(event, context):\n    return {'module': __name__}\n",
		}, "pkg/sub/mod.handler")
		wantResponse(t, p.invoke(t, `{}`), `{"module":"pkg.sub.mod"}`)
	})

	t.Run("context fields", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": `import os
def handler(event, context):
    cc = context.client_context
    return {
        'function_name': context.function_name, 'function_version': context.function_version,
        'memory_limit_in_mb': context.memory_limit_in_mb, 'log_group_name': context.log_group_name,
        'log_stream_name': context.log_stream_name, 'invoked_function_arn': context.invoked_function_arn,
        'identity': [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        'client_context': [cc.custom, cc.env, cc.client.installation_id],
        'remaining_ok': 50000 < context.get_remaining_time_in_millis() <= 60000,
        'trace': os.environ.get('_X_AMZN_TRACE_ID'),
    }
`,
		}, "app.handler")
		got := p.invoke(t, `{}`,
			withDeadline(time.Now().Add(60*time.Second)),
			withHeader("Lambda-Runtime-Client-Context", `{"client":{"installation_id":"inst-1"},"custom":{"k":"v"},"env":{"locale":"en"}}`),
			withHeader("Lambda-Runtime-Cognito-Identity", `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`),
			withHeader("Lambda-Runtime-Trace-Id", "Root=1-abc;Parent=def;Sampled=1"))
		wantResponse(t, got, `{"function_name":"test-fn","function_version":"$LATEST","memory_limit_in_mb":"256",`+
			`"log_group_name":"/aws/lambda/test-fn","log_stream_name":"2026/01/01/[$LATEST]0123456789abcdef",`+
			`"invoked_function_arn":"`+testARN+`","identity":["id-1","pool-1"],`+
			`"client_context":[{"k":"v"},{"locale":"en"},"inst-1"],"remaining_ok":true,"trace":"Root=1-abc;Parent=def;Sampled=1"}`)
	})

	t.Run("sequential invokes in one process", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "import os\nn = 0\ndef handler(event, context):\n    global n\n    n += 1\n    if event.get('fail'):\n        raise RuntimeError('x')\n    return [n, os.getpid()]\n",
		}, "app.handler")
		var pid int
		for i, body := range []string{`{}`, `{"fail":true}`, `{}`, `{}`} {
			got := p.invoke(t, body)
			if strings.Contains(body, "fail") {
				wantError(t, got, "RuntimeError", "x")
				continue
			}
			var r [2]int
			if err := json.Unmarshal([]byte(response(t, got)), &r); err != nil {
				t.Fatal(err)
			}
			if pid == 0 {
				pid = r[1]
			}
			if r[0] != i+1 || r[1] != pid {
				t.Errorf("invoke %d = %v, want count %d in process %d", i, r, i+1, pid)
			}
		}
	})

	t.Run("logging format", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": `import logging
logger = logging.getLogger()
def handler(event, context):
    logger.warning('warn %s', 'x')
    logger.info('hidden at the default level')
    print('printed')
    context.log('via context\n')
    return 'ok'
`,
		}, "app.handler")
		got := p.invoke(t, `{}`)
		wantResponse(t, got, `"ok"`)
		p.waitOutput(t, `(?m)^\[WARNING\]\t`+logTime+`\t`+got.id+`\twarn x\n`)
		p.waitOutput(t, `(?m)^printed\n`)
		p.waitOutput(t, `(?m)^via context\n`)
		if strings.Contains(p.out.String(), "hidden") {
			t.Errorf("INFO record logged although the root level is WARNING")
		}
	})

	t.Run("log level from env", func(t *testing.T) {
		t.Parallel()
		p := startRuntime(t, "python", map[string]string{
			"app.py": "import logging\ndef handler(event, context):\n    logging.getLogger('x').debug('two\\nlines')\n    return 1\n",
		}, "app.handler", "AWS_LAMBDA_LOG_LEVEL=TRACE")
		got := p.invoke(t, `{}`)
		wantResponse(t, got, `1`)
		p.waitOutput(t, `(?m)^\[DEBUG\]\t`+logTime+`\t`+got.id+`\ttwo\rlines\n`)
	})

	t.Run("exit from handler", func(t *testing.T) {
		t.Parallel()
		// exit() is a builtin that `site` normally provides; the bootstrap runs with -S.
		p := startRuntime(t, "python", map[string]string{
			"app.py": "def handler(event, context):\n    print('bye')\n    exit(event['code'])\n",
		}, "app.handler")
		p.api.events <- event{id: "exit-1", body: `{"code":4}`, deadline: time.Now().Add(time.Minute)}
		if code := p.waitExit(t); code != 4 {
			t.Errorf("exit code = %d, want 4", code)
		}
		p.waitOutput(t, `(?m)^bye\n`)
	})
}

// BenchmarkWarmInvoke measures one warm invoke round trip through the fake Runtime API:
// handing out the event, the trivial handler, and the posted response.
func BenchmarkWarmInvoke(b *testing.B) {
	for _, c := range []struct{ lang, file, code string }{
		{"node", "index.js", `exports.handler = async (event) => event;`},
		{"python", "index.py", "def handler(event, context):\n    return event\n"},
	} {
		b.Run(c.lang, func(b *testing.B) {
			p := startRuntime(b, c.lang, map[string]string{c.file: c.code}, "index.handler")
			p.invoke(b, `{}`)
			for b.Loop() {
				p.invoke(b, `{"k":"v"}`)
			}
		})
	}
}
