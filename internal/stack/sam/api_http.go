package sam

// httpAPI is an AWS::Serverless::HttpApi, written or implicit (the
// ServerlessHttpApi that HttpApi events without ApiId share).
type httpAPI struct {
	samResource
	body     map[string]any
	bodyLoc  loc
	managed  bool
	implicit bool
}

func openAPISkeleton() map[string]any {
	return map[string]any{
		"openapi": "3.0.1",
		"info":    map[string]any{"version": "1.0", "title": ref("AWS::StackName")},
		"paths":   map[string]any{},
	}
}

// isOpenAPI is OpenApiEditor.is_valid: a paths map and an OpenAPI 3 version.
func isOpenAPI(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	if _, ok := m["paths"].(map[string]any); !ok || !truthy(m["openapi"]) {
		return false
	}
	return isOpenAPI3(pyStr(m["openapi"]))
}

func (a *httpAPI) adoptBody() error {
	if _, ok := a.local["DefinitionUri"]; ok {
		return a.loc.at("Properties", "DefinitionUri").unsupported("DefinitionUri (write the document inline in DefinitionBody)")
	}
	body := a.local["DefinitionBody"]
	if !truthy(body) {
		a.body, a.bodyLoc, a.managed = openAPISkeleton(), a.loc, true
		return nil
	}
	l := a.loc.at("Properties", "DefinitionBody")
	m, ok := body.(map[string]any)
	if !ok || isIntrinsic(body) {
		return l.errf("must be an OpenAPI document written inline, not %s", describe(body))
	}
	if !isOpenAPI(m) {
		return l.errf("must be an OpenAPI 3 document with openapi and paths")
	}
	a.body, a.bodyLoc = m, l
	return nil
}

func newImplicitHTTPAPI() *httpAPI {
	local := map[string]any{}
	return &httpAPI{
		samResource: samResource{id: "ServerlessHttpApi", res: map[string]any{"Type": "AWS::Serverless::HttpApi"},
			local: local, props: local, section: "HttpApi"},
		body: openAPISkeleton(), managed: true, implicit: true,
	}
}

func httpAPIProps() []string {
	return []string{"Name", "StageName", "Tags", "PropagateTags", "DefinitionBody", "DefinitionUri",
		"StageVariables", "CorsConfiguration", "AccessLogSettings", "DefaultRouteSettings", "Auth",
		"RouteSettings", "Domain", "FailOnWarnings", "Description", "DisableExecuteApiEndpoint"}
}

func (t *transformer) checkHTTPAPI(a *httpAPI) error {
	p := a.p()
	if err := p.only("AWS::Serverless::HttpApi", httpAPIProps()...); err != nil {
		return err
	}
	for _, k := range []string{"Domain", "DisableExecuteApiEndpoint"} {
		if p.has(k) {
			return p.keyLoc(k).unsupported(k)
		}
	}
	for _, k := range []string{"Tags", "RouteSettings"} {
		if _, err := p.mapOf(k); err != nil {
			return err
		}
	}
	// Passed through to the stage, so an intrinsic is as good as a value.
	for _, k := range []string{"StageVariables", "AccessLogSettings", "DefaultRouteSettings"} {
		if v := p.m[k]; v != nil && !isMap(v) {
			return p.keyLoc(k).errf("must be a map, not %s", describe(v))
		}
	}
	if err := p.strOrIntrinsic("StageName"); err != nil {
		return err
	}
	auth, err := p.mapOf("Auth")
	if err != nil || auth == nil {
		return err
	}
	ap := props{m: auth, loc: p.keyLoc("Auth")}
	if err := ap.only("an HTTP API's Auth", "Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"); err != nil {
		return err
	}
	if truthy(auth["EnableIamAuthorizer"]) {
		return ap.loc.at("EnableIamAuthorizer").unsupported("IAM (AWS_IAM) authorization")
	}
	return nil
}

