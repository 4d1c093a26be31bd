package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// browser is what the browser suites need: node, the playwright-core
// driver (e2e/browser/run.mjs) and Debian's Chromium.
type browser struct {
	node, script, chromium string
}

var browserInstall struct {
	once sync.Once
	err  error
	out  []byte
}

// needBrowser finds Chromium and playwright-core, installing the pinned
// e2e/browser packages with `npm ci` on first use as the other Node
// suites do. It skips naming what is missing, or fails when CI is set.
func needBrowser(t *testing.T) browser {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if inCI() {
			t.Fatalf("%s (CI is set)", msg)
		}
		t.Skip(msg)
	}
	node := needTool(t, "node")
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
		if _, err := os.Stat(chromium); err != nil {
			if p, err := exec.LookPath("chromium"); err == nil {
				chromium = p
			}
		}
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH): %v", err)
	}
	dir, err := filepath.Abs("browser")
	if err != nil {
		t.Fatal(err)
	}
	browserInstall.once.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules/playwright-core/package.json")); err == nil {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			browserInstall.err = err
			return
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		browserInstall.out, browserInstall.err = cmd.CombinedOutput()
	})
	if browserInstall.err != nil {
		missing("playwright-core is not installed in %s/node_modules and npm ci failed: %v\n%s", dir, browserInstall.err, browserInstall.out)
	}
	return browser{node: node, script: filepath.Join(dir, "run.mjs"), chromium: chromium}
}

// open loads url in a fresh headless Chromium and decodes what the page
// put in window.__result into out. The whole run, browser start-up
// included, is bounded by a minute.
func (b browser) open(t *testing.T, url string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.node, b.script, url, "--timeout-ms", "40000")
	// The driver's profile lives under TMPDIR: a test's own, so even a
	// killed run leaves nothing behind.
	cmd.Env = append(os.Environ(), "CHROMIUM_PATH="+b.chromium, "TMPDIR="+t.TempDir())
	// Chromium's helpers are children of the driver: on a timeout the
	// whole process group goes, not only node.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("browser run took %v; its stderr:\n%s", time.Since(start).Round(time.Millisecond), stderr.String())
	if err != nil {
		t.Fatalf("browser driver: %v\nstdout: %s", err, stdout.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("browser driver printed no JSON result: %v\n%s", err, stdout.String())
	}
}

// fetchPage is the single-page app of these tests: it runs the fetches
// its fragment lists (base64 JSON, so tokens never reach the page's
// server), one after the other so the gateway sees them in order, and
// records for each the status and body, or the error fetch threw. A
// blocked cross-origin call surfaces only as "TypeError: Failed to
// fetch"; the console says why.
const fetchPage = `<!doctype html>
<meta charset="utf-8">
<title>gatehouse CORS e2e</title>
<script>
(async () => {
  const plan = JSON.parse(atob(location.hash.slice(1)));
  const out = {origin: location.origin};
  for (const c of plan.calls) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 10000);
    const r = {};
    try {
      const resp = await fetch(c.url, {headers: c.headers || {}, signal: abort.signal});
      r.status = resp.status;
      r.body = await resp.text();
    } catch (e) {
      r.error = e.name + ": " + e.message;
    }
    clearTimeout(timer);
    out[c.name] = r;
  }
  window.__result = out;
})().catch((e) => { window.__result = {fatal: String((e && e.stack) || e)}; });
</script>
`

