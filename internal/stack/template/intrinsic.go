package template

import (
	"strconv"
	"strings"
)

func pseudo(name string) bool {
	switch name {
	case "AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
		"AWS::StackId", "AWS::StackName", "AWS::URLSuffix":
		return true
	}
	return false
}

// getAttArgs splits Fn::GetAtt's argument: [LogicalID, Attribute], where
// the attribute may be an intrinsic (attrExpr), or "LogicalID.Attribute".
func getAttArgs(arg any) (id, attr string, attrExpr any, ok bool) {
	switch x := arg.(type) {
	case string:
		id, attr, ok = strings.Cut(x, ".")
		return id, attr, nil, ok && id != "" && attr != ""
	case []any:
		if len(x) != 2 {
			return "", "", nil, false
		}
		id, ok = x[0].(string)
		if !ok || id == "" {
			return "", "", nil, false
		}
		switch a := x[1].(type) {
		case string:
			return id, a, nil, a != ""
		case map[string]any:
			if _, _, isFn := Intrinsic(a); isFn {
				return id, "", a, true
			}
		}
	}
	return "", "", nil, false
}

// args returns a function's argument as a list of n values.
func args(arg any, n int) ([]any, bool) {
	list, ok := arg.([]any)
	return list, ok && len(list) == n
}

// selectIndex reads Fn::Select's index: a number, or a string of digits
// (a Number parameter's Ref is a string).
func selectIndex(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		return int(x), x >= 0 && x <= 1<<31
	case int:
		return x, x >= 0
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil && n >= 0
	}
	return 0, false
}

const (
	getAttUsage   = "Fn::GetAtt takes [LogicalID, Attribute] or \"LogicalID.Attribute\""
	subUsage      = "Fn::Sub takes a string, or [string, {variable: value}]"
	joinUsage     = "Fn::Join takes [delimiter, [values]]"
	selectUsage   = "Fn::Select takes [index, [values]]"
	splitUsage    = "Fn::Split takes [delimiter, string]"
	findUsage     = "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"
	ifUsage       = "Fn::If takes [ConditionName, value if true, value if false]"
	conditionOnly = "%s can only be used in the Conditions section; use Fn::If with a named condition here"
)
