package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// newPiecesService is a gateway whose JWT authorizers trust pool A of the
// fake pools (issuerA, audience clientA), on a clock those tokens are
// valid at.
func newPiecesService(t *testing.T) (*Service, *fakePools) {
	t.Helper()
	clock := newTestClock()
	pools := newFakePools(t, clock)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(context.Background(), Options{Store: st, Functions: echoFunctions{}, Pools: pools, Region: "us-east-1",
		Account: "123456789012", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, pools
}

// echoFunctions answers every invocation, in either payload format, with
// the event's version, route key (2.0) or resource (1.0), and raw path.
type echoFunctions struct{}

func (echoFunctions) InvokeFunction(ctx context.Context, arn string, payload []byte) ([]byte, bool, error) {
	var ev struct{ Version, RouteKey, RawPath, Resource string }
	json.Unmarshal(payload, &ev)
	body, _ := json.Marshal(map[string]string{"version": ev.Version, "routeKey": ev.RouteKey, "rawPath": ev.RawPath, "resource": ev.Resource})
	out, err := json.Marshal(map[string]any{"statusCode": 200, "body": string(body)})
	return out, false, err
}

// v2ServeWith sends a request with headers to the API's execute-api host.
func v2ServeWith(s *Service, apiID, method, path string, header map[string]string) (int, map[string]any) {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	stage, p := s.StageForPath(apiID, r.URL.EscapedPath())
	s.ServeStage(w, r, apiID, stage, p)
	var out map[string]any
	json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

// mustCall runs an operation that must answer want.
func mustCall(t *testing.T, s *Service, want int, method, target string, body any) map[string]any {
	t.Helper()
	status, out, err := v2Call(t, s, method, target, body)
	if status != want {
		t.Fatalf("%s %s: %d %v %v, want %d", method, target, status, out, err, want)
	}
	return out
}

const invocationARN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + v2FnARN + "/invocations"

func withBearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok}
}

// TestHTTPAPIBuiltPieceByPiece builds an HTTP API the way Terraform and
// the CDK do (an empty API, then integrations, an authorizer, routes and
// an autoDeploy stage) and checks every operation's answer and what the
// stages serve as it changes.
func TestHTTPAPIBuiltPieceByPiece(t *testing.T) {
	t.Parallel()
	s, pools := newPiecesService(t)
	api := mustCall(t, s, 201, "POST", "/v2/apis", map[string]any{"name": "pieces", "protocolType": "HTTP"})["apiId"].(string)
	base := "/v2/apis/" + api
	// The stage comes first, as in a CDK template: it follows every change.
	mustCall(t, s, 201, "POST", base+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})

	in1 := mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": v2FnARN, "payloadFormatVersion": "2.0"})
	want := map[string]any{"integrationId": in1["integrationId"], "integrationType": "AWS_PROXY", "integrationUri": v2FnARN,
		"integrationMethod": "POST", "payloadFormatVersion": "2.0", "timeoutInMillis": 30000.0, "connectionType": "INTERNET"}
	if id, _ := in1["integrationId"].(string); len(id) != 7 || !reflect.DeepEqual(in1, want) {
		t.Fatalf("CreateIntegration:\n got %v\nwant %v", in1, want)
	}
	i1 := in1["integrationId"].(string)
	in2 := mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": invocationARN, "payloadFormatVersion": "1.0", "timeoutInMillis": 5000, "description": "rest-style"})
	if in2["integrationUri"] != invocationARN || in2["payloadFormatVersion"] != "1.0" || in2["timeoutInMillis"] != 5000.0 || in2["description"] != "rest-style" {
		t.Fatalf("CreateIntegration (invocation ARN): %v", in2)
	}
	i2 := in2["integrationId"].(string)

	authz := mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": "pool", "authorizerType": "JWT",
		"identitySource": []string{"$request.header.Authorization"}, "jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}})
	wantAuthz := map[string]any{"authorizerId": authz["authorizerId"], "name": "pool", "authorizerType": "JWT",
		"identitySource": []any{"$request.header.Authorization"}, "jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []any{clientA}}}
	if !reflect.DeepEqual(authz, wantAuthz) {
		t.Fatalf("CreateAuthorizer:\n got %v\nwant %v", authz, wantAuthz)
	}
	az := authz["authorizerId"].(string)

	items := mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "GET /items/{id}", "target": "integrations/" + i1,
		"authorizationType": "JWT", "authorizerId": az, "operationName": "getItem"})
	wantRoute := map[string]any{"routeId": items["routeId"], "routeKey": "GET /items/{id}", "target": "integrations/" + i1,
		"authorizationType": "JWT", "authorizerId": az, "apiKeyRequired": false, "operationName": "getItem"}
	if !reflect.DeepEqual(items, wantRoute) {
		t.Fatalf("CreateRoute:\n got %v\nwant %v", items, wantRoute)
	}
	open := mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "GET /open", "target": "integrations/" + i1})
	if open["authorizationType"] != "NONE" || open["authorizerId"] != nil {
		t.Fatalf("open route: %v", open)
	}
	proxy := mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "ANY /v1/{proxy+}", "target": "integrations/" + i2})
	itemsID, openID, proxyID := items["routeId"].(string), open["routeId"].(string), proxy["routeId"].(string)

	// The autoDeploy stage serves each route as it was made.
	token := pools.accessToken(t, poolA, "reader")
	if code, _ := v2ServeWith(s, api, "GET", "/items/7", nil); code != 401 {
		t.Fatalf("JWT route without a token: %d", code)
	}
	if code, out := v2ServeWith(s, api, "GET", "/items/7", withBearer(token)); code != 200 || out["routeKey"] != "GET /items/{id}" || out["rawPath"] != "/items/7" {
		t.Fatalf("JWT route with a token: %d %v", code, out)
	}
	if code, out := v2ServeWith(s, api, "GET", "/open", nil); code != 200 || out["routeKey"] != "GET /open" {
		t.Fatalf("open route: %d %v", code, out)
	}
	if code, out := v2ServeWith(s, api, "DELETE", "/v1/a/b", nil); code != 200 || out["version"] != "1.0" || out["resource"] != "/v1/{proxy+}" {
		t.Fatalf("proxy route (payload 1.0): %d %v", code, out)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/elsewhere", nil); code != 404 {
		t.Fatalf("no route: %d", code)
	}

	// Reads.
	routes := mustCall(t, s, 200, "GET", base+"/routes", nil)
	if list, _ := routes["items"].([]any); len(list) != 3 || routes["nextToken"] != nil {
		t.Fatalf("GetRoutes: %v", routes)
	}
	if got := mustCall(t, s, 200, "GET", base+"/routes/"+itemsID, nil); !reflect.DeepEqual(got, wantRoute) {
		t.Fatalf("GetRoute: %v", got)
	}
	if got := mustCall(t, s, 200, "GET", base+"/integrations/"+i1, nil); !reflect.DeepEqual(got, want) {
		t.Fatalf("GetIntegration: %v", got)
	}
	if got := mustCall(t, s, 200, "GET", base+"/authorizers/"+az, nil); !reflect.DeepEqual(got, wantAuthz) {
		t.Fatalf("GetAuthorizer: %v", got)
	}
	if list, _ := mustCall(t, s, 200, "GET", base+"/integrations", nil)["items"].([]any); len(list) != 2 {
		t.Fatalf("GetIntegrations: %v", list)
	}
	if list, _ := mustCall(t, s, 200, "GET", base+"/authorizers", nil)["items"].([]any); len(list) != 1 {
		t.Fatalf("GetAuthorizers: %v", list)
	}
	// Paging: one at a time, every route once.
	var seen []string
	for token := ""; ; {
		pg := mustCall(t, s, 200, "GET", base+"/routes?maxResults=1&nextToken="+token, nil)
		for _, it := range pg["items"].([]any) {
			seen = append(seen, it.(map[string]any)["routeId"].(string))
		}
		if token, _ = pg["nextToken"].(string); token == "" {
			break
		}
	}
	if slices.Sort(seen); !slices.Equal(seen, sorted(itemsID, openID, proxyID)) {
		t.Fatalf("paged routes %v", seen)
	}

	// A route key changes; its id does not.
	moved := mustCall(t, s, 200, "PATCH", base+"/routes/"+openID, map[string]any{"routeKey": "GET /public"})
	if moved["routeId"] != openID || moved["routeKey"] != "GET /public" || moved["target"] != "integrations/"+i1 {
		t.Fatalf("UpdateRoute routeKey: %v", moved)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/open", nil); code != 404 {
		t.Fatalf("old route key still served: %d", code)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/public", nil); code != 200 {
		t.Fatalf("new route key not served: %d", code)
	}

	// Scopes: the token must carry one of them.
	scoped := mustCall(t, s, 200, "PATCH", base+"/routes/"+itemsID, map[string]any{"authorizationScopes": []string{"orders/read"}})
	if !reflect.DeepEqual(scoped["authorizationScopes"], []any{"orders/read"}) || scoped["authorizationType"] != "JWT" {
		t.Fatalf("UpdateRoute scopes: %v", scoped)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/items/7", withBearer(token)); code != 403 {
		t.Fatalf("token without the scope: %d", code)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/items/7", withBearer(pools.accessToken(t, poolA, "scoped", "orders/read"))); code != 200 {
		t.Fatalf("token with the scope: %d", code)
	}

	// An integration changes on every route using it.
	if got := mustCall(t, s, 200, "PATCH", base+"/integrations/"+i1, map[string]any{"timeoutInMillis": 1000}); got["timeoutInMillis"] != 1000.0 {
		t.Fatalf("UpdateIntegration: %v", got)
	}
	def := s.live.Load().stage(api, "$default").def
	for _, r := range def.Routes {
		if r.Integration.FunctionARN == v2FnARN && r.Path != "/v1/{proxy+}" && r.Integration.Timeout.Milliseconds() != 1000 {
			t.Errorf("route %s %s serves timeout %v after UpdateIntegration", r.Method, r.Path, r.Integration.Timeout)
		}
	}

	// A named stage without autoDeploy keeps its deployment until the
	// next CreateDeployment.
	mustCall(t, s, 201, "POST", base+"/stages", map[string]any{"stageName": "prod"})
	mustCall(t, s, 201, "POST", base+"/deployments", map[string]any{"stageName": "prod"})
	pending := mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "POST /later"})
	if pending["target"] != nil {
		t.Fatalf("route without a target: %v", pending)
	}
	if code, _ := v2ServeWith(s, api, "POST", "/later", nil); code != 404 {
		t.Fatalf("route without a target is served: %d", code)
	}
	mustCall(t, s, 200, "PATCH", base+"/routes/"+pending["routeId"].(string), map[string]any{"target": "integrations/" + i2})
	if code, _ := v2ServeWith(s, api, "POST", "/later", nil); code != 200 {
		t.Fatalf("route given a target: %d", code)
	}
	if code, _ := v2ServeWith(s, api, "POST", "/prod/later", nil); code != 404 {
		t.Fatalf("prod (no autoDeploy) serves a route made after its deployment: %d", code)
	}
	mustCall(t, s, 201, "POST", base+"/deployments", map[string]any{"stageName": "prod"})
	if code, _ := v2ServeWith(s, api, "POST", "/prod/later", nil); code != 200 {
		t.Fatalf("prod after CreateDeployment: %d", code)
	}

	// Deleting: an integration or authorizer in use is refused.
	_, _, e := v2Call(t, s, "DELETE", base+"/integrations/"+i1, nil)
	if e == nil || e.Status != 409 || e.Code != "ConflictException" ||
		e.Message != "Cannot delete Integration because it is referenced by the following Routes with Ids: ["+strings.Join(sorted(itemsID, openID), ", ")+"]" {
		t.Fatalf("DeleteIntegration in use: %v", e)
	}
	if _, _, e := v2Call(t, s, "DELETE", base+"/authorizers/"+az, nil); e == nil || e.Status != 409 || !strings.Contains(e.Message, itemsID) {
		t.Fatalf("DeleteAuthorizer in use: %v", e)
	}
	mustCall(t, s, 204, "DELETE", base+"/routes/"+openID, nil)
	if code, _ := v2ServeWith(s, api, "GET", "/public", nil); code != 404 {
		t.Fatalf("deleted route still served: %d", code)
	}
	// The route is gone; its integration stays, still used by the other.
	mustCall(t, s, 200, "GET", base+"/integrations/"+i1, nil)
	open2 := mustCall(t, s, 200, "PATCH", base+"/routes/"+itemsID, map[string]any{"authorizationType": "NONE"})
	if open2["authorizationType"] != "NONE" || open2["authorizerId"] != nil || open2["authorizationScopes"] != nil {
		t.Fatalf("UpdateRoute to NONE: %v", open2)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/items/1", nil); code != 200 {
		t.Fatalf("route opened: %d", code)
	}
	mustCall(t, s, 204, "DELETE", base+"/authorizers/"+az, nil)
	mustCall(t, s, 204, "DELETE", base+"/routes/"+itemsID, nil)
	// The last route using i1 is gone; i1 outlives it, until deleted.
	mustCall(t, s, 200, "GET", base+"/integrations/"+i1, nil)
	mustCall(t, s, 204, "DELETE", base+"/integrations/"+i1, nil)
	mustCall(t, s, 404, "GET", base+"/integrations/"+i1, nil)
	if list, _ := mustCall(t, s, 200, "GET", base+"/routes", nil)["items"].([]any); len(list) != 2 {
		t.Fatalf("routes left: %v", list)
	}
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestHTTPAPIPiecesExportImport: an API built piece by piece exports as
// OpenAPI that ImportApi turns into the same API (ids included), and
// ReimportApi of the export changes nothing.
func TestHTTPAPIPiecesExportImport(t *testing.T) {
	t.Parallel()
	s, pools := newPiecesService(t)
	api := mustCall(t, s, 201, "POST", "/v2/apis", map[string]any{"name": "exported", "protocolType": "HTTP"})["apiId"].(string)
	base := "/v2/apis/" + api
	i1 := mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": v2FnARN, "payloadFormatVersion": "2.0"})["integrationId"].(string)
	mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": invocationARN, "payloadFormatVersion": "1.0"}) // used by no route
	az := mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": "pool", "authorizerType": "JWT",
		"identitySource": []string{"$request.header.Authorization"}, "jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}})["authorizerId"].(string)
	mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": "lambda", "authorizerType": "REQUEST",
		"authorizerUri": invocationARN, "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true,
		"identitySource": []string{"$request.header.X-Key"}, "authorizerResultTtlInSeconds": 60})
	mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "GET /items/{id}", "target": "integrations/" + i1,
		"authorizationType": "JWT", "authorizerId": az, "authorizationScopes": []string{"orders/read"}})
	mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "$default", "target": "integrations/" + i1})
	mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "PUT /not-yet"})

	snapshot := func(api string) map[string]any {
		out := map[string]any{}
		for _, kind := range []string{"routes", "integrations", "authorizers"} {
			out[kind] = mustCall(t, s, 200, "GET", "/v2/apis/"+api+"/"+kind, nil)["items"]
		}
		return out
	}
	before := snapshot(api)

	hr := httptest.NewRequest("GET", base+"/exports/OAS30?outputType=YAML", nil)
	hr.Host = "127.0.0.1:4566"
	w := httptest.NewRecorder()
	if err := s.ControlPlaneV2(w, &awsproto.Request{Request: hr}); err != nil {
		t.Fatal(err)
	}
	exported := w.Body.String()
	api2 := mustCall(t, s, 201, "PUT", "/v2/apis", map[string]string{"body": exported})["apiId"].(string)
	if after := snapshot(api2); !reflect.DeepEqual(before, after) {
		t.Fatalf("imported export differs:\nbefore %v\nafter  %v", before, after)
	}
	mustCall(t, s, 201, "POST", "/v2/apis/"+api2+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	if code, _ := v2ServeWith(s, api2, "GET", "/items/3", withBearer(pools.accessToken(t, poolA, "e1"))); code != 403 {
		t.Fatalf("imported export, token without the scope: %d", code)
	}
	if code, out := v2ServeWith(s, api2, "GET", "/items/3", withBearer(pools.accessToken(t, poolA, "e2", "orders/read"))); code != 200 || out["routeKey"] != "GET /items/{id}" {
		t.Fatalf("imported export, scoped token: %d %v", code, out)
	}
	if code, out := v2ServeWith(s, api2, "PATCH", "/anything", nil); code != 200 || out["routeKey"] != "$default" {
		t.Fatalf("imported export, $default: %d %v", code, out)
	}
	mustCall(t, s, 201, "PUT", base, map[string]string{"body": exported})
	if after := snapshot(api); !reflect.DeepEqual(before, after) {
		t.Fatalf("reimported export differs:\nbefore %v\nafter  %v", before, after)
	}
}

