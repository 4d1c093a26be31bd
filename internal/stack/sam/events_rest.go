package sam

import "strings"

// restEvent grants API Gateway the right to invoke the function from this
// path and method of any stage, and wires the method to the function in
// the API's document when SAM manages it.
func (t *transformer) restEvent(f *function, ev *event) error {
	method := strings.ToLower(ev.method)
	suffix, err := t.stageSuffix(ev)
	if err != nil {
		return err
	}
	permID := f.id + ev.id + "Permission" + suffix
	if !isAlnum(suffix) {
		permID = hashedID(f.id+ev.id+"Permission", suffix)
	}
	verb := strings.ToUpper(method)
	if method == "any" {
		verb = "*"
	}
	path := wildcardParams(trimTrailingSlash(ev.path), true)
	arn := subWith("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/"+verb+path,
		map[string]any{"__ApiId__": clone(ev.apiRef), "__Stage__": "*"})
	if err := t.add(permID, permission(f, arn), ev.loc, f.id); err != nil {
		return err
	}
	api := ev.rest
	if api == nil {
		return nil
	}
	merge := truthy(api.props["MergeDefinitions"])
	if api.managed || merge {
		if err := t.restIntegration(f, ev, method, merge); err != nil {
			return err
		}
	} else {
		if defined, _ := (editor{doc: api.body, loc: api.bodyLoc}).hasPath(ev.path, method); !defined {
			t.warn(ev.loc, "SAM does not add this event's path to "+api.id+"'s DefinitionBody (it only manages documents it generates); the document must define "+
				strings.ToUpper(method)+" "+ev.path+" itself, or set MergeDefinitions")
		}
		for _, k := range []string{"RequestModel", "RequestParameters"} {
			if truthy(ev.p.m[k]) {
				t.warn(ev.p.keyLoc(k), k+" is ignored, as SAM ignores it on an API whose DefinitionBody the author writes: nothing is added to "+
					api.id+"'s document and nothing is validated; write it in the document, or set MergeDefinitions")
			}
		}
	}
	auth, _ := ev.p.mapOf("Auth")
	if truthy(auth) && truthy(auth["OverrideApiAuth"]) {
		if !truthy(auth["Authorizer"]) && !truthy(auth["ApiKeyRequired"]) {
			return ev.p.keyLoc("Auth").errf("OverrideApiAuth needs Authorizer or ApiKeyRequired")
		}
		ed := editor{doc: api.body, loc: api.bodyLoc}
		if err := t.restEventAuth(auth, api, ev, method, ed); err != nil {
			return err
		}
	}
	return nil
}

// stageSuffix is what the translator appends to a permission's logical ID:
// the API's stage name when it is a literal, else "Stage".
func (t *transformer) stageSuffix(ev *event) (string, error) {
	var p props
	switch {
	case ev.rest != nil:
		p = ev.rest.p()
	default:
		var err error
		raw, ok := ev.native["Properties"]
		if !ok {
			return "Stage", nil
		}
		if p, err = asProps(raw, loc{"Resources", ev.apiID, "Properties"}, "Properties"); err != nil {
			return "", err
		}
	}
	stage, ok := p.m["StageName"].(string)
	if !ok {
		return "Stage", nil
	}
	if stage == "" {
		return "", p.keyLoc("StageName").errf("StageName cannot be empty")
	}
	return stage, nil
}

