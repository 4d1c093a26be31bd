package sam

import (
	"strings"
)

// function is an AWS::Serverless::Function.
type function struct {
	samResource
	// events are its Api and HttpApi events, in event ID order.
	events []*event
}

// decision is what the transform does with a SAM property.
type decision int

const (
	unknownProp decision = iota
	// mapped: emitted on the generated resource; gatehouse applies it.
	mapped
	// carried: emitted as the translator emits it, but it only matters in
	// AWS (tracing, VPC networking, encryption keys, descriptions…), so
	// running it here behaves the same without it.
	carried
	// recorded: goes into the generated IAM role; gatehouse keeps roles but
	// does not enforce them.
	recorded
	// refused: gatehouse cannot do what it asks; the transform fails rather
	// than deploy something that behaves differently.
	refused
)

// functionDecision is the decision table for AWS::Serverless::Function; the
// package documentation shows it whole.
func functionDecision(prop string) (decision, string) {
	switch prop {
	case "Handler", "Runtime", "CodeUri", "InlineCode", "MemorySize", "Timeout", "Environment",
		"Architectures", "FunctionName", "Tags", "PropagateTags", "Role", "Events",
		"ReservedConcurrentExecutions", "PackageType":
		return mapped, ""
	case "Description", "VpcConfig", "Tracing", "KmsKeyArn", "EphemeralStorage", "SnapStart",
		"CodeSigningConfigArn", "RuntimeManagementConfig", "RecursiveLoop", "SourceKMSKeyArn":
		return carried, ""
	case "Policies", "AssumeRolePolicyDocument", "RolePath", "PermissionsBoundary":
		return recorded, ""
	case "ImageUri", "ImageConfig":
		return refused, prop + " (container image functions)"
	case "AutoPublishAlias", "AutoPublishCodeSha256", "AutoPublishAliasAllProperties", "VersionDescription",
		"VersionDeletionPolicy", "PublishToLatestPublished":
		return refused, prop + " (function versions and aliases)"
	case "DeploymentPreference":
		return refused, "DeploymentPreference (gradual deployments through CodeDeploy)"
	case "ProvisionedConcurrencyConfig":
		return refused, "ProvisionedConcurrencyConfig (it needs an alias)"
	case "Layers":
		return refused, "Layers (the function would run without the layers' code in /opt)"
	case "DeadLetterQueue":
		return refused, "DeadLetterQueue (failed asynchronous events would be dropped instead of queued)"
	case "EventInvokeConfig":
		return refused, "EventInvokeConfig (asynchronous retries and destinations)"
	case "FileSystemConfigs":
		return refused, "FileSystemConfigs (EFS mounts)"
	case "FunctionUrlConfig":
		return refused, "FunctionUrlConfig (function URLs)"
	case "LoggingConfig":
		return refused, "LoggingConfig (gatehouse logs to /aws/lambda/<function> in text format)"
	case "CapacityProviderConfig", "FunctionScalingConfig", "TenancyConfig", "DurableConfig":
		return refused, prop
	}
	return unknownProp, ""
}

func functionProps() []string {
	return []string{"FunctionName", "Handler", "Runtime", "CodeUri", "ImageUri", "PackageType", "InlineCode",
		"DeadLetterQueue", "Description", "MemorySize", "Timeout", "VpcConfig", "Role", "AssumeRolePolicyDocument",
		"Policies", "RolePath", "PermissionsBoundary", "Environment", "Events", "Tags", "PropagateTags", "Tracing",
		"KmsKeyArn", "DeploymentPreference", "ReservedConcurrentExecutions", "Layers", "EventInvokeConfig",
		"EphemeralStorage", "AutoPublishAlias", "AutoPublishCodeSha256", "AutoPublishAliasAllProperties",
		"VersionDescription", "ProvisionedConcurrencyConfig", "FileSystemConfigs", "ImageConfig",
		"CodeSigningConfigArn", "Architectures", "SnapStart", "FunctionUrlConfig", "RuntimeManagementConfig",
		"LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn", "CapacityProviderConfig", "FunctionScalingConfig",
		"VersionDeletionPolicy", "PublishToLatestPublished", "TenancyConfig", "DurableConfig"}
}

func (t *transformer) checkFunction(f *function) error {
	p := f.p()
	for _, k := range sortedKeys(p.m) {
		switch d, why := functionDecision(k); d {
		case unknownProp:
			return p.only("AWS::Serverless::Function", functionProps()...)
		case refused:
			return p.keyLoc(k).unsupported(why)
		}
	}
	if v, ok := p.m["PackageType"]; ok && v != nil && v != "Zip" {
		if v == "Image" {
			return p.keyLoc("PackageType").unsupported("PackageType Image (container image functions)")
		}
		return p.keyLoc("PackageType").errf("must be Zip, not %s", pyStr(v))
	}
	if _, err := p.mapOf("Tags"); err != nil {
		return err
	}
	for _, k := range []string{"Environment", "AssumeRolePolicyDocument"} {
		if v := p.m[k]; v != nil && !isMap(v) {
			return p.keyLoc(k).errf("must be a map, not %s", describe(v))
		}
	}
	if _, _, err := p.boolOf("PropagateTags"); err != nil {
		return err
	}
	for _, k := range []string{"Role", "FunctionName", "Handler", "Runtime"} {
		if err := p.strOrIntrinsic(k); err != nil {
			return err
		}
	}
	if r, ok := p.m["Role"].(map[string]any); ok {
		if _, cond := r["Fn::If"]; cond {
			return p.keyLoc("Role").unsupported("a Role chosen with Fn::If")
		}
	}
	if !truthy(p.m["Handler"]) || !truthy(p.m["Runtime"]) {
		return f.loc.at("Properties").errf("Runtime and Handler are required for a Zip function")
	}
	tags, _ := p.mapOf("Tags")
	for _, k := range []string{"lambda:createdBy", "serverlessrepo:applicationId", "serverlessrepo:semanticVersion"} {
		if _, ok := tags[k]; ok {
			return p.keyLoc("Tags").at(k).errf("%s is a reserved tag key", k)
		}
	}
	return nil
}

