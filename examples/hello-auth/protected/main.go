// Command protected is hello-auth's protected function: GET /, behind the
// API's Cognito authorizer. API Gateway has already checked the ID token
// when it runs; the token's claims arrive, all strings, in
// requestContext.authorizer.claims.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	str := func(k string) string { s, _ := claims[k].(string); return s }
	body, err := json.Marshal(map[string]string{
		"message": "hello, " + str("email"),
		"email":   str("email"),
		"sub":     str("sub"),
		"path":    req.Path,
		"stage":   req.RequestContext.Stage,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: 200,
		Headers: map[string]string{
			"Content-Type":                "application/json",
			"Access-Control-Allow-Origin": "*",
		},
		Body: string(body),
	}, nil
}

func main() { lambda.Start(handle) }
