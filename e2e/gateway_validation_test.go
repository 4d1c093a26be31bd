package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestGatewayRequestValidation imports, with the aws CLI, a REST API
// whose POST /orders has a request validator (a required query string and
// header, and a JSON Schema body model) and checks that only valid
// requests reach the function, with API Gateway's 400 answers otherwise.
func TestGatewayRequestValidation(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	fn := createFn(t, s.lambda(), "orders", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js",
		Body: `exports.handler = async (e) => ({statusCode: 200, body: JSON.stringify({got: JSON.parse(e.body)})});`}))
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + *fn.FunctionArn + "/invocations"
	doc := fmt.Sprintf(`{"openapi": "3.0.1", "info": {"title": "orders", "version": "1"},
  "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}},
  "paths": {"/orders": {"post": {"x-amazon-apigateway-request-validator": "all",
    "parameters": [{"name": "shop", "in": "query", "required": true}, {"name": "Idempotency-Key", "in": "header", "required": true}],
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
    "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": %q}}}},
  "components": {"schemas": {"Order": {"type": "object", "required": ["sku", "qty"], "additionalProperties": false,
    "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}, "qty": {"type": "integer", "minimum": 1, "maximum": 99}}}}}}`, uri)
	api := strings.TrimSpace(cli.ok(nil, "apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(doc)), "--query", "id", "--output", "text"))
	cli.ok(nil, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "v1")

	post := func(query, key, body string) httpResult {
		t.Helper()
		h := http.Header{"Content-Type": {"application/json"}}
		if key != "" {
			h.Set("Idempotency-Key", key)
		}
		return executeAPI(t, s, api, "POST", "/v1/orders"+query, strings.NewReader(body), h)
	}
	if r := post("?shop=1", "k1", `{"sku":"ABC-12","qty":2}`); r.status != 200 || !strings.Contains(string(r.raw), `"sku":"ABC-12"`) {
		t.Fatalf("valid order: %d %s", r.status, r.raw)
	}
	for _, c := range []struct{ name, query, key, body, want string }{
		{"no query string, no header", "", "", `{"sku":"ABC-12","qty":2}`, `{"message": "Missing required request parameters: [shop, Idempotency-Key]"}`},
		{"no header", "?shop=1", "", `{"sku":"ABC-12","qty":2}`, `{"message": "Missing required request parameters: [Idempotency-Key]"}`},
		{"bad sku", "?shop=1", "k", `{"sku":"abc","qty":2}`, `{"message": "Invalid request body"}`},
		{"qty out of range", "?shop=1", "k", `{"sku":"ABC-1","qty":100}`, `{"message": "Invalid request body"}`},
		{"extra member", "?shop=1", "k", `{"sku":"ABC-1","qty":1,"admin":true}`, `{"message": "Invalid request body"}`},
		{"not JSON", "?shop=1", "k", `sku=ABC-1`, `{"message": "Invalid request body"}`},
	} {
		r := post(c.query, c.key, c.body)
		if r.status != 400 || r.header.Get("X-Amzn-Errortype") != "BadRequestException" || r.body["message"] == nil ||
			fmt.Sprint(r.body["message"]) != strings.TrimSuffix(strings.TrimPrefix(c.want, `{"message": "`), `"}`) {
			t.Errorf("%s: %d %v %s", c.name, r.status, r.header, r.raw)
		}
	}
}
