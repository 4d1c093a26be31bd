package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Unmodified handlers as users write them for the managed runtimes.
const (
	nodeCJSSucceed = `// Old-style CommonJS handler finishing with context.succeed.
exports.handler = function (event, context) {
  console.log("cjs handler got", event.name);
  context.succeed({ greeting: "hello " + event.name, fn: context.functionName, rid: context.awsRequestId });
};
`
	nodeESMDispatch = `// ES module handler dispatching on the event type.
export const handler = async (event) => {
  console.log("esm event", event.event_type);
  switch (event.event_type) {
    case "order.created":
      return { handled: "created", id: event.id };
    case "order.cancelled":
      return { handled: "cancelled", id: event.id, refund: true };
    default:
      throw new Error("unknown event_type " + event.event_type);
  }
};
`
	pythonDict = `import json
import os


def lambda_handler(event, context):
    print("python handler got", event.get("name"))
    return {
        "statusCode": 200,
        "body": json.dumps({"hello": event.get("name")}),
        "function": context.function_name,
        "requestId": context.aws_request_id,
        "hasTime": context.get_remaining_time_in_millis() > 0,
        "region": os.environ["AWS_REGION"],
    }
`
	pythonValueError = `def lambda_handler(event, context):
    print("about to fail")
    raise ValueError("bad input: " + str(event.get("value")))
`
)

