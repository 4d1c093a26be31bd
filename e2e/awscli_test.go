package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sha256B64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// awsCLI runs the installed aws CLI against one server.
type awsCLI struct {
	t   *testing.T
	bin string
	s   *server
}

// run runs `aws --endpoint-url URL args...` and returns stdout, stderr and
// the exit code.
func (a awsCLI) run(args ...string) (string, string, int) {
	a.t.Helper()
	return runCmd(a.t, a.s.Env, 2*time.Minute, a.bin, append([]string{"--endpoint-url", a.s.URL}, args...)...)
}

// ok runs the CLI, requires exit 0 and decodes JSON output into out
// (when out is not nil).
func (a awsCLI) ok(out any, args ...string) string {
	a.t.Helper()
	stdout, stderr, code := a.run(args...)
	if code != 0 {
		a.t.Fatalf("aws %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout, stderr)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			a.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
		}
	}
	return stdout
}

// fails runs the CLI and requires it to fail with AWS error code.
func (a awsCLI) fails(code string, args ...string) {
	a.t.Helper()
	stdout, stderr, exit := a.run(args...)
	if exit != 255 || !strings.Contains(stderr, code) {
		a.t.Fatalf("aws %s: exit %d (want 255), stderr %q (want %s), stdout %q", strings.Join(args, " "), exit, stderr, code, stdout)
	}
}

type cliConfig struct {
	FunctionName, FunctionArn, Runtime, Handler, State, CodeSha256, RevisionId string
	Timeout, MemorySize                                                        int
	Environment                                                                struct{ Variables map[string]string }
}

