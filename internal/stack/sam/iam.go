package sam

import "strings"

// executionRole builds the <Function>Role the translator generates when a
// function names no Role. gatehouse records roles and does not enforce them,
// so this is for the record and for CloudFormation compatibility: the
// managed policies the translator adds, the function's Policies (managed
// policy names and ARNs as written, policy documents inline, SAM policy
// templates kept unexpanded under gatehouse:PolicyTemplate), its path,
// permissions boundary and tags.
func (t *transformer) executionRole(f *function, userTags map[string]any) (map[string]any, error) {
	p := f.p()
	assume := any(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Action":    []any{"sts:AssumeRole"},
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": []any{"lambda.amazonaws.com"}},
		}},
	})
	if v, ok := p.m["AssumeRolePolicyDocument"]; ok && v != nil {
		assume = clone(v)
	}
	managed := []any{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
	if tr := p.m["Tracing"]; truthy(tr) && tr != "Disabled" {
		managed = append(managed, "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess")
	}
	if truthy(p.m["VpcConfig"]) {
		managed = append(managed, "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
	}
	roleID := f.id + "Role"
	var inline []any
	var policies []any
	switch v := p.m["Policies"].(type) {
	case nil:
	case []any:
		policies = v
	default:
		policies = []any{v}
	}
	l := p.keyLoc("Policies")
	for i, pol := range policies {
		name := roleID + "Policy" + itoa(i)
		switch x := pol.(type) {
		case string:
			managed = appendUnique(managed, x)
		case map[string]any:
			switch {
			case isIntrinsic(x):
				managed = appendUnique(managed, clone(x))
			case x["Statement"] != nil:
				inline = append(inline, map[string]any{"PolicyName": name, "PolicyDocument": clone(x)})
			case len(x) == 1:
				inline = append(inline, map[string]any{"PolicyName": name, "gatehouse:PolicyTemplate": clone(x)})
			default:
				return nil, l.at(itoa(i)).errf("a policy must be a managed policy name or ARN, a policy document with a Statement, or a SAM policy template")
			}
		default:
			return nil, l.at(itoa(i)).errf("a policy must be a managed policy name or ARN, a policy document or a policy template, not %s", describe(pol))
		}
	}
	rp := map[string]any{"AssumeRolePolicyDocument": assume, "ManagedPolicyArns": managed, "Tags": samTags(userTags)}
	if len(inline) > 0 {
		rp["Policies"] = inline
	}
	if v, ok := p.m["RolePath"]; ok && v != nil {
		rp["Path"] = clone(v)
	}
	if v, ok := p.m["PermissionsBoundary"]; ok && v != nil {
		rp["PermissionsBoundary"] = clone(v)
	}
	role := resource("AWS::IAM::Role", rp)
	f.passthrough(role)
	return role, nil
}

func appendUnique(list []any, v any) []any {
	if s, ok := v.(string); ok {
		for _, e := range list {
			if e == s || strings.HasSuffix(toString(e), "/"+s) {
				return list
			}
		}
	}
	return append(list, v)
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}
