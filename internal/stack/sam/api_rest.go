package sam

import (
	"strings"
)

// restAPI is an AWS::Serverless::Api, written or implicit (the
// ServerlessRestApi that Api events without RestApiId share).
type restAPI struct {
	samResource
	// body is the API's OpenAPI document, edited in place by events and
	// API features; bodyLoc is where problems in it are reported.
	body    map[string]any
	bodyLoc loc
	// managed is set when SAM generated the body (no DefinitionBody was
	// written): only then do Api events add their paths to it.
	managed  bool
	implicit bool
	// functionNames are the FunctionNames of functions whose events name
	// this API, part of the translator's deployment hash.
	functionNames []any
	// generated collects the resources the API expands to, for tags.
	generated []map[string]any
}

func (a *restAPI) adoptBody() error {
	if _, ok := a.local["DefinitionUri"]; ok {
		return a.loc.at("Properties", "DefinitionUri").unsupported("DefinitionUri (write the document inline in DefinitionBody)")
	}
	body, ok := a.local["DefinitionBody"]
	if !truthy(body) {
		a.body, a.bodyLoc, a.managed = swaggerSkeleton(), a.loc, true
		return nil
	}
	l := a.loc.at("Properties", "DefinitionBody")
	m, ok := body.(map[string]any)
	if !ok || isIntrinsic(body) {
		return l.errf("must be an OpenAPI document written inline, not %s", describe(body))
	}
	a.body, a.bodyLoc = m, l
	return nil
}

func newImplicitRestAPI() *restAPI {
	local := map[string]any{"StageName": "Prod"}
	return &restAPI{
		samResource: samResource{id: "ServerlessRestApi", res: map[string]any{"Type": "AWS::Serverless::Api"},
			local: local, props: local, section: "Api"},
		body: swaggerSkeleton(), managed: true, implicit: true,
	}
}

// restAPIProps is what AWS::Serverless::Api accepts. Refused ones are
// checked separately, so that the error says why.
func restAPIProps() []string {
	return []string{"Name", "StageName", "Tags", "PropagateTags", "DefinitionBody", "DefinitionUri",
		"MergeDefinitions", "CacheClusterEnabled", "CacheClusterSize", "Variables", "EndpointConfiguration",
		"MethodSettings", "BinaryMediaTypes", "MinimumCompressionSize", "Cors", "Auth", "GatewayResponses",
		"AccessLogSetting", "CanarySetting", "TracingEnabled", "OpenApiVersion", "Models", "Domain",
		"FailOnWarnings", "Description", "Mode", "DisableExecuteApiEndpoint", "ApiKeySourceType", "AlwaysDeploy",
		"Policy", "SecurityPolicy", "EndpointAccessMode"}
}

func (t *transformer) checkRestAPI(a *restAPI) error {
	p := a.p()
	if err := p.only("AWS::Serverless::Api", restAPIProps()...); err != nil {
		return err
	}
	refused := map[string]string{
		"CanarySetting":             "CanarySetting (canary deployments)",
		"Domain":                    "Domain (custom domain names)",
		"DisableExecuteApiEndpoint": "DisableExecuteApiEndpoint",
		"Policy":                    "Policy (API resource policies)",
	}
	for _, k := range sortedKeys(refused) {
		if p.has(k) {
			return p.keyLoc(k).unsupported(refused[k])
		}
	}
	if p.has("AlwaysDeploy") {
		t.warn(p.keyLoc("AlwaysDeploy"), "AlwaysDeploy is ignored: gatehouse redeploys an API whenever its document or stage changes")
	}
	if err := checkRestAuth(p); err != nil {
		return err
	}
	if _, _, err := p.boolOf("MergeDefinitions"); err != nil {
		return err
	}
	for _, k := range []string{"GatewayResponses", "Models", "Tags"} {
		if _, err := p.mapOf(k); err != nil {
			return err
		}
	}
	// Passed through to the stage, so an intrinsic is as good as a value.
	if v := p.m["Variables"]; v != nil && !isMap(v) {
		return p.keyLoc("Variables").errf("must be a map, not %s", describe(v))
	}
	if v := p.m["MethodSettings"]; v != nil && !isIntrinsic(v) {
		if _, err := p.listOf("MethodSettings"); err != nil {
			return err
		}
	}
	stage, ok := a.props["StageName"]
	if !ok || stage == nil {
		return a.loc.at("Properties").errf("StageName is required")
	}
	if err := p.strOrIntrinsic("StageName"); err != nil {
		return err
	}
	if v := a.props["OpenApiVersion"]; truthy(v) && !isSupportedVersion(pyStr(v)) {
		return p.keyLoc("OpenApiVersion").errf("must look like 3.0.1 (or 2.0), not %s", pyStr(v))
	}
	return nil
}

