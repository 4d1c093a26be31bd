// Command proxyfn is the benchmark's integration: an aws-lambda-go
// function that answers every API Gateway proxy event with 200 "ok".
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

// response is the proxy response with only the fields it sets, so the
// gateway parses {"statusCode":200,"body":"ok"} and nothing more.
type response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

func main() {
	// No event argument: aws-lambda-go then skips decoding the event, so
	// the function costs the same whether the gateway's event or the
	// direct Invoke's small payload reaches it.
	lambda.Start(func(ctx context.Context) (response, error) {
		return response{StatusCode: 200, Body: "ok"}, nil
	})
}