// pageCall is one fetch of fetchPage's plan.
type pageCall struct {
	Name    string            `json:"name"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

// pageResult is what fetchPage recorded for one call.
type pageResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

// servePage serves fetchPage from an origin of its own: 127.0.0.1 on
// another port than gatehouse, so every call to an execute-api host is
// cross-origin.
func servePage(t *testing.T) *httptest.Server {
	t.Helper()
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			// No favicon: a 404 would only add noise to the console log.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, fetchPage)
	}))
	t.Cleanup(ps.Close)
	return ps
}

// runPage opens the page with calls in the browser and returns its
// results by call name.
func runPage(t *testing.T, b browser, page *httptest.Server, calls []pageCall) map[string]pageResult {
	t.Helper()
	plan, err := json.Marshal(map[string]any{"calls": calls})
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	b.open(t, page.URL+"/#"+base64.StdEncoding.EncodeToString(plan), &raw)
	if f, ok := raw["fatal"]; ok {
		t.Fatalf("the page failed: %s", f)
	}
	if o := string(raw["origin"]); o != strconv.Quote(page.URL) {
		t.Fatalf("the page ran at origin %s, want %q", o, page.URL)
	}
	out := map[string]pageResult{}
	for _, c := range calls {
		var r pageResult
		if err := json.Unmarshal(raw[c.Name], &r); err != nil {
			t.Fatalf("call %s: no result (%v): %s", c.Name, err, raw[c.Name])
		}
		out[c.Name] = r
	}
	return out
}

// corsEchoJS is a handler as SAM users write them for a browser client:
// it sets Access-Control-Allow-Origin itself (gatehouse, like API
// Gateway's proxy integration, adds none to a REST function response)
// and reports who called, from where.
const corsEchoJS = `exports.handler = async (event) => {
  const a = (event.requestContext && event.requestContext.authorizer) || {};
  const claims = a.claims || (a.jwt && a.jwt.claims) || {};
  const h = event.headers || {};
  return {
    statusCode: 200,
    headers: {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
    body: JSON.stringify({
      user: claims["cognito:username"] || claims.username || null,
      tokenUse: claims.token_use || null,
      path: event.rawPath || event.path,
      origin: h.origin || h.Origin || null,
    }),
  };
};
`

// browserUser makes a pool, an app client and a confirmed user, and
// signs in with the aws CLI as the existing gateway suites do.
func browserUser(t *testing.T, cli awsCLI, user string) (pool, poolARN, client, idToken, accessToken string) {
	t.Helper()
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(args, "--output", "text")...))
	}
	pool = text("cognito-idp", "create-user-pool", "--pool-name", "browser", "--query", "UserPool.Id")
	poolARN = text("cognito-idp", "describe-user-pool", "--user-pool-id", pool, "--query", "UserPool.Arn")
	client = text("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "spa",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	text("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", user, "--message-action", "SUPPRESS", "--query", "User.Username")
	text("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", user, "--password", "Brow-Passw0rd!", "--permanent")
	var auth struct {
		AuthenticationResult struct{ IdToken, AccessToken string }
	}
	cli.ok(&auth, "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME="+user+",PASSWORD=Brow-Passw0rd!")
	return pool, poolARN, client, auth.AuthenticationResult.IdToken, auth.AuthenticationResult.AccessToken
}

// executeAPIBase is the API's own origin on the server, as a browser
// reaches it (Chromium resolves every *.localhost name to loopback).
func executeAPIBase(s *server, api string) string {
	return "http://" + api + ".execute-api.localhost:" + s.Addr[strings.LastIndexByte(s.Addr, ':')+1:]
}

// wantBody asserts a 200 whose JSON body has the given fields.
func wantBody(t *testing.T, name string, r pageResult, want map[string]any) {
	t.Helper()
	var got map[string]any
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &got) != nil {
		t.Errorf("%s: status %d, body %q, error %q; want 200 with the function's JSON", name, r.Status, r.Body, r.Error)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %v, want %v (body %s)", name, k, got[k], v, r.Body)
		}
	}
}

// wantBlocked asserts that the browser refused the call (CORS failures
// reach the page only as a TypeError).
func wantBlocked(t *testing.T, name string, r pageResult) {
	t.Helper()
	if !strings.HasPrefix(r.Error, "TypeError") {
		t.Errorf("%s: status %d, body %q, error %q; want the browser to block it with a TypeError", name, r.Status, r.Body, r.Error)
	}
}

// TestGatewayBrowserRESTCORS calls a Cognito-protected REST API from a
// page on another origin in headless Chromium, as a single-page app
// does: SAM's OPTIONS mocks (outside the authorizer, as with
// AddDefaultAuthorizerToCorsPreflight: false) answer the preflight the
// Authorization header forces, the function's own CORS header makes its
// answer readable, and a DEFAULT_4XX gateway response makes the 401
// readable. The stage's access log shows what reached the gateway, so the
// preflights are seen to happen, and routes whose preflight answer is
// wrong must be blocked by the browser before their GET is ever sent.
func TestGatewayBrowserRESTCORS(t *testing.T) {
	t.Parallel()
	b := needBrowser(t)
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	fn := createFn(t, s.lambda(), "cors-echo", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: corsEchoJS}))
	_, poolARN, _, idToken, _ := browserUser(t, cli, "brenda")

	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + *fn.FunctionArn + "/invocations"
	get := fmt.Sprintf(`{"responses":{},"security":[{"pool":[]}],"x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%q}}`, uri)
	// /narrow's preflight answer leaves Authorization out of the allowed
	// headers and /bare has no OPTIONS method at all (403): both must fail
	// in the browser, though their GET would answer 200 with
	// Access-Control-Allow-Origin: * if it were ever sent.
	narrowMock := strings.Replace(fmt.Sprintf(corsMock, ""), "'Authorization,Content-Type'", "'Content-Type'", 1)
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"browser-cors","version":"1"},"paths":{
  "/items/{id}":{"get":%[1]s,"options":`+fmt.Sprintf(corsMock, "")+`},
  "/narrow/{id}":{"get":%[1]s,"options":`+narrowMock+`},
  "/bare/{id}":{"get":%[1]s}},
  "components":{"securitySchemes":{"pool":{"type":"apiKey","name":"Authorization","in":"header","x-amazon-apigateway-authtype":"cognito_user_pools",
    "x-amazon-apigateway-authorizer":{"type":"cognito_user_pools","providerARNs":[%[2]q]}}}},
  "x-amazon-apigateway-gateway-responses":{"DEFAULT_4XX":{"responseParameters":{"gatewayresponse.header.Access-Control-Allow-Origin":"'*'"},
    "responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"}}}}`, get, poolARN)
	api := strings.TrimSpace(cli.ok(nil, "apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(doc)), "--query", "id", "--output", "text"))
	cli.ok(nil, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "Prod")
	cli.ok(nil, "apigateway", "update-stage", "--rest-api-id", api, "--stage-name", "Prod", "--patch-operations",
		`[{"op":"replace","path":"/accessLogSettings/destinationArn","value":"arn:aws:logs:us-east-1:000000000000:log-group:browser-access"},`+
			`{"op":"replace","path":"/accessLogSettings/format","value":"$context.httpMethod $context.path $context.status"}]`)

	page := servePage(t)
	base := executeAPIBase(s, api) + "/Prod"
	auth := map[string]string{"Authorization": idToken}
	// Each call has a URL of its own: Chromium caches a preflight per
	// URL, and one call's cached answer would hide the next one's.
	res := runPage(t, b, page, []pageCall{
		{Name: "authorized", URL: base + "/items/authorized", Headers: auth},
		{Name: "no-token", URL: base + "/items/no-token"},
		{Name: "bad-token", URL: base + "/items/bad-token", Headers: map[string]string{"Authorization": "not-a-token"}},
		{Name: "narrow", URL: base + "/narrow/x", Headers: auth},
		{Name: "bare", URL: base + "/bare/x", Headers: auth},
	})

	wantBody(t, "authorized", res["authorized"], map[string]any{"user": "brenda", "tokenUse": "id", "path": "/items/authorized", "origin": page.URL})
	// Without a token the GET is a simple request: no preflight, and the
	// 401 is readable only thanks to the gateway response's header.
	for _, name := range []string{"no-token", "bad-token"} {
		if r := res[name]; r.Status != 401 || r.Body != `{"message":"Unauthorized"}` {
			t.Errorf("%s: status %d, body %q, error %q; want a readable 401 {\"message\":\"Unauthorized\"}", name, r.Status, r.Body, r.Error)
		}
	}
	wantBlocked(t, "narrow (preflight does not allow Authorization)", res["narrow"])
	wantBlocked(t, "bare (no OPTIONS method: 403 preflight)", res["bare"])

	want := []string{
		"OPTIONS /items/authorized 200", "GET /items/authorized 200",
		"GET /items/no-token 401",
		"OPTIONS /items/bad-token 200", "GET /items/bad-token 401",
		"OPTIONS /narrow/x 200",
		"OPTIONS /bare/x 403",
	}
	var got []string
	waitFor(10*time.Second, func() bool {
		got = accessLines(t, s, "browser-access")
		return len(got) >= len(want)
	})
	// $context.path carries the stage, as on AWS.
	for i, w := range want {
		method, rest, _ := strings.Cut(w, " ")
		want[i] = method + " /Prod" + rest
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("requests that reached the stage (access log):\n got %q\nwant %q", got, want)
	}
}

// accessLines returns a log group's messages through FilterLogEvents.
func accessLines(t *testing.T, s *server, group string) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"logGroupName": group})
	resp := s.do(t, rawReq{
		Path:   "/",
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"Logs_20140328.FilterLogEvents"}},
		Body:   body, ID: s.AccessKey, Secret: s.SecretKey, Service: "logs",
	})
	if resp.ErrorType() == "ResourceNotFoundException" {
		return nil
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("FilterLogEvents %s: HTTP %d %s", group, resp.Status, resp.Body)
	}
	var out struct{ Events []struct{ Message string } }
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("FilterLogEvents %s: %v", group, err)
	}
	var lines []string
	for _, e := range out.Events {
		lines = append(lines, strings.TrimSpace(e.Message))
	}
	return lines
}

// TestGatewayBrowserHTTPAPICORS calls an HTTP API with a JWT authorizer
// on a gatehouse pool from a page on another origin: the gateway answers
// the preflight from x-amazon-apigateway-cors on its own (there is no
// OPTIONS route) and the authorized GET is readable. A header the
// configuration does not allow, and an API that allows another origin,
// must be blocked by the browser. The stage's request counters tell how
// many requests reached it, so a skipped preflight, or a GET sent after a
// failed one, shows.
func TestGatewayBrowserHTTPAPICORS(t *testing.T) {
	t.Parallel()
	b := needBrowser(t)
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	fn := createFn(t, s.lambda(), "cors-echo", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: corsEchoJS}))
	pool, _, client, _, accessToken := browserUser(t, cli, "hugo")
	page := servePage(t)

	importAPI := func(title, origin string) string {
		t.Helper()
		integration := fmt.Sprintf(`{"type":"aws_proxy","httpMethod":"POST","payloadFormatVersion":"2.0","uri":%q}`,
			"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"+*fn.FunctionArn+"/invocations")
		doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":%q,"version":"1"},
  "paths":{"/items/{id}":{"get":{"security":[{"pool":[]}],"x-amazon-apigateway-integration":%s}}},
  "components":{"securitySchemes":{"pool":{"type":"oauth2","x-amazon-apigateway-authorizer":{"type":"jwt",
    "identitySource":"$request.header.Authorization","jwtConfiguration":{"issuer":%q,"audience":[%q]}}}}},
  "x-amazon-apigateway-cors":{"allowOrigins":[%q],"allowMethods":["GET","OPTIONS"],"allowHeaders":["authorization","content-type"],"maxAge":300}}`,
			title, integration, s.URL+"/"+pool, client, origin)
		api := strings.TrimSpace(cli.ok(nil, "apigatewayv2", "import-api", "--body", "file://"+writeFile(t, title+".json", []byte(doc)),
			"--query", "ApiId", "--output", "text"))
		cli.ok(nil, "apigatewayv2", "create-stage", "--api-id", api, "--stage-name", "$default", "--auto-deploy")
		return api
	}
	api := importAPI("browser-http", page.URL)
	elsewhere := importAPI("browser-http-elsewhere", "https://app.example")

	bearer := "Bearer " + accessToken
	res := runPage(t, b, page, []pageCall{
		{Name: "authorized", URL: executeAPIBase(s, api) + "/items/authorized", Headers: map[string]string{"Authorization": bearer}},
		{Name: "unlisted-header", URL: executeAPIBase(s, api) + "/items/unlisted", Headers: map[string]string{"Authorization": bearer, "X-Unlisted": "1"}},
		{Name: "other-origin", URL: executeAPIBase(s, elsewhere) + "/items/elsewhere", Headers: map[string]string{"Authorization": bearer}},
	})
	wantBody(t, "authorized", res["authorized"], map[string]any{"user": "hugo", "tokenUse": "access", "path": "/items/authorized", "origin": page.URL})
	wantBlocked(t, "unlisted-header (X-Unlisted is not in allowHeaders)", res["unlisted-header"])
	wantBlocked(t, "other-origin (allowOrigins names another origin)", res["other-origin"])

	// Preflights are answered 204 and counted as ok: the authorized call
	// is a preflight and a GET, the unlisted header a preflight only, the
	// other API's a preflight only; none is a 4xx.
	want := map[string]map[string]int{
		api:       {"ok": 3, "4xx": 0, "5xx": 0},
		elsewhere: {"ok": 1, "4xx": 0, "5xx": 0},
	}
	var got map[string]map[string]int
	waitFor(5*time.Second, func() bool {
		got = stageCounts(t, s, "$default", api, elsewhere)
		return fmt.Sprint(got) == fmt.Sprint(want)
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests the stages answered, by class: got %v, want %v", got, want)
	}
}

var requestsTotal = regexp.MustCompile(`^gatehouse_gateway_requests_total\{api="([^"]*)",class="([^"]*)",stage="([^"]*)"\} (\d+)$`)

// stageCounts reads gatehouse_gateway_requests_total for each API's
// stage from /_gatehouse/metrics (absent classes count 0).
func stageCounts(t *testing.T, s *server, stage string, apis ...string) map[string]map[string]int {
	t.Helper()
	resp, err := http.Get(s.URL + "/_gatehouse/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out := map[string]map[string]int{}
	for _, api := range apis {
		out[api] = map[string]int{"ok": 0, "4xx": 0, "5xx": 0}
	}
	for _, line := range strings.Split(string(text), "\n") {
		m := requestsTotal.FindStringSubmatch(line)
		if m == nil || m[3] != stage || out[m[1]] == nil {
			continue
		}
		n, _ := strconv.Atoi(m[4])
		out[m[1]][m[2]] = n
	}
	return out
}