func (t *transformer) restIntegration(f *function, ev *event, method string, merge bool) error {
	api := ev.rest
	ed := editor{doc: api.body, loc: api.bodyLoc}
	if merge {
		if method == "any" {
			return ev.p.keyLoc("Method").errf("Method ANY with MergeDefinitions is not supported by gatehouse: SAM writes the route under the key \"any\", which API Gateway does not route")
		}
		ed.doc = swaggerSkeleton()
	}
	if has, err := ed.hasIntegration(ev.path, method); err != nil {
		return err
	} else if has {
		return ev.loc.errf("API method %q defined multiple times for path %q", method, ev.path)
	}
	if _, err := api.p().mapOf("Auth"); err != nil {
		return err
	}
	if err := ed.addLambdaIntegration(ev.path, method, restLambdaURI(f.id)); err != nil {
		return err
	}
	auth, _ := ev.p.mapOf("Auth")
	if truthy(auth) {
		if err := t.restEventAuth(auth, api, ev, method, ed); err != nil {
			return err
		}
	}
	if v := ev.p.m["TimeoutInMillis"]; truthy(v) {
		if err := eachIntegration(ed, ev.path, method, func(integ map[string]any) { integ["timeoutInMillis"] = clone(v) }); err != nil {
			return err
		}
	}
	v, err := t.requestModel(api, ev, method, ed)
	if err != nil {
		return err
	}
	required, err := requestParameters(ev, method, ed)
	if err != nil {
		return err
	}
	t.warnUnenforced(ev, v, required)
	if merge {
		if err := mergedValidator(api, ev, method, v); err != nil {
			return err
		}
		return mergeDefinition(api, ed.doc, ev, method)
	}
	return nil
}

// validator is the request validator an event's RequestModel gives its
// method; the zero value is none.
type validator struct {
	name         string
	body, params bool
}

// warnUnenforced points out Required settings that no validator checks:
// API Gateway enforces RequestModel.Required only with ValidateBody and a
// parameter's Required only with ValidateParameters, and SAM adds no
// validator of its own.
func (t *transformer) warnUnenforced(ev *event, v validator, requiredParams bool) {
	model, _ := ev.p.mapOf("RequestModel")
	if truthy(model) && truthy(model["Model"]) && model["Required"] == true && !v.body {
		t.warn(ev.p.keyLoc("RequestModel").at("Required"), "RequestModel.Required is not enforced without ValidateBody: true "+
			"(API Gateway checks a request body only with a request validator, and SAM adds none)")
	}
	if requiredParams && !v.params {
		msg := "RequestParameters marked Required are not enforced without RequestModel.ValidateParameters: true " +
			"(API Gateway checks required parameters only with a request validator"
		if truthy(model) && truthy(model["Model"]) {
			msg += ")"
		} else {
			msg += ", which SAM adds only with a RequestModel.Model)"
		}
		t.warn(ev.p.keyLoc("RequestParameters"), msg)
	}
}

// mergedValidator checks, for MergeDefinitions, that the validator SAM
// names on the method is one the merged document defines: SAM builds the
// method on a document of its own and merges only the method, so the
// validator's definition is lost, and a method naming an undefined
// validator cannot be deployed. It also refuses a body model that
// gatehouse would not enforce: SAM writes it as a Swagger 2.0 body
// parameter, which an OpenAPI 3 document does not read.
func mergedValidator(api *restAPI, ev *event, method string, v validator) error {
	if v.name == "" {
		return nil
	}
	l := ev.p.keyLoc("RequestModel")
	defined := false
	if vs, ok := api.body["x-amazon-apigateway-request-validators"].(map[string]any); ok {
		_, defined = vs[v.name]
	}
	if !defined {
		return l.errf("with MergeDefinitions, SAM names the request validator %q on %s %s but does not add its definition to DefinitionBody; "+
			"define it there under x-amazon-apigateway-request-validators as {validateRequestBody: %t, validateRequestParameters: %t}",
			v.name, strings.ToUpper(method), ev.path, v.body, v.params)
	}
	if !v.body || api.body["swagger"] != nil {
		return nil
	}
	existing, err := dictDeepGet(api.body["paths"], api.bodyLoc.at("paths"), ev.path, method, "requestBody")
	if err != nil {
		return err
	}
	if existing == nil {
		return l.at("ValidateBody").errf("with MergeDefinitions on an OpenAPI 3 DefinitionBody, SAM writes the request model as a Swagger 2.0 body parameter, "+
			"which OpenAPI 3 does not read, so the body would not be validated; write a requestBody for %s %s in DefinitionBody",
			strings.ToUpper(method), ev.path)
	}
	return nil
}

