package gateway

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testRegion  = "us-east-1"
	testAccount = "000000000000"
	fnPrefix    = "arn:aws:lambda:us-east-1:000000000000:function:"
	testPoolARN = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbCdEf123"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "openapi", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, doc []byte, proto Protocol) *Definition {
	t.Helper()
	def, err := ParseDefinition(doc, proto, testRegion, testAccount)
	if err != nil {
		t.Fatalf("ParseDefinition: %v", err)
	}
	return def
}

// routeSummary is a route in one line: METHOD PATH -> target [security] (key).
func routeSummary(r Route) string {
	target := strings.TrimPrefix(r.Integration.FunctionARN, fnPrefix)
	if m := r.Integration.Mock; m != nil {
		target = "mock " + m.Headers["Access-Control-Allow-Methods"]
	}
	var sec []string
	for _, s := range r.Security {
		sec = append(sec, s.Name+strings.Join(s.Scopes, ","))
	}
	line := r.Method + " " + r.Path + " -> " + target + " [" + strings.Join(sec, " ") + "]"
	if r.APIKeyRequired {
		line += " (key)"
	}
	return line
}

func summaries(def *Definition) []string {
	var out []string
	for _, r := range def.Routes {
		out = append(out, routeSummary(r))
	}
	return out
}

// TestParseDefinitionSAMRest reads what aws-sam-translator 1.110.0 writes
// for an AWS::Serverless::Api with a Cognito DefaultAuthorizer, Lambda
// TOKEN and REQUEST authorizers, Cors, GatewayResponses,
// BinaryMediaTypes, an Authorizer: NONE route and an API key route, as
// Swagger 2.0, as OpenAPI 3 (OpenApiVersion: '3.0', which also sets
// AddDefaultAuthorizerToCorsPreflight: false and key plus authorizer on
// /keyed), and as YAML with anchors.
func TestParseDefinitionSAMRest(t *testing.T) {
	t.Parallel()
	swagger := []string{
		"POST /keyed -> ItemsFunction [] (key)",
		"OPTIONS /keyed -> mock OPTIONS,POST [CognitoAuth]",
		"PUT /items/{id} -> ItemsFunction [TokenAuth]",
		"OPTIONS /items/{id} -> mock GET,OPTIONS,PUT [CognitoAuth]",
		"GET /items/{id} -> ItemsFunction [CognitoAuthitems/read]",
		"OPTIONS /items -> mock GET,OPTIONS [CognitoAuth]",
		"GET /items -> ItemsFunction [CognitoAuth]",
		"OPTIONS /files/{proxy+} -> mock DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT [CognitoAuth]",
		"ANY /files/{proxy+} -> ProxyFunction [ReqAuth]",
		"OPTIONS /public -> mock GET,OPTIONS [CognitoAuth]",
		"GET /public -> ItemsFunction [NONE]",
	}
	oas3 := []string{
		"POST /keyed -> ItemsFunction [CognitoAuth] (key)",
		"OPTIONS /keyed -> mock OPTIONS,POST []",
		"PUT /items/{id} -> ItemsFunction [TokenAuth]",
		"OPTIONS /items/{id} -> mock GET,OPTIONS,PUT []",
		"GET /items/{id} -> ItemsFunction [CognitoAuthitems/read]",
		"OPTIONS /items -> mock GET,OPTIONS []",
		"GET /items -> ItemsFunction [CognitoAuth]",
		"OPTIONS /files/{proxy+} -> mock DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT []",
		"ANY /files/{proxy+} -> ProxyFunction [ReqAuth]",
		"OPTIONS /public -> mock GET,OPTIONS []",
		"GET /public -> ItemsFunction [NONE]",
	}
	for _, tc := range []struct {
		file, title string
		routes      []string
	}{
		{"sam_rest_swagger.json", "items-api", swagger},
		{"sam_rest_swagger.yaml", "items-api", swagger},
		{"sam_rest_swagger_anchors.yaml", "items-api", swagger},
		{"sam_rest_oas3.json", "items-api-v3", oas3},
		{"sam_rest_oas3.yaml", "items-api-v3", oas3},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			def := mustParse(t, readTestdata(t, tc.file), REST)
			if got := summaries(def); !reflect.DeepEqual(got, tc.routes) {
				t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.routes, "\n"))
			}
			if def.Protocol != REST || def.Title != tc.title || def.Version != "1.0" || def.APIKeySource != "HEADER" || def.CORS != nil {
				t.Errorf("API: %q %q %q %q %v", def.Protocol, def.Title, def.Version, def.APIKeySource, def.CORS)
			}
			if want := []string{"image/png", "application/octet-stream"}; !reflect.DeepEqual(def.BinaryMediaTypes, want) {
				t.Errorf("binary media types %q", def.BinaryMediaTypes)
			}
			wantAuth := map[string]*Authorizer{
				"CognitoAuth": {Name: "CognitoAuth", Type: AuthCognito, ProviderARNs: []string{testPoolARN},
					IdentitySource: []string{"method.request.header.Authorization"}, ValidationExpression: "^[a-z0-9]{26}$", TTL: 300 * time.Second},
				"TokenAuth": {Name: "TokenAuth", Type: AuthToken, FunctionARN: fnPrefix + "token-auth",
					IdentitySource: []string{"method.request.header.X-Token"}, ValidationExpression: "^Bearer .+$", TTL: 120 * time.Second},
				"ReqAuth": {Name: "ReqAuth", Type: AuthRequest, FunctionARN: fnPrefix + "req-auth",
					IdentitySource: []string{"method.request.header.X-Token", "method.request.querystring.tenant"}},
			}
			if !reflect.DeepEqual(def.Authorizers, wantAuth) {
				for name, a := range def.Authorizers {
					t.Errorf("authorizer %s: %+v\nwant %+v", name, *a, wantAuth[name])
				}
			}
			wantResp := map[string]GatewayResponse{
				"DEFAULT_5XX":  {Headers: map[string]string{"Access-Control-Allow-Origin": "*"}},
				"DEFAULT_4XX":  {Headers: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type,Authorization"}},
				"UNAUTHORIZED": {Status: 401, Body: `{"message": $context.error.messageString, "hint": "sign in"}`},
			}
			if !reflect.DeepEqual(def.GatewayResponses, wantResp) {
				t.Errorf("gateway responses %+v", def.GatewayResponses)
			}
			preflight := def.Routes[1]
			wantMock := &MockResponse{Status: 200, Body: "{}\n", Headers: map[string]string{
				"Access-Control-Allow-Origin": "*", "Access-Control-Max-Age": "600",
				"Access-Control-Allow-Methods": "OPTIONS,POST", "Access-Control-Allow-Headers": "Content-Type,Authorization,X-Token"}}
			if preflight.Integration.Type != "mock" || !reflect.DeepEqual(preflight.Integration.Mock, wantMock) || preflight.Pointer != "/paths/~1keyed/options" {
				t.Errorf("preflight %+v %+v", preflight, preflight.Integration.Mock)
			}
			proxy := def.Routes[0].Integration
			if proxy != (Integration{Type: "aws_proxy", FunctionARN: fnPrefix + "ItemsFunction", Timeout: 29 * time.Second, PayloadFormatVersion: "1.0"}) {
				t.Errorf("integration %+v", proxy)
			}
		})
	}
}

