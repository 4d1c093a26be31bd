package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// badJS answers with what the event's path asks for: broken proxy
// responses of every kind.
const badJS = `exports.handler = async (event) => {
  switch (event.path) {
    case "/notjson": return "this is not a proxy response";
    case "/numberbody": return {statusCode: 200, body: 42};
    case "/extra": return {statusCode: 200, body: "x", surprise: true};
    case "/huge": return {statusCode: 200, body: "x".repeat(7 * 1024 * 1024)};
    case "/throw": throw new Error("boom");
    case "/slow": await new Promise(r => setTimeout(r, 3000)); return {statusCode: 200, body: "late"};
  }
  return {statusCode: 200, body: JSON.stringify({path: event.path, params: event.pathParameters})};
};
`

// TestGatewayHostile sends the gateway broken function answers,
// oversized and malformed requests: each gets API Gateway's answer and
// the server keeps serving.
func TestGatewayHostile(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	fn := createFn(t, s.lambda(), "bad", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: badJS}))
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + *fn.FunctionArn + "/invocations"
	doc := fmt.Sprintf(`{"openapi":"3.0.1","info":{"title":"hostile","version":"1"},"paths":{
  "/{proxy+}":{"x-amazon-apigateway-any-method":{"responses":{},"x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%[1]q}}},
  "/slow":{"get":{"responses":{},"x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":%[1]q,"timeoutInMillis":1000}}}}}`, uri)
	api := strings.TrimSpace(cli.ok(nil, "apigateway", "import-rest-api", "--body", "fileb://"+writeFile(t, "api.json", []byte(doc)), "--query", "id", "--output", "text"))
	cli.ok(nil, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "x")

	do := func(method, path string, body io.Reader, header http.Header) (int, string) {
		t.Helper()
		r := executeAPI(t, s, api, method, "/x"+path, body, header)
		return r.status, string(r.raw)
	}
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/notjson", 502, `{"message": "Internal server error"}`},
		{"/numberbody", 502, `{"message": "Internal server error"}`},
		{"/extra", 502, `{"message": "Internal server error"}`},
		{"/huge", 502, `{"message": "Internal server error"}`},
		{"/throw", 502, `{"message": "Internal server error"}`},
		{"/slow", 504, `{"message": "Endpoint request timed out"}`},
		{"/a/%2E%2E/b", 200, ""},
		{"/ok/%C3%A9t%C3%A9", 200, `"proxy":"ok/été"`},
	} {
		status, body := do("GET", tc.path, nil, nil)
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s: %d %.200s, want %d %s", tc.path, status, body, tc.status, tc.body)
		}
	}
	// Over 10 MB: 413 before the function sees it.
	if status, body := do("POST", "/big", strings.NewReader(strings.Repeat("x", 10<<20+1)), nil); status != 413 {
		t.Errorf("11 MB body: %d %.100s", status, body)
	}
	// Headers beyond the server's limit are refused by HTTP itself.
	if status, _ := do("GET", "/ok", nil, http.Header{"X-Big": {strings.Repeat("h", 100<<10)}}); status != 431 {
		t.Errorf("100 KB header: %d", status)
	}
	// Invalid UTF-8 and raw bytes in the path: a clean no-route answer.
	conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /x/%%FF%%FE/\xff HTTP/1.1\r\nHost: %s.execute-api.localhost\r\nConnection: close\r\n\r\n", api)
	line, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if !strings.Contains(line, " 400 ") && !strings.Contains(line, " 403 ") && !strings.Contains(line, " 200 ") {
		t.Errorf("raw invalid path: %q", line)
	}
	if status, _ := do("GET", "/after", nil, nil); status != 200 {
		t.Fatalf("server after the abuse: %d", status)
	}

	// A method's own throttling (the stage's MethodSettings): a burst of
	// one, refilled once a minute; other methods are not affected.
	cli.ok(nil, "apigateway", "update-stage", "--rest-api-id", api, "--stage-name", "x", "--patch-operations",
		`[{"op":"replace","path":"/~1{proxy+}/ANY/throttling/burstLimit","value":"1"},{"op":"replace","path":"/~1{proxy+}/ANY/throttling/rateLimit","value":"0.016"}]`)
	if status, _ := do("GET", "/limited", nil, nil); status != 200 {
		t.Fatalf("first request under the method limit: %d", status)
	}
	if status, body := do("GET", "/limited", nil, nil); status != 429 || body != `{"message":"Too Many Requests"}` {
		t.Fatalf("second request: %d %s", status, body)
	}
	if status, _ := do("GET", "/slow", nil, nil); status == 429 {
		t.Fatal("another method was throttled")
	}
}
