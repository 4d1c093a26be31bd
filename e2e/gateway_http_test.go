package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// httpEchoJS is a function written for HTTP APIs (payload 2.0): it
// answers with the event fields it saw. On /bare it returns a plain
// object without statusCode, which API Gateway turns into a 200 JSON
// response; elsewhere it also sets its own CORS header, which an HTTP API
// with a CORS configuration must replace.
const httpEchoJS = `exports.handler = async (event) => {
  if (event.rawPath === "/bare") return {bare: true, routeKey: event.routeKey};
  return {
    statusCode: 200,
    headers: {"content-type": "application/json", "access-control-allow-origin": "https://evil.example"},
    body: JSON.stringify({
      version: event.version, routeKey: event.routeKey, rawPath: event.rawPath, rawQueryString: event.rawQueryString,
      headers: event.headers, cookies: event.cookies || null, query: event.queryStringParameters || null,
      pathParameters: event.pathParameters || null, stage: event.requestContext.stage,
      method: event.requestContext.http.method, authorizer: event.requestContext.authorizer || null,
    }),
  };
};
`

// httpAPIDoc is an HTTP API as SAM writes one: a JWT authorizer on a
// user pool, a protected and two open routes, and CORS.
func httpAPIDoc(fnARN, issuer, audience string) string {
	integration := fmt.Sprintf(`{"type":"aws_proxy","httpMethod":"POST","payloadFormatVersion":"2.0","uri":%q}`,
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"+fnARN+"/invocations")
	return fmt.Sprintf(`{
  "openapi": "3.0.1",
  "info": {"title": "items-http", "version": "1.0"},
  "paths": {
    "/items/{id}": {"get": {"security": [{"pool": []}], "x-amazon-apigateway-integration": %[1]s}},
    "/open": {"get": {"x-amazon-apigateway-integration": %[1]s}},
    "/bare": {"get": {"x-amazon-apigateway-integration": %[1]s}}
  },
  "components": {"securitySchemes": {"pool": {"type": "oauth2",
    "x-amazon-apigateway-authorizer": {"type": "jwt", "identitySource": "$request.header.Authorization",
      "jwtConfiguration": {"issuer": %[2]q, "audience": [%[3]q]}}}}},
  "x-amazon-apigateway-cors": {"allowOrigins": ["https://app.example"], "allowMethods": ["GET", "OPTIONS"],
    "allowHeaders": ["authorization", "content-type"], "maxAge": 300}
}`, integration, issuer, audience)
}

// httpResult is one response from an execute-api host.
type httpResult struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// httpAPICall sends a request to an API's execute-api host on the server.
func httpAPICall(t *testing.T, s *server, api, method, path string, header map[string]string) httpResult {
	t.Helper()
	h := http.Header{}
	for k, v := range header {
		h.Set(k, v)
	}
	return executeAPI(t, s, api, method, path, nil, h)
}

// TestGatewayHTTPAPI drives an HTTP API (API Gateway v2) end to end: the
// aws CLI's apigatewayv2 commands, a JWT authorizer on a gatehouse user
// pool, payload 2.0 into an unmodified Node.js function, CORS answered by
// the gateway, quick create, and export then reimport.
func TestGatewayHTTPAPI(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(args, "--output", "text")...))
	}

	fn := createFn(t, s.lambda(), "http-echo", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: httpEchoJS}))
	pool := text("cognito-idp", "create-user-pool", "--pool-name", "http", "--query", "UserPool.Id")
	newClient := func(name string) string {
		return text("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", name,
			"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	}
	client, otherClient := newClient("web"), newClient("other")
	text("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "hana", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "hana", "--password", "Hana-Passw0rd!", "--permanent")
	login := func(clientID string) string {
		var auth struct{ AuthenticationResult struct{ AccessToken string } }
		cli.ok(&auth, "cognito-idp", "initiate-auth", "--client-id", clientID, "--auth-flow", "USER_PASSWORD_AUTH",
			"--auth-parameters", "USERNAME=hana,PASSWORD=Hana-Passw0rd!")
		return auth.AuthenticationResult.AccessToken
	}
	token, otherToken := login(client), login(otherClient)
	issuer := s.URL + "/" + pool
	if claims := jwtClaims(t, token); claims["iss"] != issuer || claims["client_id"] != client {
		t.Fatalf("access token: iss %v client_id %v, want %s %s", claims["iss"], claims["client_id"], issuer, client)
	}

	// Import, then a $default stage that deploys every change.
	doc := writeFile(t, "api.json", []byte(httpAPIDoc(*fn.FunctionArn, issuer, client)))
	var created struct{ ApiId, ApiEndpoint, ProtocolType, RouteSelectionExpression, Name string }
	cli.ok(&created, "apigatewayv2", "import-api", "--body", "file://"+doc)
	api := created.ApiId
	if created.ApiEndpoint != "http://"+api+".execute-api.localhost:"+s.URL[strings.LastIndexByte(s.URL, ':')+1:] ||
		created.ProtocolType != "HTTP" || created.RouteSelectionExpression != "$request.method $request.path" || created.Name != "items-http" {
		t.Fatalf("import-api: %+v", created)
	}
	if got := text("apigatewayv2", "create-stage", "--api-id", api, "--stage-name", "$default", "--auto-deploy", "--query", "AutoDeploy"); got != "True" {
		t.Fatalf("create-stage autoDeploy: %s", got)
	}
	call := func(method, path string, header map[string]string) httpResult {
		t.Helper()
		return httpAPICall(t, s, api, method, path, header)
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

	if r := call("GET", "/nowhere", nil); r.status != 404 || string(r.raw) != `{"message":"Not Found"}` {
		t.Fatalf("no route: %d %s", r.status, r.raw)
	}

	// The JWT authorizer: nothing but an access token of the audience's
	// client gets through.
	if r := call("GET", "/items/42", nil); r.status != 401 || r.body["message"] != "Unauthorized" {
		t.Fatalf("no token: %d %s", r.status, r.raw)
	}
	for name, tok := range map[string]string{"forged signature": token[:len(token)-6] + "AAAAAA", "another client (wrong audience)": otherToken} {
		r := call("GET", "/items/42", bearer(tok))
		if r.status != 401 || r.body["message"] != "Unauthorized" || !strings.Contains(r.header.Get("Www-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s: %d %v %s", name, r.status, r.header, r.raw)
		}
	}
	r := call("GET", "/items/42?b=2&a=1", map[string]string{"Authorization": "Bearer " + token, "X-Custom-Thing": "Yes",
		"Cookie": "c1=one; c2=two", "Origin": "https://app.example"})
	headers, _ := r.body["headers"].(map[string]any)
	authz, _ := r.body["authorizer"].(map[string]any)
	jwtCtx, _ := authz["jwt"].(map[string]any)
	claims, _ := jwtCtx["claims"].(map[string]any)
	params, _ := r.body["pathParameters"].(map[string]any)
	if r.status != 200 || r.body["version"] != "2.0" || r.body["routeKey"] != "GET /items/{id}" || r.body["rawPath"] != "/items/42" ||
		r.body["rawQueryString"] != "b=2&a=1" || r.body["stage"] != "$default" || params["id"] != "42" {
		t.Fatalf("protected route with the access token: %d %s", r.status, r.raw)
	}
	if claims["client_id"] != client || claims["token_use"] != "access" || claims["iss"] != issuer {
		t.Errorf("requestContext.authorizer.jwt.claims: %v", authz)
	}
	if headers["x-custom-thing"] != "Yes" || headers["X-Custom-Thing"] != nil {
		t.Errorf("headers are not lower-cased: %v", headers)
	}
	if cookies := fmt.Sprint(r.body["cookies"]); cookies != "[c1=one c2=two]" {
		t.Errorf("cookies: %s", cookies)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("CORS on the response: Access-Control-Allow-Origin %q (the function's own must be replaced)", got)
	}

	if r := call("GET", "/open", nil); r.status != 200 || r.body["routeKey"] != "GET /open" || r.body["authorizer"] != nil {
		t.Fatalf("open route: %d %s", r.status, r.raw)
	}
	if r := call("GET", "/bare", nil); r.status != 200 || r.header.Get("Content-Type") != "application/json" || r.body["bare"] != true {
		t.Fatalf("bare object: %d %v %s", r.status, r.header, r.raw)
	}

	// Preflights are the gateway's, even on the protected route.
	pre := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
	if r := call("OPTIONS", "/items/42", pre); r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "GET") || !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "authorization") ||
		r.header.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("preflight: %d %v", r.status, r.header)
	}
	pre["Origin"] = "https://evil.example"
	if r := call("OPTIONS", "/items/42", pre); r.status != 204 || hasCORSHeaders(r.header) {
		t.Errorf("preflight from a disallowed origin: %d %v", r.status, r.header)
	}

	// Export, then reimport: the autoDeploy stage serves the reimported
	// document at once, and a second API imported from the export behaves
	// the same.
	out := writeFile(t, "export.json", nil)
	cli.ok(nil, "apigatewayv2", "export-api", "--api-id", api, "--specification", "OAS30", "--output-type", "JSON", "--stage-name", "$default", out)
	text("apigatewayv2", "reimport-api", "--api-id", api, "--body", "file://"+out, "--query", "ApiId")
	if r := call("GET", "/items/42", bearer(token)); r.status != 200 {
		t.Fatalf("after reimport, with the token: %d %s", r.status, r.raw)
	}
	api2 := text("apigatewayv2", "import-api", "--body", "file://"+out, "--query", "ApiId")
	text("apigatewayv2", "create-stage", "--api-id", api2, "--stage-name", "$default", "--auto-deploy", "--query", "StageName")
	if r := httpAPICall(t, s, api2, "GET", "/items/7", nil); r.status != 401 {
		t.Fatalf("imported export, no token: %d %s", r.status, r.raw)
	}
	if r := httpAPICall(t, s, api2, "GET", "/items/7", bearer(token)); r.status != 200 || r.body["rawPath"] != "/items/7" {
		t.Fatalf("imported export, token: %d %s", r.status, r.raw)
	}

	// Quick create: one command, served at the root of its host.
	var quick struct{ ApiId, ApiEndpoint string }
	cli.ok(&quick, "apigatewayv2", "create-api", "--name", "q", "--protocol-type", "HTTP", "--target", *fn.FunctionArn)
	if r := httpAPICall(t, s, quick.ApiId, "POST", "/any/where?x=1", nil); r.status != 200 || r.body["routeKey"] != "$default" ||
		r.body["rawPath"] != "/any/where" || r.body["method"] != "POST" {
		t.Fatalf("quick create: %d %s", r.status, r.raw)
	}
	if got := text("apigatewayv2", "get-stage", "--api-id", quick.ApiId, "--stage-name", "$default", "--query", "AutoDeploy"); got != "True" {
		t.Errorf("quick create stage: %s", got)
	}
	ids := text("apigatewayv2", "get-apis", "--query", "Items[].ApiId")
	if !strings.Contains(ids, api) || !strings.Contains(ids, quick.ApiId) {
		t.Errorf("get-apis: %s", ids)
	}
	cli.fails("NotFoundException", "apigatewayv2", "get-api", "--api-id", "nope")
	cli.fails("ConflictException", "apigatewayv2", "create-stage", "--api-id", api, "--stage-name", "$default")
	cli.fails("BadRequestException", "apigatewayv2", "import-api", "--body", "{}")
	text("apigatewayv2", "delete-api", "--api-id", quick.ApiId)
	if r := httpAPICall(t, s, quick.ApiId, "GET", "/", nil); r.status != 403 {
		t.Errorf("deleted API: %d %s", r.status, r.raw)
	}
}

