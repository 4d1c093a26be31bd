package sam

import (
	"math"
	"strconv"
	"strings"
)

// restAuthorizer is one entry of a REST API's Auth.Authorizers: a Cognito
// user pool authorizer when it names UserPoolArn, a Lambda TOKEN or REQUEST
// authorizer when it names FunctionArn.
type restAuthorizer struct {
	name        string
	loc         loc
	userPoolArn any
	functionArn any
	identity    map[string]any
	payloadType string
	invokeRole  any
	// scopes is AuthorizationScopes as written; nil when absent.
	scopes       any
	disablePerms bool
}

func (a *restAuthorizer) cognito() bool { return truthy(a.userPoolArn) }

func (t *transformer) restAuthorizers(cfg any, l loc) (map[string]*restAuthorizer, error) {
	if !truthy(cfg) {
		return nil, nil
	}
	all, ok := cfg.(map[string]any)
	if !ok || isIntrinsic(cfg) {
		return nil, l.errf("must be a map of authorizers, not %s", describe(cfg))
	}
	out := map[string]*restAuthorizer{}
	for _, name := range sortedKeys(all) {
		al := l.at(name)
		p, err := asProps(all[name], al, "an authorizer")
		if err != nil {
			return nil, err
		}
		if err := p.only("an API authorizer", "UserPoolArn", "FunctionArn", "Identity", "FunctionPayloadType",
			"FunctionInvokeRole", "AuthorizationScopes", "DisableFunctionDefaultPermissions"); err != nil {
			return nil, err
		}
		a := &restAuthorizer{name: name, loc: al, userPoolArn: p.m["UserPoolArn"], functionArn: p.m["FunctionArn"],
			invokeRole: p.m["FunctionInvokeRole"], scopes: p.m["AuthorizationScopes"]}
		if !truthy(a.userPoolArn) && !truthy(a.functionArn) {
			return nil, al.errf("the authorizer %s needs UserPoolArn (a Cognito authorizer) or FunctionArn (a Lambda authorizer)", name)
		}
		if a.identity, err = p.mapOf("Identity"); err != nil {
			return nil, err
		}
		if v, ok := p.m["FunctionPayloadType"]; ok && v != nil {
			s, _ := v.(string)
			if s != "TOKEN" && s != "REQUEST" {
				return nil, al.at("FunctionPayloadType").errf("the authorizer %s has an invalid FunctionPayloadType %s (expected TOKEN or REQUEST)", name, pyStr(v))
			}
			a.payloadType = s
		}
		if a.scopes != nil {
			if _, ok := a.scopes.([]any); !ok {
				return nil, al.at("AuthorizationScopes").errf("must be a list, not %s", describe(a.scopes))
			}
		}
		if a.disablePerms, _, err = p.boolOf("DisableFunctionDefaultPermissions"); err != nil {
			return nil, err
		}
		if err := t.checkRestIdentity(a, al.at("Identity")); err != nil {
			return nil, err
		}
		out[name] = a
	}
	return out, nil
}

func (t *transformer) checkRestIdentity(a *restAuthorizer, l loc) error {
	id := props{m: a.identity, loc: l}
	if err := id.only("an authorizer Identity", "Header", "ValidationExpression", "ReauthorizeEvery", "Headers",
		"QueryStrings", "StageVariables", "Context"); err != nil {
		return err
	}
	// The translator reads only some Identity fields for each kind of
	// authorizer and silently drops the rest; so does API Gateway in AWS.
	// The result is the same here, but the author is told.
	var ignored []string
	switch {
	case a.cognito():
		ignored = []string{"ReauthorizeEvery", "Headers", "QueryStrings", "StageVariables", "Context"}
	case a.payloadType == "REQUEST":
		ignored = []string{"Header", "ValidationExpression"}
	default:
		ignored = []string{"Headers", "QueryStrings", "StageVariables", "Context"}
	}
	for _, k := range ignored {
		if _, ok := a.identity[k]; ok {
			t.warn(l.at(k), "SAM ignores "+k+" for this kind of authorizer, as API Gateway would")
		}
	}
	if !a.cognito() && a.payloadType == "REQUEST" && missingIdentitySource(a.identity) {
		return l.errf("the REQUEST authorizer %s must list at least one of Headers, QueryStrings, StageVariables or Context in Identity", a.name)
	}
	return nil
}

