package template

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// longForm maps CloudFormation's YAML short tags to the key of their long
// form. Tags gatehouse cannot evaluate are still read, so that Bind can
// name them at their position instead of the parser calling them unknown.
func longForm(tag string) (string, bool) {
	switch tag {
	case "!Ref":
		return "Ref", true
	case "!Condition":
		return "Condition", true
	case "!GetAtt", "!Sub", "!Join", "!If", "!Equals", "!And", "!Or", "!Not", "!Select", "!Split",
		"!FindInMap", "!Base64", "!Cidr", "!GetAZs", "!ImportValue", "!Transform", "!Length", "!ToJsonString":
		return "Fn::" + tag[1:], true
	}
	return "", false
}

// tagged converts a node carrying a short tag into its long form, a
// single-key mapping.
func (c *converter) tagged(y *yaml.Node, depth int, path []string) (any, *posNode, error) {
	long, ok := longForm(y.Tag)
	if !ok {
		return nil, nil, c.fail(y, path, "unknown tag %s; CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If and the other Fn:: names", y.Tag)
	}
	if depth+1 > maxDepth {
		return nil, nil, c.fail(y, path, "the template nests deeper than %d levels", maxDepth)
	}
	at := Pos{y.Line, y.Column}
	inner := append(path, long)
	var arg any
	argPos := &posNode{pos: at}
	switch {
	case y.Kind == yaml.ScalarNode && long == "Fn::GetAtt":
		// The dotted form splits at the first dot: attributes such as
		// Endpoint.Address contain dots, logical IDs never do.
		if id, attr, ok := strings.Cut(y.Value, "."); ok && id != "" {
			arg = []any{id, attr}
			argPos.items = []*posNode{{pos: at}, {pos: at}}
		} else {
			arg = y.Value // refused by Bind with the long form's message
		}
	case y.Kind == yaml.ScalarNode:
		// The argument of a short tag is text as written: !Ref 123 names
		// the logical ID "123", not a number.
		arg = y.Value
	case long == "Ref" || long == "Condition":
		return nil, nil, c.fail(y, path, "%s takes a name (a scalar), not a YAML %s", y.Tag, kindName(y.Kind))
	case long == "Fn::GetAtt" && y.Kind != yaml.SequenceNode:
		return nil, nil, c.fail(y, path, "!GetAtt takes LogicalID.Attribute or [LogicalID, Attribute], not a YAML %s", kindName(y.Kind))
	case y.Kind == yaml.SequenceNode:
		var err error
		if arg, argPos, err = c.sequence(y, depth+1, inner); err != nil {
			return nil, nil, err
		}
	case y.Kind == yaml.MappingNode:
		var err error
		if arg, argPos, err = c.mapping(y, depth+1, inner); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, c.fail(y, path, "unexpected YAML node under %s", y.Tag)
	}
	return map[string]any{long: arg}, &posNode{pos: at, keys: map[string]*posNode{long: argPos}}, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "sequence"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}
