package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// restAPI is AWS::ApiGateway::RestApi with an OpenAPI Body, through
// ImportRestApi and PutRestApi.
type restAPI struct{}

func (restAPI) Attributes() []string { return []string{"RestApiId", "RootResourceId"} }

func (restAPI) Replaces(old, new map[string]any) (bool, string) { return false, "" }

// restAPIBody is the document to import: Body with the RestApi's own
// Name, Description and BinaryMediaTypes, which win over the body's as
// in CloudFormation.
func restAPIBody(props map[string]any) ([]byte, error) {
	for _, k := range []string{"BodyS3Location", "CloneFrom", "Mode", "Policy", "MinimumCompressionSize", "ApiKeySourceType"} {
		if _, ok := props[k]; ok && k != "ApiKeySourceType" {
			return nil, fmt.Errorf("Properties.%s is not supported by gatehouse; give the OpenAPI document as Body", k)
		}
	}
	body, ok := props["Body"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Properties.Body must be an OpenAPI document: gatehouse builds REST APIs from their definitions")
	}
	doc := map[string]any{}
	for k, v := range body {
		doc[k] = v
	}
	if name := str(props, "Name"); name != "" || str(props, "Description") != "" {
		info, _ := doc["info"].(map[string]any)
		ninfo := map[string]any{}
		for k, v := range info {
			ninfo[k] = v
		}
		if name != "" {
			ninfo["title"] = name
		}
		if d := str(props, "Description"); d != "" {
			ninfo["description"] = d
		}
		doc["info"] = ninfo
	}
	if types := strList(props, "BinaryMediaTypes"); len(types) > 0 {
		doc["x-amazon-apigateway-binary-media-types"] = types
	}
	if src := str(props, "ApiKeySourceType"); src != "" {
		doc["x-amazon-apigateway-api-key-source"] = src
	}
	return json.Marshal(doc)
}

func (restAPI) Create(ctx context.Context, c *Call) (Result, error) {
	doc, err := restAPIBody(c.Props)
	if err != nil {
		return Result{}, err
	}
	var out struct{ ID string }
	if err := c.API.REST(ctx, "apigateway", "POST", "/restapis?mode=import", doc, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.ID, Attrs: map[string]any{"RestApiId": out.ID, "RootResourceId": rootResourceID(out.ID)}}, nil
}

// rootResourceID is the id of the API's "/" resource: stable per API.
func rootResourceID(apiID string) string {
	if len(apiID) >= 6 {
		return apiID[len(apiID)-6:]
	}
	return apiID
}