// missingIdentitySource is the translator's test, which lets a REQUEST
// authorizer without sources through when caching is off.
func missingIdentitySource(identity map[string]any) bool {
	missing := !truthy(identity["Headers"]) && !truthy(identity["QueryStrings"]) &&
		!truthy(identity["StageVariables"]) && !truthy(identity["Context"])
	ttl, ok := identity["ReauthorizeEvery"]
	if !ok || ttl == nil {
		return missing
	}
	n, ok := pyInt(ttl)
	if !ok {
		return missing
	}
	return n > 0 && missing
}

// pyInt is Python's int() on the values a template can hold.
func pyInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// swagger is the authorizer's securityDefinitions entry.
func (a *restAuthorizer) swagger() (map[string]any, error) {
	const key = "x-amazon-apigateway-authorizer"
	header := any("Authorization")
	if h := a.identity["Header"]; truthy(h) {
		header = clone(h)
	}
	out := map[string]any{"type": "apiKey", "in": "header"}
	ext := map[string]any{}
	if a.cognito() {
		out["name"] = header
		out["x-amazon-apigateway-authtype"] = "cognito_user_pools"
		arns := a.userPoolArn
		if _, ok := arns.([]any); !ok {
			arns = []any{arns}
		}
		ext["type"] = "cognito_user_pools"
		ext["providerARNs"] = clone(arns)
	} else {
		request := a.payloadType == "REQUEST"
		out["name"] = header
		ext["type"] = "token"
		if request {
			out["name"] = "Unused"
			ext["type"] = "request"
		}
		out["x-amazon-apigateway-authtype"] = "custom"
		ext["authorizerUri"] = subWith("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
			map[string]any{"__FunctionArn__": clone(a.functionArn)})
		if ttl, ok := a.identity["ReauthorizeEvery"]; ok && ttl != nil {
			ext["authorizerResultTtlInSeconds"] = clone(ttl)
		}
		if truthy(a.invokeRole) && a.invokeRole != "NONE" {
			ext["authorizerCredentials"] = clone(a.invokeRole)
		}
		if request {
			src, err := restIdentitySource(a.identity, a.loc.at("Identity"))
			if err != nil {
				return nil, err
			}
			if src != "" {
				ext["identitySource"] = src
			}
		}
	}
	if a.cognito() || a.payloadType != "REQUEST" {
		if v := a.identity["ValidationExpression"]; truthy(v) {
			ext["identityValidationExpression"] = clone(v)
		}
	}
	out[key] = ext
	return out, nil
}

func restIdentitySource(identity map[string]any, l loc) (string, error) {
	var parts []string
	for _, kp := range [][2]string{{"Headers", "method.request.header."}, {"QueryStrings", "method.request.querystring."},
		{"StageVariables", "stageVariables."}, {"Context", "context."}} {
		v := identity[kp[0]]
		if !truthy(v) {
			continue
		}
		names, err := stringsOf(v, l.at(kp[0]))
		if err != nil {
			return "", err
		}
		for _, n := range names {
			parts = append(parts, kp[1]+n)
		}
	}
	return strings.Join(parts, ", "), nil
}

