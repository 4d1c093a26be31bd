package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// greeterJS answers API Gateway proxy events the way a function written
// for AWS does: it greets the caller from the Cognito claims the
// authorizer passed, and echoes what it was sent.
const greeterJS = `exports.handler = async (event) => {
  const claims = (event.requestContext && event.requestContext.authorizer && event.requestContext.authorizer.claims) || null;
  return {
    statusCode: 200,
    headers: {"Content-Type": "application/json", "X-Greeter": "yes"},
    body: JSON.stringify({
      hello: claims ? claims.given_name : "stranger",
      claims, method: event.httpMethod, path: event.path, resource: event.resource,
      contextPath: event.requestContext.path, stage: event.requestContext.stage,
      query: event.queryStringParameters, pathParameters: event.pathParameters, body: event.body,
    }),
  };
};
`

// gatewayDoc is an OpenAPI document like the one SAM writes for an API
// with an open route and a route behind a Cognito authorizer.
func gatewayDoc(fnARN, poolARN string) string {
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN + "/invocations"
	integration := fmt.Sprintf(`{"type":"aws_proxy","httpMethod":"POST","uri":%q}`, uri)
	return fmt.Sprintf(`{
  "openapi": "3.0.1",
  "info": {"title": "greeter", "version": "1.0"},
  "paths": {
    "/open": {"get": {"responses": {}, "security": [{"NONE": []}], "x-amazon-apigateway-integration": %[1]s}},
    "/": {"get": {"responses": {}, "security": [{"pool": []}], "x-amazon-apigateway-integration": %[1]s}},
    "/items/{id}": {"x-amazon-apigateway-any-method": {"responses": {}, "security": [{"pool": []}], "x-amazon-apigateway-integration": %[1]s}}
  },
  "components": {"securitySchemes": {"pool": {"type": "apiKey", "name": "Authorization", "in": "header",
    "x-amazon-apigateway-authtype": "cognito_user_pools",
    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [%[2]q]}}}}
}`, integration, poolARN)
}

// executeAPI sends a request to an API's execute-api host on the server
// and reads the answer in full (the body also decoded as JSON when it is).
func executeAPI(t *testing.T, s *server, api, method, path string, body io.Reader, header http.Header) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = api + ".execute-api.localhost"
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := httpResult{status: resp.StatusCode, header: resp.Header}
	r.raw, _ = io.ReadAll(resp.Body)
	json.Unmarshal(r.raw, &r.body)
	return r
}

// authHeader is an Authorization header, or none for "".
func authHeader(name, token string) http.Header {
	if token == "" {
		return nil
	}
	return http.Header{name: {token}}
}

