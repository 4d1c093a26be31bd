package sam

import "strings"

// httpEvent grants API Gateway the right to invoke the function from this
// route, and wires the route to the function in the API's document, which
// SAM does for HTTP APIs whether or not it generated the document.
func (t *transformer) httpEvent(f *function, ev *event) error {
	method := strings.ToLower(ev.method)
	path := trimTrailingSlash(ev.path)
	api := ev.httpAPI
	skip := false
	if path == "$default" {
		path = ""
	} else if api != nil {
		// A function that already serves the $default route has a
		// permission covering every route; the translator adds no more.
		var err error
		if skip, err = servesDefault(api.editor(), f.id); err != nil {
			return err
		}
	}
	if !skip {
		path = wildcardParams(path, false)
		verb := strings.ToUpper(method)
		if method == "any" || method == anyMethod {
			verb = "*"
		}
		resource := "${__ApiId__}/${__Stage__}"
		if method == "any" && path == "/$default" {
			resource += path
		} else {
			resource += "/" + verb + path
		}
		arn := subWith("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"+resource,
			map[string]any{"__ApiId__": clone(ev.apiRef), "__Stage__": "*"})
		if err := t.add(f.id+ev.id+"Permission", permission(f, arn), ev.loc, f.id); err != nil {
			return err
		}
	}
	if api == nil {
		return nil
	}
	return t.httpIntegration(f, ev, api, method)
}

// servesDefault reports whether the $default route's integration invokes
// the function, by the ${Fn.Arn} in its URI as the translator reads it.
func servesDefault(ed editor, fn string) (bool, error) {
	has, err := ed.hasIntegration("$default", anyMethod)
	if err != nil || !has {
		return false, err
	}
	defs, err := ed.methodDefs("$default", anyMethod, false)
	if err != nil {
		return false, err
	}
	for _, d := range defs {
		integ, ok := d[extIntegration].(map[string]any)
		if !ok {
			if d[extIntegration] != nil {
				return false, ed.loc.at("paths", "$default", anyMethod, extIntegration).errf("must be a map")
			}
			integ = map[string]any{}
		}
		uri, ok := integ["uri"].(map[string]any)
		if !ok {
			return false, nil
		}
		contents, err := ed.conditional(uri)
		if err != nil {
			return false, err
		}
		for _, c := range contents {
			cm, _ := c.(map[string]any)
			s, _ := cm["Fn::Sub"].(string)
			if firstArnRef(s) != fn {
				return false, nil
			}
		}
	}
	return true, nil
}

// firstArnRef finds the first "<LogicalId>.Arn" in a string, as the
// translator's `([A-Za-z0-9]+\.Arn)` does, and returns the logical ID.
func firstArnRef(s string) string {
	isAlnumByte := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	for i := 0; i < len(s); {
		if !isAlnumByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isAlnumByte(s[j]) {
			j++
		}
		if strings.HasPrefix(s[j:], ".Arn") {
			return s[i:j]
		}
		i = j
	}
	return ""
}

func (t *transformer) httpIntegration(f *function, ev *event, api *httpAPI, method string) error {
	ed := api.editor()
	if api.managed {
		if has, err := ed.hasIntegration(ev.path, method); err != nil {
			return err
		} else if has {
			return ev.loc.errf("API method %q defined multiple times for path %q", method, ev.path)
		}
	}
	norm := normalizeMethod(method)
	has, err := ed.hasIntegration(ev.path, norm)
	if err != nil {
		return err
	}
	if !has {
		if err := ed.addPath(ev.path, norm); err != nil {
			return err
		}
		items, err := ed.pathItems(ev.path)
		if err != nil {
			return err
		}
		uri := sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + f.id + ".Arn}/invocations")
		for _, item := range items {
			if item[norm] == nil {
				item[norm] = map[string]any{}
			}
			def, ok := item[norm].(map[string]any)
			if !ok {
				return ed.loc.at("paths", ev.path, norm).errf("the definition of method %s for path %s must be a map", norm, ev.path)
			}
			def[extIntegration] = map[string]any{"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": clone(uri)}
			if ev.path == "$default" && norm == anyMethod {
				def["isDefaultRoute"] = true
			}
			if _, ok := def["responses"]; !ok {
				def["responses"] = map[string]any{}
			}
		}
	}
	auth, _ := ev.p.mapOf("Auth")
	if truthy(auth) {
		if err := httpEventAuth(auth, api, ev, method, ed); err != nil {
			return err
		}
	}
	if v := ev.p.m["TimeoutInMillis"]; truthy(v) {
		if err := eachIntegration(ed, ev.path, method, func(integ map[string]any) { integ["timeoutInMillis"] = clone(v) }); err != nil {
			return err
		}
	}
	if params := braceParams(ev.path); len(params) > 0 {
		defs, err := ed.methodDefs(ev.path, method, true)
		if err != nil {
			return err
		}
		for _, d := range defs {
			list, ok := d["parameters"].([]any)
			if !ok && d["parameters"] != nil {
				return ed.loc.at("paths", ev.path, norm, "parameters").errf("must be a list")
			}
			for _, name := range params {
				found := false
				for _, e := range list {
					if em, ok := e.(map[string]any); ok && em["name"] == name {
						em["in"], em["required"], found = "path", true, true
						break
					}
				}
				if !found {
					list = append(list, map[string]any{"name": name, "in": "path", "required": true})
				}
			}
			d["parameters"] = list
		}
	}
	if v := ev.p.m["PayloadFormatVersion"]; truthy(v) {
		if err := eachIntegration(ed, ev.path, method, func(integ map[string]any) { integ["payloadFormatVersion"] = clone(v) }); err != nil {
			return err
		}
	}
	return nil
}

