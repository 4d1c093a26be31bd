package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testServer = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod"

// equivalent compares Definitions but for the operations' pointers, which
// name places in a document that an export may move ($default becomes
// /$default).
func equivalent(a, b *Definition) bool {
	strip := func(d *Definition) Definition {
		c := *d
		c.Routes = append([]Route(nil), d.Routes...)
		for i := range c.Routes {
			c.Routes[i].Pointer = ""
		}
		return c
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

// roundTrip exports def (from doc, or from def alone when doc is nil),
// checks the export's shape and that it imports to def again, and returns
// the export decoded.
func roundTrip(t *testing.T, def *Definition, doc []byte) map[string]any {
	t.Helper()
	out, err := ExportOAS30(def, doc, testServer)
	if err != nil {
		t.Fatalf("ExportOAS30: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("the export is not JSON: %v", err)
	}
	if m["openapi"] != "3.0.1" || m["swagger"] != nil {
		t.Errorf("openapi %v swagger %v", m["openapi"], m["swagger"])
	}
	if servers, _ := m["servers"].([]any); len(servers) != 1 || servers[0].(map[string]any)["url"] != testServer {
		t.Errorf("servers %v", m["servers"])
	}
	again, err := ParseDefinition(out, def.Protocol, testRegion, testAccount)
	if err != nil {
		t.Fatalf("the export does not import: %v\n%s", err, out)
	}
	if !equivalent(def, again) {
		t.Errorf("the export imports differently:\n%+v\n%+v", def, again)
	}
	return m
}

func TestExportOAS30RoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file  string
		proto Protocol
	}{
		{"sam_rest_swagger.json", REST},
		{"sam_rest_swagger.yaml", REST},
		{"sam_rest_swagger_anchors.yaml", REST},
		{"sam_rest_oas3.json", REST},
		{"sam_rest_oas3.yaml", REST},
		{"sam_http.json", HTTP},
		{"sam_http.yaml", HTTP},
		{"swagger_models.yaml", REST},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			doc := readTestdata(t, tc.file)
			def := mustParse(t, doc, tc.proto)
			m := roundTrip(t, def, doc)
			roundTrip(t, def, nil)

			// Every API Gateway extension is kept, the integrations as written.
			var src map[string]any
			if err := decodeAny(doc, &src); err != nil {
				t.Fatal(err)
			}
			for k, v := range src {
				if strings.HasPrefix(k, "x-amazon-apigateway-") && !reflect.DeepEqual(m[k], v) {
					t.Errorf("%s changed: %v", k, m[k])
				}
			}
			paths, _ := m["paths"].(map[string]any)
			for _, r := range def.Routes {
				path := r.Path
				if path == "$default" {
					path = "/$default"
				}
				op, _ := paths[path].(map[string]any)[methodKey(r.Method)].(map[string]any)
				srcPath := src["paths"].(map[string]any)[r.Path].(map[string]any)
				if want := srcPath[methodKey(r.Method)].(map[string]any)["x-amazon-apigateway-integration"]; !reflect.DeepEqual(op["x-amazon-apigateway-integration"], want) {
					t.Errorf("%s %s integration %v", r.Method, r.Path, op["x-amazon-apigateway-integration"])
				}
				if resp, _ := op["responses"].(map[string]any); len(resp) == 0 {
					t.Errorf("%s %s has no responses", r.Method, r.Path)
				}
			}
			schemes, _ := m["components"].(map[string]any)["securitySchemes"].(map[string]any)
			for name := range def.Authorizers {
				if s, _ := schemes[name].(map[string]any); s["x-amazon-apigateway-authorizer"] == nil {
					t.Errorf("scheme %s lost its authorizer: %v", name, s)
				}
			}
		})
	}
}

// decodeAny reads JSON or YAML through the package's own reader, as
// encoding/json would read the export (numbers as float64).
func decodeAny(doc []byte, v any) error {
	root, err := decodeDocument(doc)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	writeJSON(&b, root)
	return json.Unmarshal(b.Bytes(), v)
}

