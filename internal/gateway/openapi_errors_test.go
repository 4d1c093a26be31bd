package gateway

import (
	"errors"
	"strings"
	"testing"
)

// errCase is a document ParseDefinition must refuse, with where and why.
type errCase struct {
	name    string
	proto   Protocol
	doc     []byte
	pointer string
	message string // a part of the message
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proto := tc.proto
			if proto == "" {
				proto = REST
			}
			def, err := ParseDefinition(tc.doc, proto, testRegion, testAccount)
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, %v; want a *DefinitionError", def, err)
			}
			if de.Pointer != tc.pointer || !strings.Contains(de.Message, tc.message) {
				t.Errorf("got pointer %q message %q\nwant pointer %q message containing %q", de.Pointer, de.Message, tc.pointer, tc.message)
			}
		})
	}
}

const (
	itemsGet    = "/paths/~1items/get"
	integration = itemsGet + "/x-amazon-apigateway-integration"
	schemeA     = "/components/securitySchemes/A"
	authorizerA = schemeA + "/x-amazon-apigateway-authorizer"
)

func TestDefinitionErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := ParseDefinition(integrationDoc(`{"type": "http", "uri": "https://example.com"}`), REST, testRegion, testAccount)
	want := `invalid OpenAPI document at /paths/~1items/get/x-amazon-apigateway-integration/type: integration type "http" is not supported by gatehouse`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	for _, tc := range []struct {
		e    DefinitionError
		want string
	}{
		{DefinitionError{Message: "m"}, "invalid OpenAPI document: m"},
		{DefinitionError{Message: "m", Line: 3}, "invalid OpenAPI document at line 3: m"},
		{DefinitionError{Message: "m", Line: 3, Column: 7}, "invalid OpenAPI document at line 3, column 7: m"},
		{DefinitionError{Pointer: "/a~1b", Message: "m", Line: 3, Column: 7}, "invalid OpenAPI document at /a~1b: m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q want %q", got, tc.want)
		}
	}
	if _, err := ParseDefinition(api(`"paths": {}`), "WEBSOCKET", "", ""); err == nil {
		t.Error("an unknown protocol was accepted")
	}
}

func TestDefinitionErrorsDocument(t *testing.T) {
	t.Parallel()
	runErrCases(t, []errCase{
		{name: "both versions", doc: []byte(`{"swagger": "2.0", "openapi": "3.0.1"}`), message: "both swagger and openapi"},
		{name: "no version", doc: []byte(`{"info": {}}`), message: "neither openapi"},
		{name: "swagger 1.2", doc: []byte(`{"swagger": "1.2"}`), pointer: "/swagger", message: `swagger version "1.2" is not supported`},
		{name: "openapi 2.5", doc: []byte(`{"openapi": "2.5.0"}`), pointer: "/openapi", message: `OpenAPI version "2.5.0" is not supported`},
		{name: "openapi object", doc: []byte(`{"openapi": {}}`), pointer: "/openapi", message: "must be a string, found an object"},
		{name: "info not object", doc: []byte(`{"openapi": "3.0.1", "info": []}`), pointer: "/info", message: "must be an object, found an array"},
		{name: "title intrinsic", doc: []byte(`{"openapi": "3.0.1", "info": {"title": {"Ref": "AWS::StackName"}}}`), pointer: "/info/title",
			message: "must be a string, found the unresolved CloudFormation intrinsic Ref"},
		{name: "paths not object", doc: api(`"paths": []`), pointer: "/paths", message: "must be an object"},
		{name: "path item not object", doc: api(`"paths": {"/a": 1}`), pointer: "/paths/~1a", message: "must be an object, found a number"},
		{name: "trace", doc: api(`"paths": {"/a": {"trace": {}}}`), pointer: "/paths/~1a/trace", message: "no TRACE"},
		{name: "path item ref", doc: api(`"paths": {"/a": {"$ref": "#/x"}}`), pointer: "/paths/~1a/$ref", message: "$ref is not supported"},
		{name: "operation not object", doc: api(`"paths": {"/a": {"get": "x"}}`), pointer: "/paths/~1a/get", message: "must be an object, found a string"},
		{name: "operationId", doc: opDoc(`{"operationId": 7, "x-amazon-apigateway-integration": LAMBDA}`), pointer: itemsGet + "/operationId", message: "must be a string"},
		{name: "no integration", doc: opDoc(`{"responses": {}}`), pointer: itemsGet, message: "GET /items has no x-amazon-apigateway-integration"},
		{name: "not JSON object", doc: []byte(`[1, 2]`), message: "must be an object, found an array"},
		{name: "scalar YAML", doc: []byte("just text\n"), message: "must be an object, found a string"},
	})
}