// restEventAuth is the translator's add_auth_to_swagger: it checks an
// event's Auth against its API's and applies it to the method.
func (t *transformer) restEventAuth(auth map[string]any, api *restAPI, ev *event, method string, ed editor) error {
	al := ev.p.keyLoc("Auth")
	apiAuth, err := api.p().mapOf("Auth")
	if err != nil {
		return err
	}
	name := auth["Authorizer"]
	where := "on API method [" + method + "] for path [" + ev.path + "]"
	var authorizers map[string]any
	if truthy(name) {
		if v := apiAuth["Authorizers"]; truthy(v) {
			m, ok := v.(map[string]any)
			if !ok {
				return api.p().keyLoc("Auth").at("Authorizers").errf("must be a map of authorizers, not %s", describe(v))
			}
			authorizers = m
		}
		s, isStr := name.(string)
		switch {
		case s == "NONE":
			if !truthy(apiAuth["DefaultAuthorizer"]) {
				return al.at("Authorizer").errf("unable to set Authorizer %s: NONE is only valid when the API has a DefaultAuthorizer", where)
			}
		case !truthy(authorizers):
			return al.at("Authorizer").errf("unable to set Authorizer [%s] %s because the API does not define any Authorizers", pyStr(name), where)
		case !isStr:
			return al.at("Authorizer").errf("must be the name of one of the API's authorizers, not %s", describe(name))
		case !truthy(authorizers[s]):
			return al.at("Authorizer").errf("unable to set Authorizer [%s] %s because it is not defined in the API's Authorizers", s, where)
		}
	}
	scopes, hasScopes := auth["AuthorizationScopes"]
	hasScopes = hasScopes && scopes != nil
	if truthy(scopes) {
		if _, ok := scopes.([]any); !ok {
			return al.at("AuthorizationScopes").errf("must be a list, not %s", describe(scopes))
		}
		if !truthy(name) {
			return al.at("AuthorizationScopes").errf("AuthorizationScopes works only when Authorizer is set")
		}
	}
	key, hasKey := auth["ApiKeyRequired"]
	hasKey = hasKey && key != nil
	if hasKey && !truthy(key) && !truthy(apiAuth["ApiKeyRequired"]) {
		return al.at("ApiKeyRequired").errf("unable to set ApiKeyRequired false %s because the API does not require API keys", where)
	}
	if truthy(name) {
		if err := ed.setMethodAuthorizer(ev.path, method, name.(string), authorizers, scopes, hasScopes); err != nil {
			return err
		}
	}
	if hasKey {
		return ed.setMethodAPIKey(ev.path, method, truthy(key))
	}
	return nil
}

// requestModel is the translator's RequestModel handling: the body model
// on the method and, when ValidateBody or ValidateParameters is set, the
// request validator that enforces it.
func (t *transformer) requestModel(api *restAPI, ev *event, method string, ed editor) (validator, error) {
	var v validator
	model, _ := ev.p.mapOf("RequestModel")
	if !truthy(model) {
		return v, nil
	}
	ml := ev.p.keyLoc("RequestModel")
	name := model["Model"]
	vb, vp := model["ValidateBody"], model["ValidateParameters"]
	if !truthy(name) {
		if vb != nil || vp != nil {
			t.warn(ml, "ValidateBody and ValidateParameters are ignored without a Model, as SAM ignores them: the method gets no request validator")
		}
		return v, nil
	}
	where := "on API method [" + method + "] for path [" + ev.path + "]"
	models := api.props["Models"]
	switch {
	case !truthy(models):
		return v, ml.at("Model").errf("unable to set RequestModel [%s] %s because the API does not define any Models", pyStr(name), where)
	case !isIntrinsic(models) && !isMap(models):
		return v, ml.at("Model").errf("unable to set RequestModel [%s] %s because the API's Models are not a map", pyStr(name), where)
	}
	s, ok := name.(string)
	if !ok {
		return v, ml.at("Model").errf("must be the name of one of the API's Models, not %s", describe(name))
	}
	mm, _ := models.(map[string]any)
	if !truthy(mm[s]) {
		return v, ml.at("Model").errf("unable to set RequestModel [%s] %s because it is not defined in the API's Models", s, where)
	}
	req, hasReq := model["Required"]
	if err := ed.addRequestModel(ev.path, method, s, req, hasReq && req != nil); err != nil {
		return v, err
	}
	// As in the translator, setting either flag (even to false) gives the
	// method a validator, the unset one counting as false.
	if vb == nil && vp == nil {
		return v, nil
	}
	v = validator{body: vb == true, params: vp == true}
	v.name = validatorName(v.body, v.params)
	return v, ed.addRequestValidator(ev.path, method, v)
}

