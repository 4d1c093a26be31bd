package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestREADMETour runs the README's tour: the three example functions are
// deployed with the aws CLI and invoked with both the aws CLI and
// `gatehouse invoke`, exactly as the README shows.
func TestREADMETour(t *testing.T) {
	t.Parallel()
	aws := needTool(t, "aws")
	needTool(t, "node")
	needTool(t, "python3")
	s := startServer(t)
	cli := awsCLI{t: t, bin: aws, s: s}
	root, _ := filepath.Abs("..")
	dir := t.TempDir()

	// GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/hello-go
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "bootstrap"), "./examples/hello-go")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hello-go: %v\n%s", err, out)
	}
	bootstrap, _ := os.ReadFile(filepath.Join(dir, "bootstrap"))
	node, _ := os.ReadFile(filepath.Join(root, "examples/hello-node/index.mjs"))
	python, _ := os.ReadFile(filepath.Join(root, "examples/hello-python/app.py"))
	examples := []struct {
		name, runtime, handler, want string
		zip                          []byte
	}{
		{"hello-go", "provided.al2023", "bootstrap", "go", makeZip(t, zfile{Name: "bootstrap", Body: string(bootstrap), Mode: 0o755})},
		{"hello-node", "nodejs20.x", "index.handler", "node", makeZip(t, zfile{Name: "index.mjs", Body: string(node)})},
		{"hello-python", "python3.12", "app.handler", "python", makeZip(t, zfile{Name: "app.py", Body: string(python)})},
	}
	for _, ex := range examples {
		zipPath := writeFile(t, ex.name+".zip", ex.zip)
		cli.ok(nil, "lambda", "create-function", "--function-name", ex.name, "--runtime", ex.runtime,
			"--handler", ex.handler, "--zip-file", "fileb://"+zipPath, "--role", "arn:aws:iam::000000000000:role/any")

		out := filepath.Join(dir, ex.name+".json")
		var res struct{ StatusCode int }
		cli.ok(&res, "lambda", "invoke", "--function-name", ex.name, "--payload", `{"name":"gatehouse"}`, out)
		body, _ := os.ReadFile(out)
		var greeting map[string]string
		if res.StatusCode != 200 || json.Unmarshal(body, &greeting) != nil || greeting["greeting"] != "hello, gatehouse" || greeting["runtime"] != ex.want {
			t.Fatalf("aws lambda invoke %s: status %d, result %s", ex.name, res.StatusCode, body)
		}

		stdout, stderr, code := runCmd(t, s.Env, time.Minute, binPath, "invoke", ex.name, "--payload", "@"+filepath.Join(root, "examples/event.json"),
			"--endpoint", s.URL, "--data", s.Data)
		if code != 0 || !strings.Contains(stdout, `"greeting": "hello, gatehouse"`) {
			t.Fatalf("gatehouse invoke %s: exit %d\nstdout %s\nstderr %s", ex.name, code, stdout, stderr)
		}
		for _, want := range []string{"START RequestId:", "greeting gatehouse in request", "REPORT RequestId:"} {
			if !strings.Contains(stderr, want) {
				t.Fatalf("gatehouse invoke %s: log tail lacks %q:\n%s", ex.name, want, stderr)
			}
		}
	}
}

// TestREADMEGatewayTour runs the README's API gateway tour: the
// hello-api example behind a Cognito authorizer, deployed with the aws
// CLI and called with curl — 200 on the open route, 401 without a token,
// 200 with one.
func TestREADMEGatewayTour(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	curl := needTool(t, "curl")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(args, "--output", "text")...))
	}
	root, _ := filepath.Abs("..")

	pool := text("cognito-idp", "create-user-pool", "--pool-name", "demo", "--username-attributes", "email", "--query", "UserPool.Id")
	client := text("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "cli",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	text("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "ada@example.com", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "ada@example.com", "--password", "Correct-Horse-9", "--permanent")
	id := text("cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=ada@example.com,PASSWORD=Correct-Horse-9", "--query", "AuthenticationResult.IdToken")

	src, _ := os.ReadFile(filepath.Join(root, "examples/hello-api/index.mjs"))
	zipPath := writeFile(t, "hello-api.zip", makeZip(t, zfile{Name: "index.mjs", Body: string(src)}))
	cli.ok(nil, "lambda", "create-function", "--function-name", "hello-api", "--runtime", "nodejs20.x", "--handler", "index.handler",
		"--zip-file", "fileb://"+zipPath, "--role", "arn:aws:iam::000000000000:role/any")
	poolARN := text("cognito-idp", "describe-user-pool", "--user-pool-id", pool, "--query", "UserPool.Arn")
	doc, _ := os.ReadFile(filepath.Join(root, "examples/hello-api/api.json"))
	api := text("apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(strings.ReplaceAll(string(doc), "POOL_ARN", poolARN))), "--query", "id")
	text("apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "v1", "--query", "id")

	base := "http://" + api + ".execute-api.localhost:" + s.Addr[strings.LastIndexByte(s.Addr, ':')+1:] + "/v1"
	get := func(url string, header ...string) (string, string) {
		args := []string{"-s", "-w", "\n%{http_code}"}
		for _, h := range header {
			args = append(args, "-H", h)
		}
		stdout, stderr, code := runCmd(t, s.Env, time.Minute, curl, append(args, url)...)
		if code != 0 {
			t.Fatalf("curl %s: exit %d: %s", url, code, stderr)
		}
		body, status, _ := strings.Cut(strings.TrimSpace(stdout), "\n")
		return status, body
	}
	if status, body := get(base + "/open"); status != "200" || !strings.Contains(body, `"hello":"stranger"`) {
		t.Fatalf("open: %s %s", status, body)
	}
	if status, body := get(base); status != "401" || body != `{"message":"Unauthorized"}` {
		t.Fatalf("no token: %s %s", status, body)
	}
	if status, body := get(base, "Authorization: "+id); status != "200" || !strings.Contains(body, `"hello":"ada@example.com"`) {
		t.Fatalf("with the ID token: %s %s", status, body)
	}

	// --api-listen gives the API an address of its own; the stage and
	// everything (state, authorizer) survive the restart.
	own := freePort(t)
	s.restart(syscall.SIGTERM, "--api-listen", api+"="+own)
	if status, body := get("http://" + own + "/v1/open"); status != "200" || !strings.Contains(body, `"hello":"stranger"`) {
		t.Fatalf("--api-listen, open: %s %s", status, body)
	}
	if status, _ := get("http://" + own + "/v1"); status != "401" {
		t.Fatalf("--api-listen, protected without a token: %s", status)
	}
	if status, _ := get("http://"+own+"/v1", "Authorization: "+id); status != "200" {
		t.Fatalf("--api-listen, protected with the ID token: %s", status)
	}
}
