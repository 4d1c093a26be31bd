package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The four SAM examples of examples/, each deployed with the real
// `gatehouse deploy` to a real server and then driven the way the
// example's README tells a user to: curl, the aws CLI, headless Chromium
// running amazon-cognito-identity-js, `aws lambda invoke`.

// stackChange is one resource of a deploy's plan.
type stackChange struct {
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	Action    string `json:"action"`
	Reason    string `json:"reason"`
}

// stackDeploy is what `gatehouse deploy --output json` prints.
type stackDeploy struct {
	StackName string
	Status    string
	Changes   []stackChange
	Outputs   map[string]string
}

// gatehouseCLI runs `gatehouse COMMAND... --endpoint URL --data DIR
// ARGS...` as a client of s (the flags go before the arguments: a list
// flag like --parameter-overrides takes the words after it) and returns
// stdout, stderr and the exit code.
func gatehouseCLI(t *testing.T, s *server, timeout time.Duration, command []string, args ...string) (string, string, int) {
	t.Helper()
	argv := append(append(slices.Clone(command), "--endpoint", s.URL, "--data", s.Data), args...)
	return runCmd(t, s.Env, timeout, binPath, argv...)
}

// deployStack runs `gatehouse deploy --template DIR/template.yaml
// --output json [args...]` and requires it to succeed. The Go functions'
// builds are part of the deploy, hence the generous timeout.
func deployStack(t *testing.T, s *server, dir string, args ...string) stackDeploy {
	t.Helper()
	start := time.Now()
	args = append([]string{"--template", filepath.Join(dir, "template.yaml"), "--output", "json"}, args...)
	stdout, stderr, code := gatehouseCLI(t, s, 5*time.Minute, []string{"deploy"}, args...)
	if code != 0 {
		t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout, stderr)
	}
	var res stackDeploy
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("gatehouse deploy --output json printed no JSON object: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	t.Logf("deploy of %s: %s in %v", dir, res.Status, time.Since(start).Round(time.Millisecond))
	if res.Status != "CREATE_COMPLETE" && res.Status != "UPDATE_COMPLETE" {
		t.Fatalf("deploy of %s: status %q, want CREATE_COMPLETE or UPDATE_COMPLETE\nstdout: %s", dir, res.Status, stdout)
	}
	return res
}

// output returns a stack output the test needs, or fails.
func (d stackDeploy) output(t *testing.T, key string) string {
	t.Helper()
	v := d.Outputs[key]
	if v == "" {
		t.Fatalf("stack %s has no output %s; outputs: %v", d.StackName, key, d.Outputs)
	}
	return v
}

// wantActions checks a plan: the resources named in want have those
// actions, every other resource is unchanged.
func wantActions(t *testing.T, what string, d stackDeploy, want map[string]string) {
	t.Helper()
	if len(d.Changes) == 0 {
		t.Errorf("%s: the plan lists no resource at all", what)
		return
	}
	got := map[string]string{}
	var bad []string
	for _, c := range d.Changes {
		got[c.LogicalID] = c.Action
		w, named := want[c.LogicalID]
		if !named {
			w = "unchanged"
		}
		if c.Action != w {
			bad = append(bad, fmt.Sprintf("%s (%s): %s (%s), want %s", c.LogicalID, c.Type, c.Action, c.Reason, w))
		}
	}
	for id := range want {
		if _, ok := got[id]; !ok {
			bad = append(bad, id+": not in the plan")
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		t.Errorf("%s: unexpected plan:\n  %s", what, strings.Join(bad, "\n  "))
	}
}

// archOverride is the parameter that builds the Go examples for this
// machine (their templates default to x86_64).
func archOverride() string {
	if runtime.GOARCH == "arm64" {
		return "Architecture=arm64"
	}
	return "Architecture=x86_64"
}

// curlResult is one curl exchange.
type curlResult struct {
	Status int
	Header http.Header
	Body   string
}

// json decodes the body as a JSON object, or fails.
func (r curlResult) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("HTTP %d body is not a JSON object: %v: %q", r.Status, err, r.Body)
	}
	return m
}

