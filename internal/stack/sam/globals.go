package sam

import (
	"slices"
	"strings"
)

// globals is the parsed Globals section: per section name (Function, Api,
// HttpApi, …), the properties every resource of that type inherits.
type globals map[string]map[string]any

// globalProperties is what aws-sam-translator 1.110.0 accepts in each
// Globals section. Sections for resource types gatehouse refuses are still
// parsed and checked: they are harmless while no such resource exists, and
// such a resource is refused on its own.
func globalProperties(section string) []string {
	switch section {
	case "Function":
		return []string{"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize",
			"Timeout", "VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn",
			"AutoPublishAlias", "AutoPublishAliasAllProperties", "Layers", "DeploymentPreference", "RolePath",
			"PermissionsBoundary", "ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig",
			"AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn",
			"Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig",
			"LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn", "TenancyConfig", "DurableConfig",
			"CapacityProviderConfig", "FunctionScalingConfig", "PublishToLatestPublished", "VersionDeletionPolicy"}
	case "Api":
		// Not DefinitionBody (merging OpenAPI documents is ill-defined) and
		// not StageName (the implicit API's Prod would always win).
		return []string{"Auth", "Name", "DefinitionUri", "CacheClusterEnabled", "CacheClusterSize",
			"MergeDefinitions", "Variables", "EndpointConfiguration", "MethodSettings", "BinaryMediaTypes",
			"MinimumCompressionSize", "Cors", "GatewayResponses", "AccessLogSetting", "CanarySetting",
			"TracingEnabled", "OpenApiVersion", "Domain", "AlwaysDeploy", "PropagateTags", "SecurityPolicy",
			"EndpointAccessMode"}
	case "HttpApi":
		return []string{"Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration",
			"DefaultRouteSettings", "Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"}
	case "SimpleTable":
		return []string{"SSESpecification"}
	case "StateMachine":
		return []string{"PropagateTags"}
	case "LayerVersion":
		return []string{"PublishLambdaVersion"}
	case "CapacityProvider":
		return []string{"VpcConfig", "OperatorRole", "Tags", "InstanceRequirements", "ScalingConfig",
			"KmsKeyArn", "PropagateTags"}
	case "WebSocketApi":
		return []string{"AccessLogSettings", "ApiKeySelectionExpression", "DefaultRouteSettings",
			"DisableExecuteApiEndpoint", "DisableSchemaValidation", "Domain", "FailOnWarnings", "IpAddressType",
			"PropagateTags", "RouteSelectionExpression", "RouteSettings", "StageVariables", "Tags"}
	}
	return nil
}

func parseGlobals(doc map[string]any) (globals, error) {
	v, ok := doc["Globals"]
	if !ok {
		return nil, nil
	}
	l := loc{"Globals"}
	m, ok := v.(map[string]any)
	if !ok || isIntrinsic(v) {
		return nil, l.errf("must be a map of sections, not %s", describe(v))
	}
	sections := []string{"Api", "CapacityProvider", "Function", "HttpApi", "LayerVersion", "SimpleTable",
		"StateMachine", "WebSocketApi"}
	g := globals{}
	for _, name := range sortedKeys(m) {
		sl := l.at(name)
		allowed := globalProperties(name)
		if allowed == nil {
			return nil, sl.errf("%s is not a Globals section (expected one of %s)", name, strings.Join(sections, ", "))
		}
		p, err := asProps(m[name], sl, "a Globals section")
		if err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(p.m) {
			if !slices.Contains(allowed, k) {
				return nil, sl.at(k).errf("%s is not a supported property of the %s Globals (expected one of %s)",
					k, name, strings.Join(allowed, ", "))
			}
		}
		g[name] = p.m
	}
	return g, nil
}

