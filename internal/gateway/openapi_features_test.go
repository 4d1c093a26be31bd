package gateway

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestParseDefinitionFeatures: what small documents compile to, one
// feature at a time; each also exports and imports back to the same.
func TestParseDefinitionFeatures(t *testing.T) {
	t.Parallel()
	lambda := func(extra string) string {
		return `{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI"` + extra + `}`
	}
	cog := `"components": {"securitySchemes": {"Cog": COGNITO, "api_key": {"type": "apiKey", "name": "X-API-Key", "in": "header"}}}`
	for _, tc := range []struct {
		name   string
		proto  Protocol
		doc    []byte
		routes []string // routeSummary of each route, when set
		check  func(t *testing.T, def *Definition)
	}{
		{name: "every method", doc: api(`"paths": {"/m": {"get": {"x-amazon-apigateway-integration": LAMBDA}, "put": {"x-amazon-apigateway-integration": LAMBDA},
			"post": {"x-amazon-apigateway-integration": LAMBDA}, "delete": {"x-amazon-apigateway-integration": LAMBDA}, "options": {"x-amazon-apigateway-integration": MOCK},
			"head": {"x-amazon-apigateway-integration": LAMBDA}, "patch": {"x-amazon-apigateway-integration": LAMBDA},
			"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}, "parameters": [], "summary": "s", "x-other": 1}}`),
			routes: []string{"GET /m -> fn []", "PUT /m -> fn []", "POST /m -> fn []", "DELETE /m -> fn []", "OPTIONS /m -> mock  []",
				"HEAD /m -> fn []", "PATCH /m -> fn []", "ANY /m -> fn []"}},
		{name: "no paths", doc: api(`"x-amazon-apigateway-binary-media-types": ["*/*"]`), check: func(t *testing.T, def *Definition) {
			if def.Routes != nil || def.BinaryMediaTypes[0] != "*/*" {
				t.Errorf("%+v", def)
			}
		}},
		{name: "document security and overrides", doc: api(`"security": [{"Cog": ["a"]}], "paths": {
			"/default": {"get": {"x-amazon-apigateway-integration": LAMBDA}},
			"/open": {"get": {"security": [], "x-amazon-apigateway-integration": LAMBDA}},
			"/none": {"get": {"security": [{"NONE": []}], "x-amazon-apigateway-integration": LAMBDA}},
			"/anonymous": {"get": {"security": [{}], "x-amazon-apigateway-integration": LAMBDA}},
			"/merged": {"get": {"security": [{"api_key": []}, {"Cog": ["b", "a"]}, {"Cog": ["c"]}], "x-amazon-apigateway-integration": LAMBDA}},
			"/keyed": {"get": {"security": [{"NONE": [], "api_key": []}], "x-amazon-apigateway-integration": LAMBDA}},
			"/null-scopes": {"get": {"security": [{"Cog": null}], "x-amazon-apigateway-integration": LAMBDA}}}, ` + cog),
			routes: []string{"GET /default -> fn [Coga]", "GET /open -> fn []", "GET /none -> fn [NONE]", "GET /anonymous -> fn []",
				"GET /merged -> fn [Cogb,a,c] (key)", "GET /keyed -> fn [NONE] (key)", "GET /null-scopes -> fn [Cog]"}},
		{name: "document API key", doc: api(`"security": [{"api_key": []}], "paths": {"/a": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}, ` + cog),
			routes: []string{"GET /a -> fn [] (key)"}},
		{name: "integration forms", doc: api(`"paths": {
			"/upper": {"get": {"operationId": "listThings", "x-amazon-apigateway-integration": {"type": "AWS_PROXY", "httpMethod": "post", "uri": "URI", "timeoutInMillis": "50"}}},
			"/alias": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/` + fnPrefix + `fn:live/invocations"}}},
			"/stage": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/` + fnPrefix + `${stageVariables.fn}/invocations"}}},
			"/version": {"get": {"x-amazon-apigateway-integration": ` + lambda(`, "payloadFormatVersion": "1.0", "timeoutInMillis": 29000`) + `}}}`),
			check: func(t *testing.T, def *Definition) {
				want := []Integration{
					{Type: "aws_proxy", FunctionARN: fnPrefix + "fn", Timeout: 50 * time.Millisecond, PayloadFormatVersion: "1.0"},
					{Type: "aws_proxy", FunctionARN: fnPrefix + "fn:live", Timeout: 29 * time.Second, PayloadFormatVersion: "1.0"},
					{Type: "aws_proxy", FunctionARN: fnPrefix + "${stageVariables.fn}", Timeout: 29 * time.Second, PayloadFormatVersion: "1.0"},
					{Type: "aws_proxy", FunctionARN: fnPrefix + "fn", Timeout: 29 * time.Second, PayloadFormatVersion: "1.0"},
				}
				for i, w := range want {
					if def.Routes[i].Integration != w {
						t.Errorf("route %d: %+v", i, def.Routes[i].Integration)
					}
				}
				if def.Routes[0].OperationName != "listThings" || def.Routes[0].Pointer != "/paths/~1upper/get" {
					t.Errorf("%+v", def.Routes[0])
				}
			}},
		{name: "HTTP integration forms", proto: HTTP, doc: api(`"paths": {
			"/plain": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "` + fnPrefix + `fn", "payloadFormatVersion": 1.0}}},
			"/long": {"get": {"x-amazon-apigateway-integration": ` + lambda(`, "timeoutInMillis": 30000`) + `}},
			"/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true, "x-amazon-apigateway-integration": LAMBDA}}}`),
			check: func(t *testing.T, def *Definition) {
				want := []Integration{
					{Type: "aws_proxy", FunctionARN: fnPrefix + "fn", Timeout: 30 * time.Second, PayloadFormatVersion: "1.0"},
					{Type: "aws_proxy", FunctionARN: fnPrefix + "fn", Timeout: 30 * time.Second, PayloadFormatVersion: "2.0"},
					{Type: "aws_proxy", FunctionARN: fnPrefix + "fn", Timeout: 30 * time.Second, PayloadFormatVersion: "2.0"},
				}
				for i, w := range want {
					if def.Routes[i].Integration != w {
						t.Errorf("route %d: %+v", i, def.Routes[i].Integration)
					}
				}
				if r := def.Routes[2]; r.Path != "$default" || r.Method != "ANY" || r.Pointer != "/paths/~1$default/x-amazon-apigateway-any-method" {
					t.Errorf("default route %+v", r)
				}
			}},
		{name: "literal /$default", proto: HTTP, doc: api(`"paths": {"/$default": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			routes: []string{"GET /$default -> fn []"}},
		{name: "routes that coexist", doc: api(`"paths": {"/a/{x}": {"get": {"x-amazon-apigateway-integration": LAMBDA}, "x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}},
			"/a/{x}/b": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/a/b": {"get": {"x-amazon-apigateway-integration": LAMBDA}},
			"/": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/{proxy+}": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			routes: []string{"GET /a/{x} -> fn []", "ANY /a/{x} -> fn []", "GET /a/{x}/b -> fn []", "GET /a/b -> fn []", "GET / -> fn []", "GET /{proxy+} -> fn []"}},
		{name: "HTTP siblings with other names", proto: HTTP, doc: api(`"paths": {"/a/{x}": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/a/{y}": {"put": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			routes: []string{"GET /a/{x} -> fn []", "PUT /a/{y} -> fn []"}},
		{name: "authorizer defaults", doc: api(`"paths": {}, "components": {"securitySchemes": {
			"tokenQuery": {"type": "apiKey", "name": "t", "in": "query", "x-amazon-apigateway-authorizer": {"type": "TOKEN", "authorizerUri": "URI"}},
			"req": {"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": "URI", "identitySource": "method.request.header.A,context.b"}},
			"reqOpen": {"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": "URI"}},
			"cog": {"type": "apiKey", "name": "X-Id", "in": "header", "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["` + testPoolARN + `"], "identitySource": "method.request.header.Authorization", "authorizerResultTtlInSeconds": 0}}}}`),
			check: func(t *testing.T, def *Definition) {
				want := map[string]*Authorizer{
					"tokenQuery": {Name: "tokenQuery", Type: AuthToken, FunctionARN: fnPrefix + "fn", IdentitySource: []string{"method.request.header.Authorization"}, TTL: 300 * time.Second},
					"req":        {Name: "req", Type: AuthRequest, FunctionARN: fnPrefix + "fn", IdentitySource: []string{"method.request.header.A", "context.b"}, TTL: 300 * time.Second},
					"reqOpen":    {Name: "reqOpen", Type: AuthRequest, FunctionARN: fnPrefix + "fn"},
					"cog":        {Name: "cog", Type: AuthCognito, ProviderARNs: []string{testPoolARN}, IdentitySource: []string{"method.request.header.Authorization"}},
				}
				if !reflect.DeepEqual(def.Authorizers, want) {
					for n, a := range def.Authorizers {
						t.Errorf("%s %+v", n, *a)
					}
				}
			}},
		{name: "HTTP authorizer forms", proto: HTTP, doc: api(`"paths": {}, "components": {"securitySchemes": {
			"lambda": {"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": "` + fnPrefix + `auth",
				"identitySource": ["$request.header.Authorization", "$context.routeKey"], "authorizerPayloadFormatVersion": 1.0}},
			"jwt": {"type": "openIdConnect", "openIdConnectUrl": "https://i/.well-known/openid-configuration", "x-amazon-apigateway-authorizer": {"type": "JWT",
				"jwtConfiguration": {"issuer": "http://127.0.0.1:4566/us-east-1_x", "audience": ["a", "b"]}, "identitySource": "$request.querystring.token"}}}}`),
			check: func(t *testing.T, def *Definition) {
				want := map[string]*Authorizer{
					"lambda": {Name: "lambda", Type: AuthRequest, FunctionARN: fnPrefix + "auth", IdentitySource: []string{"$request.header.Authorization", "$context.routeKey"},
						TTL: 300 * time.Second, PayloadFormatVersion: "1.0"},
					"jwt": {Name: "jwt", Type: AuthJWT, IdentitySource: []string{"$request.querystring.token"}, Issuer: "http://127.0.0.1:4566/us-east-1_x", Audience: []string{"a", "b"}},
				}
				if !reflect.DeepEqual(def.Authorizers, want) {
					for n, a := range def.Authorizers {
						t.Errorf("%s %+v", n, *a)
					}
				}
			}},
		{name: "API-wide extensions", doc: api(`"paths": {}, "x-amazon-apigateway-api-key-source": "authorizer",
			"x-amazon-apigateway-gateway-responses": {"MISSING_AUTHENTICATION_TOKEN": {"statusCode": 404, "responseParameters": {"gatewayresponse.header.X-A": "'a b'", "gatewayresponse.header.X-Empty": "''"},
				"responseTemplates": {"application/json": "{\"message\": $context.error.messageString}"}}, "ACCESS_DENIED": {}}`),
			check: func(t *testing.T, def *Definition) {
				want := map[string]GatewayResponse{
					"MISSING_AUTHENTICATION_TOKEN": {Status: 404, Headers: map[string]string{"X-A": "a b", "X-Empty": ""}, Body: `{"message": $context.error.messageString}`},
					"ACCESS_DENIED":                {},
				}
				if def.APIKeySource != "AUTHORIZER" || !reflect.DeepEqual(def.GatewayResponses, want) {
					t.Errorf("%q %+v", def.APIKeySource, def.GatewayResponses)
				}
			}},
		{name: "empty CORS", proto: HTTP, doc: api(`"paths": {}, "x-amazon-apigateway-cors": {"maxAge": -1}`), check: func(t *testing.T, def *Definition) {
			if !reflect.DeepEqual(def.CORS, &CORSConfig{MaxAge: -1}) {
				t.Errorf("%+v", def.CORS)
			}
		}},
		{name: "Swagger in YAML with numbers", doc: []byte("swagger: 2.0\ninfo:\n  title: 2024\n  version: 2024-01-31\n  description: 1e3\npaths: {}\n"),
			check: func(t *testing.T, def *Definition) {
				if def.Title != "2024" || def.Version != "2024-01-31" || def.Description != "1e3" {
					t.Errorf("%q %q %q", def.Title, def.Version, def.Description)
				}
			}},
		{name: "OpenAPI 3.1", doc: []byte(`{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "webhooks": {}}`), check: func(t *testing.T, def *Definition) {
			if def.Title != "t" || def.Routes != nil {
				t.Errorf("%+v", def)
			}
		}},
		{name: "no region check", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations"}`),
			routes: []string{"GET /items -> arn:aws:lambda:eu-west-1:123456789012:function:fn []"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proto := tc.proto
			if proto == "" {
				proto = REST
			}
			region, account := testRegion, testAccount
			if tc.name == "no region check" {
				region, account = "", ""
			}
			doc := []byte(strings.ReplaceAll(string(tc.doc), "URI", testURI))
			def, err := ParseDefinition(doc, proto, region, account)
			if err != nil {
				t.Fatal(err)
			}
			if def.Protocol != proto {
				t.Errorf("protocol %q", def.Protocol)
			}
			if tc.routes != nil {
				var got []string
				for _, r := range def.Routes {
					got = append(got, strings.Replace(routeSummary(r), fnPrefix+"fn", "fn", 1))
				}
				if !reflect.DeepEqual(got, tc.routes) {
					t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.routes, "\n"))
				}
			}
			if tc.check != nil {
				tc.check(t, def)
			}
			if region != "" {
				roundTrip(t, def, doc)
				roundTrip(t, def, nil)
			}
		})
	}
}
