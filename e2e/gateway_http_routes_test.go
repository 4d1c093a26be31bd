package e2e

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// keysOf lists a JSON object's member names, sorted.
func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestGatewayHTTPRoutes builds an HTTP API piece by piece with the aws
// CLI's apigatewayv2 commands, as Terraform and the CDK do: an API with
// no target, a Lambda integration, a JWT authorizer on a gatehouse pool,
// two routes and an autoDeploy stage; then calls it and reads the pieces
// back in the shapes the CLI prints.
func TestGatewayHTTPRoutes(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(args, "--output", "text")...))
	}

	fn := createFn(t, s.lambda(), "http-routes", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js", Body: httpEchoJS}))
	pool := text("cognito-idp", "create-user-pool", "--pool-name", "routes", "--query", "UserPool.Id")
	client := text("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	text("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "rin", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "rin", "--password", "Rin-Passw0rd!", "--permanent")
	var auth struct{ AuthenticationResult struct{ AccessToken string } }
	cli.ok(&auth, "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=rin,PASSWORD=Rin-Passw0rd!")
	token := auth.AuthenticationResult.AccessToken
	issuer := s.URL + "/" + pool

	api := text("apigatewayv2", "create-api", "--name", "pieces", "--protocol-type", "HTTP", "--query", "ApiId")

	var integration map[string]any
	cli.ok(&integration, "apigatewayv2", "create-integration", "--api-id", api, "--integration-type", "AWS_PROXY",
		"--integration-uri", *fn.FunctionArn, "--payload-format-version", "2.0")
	integrationID, _ := integration["IntegrationId"].(string)
	wantIntegration := map[string]any{"ConnectionType": "INTERNET", "IntegrationId": integrationID,
		"IntegrationMethod": "POST", "IntegrationType": "AWS_PROXY", "IntegrationUri": *fn.FunctionArn,
		"PayloadFormatVersion": "2.0", "TimeoutInMillis": 30000.0}
	if integrationID == "" || !reflect.DeepEqual(integration, wantIntegration) {
		t.Fatalf("create-integration:\n got %v\nwant %v", integration, wantIntegration)
	}

	var authorizer map[string]any
	cli.ok(&authorizer, "apigatewayv2", "create-authorizer", "--api-id", api, "--name", "pool", "--authorizer-type", "JWT",
		"--identity-source", "$request.header.Authorization",
		"--jwt-configuration", `{"Audience": ["`+client+`"], "Issuer": "`+issuer+`"}`)
	authorizerID, _ := authorizer["AuthorizerId"].(string)
	wantAuthorizer := map[string]any{"AuthorizerId": authorizerID, "AuthorizerType": "JWT", "Name": "pool",
		"IdentitySource": []any{"$request.header.Authorization"}, "JwtConfiguration": map[string]any{"Audience": []any{client}, "Issuer": issuer}}
	if authorizerID == "" || !reflect.DeepEqual(authorizer, wantAuthorizer) {
		t.Fatalf("create-authorizer:\n got %v\nwant %v", authorizer, wantAuthorizer)
	}

	var protected, open map[string]any
	cli.ok(&protected, "apigatewayv2", "create-route", "--api-id", api, "--route-key", "GET /items/{id}",
		"--target", "integrations/"+integrationID, "--authorization-type", "JWT", "--authorizer-id", authorizerID)
	cli.ok(&open, "apigatewayv2", "create-route", "--api-id", api, "--route-key", "GET /open", "--target", "integrations/"+integrationID)
	wantProtected := map[string]any{"ApiKeyRequired": false, "AuthorizationType": "JWT", "AuthorizerId": authorizerID,
		"RouteId": protected["RouteId"], "RouteKey": "GET /items/{id}", "Target": "integrations/" + integrationID}
	if id, _ := protected["RouteId"].(string); id == "" || !reflect.DeepEqual(protected, wantProtected) {
		t.Fatalf("create-route (JWT):\n got %v\nwant %v", protected, wantProtected)
	}
	if open["AuthorizationType"] != "NONE" || open["RouteKey"] != "GET /open" || open["AuthorizerId"] != nil {
		t.Fatalf("create-route (open): %v", open)
	}
	if got := text("apigatewayv2", "create-stage", "--api-id", api, "--stage-name", "$default", "--auto-deploy", "--query", "AutoDeploy"); got != "True" {
		t.Fatalf("create-stage: %s", got)
	}

	call := func(method, path string, header map[string]string) httpResult {
		t.Helper()
		return httpAPICall(t, s, api, method, path, header)
	}
	if r := call("GET", "/items/42", nil); r.status != 401 || string(r.raw) != `{"message":"Unauthorized"}` {
		t.Fatalf("protected route without a token: %d %s", r.status, r.raw)
	}
	r := call("GET", "/items/42", map[string]string{"Authorization": "Bearer " + token})
	authz, _ := r.body["authorizer"].(map[string]any)
	jwtCtx, _ := authz["jwt"].(map[string]any)
	claims, _ := jwtCtx["claims"].(map[string]any)
	if r.status != 200 || r.body["routeKey"] != "GET /items/{id}" || r.body["rawPath"] != "/items/42" || claims["client_id"] != client {
		t.Fatalf("protected route with a token: %d %s", r.status, r.raw)
	}
	if r := call("GET", "/open", nil); r.status != 200 || r.body["routeKey"] != "GET /open" || r.body["authorizer"] != nil {
		t.Fatalf("open route: %d %s", r.status, r.raw)
	}

	// What get-routes, get-integrations and get-authorizers print.
	var routes struct{ Items []map[string]any }
	cli.ok(&routes, "apigatewayv2", "get-routes", "--api-id", api)
	if len(routes.Items) != 2 {
		t.Fatalf("get-routes: %v", routes)
	}
	for _, item := range routes.Items {
		want := open
		if item["RouteId"] == protected["RouteId"] {
			want = protected
		}
		if !reflect.DeepEqual(item, want) {
			t.Errorf("get-routes item:\n got %v\nwant %v", item, want)
		}
	}
	var integrations struct{ Items []map[string]any }
	cli.ok(&integrations, "apigatewayv2", "get-integrations", "--api-id", api)
	if len(integrations.Items) != 1 || !reflect.DeepEqual(integrations.Items[0], wantIntegration) {
		t.Fatalf("get-integrations: %v", integrations)
	}
	if got := keysOf(integrations.Items[0]); !slices.Equal(got, []string{"ConnectionType", "IntegrationId",
		"IntegrationMethod", "IntegrationType", "IntegrationUri", "PayloadFormatVersion", "TimeoutInMillis"}) {
		t.Errorf("get-integrations members: %v", got)
	}
	var authorizers struct{ Items []map[string]any }
	cli.ok(&authorizers, "apigatewayv2", "get-authorizers", "--api-id", api)
	if len(authorizers.Items) != 1 || !reflect.DeepEqual(authorizers.Items[0], wantAuthorizer) {
		t.Fatalf("get-authorizers: %v", authorizers)
	}
	if got := text("apigatewayv2", "get-route", "--api-id", api, "--route-id", protected["RouteId"].(string), "--query", "RouteKey"); got != "GET /items/{id}" {
		t.Errorf("get-route: %s", got)
	}
	if got := text("apigatewayv2", "get-integration", "--api-id", api, "--integration-id", integrationID, "--query", "IntegrationUri"); got != *fn.FunctionArn {
		t.Errorf("get-integration: %s", got)
	}

	// Changes reach the autoDeploy stage; refusals come back as AWS's.
	openID := open["RouteId"].(string)
	text("apigatewayv2", "update-route", "--api-id", api, "--route-id", openID, "--route-key", "GET /public", "--query", "RouteKey")
	if r := call("GET", "/public", nil); r.status != 200 || r.body["routeKey"] != "GET /public" {
		t.Fatalf("renamed route: %d %s", r.status, r.raw)
	}
	if r := call("GET", "/open", nil); r.status != 404 {
		t.Fatalf("old route key: %d %s", r.status, r.raw)
	}
	text("apigatewayv2", "update-integration", "--api-id", api, "--integration-id", integrationID, "--timeout-in-millis", "10000", "--query", "TimeoutInMillis")
	cli.fails("ConflictException", "apigatewayv2", "delete-integration", "--api-id", api, "--integration-id", integrationID)
	cli.fails("ConflictException", "apigatewayv2", "delete-authorizer", "--api-id", api, "--authorizer-id", authorizerID)
	cli.fails("ConflictException", "apigatewayv2", "create-route", "--api-id", api, "--route-key", "GET /items/{other}", "--target", "integrations/"+integrationID)
	cli.fails("NotFoundException", "apigatewayv2", "get-route", "--api-id", api, "--route-id", "nope")
	cli.fails("NotFoundException", "apigatewayv2", "create-route", "--api-id", api, "--route-key", "GET /x", "--target", "integrations/nope")
	cli.fails("BadRequestException", "apigatewayv2", "create-integration", "--api-id", api, "--integration-type", "HTTP_PROXY",
		"--integration-uri", "https://example.com", "--payload-format-version", "1.0")
	cli.fails("BadRequestException", "apigatewayv2", "create-route", "--api-id", api, "--route-key", "GET items")

	cli.ok(nil, "apigatewayv2", "delete-route", "--api-id", api, "--route-id", openID)
	if r := call("GET", "/public", nil); r.status != 404 {
		t.Fatalf("deleted route: %d %s", r.status, r.raw)
	}
	cli.ok(nil, "apigatewayv2", "delete-route", "--api-id", api, "--route-id", protected["RouteId"].(string))
	cli.ok(nil, "apigatewayv2", "delete-authorizer", "--api-id", api, "--authorizer-id", authorizerID)
	cli.ok(nil, "apigatewayv2", "delete-integration", "--api-id", api, "--integration-id", integrationID)
	if got := text("apigatewayv2", "get-integrations", "--api-id", api, "--query", "length(Items)"); got != "0" {
		t.Errorf("integrations left: %s", got)
	}
}