// TestExportSwaggerConversion: Swagger 2.0's own parts are moved where
// OpenAPI 3 keeps them.
func TestExportSwaggerConversion(t *testing.T) {
	t.Parallel()
	doc := readTestdata(t, "swagger_models.yaml")
	out, err := ExportOAS30(mustParse(t, doc, REST), doc, testServer)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	get := func(path ...string) any {
		var v any = m
		for _, p := range path {
			switch x := v.(type) {
			case map[string]any:
				v = x[p]
			case []any:
				i := 0
				for _, c := range p {
					i = i*10 + int(c-'0')
				}
				if i >= len(x) {
					return nil
				}
				v = x[i]
			default:
				return nil
			}
		}
		return v
	}
	for _, tc := range []struct {
		path []string
		want any
	}{
		{[]string{"info", "version"}, "2.1"},
		{[]string{"host"}, nil},
		{[]string{"basePath"}, nil},
		{[]string{"definitions"}, nil},
		{[]string{"securityDefinitions"}, nil},
		{[]string{"components", "schemas", "Pet", "properties", "owner", "$ref"}, "#/components/schemas/Owner"},
		{[]string{"components", "schemas", "Pet", "properties", "tag", "nullable"}, true},
		{[]string{"components", "schemas", "Owner", "discriminator", "propertyName"}, "kind"},
		{[]string{"components", "parameters", "Limit", "schema", "type"}, "integer"},
		{[]string{"components", "requestBodies", "PetBody", "content", "application/json", "schema", "$ref"}, "#/components/schemas/Pet"},
		{[]string{"components", "responses", "NotFound", "content", "application/json", "schema", "$ref"}, "#/components/schemas/Error"},
		{[]string{"components", "securitySchemes", "oauth", "type"}, "oauth2"},
		{[]string{"components", "securitySchemes", "oauth", "flows", "implicit", "authorizationUrl"}, "https://auth.example.com/authorize"},
		{[]string{"components", "securitySchemes", "basic", "scheme"}, "basic"},
		{[]string{"components", "securitySchemes", "CognitoAuth", "x-amazon-apigateway-authorizer", "type"}, "cognito_user_pools"},
		{[]string{"paths", "/pets", "get", "parameters", "0", "$ref"}, "#/components/parameters/Limit"},
		{[]string{"paths", "/pets", "get", "parameters", "1", "schema", "items", "type"}, "string"},
		{[]string{"paths", "/pets", "get", "parameters", "1", "style"}, "form"},
		{[]string{"paths", "/pets", "get", "parameters", "1", "explode"}, true},
		{[]string{"paths", "/pets", "get", "responses", "200", "content", "application/xml", "schema", "type"}, "array"},
		{[]string{"paths", "/pets", "get", "responses", "200", "headers", "X-Next", "schema", "type"}, "string"},
		{[]string{"paths", "/pets", "get", "responses", "404", "$ref"}, "#/components/responses/NotFound"},
		{[]string{"paths", "/pets", "post", "requestBody", "$ref"}, "#/components/requestBodies/PetBody"},
		{[]string{"paths", "/pets", "post", "consumes"}, nil},
		{[]string{"paths", "/pets/{id}", "parameters", "0", "schema", "type"}, "string"},
		{[]string{"paths", "/pets/{id}", "put", "requestBody", "content", "application/json", "schema", "$ref"}, "#/components/schemas/Pet"},
		{[]string{"paths", "/pets/{id}", "put", "requestBody", "required"}, true},
		{[]string{"paths", "/pets/{id}/photo", "post", "requestBody", "content", "multipart/form-data", "schema", "properties", "file", "format"}, "binary"},
		{[]string{"paths", "/pets/{id}/photo", "post", "requestBody", "content", "multipart/form-data", "schema", "required", "0"}, "file"},
		{[]string{"paths", "/pets/{id}/photo", "post", "parameters", "0", "name"}, "id"},
		{[]string{"x-amazon-apigateway-binary-media-types", "0"}, "image/jpeg"},
	} {
		if got := get(tc.path...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", strings.Join(tc.path, "."), got, tc.want)
		}
	}
}

func TestExportOAS30Errors(t *testing.T) {
	t.Parallel()
	if _, err := ExportOAS30(nil, nil, testServer); err == nil {
		t.Error("an export of nothing succeeded")
	}
	var de *DefinitionError
	if _, err := ExportOAS30(nil, []byte("{\"openapi\": "), testServer); !errors.As(err, &de) {
		t.Errorf("a malformed document: %v", err)
	}
	// A document with no info still gets one, from the definition.
	out, err := ExportOAS30(&Definition{Protocol: HTTP, Title: "named"}, []byte(`{"openapi": "3.0.1"}`), testServer)
	if err != nil || !strings.Contains(string(out), `"title": "named"`) || !strings.Contains(string(out), `"paths": {}`) {
		t.Errorf("%v\n%s", err, out)
	}
}

// TestExportOpenAPISpecValidator checks the exports with an independent
// validator, openapi-spec-validator, where the machine has it.
func TestExportOpenAPISpecValidator(t *testing.T) {
	t.Parallel()
	if err := exec.Command("python3", "-c", "import openapi_spec_validator").Run(); err != nil {
		t.Skip("python3 with openapi-spec-validator is not installed")
	}
	dir := t.TempDir()
	var files []string
	for _, tc := range []struct {
		file  string
		proto Protocol
	}{
		{"sam_rest_swagger.json", REST}, {"sam_rest_swagger_anchors.yaml", REST}, {"sam_rest_oas3.yaml", REST},
		{"sam_http.json", HTTP}, {"swagger_models.yaml", REST},
	} {
		doc := readTestdata(t, tc.file)
		def := mustParse(t, doc, tc.proto)
		for i, src := range [][]byte{doc, nil} {
			out, err := ExportOAS30(def, src, testServer)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, fmt.Sprintf("%s.%d.json", tc.file, i))
			if err := os.WriteFile(name, out, 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, name)
		}
	}
	script := `
import json, sys
from openapi_spec_validator import validate
bad = 0
for name in sys.argv[1:]:
    try:
        validate(json.load(open(name)))
    except Exception as e:
        bad += 1
        print(name, str(e)[:500])
sys.exit(1 if bad else 0)
`
	if out, err := exec.Command("python3", append([]string{"-c", script}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("openapi-spec-validator: %v\n%s", err, out)
	}
}