// TestHTTPAPIPiecesOnAnImportedDocument: the operations see the routes,
// integrations and authorizers of a document written elsewhere, with ids
// that do not change between reads, edits and reimports.
func TestHTTPAPIPiecesOnAnImportedDocument(t *testing.T) {
	t.Parallel()
	s, pools := newPiecesService(t)
	integration := `{"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": "` + invocationARN + `"}`
	doc := `openapi: 3.0.1
info: {title: sam, version: "1.0"}
paths:
  /items/{id}:
    get: {security: [{Pool: [orders/read]}], x-amazon-apigateway-integration: ` + integration + `}
  /open:
    get: {x-amazon-apigateway-integration: ` + integration + `}
  $default:
    x-amazon-apigateway-any-method: {x-amazon-apigateway-integration: ` + integration + `}
components:
  securitySchemes:
    Pool:
      type: oauth2
      x-amazon-apigateway-authorizer: {type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: {issuer: "` + issuerA + `", audience: [` + clientA + `]}}
`
	api := mustCall(t, s, 201, "PUT", "/v2/apis", map[string]string{"body": doc})["apiId"].(string)
	base := "/v2/apis/" + api
	mustCall(t, s, 201, "POST", base+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	routeIDs := func() map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, it := range mustCall(t, s, 200, "GET", base+"/routes", nil)["items"].([]any) {
			r := it.(map[string]any)
			out[r["routeKey"].(string)] = r
		}
		return out
	}
	first := routeIDs()
	if len(first) != 3 || first["GET /items/{id}"]["authorizationType"] != "JWT" ||
		!reflect.DeepEqual(first["GET /items/{id}"]["authorizationScopes"], []any{"orders/read"}) || first["$default"] == nil {
		t.Fatalf("routes of an imported document: %v", first)
	}
	// Each imported route has an integration of its own, as on AWS.
	if list := mustCall(t, s, 200, "GET", base+"/integrations", nil)["items"].([]any); len(list) != 3 {
		t.Fatalf("integrations of an imported document: %v", list)
	}
	if !reflect.DeepEqual(first, routeIDs()) {
		t.Fatal("route ids changed between two reads")
	}
	authz := mustCall(t, s, 200, "GET", base+"/authorizers", nil)["items"].([]any)[0].(map[string]any)
	if authz["name"] != "Pool" || authz["authorizerId"] != first["GET /items/{id}"]["authorizerId"] {
		t.Fatalf("authorizer of an imported document: %v", authz)
	}

	// An edit writes the ids down; none changes.
	openID := first["GET /open"]["routeId"].(string)
	mustCall(t, s, 200, "PATCH", base+"/routes/"+openID, map[string]any{"routeKey": "GET /opened"})
	second := routeIDs()
	if second["GET /opened"]["routeId"] != openID || second["$default"]["routeId"] != first["$default"]["routeId"] ||
		second["GET /items/{id}"]["routeId"] != first["GET /items/{id}"]["routeId"] {
		t.Fatalf("ids after an edit:\nbefore %v\nafter  %v", first, second)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/opened", nil); code != 200 {
		t.Fatalf("renamed route: %d", code)
	}
	if code, _ := v2ServeWith(s, api, "GET", "/items/1", withBearer(pools.accessToken(t, poolA, "i1", "orders/read"))); code != 200 {
		t.Fatalf("imported JWT route after an edit: %d", code)
	}
	// Reimporting the original document: its routes get the ids derived
	// from their keys again.
	mustCall(t, s, 201, "PUT", base, map[string]string{"body": doc})
	if third := routeIDs(); !reflect.DeepEqual(first, third) {
		t.Fatalf("ids after reimporting the original:\nbefore %v\nafter  %v", first, third)
	}
}

