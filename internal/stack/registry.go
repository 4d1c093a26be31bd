package stack

// registerProviders lists every resource type a stack can hold.
func registerProviders(m map[string]Provider, issuerBase string) {
	m["AWS::Lambda::Function"] = lambdaFunction{}
	m["AWS::Lambda::Permission"] = lambdaPermission{}
	m["AWS::IAM::Role"] = iamRole{}
	m["AWS::Cognito::UserPool"] = userPool{issuerBase: issuerBase}
	m["AWS::Cognito::UserPoolClient"] = userPoolClient{}
	m["AWS::Cognito::UserPoolUser"] = userPoolUser{}
	m["AWS::Cognito::UserPoolGroup"] = userPoolGroup{}
	m["AWS::Cognito::UserPoolUserToGroupAttachment"] = userToGroup{}
	m["AWS::Cognito::UserPoolResourceServer"] = resourceServer{}
	m["AWS::Cognito::UserPoolDomain"] = userPoolDomain{}
	m["AWS::ApiGateway::RestApi"] = restAPI{}
	m["AWS::ApiGateway::Deployment"] = restDeployment{}
	m["AWS::ApiGateway::Stage"] = restStage{}
	m["AWS::ApiGatewayV2::Api"] = httpAPI{}
	m["AWS::ApiGatewayV2::Stage"] = httpStage{}
	m["AWS::ApiGatewayV2::Integration"] = httpIntegration{}
	m["AWS::ApiGatewayV2::Route"] = httpRoute{}
	m["AWS::ApiGatewayV2::Authorizer"] = httpAuthorizer{}
}