func (restAPI) Update(ctx context.Context, c *Call) (Result, error) {
	doc, err := restAPIBody(c.Props)
	if err != nil {
		return Result{}, err
	}
	if err := c.API.REST(ctx, "apigateway", "PUT", "/restapis/"+url.PathEscape(c.Old.PhysicalID)+"?mode=overwrite", doc, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (restAPI) Delete(ctx context.Context, c *Call) error {
	err := c.API.REST(ctx, "apigateway", "DELETE", "/restapis/"+url.PathEscape(c.Old.PhysicalID), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// restDeployment is AWS::ApiGateway::Deployment: a snapshot of the API.
// Deployments never change; SAM names each body's deployment anew.
type restDeployment struct{}

func (restDeployment) Attributes() []string { return []string{"DeploymentId"} }

func (restDeployment) Replaces(old, new map[string]any) (bool, string) {
	if k := changedKeys(old, new); len(k) > 0 {
		return true, k[0]
	}
	return false, ""
}

func (restDeployment) Create(ctx context.Context, c *Call) (Result, error) {
	api := str(c.Props, "RestApiId")
	in := map[string]any{"description": str(c.Props, "Description")}
	if s := str(c.Props, "StageName"); s != "" {
		in["stageName"] = s
		in["stageDescription"] = str(c.Props, "StageDescription")
	}
	var out struct{ ID string }
	if err := c.API.REST(ctx, "apigateway", "POST", "/restapis/"+url.PathEscape(api)+"/deployments", in, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.ID, Attrs: map[string]any{"DeploymentId": out.ID}}, nil
}

func (restDeployment) Update(ctx context.Context, c *Call) (Result, error) {
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

// Delete leaves the snapshot: API Gateway keeps deployments until their
// API goes, and a stage may still point at this one.
func (restDeployment) Delete(ctx context.Context, c *Call) error { return nil }

// restStage is AWS::ApiGateway::Stage.
type restStage struct{}

func (restStage) Attributes() []string { return nil }

func (restStage) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "RestApiId", "StageName")
}

func stagePath(props map[string]any) string {
	return "/restapis/" + url.PathEscape(str(props, "RestApiId")) + "/stages/" + url.PathEscape(str(props, "StageName"))
}

func (p restStage) Create(ctx context.Context, c *Call) (Result, error) {
	api, name := str(c.Props, "RestApiId"), str(c.Props, "StageName")
	in := map[string]any{"stageName": name, "deploymentId": str(c.Props, "DeploymentId"), "description": str(c.Props, "Description")}
	if v, ok := c.Props["Variables"].(map[string]any); ok {
		in["variables"] = v
	}
	if err := c.API.REST(ctx, "apigateway", "POST", "/restapis/"+url.PathEscape(api)+"/stages", in, nil); err != nil {
		return Result{}, err
	}
	if ops, err := stageSettingOps(nil, c.Props); err != nil || len(ops) > 0 {
		if err == nil {
			err = c.API.REST(ctx, "apigateway", "PATCH", stagePath(c.Props), map[string]any{"patchOperations": ops}, nil)
		}
		if err != nil {
			c.API.REST(ctx, "apigateway", "DELETE", stagePath(c.Props), nil, nil)
			return Result{}, err
		}
	}
	return Result{PhysicalID: name}, nil
}

func (p restStage) Update(ctx context.Context, c *Call) (Result, error) {
	var ops []map[string]any
	if d := str(c.Props, "DeploymentId"); d != str(c.Old.Props, "DeploymentId") {
		ops = append(ops, map[string]any{"op": "replace", "path": "/deploymentId", "value": d})
	}
	if d := str(c.Props, "Description"); d != str(c.Old.Props, "Description") {
		ops = append(ops, map[string]any{"op": "replace", "path": "/description", "value": d})
	}
	oldVars, _ := c.Old.Props["Variables"].(map[string]any)
	newVars, _ := c.Props["Variables"].(map[string]any)
	for k := range oldVars {
		if _, ok := newVars[k]; !ok {
			ops = append(ops, map[string]any{"op": "remove", "path": "/variables/" + k})
		}
	}
	for _, k := range sortedKeys(newVars) {
		if !reflect.DeepEqual(oldVars[k], newVars[k]) {
			ops = append(ops, map[string]any{"op": "replace", "path": "/variables/" + k, "value": fmt.Sprint(newVars[k])})
		}
	}
	settings, err := stageSettingOps(c.Old.Props, c.Props)
	if err != nil {
		return Result{}, err
	}
	ops = append(ops, settings...)
	if len(ops) > 0 {
		if err := c.API.REST(ctx, "apigateway", "PATCH", stagePath(c.Props), map[string]any{"patchOperations": ops}, nil); err != nil {
			return Result{}, err
		}
	}
	return Result{PhysicalID: c.Old.PhysicalID}, nil
}

// stageSettingOps turns MethodSettings throttling and AccessLogSetting
// into UpdateStage patch operations (what CloudFormation does too).
func stageSettingOps(old, new map[string]any) ([]map[string]any, error) {
	var ops []map[string]any
	if !reflect.DeepEqual(old["MethodSettings"], new["MethodSettings"]) {
		list, _ := new["MethodSettings"].([]any)
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("Properties.MethodSettings[%d] must be a mapping", i)
			}
			res, method := str(m, "ResourcePath"), str(m, "HttpMethod")
			if res == "" {
				res = "/*"
			}
			if method == "" {
				method = "*"
			}
			prefix := "/" + strings.ReplaceAll(strings.TrimPrefix(res, "/"), "/", "~1") + "/" + method
			if res == "/*" {
				prefix = "/*/" + method
			}
			for key, val := range m {
				switch key {
				case "ResourcePath", "HttpMethod":
				case "ThrottlingRateLimit":
					ops = append(ops, map[string]any{"op": "replace", "path": prefix + "/throttling/rateLimit", "value": numText(val)})
				case "ThrottlingBurstLimit":
					ops = append(ops, map[string]any{"op": "replace", "path": prefix + "/throttling/burstLimit", "value": numText(val)})
				case "MetricsEnabled", "LoggingLevel", "DataTraceEnabled", "CachingEnabled", "CacheTtlInSeconds", "CacheDataEncrypted":
					// Observability and caching settings that do not change
					// what a request gets; gatehouse logs and measures
					// every stage anyway.
				default:
					return nil, fmt.Errorf("Properties.MethodSettings[%d].%s is not supported by gatehouse", i, key)
				}
			}
		}
	}
	if !reflect.DeepEqual(old["AccessLogSetting"], new["AccessLogSetting"]) {
		m, _ := new["AccessLogSetting"].(map[string]any)
		ops = append(ops,
			map[string]any{"op": "replace", "path": "/accessLogSettings/destinationArn", "value": str(m, "DestinationArn")},
			map[string]any{"op": "replace", "path": "/accessLogSettings/format", "value": str(m, "Format")})
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i]["path"].(string) < ops[j]["path"].(string) })
	return ops, nil
}

func numText(v any) string {
	switch n := v.(type) {
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(n, 10)
	case int:
		return strconv.Itoa(n)
	}
	return fmt.Sprint(v)
}

