package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

const v2FnARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"

// v2Functions answers every invocation with the 2.0 event's routeKey and
// rawPath, so a test sees which route of which deployment served it.
type v2Functions struct {
	mu    sync.Mutex
	calls int
}

func (f *v2Functions) InvokeFunction(ctx context.Context, arn string, payload []byte) ([]byte, bool, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	var ev struct{ RouteKey, RawPath string }
	json.Unmarshal(payload, &ev)
	out, err := json.Marshal(map[string]string{"routeKey": ev.RouteKey, "rawPath": ev.RawPath})
	return out, false, err
}

func newV2Service(t *testing.T) *Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(context.Background(), Options{Store: st, Functions: &v2Functions{}, Pools: &fakePoolsNone{}, Region: "us-east-1", Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type fakePoolsNone struct{}

func (fakePoolsNone) VerifyPoolToken(ctx context.Context, poolID, token, tokenUse string) (map[string]any, error) {
	return nil, ErrUnknownPool
}

// v2Call runs one management operation; err is the AWS error, if any.
func v2Call(t *testing.T, s *Service, method, target string, body any) (int, map[string]any, *awsproto.Error) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	hr := httptest.NewRequest(method, target, bytes.NewReader(b))
	hr.Host = "127.0.0.1:4566"
	w := httptest.NewRecorder()
	if err := s.ControlPlaneV2(w, &awsproto.Request{Request: hr, Body: b}); err != nil {
		e, ok := awsproto.AsError(err)
		if !ok {
			t.Fatalf("%s %s: internal error %v", method, target, err)
		}
		return e.Status, nil, e
	}
	var out map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, target, w.Body)
		}
	}
	return w.Code, out, nil
}

