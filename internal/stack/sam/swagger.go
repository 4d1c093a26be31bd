package sam

import (
	"strings"
)

// REST (Swagger 2.0 / OpenAPI 3) document edits, after the translator's
// SwaggerEditor.

func swaggerSkeleton() map[string]any {
	return map[string]any{
		"swagger": "2.0",
		"info":    map[string]any{"version": "1.0", "title": ref("AWS::StackName")},
		"paths":   map[string]any{},
	}
}

// isSwagger is SwaggerEditor.is_valid: a paths map and either a swagger
// version or an OpenAPI 3 one.
func isSwagger(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	if _, ok := m["paths"].(map[string]any); !ok {
		return false
	}
	if truthy(m["swagger"]) {
		return true
	}
	if truthy(m["openapi"]) {
		return isOpenAPI3(pyStr(m["openapi"]))
	}
	return false
}

// isOpenAPI3Doc is how the editor decides between a Swagger body parameter
// and an OpenAPI 3 requestBody.
func isOpenAPI3Doc(doc map[string]any) bool {
	if doc["swagger"] != nil {
		return false
	}
	return doc["openapi"] != nil && isOpenAPI3(pyStr(doc["openapi"]))
}

// addLambdaIntegration adds the aws_proxy integration that invokes a
// function to path and method.
func (e editor) addLambdaIntegration(path, method string, uri any) error {
	method = normalizeMethod(method)
	if ok, err := e.hasIntegration(path, method); err != nil {
		return err
	} else if ok {
		return e.loc.errf("a Lambda integration already exists on path %s, method %s", path, method)
	}
	if err := e.addPath(path, method); err != nil {
		return err
	}
	items, err := e.pathItems(path)
	if err != nil {
		return err
	}
	for _, item := range items {
		def, ok := item[method].(map[string]any)
		if !ok {
			return e.loc.at("paths", path, method).errf("the definition of method %s for path %s must be a map", method, path)
		}
		def[extIntegration] = map[string]any{"type": "aws_proxy", "httpMethod": "POST", "uri": uri}
		if _, ok := def["responses"]; !ok {
			def["responses"] = map[string]any{}
		}
	}
	return nil
}

// restLambdaURI is the integration URI the translator writes for a REST API: the
// partition is spelled out, as its ArnGenerator does for commercial regions.
func restLambdaURI(fn string) map[string]any {
	return sub("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + fn + ".Arn}/invocations")
}

// setMethodAuthorizer appends an event's authorizer to the method's
// security, with the event's scopes or else the authorizer's own.
func (e editor) setMethodAuthorizer(path, method, name string, authorizers map[string]any, scopes any, hasScopes bool) error {
	defs, err := e.methodDefs(path, method, true)
	if err != nil {
		return err
	}
	for _, def := range defs {
		requirement := map[string]any{name: []any{}}
		existing, err := e.security(def, path, method)
		if err != nil {
			return err
		}
		security := append(append([]any{}, existing...), requirement)
		if name != "NONE" && len(authorizers) > 0 {
			a, ok := authorizers[name]
			if !ok {
				a = map[string]any{}
			}
			am, ok := a.(map[string]any)
			if !ok {
				return e.loc.errf("the authorizer %s must be a map", name)
			}
			s, ok := am["AuthorizationScopes"]
			if hasScopes {
				s, ok = scopes, true
			}
			if _, defined := authorizers[name]; defined && ok && s != nil {
				requirement[name] = clone(s)
			}
		}
		def["security"] = security
	}
	return nil
}

// setMethodAPIKey marks a method as requiring an API key or, when an event
// says it does not, leaves the api_key_false marker that keeps the API's
// default off it.
func (e editor) setMethodAPIKey(path, method string, required bool) error {
	defs, err := e.methodDefs(path, method, true)
	if err != nil {
		return err
	}
	for _, def := range defs {
		key := "api_key_false"
		if required {
			key = "api_key"
			if err := e.addAPIKeyDefinition(); err != nil {
				return err
			}
		}
		existing, err := e.security(def, path, method)
		if err != nil {
			return err
		}
		def["security"] = append(append([]any{}, existing...), map[string]any{key: []any{}})
	}
	return nil
}

