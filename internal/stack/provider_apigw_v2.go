package stack

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The pieces of an HTTP API as the CDK and CloudFormation write them
// (AWS::ApiGatewayV2::Integration, ::Route, ::Authorizer on an Api
// without a Body), made through the apigatewayv2 operations.

// v2Path is /v2/apis/{ApiId}/{kind}, with /{id} when id is given.
func v2Path(apiID, kind, id string) string {
	p := "/v2/apis/" + url.PathEscape(apiID) + "/" + kind
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// v2Input maps CloudFormation's UpperCamel properties to the operation's
// lowerCamel members; recase names the properties whose own members are
// the API's (JwtConfiguration, TlsConfig), where the rest hold the
// user's keys (request parameters, templates) and stay as written.
func v2Input(props map[string]any, recase ...string) map[string]any {
	in := map[string]any{}
	for k, v := range props {
		if k == "ApiId" {
			continue
		}
		if slices.Contains(recase, k) {
			v = lowerCamelKeys(v)
		}
		in[lowerCamel(k)] = v
	}
	return in
}

// coerce turns numbers and booleans given as strings (which
// CloudFormation accepts) into JSON numbers and booleans.
func coerce(in map[string]any, ints, bools []string) error {
	for _, k := range ints {
		if s, ok := in[k].(string); ok {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("Properties.%s must be an integer, found %q", upperCamel(k), s)
			}
			in[k] = n
		}
	}
	for _, k := range bools {
		if s, ok := in[k].(string); ok {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("Properties.%s must be a boolean, found %q", upperCamel(k), s)
			}
			in[k] = b
		}
	}
	return nil
}