// v2Serve sends a request to the API's execute-api host.
func v2Serve(s *Service, apiID, method, path string) (int, map[string]any) {
	r := httptest.NewRequest(method, path, nil)
	w := httptest.NewRecorder()
	stage, p := s.StageForPath(apiID, r.URL.EscapedPath())
	s.ServeStage(w, r, apiID, stage, p)
	var out map[string]any
	json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

func v2Doc(paths ...string) string {
	items := []string{}
	for _, p := range paths {
		items = append(items, `"`+p+`": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": "`+v2FnARN+`"}}}`)
	}
	return `{"openapi": "3.0.1", "info": {"title": "items", "version": "1"}, "paths": {` + strings.Join(items, ",") + `},
 "x-amazon-apigateway-cors": {"allowOrigins": ["https://app.example"], "allowMethods": ["GET"], "maxAge": 60}}`
}

func TestHTTPAPIQuickCreate(t *testing.T) {
	s := newV2Service(t)
	status, api, _ := v2Call(t, s, "POST", "/v2/apis", map[string]any{"name": "q", "protocolType": "HTTP", "target": v2FnARN})
	id, _ := api["apiId"].(string)
	if status != 201 || id == "" || api["apiEndpoint"] != "http://"+id+".execute-api.localhost:4566" || api["protocolType"] != "HTTP" ||
		api["routeSelectionExpression"] != "$request.method $request.path" || api["name"] != "q" {
		t.Fatalf("CreateApi: %d %v", status, api)
	}
	if _, err := time.Parse(time.RFC3339, api["createdDate"].(string)); err != nil {
		t.Fatalf("createdDate %v: %v", api["createdDate"], err)
	}
	_, stages, _ := v2Call(t, s, "GET", "/v2/apis/"+id+"/stages", nil)
	items, _ := stages["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("stages: %v", stages)
	}
	if st := items[0].(map[string]any); st["stageName"] != "$default" || st["autoDeploy"] != true || st["deploymentId"] == nil {
		t.Fatalf("quick create stage: %v", st)
	}
	// The $default route catches everything at the root of the host.
	if code, out := v2Serve(s, id, "DELETE", "/any/path?x=1"); code != 200 || out["routeKey"] != "$default" || out["rawPath"] != "/any/path" {
		t.Fatalf("quick-created API: %d %v", code, out)
	}
	// A route key other than $default.
	_, api2, _ := v2Call(t, s, "POST", "/v2/apis", map[string]any{"name": "r", "protocolType": "HTTP", "target": v2FnARN, "routeKey": "GET /hello"})
	if code, out := v2Serve(s, api2["apiId"].(string), "GET", "/hello"); code != 200 || out["routeKey"] != "GET /hello" {
		t.Fatalf("routeKey: %d %v", code, out)
	}
}

func TestHTTPAPIAutoDeployFollowsReimport(t *testing.T) {
	s := newV2Service(t)
	status, api, _ := v2Call(t, s, "PUT", "/v2/apis", map[string]string{"body": v2Doc("/a")})
	id, _ := api["apiId"].(string)
	cors, _ := api["corsConfiguration"].(map[string]any)
	if status != 201 || api["name"] != "items" || api["version"] != "1" || cors == nil || cors["maxAge"] != 60.0 {
		t.Fatalf("ImportApi: %d %v", status, api)
	}
	// Nothing is served before a stage.
	if code, _ := v2Serve(s, id, "GET", "/a"); code != 404 {
		t.Fatalf("no stage yet: %d", code)
	}
	if status, st, _ := v2Call(t, s, "POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true}); status != 201 || st["deploymentId"] == nil {
		t.Fatalf("CreateStage: %d %v", status, st)
	}
	// A named stage, deployed by hand, keeps what it was given.
	if status, _, err := v2Call(t, s, "POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "prod"}); status != 201 {
		t.Fatalf("CreateStage prod: %d %v", status, err)
	}
	if code, _ := v2Serve(s, id, "GET", "/prod/a"); code != 404 {
		t.Fatalf("undeployed named stage falls to $default (no /prod/a route): %d", code)
	}
	if status, d, _ := v2Call(t, s, "POST", "/v2/apis/"+id+"/deployments", map[string]any{"stageName": "prod"}); status != 201 || d["autoDeployed"] != false || d["deploymentStatus"] != "DEPLOYED" {
		t.Fatalf("CreateDeployment: %d %v", status, d)
	}
	if code, out := v2Serve(s, id, "GET", "/a"); code != 200 || out["routeKey"] != "GET /a" {
		t.Fatalf("$default /a: %d %v", code, out)
	}
	if code, out := v2Serve(s, id, "GET", "/prod/a"); code != 200 || out["rawPath"] != "/prod/a" {
		t.Fatalf("prod /a: %d %v", code, out)
	}

	if status, _, err := v2Call(t, s, "PUT", "/v2/apis/"+id, map[string]string{"body": v2Doc("/b")}); status != 201 {
		t.Fatalf("ReimportApi: %d %v", status, err)
	}
	if code, _ := v2Serve(s, id, "GET", "/a"); code != 404 {
		t.Fatalf("$default after reimport, /a: %d", code)
	}
	if code, _ := v2Serve(s, id, "GET", "/b"); code != 200 {
		t.Fatalf("$default after reimport, /b: %d", code)
	}
	if code, _ := v2Serve(s, id, "GET", "/prod/a"); code != 200 {
		t.Fatalf("prod keeps its deployment: %d", code)
	}
	_, deps, _ := v2Call(t, s, "GET", "/v2/apis/"+id+"/deployments", nil)
	if items, _ := deps["items"].([]any); len(items) != 3 {
		t.Fatalf("deployments: %v", deps)
	}

	// Turning autoDeploy on deploys at once; off leaves the stage as is.
	if status, st, _ := v2Call(t, s, "PATCH", "/v2/apis/"+id+"/stages/prod", map[string]any{"autoDeploy": true, "stageVariables": map[string]string{"k": "v"}}); status != 200 || st["autoDeploy"] != true {
		t.Fatalf("UpdateStage: %d %v", status, st)
	}
	if code, _ := v2Serve(s, id, "GET", "/prod/b"); code != 200 {
		t.Fatalf("prod after autoDeploy on: %d", code)
	}
	if status, _, _ := v2Call(t, s, "DELETE", "/v2/apis/"+id+"/stages/prod", nil); status != 204 {
		t.Fatalf("DeleteStage: %d", status)
	}
	if code, _ := v2Serve(s, id, "GET", "/prod/b"); code != 404 {
		t.Fatalf("deleted stage's path goes to $default: %d", code)
	}
}

func TestHTTPAPIExportReimport(t *testing.T) {
	s := newV2Service(t)
	_, api, _ := v2Call(t, s, "PUT", "/v2/apis", map[string]string{"body": v2Doc("/a", "/items/{id}")})
	id := api["apiId"].(string)
	v2Call(t, s, "POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	hr := httptest.NewRequest("GET", "/v2/apis/"+id+"/exports/OAS30?outputType=JSON&stageName=%24default", nil)
	hr.Host = "127.0.0.1:4566"
	w := httptest.NewRecorder()
	if err := s.ControlPlaneV2(w, &awsproto.Request{Request: hr}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string
		Servers []struct{ URL string }
		Paths   map[string]any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.Servers[0].URL != "http://"+id+".execute-api.localhost:4566" || len(doc.Paths) != 2 {
		t.Fatalf("export: %v %s", err, w.Body)
	}
	status, api2, _ := v2Call(t, s, "PUT", "/v2/apis", map[string]string{"body": w.Body.String()})
	if status != 201 || api2["corsConfiguration"] == nil {
		t.Fatalf("import of the export: %d %v", status, api2)
	}
	id2 := api2["apiId"].(string)
	v2Call(t, s, "POST", "/v2/apis/"+id2+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})
	if code, out := v2Serve(s, id2, "GET", "/items/7"); code != 200 || out["routeKey"] != "GET /items/{id}" {
		t.Fatalf("re-imported API: %d %v", code, out)
	}
}

func TestHTTPAPIErrors(t *testing.T) {
	s := newV2Service(t)
	_, api, _ := v2Call(t, s, "PUT", "/v2/apis", map[string]string{"body": v2Doc("/a")})
	id := api["apiId"].(string)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"GET", "/v2/apis/nope", nil, 404, "NotFoundException"},
		{"POST", "/v2/apis", map[string]any{"name": "w", "protocolType": "WEBSOCKET"}, 400, "BadRequestException"},
		{"POST", "/v2/apis", map[string]any{"protocolType": "HTTP"}, 400, "BadRequestException"},
		{"POST", "/v2/apis", map[string]any{"name": "h", "protocolType": "HTTP", "target": "https://example.com"}, 400, "BadRequestException"},
		{"POST", "/v2/apis", map[string]any{"name": "h", "protocolType": "HTTP", "target": "arn:aws:lambda:eu-west-1:123456789012:function:x"}, 400, "BadRequestException"},
		{"PUT", "/v2/apis", map[string]string{"body": "{}"}, 400, "BadRequestException"},
		{"PUT", "/v2/apis", map[string]string{"body": v2Doc("/a")[:40]}, 400, "BadRequestException"},
		{"PUT", "/v2/apis/nope", map[string]string{"body": v2Doc("/a")}, 404, "NotFoundException"},
		{"POST", "/v2/apis/" + id + "/stages", map[string]any{"stageName": "bad name"}, 400, "BadRequestException"},
		{"POST", "/v2/apis/" + id + "/stages", map[string]any{"stageName": "s", "routeSettings": map[string]any{"GET /a": map[string]any{}}}, 400, "BadRequestException"},
		{"POST", "/v2/apis/" + id + "/stages", map[string]any{"stageName": "s", "deploymentId": "zzzzzz"}, 400, "BadRequestException"},
		{"GET", "/v2/apis/" + id + "/stages/none", nil, 404, "NotFoundException"},
		{"POST", "/v2/apis/" + id + "/deployments", map[string]any{"stageName": "none"}, 404, "NotFoundException"},
		{"GET", "/v2/apis/" + id + "/exports/SWAGGER?outputType=JSON", nil, 400, "BadRequestException"},
		{"GET", "/v2/apis/" + id + "/models", nil, 404, "UnknownOperationException"},
	} {
		status, _, err := v2Call(t, s, tc.method, tc.path, tc.body)
		if status != tc.status || err == nil || err.Code != tc.code {
			t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, status, err, tc.status, tc.code)
		}
	}
	if status, _, _ := v2Call(t, s, "POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "dup"}); status != 201 {
		t.Fatal(status)
	}
	if _, _, err := v2Call(t, s, "POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "dup"}); err == nil || err.Status != 409 || err.Code != "ConflictException" {
		t.Errorf("duplicate stage: %v", err)
	}
}