// TestHTTPAPIPieceErrors: every refusal, with AWS's status and code.
func TestHTTPAPIPieceErrors(t *testing.T) {
	t.Parallel()
	s, _ := newPiecesService(t)
	api := mustCall(t, s, 201, "POST", "/v2/apis", map[string]any{"name": "errors", "protocolType": "HTTP"})["apiId"].(string)
	base := "/v2/apis/" + api
	i1 := mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": v2FnARN, "payloadFormatVersion": "2.0"})["integrationId"].(string)
	jwt := mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": "jwt", "authorizerType": "JWT",
		"identitySource": []string{"$request.header.Authorization"}, "jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}})["authorizerId"].(string)
	lambda := mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": "lambda", "authorizerType": "REQUEST",
		"authorizerUri": invocationARN, "authorizerPayloadFormatVersion": "2.0", "identitySource": []string{"$request.header.X-Key"}})["authorizerId"].(string)
	used := mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "GET /items/{id}", "target": "integrations/" + i1,
		"authorizationType": "JWT", "authorizerId": jwt})["routeId"].(string)
	restAPI := func() string {
		doc := `{"openapi": "3.0.1", "info": {"title": "rest", "version": "1"}, "paths": {}}`
		hr := httptest.NewRequest("POST", "/restapis?mode=import", strings.NewReader(doc))
		w := httptest.NewRecorder()
		if err := s.ControlPlane(w, &awsproto.Request{Request: hr, Body: []byte(doc)}); err != nil {
			t.Fatal(err)
		}
		var out struct{ ID string }
		json.Unmarshal(w.Body.Bytes(), &out)
		return out.ID
	}()
	route := func(key string, more ...any) map[string]any {
		m := map[string]any{"routeKey": key, "target": "integrations/" + i1}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i].(string)] = more[i+1]
		}
		return m
	}
	integ := func(more ...any) map[string]any {
		m := map[string]any{"integrationType": "AWS_PROXY", "integrationUri": v2FnARN, "payloadFormatVersion": "2.0"}
		for i := 0; i+1 < len(more); i += 2 {
			if more[i+1] == nil {
				delete(m, more[i].(string))
			} else {
				m[more[i].(string)] = more[i+1]
			}
		}
		return m
	}
	jwtAuthz := func(more ...any) map[string]any {
		m := map[string]any{"name": "a", "authorizerType": "JWT", "identitySource": []string{"$request.header.Authorization"},
			"jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}}
		for i := 0; i+1 < len(more); i += 2 {
			if more[i+1] == nil {
				delete(m, more[i].(string))
			} else {
				m[more[i].(string)] = more[i+1]
			}
		}
		return m
	}
	reqAuthz := func(more ...any) map[string]any {
		m := map[string]any{"name": "r", "authorizerType": "REQUEST", "authorizerUri": invocationARN,
			"authorizerPayloadFormatVersion": "2.0", "identitySource": []string{"$request.header.X-Key"}}
		for i := 0; i+1 < len(more); i += 2 {
			if more[i+1] == nil {
				delete(m, more[i].(string))
			} else {
				m[more[i].(string)] = more[i+1]
			}
		}
		return m
	}
	for _, tc := range []struct {
		name         string
		method, path string
		body         any
		status       int
		code         string
		msg          string // a part of the message
	}{
		// Unknown ids.
		{"routes of no API", "GET", "/v2/apis/nope/routes", nil, 404, "NotFoundException", "Invalid API identifier"},
		{"routes of a REST API", "GET", "/v2/apis/" + restAPI + "/routes", nil, 404, "NotFoundException", "Invalid API identifier"},
		{"create on no API", "POST", "/v2/apis/nope/integrations", integ(), 404, "NotFoundException", "Invalid API identifier"},
		{"get route", "GET", base + "/routes/nope", nil, 404, "NotFoundException", "Invalid Route identifier specified nope"},
		{"update route", "PATCH", base + "/routes/nope", map[string]any{}, 404, "NotFoundException", "Invalid Route identifier specified nope"},
		{"delete route", "DELETE", base + "/routes/nope", nil, 404, "NotFoundException", "Invalid Route identifier specified nope"},
		{"get integration", "GET", base + "/integrations/nope", nil, 404, "NotFoundException", "Invalid Integration identifier specified nope"},
		{"update integration", "PATCH", base + "/integrations/nope", map[string]any{}, 404, "NotFoundException", "Invalid Integration identifier"},
		{"delete integration", "DELETE", base + "/integrations/nope", nil, 404, "NotFoundException", "Invalid Integration identifier"},
		{"get authorizer", "GET", base + "/authorizers/nope", nil, 404, "NotFoundException", "Invalid Authorizer identifier specified nope"},
		{"update authorizer", "PATCH", base + "/authorizers/nope", map[string]any{}, 404, "NotFoundException", "Invalid Authorizer identifier"},
		{"delete authorizer", "DELETE", base + "/authorizers/nope", nil, 404, "NotFoundException", "Invalid Authorizer identifier"},
		{"unknown target", "POST", base + "/routes", route("GET /x", "target", "integrations/nope"), 404, "NotFoundException", "Invalid Integration identifier specified nope"},
		{"unknown authorizer", "POST", base + "/routes", route("GET /x", "authorizationType", "JWT", "authorizerId", "nope"), 404, "NotFoundException", "Invalid Authorizer identifier"},
		{"route sub-resource", "GET", base + "/routes/" + used + "/routeresponses", nil, 404, "UnknownOperationException", ""},
		{"PUT a route", "PUT", base + "/routes/" + used, map[string]any{}, 404, "UnknownOperationException", ""},

		// Route keys.
		{"no route key", "POST", base + "/routes", map[string]any{"target": "integrations/" + i1}, 400, "BadRequestException", "RouteKey"},
		{"method only", "POST", base + "/routes", route("GET"), 400, "BadRequestException", "Invalid route key"},
		{"no slash", "POST", base + "/routes", route("GET items"), 400, "BadRequestException", "Invalid route key"},
		{"unknown method", "POST", base + "/routes", route("FETCH /x"), 400, "BadRequestException", "Invalid route key"},
		{"lower-case method", "POST", base + "/routes", route("get /x"), 400, "BadRequestException", "Invalid route key"},
		{"two spaces", "POST", base + "/routes", route("GET  /x"), 400, "BadRequestException", "Invalid route key"},
		{"greedy in the middle", "POST", base + "/routes", route("GET /a/{b+}/c"), 400, "BadRequestException", "greedy"},
		{"empty segment", "POST", base + "/routes", route("GET /a//b"), 400, "BadRequestException", "empty segment"},
		{"variable twice", "POST", base + "/routes", route("GET /{a}/{a}"), 400, "BadRequestException", "twice"},
		{"partial variable", "POST", base + "/routes", route("GET /a{b}"), 400, "BadRequestException", "whole segment"},
		{"control character", "POST", base + "/routes", route("GET /a\x00b"), 400, "BadRequestException", "Invalid route key"},
		{"query in the path", "POST", base + "/routes", route("GET /a?b=1"), 400, "BadRequestException", "Invalid route key"},
		{"WebSocket key", "POST", base + "/routes", route("$connect"), 400, "BadRequestException", "WebSocket"},
		{"$default with a method", "POST", base + "/routes", route("GET $default"), 400, "BadRequestException", "Invalid route key"},
		{"huge key", "POST", base + "/routes", route("GET /" + strings.Repeat("a", 5000)), 400, "BadRequestException", "longer than"},
		{"same key", "POST", base + "/routes", route("GET /items/{id}"), 409, "ConflictException", "Route with key GET /items/{id} already exists"},
		{"conflicting variable", "POST", base + "/routes", route("GET /items/{other}"), 409, "ConflictException",
			`The provided route key "GET /items/{other}" has a conflicting variable on the same hierarchical level as "GET /items/{id}"`},
		{"rename onto another", "PATCH", base + "/routes/" + used, map[string]any{"routeKey": "GET /items/{x}"}, 200, "", ""},
		{"empty key on update", "PATCH", base + "/routes/" + used, map[string]any{"routeKey": ""}, 400, "BadRequestException", "empty"},

		// Route targets and authorization.
		{"bad target", "POST", base + "/routes", route("GET /x", "target", "arn:aws:lambda:us-east-1:123456789012:function:echo"), 400, "BadRequestException", "integrations/INTEGRATION_ID"},
		{"target with a slash", "POST", base + "/routes", route("GET /x", "target", "integrations/a/b"), 400, "BadRequestException", "Invalid target"},
		{"JWT without authorizer", "POST", base + "/routes", route("GET /x", "authorizationType", "JWT"), 400, "BadRequestException", "needs an authorizerId"},
		{"IAM", "POST", base + "/routes", route("GET /x", "authorizationType", "AWS_IAM"), 400, "BadRequestException", "AWS_IAM"},
		{"unknown authorization type", "POST", base + "/routes", route("GET /x", "authorizationType", "COGNITO"), 400, "BadRequestException", "Invalid authorization type"},
		{"JWT with a Lambda authorizer", "POST", base + "/routes", route("GET /x", "authorizationType", "JWT", "authorizerId", lambda), 400, "BadRequestException", "REQUEST"},
		{"CUSTOM with a JWT authorizer", "POST", base + "/routes", route("GET /x", "authorizationType", "CUSTOM", "authorizerId", jwt), 400, "BadRequestException", "JWT"},
		{"CUSTOM with scopes", "POST", base + "/routes", route("GET /x", "authorizationType", "CUSTOM", "authorizerId", lambda, "authorizationScopes", []string{"a"}), 400, "BadRequestException", "scopes"},
		{"NONE with scopes", "POST", base + "/routes", route("GET /x", "authorizationScopes", []string{"a"}), 400, "BadRequestException", "scopes"},
		{"NONE with an authorizer", "POST", base + "/routes", route("GET /x", "authorizationType", "NONE", "authorizerId", jwt), 400, "BadRequestException", "NONE"},
		{"empty scope", "POST", base + "/routes", route("GET /x", "authorizationType", "JWT", "authorizerId", jwt, "authorizationScopes", []string{""}), 400, "BadRequestException", "scope"},
		{"Terraform's route", "POST", base + "/routes", route("GET /tf", "apiKeyRequired", false, "authorizationType", "NONE"), 201, "", ""},
		{"API key", "POST", base + "/routes", route("GET /x", "apiKeyRequired", true), 400, "BadRequestException", "API keys"},
		{"request parameters", "POST", base + "/routes", route("GET /x", "requestParameters", map[string]any{"route.request.header.x": map[string]any{"required": true}}), 400, "BadRequestException", "WebSocket"},
		{"request models", "POST", base + "/routes", route("GET /x", "requestModels", map[string]any{"$default": "M"}), 400, "BadRequestException", "WebSocket"},

		// Integrations.
		{"no type", "POST", base + "/integrations", integ("integrationType", nil), 400, "BadRequestException", "IntegrationType"},
		{"HTTP_PROXY", "POST", base + "/integrations", integ("integrationType", "HTTP_PROXY", "integrationUri", "https://example.com"), 400, "BadRequestException", "not supported by gatehouse"},
		{"AWS", "POST", base + "/integrations", integ("integrationType", "AWS"), 400, "BadRequestException", "proxy integrations"},
		{"MOCK", "POST", base + "/integrations", integ("integrationType", "MOCK"), 400, "BadRequestException", "proxy integrations"},
		{"unknown type", "POST", base + "/integrations", integ("integrationType", "LAMBDA"), 400, "BadRequestException", "Invalid integration type"},
		{"no payload format", "POST", base + "/integrations", integ("payloadFormatVersion", nil), 400, "BadRequestException", "PayloadFormatVersion is a required parameter"},
		{"payload format 3.0", "POST", base + "/integrations", integ("payloadFormatVersion", "3.0"), 400, "BadRequestException", "payloadFormatVersion must be 1.0 or 2.0"},
		{"no uri", "POST", base + "/integrations", integ("integrationUri", nil), 400, "BadRequestException", "needs a uri"},
		{"uri not Lambda", "POST", base + "/integrations", integ("integrationUri", "https://example.com/x"), 400, "BadRequestException", "not a Lambda invocation"},
		{"function elsewhere", "POST", base + "/integrations", integ("integrationUri", "arn:aws:lambda:eu-west-1:123456789012:function:x"), 400, "BadRequestException", "region"},
		{"timeout too short", "POST", base + "/integrations", integ("timeoutInMillis", 10), 400, "BadRequestException", "between 50 and 30000"},
		{"timeout too long", "POST", base + "/integrations", integ("timeoutInMillis", 30001), 400, "BadRequestException", "between 50 and 30000"},
		{"timeout not a number", "POST", base + "/integrations", integ("timeoutInMillis", "soon"), 400, "BadRequestException", "Invalid request body"},
		{"method GET", "POST", base + "/integrations", integ("integrationMethod", "GET"), 400, "BadRequestException", "POST"},
		{"VPC link", "POST", base + "/integrations", integ("connectionType", "VPC_LINK"), 400, "BadRequestException", "VPC_LINK"},
		{"parameter mapping", "POST", base + "/integrations", integ("requestParameters", map[string]string{"append:header.x": "y"}), 400, "BadRequestException", "Parameter mapping"},
		{"subtype", "POST", base + "/integrations", integ("integrationSubtype", "SQS-SendMessage"), 400, "BadRequestException", "integrationSubtype"},
		{"templates", "POST", base + "/integrations", integ("requestTemplates", map[string]string{"application/json": "{}"}), 400, "BadRequestException", "WebSocket"},
		{"Terraform's integration", "POST", base + "/integrations", integ("passthroughBehavior", "WHEN_NO_MATCH", "connectionType", "INTERNET", "integrationMethod", "POST"), 201, "", ""},
		{"bad passthrough", "POST", base + "/integrations", integ("passthroughBehavior", "SOMETIMES"), 400, "BadRequestException", "passthrough"},
		{"update to HTTP_PROXY", "PATCH", base + "/integrations/" + i1, map[string]any{"integrationType": "HTTP_PROXY"}, 400, "BadRequestException", "not supported by gatehouse"},
		{"update to a bad timeout", "PATCH", base + "/integrations/" + i1, map[string]any{"timeoutInMillis": 0}, 400, "BadRequestException", "timeoutInMillis"},
		{"delete in use", "DELETE", base + "/integrations/" + i1, nil, 409, "ConflictException", "Cannot delete Integration because it is referenced by the following Routes with Ids: ["},

		// Authorizers.
		{"no name", "POST", base + "/authorizers", jwtAuthz("name", nil), 400, "BadRequestException", "Name"},
		{"long name", "POST", base + "/authorizers", jwtAuthz("name", strings.Repeat("n", 129)), 400, "BadRequestException", "name"},
		{"no type", "POST", base + "/authorizers", jwtAuthz("authorizerType", nil), 400, "BadRequestException", "AuthorizerType"},
		{"TOKEN", "POST", base + "/authorizers", jwtAuthz("authorizerType", "TOKEN"), 400, "BadRequestException", "JWT or REQUEST"},
		{"JWT without configuration", "POST", base + "/authorizers", jwtAuthz("jwtConfiguration", nil), 400, "BadRequestException", "jwtConfiguration"},
		{"JWT without audience", "POST", base + "/authorizers", jwtAuthz("jwtConfiguration", map[string]any{"issuer": issuerA}), 400, "BadRequestException", "audience"},
		{"JWT issuer not a URL", "POST", base + "/authorizers", jwtAuthz("jwtConfiguration", map[string]any{"issuer": "ftp://x", "audience": []string{"a"}}), 400, "BadRequestException", "issuer"},
		{"JWT two sources", "POST", base + "/authorizers", jwtAuthz("identitySource", []string{"$request.header.A", "$request.header.B"}), 400, "BadRequestException", "one identity source"},
		{"JWT with a Lambda", "POST", base + "/authorizers", jwtAuthz("authorizerUri", invocationARN), 400, "BadRequestException", "REQUEST"},
		{"REQUEST without payload format", "POST", base + "/authorizers", reqAuthz("authorizerPayloadFormatVersion", nil), 400, "BadRequestException",
			"AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer"},
		{"REQUEST without uri", "POST", base + "/authorizers", reqAuthz("authorizerUri", nil), 400, "BadRequestException", "authorizerUri"},
		{"REQUEST simple responses on 1.0", "POST", base + "/authorizers", reqAuthz("authorizerPayloadFormatVersion", "1.0", "enableSimpleResponses", true), 400, "BadRequestException", "2.0"},
		{"REQUEST TTL too long", "POST", base + "/authorizers", reqAuthz("authorizerResultTtlInSeconds", 4000), 400, "BadRequestException", "3600"},
		{"REQUEST bad source", "POST", base + "/authorizers", reqAuthz("identitySource", []string{"header.X"}), 400, "BadRequestException", "identity source"},
		{"REQUEST with JWT settings", "POST", base + "/authorizers", reqAuthz("jwtConfiguration", map[string]any{"issuer": issuerA}), 400, "BadRequestException", "jwtConfiguration"},
		{"JWT with TTL 0", "POST", base + "/authorizers", jwtAuthz("name", "tf", "authorizerResultTtlInSeconds", 0, "enableSimpleResponses", false), 201, "", ""},
		{"JWT with a TTL", "POST", base + "/authorizers", jwtAuthz("authorizerResultTtlInSeconds", 300), 400, "BadRequestException", "REQUEST"},
		{"validation expression", "POST", base + "/authorizers", jwtAuthz("identityValidationExpression", ".*"), 400, "BadRequestException", "identityValidationExpression"},
		{"delete in use", "DELETE", base + "/authorizers/" + jwt, nil, 409, "ConflictException", used},
		{"type change in use", "PATCH", base + "/authorizers/" + jwt, reqAuthz("name", nil), 400, "BadRequestException", "used by route"},

		// Bodies and paging.
		{"not JSON", "POST", base + "/routes", `{"routeKey": `, 400, "BadRequestException", "Invalid request body"},
		{"wrong JSON type", "POST", base + "/routes", `{"routeKey": ["GET /x"]}`, 400, "BadRequestException", "Invalid request body"},
		{"oversized body", "POST", base + "/routes", `{"routeKey": "GET /x", "operationName": "` + strings.Repeat("x", 70<<10) + `"}`, 413, "BadRequestException", "too large"},
		{"maxResults 0", "GET", base + "/routes?maxResults=0", nil, 400, "BadRequestException", "maxResults"},
		{"maxResults not a number", "GET", base + "/integrations?maxResults=x", nil, 400, "BadRequestException", "maxResults"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, err := v2Call(t, s, tc.method, tc.path, tc.body)
			if tc.code == "" {
				if status != tc.status || err != nil {
					t.Fatalf("%d %v, want %d", status, err, tc.status)
				}
				return
			}
			if status != tc.status || err == nil || err.Code != tc.code || !strings.Contains(err.Message, tc.msg) {
				t.Fatalf("%d %v, want %d %s %q", status, err, tc.status, tc.code, tc.msg)
			}
		})
	}
	// After all of that the API has what the accepted calls made, and
	// still compiles.
	if list := mustCall(t, s, 200, "GET", base+"/routes", nil)["items"].([]any); len(list) != 2 {
		t.Fatalf("routes after the refusals: %v", list)
	}
	if list := mustCall(t, s, 200, "GET", base+"/integrations", nil)["items"].([]any); len(list) != 2 {
		t.Fatalf("integrations after the refusals: %v", list)
	}
}