// TestRuntimes runs unmodified functions of every runtime family through
// the Invoke API, and the gatehouse client commands around them.
func TestRuntimes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.lambda()

	type call struct {
		event     string
		want      map[string]any // fields the result must have
		wantError *errorDoc      // a function error instead of a result
		wantLog   string         // in the log tail
	}
	cases := []struct {
		name, tool, runtime, handler string
		zip                          func(t *testing.T) []byte
		calls                        []call
	}{
		{
			name: "go-provided-al2023", runtime: "provided.al2023", handler: "bootstrap",
			zip: func(t *testing.T) []byte { return gofnZip },
			calls: []call{
				{event: `{"action":"echo","text":"hi"}`, want: map[string]any{"text": "hi", "memory": 128.0}},
				{event: `{"action":"log","text":"go-log"}`, wantLog: "hello from the function: go-log"},
				{event: `{"action":"error"}`, wantError: &errorDoc{ErrorType: "myErr", ErrorMessage: "requested failure"}},
			},
		},
		{
			name: "go1.x-handler-is-executable", runtime: "go1.x", handler: "hello",
			zip: func(t *testing.T) []byte {
				return makeZip(t, zfile{Name: "hello", Body: unzipOne(t, gofnZip, "bootstrap"), Mode: 0o755})
			},
			calls: []call{{event: `{"action":"echo","text":"go1"}`, want: map[string]any{"text": "go1"}}},
		},
		{
			name: "node-cjs-context-succeed", tool: "node", runtime: "nodejs20.x", handler: "index.handler",
			zip:   func(t *testing.T) []byte { return makeZip(t, zfile{Name: "index.js", Body: nodeCJSSucceed}) },
			calls: []call{{event: `{"name":"ada"}`, want: map[string]any{"greeting": "hello ada"}, wantLog: "cjs handler got ada"}},
		},
		{
			name: "node-esm-dispatch", tool: "node", runtime: "nodejs22.x", handler: "index.handler",
			zip: func(t *testing.T) []byte { return makeZip(t, zfile{Name: "index.mjs", Body: nodeESMDispatch}) },
			calls: []call{
				{event: `{"event_type":"order.created","id":7}`, want: map[string]any{"handled": "created", "id": 7.0}, wantLog: "esm event order.created"},
				{event: `{"event_type":"order.cancelled","id":8}`, want: map[string]any{"handled": "cancelled", "id": 8.0, "refund": true}},
				{event: `{"event_type":"order.exploded"}`, wantError: &errorDoc{ErrorType: "Error", ErrorMessage: "unknown event_type order.exploded"}},
			},
		},
		{
			name: "python-dict", tool: "python3", runtime: "python3.12", handler: "app.lambda_handler",
			zip:   func(t *testing.T) []byte { return makeZip(t, zfile{Name: "app.py", Body: pythonDict}) },
			calls: []call{{event: `{"name":"guido"}`, want: map[string]any{"statusCode": 200.0, "body": `{"hello": "guido"}`, "hasTime": true, "region": region}, wantLog: "python handler got guido"}},
		},
		{
			name: "python-value-error", tool: "python3", runtime: "python3.13", handler: "app.lambda_handler",
			zip:   func(t *testing.T) []byte { return makeZip(t, zfile{Name: "app.py", Body: pythonValueError}) },
			calls: []call{{event: `{"value":42}`, wantError: &errorDoc{ErrorType: "ValueError", ErrorMessage: "bad input: 42"}, wantLog: "about to fail"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.tool != "" {
				needTool(t, tc.tool)
			}
			name := uniqueName("rt")
			createFn(t, c, name, tc.runtime, tc.handler, tc.zip(t))
			for i, cl := range tc.calls {
				out := invoke(t, c, name, cl.event)
				tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
				if cl.wantLog != "" && !strings.Contains(string(tail), cl.wantLog) {
					t.Errorf("call %d: log tail lacks %q:\n%s", i, cl.wantLog, tail)
				}
				if cl.wantError != nil {
					got := wantFnError(t, out)
					if got.ErrorType != cl.wantError.ErrorType || got.ErrorMessage != cl.wantError.ErrorMessage {
						t.Errorf("call %d: function error %+v, want %+v", i, got, *cl.wantError)
					}
					continue
				}
				var res map[string]any
				body := wantOK(t, out)
				if cl.want == nil {
					continue
				}
				if err := json.Unmarshal(body, &res); err != nil {
					t.Fatalf("call %d: result %s: %v", i, body, err)
				}
				for k, v := range cl.want {
					if res[k] != v {
						t.Errorf("call %d: result[%q] = %#v, want %#v (result %s)", i, k, res[k], v, body)
					}
				}
			}
			deleteFn(t, c, name)
			noLeftovers(t, name)
		})
	}

	// Every runtime identifier gatehouse accepts runs its family's handler
	// and tells the function which runtime it is.
	t.Run("every-runtime-identifier", func(t *testing.T) {
		t.Parallel()
		nodeZip := makeZip(t, zfile{Name: "index.js", Body: "exports.handler = async () => process.env.AWS_EXECUTION_ENV;\n"})
		pyZip := makeZip(t, zfile{Name: "app.py", Body: "import os\ndef lambda_handler(event, context):\n    return os.environ.get('AWS_EXECUTION_ENV')\n"})
		shZip := makeZip(t, zfile{Name: "bootstrap", Body: unzipOne(t, gofnZip, "bootstrap"), Mode: 0o755})
		for _, rt := range []string{"nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
			"python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
			"provided", "provided.al2", "provided.al2023"} {
			t.Run(rt, func(t *testing.T) {
				zip, handler, want := shZip, "bootstrap", ""
				switch {
				case strings.HasPrefix(rt, "nodejs"):
					needTool(t, "node")
					zip, handler, want = nodeZip, "index.handler", `"AWS_Lambda_`+rt+`"`
				case strings.HasPrefix(rt, "python"):
					needTool(t, "python3")
					zip, handler, want = pyZip, "app.lambda_handler", `"AWS_Lambda_`+rt+`"`
				}
				name := uniqueName("id")
				createFn(t, c, name, rt, handler, zip)
				got := wantOK(t, invoke(t, c, name, `{"action":"echo","text":"`+rt+`"}`))
				if want != "" && string(got) != want {
					t.Errorf("AWS_EXECUTION_ENV = %s, want %s", got, want)
				}
				if want == "" && !strings.Contains(string(got), `"text":"`+rt+`"`) {
					t.Errorf("echo returned %s", got)
				}
				deleteFn(t, c, name)
			})
		}
	})

	// The gatehouse client: functions create/list/update/delete, invoke
	// with an event file, and logs.
	t.Run("gatehouse-client", func(t *testing.T) {
		t.Parallel()
		needTool(t, "python3")
		name := uniqueName("ghcli")
		dir := t.TempDir()
		code := filepath.Join(dir, "code")
		os.Mkdir(code, 0o755)
		os.WriteFile(filepath.Join(code, "app.py"), []byte(pythonDict), 0o644)
		eventFile := filepath.Join(dir, "event.json")
		os.WriteFile(eventFile, []byte(`{"name":"from-file"}`), 0o644)
		env := cleanEnv()
		gh := func(args ...string) (string, string, int) {
			t.Helper()
			args = append(args, "--data", s.Data, "--endpoint", s.URL)
			return runCmd(t, env, time.Minute, binPath, args...)
		}
		ok := func(args ...string) string {
			t.Helper()
			stdout, stderr, code := gh(args...)
			if code != 0 {
				t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout, stderr)
			}
			return stdout
		}

		out := ok("functions", "create", name, "--runtime", "python3.12", "--handler", "app.lambda_handler", "--dir", code, "--env", "STAGE=e2e", "--timeout", "7", "--memory", "256")
		if !strings.Contains(out, name) || !strings.Contains(out, "python3.12") {
			t.Errorf("functions create printed %q", out)
		}
		if out := ok("functions", "list"); !strings.Contains(out, name) || !strings.Contains(out, "256") {
			t.Errorf("functions list printed %q", out)
		}
		cfg, err := c.GetFunctionConfiguration(ctxT(t, 30*time.Second), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(cfg.Timeout) != 7 || aws.ToInt32(cfg.MemorySize) != 256 || cfg.Environment == nil || cfg.Environment.Variables["STAGE"] != "e2e" {
			t.Errorf("functions create flags not applied: timeout %d, memory %d, env %+v", aws.ToInt32(cfg.Timeout), aws.ToInt32(cfg.MemorySize), cfg.Environment)
		}

		stdout, stderr, exit := gh("invoke", name, "--payload", "@"+eventFile)
		if exit != 0 {
			t.Fatalf("gatehouse invoke: exit %d\nstdout: %s\nstderr: %s", exit, stdout, stderr)
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(stdout), &res); err != nil || res["body"] != `{"hello": "from-file"}` {
			t.Errorf("gatehouse invoke stdout %q (%v)", stdout, err)
		}
		for _, want := range []string{"--- log tail ---", "python handler got from-file", "REPORT RequestId: "} {
			if !strings.Contains(stderr, want) {
				t.Errorf("gatehouse invoke stderr lacks %q:\n%s", want, stderr)
			}
		}

		// logs --follow prints new records as they come and stops on SIGINT.
		follow := exec.Command(binPath, "logs", name, "--follow", "--since", "1m", "--data", s.Data, "--endpoint", s.URL)
		follow.Env = env
		var followed lockedBuffer
		follow.Stdout, follow.Stderr = &followed, &followed
		if err := follow.Start(); err != nil {
			t.Fatal(err)
		}
		marker := uniqueName("followed")
		ok("invoke", name, "--payload", fmt.Sprintf(`{"name":%q}`, marker))
		if !waitFor(15*time.Second, func() bool { return strings.Contains(followed.String(), "python handler got "+marker) }) {
			t.Errorf("gatehouse logs --follow did not print the new record within 15s:\n%s", followed.String())
		}
		follow.Process.Signal(syscall.SIGINT)
		if err := waitProcess(follow, 10*time.Second); err != nil {
			t.Errorf("gatehouse logs --follow after SIGINT: %v\n%s", err, followed.String())
		}

		// --event queues the invoke and prints its request id.
		if out := ok("invoke", name, "--event", "--payload", `{"name":"queued"}`); !strings.HasPrefix(out, "queued ") {
			t.Errorf("gatehouse invoke --event printed %q", out)
		}
		s.waitLog(t, name, "python handler got queued")
		// update with configuration flags only.
		ok("functions", "update", name, "--env", "STAGE=two", "--timeout", "9")
		cfg, err = c.GetFunctionConfiguration(ctxT(t, 30*time.Second), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil || aws.ToInt32(cfg.Timeout) != 9 || cfg.Environment == nil || cfg.Environment.Variables["STAGE"] != "two" {
			t.Errorf("functions update --env --timeout not applied: %+v, %v", cfg, err)
		}

		// A function error prints the error document and exits 1.
		os.WriteFile(filepath.Join(code, "app.py"), []byte(pythonValueError), 0o644)
		ok("functions", "update", name, "--dir", code)
		stdout, stderr, exit = gh("invoke", name, "--payload", `{"value":"x"}`)
		if exit != 1 || !strings.Contains(stdout, "ValueError") || !strings.Contains(stderr, "about to fail") {
			t.Errorf("gatehouse invoke of a failing function: exit %d (want 1)\nstdout: %s\nstderr: %s", exit, stdout, stderr)
		}

		logs := ok("logs", name, "--since", "10m")
		for _, want := range []string{"python handler got from-file", "python handler got queued", "about to fail", "START RequestId: "} {
			if !strings.Contains(logs, want) {
				t.Errorf("gatehouse logs lacks %q:\n%s", want, logs)
			}
		}

		if out := ok("functions", "delete", name); !strings.Contains(out, "deleted") {
			t.Errorf("functions delete printed %q", out)
		}
		if _, stderr, exit := gh("invoke", name); exit != 1 || !strings.Contains(stderr, "ResourceNotFoundException") {
			t.Errorf("gatehouse invoke of a deleted function: exit %d, stderr %q", exit, stderr)
		}
		noLeftovers(t, name)
	})
}