// restAuth applies an API's Auth to its document: the authorizers become
// security definitions, and the default authorizer and API key requirement
// go on every method that did not choose otherwise.
func (t *transformer) restAuth(a *restAPI, ed editor, authorizers map[string]*restAuthorizer) error {
	auth, err := a.p().mapOf("Auth")
	if err != nil || !truthy(auth) {
		return err
	}
	l := a.p().keyLoc("Auth")
	if !isSwagger(ed.doc) {
		return l.errf("Auth needs a valid Swagger or OpenAPI 3 document in DefinitionBody")
	}
	def := auth["DefaultAuthorizer"]
	if len(authorizers) > 0 {
		defs, err := ed.section("securityDefinitions")
		if err != nil {
			return err
		}
		for _, name := range sortedKeys(authorizers) {
			if defs[name], err = authorizers[name].swagger(); err != nil {
				return err
			}
		}
	}
	if truthy(def) {
		name, ok := def.(string)
		if !ok {
			return l.at("DefaultAuthorizer").errf("must be the name of an authorizer, not %s", describe(def))
		}
		if authorizers[name] == nil {
			return l.at("DefaultAuthorizer").errf("the default authorizer %s is not defined in Authorizers", name)
		}
		preflight := true
		if v, ok := auth["AddDefaultAuthorizerToCorsPreflight"]; ok {
			preflight = truthy(v)
		}
		paths, err := ed.paths()
		if err != nil {
			return err
		}
		for _, path := range sortedKeys(paths) {
			if err := ed.setPathDefaultAuthorizer(path, name, authorizers, preflight); err != nil {
				return err
			}
		}
	}
	if truthy(auth["ApiKeyRequired"]) {
		if err := ed.addAPIKeyDefinition(); err != nil {
			return err
		}
		preflight := true
		if v, ok := auth["AddApiKeyRequiredToCorsPreflight"]; ok {
			preflight = truthy(v)
		}
		paths, err := ed.paths()
		if err != nil {
			return err
		}
		for _, path := range sortedKeys(paths) {
			if err := ed.setPathDefaultAPIKey(path, preflight); err != nil {
				return err
			}
		}
	}
	return openAPIPostprocess(ed.doc, a.props["OpenApiVersion"], a.bodyLoc)
}

// checkRestAuth refuses what gatehouse cannot enforce before anything is
// generated.
func checkRestAuth(p props) error {
	auth, err := p.mapOf("Auth")
	if err != nil || auth == nil {
		return err
	}
	ap := props{m: auth, loc: p.keyLoc("Auth")}
	if err := ap.only("an API's Auth", "Authorizers", "DefaultAuthorizer", "InvokeRole",
		"AddDefaultAuthorizerToCorsPreflight", "AddApiKeyRequiredToCorsPreflight", "ApiKeyRequired",
		"ResourcePolicy", "UsagePlan"); err != nil {
		return err
	}
	if auth["DefaultAuthorizer"] == "AWS_IAM" {
		return ap.loc.at("DefaultAuthorizer").unsupported("IAM (AWS_IAM) authorization")
	}
	if _, ok := auth["InvokeRole"]; ok {
		return ap.loc.at("InvokeRole").unsupported("InvokeRole (IAM authorization's caller credentials)")
	}
	if _, ok := auth["ResourcePolicy"]; ok {
		return ap.loc.at("ResourcePolicy").unsupported("ResourcePolicy (API resource policies)")
	}
	return nil
}

// httpAuthorizer is one entry of an HTTP API's Auth.Authorizers: a JWT
// authorizer when it has a JwtConfiguration, else a Lambda authorizer.
type httpAuthorizer struct {
	name string
	loc  loc
	m    map[string]any
	jwt  map[string]any
}

func (a *httpAuthorizer) lambda() bool { return a.jwt == nil }

