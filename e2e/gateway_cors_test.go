package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// corsMock is the OPTIONS method SAM's Cors setting writes on every path:
// a mock integration answering the preflight from literals.
const corsMock = `{"responses":{"200":{"description":"Default response for CORS method"}},%s
  "x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":"{\"statusCode\" : 200}"},
    "responses":{"default":{"statusCode":"200","responseParameters":{
      "method.response.header.Access-Control-Allow-Origin":"'*'",
      "method.response.header.Access-Control-Allow-Methods":"'GET,OPTIONS'",
      "method.response.header.Access-Control-Allow-Headers":"'Authorization,Content-Type'"},"responseTemplates":{"application/json":"{}"}}}}}`

// TestGatewayRESTCORS checks SAM's REST CORS as API Gateway serves it:
// the OPTIONS mock answers a preflight, but when SAM attached the default
// authorizer to it (AddDefaultAuthorizerToCorsPreflight, true unless
// turned off) the preflight gets 401; gateway responses add their headers
// to errors; the function's own response gets no CORS headers it did not
// set.
func TestGatewayRESTCORS(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	fn := createFn(t, s.lambda(), "plain", "nodejs20.x", "index.handler",
		makeZip(t, zfile{Name: "index.js", Body: `exports.handler = async () => ({statusCode: 200, body: "plain"});`}))
	pool := strings.TrimSpace(cli.ok(nil, "cognito-idp", "create-user-pool", "--pool-name", "cors", "--query", "UserPool.Arn", "--output", "text"))
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + *fn.FunctionArn + "/invocations"
	get := fmt.Sprintf(`{"responses":{},"security":[{"pool":[]}],"x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%q}}`, uri)
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"cors","version":"1"},"paths":{
  "/open-preflight":{"get":%[1]s,"options":`+fmt.Sprintf(corsMock, "")+`},
  "/guarded-preflight":{"get":%[1]s,"options":`+fmt.Sprintf(corsMock, `"security":[{"pool":[]}],`)+`}},
  "components":{"securitySchemes":{"pool":{"type":"apiKey","name":"Authorization","in":"header","x-amazon-apigateway-authtype":"cognito_user_pools",
    "x-amazon-apigateway-authorizer":{"type":"cognito_user_pools","providerARNs":[%[2]q]}}}},
  "x-amazon-apigateway-gateway-responses":{"DEFAULT_4XX":{"responseParameters":{"gatewayresponse.header.Access-Control-Allow-Origin":"'*'"},
    "responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"}}}}`, get, pool)
	api := strings.TrimSpace(cli.ok(nil, "apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(doc)), "--query", "id", "--output", "text"))
	cli.ok(nil, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "Prod")

	do := func(method, path string) (int, http.Header, string) {
		t.Helper()
		r := executeAPI(t, s, api, method, "/Prod"+path, nil, http.Header{
			"Origin": {"http://app.example"}, "Access-Control-Request-Method": {"GET"}})
		return r.status, r.header, string(r.raw)
	}
	status, h, _ := do("OPTIONS", "/open-preflight")
	if status != 200 || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Methods") != "GET,OPTIONS" ||
		h.Get("Access-Control-Allow-Headers") != "Authorization,Content-Type" {
		t.Fatalf("preflight: %d %v", status, h)
	}
	status, h, body := do("OPTIONS", "/guarded-preflight")
	if status != 401 || body != `{"message":"Unauthorized"}` || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight behind the default authorizer: %d %v %s", status, h, body)
	}
	status, h, body = do("GET", "/open-preflight")
	if status != 401 || h.Get("Access-Control-Allow-Origin") != "*" || body != `{"message":"Unauthorized"}` {
		t.Fatalf("401 with the DEFAULT_4XX gateway response: %d %v %s", status, h, body)
	}
}