// TestParseDefinitionSAMHTTP reads an AWS::Serverless::HttpApi with a JWT
// DefaultAuthorizer, a Lambda REQUEST authorizer with simple responses,
// CorsConfiguration, a NONE route, a payload 1.0 route and $default.
func TestParseDefinitionSAMHTTP(t *testing.T) {
	t.Parallel()
	want := []string{
		"ANY /admin/{proxy+} -> OrdersFunction [LambdaAuth]",
		"GET /orders/{id} -> OrdersFunction [OrdersJwt]",
		"GET /orders -> OrdersFunction [OrdersJwtorders/read]",
		"GET /health -> OrdersFunction [NONE]",
		"ANY $default -> OrdersFunction [OrdersJwt]",
	}
	for _, file := range []string{"sam_http.json", "sam_http.yaml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			def := mustParse(t, readTestdata(t, file), HTTP)
			if got := summaries(def); !reflect.DeepEqual(got, want) {
				t.Errorf("routes:\n%s", strings.Join(got, "\n"))
			}
			if def.Description != "orders over HTTP" || def.APIKeySource != "" || def.BinaryMediaTypes != nil || def.GatewayResponses != nil {
				t.Errorf("API %+v", def)
			}
			for i, in := range []Integration{
				{Type: "aws_proxy", FunctionARN: fnPrefix + "OrdersFunction", Timeout: 30 * time.Second, PayloadFormatVersion: "2.0"},
				{Type: "aws_proxy", FunctionARN: fnPrefix + "OrdersFunction", Timeout: 5 * time.Second, PayloadFormatVersion: "1.0"},
			} {
				if def.Routes[i].Integration != in {
					t.Errorf("route %d integration %+v", i, def.Routes[i].Integration)
				}
			}
			if p := def.Routes[4].Pointer; p != "/paths/$default/x-amazon-apigateway-any-method" {
				t.Errorf("$default pointer %q", p)
			}
			wantAuth := map[string]*Authorizer{
				"OrdersJwt": {Name: "OrdersJwt", Type: AuthJWT, IdentitySource: []string{"$request.header.Authorization"},
					Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123", Audience: []string{"5v2example1client2id3abc"}},
				"LambdaAuth": {Name: "LambdaAuth", Type: AuthRequest, FunctionARN: fnPrefix + "http-auth",
					IdentitySource: []string{"$request.header.Authorization"}, TTL: 30 * time.Second, PayloadFormatVersion: "2.0", SimpleResponses: true},
			}
			if !reflect.DeepEqual(def.Authorizers, wantAuth) {
				for name, a := range def.Authorizers {
					t.Errorf("authorizer %s: %+v", name, *a)
				}
			}
			wantCORS := &CORSConfig{AllowOrigins: []string{"https://app.example.com"}, AllowHeaders: []string{"authorization", "content-type"},
				AllowMethods: []string{"GET", "POST", "OPTIONS"}, ExposeHeaders: []string{"x-request-id"}, MaxAge: 600, AllowCredentials: true}
			if !reflect.DeepEqual(def.CORS, wantCORS) {
				t.Errorf("CORS %+v", def.CORS)
			}
		})
	}
}

