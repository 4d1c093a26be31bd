package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tokenAuthorizerJS is a Lambda TOKEN authorizer as people write them:
// the token decides the policy; the module-level counter shows whether
// API Gateway's result cache spared an invocation.
const tokenAuthorizerJS = `let calls = 0;
exports.handler = async (event) => {
  calls++;
  const effect = event.authorizationToken === "allow" ? "Allow" : "Deny";
  if (event.authorizationToken === "nobody") throw new Error("Unauthorized");
  if (event.authorizationToken === "crash") throw new Error("database down");
  return {
    principalId: "user-" + event.authorizationToken,
    policyDocument: {Version: "2012-10-17", Statement: [{Action: "execute-api:Invoke", Effect: effect, Resource: event.methodArn}]},
    context: {calls: calls, tier: "gold", admin: false},
  };
};
`

// echoAuthorizerJS returns what the authorizer handed the integration.
const echoAuthorizerJS = `exports.handler = async (event) => ({
  statusCode: 200, body: JSON.stringify({authorizer: event.requestContext.authorizer || null}),
});
`

// TestGatewayLambdaTokenAuthorizer drives a TOKEN authorizer written in
// Node through a real server: Allow passes the principal and context on
// (stringified), Deny is 403 with the explicit-deny message, throwing
// "Unauthorized" is 401, any other failure 500, a missing token 401
// without invoking, and results are cached per token.
func TestGatewayLambdaTokenAuthorizer(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	auth := createFn(t, s.lambda(), "token-auth", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: tokenAuthorizerJS}))
	echo := createFn(t, s.lambda(), "echo-auth", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: echoAuthorizerJS}))
	uri := func(arn string) string {
		return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations"
	}
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"lambda-auth","version":"1"},
  "paths":{"/secret":{"get":{"responses":{},"security":[{"tok":[]}],
    "x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%q}}}},
  "components":{"securitySchemes":{"tok":{"type":"apiKey","name":"Authorization","in":"header",
    "x-amazon-apigateway-authtype":"custom",
    "x-amazon-apigateway-authorizer":{"type":"token","authorizerUri":%q,"identitySource":"method.request.header.Authorization","authorizerResultTtlInSeconds":300}}}}}`,
		uri(*echo.FunctionArn), uri(*auth.FunctionArn))
	api := strings.TrimSpace(cli.ok(nil, "apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(doc)), "--query", "id", "--output", "text"))
	cli.ok(nil, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "prod")

	call := func(token string) (int, string) {
		t.Helper()
		r := executeAPI(t, s, api, "GET", "/prod/secret", nil, authHeader("Authorization", token))
		return r.status, string(r.raw)
	}
	var first struct{ Authorizer map[string]any }
	status, body := call("allow")
	if status != 200 || json.Unmarshal([]byte(body), &first) != nil || first.Authorizer["principalId"] != "user-allow" ||
		first.Authorizer["tier"] != "gold" || first.Authorizer["admin"] != "false" || first.Authorizer["calls"] != "1" {
		t.Fatalf("allow: %d %s", status, body)
	}
	// The cached decision: no second invocation, the same context.
	if status, body := call("allow"); status != 200 || !strings.Contains(body, `"calls":"1"`) {
		t.Fatalf("allow again (cached): %d %s", status, body)
	}
	for _, tc := range []struct{ token, status, body string }{
		{"deny", "403", `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
		{"nobody", "401", `{"message":"Unauthorized"}`},
		{"crash", "500", `{"message": null}`},
		{"", "401", `{"message":"Unauthorized"}`},
	} {
		status, body := call(tc.token)
		if fmt.Sprint(status) != tc.status || body != tc.body {
			t.Errorf("token %q: %d %s, want %s %s", tc.token, status, body, tc.status, tc.body)
		}
	}

	// Access logs: the stage's settings name a log group and a format.
	cli.ok(nil, "apigateway", "update-stage", "--rest-api-id", api, "--stage-name", "prod", "--patch-operations",
		`[{"op":"replace","path":"/accessLogSettings/destinationArn","value":"arn:aws:logs:us-east-1:000000000000:log-group:api-access"},`+
			`{"op":"replace","path":"/accessLogSettings/format","value":"{\"id\":\"$context.requestId\",\"status\":\"$context.status\",\"path\":\"$context.resourcePath\",\"err\":\"$context.error.message\"}"}]`)
	call("deny")
	var logged bool
	waitFor(10*time.Second, func() bool {
		out := cli.ok(nil, "logs", "filter-log-events", "--log-group-name", "api-access", "--output", "json")
		logged = strings.Contains(out, `\"status\":\"403\"`) && strings.Contains(out, `\"path\":\"/secret\"`) &&
			strings.Contains(out, "explicit deny")
		return logged
	})
	if !logged {
		t.Errorf("no access log line for the denied request")
	}

	// The gateway's own metrics count what the stage answered.
	resp, err := http.Get(s.URL + "/_gatehouse/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`gatehouse_gateway_requests_total{api="` + api + `",class="ok",stage="prod"} 2`,
		`gatehouse_gateway_requests_total{api="` + api + `",class="4xx",stage="prod"} 4`,
		`gatehouse_gateway_requests_total{api="` + api + `",class="5xx",stage="prod"} 1`,
		`gatehouse_gateway_integration_latency_seconds_count{api="` + api + `",stage="prod"} 2`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
