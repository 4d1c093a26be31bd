package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// TestGatewayAPIKeys: a method requiring an API key answers 403 Forbidden
// without a key, with an unknown one, and with a key in no usage plan of
// the stage; a planned key passes until its daily quota is spent (429
// Limit Exceeded). Keys and plans are made with the aws CLI.
func TestGatewayAPIKeys(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(args, "--output", "text")...))
	}
	fn := createFn(t, s.lambda(), "metered", "nodejs20.x", "index.handler",
		makeZip(t, zfile{Name: "index.js", Body: `exports.handler = async () => ({statusCode: 200, body: "metered"});`}))
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + *fn.FunctionArn + "/invocations"
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"keys","version":"1"},"paths":{"/data":{"get":{"responses":{},
  "security":[{"api_key":[]}],"x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%q}}}},
  "components":{"securitySchemes":{"api_key":{"type":"apiKey","name":"x-api-key","in":"header"}}}}`, uri)
	api := text("apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(doc)), "--query", "id")
	text("apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "v1", "--query", "id")

	planned := "planned-key-0123456789abcdef"
	unplanned := "unplanned-key-0123456789abcdef"
	keyID := text("apigateway", "create-api-key", "--name", "planned", "--enabled", "--value", planned, "--query", "id")
	text("apigateway", "create-api-key", "--name", "unplanned", "--enabled", "--value", unplanned, "--query", "id")
	plan := text("apigateway", "create-usage-plan", "--name", "basic", "--api-stages", "apiId="+api+",stage=v1",
		"--quota", "limit=2,period=DAY", "--query", "id")
	text("apigateway", "create-usage-plan-key", "--usage-plan-id", plan, "--key-id", keyID, "--key-type", "API_KEY", "--query", "id")

	call := func(key string) (int, string) {
		t.Helper()
		r := executeAPI(t, s, api, "GET", "/v1/data", nil, authHeader("X-Api-Key", key))
		return r.status, string(r.raw)
	}
	for _, key := range []string{"", "no-such-key-0123456789abcdef", unplanned} {
		if status, body := call(key); status != 403 || body != `{"message":"Forbidden"}` {
			t.Errorf("key %q: %d %s", key, status, body)
		}
	}
	for i := range 2 {
		if status, body := call(planned); status != 200 || body != "metered" {
			t.Fatalf("planned key, request %d: %d %s", i+1, status, body)
		}
	}
	if status, body := call(planned); status != 429 || body != `{"message":"Limit Exceeded"}` {
		t.Fatalf("over the quota: %d %s", status, body)
	}
	// The count outlives the process: a graceful restart does not hand
	// the key a fresh day.
	s.restart(syscall.SIGTERM)
	if status, body := call(planned); status != 429 || body != `{"message":"Limit Exceeded"}` {
		t.Fatalf("over the quota after a restart: %d %s", status, body)
	}
}
