package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// hostileServer is a server shared by hostile subtests, with a canary
// function that must keep working whatever the others do.
type hostileServer struct {
	*server
	c      *lambda.Client
	canary string
}

func newHostileServer(t *testing.T, flags ...string) *hostileServer {
	s := startServer(t, flags...)
	h := &hostileServer{server: s, c: s.lambda(), canary: uniqueName("canary")}
	createGoFn(t, h.c, h.canary)
	return h
}

// stillHealthy asserts that the server answers its health check and runs
// a normal invocation.
func (h *hostileServer) stillHealthy(t *testing.T) {
	t.Helper()
	if !h.healthy() {
		t.Fatalf("server unhealthy afterwards; log:\n%s", h.log())
	}
	out, err := tryInvoke(h.c, h.canary, `{"action":"echo","text":"canary"}`)
	if err != nil {
		t.Fatalf("canary invoke afterwards: %v", err)
	}
	var res struct{ Text string }
	json.Unmarshal(wantOK(t, out), &res)
	if res.Text != "canary" {
		t.Fatalf("canary invoke afterwards returned %s", out.Payload)
	}
}

// memoryLimitsEnforced reports whether the server found a memory cgroup.
func (h *hostileServer) memoryLimitsEnforced() bool {
	return !strings.Contains(h.log(), "memory limits are not enforced")
}

