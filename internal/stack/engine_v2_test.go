package stack_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/stack"
)

// cdkHTTPAPI is an HTTP API as the CDK synthesizes one (HttpApi,
// HttpLambdaIntegration, HttpJwtAuthorizer, addRoutes): an Api without a
// Body, its pieces as separate resources, and a $default stage that
// deploys every change. openPath and timeout vary it between deploys.
func cdkHTTPAPI(openPath string, timeout int) string {
	return fmt.Sprintf(`AWSTemplateFormatVersion: "2010-09-09"
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UsernameAttributes: [email]
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  HandlerServiceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Action: sts:AssumeRole, Effect: Allow, Principal: {Service: lambda.amazonaws.com}}
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: !GetAtt HandlerServiceRole.Arn
      Code:
        ZipFile: |
          exports.handler = async (event) => {
            const jwt = event.requestContext.authorizer && event.requestContext.authorizer.jwt;
            return {statusCode: 200, headers: {"content-type": "application/json"},
              body: JSON.stringify({routeKey: event.routeKey, email: jwt ? jwt.claims.email : null})};
          };
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: cdk-http
      ProtocolType: HTTP
  HttpApiDefaultStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref HttpApi
      StageName: $default
      AutoDeploy: true
  HandlerIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Handler.Arn
      PayloadFormatVersion: "2.0"
      TimeoutInMillis: %d
  HandlerPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Handler.Arn
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*/*/items"
  PoolAuthorizer:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref HttpApi
      AuthorizerType: JWT
      Name: pool
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration:
        Audience: [!Ref UserPoolClient]
        Issuer: !Sub "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
  ItemsRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: GET /items
      AuthorizationType: JWT
      AuthorizerId: !Ref PoolAuthorizer
      Target: !Join ["", ["integrations/", !Ref HandlerIntegration]]
  OpenRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: GET %s
      AuthorizationType: NONE
      Target: !Sub "integrations/${HandlerIntegration}"
Outputs:
  Url:
    Value: !Sub "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
  ItemsRouteId:
    Value: !Ref ItemsRoute
  OpenRouteId:
    Value: !GetAtt OpenRoute.RouteId
  IntegrationId:
    Value: !Ref HandlerIntegration
  AuthorizerId:
    Value: !Ref PoolAuthorizer
  PoolId:
    Value: !Ref UserPool
  ClientId:
    Value: !Ref UserPoolClient
`, timeout, openPath)
}

