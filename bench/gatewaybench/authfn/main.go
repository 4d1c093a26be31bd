// Command authfn is the benchmark's Lambda TOKEN authorizer: it allows
// every method of the API ("*") for the one token the benchmark sends and
// refuses any other, so a run can tell that the authorizer really ran.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// token is the authorization token the benchmark sends (bench/gatewaybench/setup.go has the same).
const token = "allow-gatewaybench"

func main() {
	lambda.Start(func(ctx context.Context, e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		if e.AuthorizationToken != token {
			// API Gateway's convention for a 401.
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		}
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "gatewaybench",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
				Version: "2012-10-17",
				Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"*"}},
				},
			},
		}, nil
	})
}