// TestHostileControlPlane feeds CreateFunction and Invoke requests that a
// careless or malicious client sends, and checks the exact AWS errors.
func TestHostileControlPlane(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t)

	t.Run("create", func(t *testing.T) {
		node := makeZip(t, zfile{Name: "index.js", Body: "exports.handler = async () => 1;"})
		// 251 MiB of zeros deflates to a few hundred KB.
		bomb := makeZip(t, zfile{Name: "index.js", Body: "exports.handler = async () => 1;"}, zfile{Name: "zeros.bin", Body: strings.Repeat("\x00", 251<<20)})
		cases := []struct {
			name    string
			runtime string
			zip     []byte
			code    string
			status  int
			mod     func(*lambda.CreateFunctionInput)
		}{
			{"missing-zip", "provided.al2023", nil, "InvalidParameterValueException", 400, nil},
			{"not-a-zip", "provided.al2023", []byte("#!/bin/sh\necho this is a script, not a zip\n"), "InvalidParameterValueException", 400, nil},
			{"truncated-zip", "provided.al2023", gofnZip[:len(gofnZip)/2], "InvalidParameterValueException", 400, nil},
			{"dotdot-path", "provided.al2023", makeZip(t, zfile{Name: "bootstrap", Body: "#!/bin/sh\n", Mode: 0o755}, zfile{Name: "../../escaped", Body: "x"}), "InvalidParameterValueException", 400, nil},
			{"nested-dotdot-path", "provided.al2023", makeZip(t, zfile{Name: "lib/../../../etc/cron.d/x", Body: "x"}), "InvalidParameterValueException", 400, nil},
			{"absolute-path", "provided.al2023", makeZip(t, zfile{Name: "/tmp/gatehouse-e2e-escaped", Body: "x"}), "InvalidParameterValueException", 400, nil},
			{"backslash-dotdot-path", "provided.al2023", makeZip(t, zfile{Name: "..\\..\\escaped", Body: "x"}), "InvalidParameterValueException", 400, nil},
			{"unzipped-over-250MB", "nodejs20.x", bomb, "InvalidParameterValueException", 400, nil},
			{"unknown-runtime", "nodejs99.x", node, "ValidationException", 400, nil},
			{"known-but-unsupported-runtime", "java21", node, "InvalidParameterValueException", 400, nil},
			{"reserved-env-var", "nodejs20.x", node, "InvalidParameterValueException", 400, withEnv("AWS_REGION", "mars-1")},
			{"env-over-4KB", "nodejs20.x", node, "InvalidParameterValueException", 400, withEnv("BIG", strings.Repeat("v", 5000))},
			{"timeout-0", "nodejs20.x", node, "ValidationException", 400, withTimeout(0)},
			{"timeout-901", "nodejs20.x", node, "InvalidParameterValueException", 400, withTimeout(901)},
			{"memory-64", "nodejs20.x", node, "ValidationException", 400, withMemory(64)},
			{"bad-role", "nodejs20.x", node, "ValidationException", 400, func(in *lambda.CreateFunctionInput) { in.Role = aws.String("admin") }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				name := uniqueName("bad")
				in := &lambda.CreateFunctionInput{
					FunctionName: aws.String(name), Runtime: types.Runtime(tc.runtime), Handler: aws.String("index.handler"),
					Role: aws.String(role), Code: &types.FunctionCode{ZipFile: tc.zip},
				}
				if tc.mod != nil {
					tc.mod(in)
				}
				_, err := h.c.CreateFunction(ctxT(t, time.Minute), in)
				if errorCode(err) != tc.code || httpStatus(err) != tc.status {
					t.Errorf("CreateFunction: %v (code %q, HTTP %d), want %s (%d)", err, errorCode(err), httpStatus(err), tc.code, tc.status)
				}
				_, err = h.c.GetFunction(ctxT(t, time.Minute), &lambda.GetFunctionInput{FunctionName: aws.String(name)})
				if errorCode(err) != "ResourceNotFoundException" {
					t.Errorf("GetFunction after a rejected create: %v, want ResourceNotFoundException", err)
				}
				if _, err := os.Stat("/tmp/gatehouse-e2e-escaped"); err == nil {
					t.Errorf("an archive path escaped the task root: /tmp/gatehouse-e2e-escaped exists")
				}
				h.stillHealthy(t)
			})
		}
	})

	// Racing creates of one name: exactly one wins, the rest conflict.
	t.Run("concurrent-creates-same-name", func(t *testing.T) {
		name := uniqueName("race")
		const n = 10
		codes := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := h.c.CreateFunction(ctxT(t, time.Minute), &lambda.CreateFunctionInput{
					FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
					Role: aws.String(role), Code: &types.FunctionCode{ZipFile: gofnZip},
				})
				codes[i] = "ok"
				if err != nil {
					codes[i] = fmt.Sprintf("%s (HTTP %d)", errorCode(err), httpStatus(err))
				}
			}()
		}
		wg.Wait()
		counts := map[string]int{}
		for _, c := range codes {
			counts[c]++
		}
		if counts["ok"] != 1 || counts["ResourceConflictException (HTTP 409)"] != n-1 {
			t.Errorf("%d concurrent creates of one name: %v; want 1 ok and %d ResourceConflictException", n, counts, n-1)
		}
		wantOK(t, invoke(t, h.c, name, `{"action":"echo"}`))
		deleteFn(t, h.c, name)
		noLeftovers(t, name)
		h.stillHealthy(t)
	})

	t.Run("requests", func(t *testing.T) {
		path := "/2015-03-31/functions/" + h.canary + "/invocations"
		big := make([]byte, 6*1024*1024+16)
		for i := range big {
			big[i] = 'a'
		}
		big[0], big[len(big)-1] = '"', '"'
		// Exactly 6 MB is still allowed.
		pad := 6*1024*1024 - len(`{"action":"sleep","n":0,"pad":""}`)
		exact := []byte(`{"action":"sleep","n":0,"pad":"` + strings.Repeat("p", pad) + `"}`)
		asyncBig := []byte(`"` + strings.Repeat("b", 1024*1024) + `"`)
		id, secret := h.AccessKey, h.SecretKey
		event := http.Header{"X-Amz-Invocation-Type": {"Event"}}
		cases := []struct {
			name   string
			req    rawReq
			status int
			code   string
		}{
			{"payload-over-6MB", rawReq{Body: big, ID: id, Secret: secret}, 413, "RequestTooLargeException"},
			{"payload-exactly-6MB", rawReq{Body: exact, ID: id, Secret: secret}, 200, ""},
			{"event-payload-over-1MB", rawReq{Header: event, Body: asyncBig, ID: id, Secret: secret}, 413, "RequestTooLargeException"},
			{"malformed-json", rawReq{Body: []byte(`{"action": "echo",`), ID: id, Secret: secret}, 400, "InvalidRequestContentException"},
			{"malformed-json-event", rawReq{Header: event, Body: []byte(`[1, 2`), ID: id, Secret: secret}, 400, "InvalidRequestContentException"},
			{"not-json-at-all", rawReq{Body: []byte("\x00\x01binary"), ID: id, Secret: secret}, 400, "InvalidRequestContentException"},
			{"bad-invocation-type", rawReq{Header: http.Header{"X-Amz-Invocation-Type": {"Sometimes"}}, Body: []byte("{}"), ID: id, Secret: secret}, 400, "ValidationException"},
			{"unsigned", rawReq{Body: []byte("{}")}, 403, "MissingAuthenticationTokenException"},
			{"wrong-secret", rawReq{Body: []byte("{}"), ID: id, Secret: "not-the-secret-key-at-all-0000000000000"}, 403, "InvalidSignatureException"},
			{"unknown-key", rawReq{Body: []byte("{}"), ID: "AKIAE2EUNKNOWNKEY000", Secret: secret}, 403, "UnrecognizedClientException"},
			{"signed-20-minutes-ago", rawReq{Body: []byte("{}"), ID: id, Secret: secret, At: time.Now().Add(-20 * time.Minute)}, 403, "InvalidSignatureException"},
			{"signed-20-minutes-ahead", rawReq{Body: []byte("{}"), ID: id, Secret: secret, At: time.Now().Add(20 * time.Minute)}, 403, "InvalidSignatureException"},
			{"body-changed-after-signing", rawReq{Body: []byte(`{"action":"echo"}`), Send: []byte(`{"action":"exit"}`), ID: id, Secret: secret}, 403, "InvalidSignatureException"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.req.Path = path
				resp := h.do(t, tc.req)
				if resp.Status != tc.status || resp.ErrorType() != tc.code {
					t.Errorf("HTTP %d %q, want %d %q; body %.300s", resp.Status, resp.ErrorType(), tc.status, tc.code, resp.Body)
				}
				h.stillHealthy(t)
			})
		}
	})

	// The same errors through the Go SDK's typed errors.
	t.Run("sdk-errors", func(t *testing.T) {
		_, err := h.c.Invoke(ctxT(t, time.Minute), &lambda.InvokeInput{FunctionName: aws.String(h.canary), Payload: []byte("{nope")})
		var irc *types.InvalidRequestContentException
		if !errors.As(err, &irc) {
			t.Errorf("malformed payload: %v, want *types.InvalidRequestContentException", err)
		}
		big := []byte(`"` + strings.Repeat("z", 6*1024*1024) + `"`)
		_, err = h.c.Invoke(ctxT(t, time.Minute), &lambda.InvokeInput{FunctionName: aws.String(h.canary), Payload: big})
		var rtl *types.RequestTooLargeException
		if !errors.As(err, &rtl) || httpStatus(err) != 413 {
			t.Errorf("oversized payload: %v, want *types.RequestTooLargeException (413)", err)
		}
		_, err = h.lambdaWith(h.AccessKey, "wrong-secret").ListFunctions(ctxT(t, time.Minute), &lambda.ListFunctionsInput{})
		if errorCode(err) != "InvalidSignatureException" || httpStatus(err) != 403 {
			t.Errorf("wrong secret: %v, want InvalidSignatureException (403)", err)
		}
		_, err = h.c.GetFunction(ctxT(t, time.Minute), &lambda.GetFunctionInput{FunctionName: aws.String("no spaces allowed")})
		if errorCode(err) != "ValidationException" {
			t.Errorf("bad function name: %v, want ValidationException", err)
		}
		h.stillHealthy(t)
	})
}