func TestDefinitionErrorsPaths(t *testing.T) {
	t.Parallel()
	path := func(p string) []byte {
		return api(`"paths": {"` + p + `": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}`)
	}
	runErrCases(t, []errCase{
		{name: "no slash", doc: path("items"), pointer: "/paths/items", message: "must start with /"},
		{name: "empty segment", doc: path("/a//b"), pointer: "/paths/~1a~1~1b", message: "empty segment"},
		{name: "trailing slash", doc: path("/a/"), pointer: "/paths/~1a~1", message: "empty segment"},
		{name: "greedy not last", doc: path("/{proxy+}/a"), pointer: "/paths/~1{proxy+}~1a", message: "greedy variable must be the last segment"},
		{name: "two greedy", doc: path("/{a+}/{b+}"), pointer: "/paths/~1{a+}~1{b+}", message: "greedy variable must be the last segment"},
		{name: "empty name", doc: path("/{}"), pointer: "/paths/~1{}", message: "names are letters"},
		{name: "bad name", doc: path("/{a b}"), pointer: "/paths/~1{a b}", message: "names are letters"},
		{name: "duplicate name", doc: path("/{id}/x/{id}"), pointer: "/paths/~1{id}~1x~1{id}", message: "names the variable {id} twice"},
		{name: "partial variable", doc: path("/items/{id}.json"), pointer: "/paths/~1items~1{id}.json", message: "variables take a whole segment"},
		{name: "query in path", doc: path("/a?b"), pointer: "/paths/~1a?b", message: "does not allow"},
		{name: "tilde escaping", doc: path("~/x"), pointer: "/paths/~0~1x", message: "must start with /"},
		{name: "$default on REST", doc: api(`"paths": {"$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/$default", message: "the $default route is for HTTP APIs"},
		{name: "$default with GET", proto: HTTP, doc: api(`"paths": {"$default": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/$default/get", message: "takes only x-amazon-apigateway-any-method"},
		{name: "isDefaultRoute on REST", doc: api(`"paths": {"/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true, "x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1$default/x-amazon-apigateway-any-method/isDefaultRoute", message: "for HTTP APIs"},
		{name: "isDefaultRoute elsewhere", proto: HTTP, doc: api(`"paths": {"/a": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true, "x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1a/x-amazon-apigateway-any-method/isDefaultRoute", message: "belongs on x-amazon-apigateway-any-method of the path /$default"},
		{name: "isDefaultRoute not bool", proto: HTTP, doc: api(`"paths": {"/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": "yes", "x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1$default/x-amazon-apigateway-any-method/isDefaultRoute", message: "must be a boolean"},
		{name: "same route, other names", doc: api(`"paths": {"/a/{x}": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/a/{y}": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1a~1{y}/get", message: "GET /a/{y} conflicts with GET /a/{x} (/paths/~1a~1{x}/get)"},
		{name: "same route, HTTP", proto: HTTP, doc: api(`"paths": {"/a/{x}/b": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/a/{y}/b": {"get": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1a~1{y}~1b/get", message: "conflicts with GET /a/{x}/b"},
		{name: "two ANY", doc: api(`"paths": {"/{a+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}}, "/{b+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1{b+}/x-amazon-apigateway-any-method", message: "ANY /{b+} conflicts with ANY /{a+}"},
		{name: "sibling variables", doc: api(`"paths": {"/a/{x}": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/a/{y}": {"put": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1a~1{y}", message: "puts the variable {y} beside {x} (from /a/{x})"},
		{name: "sibling greedy", doc: api(`"paths": {"/{id}": {"get": {"x-amazon-apigateway-integration": LAMBDA}}, "/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1{proxy+}", message: "beside {id}"},
		{name: "two $default", proto: HTTP, doc: api(`"paths": {"$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}}, "/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true, "x-amazon-apigateway-integration": LAMBDA}}}`),
			pointer: "/paths/~1$default/x-amazon-apigateway-any-method", message: "ANY $default conflicts with ANY $default"},
	})
}

func TestDefinitionErrorsIntegration(t *testing.T) {
	t.Parallel()
	fnURI := func(fn string) string {
		return `{"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/` + fn + `/invocations"}`
	}
	withMock := func(def string) []byte {
		return integrationDoc(`{"type": "mock", "responses": {"default": ` + def + `}}`)
	}
	runErrCases(t, []errCase{
		{name: "not object", doc: integrationDoc(`"aws_proxy"`), pointer: integration, message: "must be an object"},
		{name: "no type", doc: integrationDoc(`{"uri": "URI"}`), pointer: integration, message: "has no type"},
		{name: "type not string", doc: integrationDoc(`{"type": 1}`), pointer: integration + "/type", message: "must be a string, found a number"},
		{name: "http", doc: integrationDoc(`{"type": "http", "uri": "https://example.com"}`), pointer: integration + "/type", message: `integration type "http" is not supported by gatehouse`},
		{name: "http_proxy", doc: integrationDoc(`{"type": "HTTP_PROXY"}`), pointer: integration + "/type", message: `integration type "HTTP_PROXY" is not supported by gatehouse`},
		{name: "aws", doc: integrationDoc(`{"type": "aws"}`), pointer: integration + "/type", message: `"aws" is not supported`},
		{name: "mock on HTTP", proto: HTTP, doc: integrationDoc(`MOCK`), pointer: integration + "/type", message: "HTTP APIs have no mock integrations"},
		{name: "no uri", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST"}`), pointer: integration, message: "needs a uri"},
		{name: "uri intrinsic", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": {"Fn::Sub": "arn:${AWS::Region}"}}`), pointer: integration + "/uri",
			message: "found the unresolved CloudFormation intrinsic Fn::Sub"},
		{name: "uri not lambda", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"}`), pointer: integration + "/uri", message: "is not a Lambda invocation"},
		{name: "uri no invocations", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/` + fnPrefix + `fn"}`),
			pointer: integration + "/uri", message: "is not a Lambda invocation"},
		{name: "plain ARN on REST", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "` + fnPrefix + `fn"}`), pointer: integration + "/uri", message: "is not a Lambda invocation"},
		{name: "function name only", doc: integrationDoc(fnURI("fn")), pointer: integration + "/uri", message: `"fn" is not a Lambda function ARN`},
		{name: "not a function", doc: integrationDoc(fnURI("arn:aws:lambda:us-east-1:000000000000:layer:x")), pointer: integration + "/uri", message: "is not a Lambda function ARN"},
		{name: "long name", doc: integrationDoc(fnURI(fnPrefix + strings.Repeat("a", 65))), pointer: integration + "/uri", message: "is not a Lambda function ARN"},
		{name: "bad qualifier", doc: integrationDoc(fnURI(fnPrefix + "fn:a/b")), pointer: integration + "/uri", message: "is not a Lambda function ARN"},
		{name: "other region", doc: integrationDoc(fnURI("arn:aws:lambda:eu-west-1:000000000000:function:fn")), pointer: integration + "/uri", message: `is in region "eu-west-1"; this gatehouse serves "us-east-1"`},
		{name: "other account", doc: integrationDoc(fnURI("arn:aws:lambda:us-east-1:123456789012:function:fn")), pointer: integration + "/uri", message: `is in account "123456789012"`},
		{name: "GET to Lambda", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "GET", "uri": "URI"}`), pointer: integration + "/httpMethod", message: "calls Lambda with POST, not GET"},
		{name: "no httpMethod on REST", doc: integrationDoc(`{"type": "aws_proxy", "uri": "URI"}`), pointer: integration, message: "needs httpMethod: POST"},
		{name: "timeout over 29 s", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI", "timeoutInMillis": 29001}`), pointer: integration + "/timeoutInMillis", message: "between 50 and 29000, found 29001"},
		{name: "timeout over 30 s", proto: HTTP, doc: integrationDoc(`{"type": "aws_proxy", "uri": "URI", "timeoutInMillis": 30001}`), pointer: integration + "/timeoutInMillis", message: "between 50 and 30000"},
		{name: "timeout under 50 ms", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI", "timeoutInMillis": 49}`), pointer: integration + "/timeoutInMillis", message: "found 49"},
		{name: "timeout fraction", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI", "timeoutInMillis": 100.5}`), pointer: integration + "/timeoutInMillis", message: `must be an integer, found "100.5"`},
		{name: "timeout bool", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI", "timeoutInMillis": true}`), pointer: integration + "/timeoutInMillis", message: "must be an integer, found a boolean"},
		{name: "payload 3.0", proto: HTTP, doc: integrationDoc(`{"type": "aws_proxy", "uri": "URI", "payloadFormatVersion": "3.0"}`), pointer: integration + "/payloadFormatVersion", message: `must be 1.0 or 2.0, found "3.0"`},
		{name: "payload 2.0 on REST", doc: integrationDoc(`{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI", "payloadFormatVersion": "2.0"}`), pointer: integration + "/payloadFormatVersion", message: "is for HTTP APIs"},
		{name: "HTTP parameter mapping", proto: HTTP, doc: integrationDoc(`{"type": "aws_proxy", "uri": "URI", "requestParameters": {"overwrite:path": "/x"}}`), pointer: integration + "/requestParameters", message: "parameter mapping (requestParameters) is not supported"},
		{name: "mock without default", doc: integrationDoc(`{"type": "mock", "responses": {"2\\d{2}": {"statusCode": "200"}}}`), pointer: integration, message: "needs responses.default"},
		{name: "mock responses array", doc: integrationDoc(`{"type": "mock", "responses": []}`), pointer: integration + "/responses", message: "must be an object"},
		{name: "mock no status", doc: withMock(`{}`), pointer: integration + "/responses/default", message: "needs a statusCode"},
		{name: "mock status 700", doc: withMock(`{"statusCode": "700"}`), pointer: integration + "/responses/default/statusCode", message: "found 700"},
		{name: "mock status text", doc: withMock(`{"statusCode": "ok"}`), pointer: integration + "/responses/default/statusCode", message: `must be an integer, found "ok"`},
		{name: "mock body parameter", doc: withMock(`{"statusCode": "200", "responseParameters": {"method.response.body.x": "'a'"}}`),
			pointer: integration + "/responses/default/responseParameters/method.response.body.x", message: "gatehouse sets only headers here"},
		{name: "mock header from request", doc: withMock(`{"statusCode": "200", "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "method.request.header.Origin"}}`),
			pointer: integration + "/responses/default/responseParameters/method.response.header.Access-Control-Allow-Origin", message: "only static values in single quotes"},
		{name: "mock html template", doc: withMock(`{"statusCode": "200", "responseTemplates": {"text/html": "<p>"}}`),
			pointer: integration + "/responses/default/responseTemplates/text~1html", message: "application/json template only"},
		{name: "mock VTL", doc: withMock(`{"statusCode": "200", "responseTemplates": {"application/json": "{\"id\": \"$context.requestId\"}"}}`),
			pointer: integration + "/responses/default/responseTemplates/application~1json", message: "mapping templates (VTL) are not supported"},
	})
}

func TestDefinitionErrorsSecurity(t *testing.T) {
	t.Parallel()
	secured := func(sec string, members ...string) []byte {
		return opDoc(`{"security": `+sec+`, "x-amazon-apigateway-integration": LAMBDA}`, members...)
	}
	tokenScheme := `{"type": "apiKey", "name": "X-Token", "in": "header", "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "URI"}}`
	schemes := `"components": {"securitySchemes": {"Cog": COGNITO, "Tok": ` + tokenScheme + `,
		"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
		"basic": {"type": "http", "scheme": "basic"},
		"iam": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}`
	runErrCases(t, []errCase{
		{name: "not array", doc: secured(`{"Cog": []}`, schemes), pointer: itemsGet + "/security", message: "must be an array of security requirements"},
		{name: "requirement not object", doc: secured(`["Cog"]`, schemes), pointer: itemsGet + "/security/0", message: "must be an object"},
		{name: "scopes not array", doc: secured(`[{"Cog": "a"}]`, schemes), pointer: itemsGet + "/security/0/Cog", message: "must be an array of strings"},
		{name: "scope not string", doc: secured(`[{"Cog": [1]}]`, schemes), pointer: itemsGet + "/security/0/Cog/0", message: "must be a string"},
		{name: "undefined", doc: secured(`[{"Nope": []}]`, schemes), pointer: itemsGet + "/security/0/Nope", message: `security names "Nope", which components.securitySchemes does not define`},
		{name: "undefined swagger", doc: []byte(`{"swagger": "2.0", "paths": {"/a": {"get": {"security": [{"X": []}], "x-amazon-apigateway-integration": ` +
			strings.ReplaceAll(testLambda, "URI", testURI) + `}}}}`), pointer: "/paths/~1a/get/security/0/X", message: "which securityDefinitions does not define"},
		{name: "plain scheme", doc: secured(`[{"basic": []}]`, schemes), pointer: itemsGet + "/security/0/basic", message: "neither an x-amazon-apigateway-authorizer nor the x-api-key API key"},
		{name: "IAM", doc: secured(`[{"iam": []}]`, schemes), pointer: itemsGet + "/security/0/iam", message: "IAM (SigV4) authorization is not supported"},
		{name: "api key on HTTP", proto: HTTP, doc: secured(`[{"api_key": []}]`, `"components": {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}`),
			pointer: itemsGet + "/security/0/api_key", message: "HTTP APIs have no API keys"},
		{name: "scopes on token", doc: secured(`[{"Tok": ["a"]}]`, schemes), pointer: itemsGet + "/security/0/Tok", message: "Tok is a token authorizer"},
		{name: "two authorizers", doc: secured(`[{"Cog": []}, {"Tok": []}]`, schemes), pointer: itemsGet + "/security/1/Tok", message: "one authorizer, and Cog is already required (/paths/~1items/get/security/0/Cog)"},
		{name: "two in one requirement", doc: secured(`[{"Cog": [], "Tok": []}]`, schemes), pointer: itemsGet + "/security/0/Tok", message: "one authorizer"},
		{name: "NONE and authorizer", doc: secured(`[{"NONE": []}, {"Cog": []}]`, schemes), pointer: itemsGet + "/security", message: "NONE leaves the method open, yet the authorizer Cog is required too"},
		{name: "document level", doc: api(`"security": [{"Nope": []}], "paths": {}`), pointer: "/security/0/Nope", message: "does not define"},
	})
}

func TestDefinitionErrorsAuthorizers(t *testing.T) {
	t.Parallel()
	cognito := func(extra string) []byte {
		return authorizerDoc(`{"type": "cognito_user_pools", "providerARNs": ["` + testPoolARN + `"]` + extra + `}`)
	}
	token := func(extra string) []byte {
		return authorizerDoc(`{"type": "token", "authorizerUri": "URI"` + extra + `}`)
	}
	request := func(extra string) []byte {
		return authorizerDoc(`{"type": "request", "authorizerUri": "URI"` + extra + `}`)
	}
	jwt := func(x string) []byte {
		return schemeDoc(`{"type": "oauth2", "x-amazon-apigateway-authorizer": ` + x + `}`)
	}
	jwtConfig := func(cfg string) []byte { return jwt(`{"type": "jwt", "jwtConfiguration": ` + cfg + `}`) }
	runErrCases(t, []errCase{
		{name: "components not object", doc: api(`"components": 1, "paths": {}`), pointer: "/components", message: "must be an object"},
		{name: "schemes not object", doc: api(`"components": {"securitySchemes": []}, "paths": {}`), pointer: "/components/securitySchemes", message: "must be an object"},
		{name: "scheme not object", doc: schemeDoc(`"x"`), pointer: schemeA, message: "must be an object"},
		{name: "scheme ref", doc: schemeDoc(`{"$ref": "#/x"}`), pointer: schemeA + "/$ref", message: "$ref security scheme is not supported"},
		{name: "authorizer not object", doc: authorizerDoc(`[]`), pointer: authorizerA, message: "must be an object"},
		{name: "no type", doc: authorizerDoc(`{}`), pointer: authorizerA, message: "the authorizer has no type"},
		{name: "unknown type", doc: authorizerDoc(`{"type": "aws_iam"}`), pointer: authorizerA + "/type", message: `authorizer type "aws_iam" is not supported by gatehouse`},
		{name: "cognito on HTTP", proto: HTTP, doc: cognito(""), pointer: authorizerA + "/type", message: "an HTTP API checks user pool tokens with a jwt authorizer"},
		{name: "token on HTTP", proto: HTTP, doc: token(""), pointer: authorizerA + "/type", message: "token authorizers are for REST APIs"},
		{name: "jwt on REST", doc: jwt(`{"type": "jwt"}`), pointer: authorizerA + "/type", message: "jwt authorizers are for HTTP APIs"},
		{name: "no providerARNs", doc: authorizerDoc(`{"type": "cognito_user_pools"}`), pointer: authorizerA, message: "needs providerARNs"},
		{name: "providerARNs string", doc: authorizerDoc(`{"type": "cognito_user_pools", "providerARNs": "x"}`), pointer: authorizerA + "/providerARNs", message: "must be an array of strings"},
		{name: "bad pool ARN", doc: authorizerDoc(`{"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:pool/x"]}`),
			pointer: authorizerA + "/providerARNs/0", message: "is not a user pool ARN"},
		{name: "pool elsewhere", doc: authorizerDoc(`{"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_x"]}`),
			pointer: authorizerA + "/providerARNs/0", message: `is in region "eu-west-1"`},
		{name: "cognito two headers", doc: cognito(`, "identitySource": "method.request.header.A, method.request.header.B"`), pointer: authorizerA + "/identitySource", message: "reads one header"},
		{name: "cognito query", doc: cognito(`, "identitySource": "method.request.querystring.token"`), pointer: authorizerA + "/identitySource", message: "reads one header"},
		{name: "identity source number", doc: cognito(`, "identitySource": 1`), pointer: authorizerA + "/identitySource", message: "must be a string"},
		{name: "lookahead regex", doc: cognito(`, "identityValidationExpression": "(?=a)"`), pointer: authorizerA + "/identityValidationExpression", message: "not a regular expression gatehouse can run"},
		{name: "ttl too long", doc: token(`, "authorizerResultTtlInSeconds": 3601`), pointer: authorizerA + "/authorizerResultTtlInSeconds", message: "between 0 and 3600, found 3601"},
		{name: "ttl negative", doc: cognito(`, "authorizerResultTtlInSeconds": -1`), pointer: authorizerA + "/authorizerResultTtlInSeconds", message: "found -1"},
		{name: "no authorizerUri", doc: authorizerDoc(`{"type": "token"}`), pointer: authorizerA, message: "needs an authorizerUri"},
		{name: "bad authorizerUri", doc: authorizerDoc(`{"type": "token", "authorizerUri": "https://auth"}`), pointer: authorizerA + "/authorizerUri", message: "is not a Lambda invocation"},
		{name: "request bad source", doc: request(`, "identitySource": "method.request.header.A, method.request.body.b"`), pointer: authorizerA + "/identitySource", message: `"method.request.body.b" must start with one of`},
		{name: "request HTTP source", proto: HTTP, doc: request(`, "authorizerPayloadFormatVersion": "2.0", "identitySource": ["method.request.header.A"]`), pointer: authorizerA + "/identitySource", message: "$request.header."},
		{name: "request caching without source", doc: request(`, "authorizerResultTtlInSeconds": 60`), pointer: authorizerA, message: "needs an identitySource"},
		{name: "HTTP lambda no payload version", proto: HTTP, doc: request(`, "identitySource": "$request.header.A"`), pointer: authorizerA, message: "needs authorizerPayloadFormatVersion"},
		{name: "HTTP lambda payload 3", proto: HTTP, doc: request(`, "authorizerPayloadFormatVersion": "3.0"`), pointer: authorizerA + "/authorizerPayloadFormatVersion", message: `must be 1.0 or 2.0, found "3.0"`},
		{name: "simple responses on 1.0", proto: HTTP, doc: request(`, "authorizerPayloadFormatVersion": "1.0", "enableSimpleResponses": true`), pointer: authorizerA + "/enableSimpleResponses", message: "need authorizerPayloadFormatVersion 2.0"},
		{name: "simple responses not bool", proto: HTTP, doc: request(`, "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": "true"`), pointer: authorizerA + "/enableSimpleResponses", message: "must be a boolean"},
		{name: "jwt no config", proto: HTTP, doc: jwt(`{"type": "jwt"}`), pointer: authorizerA, message: "needs jwtConfiguration"},
		{name: "jwt config array", proto: HTTP, doc: jwtConfig(`[]`), pointer: authorizerA + "/jwtConfiguration", message: "must be an object"},
		{name: "jwt no issuer", proto: HTTP, doc: jwtConfig(`{"audience": ["a"]}`), pointer: authorizerA + "/jwtConfiguration", message: "needs an issuer"},
		{name: "jwt issuer not URL", proto: HTTP, doc: jwtConfig(`{"issuer": "cognito", "audience": ["a"]}`), pointer: authorizerA + "/jwtConfiguration/issuer", message: "must be an https:// URL"},
		{name: "jwt no audience", proto: HTTP, doc: jwtConfig(`{"issuer": "https://issuer"}`), pointer: authorizerA + "/jwtConfiguration", message: "at least one audience"},
		{name: "jwt two sources", proto: HTTP, doc: jwt(`{"type": "jwt", "jwtConfiguration": {"issuer": "https://i", "audience": ["a"]}, "identitySource": "$request.header.A,$request.header.B"}`),
			pointer: authorizerA + "/identitySource", message: "reads one identity source, found 2"},
		{name: "jwt context source", proto: HTTP, doc: jwt(`{"type": "jwt", "jwtConfiguration": {"issuer": "https://i", "audience": ["a"]}, "identitySource": "$context.x"}`),
			pointer: authorizerA + "/identitySource", message: "must be $request.header.NAME or $request.querystring.NAME"},
	})
}

func TestDefinitionErrorsExtensions(t *testing.T) {
	t.Parallel()
	ext := func(member string) []byte { return api(`"paths": {}, ` + member) }
	const gr = "/x-amazon-apigateway-gateway-responses"
	runErrCases(t, []errCase{
		{name: "binary types on HTTP", proto: HTTP, doc: ext(`"x-amazon-apigateway-binary-media-types": ["image/png"]`), pointer: "/x-amazon-apigateway-binary-media-types", message: "is for REST APIs"},
		{name: "gateway responses on HTTP", proto: HTTP, doc: ext(`"x-amazon-apigateway-gateway-responses": {}`), pointer: gr, message: "is for REST APIs"},
		{name: "key source on HTTP", proto: HTTP, doc: ext(`"x-amazon-apigateway-api-key-source": "HEADER"`), pointer: "/x-amazon-apigateway-api-key-source", message: "is for REST APIs"},
		{name: "CORS on REST", doc: ext(`"x-amazon-apigateway-cors": {}`), pointer: "/x-amazon-apigateway-cors", message: "a REST API answers preflights with OPTIONS methods"},
		{name: "binary type", doc: ext(`"x-amazon-apigateway-binary-media-types": ["image"]`), pointer: "/x-amazon-apigateway-binary-media-types/0", message: `"image" is not a media type`},
		{name: "binary types string", doc: ext(`"x-amazon-apigateway-binary-media-types": "image/png"`), pointer: "/x-amazon-apigateway-binary-media-types", message: "must be an array of strings"},
		{name: "key source", doc: ext(`"x-amazon-apigateway-api-key-source": "QUERY"`), pointer: "/x-amazon-apigateway-api-key-source", message: "HEADER or AUTHORIZER"},
		{name: "gateway responses array", doc: ext(`"x-amazon-apigateway-gateway-responses": []`), pointer: gr, message: "must be an object"},
		{name: "gateway response type", doc: ext(`"x-amazon-apigateway-gateway-responses": {"NOT_FOUND": {}}`), pointer: gr + "/NOT_FOUND", message: `"NOT_FOUND" is not a gateway response type`},
		{name: "gateway response status", doc: ext(`"x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": 42}}`), pointer: gr + "/DEFAULT_4XX/statusCode", message: "found 42"},
		{name: "gateway response dynamic header", doc: ext(`"x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin"}}}`),
			pointer: gr + "/DEFAULT_4XX/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin", message: "only static values in single quotes"},
		{name: "gateway response query", doc: ext(`"x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.querystring.a": "'b'"}}}`),
			pointer: gr + "/DEFAULT_4XX/responseParameters/gatewayresponse.querystring.a", message: "gatehouse sets only headers here"},
		{name: "gateway response template", doc: ext(`"x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"responseTemplates": {"application/xml": "<a/>"}}}`),
			pointer: gr + "/DEFAULT_4XX/responseTemplates/application~1xml", message: "application/json template only"},
		{name: "CORS setting", proto: HTTP, doc: ext(`"x-amazon-apigateway-cors": {"allowOrigin": ["*"]}`), pointer: "/x-amazon-apigateway-cors/allowOrigin", message: `"allowOrigin" is not a CORS setting`},
		{name: "CORS max age", proto: HTTP, doc: ext(`"x-amazon-apigateway-cors": {"maxAge": 90000}`), pointer: "/x-amazon-apigateway-cors/maxAge", message: "between -1 and 86400"},
		{name: "CORS origins string", proto: HTTP, doc: ext(`"x-amazon-apigateway-cors": {"allowOrigins": "*"}`), pointer: "/x-amazon-apigateway-cors/allowOrigins", message: "must be an array of strings"},
		{name: "CORS credentials", proto: HTTP, doc: ext(`"x-amazon-apigateway-cors": {"allowOrigins": ["*"], "allowCredentials": true}`), pointer: "/x-amazon-apigateway-cors/allowCredentials", message: "cannot be true when allowOrigins is *"},
	})
}