func hasCORSHeaders(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			return true
		}
	}
	return false
}

// TestGatewayHTTPAPIPayload1 runs a handler written for REST APIs behind
// an HTTP API route on payload format 1.0: it reads REST's fields
// (resource, multiValueQueryStringParameters, requestContext.identity)
// and answers with multiValueHeaders, which format 1.0 honours.
func TestGatewayHTTPAPIPayload1(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	fn := createFn(t, s.lambda(), "rest-style", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: `
exports.handler = async (event) => ({
  statusCode: 201,
  multiValueHeaders: {"x-seen": ["a", "b"]},
  body: JSON.stringify({version: event.version, resource: event.resource, path: event.path, method: event.httpMethod,
    tags: event.multiValueQueryStringParameters && event.multiValueQueryStringParameters.tag,
    id: event.pathParameters && event.pathParameters.id, sourceIp: event.requestContext.identity.sourceIp,
    resourceId: event.requestContext.resourceId, custom: event.headers["x-custom"]}),
});`}))
	integration := fmt.Sprintf(`{"type":"aws_proxy","httpMethod":"POST","payloadFormatVersion":"1.0","uri":%q}`,
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"+*fn.FunctionArn+"/invocations")
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"v1","version":"1"},
  "paths":{"/things/{id}":{"get":{"x-amazon-apigateway-integration":%s}}}}`, integration)
	api := strings.TrimSpace(cli.ok(nil, "apigatewayv2", "import-api", "--body", "file://"+writeFile(t, "api.json", []byte(doc)),
		"--query", "ApiId", "--output", "text"))
	cli.ok(nil, "apigatewayv2", "create-stage", "--api-id", api, "--stage-name", "$default", "--auto-deploy")

	r := httpAPICall(t, s, api, "GET", "/things/7?tag=x&tag=y", map[string]string{"X-Custom": "hi"})
	if r.status != 201 || strings.Join(r.header.Values("X-Seen"), ",") != "a,b" {
		t.Fatalf("payload 1.0 response: %d %v %s", r.status, r.header, r.raw)
	}
	want := map[string]any{"version": "1.0", "resource": "/things/{id}", "path": "/things/7", "method": "GET",
		"tags": []any{"x", "y"}, "id": "7", "sourceIp": "127.0.0.1", "resourceId": "GET /things/{id}", "custom": "hi"}
	for k, v := range want {
		if fmt.Sprint(r.body[k]) != fmt.Sprint(v) {
			t.Errorf("%s: got %v, want %v (event %s)", k, r.body[k], v, r.raw)
		}
	}
}