// hostileFn is a function that misbehaves in one way.
type hostileFn struct {
	name             string
	runtime, handler string
	zip              []byte
	timeout, memory  int32
	event            string
	tool             string // interpreter the runtime needs
	// check inspects the first invocation's outcome.
	check func(t *testing.T, h *hostileServer, out *lambda.InvokeOutput, name string)
	// again, when set, is invoked afterwards on the same function and must
	// succeed: the failure did not break the function for good.
	again string
	// afterDelete runs once the function has been deleted.
	afterDelete func(t *testing.T)
	// needCgroup skips the case when the server has no memory cgroup
	// (and fails it under CI as root, where one must be available).
	needCgroup string
}

// requireCgroups skips (or, under CI as root, fails) a test that needs
// the server to run functions in memory cgroups.
func (h *hostileServer) requireCgroups(t *testing.T, why string) {
	t.Helper()
	if h.memoryLimitsEnforced() {
		return
	}
	if inCI() && os.Geteuid() == 0 {
		t.Fatalf("running as root under CI, yet the server says memory limits are not enforced (%s):\n%s", why, h.log())
	}
	t.Skipf("server log says memory limits are not enforced (no usable memory cgroup): %s", why)
}

// wantErrorType returns a check for a function error of errType whose
// message contains msg.
func wantErrorType(errType, msg string) func(*testing.T, *hostileServer, *lambda.InvokeOutput, string) {
	return func(t *testing.T, _ *hostileServer, out *lambda.InvokeOutput, _ string) {
		t.Helper()
		d := wantFnError(t, out)
		if d.ErrorType != errType || !strings.Contains(d.ErrorMessage, msg) {
			t.Errorf("function error %+v, want type %s with message containing %q", d, errType, msg)
		}
	}
}

