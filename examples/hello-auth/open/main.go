// Command open is hello-auth's public function: GET /open, outside the
// API's Cognito authorizer (Auth: Authorizer: NONE).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	body, err := json.Marshal(map[string]string{
		"message": "hello, stranger",
		"path":    req.Path,
		"stage":   req.RequestContext.Stage,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: 200,
		Headers: map[string]string{
			"Content-Type": "application/json",
			// The proxy integration adds no CORS headers: the function does.
			"Access-Control-Allow-Origin": "*",
		},
		Body: string(body),
	}, nil
}

func main() { lambda.Start(handle) }
