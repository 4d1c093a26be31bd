package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