// REST and HTTP APIs share records but not operations: each API family
// sees only its own, as on AWS.
func TestHTTPAPIsAndRESTAPIsStayApart(t *testing.T) {
	s := newV2Service(t)
	_, api, _ := v2Call(t, s, "PUT", "/v2/apis", map[string]string{"body": v2Doc("/a")})
	httpID := api["apiId"].(string)
	restDoc := `{"openapi": "3.0.1", "info": {"title": "rest", "version": "1"}, "paths": {}}`
	hr := httptest.NewRequest("POST", "/restapis?mode=import", strings.NewReader(restDoc))
	w := httptest.NewRecorder()
	if err := s.ControlPlane(w, &awsproto.Request{Request: hr, Body: []byte(restDoc)}); err != nil {
		t.Fatal(err)
	}
	var rest struct{ ID string }
	json.Unmarshal(w.Body.Bytes(), &rest)

	if _, _, err := v2Call(t, s, "GET", "/v2/apis/"+rest.ID, nil); err == nil || err.Code != "NotFoundException" {
		t.Errorf("GetApi of a REST API: %v", err)
	}
	hr = httptest.NewRequest("GET", "/restapis/"+httpID, nil)
	if err := s.ControlPlane(httptest.NewRecorder(), &awsproto.Request{Request: hr}); err == nil {
		t.Errorf("GetRestApi of an HTTP API succeeded")
	}
	hr = httptest.NewRequest("GET", "/restapis", nil)
	w = httptest.NewRecorder()
	s.ControlPlane(w, &awsproto.Request{Request: hr})
	if strings.Contains(w.Body.String(), httpID) || !strings.Contains(w.Body.String(), rest.ID) {
		t.Errorf("GetRestApis: %s", w.Body)
	}
	// Paging through GetApis one at a time sees every HTTP API once.
	v2Call(t, s, "POST", "/v2/apis", map[string]any{"name": "second", "protocolType": "HTTP"})
	seen, token := []string{}, ""
	for range 5 {
		_, page, _ := v2Call(t, s, "GET", "/v2/apis?maxResults=1&nextToken="+token, nil)
		for _, it := range page["items"].([]any) {
			seen = append(seen, it.(map[string]any)["apiId"].(string))
		}
		token, _ = page["nextToken"].(string)
		if token == "" {
			break
		}
	}
	if len(seen) != 2 || seen[0] == seen[1] || (seen[0] != httpID && seen[1] != httpID) {
		t.Errorf("GetApis pages: %v", seen)
	}
	if status, _, _ := v2Call(t, s, "DELETE", "/v2/apis/"+rest.ID, nil); status != 404 {
		t.Errorf("DeleteApi of a REST API: %d", status)
	}
	if status, _, _ := v2Call(t, s, "DELETE", "/v2/apis/"+httpID, nil); status != 204 {
		t.Errorf("DeleteApi: %d", status)
	}
	if status, _, _ := v2Call(t, s, "GET", "/v2/apis/"+httpID, nil); status != 404 {
		t.Errorf("deleted API: %d", status)
	}
}
