package stack_test

import (
	"crypto/rand"

	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/gatehouse/gatehouse/internal/secrets"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/credentials"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// The engine is tested against a real gatehouse (server.New on a
// loopback port, its own data dir) reached over HTTP with the root key,
// so every resource goes through the same validation a CLI call would
// and what a test checks afterwards is what a user would see. Each test
// gets its own server, so "nothing was left behind" can be checked by
// listing everything.

const (
	region  = "us-east-1"
	account = "000000000000"
)

// env is one gatehouse and an engine deploying onto it.
type env struct {
	t    *testing.T
	srv  *server.Server
	addr string // host:port of the server
	url  string
	// raw talks to the server directly, for checks; the engine goes
	// through faults, so a test can make one call fail.
	raw    *stack.HandlerAPI
	faults *faultAPI
	eng    *stack.Engine
	st     *sqlite.Store
	clock  *clock
	signer awsproto.Signer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("STACK_TEST_SERVER_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	// Python is not needed by any test here; skipping its lookup keeps
	// start-up fast.
	srv, err := server.New(ctx, server.Config{DataDir: data, Addr: "127.0.0.1:0", Python: "-", Logger: log})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})
	creds, err := os.ReadFile(filepath.Join(data, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	id, secret, _, err := credentials.ParseProfile(string(creds), "default")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, addr: srv.Addr(), url: "http://" + srv.Addr(),
		signer: awsproto.Signer{AccessKeyID: id, SecretAccessKey: secret, Region: region}}
	e.raw = &stack.HandlerAPI{Handler: forwarder{base: e.url}, Signer: e.signer, Host: e.addr}
	e.faults = &faultAPI{API: e.raw}
	e.st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "stacks.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	e.clock = &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, port, _ := net.SplitHostPort(e.addr)
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	e.eng = stack.New(stack.Options{Store: e.st, API: e.faults, Region: region, Account: account,
		URLSuffix: "amazonaws.com", IssuerBase: e.url, ExecuteAPIHost: "localhost:" + port, Logger: log, Now: e.clock.Now,
		Seal: box.Seal, Open: box.Open})
	return e
}

// clock moves a second forward at every reading, so that any write of
// a stack shows in its Updated time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// forwarder sends what HandlerAPI hands it to the real server over
// loopback: the engine's requests cross a real network connection and
// the server's real front door.
type forwarder struct{ base string }

var loopback = &http.Client{Timeout: 60 * time.Second}

func (f forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(f.base + r.URL.RequestURI())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL = u
	out.Host = r.Host
	resp, err := loopback.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// faultAPI passes calls through, except one a test has chosen to fail:
// a way to fail an operation the real API would accept.
type faultAPI struct {
	stack.API
	mu   sync.Mutex
	fail func(service, method, path string) error
	// calls records every operation ("lambda PUT /2015-…", "cognito-idp
	// AWSCognitoIdentityProviderService.CreateUserPool").
	calls []string
}

func (f *faultAPI) check(service, method, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, service+" "+method+" "+path)
	if f.fail != nil {
		return f.fail(service, method, path)
	}
	return nil
}

func (f *faultAPI) REST(ctx context.Context, service, method, path string, in, out any) error {
	if err := f.check(service, method, path); err != nil {
		return err
	}
	return f.API.REST(ctx, service, method, path, in, out)
}

func (f *faultAPI) Target(ctx context.Context, service, target string, in, out any) error {
	if err := f.check(service, "POST", target); err != nil {
		return err
	}
	return f.API.Target(ctx, service, target, in, out)
}

func (f *faultAPI) setFail(fn func(service, method, path string) error) {
	f.mu.Lock()
	f.fail = fn
	f.mu.Unlock()
}

func (f *faultAPI) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// ---- deploying ----

// deployResult is one Deploy with the events it emitted.
type deployResult struct {
	stack   *stack.Stack
	changes []stack.Change
	events  []stack.Event
	err     error
}

func (e *env) deploy(name, tmpl string, params map[string]string, artifacts map[string][]byte) deployResult {
	e.t.Helper()
	var r deployResult
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r.stack, r.changes, r.err = e.eng.Deploy(ctx, stack.DeployInput{StackName: name, Template: []byte(tmpl),
		Parameters: params, Artifacts: artifacts}, func(ev stack.Event) {
		mu.Lock()
		r.events = append(r.events, ev)
		mu.Unlock()
	})
	return r
}

// mustDeploy deploys and requires success.
func (e *env) mustDeploy(name, tmpl string, params map[string]string, artifacts map[string][]byte) deployResult {
	e.t.Helper()
	r := e.deploy(name, tmpl, params, artifacts)
	if r.err != nil {
		e.t.Fatalf("deploy %s: %v\nevents:\n%s", name, r.err, eventLines(r.events))
	}
	return r
}

func eventLines(evs []stack.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString("  " + ev.Kind + " " + ev.LogicalID + " " + ev.Action + " " + ev.Status + " " + ev.Message + "\n")
	}
	return b.String()
}

