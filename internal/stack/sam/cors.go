package sam

import (
	"slices"
	"strings"
)

// restCors adds the translator's OPTIONS mock method to every path of a
// REST API: an integration that answers 200 with the configured
// Access-Control-* headers, without calling the function.
func (t *transformer) restCors(a *restAPI, ed editor) error {
	p := a.p()
	v := a.props["Cors"]
	if !truthy(v) {
		return nil
	}
	l := p.keyLoc("Cors")
	origin, creds := any("'*'"), any(false)
	var headers, methods, maxAge any
	switch x := v.(type) {
	case string:
		origin = x
	case map[string]any:
		if isIntrinsic(x) {
			origin = x
			break
		}
		cp := props{m: x, loc: l}
		if err := cp.only("Cors", "AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials"); err != nil {
			return err
		}
		if o, ok := x["AllowOrigin"]; ok {
			origin = o
		}
		headers, methods, maxAge = x["AllowHeaders"], x["AllowMethods"], x["MaxAge"]
		if c, ok := x["AllowCredentials"]; ok {
			creds = c
		}
		// The translator copies a number through, and API Gateway then
		// refuses it as a mapping expression; say so where it was written.
		if _, isStr := maxAge.(string); maxAge != nil && !isStr && !isIntrinsic(maxAge) {
			return l.at("MaxAge").errf("must be a quoted string such as \"'600'\" (API Gateway reads it as a mapping expression), not %s", describe(maxAge))
		}
	default:
		return l.errf("must be an origin string or a map of CORS settings, not %s", describe(v))
	}
	if !isSwagger(ed.doc) {
		return l.errf("Cors needs a valid Swagger or OpenAPI 3 document in DefinitionBody")
	}
	if creds == true && origin == "'*'" {
		return l.errf(`AllowCredentials cannot be true when AllowOrigin is "'*'" or not set`)
	}
	if creds != true {
		creds = false
	}
	paths, err := ed.paths()
	if err != nil {
		return err
	}
	// API Gateway treats /a and /a/ as one resource, which can have one
	// OPTIONS method.
	done := map[string]bool{}
	for _, path := range sortedKeys(paths) {
		norm := path
		if path != "/" {
			norm = strings.TrimRight(path, "/")
		}
		if done[norm] {
			continue
		}
		done[norm] = true
		if err := ed.addCorsOptions(path, origin, headers, methods, maxAge, creds == true, l); err != nil {
			return err
		}
	}
	return nil
}

func (e editor) addCorsOptions(path string, origin, headers, methods, maxAge any, creds bool, l loc) error {
	items, err := e.pathItems(path)
	if err != nil {
		return err
	}
	for _, item := range items {
		if _, ok := item["options"]; ok {
			continue
		}
		if !truthy(origin) {
			return l.errf("a value for AllowOrigin is required")
		}
		if !truthy(methods) {
			// The translator computes this once, from the first branch of a
			// conditional path, and reuses it for the other.
			methods = "'" + corsMethods(item) + "'"
		}
		item["options"] = corsOptions(origin, headers, methods, maxAge, creds)
	}
	return nil
}

// corsMethods lists a path's methods for Access-Control-Allow-Methods:
// OPTIONS and whatever the path has, or every method under ANY. Like the
// translator it takes every key of the path item as a method.
func corsMethods(item map[string]any) string {
	var methods []string
	if _, ok := item[anyMethod]; ok {
		methods = []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}
	} else {
		for k := range item {
			methods = append(methods, strings.ToUpper(k))
		}
		methods = append(methods, "OPTIONS")
	}
	slices.Sort(methods)
	return strings.Join(slices.Compact(methods), ",")
}

func corsOptions(origin, headers, methods, maxAge any, creds bool) map[string]any {
	const prefix = "method.response.header."
	params := map[string]any{prefix + "Access-Control-Allow-Origin": clone(origin)}
	types := map[string]any{"Access-Control-Allow-Origin": map[string]any{"type": "string"}}
	if truthy(headers) {
		params[prefix+"Access-Control-Allow-Headers"] = clone(headers)
		types["Access-Control-Allow-Headers"] = map[string]any{"type": "string"}
	}
	if truthy(methods) {
		params[prefix+"Access-Control-Allow-Methods"] = clone(methods)
		types["Access-Control-Allow-Methods"] = map[string]any{"type": "string"}
	}
	if maxAge != nil {
		params[prefix+"Access-Control-Max-Age"] = clone(maxAge)
		types["Access-Control-Max-Age"] = map[string]any{"type": "integer"}
	}
	if creds {
		params[prefix+"Access-Control-Allow-Credentials"] = "'true'"
		types["Access-Control-Allow-Credentials"] = map[string]any{"type": "string"}
	}
	return map[string]any{
		"summary":  "CORS support",
		"consumes": []any{"application/json"},
		"produces": []any{"application/json"},
		extIntegration: map[string]any{
			"type":             "mock",
			"requestTemplates": map[string]any{"application/json": "{\n  \"statusCode\" : 200\n}\n"},
			"responses": map[string]any{"default": map[string]any{
				"statusCode":         "200",
				"responseParameters": params,
				"responseTemplates":  map[string]any{"application/json": "{}\n"},
			}},
		},
		"responses": map[string]any{"200": map[string]any{
			"description": "Default response for CORS method",
			"headers":     types,
		}},
	}
}

// httpCors writes an HTTP API's CorsConfiguration into the document's
// x-amazon-apigateway-cors, over whatever the document already says.
func (t *transformer) httpCors(a *httpAPI, ed editor) error {
	p := a.p()
	v := a.props["CorsConfiguration"]
	if !truthy(v) {
		return nil
	}
	l := p.keyLoc("CorsConfiguration")
	var origins, headers, methods, expose, maxAge any
	creds := any(false)
	switch x := v.(type) {
	case bool:
		origins = []any{"*"}
	case map[string]any:
		if isIntrinsic(x) {
			return l.errf("CorsConfiguration as an intrinsic function is not supported by gatehouse; write true or a map")
		}
		cp := props{m: x, loc: l}
		if err := cp.only("CorsConfiguration", "AllowMethods", "AllowHeaders", "AllowOrigins", "MaxAge",
			"ExposeHeaders", "AllowCredentials"); err != nil {
			return err
		}
		origins, headers, methods, expose, maxAge = x["AllowOrigins"], x["AllowHeaders"], x["AllowMethods"], x["ExposeHeaders"], x["MaxAge"]
		if c, ok := x["AllowCredentials"]; ok {
			creds = c
		}
	default:
		return l.errf("must be true or a map of CORS settings, not %s", describe(v))
	}
	if !isOpenAPI(ed.doc) {
		return l.errf("CorsConfiguration needs a valid OpenAPI 3 document in DefinitionBody")
	}
	if list, ok := origins.([]any); creds == true && ok && len(list) == 1 && list[0] == "*" {
		return l.errf(`AllowCredentials cannot be true when AllowOrigins is ["*"] or not set`)
	}
	cors, err := ed.section("x-amazon-apigateway-cors")
	if err != nil {
		return err
	}
	for _, kv := range []struct {
		key string
		v   any
	}{{"allowOrigins", origins}, {"allowHeaders", headers}, {"allowMethods", methods}, {"exposeHeaders", expose}} {
		if truthy(kv.v) {
			cors[kv.key] = clone(kv.v)
		}
	}
	if maxAge != nil {
		cors["maxAge"] = clone(maxAge)
	}
	if creds == true {
		cors["allowCredentials"] = true
	}
	return nil
}
