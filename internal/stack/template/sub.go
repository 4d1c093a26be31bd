package template

import (
	"fmt"
	"strings"
)

// subPart is a piece of an Fn::Sub string: literal text, or a variable.
type subPart struct {
	lit  string
	name string // the variable's name; empty for literal text
}

// parseSub splits an Fn::Sub string into literal text and ${Name} or
// ${Resource.Attribute} variables. ${!Text} is the literal ${Text}, and
// "${" without a closing brace is literal text, as in CloudFormation.
func parseSub(s string) ([]subPart, error) {
	var parts []subPart
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			parts = append(parts, subPart{lit: s[:i]})
		}
		inner := s[i+2 : i+2+j]
		s = s[i+3+j:]
		if rest, ok := strings.CutPrefix(inner, "!"); ok {
			parts = append(parts, subPart{lit: "${" + rest + "}"})
			continue
		}
		name := strings.TrimSpace(inner)
		if name == "" {
			return nil, fmt.Errorf("Fn::Sub: ${} names no variable")
		}
		parts = append(parts, subPart{name: name})
	}
	if s != "" {
		parts = append(parts, subPart{lit: s})
	}
	return parts, nil
}

// subArgs splits Fn::Sub's argument: a string, or [string, {variables}].
func subArgs(arg any) (string, map[string]any, bool) {
	switch x := arg.(type) {
	case string:
		return x, nil, true
	case []any:
		if len(x) != 2 {
			return "", nil, false
		}
		s, ok := x[0].(string)
		vars, ok2 := x[1].(map[string]any)
		return s, vars, ok && ok2
	}
	return "", nil, false
}

// subTarget tells how a variable not in the variable map resolves:
// ${Name.Attr} is Fn::GetAtt (split at the first dot, like the dotted
// !GetAtt), anything else is Ref. Pseudo parameters contain no dot.
func subTarget(name string) (id, attr string, getAtt bool) {
	if strings.HasPrefix(name, "AWS::") {
		return name, "", false
	}
	id, attr, getAtt = strings.Cut(name, ".")
	return id, attr, getAtt
}
