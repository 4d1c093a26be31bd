package gateway

import "strings"

// Building blocks for small test documents, written as JSON with
// placeholders: URI is a Lambda integration uri, LAMBDA a whole aws_proxy
// integration, MOCK a mock integration, COGNITO a Cognito security scheme.
const (
	testURI     = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnPrefix + "fn/invocations"
	testLambda  = `{"type": "aws_proxy", "httpMethod": "POST", "uri": "URI"}`
	testMock    = `{"type": "mock", "responses": {"default": {"statusCode": "200"}}}`
	testCognito = `{"type": "apiKey", "name": "Authorization", "in": "header",
		"x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["` + testPoolARN + `"]}}`
)

// api is an OpenAPI 3.0.1 document with the given top-level members.
func api(members string) []byte {
	s := `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, ` + members + `}`
	s = strings.NewReplacer("LAMBDA", testLambda, "MOCK", testMock, "COGNITO", testCognito).Replace(s)
	return []byte(strings.ReplaceAll(s, "URI", testURI))
}

// opDoc is a document whose one route, GET /items, is op.
func opDoc(op string, members ...string) []byte {
	extra := ""
	for _, m := range members {
		extra += ", " + m
	}
	return api(`"paths": {"/items": {"get": ` + op + `}}` + extra)
}

// integrationDoc is a document whose one route has the integration x.
func integrationDoc(x string) []byte {
	return opDoc(`{"x-amazon-apigateway-integration": ` + x + `}`)
}

// schemeDoc is a document with the security scheme A (x its authorizer)
// guarding GET /items.
func schemeDoc(scheme string) []byte {
	return opDoc(`{"security": [{"A": []}], "x-amazon-apigateway-integration": LAMBDA}`,
		`"components": {"securitySchemes": {"A": `+scheme+`}}`)
}

// authorizerDoc is schemeDoc with an apiKey scheme carrying authorizer x.
func authorizerDoc(x string) []byte {
	return schemeDoc(`{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer": ` + x + `}`)
}