// TestHostileFunctions runs functions that fail, hang, flood, fork and
// exhaust memory. Each must leave the server healthy and leave no process
// behind once the function is deleted.
func TestHostileFunctions(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t)
	nodeIndex := makeZip(t, zfile{Name: "index.js", Body: "exports.somethingElse = async () => 1;\n"})
	pyApp := makeZip(t, zfile{Name: "app.py", Body: "def other_handler(event, context):\n    return 1\n"})
	const timedOut = "Task timed out after 1.00 seconds"
	var forkedPid int

	cases := []hostileFn{
		{name: "node-handler-not-found", runtime: "nodejs20.x", handler: "index.handler", zip: nodeIndex, tool: "node",
			check: wantErrorType("Runtime.HandlerNotFound", "index.handler is undefined or not exported")},
		{name: "node-missing-module", runtime: "nodejs20.x", handler: "missing.handler", zip: nodeIndex, tool: "node",
			check: wantErrorType("Runtime.ImportModuleError", "missing")},
		{name: "python-handler-not-found", runtime: "python3.12", handler: "app.lambda_handler", zip: pyApp, tool: "python3",
			check: wantErrorType("Runtime.HandlerNotFound", "lambda_handler")},
		{name: "python-missing-module", runtime: "python3.12", handler: "missing.lambda_handler", zip: pyApp, tool: "python3",
			check: wantErrorType("Runtime.ImportModuleError", "missing")},
		{name: "provided-bootstrap-missing", runtime: "provided.al2023", handler: "bootstrap",
			zip:   makeZip(t, zfile{Name: "README.md", Body: "no bootstrap here"}),
			check: wantErrorType("Runtime.InvalidEntrypoint", "")},
		{name: "provided-bootstrap-not-executable", runtime: "provided.al2", handler: "bootstrap",
			zip:   makeZip(t, zfile{Name: "bootstrap", Body: unzipOne(t, gofnZip, "bootstrap"), Mode: 0o644}),
			check: wantErrorType("Runtime.InvalidEntrypoint", "")},
		{name: "os-exit", event: `{"action":"exit"}`, again: `{"action":"echo"}`,
			check: wantErrorType("Runtime.ExitError", "exit status 3")},
		// aws-lambda-go reports a panic as the function's error (errorType
		// is the panic value's type) before the process exits, as on Lambda.
		{name: "panic", event: `{"action":"panic"}`, again: `{"action":"echo"}`,
			check: func(t *testing.T, _ *hostileServer, out *lambda.InvokeOutput, _ string) {
				d := wantFnError(t, out)
				if d.ErrorMessage != "boom" {
					t.Errorf("panic reported as %+v, want errorMessage boom", d)
				}
				t.Logf("panic reported as %+v", d)
			}},
		{name: "hang", event: `{"action":"sleep","n":600000}`, timeout: 1, again: `{"action":"echo"}`,
			check: func(t *testing.T, _ *hostileServer, out *lambda.InvokeOutput, _ string) {
				d := wantFnError(t, out)
				if !strings.Contains(d.ErrorMessage, timedOut) {
					t.Errorf("hang reported as %+v, want a message containing %q", d, timedOut)
				}
				tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
				if !strings.Contains(string(tail), timedOut) || !strings.Contains(string(tail), "REPORT RequestId: ") {
					t.Errorf("log tail of a timed-out invoke lacks the timeout or REPORT line:\n%s", tail)
				}
			}},
		{name: "100MB-of-logs", event: `{"action":"spam","n":102400}`, timeout: 120, again: `{"action":"echo"}`,
			check: func(t *testing.T, _ *hostileServer, out *lambda.InvokeOutput, _ string) {
				if got := string(wantOK(t, out)); got != `"spammed"` {
					t.Errorf("spam returned %s", got)
				}
				tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
				if err != nil || len(tail) > 4096 || !strings.Contains(string(tail), "REPORT RequestId: ") || !strings.Contains(string(tail), strings.Repeat("x", 1023)) {
					t.Errorf("log tail of %d bytes (%v), want at most 4 KB ending in the spam and the REPORT line:\n%.300s", len(tail), err, tail)
				}
			}},
		{name: "response-over-6MB", event: `{"action":"big","n":7000000}`, again: `{"action":"echo"}`,
			check: wantErrorType("Function.ResponseSizeTooLarge", "Response payload size exceeded")},
		{name: "response-just-under-6MB", event: `{"action":"big","n":6291000}`,
			check: func(t *testing.T, _ *hostileServer, out *lambda.InvokeOutput, _ string) {
				if n := len(wantOK(t, out)); n != 6291002 {
					t.Errorf("response of %d bytes, want 6291002", n)
				}
			}},
		{name: "fork", event: `{"action":"fork"}`,
			check: func(t *testing.T, _ *hostileServer, out *lambda.InvokeOutput, _ string) {
				pid, err := strconv.Atoi(string(wantOK(t, out)))
				if err != nil {
					t.Fatalf("fork returned %s", out.Payload)
				}
				if !alive(pid) {
					t.Fatalf("forked child %d is not running right after the invoke; the test proves nothing", pid)
				}
				forkedPid = pid
			},
			afterDelete: func(t *testing.T) {
				if forkedPid != 0 && !waitFor(5*time.Second, func() bool { return !alive(forkedPid) }) {
					t.Errorf("child %d forked by the function survives delete-function", forkedPid)
				}
			}},
		{name: "bootstrap-never-calls-runtime-api", runtime: "provided.al2023", handler: "bootstrap", timeout: 1,
			zip:   makeZip(t, zfile{Name: "bootstrap", Body: "#!/bin/sh\necho starting but never asking for work\nsleep 600 &\nwait\n", Mode: 0o755}),
			check: wantErrorType("Sandbox.Timedout", timedOut)},
		{name: "child-escaping-process-group", runtime: "provided.al2023", handler: "bootstrap", timeout: 1,
			zip:        makeZip(t, zfile{Name: "bootstrap", Body: "#!/bin/sh\nsetsid sleep 600 &\nsleep 600\n", Mode: 0o755}),
			needCgroup: "only the cgroup reaches a child that left the process group",
			check:      wantErrorType("Sandbox.Timedout", timedOut)},
		{name: "memory-300MB-in-128MB", event: `{"action":"alloc","n":300}`, memory: 128, timeout: 60, again: `{"action":"echo"}`,
			needCgroup: "MemorySize is enforced with a memory cgroup",
			check:      wantErrorType("Runtime.ExitError", "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.tool != "" {
				needTool(t, tc.tool)
			}
			if tc.needCgroup != "" {
				h.requireCgroups(t, tc.needCgroup)
			}
			if tc.runtime == "" {
				tc.runtime, tc.handler, tc.zip = "provided.al2023", "bootstrap", gofnZip
			}
			if tc.event == "" {
				tc.event = "{}"
			}
			name := uniqueName("hostile")
			createFn(t, h.c, name, tc.runtime, tc.handler, tc.zip, func(in *lambda.CreateFunctionInput) {
				if tc.timeout > 0 {
					in.Timeout = aws.Int32(tc.timeout)
				}
				if tc.memory > 0 {
					in.MemorySize = aws.Int32(tc.memory)
				}
			})
			func() {
				defer func() {
					// Skips and fatals in check still get the clean-up checks.
					deleteFn(t, h.c, name)
					noLeftovers(t, name)
					if tc.afterDelete != nil {
						tc.afterDelete(t)
					}
					h.stillHealthy(t)
				}()
				start := time.Now()
				out := invoke(t, h.c, name, tc.event)
				t.Logf("first invoke took %v", time.Since(start).Round(time.Millisecond))
				tc.check(t, h, out, name)
				if tc.again != "" {
					wantOK(t, invoke(t, h.c, name, tc.again))
				}
			}()
		})
	}
}