func httpAuthorizers(cfg any, l loc) (map[string]*httpAuthorizer, error) {
	if !truthy(cfg) {
		return nil, nil
	}
	all, ok := cfg.(map[string]any)
	if !ok || isIntrinsic(cfg) {
		return nil, l.errf("must be a map of authorizers, not %s", describe(cfg))
	}
	out := map[string]*httpAuthorizer{}
	for _, name := range sortedKeys(all) {
		al := l.at(name)
		p, err := asProps(all[name], al, "an authorizer")
		if err != nil {
			return nil, err
		}
		if p.has("UserPoolArn") {
			return nil, al.at("UserPoolArn").errf("Cognito user pool authorizers are for REST APIs; an HTTP API checks user pool tokens with a JWT authorizer (JwtConfiguration issuer https://cognito-idp.REGION.amazonaws.com/POOL_ID, audience the client IDs)")
		}
		if p.has("OpenIdConnectUrl") {
			return nil, al.at("OpenIdConnectUrl").errf("OpenIdConnectUrl is no longer a property of HTTP API authorizers; use JwtConfiguration")
		}
		jwtProps := []string{"AuthorizationScopes", "JwtConfiguration", "IdentitySource"}
		lambdaProps := []string{"FunctionArn", "FunctionInvokeRole", "Identity", "AuthorizerPayloadFormatVersion",
			"EnableSimpleResponses", "EnableFunctionDefaultPermissions"}
		if err := p.only("an HTTP API authorizer", append(jwtProps, lambdaProps...)...); err != nil {
			return nil, err
		}
		a := &httpAuthorizer{name: name, loc: al, m: p.m}
		if s, ok := p.m["AuthorizationScopes"]; ok && s != nil {
			if _, ok := s.([]any); !ok {
				return nil, al.at("AuthorizationScopes").errf("must be a list, not %s", describe(s))
			}
		}
		if truthy(p.m["JwtConfiguration"]) {
			jc, err := p.mapOf("JwtConfiguration")
			if err != nil {
				return nil, err
			}
			// The translator lower-cases the keys: OpenAPI spells them
			// issuer and audience, CloudFormation Issuer and Audience.
			a.jwt = map[string]any{}
			for k, v := range jc {
				a.jwt[strings.ToLower(k)] = clone(v)
			}
		}
		allowed, kind := lambdaProps, "Lambda authorizers"
		if !a.lambda() {
			allowed, kind = jwtProps, "JWT (OAuth2) authorizers"
		}
		for _, k := range sortedKeys(p.m) {
			if p.m[k] != nil && !contains(allowed, k) {
				return nil, al.at(k).errf("%s is only for %s", k, otherKind(kind))
			}
		}
		if !a.lambda() {
			if !truthy(p.m["IdentitySource"]) {
				return nil, al.errf("the JWT authorizer %s must define IdentitySource", name)
			}
		} else {
			if !truthy(p.m["FunctionArn"]) {
				return nil, al.errf("the Lambda authorizer %s must define FunctionArn", name)
			}
			if !truthy(p.m["AuthorizerPayloadFormatVersion"]) {
				return nil, al.errf("the Lambda authorizer %s must define AuthorizerPayloadFormatVersion", name)
			}
			if _, _, err := p.boolOf("EnableFunctionDefaultPermissions"); err != nil {
				return nil, err
			}
			id, err := p.mapOf("Identity")
			if err != nil {
				return nil, err
			}
			ip := props{m: id, loc: al.at("Identity")}
			if err := ip.only("an HTTP API authorizer Identity", "Headers", "QueryStrings", "StageVariables", "Context", "ReauthorizeEvery"); err != nil {
				return nil, err
			}
		}
		out[name] = a
	}
	return out, nil
}

func otherKind(kind string) string {
	if strings.HasPrefix(kind, "Lambda") {
		return "JWT (OAuth2) authorizers"
	}
	return "Lambda authorizers"
}

// openAPI is the authorizer's components.securitySchemes entry.
func (a *httpAuthorizer) openAPI() (map[string]any, error) {
	const key = "x-amazon-apigateway-authorizer"
	if !a.lambda() {
		return map[string]any{"type": "oauth2", key: map[string]any{
			"jwtConfiguration": clone(a.jwt),
			"identitySource":   clone(a.m["IdentitySource"]),
			"type":             "jwt",
		}}, nil
	}
	ext := map[string]any{
		"type": "request",
		"authorizerUri": subWith("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
			map[string]any{"__FunctionArn__": clone(a.m["FunctionArn"])}),
		"authorizerPayloadFormatVersion": clone(a.m["AuthorizerPayloadFormatVersion"]),
	}
	if r := a.m["FunctionInvokeRole"]; truthy(r) && r != "NONE" {
		ext["authorizerCredentials"] = clone(r)
	}
	if id, _ := a.m["Identity"].(map[string]any); truthy(id) {
		if ttl, ok := id["ReauthorizeEvery"]; ok && ttl != nil {
			ext["authorizerResultTtlInSeconds"] = clone(ttl)
		}
		src := []any{}
		for _, kp := range [][2]string{{"Headers", "$request.header."}, {"QueryStrings", "$request.querystring."},
			{"StageVariables", "$stageVariables."}, {"Context", "$context."}} {
			v := id[kp[0]]
			if !truthy(v) {
				continue
			}
			names, err := stringsOf(v, a.loc.at("Identity", kp[0]))
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				src = append(src, kp[1]+n)
			}
		}
		ext["identitySource"] = src
	}
	if s := a.m["EnableSimpleResponses"]; truthy(s) {
		ext["enableSimpleResponses"] = clone(s)
	}
	return map[string]any{"type": "apiKey", "name": "Unused", "in": "header", key: ext}, nil
}
