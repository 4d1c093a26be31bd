package gateway

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// validatedDoc is a REST API whose POST /items has validator v (all, body,
// params) and a body model Item.
func validatedDoc(validator string) []byte {
	return api(`"x-amazon-apigateway-request-validators": {
    "all": {"validateRequestBody": true, "validateRequestParameters": true},
    "body": {"validateRequestBody": true, "validateRequestParameters": false},
    "params": {"validateRequestBody": false, "validateRequestParameters": true}},
  "paths": {"/items": {
    "parameters": [{"name": "tenant", "in": "header", "required": true}],
    "post": {"x-amazon-apigateway-request-validator": "` + validator + `",
      "parameters": [{"name": "q", "in": "query", "required": true}, {"name": "opt", "in": "query"},
        {"$ref": "#/components/parameters/Trace"}],
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
      "x-amazon-apigateway-integration": LAMBDA}}},
  "components": {
    "parameters": {"Trace": {"name": "X-Trace", "in": "header", "required": true}},
    "schemas": {
    "Item": {"type": "object", "required": ["name", "price"], "additionalProperties": false,
      "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 5},
        "price": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "uniqueItems": true},
        "child": {"$ref": "#/components/schemas/Item"}}}}}`)
}

func TestRequestValidation(t *testing.T) {
	t.Parallel()
	const good = `{"name":"pen","price":1.5}`
	cases := []struct {
		validator, query, body, contentType string
		headers                             map[string]string
		typ, msg                            string
	}{
		{"all", "?q=1", good, "", map[string]string{"Tenant": "t", "X-Trace": "x"}, "", ""},
		{"all", "", good, "", map[string]string{"Tenant": "t"}, "BAD_REQUEST_PARAMETERS", "Missing required request parameters: [q, X-Trace]"},
		{"all", "", good, "", nil, "BAD_REQUEST_PARAMETERS", "Missing required request parameters: [tenant, q, X-Trace]"},
		{"all", "?q=", good, "", map[string]string{"tenant": "t", "x-trace": "x"}, "", ""},
		{"all", "?q=1", `{"name":"pen"}`, "", map[string]string{"Tenant": "t", "X-Trace": "x"}, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"pen","price":0}`, "application/json", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"toolong","price":1}`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"pen","price":1,"extra":1}`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"pen","price":1,"tags":["a","a"]}`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"pen","price":1,"tags":["a","c"]}`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"pen","price":1,"tags":["a","b"],"child":{"name":"x","price":2}}`, "", nil, "", ""},
		{"body", "", `{"name":"pen","price":1,"child":{"name":"x"}}`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `{"name":"pen","price":1} trailing`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `not json`, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", ``, "", nil, "BAD_REQUEST_BODY", "Invalid request body"},
		{"body", "", `not json`, "text/plain", nil, "", ""}, // no model for text/plain
		{"body", "", good, "application/json; charset=utf-8", nil, "", ""},
		{"params", "?q=1", `junk`, "", map[string]string{"Tenant": "t", "X-Trace": "x"}, "", ""},
	}
	for _, c := range cases {
		def := mustParse(t, validatedDoc(c.validator), REST)
		v := def.Routes[0].Validation
		if v == nil {
			t.Fatalf("%s: no validation compiled", c.validator)
		}
		r := httptest.NewRequest("POST", "/items"+c.query, strings.NewReader(c.body))
		if c.contentType != "" {
			r.Header.Set("Content-Type", c.contentType)
		}
		for k, val := range c.headers {
			r.Header.Set(k, val)
		}
		typ, msg := v.check(r, []byte(c.body))
		if typ != c.typ || msg != c.msg {
			t.Errorf("%s %s %s: got %s %q, want %s %q", c.validator, c.query, c.body, typ, msg, c.typ, c.msg)
		}
	}
}