// TestChangesDuringInvoke deletes or updates a function while an invoke
// of it runs: the invoke completes on the code it started with, and no
// process of the old environment is left behind.
func TestChangesDuringInvoke(t *testing.T) {
	t.Parallel()
	h := newHostileServer(t)
	other := makeZip(t, zfile{Name: "bootstrap", Body: "#!/bin/sh\nexit 7\n", Mode: 0o755})
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, name string)
		after  func(t *testing.T, name string)
	}{
		{"delete", func(t *testing.T, name string) { deleteFn(t, h.c, name) }, func(t *testing.T, name string) {
			noLeftovers(t, name)
			if _, err := tryInvoke(h.c, name, `{}`); errorCode(err) != "ResourceNotFoundException" {
				t.Errorf("invoke after delete: %v, want ResourceNotFoundException", err)
			}
		}},
		{"update-code", func(t *testing.T, name string) {
			if _, err := h.c.UpdateFunctionCode(ctxT(t, time.Minute), &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name), ZipFile: other}); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, name string) {
			// The next invoke runs the new code, which exits at once.
			wantErrorType("Runtime.ExitError", "exit status 7")(t, h, invoke(t, h.c, name, `{}`), name)
			deleteFn(t, h.c, name)
			noLeftovers(t, name)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := uniqueName("change")
			createGoFn(t, h.c, name)
			type result struct {
				out *lambda.InvokeOutput
				err error
			}
			res := make(chan result, 1)
			go func() {
				out, err := tryInvoke(h.c, name, `{"action":"sleep","n":1500}`)
				res <- result{out, err}
			}()
			h.waitStarted(t, name)
			tc.change(t, name)
			r := <-res
			if r.err != nil {
				t.Fatalf("the in-flight invoke failed: %v", r.err)
			}
			if got := string(wantOK(t, r.out)); got != `"slept"` {
				t.Errorf("the in-flight invoke returned %s", got)
			}
			tc.after(t, name)
			h.stillHealthy(t)
		})
	}
}