// TestHTTPAPIBuiltFromSeparateResources deploys a CDK-style HTTP API,
// checks that its routes answer (the protected one only with a pool
// token) and that the resources are the API's pieces, changes a route
// and the integration in place, sees a refused piece roll back, and
// deletes it all. (One test, one server: servers in one process share
// their parent memory cgroup, which the first to stop removes.)
func TestHTTPAPIBuiltFromSeparateResources(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.mustDeploy("cdk", cdkHTTPAPI("/open", 29000), nil, nil)
	s := r.stack
	outs := outputs(s)
	apiID := s.Resources["HttpApi"].PhysicalID
	_, port, _ := strings.Cut(e.addr, ":")
	if outs["Url"] != "http://"+apiID+".execute-api.localhost:"+port+"/" {
		t.Fatalf("Url output %q", outs["Url"])
	}
	if s.Resources["HttpApi"].Attrs["ApiEndpoint"] != "http://"+apiID+".execute-api.localhost:"+port {
		t.Errorf("ApiEndpoint %v", s.Resources["HttpApi"].Attrs["ApiEndpoint"])
	}

	// Ref of each piece is the id the API knows it by.
	var routes struct {
		Items []struct{ RouteID, RouteKey, Target, AuthorizationType, AuthorizerID string }
	}
	if err := e.rest("GET", "/v2/apis/"+apiID+"/routes", &routes); err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, it := range routes.Items {
		byID[it.RouteID] = it.RouteKey + " " + it.AuthorizationType + " " + it.AuthorizerID + " " + it.Target
	}
	wantItems := "GET /items JWT " + outs["AuthorizerId"] + " integrations/" + outs["IntegrationId"]
	if len(byID) != 2 || byID[outs["ItemsRouteId"]] != wantItems || byID[outs["OpenRouteId"]] != "GET /open NONE  integrations/"+outs["IntegrationId"] {
		t.Fatalf("routes %v (outputs %v)", byID, outs)
	}
	var integration struct{ IntegrationURI, PayloadFormatVersion string }
	if err := e.rest("GET", "/v2/apis/"+apiID+"/integrations/"+outs["IntegrationId"], &integration); err != nil {
		t.Fatal(err)
	}
	if fn := e.mustFunction(s.Resources["Handler"].PhysicalID); integration.IntegrationURI != fn.FunctionArn || integration.PayloadFormatVersion != "2.0" {
		t.Errorf("integration %+v, function %s", integration, fn.FunctionArn)
	}

	url := outs["Url"]
	if code, body := e.get(url+"items", nil); code != http.StatusUnauthorized {
		t.Fatalf("GET /items without a token: %d %s", code, body)
	}
	if !haveNode() {
		t.Log("node not installed: not invoking the routes")
	} else {
		token := e.idToken(outs["PoolId"], outs["ClientId"], "ada@example.com")
		code, body := e.get(url+"items", http.Header{"Authorization": {"Bearer " + token}})
		if code != http.StatusOK || !strings.Contains(body, `"routeKey":"GET /items"`) || !strings.Contains(body, `"email":"ada@example.com"`) {
			var logs any
			e.raw.Target(context.Background(), "logs", "Logs_20140328.FilterLogEvents", map[string]any{"logGroupName": "/aws/lambda/" + s.Resources["Handler"].PhysicalID}, &logs)
			t.Fatalf("GET /items with a token: %d %s\n%v", code, body, logs)
		}
		if code, body := e.get(url+"open", nil); code != http.StatusOK || !strings.Contains(body, `"routeKey":"GET /open"`) {
			t.Fatalf("GET /open: %d %s", code, body)
		}
	}

	// A changed route key and timeout update those two in place: the
	// ids stay, the stage follows.
	r2 := e.mustDeploy("cdk", cdkHTTPAPI("/public", 10000), nil, nil)
	wantPlan(t, r2.changes, map[string]string{"OpenRoute": stack.ActionUpdate, "HandlerIntegration": stack.ActionUpdate})
	if got := outputs(r2.stack); got["OpenRouteId"] != outs["OpenRouteId"] || got["IntegrationId"] != outs["IntegrationId"] {
		t.Errorf("ids after an update: %v, before %v", got, outs)
	}
	var changed struct{ TimeoutInMillis int }
	if err := e.rest("GET", "/v2/apis/"+apiID+"/integrations/"+outs["IntegrationId"], &changed); err != nil || changed.TimeoutInMillis != 10000 {
		t.Errorf("integration after the update: %+v %v", changed, err)
	}
	if code, body := e.get(url+"open", nil); code != http.StatusNotFound {
		t.Errorf("GET /open after its route moved: %d %s", code, body)
	}
	if haveNode() {
		if code, body := e.get(url+"public", nil); code != http.StatusOK || !strings.Contains(body, `"routeKey":"GET /public"`) {
			t.Errorf("GET /public: %d %s", code, body)
		}
	}

	// A piece the API refuses fails the deploy with the API's message,
	// and the Api made before it is deleted again.
	refused := e.deploy("refused", `Resources:
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: refused, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: HTTP_PROXY
      IntegrationUri: https://example.com
      PayloadFormatVersion: "1.0"
`, nil, nil)
	if refused.err == nil || !strings.Contains(refused.err.Error(), "HTTP_PROXY is not supported by gatehouse") {
		t.Fatalf("deploy of a refused piece: %v\n%s", refused.err, eventLines(refused.events))
	}

	if err := e.eng.Delete(context.Background(), "cdk", nil); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	var apis struct{ Items []struct{ ApiID string } }
	if err := e.rest("GET", "/v2/apis", &apis); err != nil || len(apis.Items) > 0 {
		t.Errorf("HTTP APIs after Delete: %+v %v", apis, err)
	}
	if f := e.functionNames(); slices.Contains(f, s.Resources["Handler"].PhysicalID) {
		t.Errorf("function left after Delete: %v", f)
	}
}
