// Command hello-go is the README's Go function: an ordinary aws-lambda-go
// handler, built as a `bootstrap` for the provided.al2023 runtime.
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name string `json:"name"`
}

func handle(ctx context.Context, e event) (map[string]string, error) {
	if e.Name == "" {
		e.Name = "world"
	}
	lc, _ := lambdacontext.FromContext(ctx)
	fmt.Println("greeting", e.Name, "in request", lc.AwsRequestID)
	return map[string]string{"greeting": "hello, " + e.Name, "runtime": "go"}, nil
}

func main() { lambda.Start(handle) }
