// Command trivialfn is the benchmark's Go function: aws-lambda-go, no work.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	N int `json:"n"`
}

func main() {
	lambda.Start(func(ctx context.Context, e event) (map[string]any, error) {
		return map[string]any{"ok": true, "n": e.N}, nil
	})
}
