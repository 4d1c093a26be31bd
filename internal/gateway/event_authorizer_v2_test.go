package gateway

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAppendHTTPAuthorizerEvent(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest("POST", "http://x/items/42?tenant=acme", nil)
	req.Header.Set("Authorization", "token-1")
	req.Header.Set("Cookie", "a=1")
	route := &Route{Method: "POST", Path: "/items/{id}"}
	ri := &RequestInfo{Req: req, Body: []byte("secret body"), RawPath: "/items/42", Route: route, PathParams: map[string]string{"id": "42"},
		APIID: "abc123", Stage: "$default", AccountID: "000000000000", Region: "us-east-1", RequestID: "r-1", SourceIP: "127.0.0.1"}
	auth := &Authorizer{Type: AuthRequest, IdentitySource: []string{"$request.header.Authorization", "$request.querystring.tenant", "$context.routeKey"}}
	arn := "arn:aws:execute-api:us-east-1:000000000000:abc123/$default/POST/items/42"
	raw := AppendHTTPAuthorizerEvent(nil, ri, auth, arn)
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if ev.Type != "REQUEST" || ev.Version != "2.0" || ev.RouteArn != arn || ev.RouteKey != "POST /items/{id}" || ev.RawPath != "/items/42" ||
		len(ev.IdentitySource) != 3 || ev.IdentitySource[0] != "token-1" || ev.IdentitySource[1] != "acme" || ev.IdentitySource[2] != "POST /items/{id}" ||
		ev.PathParameters["id"] != "42" || ev.Headers["authorization"] != "token-1" || len(ev.Cookies) != 1 {
		t.Fatalf("event: %+v\n%s", ev, raw)
	}
	var generic map[string]any
	json.Unmarshal(raw, &generic)
	if _, ok := generic["body"]; ok {
		t.Fatalf("an authorizer event carries no body: %s", raw)
	}
}
