package gateway

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestEventHTTPV1Golden(t *testing.T) {
	checkGolden(t, "http_v1_jwt.json", AppendHTTPEventV1(nil, httpSample()))

	open := httpSample()
	open.Stage = "$default"
	open.Route = &Route{Method: "ANY", Path: "$default"}
	open.PathParams, open.StageVariables, open.Authorizer, open.Body = nil, nil, nil, nil
	checkGolden(t, "http_v1_default_open.json", AppendHTTPEventV1(nil, open))
}

// TestEventHTTPV1Decodes checks that a handler written for REST APIs
// (aws-lambda-go's APIGatewayProxyRequest) reads payload 1.0 from an
// HTTP API: the point of choosing 1.0.
func TestEventHTTPV1Decodes(t *testing.T) {
	t.Parallel()
	raw := AppendHTTPEventV1(nil, httpSample())
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Resource != "/items/{id}" || got.Path != "/prod/items/42" || got.HTTPMethod != "POST" ||
		got.PathParameters["id"] != "42" || got.StageVariables["env"] != "prod" || got.Body != eventBody || got.IsBase64Encoded {
		t.Fatalf("request line: %+v", got)
	}
	if got.Headers["x-custom"] != "two" || len(got.MultiValueHeaders["x-custom"]) != 2 ||
		got.Headers["content-length"] != "17" || got.Headers["cookie"] == "" {
		t.Fatalf("headers (lower-case, last value; all values; Cookie and Content-Length kept): %v / %v", got.Headers, got.MultiValueHeaders)
	}
	for name := range got.Headers {
		for _, c := range name {
			if c >= 'A' && c <= 'Z' {
				t.Fatalf("header name %q not lower-cased", name)
			}
		}
	}
	if got.QueryStringParameters["tag"] != "b" || len(got.MultiValueQueryStringParameters["tag"]) != 2 {
		t.Fatalf("query: %v %v", got.QueryStringParameters, got.MultiValueQueryStringParameters)
	}
	rc := got.RequestContext
	if rc.ResourceID != "POST /items/{id}" || rc.ResourcePath != "/items/{id}" || rc.Stage != "prod" || rc.Path != "/prod/items/42" ||
		rc.Identity.SourceIP != "203.0.113.7" || rc.Authorizer["claims"] == nil || rc.Authorizer["scopes"] == nil {
		t.Fatalf("requestContext: %+v", rc)
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	if m["version"] != "1.0" {
		t.Fatalf("version: %v", m["version"])
	}
	if _, ok := m["cookies"]; ok {
		t.Fatal("payload 1.0 has no cookies field")
	}

	open := httpSample()
	open.Authorizer, open.Body = nil, nil
	json.Unmarshal(AppendHTTPEventV1(nil, open), &m)
	auth := m["requestContext"].(map[string]any)["authorizer"].(map[string]any)
	if v, ok := auth["claims"]; !ok || v != nil || m["body"] != nil {
		t.Fatalf("open route: authorizer %v, body %v", auth, m["body"])
	}
}