func (e editor) addAPIKeyDefinition() error {
	defs, err := e.section("securityDefinitions")
	if err != nil {
		return err
	}
	if _, ok := defs["api_key"]; !ok {
		defs["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
	}
	return nil
}

// setPathDefaultAuthorizer gives every integrated method of path the
// default authorizer, unless the method already names an authorizer or
// opted out with NONE. OPTIONS methods get it too unless addToPreflight is
// off: the translator's well-known CORS trap, reproduced on purpose.
func (e editor) setPathDefaultAuthorizer(path, def string, authorizers map[string]*restAuthorizer, addToPreflight bool) error {
	methods, err := e.integratedMethods(path, "summary", "description", "parameters")
	if err != nil {
		return err
	}
	names := map[string]bool{"AWS_IAM": true}
	for n := range authorizers {
		names[n] = true
	}
	for _, m := range methods {
		if !addToPreflight && m.name == "options" {
			continue
		}
		existing, err := e.security(m.def, path, m.name)
		if err != nil {
			return err
		}
		var others, auths []any
		for _, s := range existing {
			if anyKey(s.(map[string]any), names) {
				auths = append(auths, s)
			} else {
				others = append(others, s)
			}
		}
		none := -1
		for i, s := range others {
			if _, ok := s.(map[string]any)["NONE"]; ok {
				none = i
				break
			}
		}
		var chosen []any
		switch {
		case none >= 0:
			others = append(others[:none:none], others[none+1:]...)
		case len(auths) > 0:
			chosen = auths
		default:
			scopes := any([]any{})
			if a := authorizers[def]; a != nil && a.scopes != nil {
				scopes = clone(a.scopes)
			}
			chosen = []any{map[string]any{def: scopes}}
		}
		if security := append(others, chosen...); len(security) > 0 {
			m.def["security"] = security
		}
	}
	return nil
}

func anyKey(m map[string]any, names map[string]bool) bool {
	for k := range m {
		if names[k] {
			return true
		}
	}
	return false
}

// setPathDefaultAPIKey requires an API key on every integrated method of
// path that did not opt out, OPTIONS included unless requiredOnOptions is
// off.
func (e editor) setPathDefaultAPIKey(path string, requiredOnOptions bool) error {
	methods, err := e.integratedMethods(path, "summary", "description", "parameters")
	if err != nil {
		return err
	}
	for _, m := range methods {
		existing, err := e.security(m.def, path, m.name)
		if err != nil {
			return err
		}
		var others, keys []any
		for _, s := range existing {
			sm := s.(map[string]any)
			_, key := sm["api_key"]
			_, keyFalse := sm["api_key_false"]
			if key || keyFalse {
				keys = append(keys, s)
			} else {
				others = append(others, s)
			}
		}
		optOut := -1
		for i, s := range keys {
			if _, ok := s.(map[string]any)["api_key_false"]; ok {
				optOut = i
				break
			}
		}
		var required []any
		if optOut < 0 {
			required = []any{map[string]any{"api_key": []any{}}}
		}
		security := append(append([]any{}, others...), required...)
		if m.name == "options" && !requiredOnOptions {
			security = others
		}
		if !sameSecurity(security, existing) {
			if security == nil {
				security = []any{}
			}
			m.def["security"] = security
		}
	}
	return nil
}

// sameSecurity compares two requirement lists by their names and scopes,
// the way Python's list equality does.
func sameSecurity(a, b []any) bool {
	return contentHash(nonNil(a)) == contentHash(nonNil(b))
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// addRequestParameters documents a method's parameters and marks the
// cached ones as cache keys of its integration.
func (e editor) addRequestParameters(path, method string, params []requestParameter) error {
	defs, err := e.methodDefs(path, method, true)
	if err != nil {
		return err
	}
	for _, def := range defs {
		existing, _ := def["parameters"].([]any)
		for _, p := range params {
			where, name, _ := strings.Cut(strings.TrimPrefix(p.name, "method.request."), ".")
			if where == "querystring" {
				where = "query"
			}
			existing = append(existing, map[string]any{"in": where, "name": name, "required": clone(p.required), "type": "string"})
			if truthy(p.caching) {
				integ, ok := def[extIntegration].(map[string]any)
				if !ok {
					return e.loc.at("paths", path, method).errf("the integration of method %s for path %s must be a map", method, path)
				}
				keys, _ := integ["cacheKeyParameters"].([]any)
				integ["cacheKeyParameters"] = append(keys, p.name)
			}
		}
		def["parameters"] = existing
	}
	return nil
}

type requestParameter struct {
	name              string
	required, caching any
}

// addRequestModel documents a method's request body schema: a body
// parameter in Swagger, a requestBody in OpenAPI 3.
func (e editor) addRequestModel(path, method, model string, required any, hasRequired bool) error {
	defs, err := e.methodDefs(path, method, true)
	if err != nil {
		return err
	}
	name := strings.ToLower(model)
	for _, def := range defs {
		if e.doc["swagger"] != nil {
			params, _ := def["parameters"].([]any)
			p := map[string]any{"in": "body", "name": name, "schema": map[string]any{"$ref": "#/definitions/" + name}}
			if hasRequired {
				p["required"] = clone(required)
			}
			def["parameters"] = append(params, p)
		} else if isOpenAPI3Doc(e.doc) {
			rb := map[string]any{"content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"$ref": "#/components/schemas/" + name}}}}
			if hasRequired {
				rb["required"] = clone(required)
			}
			def["requestBody"] = rb
		}
	}
	return nil
}

// validatorName is the translator's name for a validator with these
// settings.
func validatorName(body, params bool) string {
	switch {
	case body && params:
		return "body-and-params"
	case body:
		return "body-only"
	case params:
		return "params-only"
	}
	return "no-validation"
}

// addRequestValidator names the validator a method uses and defines it
// in the document, unless a validator of that name is defined already.
func (e editor) addRequestValidator(path, method string, v validator) error {
	validators, err := e.section("x-amazon-apigateway-request-validators")
	if err != nil {
		return err
	}
	if !truthy(validators[v.name]) {
		validators[v.name] = map[string]any{"validateRequestBody": v.body, "validateRequestParameters": v.params}
	}
	defs, err := e.methodDefs(path, method, true)
	if err != nil {
		return err
	}
	for _, def := range defs {
		def["x-amazon-apigateway-request-validator"] = v.name
	}
	return nil
}

// openAPIPostprocess moves a Swagger-shaped document generated for an
// OpenAPI 3 API into OpenAPI 3 form: security definitions and models into
// components, and the CORS OPTIONS methods' produces/consumes dropped and
// their header types wrapped in a schema. The translator runs this once per
// feature that edits the document (Auth, Models, and finally the body), and
// wraps the OPTIONS header types again on each run; the output keeps that
// ({"schema": {"schema": …}}) so that it is the translator's.
func openAPIPostprocess(doc map[string]any, openAPIVersion any, l loc) error {
	if doc["swagger"] != nil {
		return nil
	}
	version := openAPIVersion
	if doc["openapi"] != nil && openAPIVersion == nil {
		version = doc["openapi"]
	}
	if !truthy(version) || !isOpenAPI3(pyStr(version)) {
		return nil
	}
	for _, key := range []string{"securityDefinitions", "definitions"} {
		if !truthy(doc[key]) {
			continue
		}
		comps, _ := doc["components"].(map[string]any)
		if !truthy(doc["components"]) {
			comps = map[string]any{}
		} else if comps == nil {
			return l.at("components").errf("must be a map, not %s", describe(doc["components"]))
		}
		target := "securitySchemes"
		if key == "definitions" {
			target = "schemas"
		}
		comps[target] = doc[key]
		doc["components"] = comps
		delete(doc, key)
	}
	if !truthy(doc["paths"]) {
		return nil
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		return l.at("paths").errf("must be a map of paths")
	}
	for _, path := range sortedKeys(paths) {
		item, ok := paths[path].(map[string]any)
		if !ok {
			return l.at("paths", path).errf("the value of the path %s must be a map", path)
		}
		if !truthy(item["options"]) {
			continue
		}
		opts, ok := item["options"].(map[string]any)
		if !ok {
			return l.at("paths", path, "options").errf("the options method of path %s must be a map", path)
		}
		delete(opts, "produces")
		delete(opts, "consumes")
		responses, ok := opts["responses"]
		if !ok {
			continue
		}
		headers, err := dictDeepGet(responses, l.at("paths", path, "options", "responses"), "200", "headers")
		if err != nil {
			return err
		}
		if !truthy(headers) {
			continue
		}
		hm, ok := headers.(map[string]any)
		if !ok {
			return l.at("paths", path, "options", "responses", "200", "headers").errf("must be a map")
		}
		for _, h := range sortedKeys(hm) {
			hm[h] = map[string]any{"schema": hm[h]}
		}
	}
	return nil
}

// dictDeepGet follows keys through maps; a missing key gives nil, a
// non-map on the way an error.
func dictDeepGet(v any, l loc, keys ...string) (any, error) {
	cur := v
	for _, k := range keys {
		if cur == nil {
			return nil, nil
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, l.errf("must be a map, not %s", describe(cur))
		}
		l = l.at(k)
		cur = m[k]
	}
	return cur, nil
}