// TestGatewayCognitoAuthorizer is the open/protected pair: a REST API
// imported with the aws CLI, deployed to a stage, called through the
// execute-api host and the path form; the protected route refuses every
// request without a valid ID token of the pool and passes the claims on.
func TestGatewayCognitoAuthorizer(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(args, "--output", "text")...))
	}

	fn := createFn(t, s.lambda(), "greeter", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: greeterJS}))
	pool := text("cognito-idp", "create-user-pool", "--pool-name", "gw", "--query", "UserPool.Id")
	poolARN := text("cognito-idp", "describe-user-pool", "--user-pool-id", pool, "--query", "UserPool.Arn")
	client := text("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	text("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "gina", "--message-action", "SUPPRESS",
		"--user-attributes", "Name=given_name,Value=Gina", "--query", "User.Username")
	text("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "gina", "--password", "Gina-Passw0rd!", "--permanent")
	var auth struct {
		AuthenticationResult struct{ IdToken, AccessToken string }
	}
	cli.ok(&auth, "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=gina,PASSWORD=Gina-Passw0rd!")
	idToken, accessToken := auth.AuthenticationResult.IdToken, auth.AuthenticationResult.AccessToken

	doc := writeFile(t, "api.json", []byte(gatewayDoc(*fn.FunctionArn, poolARN)))
	api := text("apigateway", "import-rest-api", "--body", "fileb://"+doc, "--query", "id")
	text("apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "v1", "--query", "id")

	call := func(method, path, token string) (int, http.Header, map[string]any) {
		t.Helper()
		r := executeAPI(t, s, api, method, path, nil, authHeader("Authorization", token))
		if r.body == nil {
			t.Fatalf("%s %s: not JSON: %q", method, path, r.raw)
		}
		return r.status, r.header, r.body
	}

	status, h, body := call("GET", "/v1/open?x=1", "")
	if status != 200 || body["hello"] != "stranger" || body["path"] != "/open" || body["contextPath"] != "/v1/open" || h.Get("X-Greeter") != "yes" ||
		h.Get("X-Amzn-Requestid") == "" || h.Get("X-Amz-Apigw-Id") == "" {
		t.Fatalf("open route: %d %v %v", status, h, body)
	}
	if status, _, body := call("GET", "/v1", ""); status != 401 || body["message"] != "Unauthorized" {
		t.Fatalf("protected route without a token: %d %v", status, body)
	}
	status, _, body = call("GET", "/v1", idToken)
	claims, _ := body["claims"].(map[string]any)
	if status != 200 || body["hello"] != "Gina" || claims["cognito:username"] != "gina" || claims["token_use"] != "id" {
		t.Fatalf("protected route with an ID token: %d %v", status, body)
	}
	if status, _, _ := call("GET", "/v1", "Bearer "+idToken); status != 200 {
		t.Fatalf("Bearer form: %d", status)
	}
	if status, _, body := call("POST", "/v1/items/42", idToken); status != 200 || body["method"] != "POST" || body["resource"] != "/items/{id}" {
		t.Fatalf("ANY /items/{id}: %d %v", status, body)
	}
	if status, _, body := call("GET", "/v1/nowhere", idToken); status != 403 || body["message"] != "Missing Authentication Token" {
		t.Fatalf("no route: %d %v", status, body)
	}
	if status, _, body := call("GET", "/v2/open", ""); status != 403 || body["message"] != "Missing Authentication Token" {
		t.Fatalf("unknown stage: %d %v", status, body)
	}

	// Nothing but a live ID token of this pool gets through.
	forged := idToken[:len(idToken)-6] + "AAAAAA"
	parts := strings.Split(idToken, ".")
	noneAlg := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
	for name, tok := range map[string]string{
		"forged signature": forged, "alg none": noneAlg, "access token (no scopes on the method)": accessToken,
		"garbage": "not-a-token", "empty bearer": "Bearer ",
	} {
		if status, _, body := call("GET", "/v1", tok); status != 401 || body["message"] != "Unauthorized" {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	// A global sign-out revokes the tokens for the gateway too.
	text("cognito-idp", "global-sign-out", "--access-token", accessToken)
	if status, _, _ := call("GET", "/v1", idToken); status != 401 {
		t.Errorf("revoked ID token: %d", status)
	}

	// The path form reaches the same stage.
	resp, err := http.Get(s.URL + "/restapis/" + api + "/v1/_user_request_/open")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("path form: %d", resp.StatusCode)
	}

	// The export imports back into an API that behaves the same.
	out := writeFile(t, "export.json", nil)
	cli.ok(nil, "apigateway", "get-export", "--rest-api-id", api, "--stage-name", "v1", "--export-type", "oas30", out)
	api2 := text("apigateway", "import-rest-api", "--body", "fileb://"+out, "--query", "id")
	text("apigateway", "create-deployment", "--rest-api-id", api2, "--stage-name", "v1", "--query", "id")
	api = api2
	if status, _, _ := call("GET", "/v1", ""); status != 401 {
		t.Fatalf("re-imported API without a token: %d", status)
	}
	if status, _, _ := call("GET", "/v1/open", ""); status != 200 {
		t.Fatalf("re-imported API, open route: %d", status)
	}
}