func upperCamel(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// resetRemoved gives the properties the template no longer sets their
// defaults, as CloudFormation does on update: an UpdateX call leaves
// alone what it is not given.
func resetRemoved(in, old, new map[string]any, defaults map[string]any) {
	for k, v := range defaults {
		_, had := old[k]
		if _, has := new[k]; had && !has {
			in[lowerCamel(k)] = v
		}
	}
}

// v2Delete deletes one piece; one already gone (or whose API is) is not
// an error.
func v2Delete(ctx context.Context, c *Call, kind string) error {
	err := c.API.REST(ctx, "apigateway", "DELETE", v2Path(str(c.Old.Props, "ApiId"), kind, c.Old.PhysicalID), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// httpIntegration is AWS::ApiGatewayV2::Integration.
type httpIntegration struct{}

func (httpIntegration) Attributes() []string { return []string{"IntegrationId"} }

func (httpIntegration) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "ApiId")
}

func integrationInput(props map[string]any) (map[string]any, error) {
	in := v2Input(props, "TlsConfig")
	return in, coerce(in, []string{"timeoutInMillis"}, nil)
}

func (httpIntegration) Create(ctx context.Context, c *Call) (Result, error) {
	in, err := integrationInput(c.Props)
	if err != nil {
		return Result{}, err
	}
	var out struct {
		IntegrationID string `json:"integrationId"`
	}
	if err := c.API.REST(ctx, "apigateway", "POST", v2Path(str(c.Props, "ApiId"), "integrations", ""), in, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.IntegrationID, Attrs: map[string]any{"IntegrationId": out.IntegrationID}}, nil
}

func (httpIntegration) Update(ctx context.Context, c *Call) (Result, error) {
	in, err := integrationInput(c.Props)
	if err != nil {
		return Result{}, err
	}
	resetRemoved(in, c.Old.Props, c.Props, map[string]any{"TimeoutInMillis": 30000, "Description": "", "CredentialsArn": "", "IntegrationMethod": ""})
	if err := c.API.REST(ctx, "apigateway", "PATCH", v2Path(str(c.Props, "ApiId"), "integrations", c.Old.PhysicalID), in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (httpIntegration) Delete(ctx context.Context, c *Call) error {
	return v2Delete(ctx, c, "integrations")
}

// httpRoute is AWS::ApiGatewayV2::Route.
type httpRoute struct{}

func (httpRoute) Attributes() []string { return []string{"RouteId"} }

func (httpRoute) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "ApiId")
}

func routeInput(props map[string]any) (map[string]any, error) {
	in := v2Input(props)
	return in, coerce(in, nil, []string{"apiKeyRequired"})
}

func (httpRoute) Create(ctx context.Context, c *Call) (Result, error) {
	in, err := routeInput(c.Props)
	if err != nil {
		return Result{}, err
	}
	var out struct {
		RouteID string `json:"routeId"`
	}
	if err := c.API.REST(ctx, "apigateway", "POST", v2Path(str(c.Props, "ApiId"), "routes", ""), in, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.RouteID, Attrs: map[string]any{"RouteId": out.RouteID}}, nil
}

func (httpRoute) Update(ctx context.Context, c *Call) (Result, error) {
	in, err := routeInput(c.Props)
	if err != nil {
		return Result{}, err
	}
	// The whole authorization is stated every time, so that what the
	// template dropped (an authorizer, its scopes) goes too.
	for k, v := range map[string]any{"target": "", "authorizationType": "NONE", "authorizerId": "", "authorizationScopes": []string{}, "operationName": ""} {
		if _, ok := in[k]; !ok {
			in[k] = v
		}
	}
	if err := c.API.REST(ctx, "apigateway", "PATCH", v2Path(str(c.Props, "ApiId"), "routes", c.Old.PhysicalID), in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (httpRoute) Delete(ctx context.Context, c *Call) error { return v2Delete(ctx, c, "routes") }

// httpAuthorizer is AWS::ApiGatewayV2::Authorizer.
type httpAuthorizer struct{}

func (httpAuthorizer) Attributes() []string { return []string{"AuthorizerId"} }

func (httpAuthorizer) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "ApiId")
}

func authorizerInput(props map[string]any) (map[string]any, error) {
	in := v2Input(props, "JwtConfiguration")
	return in, coerce(in, []string{"authorizerResultTtlInSeconds"}, []string{"enableSimpleResponses"})
}

func (httpAuthorizer) Create(ctx context.Context, c *Call) (Result, error) {
	in, err := authorizerInput(c.Props)
	if err != nil {
		return Result{}, err
	}
	var out struct {
		AuthorizerID string `json:"authorizerId"`
	}
	if err := c.API.REST(ctx, "apigateway", "POST", v2Path(str(c.Props, "ApiId"), "authorizers", ""), in, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.AuthorizerID, Attrs: map[string]any{"AuthorizerId": out.AuthorizerID}}, nil
}

func (httpAuthorizer) Update(ctx context.Context, c *Call) (Result, error) {
	in, err := authorizerInput(c.Props)
	if err != nil {
		return Result{}, err
	}
	if str(c.Props, "AuthorizerType") == "REQUEST" {
		resetRemoved(in, c.Old.Props, c.Props, map[string]any{"AuthorizerCredentialsArn": "", "EnableSimpleResponses": false})
	}
	if err := c.API.REST(ctx, "apigateway", "PATCH", v2Path(str(c.Props, "ApiId"), "authorizers", c.Old.PhysicalID), in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (httpAuthorizer) Delete(ctx context.Context, c *Call) error {
	return v2Delete(ctx, c, "authorizers")
}

// httpAPIWithoutBodyProps are what CreateApi takes of an Api without a
// Body (the CDK's HttpApi, or a quick create with Target).
var httpAPIWithoutBodyProps = []string{"Name", "ProtocolType", "Description", "Version", "CorsConfiguration", "Tags", "Target",
	"RouteKey", "RouteSelectionExpression", "ApiKeySelectionExpression", "DisableExecuteApiEndpoint"}

// createHTTPAPIWithoutBody is CreateApi for an Api the template builds
// from separate Route, Integration and Authorizer resources.
func createHTTPAPIWithoutBody(ctx context.Context, c *Call) (Result, error) {
	in := map[string]any{}
	for k, v := range c.Props {
		switch {
		case k == "CorsConfiguration":
			in["corsConfiguration"] = lowerCamelKeys(v)
		case slices.Contains(httpAPIWithoutBodyProps, k):
			in[lowerCamel(k)] = v
		case k == "CredentialsArn":
			// Quick create's role for invoking the target: recorded by IAM
			// nowhere, since gatehouse enforces no roles.
		default:
			return Result{}, fmt.Errorf("Properties.%s is not supported by gatehouse for an Api without a Body", k)
		}
	}
	if err := coerce(in, nil, []string{"disableExecuteApiEndpoint"}); err != nil {
		return Result{}, err
	}
	var out struct {
		ApiID       string `json:"apiId"`
		ApiEndpoint string `json:"apiEndpoint"`
	}
	if err := c.API.REST(ctx, "apigateway", "POST", "/v2/apis", in, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.ApiID, Attrs: map[string]any{"ApiId": out.ApiID, "ApiEndpoint": out.ApiEndpoint}}, nil
}

// httpAPIReplaces: an Api without a Body is changed by making it anew
// (its Routes, Integrations and Authorizers follow, being replaced when
// their ApiId changes), since gatehouse has no UpdateApi; one with a Body
// is reimported in place.
func httpAPIReplaces(old, new map[string]any) (bool, string) {
	_, oldBody := old["Body"]
	_, newBody := new["Body"]
	if oldBody && newBody {
		return false, ""
	}
	if k := changedKeys(old, new); len(k) > 0 {
		return true, k[0]
	}
	return false, ""
}