func (t *transformer) translateHTTPAPI(a *httpAPI) error {
	p := a.p()
	ed := editor{doc: a.body, loc: a.bodyLoc}
	if err := t.httpCors(a, ed); err != nil {
		return err
	}
	auth, _ := p.mapOf("Auth")
	var authorizers map[string]*httpAuthorizer
	if truthy(auth) {
		l := p.keyLoc("Auth")
		var err error
		if authorizers, err = httpAuthorizers(auth["Authorizers"], l.at("Authorizers")); err != nil {
			return err
		}
		if len(authorizers) > 0 {
			schemes, err := ed.section("components", "securitySchemes")
			if err != nil {
				return err
			}
			for _, name := range sortedKeys(authorizers) {
				if schemes[name], err = authorizers[name].openAPI(); err != nil {
					return err
				}
			}
		}
		if err := httpDefaultAuthorizer(ed, auth["DefaultAuthorizer"], authorizers, l.at("DefaultAuthorizer")); err != nil {
			return err
		}
	}

	// Tags go into the document as x-amazon-apigateway-tag-value tags, with
	// the translator's httpapi:createdBy marker, and onto the stage.
	tags, _ := p.mapOf("Tags")
	if tags == nil {
		tags = map[string]any{}
	}
	tags["httpapi:createdBy"] = "SAM"
	if err := addOpenAPITags(ed, tags); err != nil {
		return err
	}

	if name := a.props["Name"]; truthy(name) {
		info, err := ed.section("info")
		if err != nil {
			return err
		}
		title, ok := info["title"].(map[string]any)
		if !ok || len(title) != 1 || title["Ref"] != "AWS::StackName" {
			return p.keyLoc("Name").errf("cannot set the API's name: DefinitionBody's info.title must be !Ref AWS::StackName for Name to replace it")
		}
		info["title"] = clone(name)
	}
	if d := a.props["Description"]; truthy(d) {
		info, err := ed.section("info")
		if err != nil {
			return err
		}
		if truthy(info["description"]) {
			return p.keyLoc("Description").errf("cannot set the API's description: DefinitionBody already sets info.description")
		}
		info["description"] = clone(d)
	}
	// With FailOnWarnings API Gateway refuses a path not starting with /,
	// so the translator renames $default; it does nothing otherwise, to
	// stay compatible with older stacks.
	if truthy(a.props["FailOnWarnings"]) {
		if paths, err := ed.paths(); err == nil {
			if v, ok := paths["$default"]; ok {
				delete(paths, "$default")
				paths["/$default"] = v
			}
		}
	}

	api := resource("AWS::ApiGatewayV2::Api", map[string]any{"Body": a.body})
	if fw := a.props["FailOnWarnings"]; truthy(fw) {
		api["Properties"].(map[string]any)["FailOnWarnings"] = clone(fw)
	}
	a.attrs(api)
	a.dependsOn(api)
	if err := t.add(a.id, api, a.loc, a.id); err != nil {
		return err
	}

	for _, name := range sortedKeys(authorizers) {
		au := authorizers[name]
		if !au.lambda() || au.m["EnableFunctionDefaultPermissions"] != true {
			continue
		}
		perm := resource("AWS::Lambda::Permission", map[string]any{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": clone(au.m["FunctionArn"]),
			"Principal":    "apigateway.amazonaws.com",
			"SourceArn": subWith("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*",
				map[string]any{"__ApiId__": ref(a.id)}),
		})
		a.passthrough(perm)
		if err := t.add(a.id+name+"AuthorizerPermission", perm, au.loc, a.id); err != nil {
			return err
		}
	}

	stageName := a.props["StageName"]
	if !truthy(stageName) {
		stageName = "$default"
	}
	stageID := stageLogicalID(a.id, stageName)
	if stageName == "$default" {
		stageID = a.id + "ApiGatewayDefaultStage"
	}
	sp := map[string]any{"ApiId": ref(a.id), "StageName": clone(stageName), "AutoDeploy": true, "Tags": clone(tags)}
	for _, k := range []string{"StageVariables", "AccessLogSettings", "DefaultRouteSettings", "RouteSettings"} {
		if v, ok := a.props[k]; ok && v != nil {
			sp[k] = clone(v)
		}
	}
	stage := resource("AWS::ApiGatewayV2::Stage", sp)
	a.passthrough(stage)
	if err := t.add(stageID, stage, a.loc, a.id); err != nil {
		return err
	}
	t.addRef(a.id, "Stage", stageID)
	return nil
}

// httpDefaultAuthorizer secures every integrated method that has no
// security of its own with the default authorizer and its scopes.
func httpDefaultAuthorizer(ed editor, def any, authorizers map[string]*httpAuthorizer, l loc) error {
	if !truthy(def) || isNoValue(def) {
		return nil
	}
	name, ok := def.(string)
	if !ok {
		return l.errf("must be the name of an authorizer, not %s", describe(def))
	}
	a := authorizers[name]
	if a == nil {
		return l.errf("the default authorizer %s is not defined in Authorizers", name)
	}
	scopes := any([]any{})
	if s, ok := a.m["AuthorizationScopes"]; ok && s != nil {
		scopes = s
	}
	paths, err := ed.paths()
	if err != nil {
		return err
	}
	for _, path := range sortedKeys(paths) {
		items, err := ed.pathItems(path)
		if err != nil {
			return err
		}
		for _, item := range items {
			for _, method := range sortedKeys(item) {
				if m := normalizeMethod(method); m == "parameters" || m == "options" {
					continue
				}
				defs, err := ed.conditional(item[method])
				if err != nil {
					return err
				}
				for _, d := range defs {
					dm, ok := d.(map[string]any)
					if !ok {
						return ed.loc.at("paths", path, method).errf("the definition of method %s for path %s must be a map", method, path)
					}
					if !hasIntegrationDef(dm) || truthy(dm["security"]) {
						continue
					}
					dm["security"] = []any{map[string]any{name: clone(scopes)}}
				}
			}
		}
	}
	return nil
}

func addOpenAPITags(ed editor, tags map[string]any) error {
	var list []any
	if v, ok := ed.doc["tags"]; ok && truthy(v) {
		l, ok := v.([]any)
		if !ok {
			return ed.loc.at("tags").errf("must be a list of tags, not %s", describe(v))
		}
		list = l
	}
	for _, name := range tagOrder(tags) {
		found := false
		for _, e := range list {
			if m, ok := e.(map[string]any); ok && m["name"] == name {
				m["x-amazon-apigateway-tag-value"] = clone(tags[name])
				found = true
				break
			}
		}
		if !found {
			list = append(list, map[string]any{"name": name, "x-amazon-apigateway-tag-value": clone(tags[name])})
		}
	}
	if len(list) > 0 {
		ed.doc["tags"] = list
	}
	return nil
}

// tagOrder lists the author's tags in key order, then the translator's own
// marker, which it adds last. (The translator's order follows Python 2.7
// string hashes, which nothing else can reproduce or should depend on.)
func tagOrder(tags map[string]any) []string {
	var out []string
	for _, k := range sortedKeys(tags) {
		if k != "httpapi:createdBy" {
			out = append(out, k)
		}
	}
	return append(out, "httpapi:createdBy")
}

func (a *httpAPI) editor() editor { return editor{doc: a.body, loc: a.bodyLoc} }