func (t *transformer) translateRestAPI(a *restAPI) error {
	p := a.p()
	ed := editor{doc: a.body, loc: a.bodyLoc}
	var authorizers map[string]*restAuthorizer
	if auth, _ := p.mapOf("Auth"); truthy(auth) {
		var err error
		if authorizers, err = t.restAuthorizers(auth["Authorizers"], p.keyLoc("Auth").at("Authorizers")); err != nil {
			return err
		}
	}
	if err := t.restCors(a, ed); err != nil {
		return err
	}
	if err := t.restAuth(a, ed, authorizers); err != nil {
		return err
	}
	if err := gatewayResponses(a, ed); err != nil {
		return err
	}
	if bmt := a.props["BinaryMediaTypes"]; truthy(bmt) {
		a.body["x-amazon-apigateway-binary-media-types"] = unescapeSlashes(clone(bmt))
	}
	if err := models(a, ed); err != nil {
		return err
	}
	if err := openAPIPostprocess(a.body, a.props["OpenApiVersion"], a.bodyLoc); err != nil {
		return err
	}

	api := resource("AWS::ApiGateway::RestApi", map[string]any{"Body": a.body})
	a.attrs(api)
	a.dependsOn(api)
	rp := api["Properties"].(map[string]any)
	if v, ok := a.props["BinaryMediaTypes"]; ok && v != nil {
		rp["BinaryMediaTypes"] = clone(v)
	}
	if v, ok := a.props["MinimumCompressionSize"]; ok && v != nil {
		rp["MinimumCompressionSize"] = clone(v)
	}
	if ec := a.props["EndpointConfiguration"]; truthy(ec) {
		endpointConfiguration(rp, ec)
	}
	for _, k := range []string{"FailOnWarnings", "Name", "Description", "Mode", "ApiKeySourceType", "SecurityPolicy", "EndpointAccessMode"} {
		if v := a.props[k]; truthy(v) {
			rp[k] = clone(v)
		}
	}
	if err := t.add(a.id, api, a.loc, a.id); err != nil {
		return err
	}
	a.generated = append(a.generated, api)

	stageName := a.props["StageName"]
	stageID := stageLogicalID(a.id, stageName)
	stage := resource("AWS::ApiGateway::Stage", map[string]any{"RestApiId": ref(a.id), "StageName": clone(stageName)})
	sp := stage["Properties"].(map[string]any)
	for _, k := range []string{"CacheClusterEnabled", "CacheClusterSize", "Variables", "MethodSettings", "AccessLogSetting", "TracingEnabled"} {
		if v, ok := a.props[k]; ok && v != nil {
			sp[k] = clone(v)
		}
	}
	if tags, ok := a.props["Tags"].(map[string]any); ok {
		sp["Tags"] = tagList(tags)
	}
	a.passthrough(stage)

	// The deployment's ID carries a hash of what it deploys, so that a new
	// document or stage gives a new deployment, as CloudFormation needs.
	// Hashing Python's str() of the body cannot be reproduced here, so the
	// ten hex digits differ from the translator's; the rule is the same.
	hashInput := map[string]any{"Body": a.body, "Stage": sp}
	if v := a.props["OpenApiVersion"]; truthy(v) {
		hashInput["OpenApiVersion"] = v
	}
	if len(a.functionNames) > 0 {
		hashInput["FunctionNames"] = a.functionNames
	}
	digest := contentHash(hashInput)
	deploymentID := a.id + "Deployment" + digest[:10]
	deployment := resource("AWS::ApiGateway::Deployment", map[string]any{
		"RestApiId":   ref(a.id),
		"Description": "RestApi deployment id: " + digest,
	})
	// Without OpenApiVersion the translator also names a stage on the
	// deployment, which makes API Gateway create an extra stage called
	// "Stage". The quirk is kept so that the output is the translator's.
	if !truthy(a.props["OpenApiVersion"]) {
		deployment["Properties"].(map[string]any)["StageName"] = "Stage"
	}
	a.passthrough(deployment)
	sp["DeploymentId"] = ref(deploymentID)
	if err := t.add(deploymentID, deployment, a.loc, a.id); err != nil {
		return err
	}
	if err := t.add(stageID, stage, a.loc, a.id); err != nil {
		return err
	}
	a.generated = append(a.generated, stage)
	t.addRef(a.id, "Stage", stageID)
	t.addRef(a.id, "Deployment", deploymentID)

	for _, name := range sortedKeys(authorizers) {
		au := authorizers[name]
		// As in the translator, an authorizer naming both a user pool and a
		// function is a Cognito authorizer that still gets the permission.
		if !truthy(au.functionArn) || au.disablePerms {
			continue
		}
		perm := resource("AWS::Lambda::Permission", map[string]any{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": clone(au.functionArn),
			"Principal":    "apigateway.amazonaws.com",
			"SourceArn": subWith("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*",
				map[string]any{"__ApiId__": ref(a.id)}),
		})
		a.passthrough(perm)
		if err := t.add(a.id+name+"AuthorizerPermission", perm, au.loc, a.id); err != nil {
			return err
		}
	}
	if err := t.usagePlan(a, stageID); err != nil {
		return err
	}
	if tags, ok := a.props["Tags"].(map[string]any); ok && truthy(tags) && truthy(a.props["PropagateTags"]) {
		for _, r := range a.generated {
			switch r["Type"] {
			case "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::ApiKey":
				r["Properties"].(map[string]any)["Tags"] = tagList(tags)
			}
		}
	}
	return nil
}