// TestAWSCLI walks the function lifecycle with aws CLI v1.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	cli := awsCLI{t: t, bin: needTool(t, "aws")}
	cli.s = startServer(t)
	name := uniqueName("cli")
	out := filepath.Join(t.TempDir(), "out.json")

	// invokeEcho returns the test function's view of its environment.
	invokeEcho := func() map[string]string {
		t.Helper()
		cli.ok(nil, "lambda", "invoke", "--function-name", name, "--payload", `{"action":"echo","text":"x"}`, out)
		var res struct{ Env map[string]string }
		b, _ := os.ReadFile(out)
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("echo result: %v: %s", err, b)
		}
		return res.Env
	}

	// create-function from a zip file.
	zipPath := writeFile(t, "fn.zip", gofnZip)
	var created cliConfig
	cli.ok(&created, "lambda", "create-function", "--function-name", name, "--runtime", "provided.al2023",
		"--handler", "bootstrap", "--role", role, "--zip-file", "fileb://"+zipPath, "--timeout", "10",
		"--environment", "Variables={MY_VAR=one}")
	if created.FunctionName != name || created.State != "Active" || created.Runtime != "provided.al2023" || created.Timeout != 10 {
		t.Fatalf("create-function returned %+v", created)
	}
	if want := sha256B64(gofnZip); created.CodeSha256 != want {
		t.Errorf("CodeSha256 = %s, want %s", created.CodeSha256, want)
	}

	t.Run("wait-function-active-v2", func(t *testing.T) {
		cli.ok(nil, "lambda", "wait", "function-active-v2", "--function-name", name)
	})

	t.Run("invoke-tail", func(t *testing.T) {
		var res struct {
			StatusCode      int
			LogResult       string
			ExecutedVersion string
			FunctionError   string
		}
		// CLI v1 sends --payload as is: raw JSON, no base64.
		cli.ok(&res, "lambda", "invoke", "--function-name", name, "--log-type", "Tail",
			"--payload", `{"action":"log","text":"cli-hello"}`, out)
		if res.StatusCode != 200 || res.FunctionError != "" || res.ExecutedVersion != "$LATEST" {
			t.Errorf("invoke output %+v", res)
		}
		body, _ := os.ReadFile(out)
		if string(body) != `"logged"` {
			t.Errorf("invoke result %q, want %q", body, `"logged"`)
		}
		tail, err := base64.StdEncoding.DecodeString(res.LogResult)
		if err != nil {
			t.Fatalf("LogResult is not base64: %v", err)
		}
		for _, want := range []string{"START RequestId: ", "hello from the function: cli-hello", "to stderr", "END RequestId: ", "REPORT RequestId: ", "Duration: ", "Max Memory Used: "} {
			if !strings.Contains(string(tail), want) {
				t.Errorf("log tail lacks %q:\n%s", want, tail)
			}
		}
		if env := invokeEcho(); env["MY_VAR"] != "one" || env["AWS_LAMBDA_FUNCTION_NAME"] != name {
			t.Errorf("function environment %v", env)
		}
	})

	t.Run("invoke-event", func(t *testing.T) {
		var res struct{ StatusCode int }
		cli.ok(&res, "lambda", "invoke", "--function-name", name, "--invocation-type", "Event",
			"--payload", `{"action":"log","text":"cli-event"}`, out)
		if res.StatusCode != 202 {
			t.Errorf("Event invoke StatusCode %d, want 202", res.StatusCode)
		}
	})

	t.Run("list-and-get", func(t *testing.T) {
		var list struct{ Functions []cliConfig }
		cli.ok(&list, "lambda", "list-functions")
		found := false
		for _, f := range list.Functions {
			found = found || f.FunctionName == name
		}
		if !found {
			t.Errorf("list-functions lacks %s: %+v", name, list.Functions)
		}
		var got struct {
			Configuration cliConfig
			Code          struct{ RepositoryType, Location string }
		}
		cli.ok(&got, "lambda", "get-function", "--function-name", name)
		if got.Configuration.FunctionArn != created.FunctionArn || got.Code.Location == "" {
			t.Errorf("get-function returned %+v", got)
		}
		var cfg cliConfig
		cli.ok(&cfg, "lambda", "get-function-configuration", "--function-name", name)
		if cfg.Handler != "bootstrap" || cfg.MemorySize != 128 {
			t.Errorf("get-function-configuration returned %+v", cfg)
		}
	})

	t.Run("update-code", func(t *testing.T) {
		fn2 := makeZip(t, zfile{Name: "bootstrap", Body: unzipOne(t, gofnZip, "bootstrap"), Mode: 0o755}, zfile{Name: "VERSION", Body: "2"})
		var upd cliConfig
		cli.ok(&upd, "lambda", "update-function-code", "--function-name", name, "--zip-file", "fileb://"+writeFile(t, "fn2.zip", fn2))
		if upd.CodeSha256 != sha256B64(fn2) || upd.RevisionId == created.RevisionId {
			t.Errorf("update-function-code returned %+v", upd)
		}
		cli.ok(nil, "lambda", "wait", "function-updated-v2", "--function-name", name)
		invokeEcho()
	})

	t.Run("update-configuration", func(t *testing.T) {
		var upd cliConfig
		cli.ok(&upd, "lambda", "update-function-configuration", "--function-name", name,
			"--environment", "Variables={MY_VAR=two}", "--memory-size", "256")
		if upd.Environment.Variables["MY_VAR"] != "two" || upd.MemorySize != 256 {
			t.Errorf("update-function-configuration returned %+v", upd)
		}
		if env := invokeEcho(); env["MY_VAR"] != "two" {
			t.Errorf("after update MY_VAR = %q, want two", env["MY_VAR"])
		}
	})

	t.Run("tags", func(t *testing.T) {
		cli.ok(nil, "lambda", "tag-resource", "--resource", created.FunctionArn, "--tags", "team=e2e,stage=test")
		var tags struct{ Tags map[string]string }
		cli.ok(&tags, "lambda", "list-tags", "--resource", created.FunctionArn)
		if len(tags.Tags) != 2 || tags.Tags["team"] != "e2e" || tags.Tags["stage"] != "test" {
			t.Errorf("list-tags after tag-resource: %v", tags.Tags)
		}
		cli.ok(nil, "lambda", "untag-resource", "--resource", created.FunctionArn, "--tag-keys", "stage")
		tags.Tags = nil
		cli.ok(&tags, "lambda", "list-tags", "--resource", created.FunctionArn)
		if len(tags.Tags) != 1 || tags.Tags["team"] != "e2e" {
			t.Errorf("list-tags after untag-resource: %v", tags.Tags)
		}
	})

	t.Run("permissions", func(t *testing.T) {
		var added struct{ Statement string }
		cli.ok(&added, "lambda", "add-permission", "--function-name", name, "--statement-id", "e2e-s3",
			"--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com")
		var st struct{ Sid, Effect, Action, Resource string }
		if err := json.Unmarshal([]byte(added.Statement), &st); err != nil || st.Sid != "e2e-s3" || st.Effect != "Allow" || st.Resource != created.FunctionArn {
			t.Errorf("add-permission statement %q (%v)", added.Statement, err)
		}
		var pol struct{ Policy, RevisionId string }
		cli.ok(&pol, "lambda", "get-policy", "--function-name", name)
		var doc struct{ Statement []struct{ Sid string } }
		if err := json.Unmarshal([]byte(pol.Policy), &doc); err != nil || len(doc.Statement) != 1 || doc.Statement[0].Sid != "e2e-s3" {
			t.Errorf("get-policy returned %q (%v)", pol.Policy, err)
		}
		cli.fails("ResourceConflictException", "lambda", "add-permission", "--function-name", name, "--statement-id", "e2e-s3",
			"--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com")
		cli.ok(nil, "lambda", "remove-permission", "--function-name", name, "--statement-id", "e2e-s3")
		cli.fails("ResourceNotFoundException", "lambda", "get-policy", "--function-name", name)
	})

	t.Run("concurrency", func(t *testing.T) {
		var put struct{ ReservedConcurrentExecutions int }
		cli.ok(&put, "lambda", "put-function-concurrency", "--function-name", name, "--reserved-concurrent-executions", "5")
		if put.ReservedConcurrentExecutions != 5 {
			t.Errorf("put-function-concurrency returned %+v", put)
		}
		var got struct {
			Concurrency struct{ ReservedConcurrentExecutions int }
		}
		cli.ok(&got, "lambda", "get-function", "--function-name", name)
		if got.Concurrency.ReservedConcurrentExecutions != 5 {
			t.Errorf("get-function Concurrency = %+v, want 5", got.Concurrency)
		}
		cli.ok(nil, "lambda", "delete-function-concurrency", "--function-name", name)
		invokeEcho()
	})

	t.Run("logs-filter-log-events", func(t *testing.T) {
		var res struct {
			Events []struct {
				LogStreamName, Message string
				Timestamp              int64
			}
		}
		wants := []string{"hello from the function: cli-hello", "hello from the function: cli-event", "to stderr", "START RequestId: ", "REPORT RequestId: "}
		var text strings.Builder
		// The Event invoke runs in the background: poll until it has logged.
		for deadline := time.Now().Add(20 * time.Second); ; {
			res.Events = nil
			cli.ok(&res, "logs", "filter-log-events", "--log-group-name", "/aws/lambda/"+name)
			text.Reset()
			for _, e := range res.Events {
				text.WriteString(e.Message)
			}
			if strings.Contains(text.String(), wants[1]) || time.Now().After(deadline) {
				break
			}
		}
		for _, want := range wants {
			if !strings.Contains(text.String(), want) {
				t.Errorf("filter-log-events lacks %q:\n%s", want, text.String())
			}
		}
		var groups struct {
			LogGroups []struct{ LogGroupName string }
		}
		cli.ok(&groups, "logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/"+name)
		if len(groups.LogGroups) != 1 || groups.LogGroups[0].LogGroupName != "/aws/lambda/"+name {
			t.Errorf("describe-log-groups returned %+v", groups.LogGroups)
		}
	})

	t.Run("delete", func(t *testing.T) {
		cli.ok(nil, "lambda", "delete-function", "--function-name", name)
		cli.fails("ResourceNotFoundException", "lambda", "invoke", "--function-name", name, "--payload", "{}", out)
		cli.fails("ResourceNotFoundException", "lambda", "get-function", "--function-name", name)
		noLeftovers(t, name)
	})
}
