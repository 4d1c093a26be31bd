package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// simpleAuthorizerJS is an HTTP API Lambda authorizer with simple
// responses (payload format 2.0), deciding on the 2.0 event's fields.
const simpleAuthorizerJS = `exports.handler = async (event) => ({
  isAuthorized: event.type === "REQUEST" && event.identitySource[0] === "let-me-in" && event.routeArn.includes("/GET/") &&
    event.routeKey === "GET /me",
  context: {who: "me", routeKey: event.routeKey},
});
`

// TestGatewayHTTPLambdaAuthorizer: an HTTP API with a Lambda REQUEST
// authorizer returning simple responses; the authorizer sees the 2.0
// authorizer event (type, routeArn, identitySource, routeKey) and its
// context reaches the function as requestContext.authorizer.lambda.
func TestGatewayHTTPLambdaAuthorizer(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	auth := createFn(t, s.lambda(), "simple-auth", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: simpleAuthorizerJS}))
	fn := createFn(t, s.lambda(), "me", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js",
		Body: `exports.handler = async (event) => ({statusCode: 200, body: JSON.stringify(event.requestContext.authorizer)});`}))
	uri := func(arn string) string {
		return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations"
	}
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"simple","version":"1"},"paths":{"/me":{"get":{"responses":{},"security":[{"gate":[]}],
  "x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%q,"payloadFormatVersion":"2.0"}}}},
  "components":{"securitySchemes":{"gate":{"type":"apiKey","name":"Authorization","in":"header",
    "x-amazon-apigateway-authorizer":{"type":"request","authorizerUri":%q,"identitySource":"$request.header.Authorization",
      "authorizerPayloadFormatVersion":"2.0","enableSimpleResponses":true,"authorizerResultTtlInSeconds":0}}}}}`, uri(*fn.FunctionArn), uri(*auth.FunctionArn))
	api := strings.TrimSpace(cli.ok(nil, "apigatewayv2", "import-api", "--body", "file://"+writeFile(t, "api.json", []byte(doc)), "--query", "ApiId", "--output", "text"))
	cli.ok(nil, "apigatewayv2", "create-stage", "--api-id", api, "--stage-name", "$default", "--auto-deploy")

	call := func(token string) (int, string) {
		t.Helper()
		r := executeAPI(t, s, api, "GET", "/me", nil, authHeader("Authorization", token))
		return r.status, string(r.raw)
	}
	if status, body := call("let-me-in"); status != 200 || !strings.Contains(body, `"lambda":{`) || !strings.Contains(body, `"who":"me"`) ||
		!strings.Contains(body, `"routeKey":"GET /me"`) {
		t.Fatalf("authorized: %d %s", status, body)
	}
	if status, body := call("wrong"); status != 403 || body != `{"message":"Forbidden"}` {
		t.Fatalf("refused: %d %s", status, body)
	}
	if status, body := call(""); status != 401 || body != `{"message":"Unauthorized"}` {
		t.Fatalf("no identity source: %d %s", status, body)
	}
}