// stageLogicalID is <Api><StageName>Stage, or a hash of a stage name that
// is not alphanumeric; an intrinsic stage name gives <Api>Stage.
func stageLogicalID(api string, stageName any) string {
	s, _ := stageName.(string)
	if isAlnum(s) {
		return api + s + "Stage"
	}
	return hashedID(api+"Stage", s)
}

func endpointConfiguration(rp map[string]any, v any) {
	if m, ok := v.(map[string]any); ok && truthy(m["Type"]) {
		ec := map[string]any{"Types": []any{clone(m["Type"])}}
		if ids, ok := m["VPCEndpointIds"]; ok {
			ec["VpcEndpointIds"] = clone(ids)
		} else if ids, ok := m["VpcEndpointIds"]; ok {
			ec["VpcEndpointIds"] = clone(ids)
		}
		if ip, ok := m["IpAddressType"]; ok {
			ec["IpAddressType"] = clone(ip)
		}
		rp["EndpointConfiguration"] = ec
		rp["Parameters"] = map[string]any{"endpointConfigurationTypes": clone(m["Type"])}
		return
	}
	rp["EndpointConfiguration"] = map[string]any{"Types": []any{clone(v)}}
	rp["Parameters"] = map[string]any{"endpointConfigurationTypes": clone(v)}
}

// unescapeSlashes undoes the JSON-pointer escape (~1 for /) that SAM asks
// authors to use in BinaryMediaTypes, in strings and map keys alike.
func unescapeSlashes(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "~1", "/")
	case []any:
		for i, e := range x {
			x[i] = unescapeSlashes(e)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ReplaceAll(k, "~1", "/")] = unescapeSlashes(e)
		}
		return out
	}
	return v
}