func TestRequestValidatorDefinitions(t *testing.T) {
	t.Parallel()
	// Without a validator, required parameters are not enforced (as API
	// Gateway: SAM's RequestParameters Required alone emits none).
	def := mustParse(t, opDoc(`{"parameters": [{"name": "q", "in": "query", "required": true}], "x-amazon-apigateway-integration": LAMBDA}`), REST)
	if def.Routes[0].Validation != nil {
		t.Fatal("a route without a validator got validation")
	}
	// The API's default validator applies to every operation.
	def = mustParse(t, opDoc(`{"parameters": [{"name": "q", "in": "query", "required": true}], "x-amazon-apigateway-integration": LAMBDA}`,
		`"x-amazon-apigateway-request-validators": {"p": {"validateRequestParameters": true}}`,
		`"x-amazon-apigateway-request-validator": "p"`), REST)
	if v := def.Routes[0].Validation; v == nil || len(v.Params) != 1 || v.Params[0] != (RequiredParam{"query", "q"}) {
		t.Fatalf("default validator: %+v", def.Routes[0].Validation)
	}
	// Swagger 2.0 body parameters with consumes.
	sw := []byte(strings.ReplaceAll(`{"swagger": "2.0", "info": {"title": "t", "version": "1"},
  "x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}},
  "definitions": {"M": {"type": "object", "required": ["a"]}},
  "paths": {"/x": {"post": {"consumes": ["application/json", "application/vnd.x+json"], "x-amazon-apigateway-request-validator": "b",
    "parameters": [{"in": "body", "name": "M", "required": true, "schema": {"$ref": "https://apigateway.amazonaws.com/restapis/abc/models/M"}}],
    "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "URI"}}}}}`, "URI", testURI))
	def = mustParse(t, sw, REST)
	v := def.Routes[0].Validation
	if v == nil || v.Bodies["application/json"] == nil || v.Bodies["application/vnd.x+json"] == nil ||
		v.Bodies["application/json"].ValidateJSON([]byte(`{}`)) || !v.Bodies["application/json"].ValidateJSON([]byte(`{"a":1}`)) {
		t.Fatalf("swagger body model: %+v", v)
	}

	bad := map[string][]byte{
		"unknown validator": opDoc(`{"x-amazon-apigateway-request-validator": "nope", "x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"p": {"validateRequestParameters": true}}`),
		"unknown default": opDoc(`{"x-amazon-apigateway-integration": LAMBDA}`, `"x-amazon-apigateway-request-validator": "nope"`),
		"unknown setting": opDoc(`{"x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"p": {"validateEverything": true}}`),
		"dangling model": opDoc(`{"x-amazon-apigateway-request-validator": "b", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}, "x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}}`),
		"bad pattern": opDoc(`{"x-amazon-apigateway-request-validator": "b", "requestBody": {"content": {"application/json": {"schema": {"type": "string", "pattern": "("}}}}, "x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}}`),
		"bad type": opDoc(`{"x-amazon-apigateway-request-validator": "b", "requestBody": {"content": {"application/json": {"schema": {"type": "int"}}}}, "x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}}`),
		"required cookie": opDoc(`{"x-amazon-apigateway-request-validator": "p", "parameters": [{"name": "c", "in": "cookie", "required": true}], "x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"p": {"validateRequestParameters": true}}`),
	}
	for name, doc := range bad {
		_, err := ParseDefinition(doc, REST, testRegion, testAccount)
		var de *DefinitionError
		if !errors.As(err, &de) || de.Pointer == "" {
			t.Errorf("%s: got %v, want a DefinitionError with a pointer", name, err)
		}
	}
	http := []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "x-amazon-apigateway-request-validators": {"p": {"validateRequestParameters": true}}, "paths": {}}`)
	if _, err := ParseDefinition(http, HTTP, testRegion, testAccount); err == nil || !strings.Contains(err.Error(), "REST APIs") {
		t.Errorf("HTTP API with validators: %v", err)
	}
}

func TestSchemaKeywords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		schema, value string
		ok            bool
	}{
		{`{"type": "integer"}`, `3`, true},
		{`{"type": "integer"}`, `3.0`, true},
		{`{"type": "integer"}`, `3.5`, false},
		{`{"type": ["string", "null"]}`, `null`, true},
		{`{"type": "string", "nullable": true}`, `null`, true},
		{`{"type": "string"}`, `null`, false},
		{`{"type": "string", "pattern": "^[a-z]+$"}`, `"abc"`, true},
		{`{"type": "string", "pattern": "^[a-z]+$"}`, `"ab1"`, false},
		{`{"type": "string", "maxLength": 2}`, `"éé"`, true},
		{`{"multipleOf": 0.01}`, `19.99`, true},
		{`{"multipleOf": 0.01}`, `19.999`, false},
		{`{"maximum": 10, "exclusiveMaximum": true}`, `10`, false},
		{`{"exclusiveMaximum": 10}`, `9.99`, true},
		{`{"minimum": 1e400}`, `1e401`, true},
		{`{"enum": [1, "a", {"k": [true]}]}`, `1.0`, true},
		{`{"enum": [1, "a", {"k": [true]}]}`, `{"k": [true]}`, true},
		{`{"enum": [1, "a", {"k": [true]}]}`, `{"k": [false]}`, false},
		{`{"anyOf": [{"type": "string"}, {"type": "number"}]}`, `true`, false},
		{`{"oneOf": [{"type": "number"}, {"type": "integer"}]}`, `1`, false},
		{`{"oneOf": [{"type": "number"}, {"type": "integer"}]}`, `1.5`, true},
		{`{"not": {"type": "null"}}`, `null`, false},
		{`{"allOf": [{"minimum": 1}, {"maximum": 2}]}`, `3`, false},
		{`{"items": [{"type": "string"}], "additionalItems": false}`, `["a"]`, true},
		{`{"items": [{"type": "string"}], "additionalItems": false}`, `["a", 1]`, false},
		{`{"minProperties": 1}`, `{}`, false},
		{`{"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}`, `{"x-a": "1"}`, true},
		{`{"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}`, `{"y": "1"}`, false},
		{`{"title": "t", "format": "email", "example": 1}`, `"not an email"`, true},
	}
	for _, c := range cases {
		doc := opDoc(`{"x-amazon-apigateway-request-validator": "b", "requestBody": {"content": {"application/json": {"schema": `+c.schema+`}}}, "x-amazon-apigateway-integration": LAMBDA}`,
			`"x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}}`)
		s := mustParse(t, doc, REST).Routes[0].Validation.Bodies["application/json"]
		if got := s.ValidateJSON([]byte(c.value)); got != c.ok {
			t.Errorf("%s on %s: got %v, want %v", c.schema, c.value, got, c.ok)
		}
	}
}