// curlDo runs curl against a URL a deploy printed (execute-api hosts
// under localhost, which curl resolves to loopback itself): method, extra
// header lines ("Name: value") and an optional body.
func curlDo(t *testing.T, s *server, method, url string, body string, header ...string) curlResult {
	t.Helper()
	curl := needTool(t, "curl")
	dir := t.TempDir()
	headers := filepath.Join(dir, "headers")
	args := []string{"-sS", "-X", method, "-D", headers, "-o", filepath.Join(dir, "body"), "-w", "%{http_code}", "--max-time", "60"}
	for _, h := range header {
		args = append(args, "-H", h)
	}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "--data-binary", body)
	}
	stdout, stderr, code := runCmd(t, s.Env, 2*time.Minute, curl, append(args, url)...)
	if code != 0 {
		t.Fatalf("curl -X %s %s: exit %d: %s", method, url, code, stderr)
	}
	r := curlResult{Header: http.Header{}}
	fmt.Sscan(stdout, &r.Status)
	b, _ := os.ReadFile(filepath.Join(dir, "body"))
	r.Body = string(b)
	raw, _ := os.ReadFile(headers)
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return r
}

// temporaryPassword reads the invitation an AWS::Cognito::UserPoolUser
// sent to email from the outbox.
func temporaryPassword(t *testing.T, s *server, email string) string {
	t.Helper()
	for _, m := range s.outbox(t, email, 1) {
		if _, rest, ok := strings.Cut(m.Body, "temporary password is "); ok {
			return strings.TrimSuffix(strings.TrimSpace(rest), ".")
		}
	}
	t.Fatalf("no invitation with a temporary password for %s in the outbox", email)
	return ""
}

// exampleDir is an example's directory in this repository.
func exampleDir(name string) string {
	root, _ := filepath.Abs("..")
	return filepath.Join(root, "examples", name)
}

