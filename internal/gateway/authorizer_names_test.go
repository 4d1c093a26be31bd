package gateway

import (
	"strings"
	"testing"
)

// TestAuthorizerNamedLikeAKeyScheme: an authorizer whose security scheme
// happens to be called api_key is still enforced (the name means nothing;
// what the scheme is decides), and an authorizer cannot be called NONE,
// which security requirements reserve for "open".
func TestAuthorizerNamedLikeAKeyScheme(t *testing.T) {
	t.Parallel()
	s := newV2Service(t)
	doc := `{"openapi": "3.0.1", "info": {"title": "named", "version": "1"},
  "paths": {"/items": {"get": {"security": [{"api_key": []}],
    "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": "` + v2FnARN + `"}}}},
  "components": {"securitySchemes": {"api_key": {"type": "oauth2",
    "x-amazon-apigateway-authorizer": {"type": "jwt", "identitySource": "$request.header.Authorization",
      "jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["a"]}}}}}}`
	status, api, _ := v2Call(t, s, "PUT", "/v2/apis", map[string]any{"body": doc})
	id, _ := api["apiId"].(string)
	if status != 201 || id == "" {
		t.Fatalf("import: %d %v", status, api)
	}
	if status, _, _ := v2Call(t, s, "POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true}); status != 201 {
		t.Fatalf("stage: %d", status)
	}
	if status, body := v2Serve(s, id, "GET", "/items"); status != 401 || body["message"] != "Unauthorized" {
		t.Fatalf("no token on a route guarded by a scheme named api_key: %d %v", status, body)
	}

	none := strings.Replace(doc, `"api_key"`, `"NONE"`, -1)
	if _, err := ParseDefinition([]byte(none), HTTP, testRegion, testAccount); err == nil || !strings.Contains(err.Error(), "cannot be named NONE") {
		t.Fatalf("an authorizer named NONE: %v", err)
	}
}

// TestAuthorizerMissingFailsClosed: a route naming an authorizer the
// definition lacks is refused, not served open.
func TestAuthorizerMissingFailsClosed(t *testing.T) {
	t.Parallel()
	s := &Service{}
	route := &Route{Security: []Security{{Name: "gone"}}}
	if _, a, misconfigured := s.authorizerFor(&Definition{}, route); a != nil || !misconfigured {
		t.Fatalf("missing authorizer: %v %v", a, misconfigured)
	}
	route.Security = []Security{{Name: noneAuthorizer}}
	if _, a, misconfigured := s.authorizerFor(&Definition{}, route); a != nil || misconfigured {
		t.Fatalf("NONE: %v %v", a, misconfigured)
	}
}