// forResource returns the globals a resource inherits, minus those its
// IgnoreGlobals attribute opts out of.
func (g globals) forResource(r *samResource) (map[string]any, error) {
	section := g[r.section]
	if section == nil {
		return nil, nil
	}
	ignore, ok := r.res["IgnoreGlobals"]
	if !ok || !truthy(ignore) {
		return section, nil
	}
	l := r.loc.at("IgnoreGlobals")
	switch x := ignore.(type) {
	case string:
		if x == "*" {
			return nil, nil
		}
	case []any:
		keys, err := stringsOf(x, l)
		if err != nil {
			return nil, err
		}
		kept := map[string]any{}
		for k, v := range section {
			kept[k] = v
		}
		for i, k := range keys {
			if _, ok := section[k]; !ok {
				return nil, l.at(itoa(i)).errf("%s is not set in the %s Globals", k, r.section)
			}
			delete(kept, k)
		}
		return kept, nil
	}
	return nil, l.errf(`must be "*" or a list of Globals property names`)
}

// mergeGlobal is the translator's rule: maps merge key by key, lists
// concatenate global first, and anything else (scalars, intrinsics, or a
// type mismatch) takes the local value. Globals are cloned so that no two
// resources share a value that a later step could edit.
func mergeGlobal(global, local any) any {
	gk, lk := mergeKind(global), mergeKind(local)
	switch {
	case gk != lk || gk == kindScalar:
		return local
	case gk == kindMap:
		gm, lm := global.(map[string]any), local.(map[string]any)
		out := make(map[string]any, len(gm)+len(lm))
		for k, v := range gm {
			out[k] = clone(v)
		}
		for k, v := range lm {
			if g, ok := gm[k]; ok {
				out[k] = mergeGlobal(g, v)
			} else {
				out[k] = v
			}
		}
		return out
	default:
		gl, ll := global.([]any), local.([]any)
		out := make([]any, 0, len(gl)+len(ll))
		for _, v := range gl {
			out = append(out, clone(v))
		}
		return append(out, ll...)
	}
}

const (
	kindScalar = iota
	kindMap
	kindList
)

func mergeKind(v any) int {
	switch v.(type) {
	case map[string]any:
		if isIntrinsic(v) {
			return kindScalar
		}
		return kindMap
	case []any:
		return kindList
	}
	return kindScalar
}

func (t *transformer) mergeGlobals() error {
	var all []*samResource
	for _, id := range sortedKeys(t.funcs) {
		all = append(all, &t.funcs[id].samResource)
	}
	for _, id := range sortedKeys(t.rest) {
		all = append(all, &t.rest[id].samResource)
	}
	for _, id := range sortedKeys(t.http) {
		all = append(all, &t.http[id].samResource)
	}
	for _, r := range all {
		g, err := t.globals.forResource(r)
		if err != nil {
			return err
		}
		if g != nil {
			r.props = mergeGlobal(g, r.local).(map[string]any)
		}
	}
	// The translator runs its Globals plugin after the implicit-API plugin,
	// so only now does an API know its OpenApiVersion; a managed body is
	// then switched from Swagger 2.0 to that OpenAPI version.
	for _, id := range sortedKeys(t.rest) {
		a := t.rest[id]
		v, ok := a.props["OpenApiVersion"]
		if !ok || !a.managed || !isOpenAPI3(pyStr(v)) {
			continue
		}
		s := pyStr(v)
		a.props["OpenApiVersion"] = s
		a.body["openapi"] = s
		delete(a.body, "swagger")
	}
	return nil
}

// isOpenAPI3 is the translator's `\A3(\.\d)(\.\d)?$` on str(value).
func isOpenAPI3(s string) bool { return versionLike(s, "3") }

// isSupportedVersion is its `\A[2-3](\.\d)(\.\d)?$` for OpenApiVersion.
func isSupportedVersion(s string) bool { return versionLike(s, "23") }

func versionLike(s, majors string) bool {
	s = strings.TrimSuffix(s, "\n") // Python's $ also matches before a final newline
	if len(s) != 3 && len(s) != 5 {
		return false
	}
	if !strings.ContainsRune(majors, rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i += 2 {
		if s[i] != '.' || s[i+1] < '0' || s[i+1] > '9' {
			return false
		}
	}
	return true
}