func isMap(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// requestParameters documents the event's RequestParameters on the method
// and reports whether any is required.
func requestParameters(ev *event, method string, ed editor) (required bool, err error) {
	list, _ := ev.p.listOf("RequestParameters")
	if !truthy(list) {
		return false, nil
	}
	l := ev.p.keyLoc("RequestParameters")
	var params []requestParameter
	for i, raw := range list {
		il := l.at(itoa(i))
		var name string
		settings := map[string]any{"Required": false, "Caching": false}
		switch x := raw.(type) {
		case string:
			name = x
		case map[string]any:
			if len(x) != 1 {
				return false, il.errf("a request parameter is one name with its settings, like method.request.header.Authorization: {Required: true}")
			}
			for k, v := range x {
				name = k
				vm, ok := v.(map[string]any)
				if !ok || isIntrinsic(v) {
					return false, il.at(k).errf("must be a map like {Required: true, Caching: false}, not %s", describe(v))
				}
				for sk, sv := range vm {
					if sk != "Required" && sk != "Caching" {
						return false, il.at(k, sk).errf("%s is not a request parameter setting (expected Required or Caching)", sk)
					}
					settings[sk] = sv
				}
			}
		default:
			return false, il.errf("must be a parameter name or a map of one, not %s", describe(raw))
		}
		if !strings.HasPrefix(name, "method.request.querystring.") && !strings.HasPrefix(name, "method.request.path.") &&
			!strings.HasPrefix(name, "method.request.header.") {
			return false, il.errf("a request parameter must be named method.request.querystring|path|header.NAME, not %q", name)
		}
		params = append(params, requestParameter{name: name, required: settings["Required"], caching: settings["Caching"]})
		// A path parameter is always there once the route matches.
		if settings["Required"] == true && !strings.HasPrefix(name, "method.request.path.") {
			required = true
		}
	}
	return required, ed.addRequestParameters(ev.path, method, params)
}

// mergeDefinition is MergeDefinitions: the generated method is merged into
// the author's, generated keys winning.
func mergeDefinition(api *restAPI, generated map[string]any, ev *event, method string) error {
	gen := generated["paths"].(map[string]any)[ev.path].(map[string]any)[normalizeMethod(method)].(map[string]any)
	paths, ok := api.body["paths"].(map[string]any)
	if !truthy(api.body["paths"]) {
		paths = map[string]any{}
		api.body["paths"] = paths
	} else if !ok {
		return api.bodyLoc.at("paths").errf("must be a map of paths")
	}
	existing, err := dictDeepGet(paths, api.bodyLoc.at("paths"), ev.path, method)
	if err != nil {
		return err
	}
	merged := map[string]any{}
	if existing != nil {
		em, ok := existing.(map[string]any)
		if !ok {
			return api.bodyLoc.at("paths", ev.path, method).errf("must be a map, not %s", describe(existing))
		}
		for k, v := range em {
			merged[k] = v
		}
	}
	for k, v := range gen {
		merged[k] = v
	}
	item, ok := paths[ev.path].(map[string]any)
	if !ok {
		item = map[string]any{}
		paths[ev.path] = item
	}
	item[method] = merged
	return nil
}
