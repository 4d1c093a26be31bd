// Package e2e drives a real gatehouse process from the outside, the way
// users do: the aws CLI, boto3, the Go SDK and unmodified Lambda functions.
package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const (
	region = "us-east-1"
	role   = "arn:aws:iam::000000000000:role/gatehouse-e2e"
)

var (
	binPath   string // the gatehouse binary under test
	gofnZip   []byte // the aws-lambda-go test function, zipped as an executable "bootstrap"
	buildRoot string // temporary directory holding the builds
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gatehouse-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildRoot = dir
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binPath = filepath.Join(dir, "gatehouse")
	fnPath := filepath.Join(dir, "gofn", "bootstrap")
	builds := [][]string{
		{"build", "-o", binPath, "./cmd/gatehouse"},
		{"build", "-tags", "lambda.norpc", "-o", fnPath, "./internal/runtime/testdata/gofn"},
	}
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, args := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("go", args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		return 1
	}
	fn, err := os.ReadFile(fnPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if gofnZip, err = buildZip(zfile{Name: "bootstrap", Body: string(fn), Mode: 0o755}); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// inCI reports whether the suite runs under CI, where a missing tool is a
// failure rather than a reason to skip.
func inCI() bool { return os.Getenv("CI") != "" }

// needTool skips the test when name is not on PATH (fails under CI).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if inCI() {
			t.Fatalf("%s is required for this test and is not installed (CI is set): %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// needBoto3 skips the test when python3 or its boto3 package is missing.
func needBoto3(t *testing.T) string {
	t.Helper()
	py := needTool(t, "python3")
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		if inCI() {
			t.Fatalf("python3 module boto3 is required (CI is set): %v\n%s", err, out)
		}
		t.Skipf("python3 module boto3 not installed: %v", err)
	}
	return py
}

// ---- zips ----

// zfile is one entry of a deployment package built in memory.
type zfile struct {
	Name string
	Body string
	Mode fs.FileMode // 0 means 0644
}

func buildZip(files ...zfile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		h.Modified = time.Now()
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, f.Body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// makeZip builds a deployment package or fails the test.
func makeZip(t testing.TB, files ...zfile) []byte {
	t.Helper()
	b, err := buildZip(files...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFile writes data to a new file in a temporary directory.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// uniqueName returns a function name no other test (or process on this
// machine) uses, so leak checks by name are exact.
func uniqueName(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// ---- the server process ----

// server is one running `gatehouse serve` process.
type server struct {
	t       *testing.T
	URL     string
	Addr    string
	Data    string
	LogPath string
	// Env is an environment for the aws CLI and boto3 that points at this
	// server's credentials and at nothing else (no ambient AWS settings).
	Env []string
	// AccessKey and SecretKey are the root credentials from Data/credentials.
	AccessKey, SecretKey string

	flags []string
	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	exit  error
}

// freePort asks the kernel for an unused loopback port.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts gatehouse on a fresh data dir and a free loopback
// port and waits until it is healthy. It is stopped (SIGTERM, then
// SIGKILL) when the test ends; its log goes to the test log on failure.
func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	s := &server{t: t, Data: t.TempDir(), flags: flags}
	s.LogPath = filepath.Join(t.TempDir(), "server.log")
	t.Cleanup(func() {
		s.stop(syscall.SIGTERM, 20*time.Second)
		if t.Failed() {
			s.dumpLog()
		}
	})
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		s.Addr = freePort(t)
		s.URL = "http://" + s.Addr
		if err = s.start(); err == nil || !strings.Contains(s.log(), "address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("start gatehouse: %v", err)
	}
	return s
}

func (s *server) start() error {
	logf, err := os.OpenFile(s.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== e2e: starting gatehouse serve %s\n", strings.Join(s.flags, " "))
	args := append([]string{"serve", "--data", s.Data, "--addr", s.Addr}, s.flags...)
	cmd := exec.Command(binPath, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done, s.exit = cmd, done, nil
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.exit = err
		s.mu.Unlock()
		close(done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("gatehouse exited during start-up (%v); log:\n%s", s.exitErr(), s.log())
		default:
		}
		if s.healthy() {
			break
		}
		if time.Now().After(deadline) {
			s.stop(syscall.SIGKILL, 5*time.Second)
			return fmt.Errorf("gatehouse not healthy after 30s; log:\n%s", s.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s.loadCredentials()
}

func (s *server) loadCredentials() error {
	b, err := os.ReadFile(filepath.Join(s.Data, "credentials"))
	if err != nil {
		return err
	}
	s.AccessKey, s.SecretKey = "", ""
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			s.AccessKey = strings.TrimSpace(v)
		case "aws_secret_access_key":
			s.SecretKey = strings.TrimSpace(v)
		}
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		return fmt.Errorf("no key pair in %s:\n%s", filepath.Join(s.Data, "credentials"), b)
	}
	s.Env = append(cleanEnv(),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(s.Data, "credentials"),
		"AWS_CONFIG_FILE="+filepath.Join(s.Data, "config"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	)
	return nil
}

// cleanEnv is this process's environment without AWS or gatehouse
// settings, so nothing ambient changes what the tools under test do.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "GATEHOUSE_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func (s *server) healthy() bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.URL + "/_gatehouse/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exit
}

// log returns the server's log so far.
func (s *server) log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

func (s *server) dumpLog() {
	text := s.log()
	const max = 64 << 10
	if len(text) > max {
		text = "...\n" + text[len(text)-max:]
	}
	s.t.Logf("gatehouse log (%s):\n%s", s.LogPath, text)
}

// stop signals the server and waits for it to exit, escalating to
// SIGKILL of its process group after timeout. It returns the exit error
// (nil for exit status 0) and is a no-op for a server already stopped.
func (s *server) stop(sig syscall.Signal, timeout time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return s.exitErr()
	default:
	}
	if sig == syscall.SIGKILL {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	} else {
		cmd.Process.Signal(sig)
	}
	select {
	case <-done:
	case <-time.After(timeout):
		s.t.Errorf("gatehouse did not exit within %v of %v; killing it", timeout, sig)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	return s.exitErr()
}

// restart stops the server with sig (SIGTERM waits for a clean exit,
// SIGKILL does not) and starts it again on the same data dir and port.
// flags, when non-nil, replace the serve flags.
func (s *server) restart(sig syscall.Signal, flags ...string) {
	s.t.Helper()
	err := s.stop(sig, 30*time.Second)
	if sig == syscall.SIGTERM && err != nil {
		s.t.Errorf("gatehouse exited with %v after SIGTERM, want status 0", err)
	}
	if flags != nil {
		s.flags = flags
	}
	// The port is free again, but an outgoing connection of another test
	// may briefly hold the same number: retry a few times.
	var err2 error
	for attempt := 0; attempt < 5; attempt++ {
		if err2 = s.start(); err2 == nil || !strings.Contains(err2.Error(), "address already in use") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err2 != nil {
		s.t.Fatalf("restart gatehouse: %v", err2)
	}
}

// lambda returns a Go SDK client for the server, signing with the data
// dir's root key and never retrying, so every status code is seen.
func (s *server) lambda() *lambda.Client {
	return s.lambdaWith(s.AccessKey, s.SecretKey)
}

func (s *server) lambdaWith(id, secret string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Timeout: 3 * time.Minute},
	})
}

// rawResponse is an HTTP response read in full.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorType is the AWS error code of an error response.
func (r rawResponse) ErrorType() string {
	if v := r.Header.Get("X-Amzn-Errortype"); v != "" {
		code, _, _ := strings.Cut(v, ":")
		return code
	}
	var doc struct {
		Type string `json:"__type"`
	}
	json.Unmarshal(r.Body, &doc)
	return doc.Type
}

// rawReq is an HTTP request to send to the server as is, SigV4-signed
// with ID/Secret unless ID is empty.
type rawReq struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	ID, Secret   string
	Region       string    // signing region; default us-east-1
	Service      string    // signing service; default lambda
	At           time.Time // signing time; default now
	// Send, when non-nil, is sent instead of Body after signing Body.
	Send []byte
}

// do sends a raw request and reads the response in full.
func (s *server) do(t testing.TB, r rawReq) rawResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if r.Method == "" {
		r.Method = "POST"
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, s.URL+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if r.ID != "" {
		if r.Region == "" {
			r.Region = region
		}
		if r.Service == "" {
			r.Service = "lambda"
		}
		if r.At.IsZero() {
			r.At = time.Now()
		}
		sum := sha256Hex(r.Body)
		req.Header.Set("X-Amz-Content-Sha256", sum)
		err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: r.ID, SecretAccessKey: r.Secret}, req, sum, r.Service, r.Region, r.At)
		if err != nil {
			t.Fatal(err)
		}
	}
	if r.Send != nil {
		req.Body = io.NopCloser(bytes.NewReader(r.Send))
		req.ContentLength = int64(len(r.Send))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.Method, r.Path, err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// ---- functions ----

// createFn creates a function with the Go SDK and fails the test on error.
// Timeout defaults to 10 s so a slow CI machine does not time out cold starts.
func createFn(t testing.TB, c *lambda.Client, name, runtime, handler string, zip []byte, opts ...func(*lambda.CreateFunctionInput)) *lambda.CreateFunctionOutput {
	t.Helper()
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      types.Runtime(runtime),
		Handler:      aws.String(handler),
		Role:         aws.String(role),
		Code:         &types.FunctionCode{ZipFile: zip},
		Timeout:      aws.Int32(10),
	}
	for _, o := range opts {
		o(in)
	}
	out, err := c.CreateFunction(ctxT(t, 30*time.Second), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

// createGoFn creates the aws-lambda-go test function under name.
func createGoFn(t testing.TB, c *lambda.Client, name string, opts ...func(*lambda.CreateFunctionInput)) {
	t.Helper()
	createFn(t, c, name, "provided.al2023", "bootstrap", gofnZip, opts...)
}

func withTimeout(sec int32) func(*lambda.CreateFunctionInput) {
	return func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(sec) }
}

func withMemory(mb int32) func(*lambda.CreateFunctionInput) {
	return func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(mb) }
}

func withEnv(kv ...string) func(*lambda.CreateFunctionInput) {
	return func(in *lambda.CreateFunctionInput) {
		vars := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			vars[kv[i]] = kv[i+1]
		}
		in.Environment = &types.Environment{Variables: vars}
	}
}

// invoke calls a function synchronously (with the log tail) and fails the
// test on an invocation error; function errors are in the output.
func invoke(t testing.TB, c *lambda.Client, name string, payload any) *lambda.InvokeOutput {
	t.Helper()
	out, err := tryInvoke(c, name, payload)
	if err != nil {
		t.Fatalf("Invoke %s: %v", name, err)
	}
	return out
}

func tryInvoke(c *lambda.Client, name string, payload any) (*lambda.InvokeOutput, error) {
	var body []byte
	switch p := payload.(type) {
	case []byte:
		body = p
	case string:
		body = []byte(p)
	default:
		var err error
		if body, err = json.Marshal(p); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: body, LogType: types.LogTypeTail})
}

// errorDoc is the body of a function error.
type errorDoc struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func parseErrorDoc(t testing.TB, out *lambda.InvokeOutput) errorDoc {
	t.Helper()
	var d errorDoc
	if err := json.Unmarshal(out.Payload, &d); err != nil {
		t.Fatalf("function error body is not JSON: %v: %s", err, out.Payload)
	}
	return d
}

// wantOK asserts a successful invocation and returns its payload.
func wantOK(t testing.TB, out *lambda.InvokeOutput) []byte {
	t.Helper()
	if out.StatusCode != 200 || out.FunctionError != nil {
		t.Fatalf("invoke: status %d, FunctionError %q, payload %s", out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
	}
	return out.Payload
}

// wantFnError asserts an Unhandled function error and returns its body.
func wantFnError(t testing.TB, out *lambda.InvokeOutput) errorDoc {
	t.Helper()
	if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("invoke: status %d, FunctionError %q (want Unhandled), payload %s", out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
	}
	return parseErrorDoc(t, out)
}

func deleteFn(t testing.TB, c *lambda.Client, name string) {
	t.Helper()
	if _, err := c.DeleteFunction(ctxT(t, 30*time.Second), &lambda.DeleteFunctionInput{FunctionName: aws.String(name)}); err != nil {
		t.Fatalf("DeleteFunction %s: %v", name, err)
	}
}

// ctxT returns a context that ends after d or with the test.
func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// ---- processes ----

// fnProcesses lists live processes whose environment says they belong to
// function name (AWS_LAMBDA_FUNCTION_NAME=name). Zombies do not count.
func fnProcesses(name string) []int {
	want := []byte("AWS_LAMBDA_FUNCTION_NAME=" + name)
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || len(env) == 0 {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				if alive(pid) {
					pids = append(pids, pid)
				}
				break
			}
		}
	}
	return pids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	st := b[i+2]
	return st != 'Z' && st != 'X'
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noLeftovers asserts that no process of function name survives (within
// a few seconds: killing a tree is asynchronous).
func noLeftovers(t testing.TB, name string) {
	t.Helper()
	if !waitFor(5*time.Second, func() bool { return len(fnProcesses(name)) == 0 }) {
		pids := fnProcesses(name)
		var desc []string
		for _, p := range pids {
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
			desc = append(desc, fmt.Sprintf("%d (%s)", p, strings.ReplaceAll(string(cmdline), "\x00", " ")))
		}
		t.Errorf("processes of deleted function %s still running: %s", name, strings.Join(desc, ", "))
	}
}

// runCmd runs a command with env and returns stdout, stderr and the exit
// code (-1 if it could not run or was killed).
func runCmd(t testing.TB, env []string, timeout time.Duration, name string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			code = ee.ExitCode()
		} else {
			t.Logf("%s %s: %v", name, strings.Join(args, " "), err)
			code = -1
		}
	}
	return stdout.String(), stderr.String(), code
}