func eachIntegration(ed editor, path, method string, fn func(map[string]any)) error {
	defs, err := ed.methodDefs(path, method, true)
	if err != nil {
		return err
	}
	for _, d := range defs {
		integ, ok := d[extIntegration].(map[string]any)
		if !ok {
			return ed.loc.at("paths", path, normalizeMethod(method), extIntegration).errf("must be a map")
		}
		fn(integ)
	}
	return nil
}

// braceParams is the translator's `{(.*?)}`: every {…} of a path, greedy
// markers included ({proxy+} gives "proxy+").
func braceParams(path string) []string {
	var out []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(path[i+1:], '}')
		if j < 0 {
			return out
		}
		out = append(out, path[i+1:i+1+j])
		path = path[i+1+j+1:]
	}
}

// httpEventAuth applies an HttpApi event's Auth: its authorizer (the API's
// default when it names none) and scopes.
func httpEventAuth(auth map[string]any, api *httpAPI, ev *event, method string, ed editor) error {
	al := ev.p.keyLoc("Auth")
	apiAuth, err := api.p().mapOf("Auth")
	if err != nil {
		return err
	}
	name := auth["Authorizer"]
	where := "on API method [" + method + "] for path [" + ev.path + "]"
	if !truthy(name) {
		if !truthy(apiAuth["DefaultAuthorizer"]) {
			return al.errf("Auth needs an Authorizer, or a DefaultAuthorizer on the HttpApi")
		}
		name = apiAuth["DefaultAuthorizer"]
		auth["Authorizer"] = name
	}
	authorizers, _ := apiAuth["Authorizers"].(map[string]any)
	s, isStr := name.(string)
	switch {
	case s == "NONE":
		if !truthy(apiAuth["DefaultAuthorizer"]) {
			return al.at("Authorizer").errf("unable to set Authorizer %s: NONE is only valid when the API has a DefaultAuthorizer", where)
		}
	case !isStr || (apiAuth["Authorizers"] != nil && authorizers == nil):
		return al.at("Authorizer").errf("must be the name of one of the API's authorizers, not %s", describe(name))
	case !truthy(authorizers):
		return al.at("Authorizer").errf("unable to set Authorizer [%s] %s because the API does not define any Authorizers", s, where)
	case !truthy(authorizers[s]):
		return al.at("Authorizer").errf("unable to set Authorizer [%s] %s because it is not defined in the API's Authorizers", s, where)
	}
	scopes := auth["AuthorizationScopes"]
	if truthy(scopes) {
		if _, ok := scopes.([]any); !ok {
			return al.at("AuthorizationScopes").errf("must be a list of scopes, not %s", describe(scopes))
		}
	}
	defs, err := ed.methodDefs(ev.path, method, true)
	if err != nil {
		return err
	}
	for _, d := range defs {
		requirement := map[string]any{s: []any{}}
		if s != "NONE" {
			a, ok := authorizers[s].(map[string]any)
			if !ok {
				return api.p().keyLoc("Auth").at("Authorizers", s).errf("must be a map")
			}
			methodScopes := a["AuthorizationScopes"]
			if truthy(scopes) {
				methodScopes = scopes
			}
			if truthy(methodScopes) {
				requirement[s] = clone(methodScopes)
			}
		}
		existing, err := ed.security(d, ev.path, method)
		if err != nil {
			return err
		}
		d["security"] = append(append([]any{}, existing...), requirement)
	}
	return nil
}