// TestExampleHelloAuth deploys examples/hello-auth as its README says
// and walks its tour: the open route answers, the protected one answers
// 401 {"message":"Unauthorized"}, the first user's temporary password
// arrives in the outbox, `aws cognito-idp initiate-auth` asks for a new
// one, `admin-respond-to-auth-challenge` sets it and returns tokens, and
// the protected route answers 200 to the ID token with the caller's
// email. A second deploy with nothing changed changes nothing.
func TestExampleHelloAuth(t *testing.T) {
	t.Parallel()
	cli := awsCLI{t: t, bin: needTool(t, "aws")}
	needTool(t, "curl")
	needTool(t, "go")
	s := startServer(t)
	cli.s = s
	const email = "ada@example.com"
	dir := exampleDir("hello-auth")

	d := deployStack(t, s, dir, "--parameter-overrides", "YourEmail="+email, archOverride())
	if d.StackName != "hello-auth" {
		t.Errorf("stack name %q, want hello-auth (the template directory's name)", d.StackName)
	}
	wantCreated := map[string]string{}
	for _, c := range d.Changes {
		wantCreated[c.LogicalID] = "create"
	}
	for _, id := range []string{"UserPool", "UserPoolClient", "FirstUser", "HelloApi", "OpenFunction", "ProtectedFunction"} {
		if wantCreated[id] == "" {
			t.Errorf("first deploy: %s is not in the plan %+v", id, d.Changes)
		}
	}
	wantActions(t, "first deploy", d, wantCreated)
	api := d.output(t, "ApiUrl")
	pool := d.output(t, "UserPoolId")
	client := d.output(t, "UserPoolClientId")
	if !regexp.MustCompile(`^http://[a-z0-9]+\.execute-api\.localhost:[0-9]+/v1$`).MatchString(api) {
		t.Fatalf("ApiUrl %q is not the API's local v1 URL", api)
	}

	// curl $API/open → 200
	r := curlDo(t, s, "GET", api+"/open", "")
	if r.Status != 200 || r.json(t)["message"] != "hello, stranger" {
		t.Fatalf("GET /open: %d %s", r.Status, r.Body)
	}
	// curl $API → 401
	if r := curlDo(t, s, "GET", api, ""); r.Status != 401 || r.Body != `{"message":"Unauthorized"}` {
		t.Fatalf("GET / without a token: %d %s", r.Status, r.Body)
	}
	// The CORS preflight of a browser call with a token is answered by
	// SAM's OPTIONS mock, outside the authorizer.
	r = curlDo(t, s, "OPTIONS", api, "", "Origin: https://app.example", "Access-Control-Request-Method: GET",
		"Access-Control-Request-Headers: authorization")
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight: %d %v %s", r.Status, r.Header, r.Body)
	}

	// The temporary password, then the first sign-in.
	temp := temporaryPassword(t, s, email)
	var ch struct {
		ChallengeName, Session string
		ChallengeParameters    map[string]string
	}
	cli.ok(&ch, "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME="+email+",PASSWORD="+temp)
	if ch.ChallengeName != "NEW_PASSWORD_REQUIRED" || ch.Session == "" || ch.ChallengeParameters["USER_ID_FOR_SRP"] == "" {
		t.Fatalf("initiate-auth with the temporary password: %+v", ch)
	}
	var auth struct {
		AuthenticationResult struct{ IdToken, AccessToken, RefreshToken string }
	}
	cli.ok(&auth, "cognito-idp", "admin-respond-to-auth-challenge", "--user-pool-id", pool, "--client-id", client,
		"--challenge-name", "NEW_PASSWORD_REQUIRED", "--session", ch.Session,
		"--challenge-responses", "USERNAME="+ch.ChallengeParameters["USER_ID_FOR_SRP"]+",NEW_PASSWORD=Correct-Horse-9")
	id := auth.AuthenticationResult.IdToken
	if id == "" {
		t.Fatalf("admin-respond-to-auth-challenge returned no ID token: %+v", auth)
	}
	// From then on the new password signs in.
	var again struct{ AuthenticationResult struct{ IdToken string } }
	cli.ok(&again, "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME="+email+",PASSWORD=Correct-Horse-9")
	if again.AuthenticationResult.IdToken == "" {
		t.Fatalf("initiate-auth with the new password returned no ID token: %+v", again)
	}

	// curl -H "Authorization: $ID_TOKEN" $API → 200 with the function's JSON
	r = curlDo(t, s, "GET", api, "", "Authorization: "+id)
	if r.Status != 200 {
		t.Fatalf("GET / with the ID token: %d %s", r.Status, r.Body)
	}
	if m := r.json(t); m["email"] != email || m["message"] != "hello, "+email || m["stage"] != "v1" || m["sub"] != ch.ChallengeParameters["USER_ID_FOR_SRP"] {
		t.Errorf("GET / with the ID token: %s", r.Body)
	}
	if r := curlDo(t, s, "GET", api, "", "Authorization: "+auth.AuthenticationResult.AccessToken); r.Status != 401 {
		t.Errorf("GET / with the access token (no scopes on the method: an ID token is needed): %d %s", r.Status, r.Body)
	}

	// The stack as the stacks commands show it.
	stdout, stderr, code := gatehouseCLI(t, s, time.Minute, []string{"stacks", "outputs"}, "hello-auth")
	if code != 0 || !strings.Contains(stdout, api) || !strings.Contains(stdout, pool) {
		t.Errorf("gatehouse stacks outputs hello-auth: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	stdout, stderr, code = gatehouseCLI(t, s, time.Minute, []string{"stacks", "list"})
	if code != 0 || !strings.Contains(stdout, "hello-auth") {
		t.Errorf("gatehouse stacks list: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	// Nothing changed: nothing to do, and the user (and her new password)
	// is still there.
	d2 := deployStack(t, s, dir, "--parameter-overrides", "YourEmail="+email, archOverride())
	wantActions(t, "redeploy without changes", d2, nil)
	for _, k := range []string{"ApiUrl", "UserPoolId", "UserPoolClientId"} {
		if d2.Outputs[k] != d.Outputs[k] {
			t.Errorf("redeploy without changes: output %s %q, was %q", k, d2.Outputs[k], d.Outputs[k])
		}
	}
	if r := curlDo(t, s, "GET", api, "", "Authorization: "+id); r.Status != 200 {
		t.Errorf("GET / with the ID token after the redeploy: %d %s", r.Status, r.Body)
	}
	if n := len(s.outbox(t, email, 1)); n != 1 {
		t.Errorf("the redeploy sent the user another invitation: %d messages", n)
	}
}

// TestExampleStackUpdate deploys a copy of hello-auth, redeploys it
// unchanged (everything unchanged), then changes one function's code:
// only that function is updated, and the API answers with the new code.
func TestExampleStackUpdate(t *testing.T) {
	t.Parallel()
	needTool(t, "curl")
	needTool(t, "go")
	s := startServer(t)
	dir := copyGoExample(t, "hello-auth")

	d := deployStack(t, s, dir, "--parameter-overrides", archOverride())
	api := d.output(t, "ApiUrl")
	if r := curlDo(t, s, "GET", api+"/open", ""); r.Status != 200 || r.json(t)["message"] != "hello, stranger" {
		t.Fatalf("GET /open: %d %s", r.Status, r.Body)
	}

	d = deployStack(t, s, dir, "--parameter-overrides", archOverride())
	wantActions(t, "redeploy without changes", d, nil)

	src := filepath.Join(dir, "open", "main.go")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(code), `"hello, stranger"`, `"hello again, stranger"`, 1)
	if edited == string(code) {
		t.Fatalf("%s has no \"hello, stranger\" to edit", src)
	}
	if err := os.WriteFile(src, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	d = deployStack(t, s, dir, "--parameter-overrides", archOverride())
	wantActions(t, "redeploy with OpenFunction's code changed", d, map[string]string{"OpenFunction": "update"})
	if d.Outputs["ApiUrl"] != api {
		t.Errorf("ApiUrl changed from %s to %s", api, d.Outputs["ApiUrl"])
	}
	if r := curlDo(t, s, "GET", api+"/open", ""); r.Status != 200 || r.json(t)["message"] != "hello again, stranger" {
		t.Errorf("GET /open after the update: %d %s", r.Status, r.Body)
	}
	if r := curlDo(t, s, "GET", api, ""); r.Status != 401 {
		t.Errorf("GET / after the update, without a token: %d %s", r.Status, r.Body)
	}
}

// copyGoExample copies an example with Go functions out of the
// repository, so the test may edit it, and gives the copy a go.mod of its
// own (the functions build inside the repository's module otherwise),
// requiring aws-lambda-go at the repository's version.
func copyGoExample(t *testing.T, name string) string {
	t.Helper()
	from := exampleDir(name)
	to := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(from))
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go [0-9.]+$`).Find(gomod)
	lambdaGo := regexp.MustCompile(`(?m)^\s*github\.com/aws/aws-lambda-go (v\S+)`).FindSubmatch(gomod)
	if goLine == nil || lambdaGo == nil {
		t.Fatalf("go.mod: no go line or aws-lambda-go requirement:\n%s", gomod)
	}
	mod := fmt.Sprintf("module example.com/%s\n\n%s\n\nrequire github.com/aws/aws-lambda-go %s\n", name, goLine, lambdaGo[1])
	if err := os.WriteFile(filepath.Join(to, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	return to
}

// TestExampleProxyClaims deploys examples/proxy-claims and opens its web
// page in headless Chromium, served from an origin of its own: the page
// signs in with SRP through amazon-cognito-identity-js (answering the
// first sign-in's NEW_PASSWORD_REQUIRED with a new password), then GETs
// and POSTs the API with the ID token across origins; the function
// greets the user by the names in the token's claims and echoes the
// method and body.
func TestExampleProxyClaims(t *testing.T) {
	t.Parallel()
	b := needBrowser(t)
	needTool(t, "curl")
	s := startServer(t)
	dir := exampleDir("proxy-claims")
	const email = "grace@example.com"
	d := deployStack(t, s, dir, "--parameter-overrides", "UserEmail="+email, "GivenName=Grace", "FamilyName=Hopper")
	api := d.output(t, "ApiUrl")

	// curl first: no token, no entry; the gateway's 401 carries the CORS
	// header of the DEFAULT_4XX gateway response.
	r := curlDo(t, s, "POST", api+"/anything", `{"a":1}`)
	if r.Status != 401 || r.Body != `{"message":"Unauthorized"}` || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("POST without a token: %d %v %s", r.Status, r.Header, r.Body)
	}

	// The page and the library's browser bundle, from another origin than
	// the API's and the user pool's.
	bundle, err := os.ReadFile(filepath.Join(filepath.Dir(b.script), "node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js"))
	if err != nil {
		t.Fatalf("amazon-cognito-identity-js browser bundle: %v", err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "web", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/index.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
		case "/amazon-cognito-identity.min.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(bundle)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(web.Close)

	temp := temporaryPassword(t, s, email)
	frag := url.Values{
		"endpoint":    {s.URL + "/"},
		"userPoolId":  {d.output(t, "UserPoolId")},
		"clientId":    {d.output(t, "UserPoolClientId")},
		"api":         {api},
		"username":    {email},
		"password":    {temp},
		"newPassword": {"Amazing-Grace-1906"},
		"run":         {"1"},
	}
	type call struct {
		Status int
		Body   json.RawMessage
		Error  string
	}
	var res struct {
		Origin    string
		Steps     []string
		TokenUse  string
		Anonymous call
		Get, Post call
		Error     string
	}
	b.open(t, web.URL+"/index.html#"+frag.Encode(), &res)
	if res.Error != "" {
		t.Fatalf("the page failed: %s", res.Error)
	}
	if strings.Join(res.Steps, ",") != "new-password-required,signed-in" || res.TokenUse != "id" {
		t.Errorf("sign-in steps %v, token_use %q; want new-password-required,signed-in with an ID token", res.Steps, res.TokenUse)
	}
	if res.Anonymous.Status != 401 || string(res.Anonymous.Body) != `{"message":"Unauthorized"}` {
		t.Errorf("GET without a token, from the page: %+v (want a readable 401)", res.Anonymous)
	}
	type answer struct {
		Greeting, Method, Path string
		Proxy                  *string
		Body                   json.RawMessage
	}
	decode := func(name string, c call) answer {
		t.Helper()
		var a answer
		if c.Status != 200 || json.Unmarshal(c.Body, &a) != nil {
			t.Fatalf("%s from the page: status %d, body %s, error %q", name, c.Status, c.Body, c.Error)
		}
		return a
	}
	get := decode("GET", res.Get)
	if get.Greeting != "Hello, Grace Hopper" || get.Method != "GET" || get.Path != "/hello/world" || get.Proxy == nil || *get.Proxy != "hello/world" || string(get.Body) != "null" {
		t.Errorf("GET /hello/world from the page: %+v", get)
	}
	post := decode("POST", res.Post)
	if post.Greeting != "Hello, Grace Hopper" || post.Method != "POST" || post.Path != "/" || post.Proxy != nil ||
		string(post.Body) != `{"note":"posted from the browser"}` {
		t.Errorf("POST / from the page: %+v (body %s)", post, post.Body)
	}

	// The page set the user's password: the aws CLI sees her confirmed.
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	var user struct{ UserStatus string }
	cli.ok(&user, "cognito-idp", "admin-get-user", "--user-pool-id", d.output(t, "UserPoolId"), "--username", email)
	if user.UserStatus != "CONFIRMED" {
		t.Errorf("after the page's first sign-in the user is %s, want CONFIRMED", user.UserStatus)
	}
}

// TestExampleAuthFunctions deploys examples/auth-functions and uses its
// endpoints with curl: sign up, confirm with the code from the outbox,
// sign in, call the private endpoint with the ID token, refresh, and call
// it again with the new one. The Python functions call the user pool
// with boto3 and the client's secret.
func TestExampleAuthFunctions(t *testing.T) {
	t.Parallel()
	needTool(t, "curl")
	needTool(t, "python3")
	s := startServer(t)
	d := deployStack(t, s, exampleDir("auth-functions"))
	api := d.output(t, "ApiUrl")
	const email = "linus@example.com"

	post := func(path, body string, header ...string) curlResult {
		t.Helper()
		return curlDo(t, s, "POST", api+path, body, header...)
	}
	// noBoto3 explains a 502 from a function that could not import boto3.
	noBoto3 := func(r curlResult, fn string) {
		t.Helper()
		if r.Status == 502 {
			t.Fatalf("%s: 502 %s; the function's log (is boto3 importable inside Python functions?):\n%s", fn, r.Body, functionLogs(t, s, fn))
		}
	}

	r := post("/sign-up", `{"email":"`+email+`","password":"Penguin-2024"}`)
	noBoto3(r, "SignUpFunction")
	if r.Status != 200 || r.json(t)["userConfirmed"] != false {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	if r := post("/sign-up", `{"email":"`+email+`","password":"Penguin-2024"}`); r.Status != 409 || r.json(t)["error"] != "UsernameExistsException" {
		t.Errorf("sign-up again: %d %s", r.Status, r.Body)
	}
	if r := post("/sign-in", `{"email":"`+email+`","password":"Penguin-2024"}`); r.Status != 403 || r.json(t)["error"] != "UserNotConfirmedException" {
		t.Errorf("sign-in before confirming: %d %s", r.Status, r.Body)
	}

	code := sixDigits.FindString(s.outbox(t, email, 1)[0].Body)
	if code == "" {
		t.Fatalf("no code in the outbox for %s", email)
	}
	if r := post("/confirm-sign-up", `{"email":"`+email+`","code":"`+code+`"}`); r.Status != 200 || r.json(t)["confirmed"] != true {
		t.Fatalf("confirm-sign-up: %d %s", r.Status, r.Body)
	}

	if r := post("/sign-in", `{"email":"`+email+`","password":"wrong-Password-1"}`); r.Status != 401 || r.json(t)["error"] != "NotAuthorizedException" {
		t.Errorf("sign-in with a wrong password: %d %s", r.Status, r.Body)
	}
	r = post("/sign-in", `{"email":"`+email+`","password":"Penguin-2024"}`)
	if r.Status != 200 {
		t.Fatalf("sign-in: %d %s", r.Status, r.Body)
	}
	tokens := r.json(t)
	id, _ := tokens["idToken"].(string)
	refresh, _ := tokens["refreshToken"].(string)
	username, _ := tokens["username"].(string)
	if id == "" || refresh == "" || username == "" || tokens["accessToken"] == "" {
		t.Fatalf("sign-in answered %s", r.Body)
	}

	private := func(what, token string) map[string]any {
		t.Helper()
		r := curlDo(t, s, "GET", api+"/private", "", "Authorization: "+token)
		if r.Status != 200 {
			t.Fatalf("GET /private with %s: %d %s", what, r.Status, r.Body)
		}
		m := r.json(t)
		attrs, _ := m["attributes"].(map[string]any)
		if m["message"] != "hello, "+email || m["sub"] != username || m["status"] != "CONFIRMED" || attrs["email"] != email || attrs["email_verified"] != "true" {
			t.Errorf("GET /private with %s: %s", what, r.Body)
		}
		return m
	}
	if r := curlDo(t, s, "GET", api+"/private", ""); r.Status != 401 || r.Body != `{"message":"Unauthorized"}` {
		t.Errorf("GET /private without a token: %d %s", r.Status, r.Body)
	}
	private("the ID token from /sign-in", id)

	r = post("/refresh", `{"refreshToken":"`+refresh+`","username":"`+username+`"}`)
	if r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	fresh, _ := r.json(t)["idToken"].(string)
	if fresh == "" || fresh == id {
		t.Fatalf("refresh answered %s", r.Body)
	}
	private("the ID token from /refresh", fresh)
	if r := post("/refresh", `{"refreshToken":"`+refresh+`","username":"someone-else"}`); r.Status != 401 {
		t.Errorf("refresh with a SECRET_HASH for another user: %d %s", r.Status, r.Body)
	}

	wantActions(t, "redeploy without changes", deployStack(t, s, exampleDir("auth-functions")), nil)
}

// functionLogs returns the log of a stack's function, found by the
// logical ID in its name.
func functionLogs(t *testing.T, s *server, logicalID string) string {
	t.Helper()
	var list struct {
		Functions []struct{ FunctionName string }
	}
	resp := s.do(t, rawReq{Method: "GET", Path: "/2015-03-31/functions/", ID: s.AccessKey, Secret: s.SecretKey})
	json.Unmarshal(resp.Body, &list)
	var b strings.Builder
	for _, f := range list.Functions {
		if strings.Contains(f.FunctionName, "-"+logicalID+"-") {
			fmt.Fprintf(&b, "--- %s\n%s\n", f.FunctionName, s.logText(t, f.FunctionName))
		}
	}
	return b.String()
}

// TestExampleAccessIntegration deploys examples/access-integration and
// invokes its function with `aws lambda invoke`, as an access-management
// connector does through the Invoke API: every event type answers in its
// documented shape, a bad event is a function error, and the function
// carries the tag the connector looks for. `gatehouse stacks delete`
// removes it.
func TestExampleAccessIntegration(t *testing.T) {
	t.Parallel()
	cli := awsCLI{t: t, bin: needTool(t, "aws")}
	needTool(t, "node")
	s := startServer(t)
	cli.s = s
	d := deployStack(t, s, exampleDir("access-integration"))
	name := d.output(t, "FunctionName")
	arn := d.output(t, "FunctionArn")
	if name != "access-integration-connector" || !strings.HasSuffix(arn, ":function:"+name) {
		t.Errorf("outputs FunctionName %q, FunctionArn %q", name, arn)
	}

	var tags struct{ Tags map[string]string }
	cli.ok(&tags, "lambda", "list-tags", "--resource", arn)
	if tags.Tags["apono-connector-access"] != "true" {
		t.Errorf("list-tags: %v, want apono-connector-access=true", tags.Tags)
	}

	out := filepath.Join(t.TempDir(), "out.json")
	invoke := func(event string) (string, map[string]any) {
		t.Helper()
		var res struct {
			StatusCode    int
			FunctionError string
		}
		cli.ok(&res, "lambda", "invoke", "--function-name", name, "--payload", event, out)
		body, _ := os.ReadFile(out)
		var doc map[string]any
		if res.StatusCode != 200 || json.Unmarshal(body, &doc) != nil {
			t.Fatalf("aws lambda invoke %s: %+v, %s", event, res, body)
		}
		return res.FunctionError, doc
	}
	ok := func(event string) map[string]any {
		t.Helper()
		fnErr, doc := invoke(event)
		if fnErr != "" {
			t.Fatalf("aws lambda invoke %s: function error %s: %v", event, fnErr, doc)
		}
		return doc
	}

	doc := ok(`{"event_type":"list-resources","params":{"resource_type":"warehouse-schema","custom_parameters":{"param1":"x"}}}`)
	resources, _ := doc["resources"].([]any)
	permissions, _ := doc["permissions"].([]any)
	if len(resources) != 3 || len(permissions) != 3 {
		t.Fatalf("list-resources: %v", doc)
	}
	for _, r := range resources {
		m, _ := r.(map[string]any)
		if m["id"] == "" || m["name"] == "" || m["type"] != "warehouse-schema" {
			t.Errorf("list-resources: resource %v", r)
		}
	}
	grant := `{"grant_id":"g-1","username":"ada@example.com","resource_type":"warehouse-schema","resources":["sales","hr"],"permission":"read","custom_parameters":{}}`
	for _, ev := range []string{"grant-access", "revoke-access"} {
		if doc := ok(`{"event_type":"` + ev + `","params":` + grant + `}`); doc["status"] != "ok" {
			t.Errorf("%s: %v", ev, doc)
		}
	}
	creds := `{"username":"ada@example.com","resource_type":"warehouse-schema","resources":["sales"],"custom_parameters":{}}`
	secrets := map[string]bool{}
	for _, ev := range []string{"create-credentials", "reset-credentials"} {
		doc := ok(`{"event_type":"` + ev + `","params":` + creds + `}`)
		secret, _ := doc["secret"].(string)
		if doc["status"] != "ok" || len(secret) != 24 || secrets[secret] {
			t.Errorf("%s: %v", ev, doc)
		}
		secrets[secret] = true
	}
	if doc := ok(`{"event_type":"some-future-event","params":{}}`); doc["status"] != "ok" {
		t.Errorf("an unknown event: %v", doc)
	}
	fnErr, doc := invoke(`{"event_type":"grant-access","params":{"username":"ada@example.com","resources":["nope"],"permission":"read","grant_id":"g-2"}}`)
	if fnErr != "Unhandled" || doc["errorType"] != "InvalidEventError" || doc["errorMessage"] != "unknown resources: nope" {
		t.Errorf("grant-access on an unknown resource: function error %q, %v", fnErr, doc)
	}

	// The function's log shows what it did.
	s.waitLog(t, name, "grant g-1: read on sales,hr to ada@example.com")

	wantActions(t, "redeploy without changes", deployStack(t, s, exampleDir("access-integration")), nil)

	stdout, stderr, code := gatehouseCLI(t, s, 2*time.Minute, []string{"stacks", "delete"}, "access-integration")
	if code != 0 {
		t.Fatalf("gatehouse stacks delete: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	cli.fails("ResourceNotFoundException", "lambda", "get-function", "--function-name", name)
}