// unzipOne returns the content of one file of a zip.
func unzipOne(t testing.TB, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s not in zip", name)
	return ""
}

// lockedBuffer is a bytes.Buffer safe for a process to write while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitProcess waits for a started command, killing it after d.
func waitProcess(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("still running after %v; killed", d)
	}
}

// logText returns the messages of a function's log group, through the
// CloudWatch Logs API ("" while the group does not exist yet).
func (s *server) logText(t testing.TB, fn string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"logGroupName": "/aws/lambda/" + fn})
	resp := s.do(t, rawReq{
		Path: "/",
		Header: http.Header{
			"Content-Type": {"application/x-amz-json-1.1"},
			"X-Amz-Target": {"Logs_20140328.FilterLogEvents"},
		},
		Body: body, ID: s.AccessKey, Secret: s.SecretKey, Service: "logs",
	})
	if resp.ErrorType() == "ResourceNotFoundException" {
		return ""
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("FilterLogEvents: HTTP %d %s", resp.Status, resp.Body)
	}
	var out struct {
		Events []struct{ Message string }
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("FilterLogEvents: %v", err)
	}
	var b strings.Builder
	for _, e := range out.Events {
		b.WriteString(e.Message)
	}
	return b.String()
}

// waitLog waits until fn's log contains text.
func (s *server) waitLog(t testing.TB, fn, text string) {
	t.Helper()
	if !waitFor(20*time.Second, func() bool { return strings.Contains(s.logText(t, fn), text) }) {
		t.Fatalf("the log of %s did not show %q within 20s:\n%s", fn, text, s.logText(t, fn))
	}
}

// waitStarted waits until an invocation of fn has reached its runtime
// (Lambda logs START when the runtime takes the event).
func (s *server) waitStarted(t testing.TB, fn string) {
	t.Helper()
	s.waitLog(t, fn, "START RequestId: ")
}