func actions(changes []stack.Change) map[string]string {
	m := map[string]string{}
	for _, c := range changes {
		m[c.LogicalID] = c.Action
	}
	return m
}

// wantPlan checks that the resources in want have those actions and
// every other one is unchanged.
func wantPlan(t *testing.T, changes []stack.Change, want map[string]string) {
	t.Helper()
	got := actions(changes)
	for id, a := range want {
		if got[id] != a {
			t.Errorf("plan: %s is %q, want %q (plan %v)", id, got[id], a, got)
		}
	}
	for id, a := range got {
		if _, named := want[id]; !named && a != stack.ActionUnchanged {
			t.Errorf("plan: %s is %q, want unchanged (plan %v)", id, a, got)
		}
	}
}

// ---- the application template ----

// appOpts varies the test application's template.
type appOpts struct {
	OpenMemory  int    // OpenFunction's MemorySize; 0 leaves it out
	OpenRuntime string // OpenFunction's Runtime; "" takes the global one
	MinLength   int    // the pool's password policy; 0 means 8
	Extra       string // more resources, YAML indented two spaces
	NoPrivate   bool   // leave PrivateFunction (and its route) out
}

var appTmpl = template.Must(template.New("app").Parse(`AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Globals:
  Function:
    Runtime: nodejs20.x
    Handler: index.handler
    Timeout: 5
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UsernameAttributes: [email]
      Policies:
        PasswordPolicy:
          MinimumLength: {{if .MinLength}}{{.MinLength}}{{else}}8{{end}}
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Cors:
        AllowOrigin: "'*'"
        AllowHeaders: "'Authorization,Content-Type'"
      Auth:
        DefaultAuthorizer: Cognito
        AddDefaultAuthorizerToCorsPreflight: false
        Authorizers:
          Cognito:
            UserPoolArn: !GetAtt UserPool.Arn
  OpenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: open/
{{- if .OpenMemory}}
      MemorySize: {{.OpenMemory}}
{{- end}}
{{- if .OpenRuntime}}
      Runtime: {{.OpenRuntime}}
{{- end}}
      Environment:
        Variables:
          GREETING: !Ref Greeting
          POOL_ID: !Ref UserPool
      Events:
        Open:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /open
            Method: GET
            Auth:
              Authorizer: NONE
{{- if not .NoPrivate}}
  PrivateFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: private/
      Events:
        Root:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /
            Method: GET
{{- end}}
{{.Extra}}
Outputs:
  ApiUrl:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1"
  PoolId:
    Value: !Ref UserPool
  PoolArn:
    Value: !GetAtt UserPool.Arn
  ClientId:
    Value: !Ref UserPoolClient
  OpenArn:
    Value: !GetAtt OpenFunction.Arn
  Hello:
    Description: a Sub over a parameter and a pseudo parameter
    Value: !Sub "${Greeting} from ${AWS::StackName} in ${AWS::Region}"
`))

