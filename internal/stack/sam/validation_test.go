package sam

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gateway"
)

// compiledRoutes transforms a template and compiles every REST API
// document it generates with the gateway, as a deployment does once its
// intrinsics are resolved: routes by "API METHOD PATH".
func compiledRoutes(t *testing.T, doc map[string]any) map[string]gateway.Route {
	t.Helper()
	r := transformOK(t, doc)
	res := r.Doc["Resources"].(map[string]any)
	routes := map[string]gateway.Route{}
	for _, id := range sortedKeys(res) {
		rm := res[id].(map[string]any)
		if rm["Type"] != "AWS::ApiGateway::RestApi" {
			continue
		}
		body, err := json.Marshal(fakeResolve(t, rm["Properties"].(map[string]any)["Body"], res))
		if err != nil {
			t.Fatal(err)
		}
		def, err := gateway.ParseDefinition(body, gateway.REST, gwRegion, gwAccount)
		if err != nil {
			t.Fatalf("%s: %v\n%s", id, err, body)
		}
		for _, rt := range def.Routes {
			routes[id+" "+rt.Method+" "+rt.Path] = rt
		}
	}
	return routes
}

// enforced is what a route's validator should check: the required query
// strings and headers ("query:limit", "header:X-Tenant"), and, for a body
// model, a JSON body it accepts and one it rejects.
type enforced struct {
	params       []string
	valid, wrong string
}

// TestValidationEnforced: the request validators the transform emits for
// RequestModel and RequestParameters compile, with the gateway, into
// routes that check exactly what API Gateway checks: required parameters
// with ValidateParameters, the model (as the application/json body
// schema) with ValidateBody, and nothing without a validator, Required or
// not.
func TestValidationEnforced(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[string]*enforced // nil: no validation
	}{
		{"validation.yaml", map[string]*enforced{
			"Pets POST /pets":               {valid: `{"name":"Rex","age":3}`, wrong: `{"name":"Rex","color":"red"}`},
			"Pets PUT /pets/{id}":           {valid: `{"name":"Rex"}`, wrong: `{"age":-1,"name":"Rex"}`},
			"Pets GET /pets":                {params: []string{"query:limit", "header:X-Tenant"}},
			"Pets PATCH /pets/{id}":         {params: []string{"header:If-Match"}, valid: `{"name":"Rex"}`, wrong: `{"name":""}`},
			"Pets POST /orders":             nil, // no-validation
			"Pets PUT /orders/{id}":         nil, // Required, but no validator
			"ServerlessRestApi POST /notes": nil,
			"Merged POST /adopt":            {params: []string{"header:X-Owner"}, valid: `{"name":"Rex"}`, wrong: `{}`},
		}},
		{"validation-openapi3.yaml", map[string]*enforced{
			"Api POST /items":         {valid: `{"name":"pen","price":1.5,"tags":["a","b"]}`, wrong: `{"name":"pen","price":0}`},
			"Api GET /items":          {params: []string{"query:limit", "header:X-Api-Version"}},
			"Api PUT /items/{id}":     {params: []string{"header:If-Match"}, valid: `{"name":"pen","price":2}`, wrong: `{"name":"pen","price":2,"tags":["a","a"]}`},
			"Api POST /search":        nil,
			"Api POST /loose":         nil,
			"Api OPTIONS /items":      nil,
			"Api OPTIONS /search":     nil,
			"Api OPTIONS /loose":      nil,
			"Api OPTIONS /items/{id}": nil,
		}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			routes := compiledRoutes(t, loadTemplate(t, filepath.Join("testdata", tc.file)))
			if len(routes) != len(tc.want) {
				t.Errorf("%d routes, want %d: %v", len(routes), len(tc.want), sortedKeys(routes))
			}
			for key, want := range tc.want {
				rt, ok := routes[key]
				if !ok {
					t.Errorf("%s: no such route (have %v)", key, sortedKeys(routes))
					continue
				}
				v := rt.Validation
				if want == nil {
					if v != nil {
						t.Errorf("%s: validated (%+v), want no validation", key, *v)
					}
					continue
				}
				if v == nil {
					t.Errorf("%s: not validated", key)
					continue
				}
				var params []string
				for _, p := range v.Params {
					params = append(params, p.In+":"+p.Name)
				}
				if !slices.Equal(params, want.params) {
					t.Errorf("%s: required parameters %v, want %v", key, params, want.params)
				}
				if want.valid == "" {
					if len(v.Bodies) != 0 {
						t.Errorf("%s: body models for %v, want none (ValidateBody is off)", key, sortedKeys(v.Bodies))
					}
					continue
				}
				if got := sortedKeys(v.Bodies); !reflect.DeepEqual(got, []string{"application/json"}) {
					t.Errorf("%s: body models for %v, want application/json", key, got)
					continue
				}
				s := v.Bodies["application/json"]
				if !s.ValidateJSON([]byte(want.valid)) {
					t.Errorf("%s: the model rejects %s", key, want.valid)
				}
				if s.ValidateJSON([]byte(want.wrong)) {
					t.Errorf("%s: the model accepts %s", key, want.wrong)
				}
			}
		})
	}
}