func gatewayResponses(a *restAPI, ed editor) error {
	p := a.p()
	all, err := p.mapOf("GatewayResponses")
	if err != nil || !truthy(all) {
		return err
	}
	l := p.keyLoc("GatewayResponses")
	if !isSwagger(ed.doc) {
		return l.errf("GatewayResponses needs a valid Swagger or OpenAPI 3 document in DefinitionBody")
	}
	out := map[string]any{}
	for _, typ := range sortedKeys(all) {
		rl := l.at(typ)
		v := all[typ]
		if isIntrinsic(v) {
			return rl.errf("a gateway response cannot be an intrinsic function")
		}
		rp, err := asProps(v, rl, "a gateway response")
		if err != nil {
			return err
		}
		if err := rp.only("a gateway response", "ResponseParameters", "ResponseTemplates", "StatusCode"); err != nil {
			return err
		}
		params := map[string]any{}
		if pv := rp.m["ResponseParameters"]; truthy(pv) {
			pp, err := asProps(pv, rl.at("ResponseParameters"), "ResponseParameters")
			if err != nil {
				return err
			}
			if err := pp.only("a gateway response's ResponseParameters", "Headers", "Paths", "QueryStrings"); err != nil {
				return err
			}
			for _, k := range []string{"Paths", "QueryStrings"} {
				if truthy(pp.m[k]) {
					return pp.loc.at(k).unsupported("setting " + k + " in a gateway response (only Headers)")
				}
			}
			for _, kp := range [][2]string{{"Headers", "header."}, {"Paths", "path."}, {"QueryStrings", "querystring."}} {
				m, err := pp.mapOf(kp[0])
				if err != nil {
					return err
				}
				for k, v := range m {
					params["gatewayresponse."+kp[1]+k] = clone(v)
				}
			}
		}
		resp := map[string]any{"responseParameters": params, "responseTemplates": map[string]any{}}
		if tv := rp.m["ResponseTemplates"]; truthy(tv) {
			resp["responseTemplates"] = clone(tv)
		}
		if sc, ok := rp.m["StatusCode"]; ok && sc != nil {
			s := pyStr(sc)
			if truthy(sc) && !isStatusCode(s) {
				return rl.at("StatusCode").errf("must be numeric, not %s", s)
			}
			if s != "" {
				resp["statusCode"] = s
			}
		}
		out[typ] = resp
	}
	responses, err := ed.section("x-amazon-apigateway-gateway-responses")
	if err != nil {
		return err
	}
	for k, v := range out {
		responses[k] = v
	}
	return nil
}

func isStatusCode(s string) bool {
	s = strings.TrimSuffix(s, "\n")
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func models(a *restAPI, ed editor) error {
	p := a.p()
	all, err := p.mapOf("Models")
	if err != nil || !truthy(all) {
		return err
	}
	l := p.keyLoc("Models")
	if !isSwagger(ed.doc) {
		return l.errf("Models needs a valid Swagger or OpenAPI 3 document in DefinitionBody")
	}
	defs := map[string]any{}
	names := map[string]string{}
	for _, name := range sortedKeys(all) {
		m, ok := all[name].(map[string]any)
		if !ok {
			return l.at(name).errf("a model must be a map (a JSON schema), not %s", describe(all[name]))
		}
		if !truthy(m["type"]) {
			return l.at(name).errf("the model's schema has no type")
		}
		// SAM names a model's schema by the lowercased name; of two names
		// that differ only in case it silently keeps one.
		lower := strings.ToLower(name)
		if other, ok := names[lower]; ok {
			return l.at(name).errf("the models %s and %s would both be the schema %q (SAM lowercases model names); rename one", other, name, lower)
		}
		names[lower] = name
		defs[lower] = clone(m)
	}
	section, err := ed.section("definitions")
	if err != nil {
		return err
	}
	for k, v := range defs {
		section[k] = v
	}
	return openAPIPostprocess(a.body, a.props["OpenApiVersion"], a.bodyLoc)
}
