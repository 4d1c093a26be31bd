package gateway

import "time"

// Protocol is the kind of API.
type Protocol string

const (
	REST Protocol = "REST" // API Gateway v1 (RestApi), payload format 1.0
	HTTP Protocol = "HTTP" // API Gateway v2 HTTP API, payload format 2.0 by default
)

// Definition is an API compiled from its OpenAPI document: everything
// serving needs, nothing it does not.
type Definition struct {
	Protocol         Protocol
	Title            string
	Version          string
	Description      string
	BinaryMediaTypes []string
	// APIKeySource is HEADER (x-api-key) or AUTHORIZER.
	APIKeySource     string
	Routes           []Route
	Authorizers      map[string]*Authorizer
	GatewayResponses map[string]GatewayResponse // by type: DEFAULT_4XX, UNAUTHORIZED, …
	// CORS is an HTTP API's x-amazon-apigateway-cors (REST APIs do CORS
	// with OPTIONS mock methods instead).
	CORS *CORSConfig
}

// Route is one method on one path.
type Route struct {
	// Method is GET, POST, … or ANY (x-amazon-apigateway-any-method).
	Method string
	// Path is the resource template: "/items/{id}", "/{proxy+}", "/";
	// "$default" for an HTTP API's default route.
	Path          string
	OperationName string
	Integration   Integration
	// Security lists the authorizers guarding the route, as the OpenAPI
	// security requirement does. Nil means the API's default (none
	// unless the document sets a global one); a single entry named NONE
	// means explicitly open.
	Security       []Security
	APIKeyRequired bool
	// Validation is what the route's request validator checks; nil when
	// the route has none (API Gateway then enforces nothing, even
	// parameters marked required).
	Validation *Validation
	// Pointer is the JSON pointer of the operation in the document, for
	// error messages (e.g. "/paths/~1items~1{id}/get").
	Pointer string
}

// Validation is a request validator applied to one route.
type Validation struct {
	// Params are the required query strings and headers
	// (validateRequestParameters).
	Params []RequiredParam
	// Bodies are the body models by media type (validateRequestBody).
	Bodies map[string]*Schema
}

// RequiredParam is a request parameter a validator insists on.
type RequiredParam struct {
	In   string // "query" or "header"
	Name string
}

// Integration is where a route sends requests.
type Integration struct {
	// Type is "aws_proxy" (a Lambda function) or "mock".
	Type string
	// FunctionARN is the function from the integration uri
	// (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations).
	FunctionARN string
	// Timeout is timeoutInMillis (default 29 s).
	Timeout time.Duration
	// PayloadFormatVersion is "1.0" or "2.0" (HTTP APIs; REST is 1.0).
	PayloadFormatVersion string
	// Mock is a mock integration's response (REST CORS preflights).
	Mock *MockResponse
}

// MockResponse is what a mock integration answers.
type MockResponse struct {
	Status  int
	Headers map[string]string // literal values, quotes stripped
	Body    string
}

// Security is one authorizer requirement with its OAuth scopes.
type Security struct {
	Name   string
	Scopes []string
}

// Authorizer types.
const (
	AuthCognito = "cognito_user_pools"
	AuthToken   = "token"   // Lambda TOKEN authorizer (REST)
	AuthRequest = "request" // Lambda REQUEST authorizer (REST and HTTP)
	AuthJWT     = "jwt"     // HTTP API JWT authorizer
)

// Authorizer is a named authorizer of the API.
type Authorizer struct {
	Name string
	Type string
	// ProviderARNs are the user pools of a Cognito authorizer
	// (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID).
	ProviderARNs []string
	// IdentitySource as written: "method.request.header.Authorization"
	// (REST) or "$request.header.Authorization" (HTTP), several joined
	// by commas for REQUEST authorizers.
	IdentitySource []string
	// ValidationExpression is a regex the token must match (TOKEN) or the
	// ID token's aud must match (Cognito).
	ValidationExpression string
	// FunctionARN is a Lambda authorizer's function.
	FunctionARN string
	// TTL is authorizerResultTtlInSeconds (default 300 s; 0 disables).
	TTL time.Duration
	// JWT authorizer settings.
	Issuer   string
	Audience []string
	// HTTP API Lambda authorizers: "1.0" or "2.0", and simple responses.
	PayloadFormatVersion string
	SimpleResponses      bool
}

// GatewayResponse overrides API Gateway's own error responses.
type GatewayResponse struct {
	Status  int               // 0 keeps the type's default
	Headers map[string]string // literal values, quotes stripped
	Body    string            // response template (application/json)
}

// CORSConfig is an HTTP API's CORS configuration.
type CORSConfig struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	MaxAge           int
	AllowCredentials bool
}