func appTemplate(t *testing.T, o appOpts) string {
	t.Helper()
	var b bytes.Buffer
	if err := appTmpl.Execute(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// nodeZip is a Node handler answering with its greeting and a marker
// that changes with the code.
func nodeZip(t *testing.T, marker string) []byte {
	t.Helper()
	src := `export const handler = async (event) => ({
  statusCode: 200,
  headers: {"Content-Type": "application/json"},
  body: JSON.stringify({greeting: process.env.GREETING || "", marker: "` + marker + `", path: event.path}),
});
`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.mjs")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, src)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// appArtifacts are both functions' packages; marker varies PrivateFunction's.
func appArtifacts(t *testing.T, openMarker, privateMarker string) map[string][]byte {
	return map[string][]byte{"open/": nodeZip(t, openMarker), "private/": nodeZip(t, privateMarker)}
}

// ---- looking at the server ----

func (e *env) rest(method, path string, out any) error {
	return e.raw.REST(context.Background(), pathService(path), method, path, nil, out)
}

func pathService(path string) string {
	if strings.HasPrefix(path, "/restapis") || strings.HasPrefix(path, "/v2/") {
		return "apigateway"
	}
	return "lambda"
}

func (e *env) cognito(op string, in, out any) error {
	return e.raw.Target(context.Background(), "cognito-idp", "AWSCognitoIdentityProviderService."+op, in, out)
}

// functionConfig is what GetFunctionConfiguration says.
type functionConfig struct {
	FunctionName, FunctionArn, Runtime, Handler, CodeSha256, LastModified string
	MemorySize, Timeout                                                   int
	Environment                                                           struct{ Variables map[string]string }
}

func (e *env) function(name string) (functionConfig, error) {
	var c functionConfig
	err := e.rest("GET", "/2015-03-31/functions/"+url.PathEscape(name)+"/configuration", &c)
	return c, err
}

func (e *env) mustFunction(name string) functionConfig {
	e.t.Helper()
	c, err := e.function(name)
	if err != nil {
		e.t.Fatalf("GetFunctionConfiguration %s: %v", name, err)
	}
	return c
}

func (e *env) functionNames() []string {
	e.t.Helper()
	var out struct{ Functions []functionConfig }
	if err := e.rest("GET", "/2015-03-31/functions", &out); err != nil {
		e.t.Fatalf("ListFunctions: %v", err)
	}
	var names []string
	for _, f := range out.Functions {
		names = append(names, f.FunctionName)
	}
	return names
}

func (e *env) poolIDs() []string {
	e.t.Helper()
	var out struct{ UserPools []struct{ Id, Name string } }
	if err := e.cognito("ListUserPools", map[string]any{"MaxResults": 60}, &out); err != nil {
		e.t.Fatalf("ListUserPools: %v", err)
	}
	var ids []string
	for _, p := range out.UserPools {
		ids = append(ids, p.Id)
	}
	return ids
}

func (e *env) restAPIIDs() []string {
	e.t.Helper()
	var out struct {
		Item []struct{ ID, Name string }
	}
	if err := e.rest("GET", "/restapis", &out); err != nil {
		e.t.Fatalf("GetRestApis: %v", err)
	}
	var ids []string
	for _, a := range out.Item {
		ids = append(ids, a.ID)
	}
	return ids
}

// wantEmpty checks that the server holds no function, pool or API.
func (e *env) wantEmpty(what string) {
	e.t.Helper()
	if f := e.functionNames(); len(f) > 0 {
		e.t.Errorf("%s: functions left behind: %v", what, f)
	}
	if p := e.poolIDs(); len(p) > 0 {
		e.t.Errorf("%s: user pools left behind: %v", what, p)
	}
	if a := e.restAPIIDs(); len(a) > 0 {
		e.t.Errorf("%s: REST APIs left behind: %v", what, a)
	}
}

func isNotFound(err error) bool {
	var ae *stack.APIError
	return errors.As(err, &ae) && (ae.Status == http.StatusNotFound || strings.HasSuffix(ae.Code, "NotFoundException"))
}

// get calls a URL on the server with the Host a browser would send for
// an execute-api URL, without relying on *.localhost resolving.
func (e *env) get(rawURL string, header http.Header) (int, string) {
	e.t.Helper()
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, e.addr)
		}}}
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// haveNode reports whether Node functions can run here; creating them
// does not need it, invoking does.
func haveNode() bool {
	_, err := exec.LookPath("node")
	return err == nil
}

// idToken makes a confirmed user in pool whose username is an email or a
// phone number (the pool's UsernameAttributes) and signs in through
// client (USER_PASSWORD_AUTH), returning the ID token.
func (e *env) idToken(pool, client, username string) string {
	e.t.Helper()
	const password = "Corr3ct-Horse!"
	attr := "phone_number"
	if strings.Contains(username, "@") {
		attr = "email"
	}
	in := map[string]any{"UserPoolId": pool, "Username": username, "MessageAction": "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": attr, "Value": username}}}
	if err := e.cognito("AdminCreateUser", in, nil); err != nil {
		e.t.Fatalf("AdminCreateUser: %v", err)
	}
	if err := e.cognito("AdminSetUserPassword", map[string]any{"UserPoolId": pool, "Username": username, "Password": password, "Permanent": true}, nil); err != nil {
		e.t.Fatalf("AdminSetUserPassword: %v", err)
	}
	var out struct{ AuthenticationResult struct{ IdToken string } }
	err := e.cognito("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
		"AuthParameters": map[string]string{"USERNAME": username, "PASSWORD": password}}, &out)
	if err != nil || out.AuthenticationResult.IdToken == "" {
		e.t.Fatalf("InitiateAuth: %v (%+v)", err, out)
	}
	return out.AuthenticationResult.IdToken
}

// stacksCall calls a GatehouseStacks operation on the server, as the CLI
// does, and returns the events of a streamed answer, the status and the
// body.
func (e *env) stacksCall(t *testing.T, op string, in any) ([]stack.Event, int, string) {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", e.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", stack.Target+op)
	s := e.signer
	s.Service = "gatehouse"
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	resp, err := loopback.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var events []stack.Event
	if resp.Header.Get("Content-Type") == "application/x-ndjson" {
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			var ev stack.Event
			if err := json.Unmarshal(line, &ev); err != nil {
				t.Fatalf("%s: unreadable event %q: %v", op, line, err)
			}
			events = append(events, ev)
		}
	}
	return events, resp.StatusCode, string(data)
}

// keptCode reports whether the engine's store holds zip, by its hash, for
// rolling back a later code change.
func (e *env) keptCode(zip []byte) bool {
	sum := sha256.Sum256(zip)
	_, err := e.st.GetBlob(context.Background(), hex.EncodeToString(sum[:]))
	return err == nil
}
