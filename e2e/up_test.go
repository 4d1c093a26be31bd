package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestREADMEUp runs the README's first command, `gatehouse up
// examples/hello-auth` (on a copy, so the test may edit it): the server
// starts, the stack deploys, the outputs name a working API whose open
// route answers and whose protected route refuses a call without a token;
// editing a function's code redeploys just that function; Ctrl-C stops
// it cleanly.
func TestREADMEUp(t *testing.T) {
	t.Parallel()
	needTool(t, "go")
	dir := copyGoExample(t, "hello-auth")
	addr := freePort(t) // host:port
	_, port, _ := strings.Cut(addr, ":")
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(binPath, "up", dir, "--addr", addr, "--data", data, "--parameter-overrides", archOverride())
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})

	var mu sync.Mutex
	var out []string
	lines := make(chan string, 256)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			out = append(out, sc.Text())
			mu.Unlock()
			lines <- sc.Text()
		}
		close(lines)
	}()
	transcript := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(out, "\n") + "\nstderr:\n" + stderr.String()
	}
	// waitLine waits for a line with prefix, failing after d.
	waitLine := func(prefix string, d time.Duration) string {
		t.Helper()
		timer := time.NewTimer(d)
		defer timer.Stop()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					var err error
					select {
					case err = <-done:
					case <-time.After(10 * time.Second):
					}
					t.Fatalf("gatehouse up ended (%v) before printing %q:\n%s", err, prefix, transcript())
				}
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-timer.C:
				t.Fatalf("no %q line from gatehouse up within %v:\n%s", prefix, d, transcript())
			}
		}
	}

	apiURL := strings.TrimSpace(strings.TrimPrefix(waitLine("ApiUrl", 4*time.Minute), "ApiUrl"))
	u, err := url.Parse(apiURL)
	if err != nil || !strings.Contains(u.Host, ".execute-api.localhost:"+port) {
		t.Fatalf("ApiUrl %q is not a local execute-api URL on port %s", apiURL, port)
	}
	get := func(path string) (int, map[string]any) {
		t.Helper()
		// The execute-api host, sent to the loopback address (Go does not
		// resolve *.localhost by itself; curl and browsers do).
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+u.Path+path, nil)
		req.Host = u.Host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	if status, body := get("/open"); status != 200 || body["message"] != "hello, stranger" {
		t.Fatalf("GET /open: %d %v", status, body)
	}
	if status, body := get(""); status != 401 || body["message"] != "Unauthorized" {
		t.Fatalf("GET / without a token: %d %v", status, body)
	}

	// Editing the open function's code redeploys it, and only it.
	src := filepath.Join(dir, "open", "main.go")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte(strings.Replace(string(code), `"hello, stranger"`, `"hello from the watcher"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	waitLine("change detected", 30*time.Second)
	plan := waitLine("  1 to update", 3*time.Minute)
	if !strings.Contains(plan, "11 unchanged") {
		t.Errorf("redeploy plan %q, want one update and 11 unchanged", plan)
	}
	waitLine("stack ", time.Minute)
	if status, body := get("/open"); status != 200 || body["message"] != "hello from the watcher" {
		t.Fatalf("GET /open after the edit: %d %v\n%s", status, body, transcript())
	}

	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gatehouse up after Ctrl-C: %v\n%s", err, transcript())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse up did not stop within 30 s of Ctrl-C:\n%s", transcript())
	}
}