// TestHTTPAPIAuthorizerNames: authorizer names that are also words the
// gateway reads in security requirements (NONE, api_key) or that are
// taken still guard their routes, and a rename carries the routes along.
func TestHTTPAPIAuthorizerNames(t *testing.T) {
	t.Parallel()
	s, pools := newPiecesService(t)
	api := mustCall(t, s, 201, "POST", "/v2/apis", map[string]any{"name": "names", "protocolType": "HTTP"})["apiId"].(string)
	base := "/v2/apis/" + api
	mustCall(t, s, 201, "POST", base+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	i1 := mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": v2FnARN, "payloadFormatVersion": "2.0"})["integrationId"].(string)
	token := withBearer(pools.accessToken(t, poolA, "names"))
	for i, name := range []string{"NONE", "api_key", "dup", "dup"} {
		a := mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": name, "authorizerType": "JWT",
			"identitySource": []string{"$request.header.Authorization"}, "jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}})
		if a["name"] != name {
			t.Fatalf("authorizer %q: %v", name, a)
		}
		path := fmt.Sprintf("/r%d", i)
		mustCall(t, s, 201, "POST", base+"/routes", map[string]any{"routeKey": "GET " + path, "target": "integrations/" + i1,
			"authorizationType": "JWT", "authorizerId": a["authorizerId"]})
		if code, _ := v2ServeWith(s, api, "GET", path, nil); code != 401 {
			t.Fatalf("route behind the authorizer named %q, no token: %d", name, code)
		}
		if code, _ := v2ServeWith(s, api, "GET", path, token); code != 200 {
			t.Fatalf("route behind the authorizer named %q, token: %d", name, code)
		}
	}
	list := mustCall(t, s, 200, "GET", base+"/authorizers", nil)["items"].([]any)
	first := list[0].(map[string]any)["authorizerId"].(string)
	renamed := mustCall(t, s, 200, "PATCH", base+"/authorizers/"+first, map[string]any{"name": "renamed"})
	if renamed["name"] != "renamed" || renamed["authorizerId"] != first {
		t.Fatalf("UpdateAuthorizer name: %v", renamed)
	}
	for i := range 4 {
		if code, _ := v2ServeWith(s, api, "GET", fmt.Sprintf("/r%d", i), nil); code != 401 {
			t.Fatalf("after a rename, route %d without a token: %d", i, code)
		}
	}
	for range 6 {
		mustCall(t, s, 201, "POST", base+"/authorizers", map[string]any{"name": "more", "authorizerType": "JWT",
			"jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}})
	}
	if _, _, e := v2Call(t, s, "POST", base+"/authorizers", map[string]any{"name": "eleventh", "authorizerType": "JWT",
		"jwtConfiguration": map[string]any{"issuer": issuerA, "audience": []string{clientA}}}); e == nil || e.Status != 400 || !strings.Contains(e.Message, "Maximum number of Authorizers") {
		t.Fatalf("eleventh authorizer: %v", e)
	}
}

// TestHTTPAPIConcurrentRouteCreation: routes made at the same time by
// many clients are all kept (each edit is a compare-and-swap on the
// document, retried when it loses) and all served.
func TestHTTPAPIConcurrentRouteCreation(t *testing.T) {
	t.Parallel()
	s, _ := newPiecesService(t)
	api := mustCall(t, s, 201, "POST", "/v2/apis", map[string]any{"name": "busy", "protocolType": "HTTP"})["apiId"].(string)
	base := "/v2/apis/" + api
	mustCall(t, s, 201, "POST", base+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	i1 := mustCall(t, s, 201, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationUri": v2FnARN, "payloadFormatVersion": "2.0"})["integrationId"].(string)
	const workers, each = 12, 4
	var wg sync.WaitGroup
	errs := make(chan string, workers*each*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := map[string]any{"routeKey": fmt.Sprintf("GET /w%d/r%d", w, i), "target": "integrations/" + i1}
				if status, out, err := v2Call(t, s, "POST", base+"/routes", body); status != 201 {
					errs <- fmt.Sprintf("route w%d/r%d: %d %v %v", w, i, status, out, err)
				}
				// Integrations land in the same document.
				if status, _, err := v2Call(t, s, "POST", base+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
					"integrationUri": v2FnARN, "payloadFormatVersion": "1.0"}); status != 201 {
					errs <- fmt.Sprintf("integration: %d %v", status, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	routes := mustCall(t, s, 200, "GET", base+"/routes", nil)["items"].([]any)
	if len(routes) != workers*each {
		t.Fatalf("%d routes kept of %d made", len(routes), workers*each)
	}
	if list := mustCall(t, s, 200, "GET", base+"/integrations", nil)["items"].([]any); len(list) != 1+workers*each {
		t.Fatalf("%d integrations kept of %d made", len(list), 1+workers*each)
	}
	for w := range workers {
		for i := range each {
			if code, out := v2ServeWith(s, api, "GET", fmt.Sprintf("/w%d/r%d", w, i), nil); code != 200 {
				t.Errorf("GET /w%d/r%d: %d %v", w, i, code, out)
			}
		}
	}
}

// TestHTTPAPIPiecesHostileAnnotations: a document imported with
// gatehouse's annotations forged or copied (duplicate ids, ids that are
// not ids, a copy of an integration claiming another's id, pending routes
// that clash) reads as distinct, well-formed entities, and edits keep
// them apart.
func TestHTTPAPIPiecesHostileAnnotations(t *testing.T) {
	t.Parallel()
	s, _ := newPiecesService(t)
	integ := func(uri, pfv string) string {
		return `{"type": "aws_proxy", "payloadFormatVersion": "` + pfv + `", "uri": "` + uri + `"}`
	}
	doc := `{"openapi": "3.0.1", "info": {"title": "forged", "version": "1"},
  "paths": {
    "/a": {"get": {"x-gatehouse-route-id": "same000", "x-gatehouse-integration-id": "int0000", "x-amazon-apigateway-integration": ` + integ(v2FnARN, "2.0") + `}},
    "/b": {"get": {"x-gatehouse-route-id": "same000", "x-gatehouse-integration-id": "int0000", "x-amazon-apigateway-integration": ` + integ(v2FnARN, "1.0") + `}},
    "/c": {"get": {"x-gatehouse-route-id": "../../x", "x-gatehouse-integration-id": "<script>", "x-amazon-apigateway-integration": ` + integ(v2FnARN, "2.0") + `}}
  },
  "components": {"x-amazon-apigateway-integrations": {"Not An Id": ` + integ(invocationARN, "2.0") + `}},
  "x-gatehouse-routes": {"GET /a": {"x-gatehouse-route-id": "pend000"}, "BOGUS": {}, "POST /p": {"x-gatehouse-route-id": "same000"}, "PUT /q": "not an object"}
}`
	api := mustCall(t, s, 201, "PUT", "/v2/apis", map[string]string{"body": doc})["apiId"].(string)
	base := "/v2/apis/" + api
	read := func() (map[string]string, map[string]map[string]any) {
		routes := map[string]string{}
		for _, it := range mustCall(t, s, 200, "GET", base+"/routes", nil)["items"].([]any) {
			r := it.(map[string]any)
			id := r["routeId"].(string)
			if !validID(id) {
				t.Fatalf("route id %q", id)
			}
			if _, dup := routes[id]; dup {
				t.Fatalf("route id %s twice", id)
			}
			routes[id] = r["routeKey"].(string)
		}
		integrations := map[string]map[string]any{}
		for _, it := range mustCall(t, s, 200, "GET", base+"/integrations", nil)["items"].([]any) {
			in := it.(map[string]any)
			integrations[in["integrationId"].(string)] = in
		}
		return routes, integrations
	}
	routes, integrations := read()
	// The pending GET /a clashes with the real one, BOGUS is no route key
	// and PUT /q no operation: left out. POST /p stays, with its own id.
	keys := []string{}
	for _, k := range routes {
		keys = append(keys, k)
	}
	if slices.Sort(keys); !slices.Equal(keys, []string{"GET /a", "GET /b", "GET /c", "POST /p"}) {
		t.Fatalf("routes %v", routes)
	}
	// /a and /b claim one integration with different contents: two.
	if len(integrations) != 4 {
		t.Fatalf("integrations %v", integrations)
	}
	for id := range integrations {
		if !validID(id) {
			t.Fatalf("integration id %q", id)
		}
	}
	// An edit writes the ids down as read, and keeps them apart.
	var bID string
	for id, k := range routes {
		if k == "GET /b" {
			bID = id
		}
	}
	mustCall(t, s, 200, "PATCH", base+"/routes/"+bID, map[string]any{"operationName": "b"})
	routes2, integrations2 := read()
	if !reflect.DeepEqual(routes, routes2) || !reflect.DeepEqual(integrations, integrations2) {
		t.Fatalf("ids changed by an edit:\n%v %v\n%v %v", routes, integrations, routes2, integrations2)
	}
	mustCall(t, s, 201, "POST", base+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	if code, out := v2ServeWith(s, api, "GET", "/b", nil); code != 200 || out["version"] != "1.0" {
		t.Fatalf("GET /b keeps its own integration: %d %v", code, out)
	}
	if code, out := v2ServeWith(s, api, "GET", "/a", nil); code != 200 || out["version"] != "2.0" {
		t.Fatalf("GET /a keeps its own integration: %d %v", code, out)
	}
}