// TestSchemaHostile: self-referring schemas and deep bodies end, and say
// no, rather than recursing without bound.
func TestSchemaHostile(t *testing.T) {
	t.Parallel()
	doc := opDoc(`{"x-amazon-apigateway-request-validator": "b", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}, "x-amazon-apigateway-integration": LAMBDA}`,
		`"x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}}`,
		`"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}}`)
	s := mustParse(t, doc, REST).Routes[0].Validation.Bodies["application/json"]
	if s.ValidateJSON([]byte(`{}`)) {
		t.Fatal("a $ref loop accepted a body")
	}
	doc = opDoc(`{"x-amazon-apigateway-request-validator": "b", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/N"}}}}, "x-amazon-apigateway-integration": LAMBDA}`,
		`"x-amazon-apigateway-request-validators": {"b": {"validateRequestBody": true}}`,
		`"components": {"schemas": {"N": {"type": "object", "properties": {"n": {"$ref": "#/components/schemas/N"}}}}}`)
	s = mustParse(t, doc, REST).Routes[0].Validation.Bodies["application/json"]
	deep := strings.Repeat(`{"n":`, 5000) + `{}` + strings.Repeat(`}`, 5000)
	if s.ValidateJSON([]byte(deep)) {
		t.Fatal("a body nested beyond the depth limit was accepted")
	}
	if !s.ValidateJSON([]byte(`{"n":{"n":{}}}`)) {
		t.Fatal("a shallow recursive body was refused")
	}
}