// TestValidationRefusals: what SAM would emit but gatehouse could not
// deploy, or would not enforce, is an error at the event.
func TestValidationRefusals(t *testing.T) {
	merged := func(body, event string) string {
		return header + "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      MergeDefinitions: true\n" +
			"      Models: {Pet: {type: object}}\n      DefinitionBody: " + body + "\n" +
			fn("Fn", "      Events:\n        E:\n          Type: Api\n          Properties: "+event+"\n")
	}
	runRefusals(t, []refusal{
		{name: "merged validator not defined", src: merged(`{swagger: "2.0", paths: {}}`,
			"{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, ValidateBody: true}}"),
			path: ev("Properties", "RequestModel"), msg: `validator "body-only"`},
		{name: "merged no-validation not defined", src: merged(`{swagger: "2.0", paths: {}, x-amazon-apigateway-request-validators: {body-only: {validateRequestBody: true}}}`,
			"{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, ValidateBody: false}}"),
			path: ev("Properties", "RequestModel"), msg: `validator "no-validation"`},
		{name: "merged OpenAPI 3 body model", src: merged(`{openapi: "3.0.1", paths: {}, x-amazon-apigateway-request-validators: {body-only: {validateRequestBody: true}}}`,
			"{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, ValidateBody: true}}"),
			path: ev("Properties", "RequestModel", "ValidateBody"), msg: "would not be validated"},
		{name: "models differing in case", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Models: {Pet: {type: object}, pet: {type: array}}}}\n",
			path: []string{"Resources", "Api", "Properties", "Models", "pet"}, msg: "lowercases model names"},
	})
}

// TestValidationMergedOpenAPI3: on an OpenAPI 3 document that writes the
// method's requestBody, MergeDefinitions keeps it, and the validator
// enforces it.
func TestValidationMergedOpenAPI3(t *testing.T) {
	src := header + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      MergeDefinitions: true
      Models: {Pet: {type: object}}
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        x-amazon-apigateway-request-validators: {body-only: {validateRequestBody: true, validateRequestParameters: false}}
        paths:
          /p:
            post:
              requestBody:
                content:
                  application/json:
                    schema: {type: object, required: [name]}
` + fn("Fn", "      Events:\n        E:\n          Type: Api\n          Properties: {RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, ValidateBody: true}}\n")
	rt := compiledRoutes(t, parseYAML(t, src))["Api POST /p"]
	if rt.Validation == nil || rt.Validation.Bodies["application/json"] == nil {
		t.Fatalf("not validated: %+v", rt)
	}
	if rt.Validation.Bodies["application/json"].ValidateJSON([]byte(`{}`)) {
		t.Error("the document's requestBody schema is not the one enforced")
	}
}

// TestValidationWarnings: Required settings that no validator enforces,
// and validation settings SAM ignores, are pointed out.
func TestValidationWarnings(t *testing.T) {
	api := "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Models: {Pet: {type: object}}}}\n"
	written := "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Models: {Pet: {type: object}}, DefinitionBody: {swagger: \"2.0\", paths: {/p: {post: {}}}}}}\n"
	for _, tc := range []struct {
		name, api, event string
		want             []string // warning paths under the event's Properties
	}{
		{"validated", api, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, Required: true, ValidateBody: true, ValidateParameters: true}, RequestParameters: [{method.request.header.H: {Required: true}}]}", nil},
		{"model required without validator", api, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, Required: true}}", []string{"RequestModel.Required"}},
		{"model required with params only", api, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, Required: true, ValidateParameters: true}}", []string{"RequestModel.Required"}},
		{"parameters required without validator", api, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestParameters: [{method.request.querystring.q: {Required: true}}]}", []string{"RequestParameters"}},
		{"parameters required with body only", api, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, ValidateBody: true}, RequestParameters: [{method.request.header.H: {Required: true}}]}", []string{"RequestParameters"}},
		{"path parameter required", api, "{RestApiId: !Ref Api, Path: \"/p/{id}\", Method: post, RequestParameters: [{method.request.path.id: {Required: true}}]}", nil},
		{"validation without a model", api, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {ValidateBody: true}}", []string{"RequestModel"}},
		{"written document", written, "{RestApiId: !Ref Api, Path: /p, Method: post, RequestModel: {Model: Pet, ValidateBody: true}, RequestParameters: [method.request.header.H]}", []string{"RequestModel", "RequestParameters"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := transformYAML(t, header+tc.api+fn("Fn", "      Events:\n        E:\n          Type: Api\n          Properties: "+tc.event+"\n"))
			var got []string
			for _, w := range r.Warnings {
				prefix := strings.Join(ev("Properties"), ".") + "."
				got = append(got, strings.TrimPrefix(strings.Join(w.Path, "."), prefix))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings at %v, want %v: %+v", got, tc.want, r.Warnings)
			}
		})
	}
}