func (restStage) Delete(ctx context.Context, c *Call) error {
	err := c.API.REST(ctx, "apigateway", "DELETE", stagePath(c.Old.Props), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// httpAPI is AWS::ApiGatewayV2::Api with an OpenAPI Body (ImportApi,
// ReimportApi), or without one (CreateApi; provider_apigw_v2.go).
type httpAPI struct{}

func (httpAPI) Attributes() []string { return []string{"ApiEndpoint", "ApiId"} }

func (httpAPI) Replaces(old, new map[string]any) (bool, string) { return httpAPIReplaces(old, new) }

func httpAPIBody(props map[string]any) (string, error) {
	body, ok := props["Body"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("Properties.Body must be an OpenAPI document: gatehouse builds HTTP APIs from their definitions")
	}
	doc := map[string]any{}
	for k, v := range body {
		doc[k] = v
	}
	if name := str(props, "Name"); name != "" {
		info, _ := doc["info"].(map[string]any)
		ninfo := map[string]any{}
		for k, v := range info {
			ninfo[k] = v
		}
		ninfo["title"] = name
		doc["info"] = ninfo
	}
	if cors, ok := props["CorsConfiguration"].(map[string]any); ok {
		x := map[string]any{}
		for k, v := range cors {
			x[strings.ToLower(k[:1])+k[1:]] = v
		}
		doc["x-amazon-apigateway-cors"] = x
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

func (httpAPI) Create(ctx context.Context, c *Call) (Result, error) {
	if _, ok := c.Props["Body"]; !ok {
		return createHTTPAPIWithoutBody(ctx, c)
	}
	body, err := httpAPIBody(c.Props)
	if err != nil {
		return Result{}, err
	}
	var out struct {
		ApiID       string `json:"apiId"`
		ApiEndpoint string `json:"apiEndpoint"`
	}
	if err := c.API.REST(ctx, "apigateway", "PUT", "/v2/apis", map[string]any{"body": body}, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.ApiID, Attrs: map[string]any{"ApiId": out.ApiID, "ApiEndpoint": out.ApiEndpoint}}, nil
}

func (httpAPI) Update(ctx context.Context, c *Call) (Result, error) {
	body, err := httpAPIBody(c.Props)
	if err != nil {
		return Result{}, err
	}
	if err := c.API.REST(ctx, "apigateway", "PUT", "/v2/apis/"+url.PathEscape(c.Old.PhysicalID), map[string]any{"body": body}, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (httpAPI) Delete(ctx context.Context, c *Call) error {
	err := c.API.REST(ctx, "apigateway", "DELETE", "/v2/apis/"+url.PathEscape(c.Old.PhysicalID), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// httpStage is AWS::ApiGatewayV2::Stage.
type httpStage struct{}

func (httpStage) Attributes() []string { return nil }

func (httpStage) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "ApiId", "StageName")
}

// httpStageInput maps the CloudFormation properties to CreateStage's
// and UpdateStage's (lower camel case) input.
func httpStageInput(props map[string]any) map[string]any {
	in := map[string]any{}
	for k, v := range props {
		switch k {
		case "ApiId":
		case "StageName", "AutoDeploy", "Description", "DeploymentId", "StageVariables", "DefaultRouteSettings", "RouteSettings", "AccessLogSettings", "Tags":
			in[lowerCamel(k)] = lowerCamelKeys(v)
		default:
			in[lowerCamel(k)] = v
		}
	}
	if sv, ok := props["StageVariables"]; ok {
		in["stageVariables"] = sv // variable names are the user's, not to be recased
	}
	return in
}

func lowerCamel(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func lowerCamelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range t {
			out[lowerCamel(k)] = lowerCamelKeys(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = lowerCamelKeys(val)
		}
		return out
	}
	return v
}

func (httpStage) Create(ctx context.Context, c *Call) (Result, error) {
	api := str(c.Props, "ApiId")
	if err := c.API.REST(ctx, "apigateway", "POST", "/v2/apis/"+url.PathEscape(api)+"/stages", httpStageInput(c.Props), nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: str(c.Props, "StageName")}, nil
}

func (httpStage) Update(ctx context.Context, c *Call) (Result, error) {
	in := httpStageInput(c.Props)
	delete(in, "stageName")
	path := "/v2/apis/" + url.PathEscape(str(c.Props, "ApiId")) + "/stages/" + url.PathEscape(c.Old.PhysicalID)
	if err := c.API.REST(ctx, "apigateway", "PATCH", path, in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID}, nil
}

func (httpStage) Delete(ctx context.Context, c *Call) error {
	path := "/v2/apis/" + url.PathEscape(str(c.Old.Props, "ApiId")) + "/stages/" + url.PathEscape(c.Old.PhysicalID)
	err := c.API.REST(ctx, "apigateway", "DELETE", path, nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