func (t *transformer) translateFunction(f *function) error {
	p := f.p()
	code, err := t.code(f)
	if err != nil {
		return err
	}
	lp := map[string]any{"Code": code}
	for _, k := range []string{"Handler", "Runtime", "Description", "MemorySize", "Timeout", "VpcConfig", "Role",
		"Environment", "KmsKeyArn", "ReservedConcurrentExecutions", "Architectures", "SnapStart", "EphemeralStorage",
		"PackageType", "CodeSigningConfigArn", "RuntimeManagementConfig", "RecursiveLoop"} {
		if v, ok := p.m[k]; ok && v != nil {
			lp[k] = clone(v)
		}
	}
	if v := p.m["FunctionName"]; truthy(v) {
		lp["FunctionName"] = clone(v)
	}
	// Explicitly Disabled tracing is the same as none.
	if tr := p.m["Tracing"]; truthy(tr) && tr != "Disabled" {
		lp["TracingConfig"] = map[string]any{"Mode": clone(tr)}
	}
	userTags, _ := p.mapOf("Tags")
	lp["Tags"] = samTags(userTags)
	lambda := resource("AWS::Lambda::Function", lp)
	f.attrs(lambda)
	f.dependsOn(lambda)
	if err := t.add(f.id, lambda, f.loc, f.id); err != nil {
		return err
	}
	generated := []map[string]any{lambda}
	if _, ok := p.m["Role"]; !ok || p.m["Role"] == nil {
		role, err := t.executionRole(f, userTags)
		if err != nil {
			return err
		}
		lp["Role"] = getAtt(f.id+"Role", "Arn")
		if err := t.add(f.id+"Role", role, f.loc, f.id); err != nil {
			return err
		}
		generated = append(generated, role)
	} else if p.has("Policies") {
		t.warn(p.keyLoc("Policies"), "Policies are ignored because the function names its own Role, as in SAM")
	}
	if err := t.translateEvents(f); err != nil {
		return err
	}
	if truthy(p.m["PropagateTags"]) && truthy(userTags) {
		// The translator replaces the tags outright here, dropping its own
		// lambda:createdBy marker.
		for _, r := range generated {
			r["Properties"].(map[string]any)["Tags"] = tagList(userTags)
		}
	}
	return nil
}

// samTags is the function's tag list as the translator builds it: its
// lambda:createdBy marker first, then the author's tags.
func samTags(tags map[string]any) []any {
	return append([]any{map[string]any{"Key": "lambda:createdBy", "Value": "SAM"}}, tagList(tags)...)
}

// code turns SAM's code properties into the function's Code. CodeUri is a
// local directory or .zip, which the deploy engine packages; it is passed on
// untouched under gatehouse:CodeUri, where CloudFormation would have an S3
// location.
func (t *transformer) code(f *function) (map[string]any, error) {
	p := f.p()
	inline, hasInline := p.m["InlineCode"]
	uri, hasURI := p.m["CodeUri"]
	hasInline, hasURI = hasInline && inline != nil, hasURI && uri != nil
	var code map[string]any
	switch {
	case hasInline:
		if hasURI {
			t.warn(p.keyLoc("CodeUri"), "CodeUri is ignored because InlineCode is set, as in SAM")
		}
		if err := p.strOrIntrinsic("InlineCode"); err != nil {
			return nil, err
		}
		code = map[string]any{"ZipFile": clone(inline)}
	case hasURI:
		l := p.keyLoc("CodeUri")
		switch x := uri.(type) {
		case string:
			if x == "" {
				return nil, l.errf("must name a local directory or .zip file")
			}
			if strings.HasPrefix(strings.ToLower(x), "s3://") {
				return nil, l.unsupported("code in S3 (gatehouse deploys local code: CodeUri names a directory or a .zip file)")
			}
		case map[string]any:
			if !isIntrinsic(x) {
				return nil, l.unsupported("code in S3 (gatehouse deploys local code: CodeUri names a directory or a .zip file)")
			}
		default:
			return nil, l.errf("must name a local directory or .zip file, not %s", describe(uri))
		}
		code = map[string]any{"gatehouse:CodeUri": clone(uri)}
	default:
		return nil, f.loc.at("Properties").errf("the function needs CodeUri (a local directory or .zip file) or InlineCode")
	}
	if k, ok := p.m["SourceKMSKeyArn"]; ok && k != nil {
		code["SourceKMSKeyArn"] = clone(k)
	}
	return code, nil
}