// TestConcurrentInvokes fires 50 invokes of one function at once: each
// must succeed or be throttled with 429, never fail with a 5xx.
func TestConcurrentInvokes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		flags     []string
		want429   bool // the limit is low enough that some must be throttled
		wantAllOK bool
	}{
		{name: "default-limits", wantAllOK: true},
		{name: "max-environments-8", flags: []string{"--max-environments", "8"}, want429: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostileServer(t, tc.flags...)
			name := uniqueName("burst")
			createGoFn(t, h.c, name)
			const n = 50
			var wg sync.WaitGroup
			results := make([]string, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out, err := tryInvoke(h.c, name, `{"action":"sleep","n":300}`)
					switch {
					case err == nil && out.FunctionError == nil && string(out.Payload) == `"slept"`:
						results[i] = "ok"
					case err == nil:
						results[i] = fmt.Sprintf("function error %s: %s", aws.ToString(out.FunctionError), out.Payload)
					case errorCode(err) == "TooManyRequestsException" && httpStatus(err) == 429:
						results[i] = "429"
					default:
						results[i] = fmt.Sprintf("HTTP %d %s: %v", httpStatus(err), errorCode(err), err)
					}
				}()
			}
			wg.Wait()
			counts := map[string]int{}
			for _, r := range results {
				counts[r]++
			}
			t.Logf("outcomes: %v", counts)
			for r, k := range counts {
				if r != "ok" && r != "429" {
					t.Errorf("%d invokes ended with %s", k, r)
				}
			}
			if counts["ok"] == 0 {
				t.Errorf("no invoke succeeded")
			}
			if tc.wantAllOK && counts["ok"] != n {
				t.Errorf("%d of %d invokes succeeded under the default limits", counts["ok"], n)
			}
			if tc.want429 && counts["429"] == 0 {
				t.Errorf("no invoke was throttled with 8 environments for %d concurrent invokes", n)
			}
			deleteFn(t, h.c, name)
			noLeftovers(t, name)
			h.stillHealthy(t)
		})
	}
}

// TestIdleEnvironmentsReaped checks --idle-timeout: a warm environment is
// reused while fresh and its processes are gone once it has idled out.
func TestIdleEnvironmentsReaped(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--idle-timeout", "1s")
	c := s.lambda()
	name := uniqueName("idle")
	createGoFn(t, c, name)
	coldAt := func() int64 {
		t.Helper()
		var res struct{ ColdAt int64 }
		if err := json.Unmarshal(wantOK(t, invoke(t, c, name, `{"action":"echo"}`)), &res); err != nil {
			t.Fatal(err)
		}
		return res.ColdAt
	}
	first := coldAt()
	if coldAt() != first {
		t.Errorf("the second invoke did not reuse the warm environment")
	}
	if n := len(fnProcesses(name)); n != 1 {
		t.Errorf("%d processes for one warm environment, want 1", n)
	}
	if !waitFor(10*time.Second, func() bool { return len(fnProcesses(name)) == 0 }) {
		t.Fatalf("the environment was not stopped after idling past --idle-timeout 1s")
	}
	if coldAt() == first {
		t.Errorf("an invoke after the idle timeout reused the stopped environment")
	}
	deleteFn(t, c, name)
	noLeftovers(t, name)
}