// TestParseDefinitionYAMLEqualsJSON: each document written as JSON and as
// YAML compiles to the same Definition.
func TestParseDefinitionYAMLEqualsJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		json, yaml string
		proto      Protocol
	}{
		{"sam_rest_swagger.json", "sam_rest_swagger.yaml", REST},
		{"sam_rest_swagger.json", "sam_rest_swagger_anchors.yaml", REST},
		{"sam_rest_oas3.json", "sam_rest_oas3.yaml", REST},
		{"sam_http.json", "sam_http.yaml", HTTP},
	} {
		t.Run(tc.yaml, func(t *testing.T) {
			t.Parallel()
			j := mustParse(t, readTestdata(t, tc.json), tc.proto)
			y := mustParse(t, readTestdata(t, tc.yaml), tc.proto)
			if !reflect.DeepEqual(j, y) {
				t.Errorf("JSON and YAML differ:\n%+v\n%+v", j, y)
			}
		})
	}
	// YAML's own forms: merge keys, integer keys, numbers where strings
	// belong, block scalars, a BOM.
	y := "\ufeff" + `openapi: 3.0.1
info: {title: pets, version: 1.0}
x-lambda: &lambda
  type: AWS_PROXY
  httpMethod: post
  uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations
paths:
  /pets:
    get:
      responses: {200: {description: ok}}
      x-amazon-apigateway-integration:
        <<: *lambda
        timeoutInMillis: 1000
    post:
      x-amazon-apigateway-integration: *lambda
x-amazon-apigateway-gateway-responses:
  UNAUTHORIZED:
    statusCode: 401
    responseTemplates:
      application/json: |
        {"message": "no"}
`
	j := `{"openapi": "3.0.1", "info": {"title": "pets", "version": "1.0"},
  "x-lambda": {"type": "AWS_PROXY", "httpMethod": "post", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations"},
  "paths": {"/pets": {
    "get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {"timeoutInMillis": 1000, "type": "AWS_PROXY", "httpMethod": "post", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations"}},
    "post": {"x-amazon-apigateway-integration": {"type": "AWS_PROXY", "httpMethod": "post", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations"}}}},
  "x-amazon-apigateway-gateway-responses": {"UNAUTHORIZED": {"statusCode": "401", "responseTemplates": {"application/json": "{\"message\": \"no\"}\n"}}}}`
	dy, dj := mustParse(t, []byte(y), REST), mustParse(t, []byte(j), REST)
	if !reflect.DeepEqual(dy, dj) {
		t.Errorf("YAML and JSON differ:\n%+v\n%+v", dy, dj)
	}
	if dy.Version != "1.0" || dy.Routes[0].Integration.Timeout != time.Second || dy.Routes[1].Integration.Timeout != 29*time.Second {
		t.Errorf("YAML document: %+v", dy)
	}
}
