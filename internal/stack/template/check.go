package template

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// walk checks the intrinsic calls in v without evaluating them, so that
// every problem is reported before anything is created. taken is false
// inside a resource whose condition is false and inside the branch of an
// Fn::If that will not be taken: references there are still checked,
// but create no dependency and may name resources that are not created.
func (c *checker) walk(path []string, v any, taken bool) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := Intrinsic(x); ok {
			c.call(append(path, fn), fn, arg, taken)
			return
		}
		for k, e := range x {
			c.walk(append(path, k), e, taken)
		}
	case []any:
		for i, e := range x {
			c.walk(append(path, strconv.Itoa(i)), e, taken)
		}
	case string, int64, int, float64, bool, nil:
	default:
		c.errorf(path, "unsupported value of Go type %T in the document", v)
	}
}

func (c *checker) call(path []string, fn string, arg any, taken bool) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			c.errorf(path, "Ref takes a name (a string), not %s", describe(arg))
			return
		}
		c.ref(path, "Ref", name, taken)
	case "Fn::GetAtt":
		id, attr, attrExpr, ok := getAttArgs(arg)
		if !ok {
			c.errorf(path, getAttUsage)
			return
		}
		c.getAtt(path, id, attr, attrExpr == nil, taken)
		if attrExpr != nil {
			c.walk(append(path, "1"), attrExpr, taken)
		}
	case "Fn::Sub":
		c.sub(path, arg, taken)
	case "Fn::Join":
		a, ok := args(arg, 2)
		if !ok || !isStringOrCall(a[0]) {
			c.errorf(path, joinUsage)
			return
		}
		c.walk(append(path, "0"), a[0], taken)
		c.listArg(append(path, "1"), a[1], taken, joinUsage)
	case "Fn::Select":
		a, ok := args(arg, 2)
		if !ok {
			c.errorf(path, selectUsage)
			return
		}
		if _, _, isCall := Intrinsic(a[0]); !isCall {
			idx, ok := selectIndex(a[0])
			if !ok {
				c.errorf(append(path, "0"), "Fn::Select's index must be a non-negative integer, not %s", describe(a[0]))
			} else if list, isList := a[1].([]any); isList && idx >= len(list) {
				c.errorf(path, "Fn::Select: index %d is out of range for a list of %d", idx, len(list))
			}
		}
		c.walk(append(path, "0"), a[0], taken)
		c.listArg(append(path, "1"), a[1], taken, selectUsage)
	case "Fn::Split":
		a, ok := args(arg, 2)
		if !ok || !isStringOrCall(a[0]) || !isStringOrCall(a[1]) {
			c.errorf(path, splitUsage)
			return
		}
		c.walk(append(path, "0"), a[0], taken)
		c.walk(append(path, "1"), a[1], taken)
	case "Fn::Base64":
		if !isStringOrCall(arg) {
			c.errorf(path, "Fn::Base64 takes a string, not %s", describe(arg))
			return
		}
		c.walk(path, arg, taken)
	case "Fn::FindInMap":
		c.findInMap(path, arg, taken)
	case "Fn::If":
		a, ok := args(arg, 3)
		var name string
		if ok {
			name, ok = a[0].(string)
		}
		if !ok {
			c.errorf(path, ifUsage)
			return
		}
		on, declared := c.b.conds[name]
		if _, failed := c.section("Conditions")[name]; !declared && !failed {
			c.errorf(append(path, "0"), "condition %q is not declared in Conditions", name)
		}
		c.walk(append(path, "1"), a[1], taken && declared && on)
		c.walk(append(path, "2"), a[2], taken && declared && !on)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		c.errorf(path, conditionOnly, fn)
	default:
		c.errorf(path, "%s is not supported by gatehouse", fn)
	}
}

func isStringOrCall(v any) bool {
	switch x := v.(type) {
	case string:
		return true
	case map[string]any:
		_, _, ok := Intrinsic(x)
		return ok
	}
	return false
}

// listArg checks an argument that must be a list or a call giving one.
func (c *checker) listArg(path []string, v any, taken bool, usage string) {
	switch x := v.(type) {
	case []any:
		c.walk(path, x, taken)
	case map[string]any:
		if _, _, ok := Intrinsic(x); ok {
			c.walk(path, x, taken)
			return
		}
		c.errorf(path, "%s", usage)
	default:
		c.errorf(path, "%s", usage)
	}
}

// ref checks a reference to a parameter, pseudo parameter or resource.
func (c *checker) ref(path []string, how, name string, taken bool) {
	switch {
	case pseudo(name):
	case c.b.params[name] != nil:
	case c.b.res[name] != nil:
		c.use(path, how, name, taken)
	case c.paramDeclared(name):
		// Declared but unusable; the parameter's own error says why.
	default:
		c.errorf(path, "%s: unresolved reference %q: there is no parameter, pseudo parameter or resource of that name", how, name)
	}
}

func (c *checker) paramDeclared(name string) bool {
	_, ok := c.section("Parameters")[name]
	return ok
}

// use records that the resource being walked needs resource id.
func (c *checker) use(path []string, how, id string, taken bool) {
	if !taken {
		return
	}
	if cond, off := c.b.skipped[id]; off {
		c.errorf(path, "%s: resource %s is not created, because its condition %s is false", how, id, cond)
		return
	}
	if c.deps != nil {
		c.deps[id] = true
	}
}

func (c *checker) getAtt(path []string, id, attr string, literal, taken bool) {
	r := c.b.res[id]
	switch {
	case r == nil && c.paramDeclared(id):
		c.errorf(path, "Fn::GetAtt: %s is a parameter; Fn::GetAtt reads resource attributes", id)
		return
	case r == nil:
		c.errorf(path, "Fn::GetAtt: there is no resource named %q", id)
		return
	}
	if literal && r.Type != "" && c.types.Known(r.Type) {
		attrs := c.types.Attributes(r.Type)
		if !slices.Contains(attrs, attr) {
			valid := "it has none"
			if len(attrs) > 0 {
				sorted := slices.Sorted(slices.Values(attrs))
				valid = "valid attributes: " + strings.Join(sorted, ", ")
			}
			c.errorf(path, "Fn::GetAtt: %s (%s) has no attribute %q; %s", id, r.Type, attr, valid)
			return
		}
	}
	c.use(path, "Fn::GetAtt", id, taken)
}

func (c *checker) sub(path []string, arg any, taken bool) {
	s, vars, ok := subArgs(arg)
	if !ok {
		c.errorf(path, subUsage)
		return
	}
	parts, err := parseSub(s)
	if err != nil {
		c.errorf(path, "%v", err)
		return
	}
	for _, p := range parts {
		if p.name == "" {
			continue
		}
		if _, ok := vars[p.name]; ok {
			continue
		}
		if id, attr, isAtt := subTarget(p.name); isAtt {
			c.getAtt(path, id, attr, true, taken)
		} else if p.name == "AWS::NoValue" {
			c.errorf(path, "Fn::Sub: ${AWS::NoValue} has no text to substitute")
		} else {
			c.ref(path, fmt.Sprintf("Fn::Sub ${%s}", p.name), p.name, taken)
		}
	}
	for k, v := range vars {
		c.walk(append(path, "1", k), v, taken)
	}
}

func (c *checker) findInMap(path []string, arg any, taken bool) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		c.errorf(path, findUsage)
		return
	}
	keys := make([]string, 3)
	literal := true
	for i, e := range a {
		if !isStringOrCall(e) {
			c.errorf(append(path, strconv.Itoa(i)), "%s, each a string or a function giving one", findUsage)
			return
		}
		c.walk(append(path, strconv.Itoa(i)), e, taken)
		s, isStr := e.(string)
		keys[i], literal = s, literal && isStr
	}
	// Each level can be checked as far as the keys are written out.
	m, ok := c.b.mappings[keys[0]].(map[string]any)
	switch {
	case !isLiteral(a[0]):
	case !ok:
		c.errorf(append(path, "0"), "Fn::FindInMap: there is no mapping named %q", keys[0])
	case !isLiteral(a[1]):
	case m[keys[1]] == nil:
		c.errorf(append(path, "1"), "Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
	case !literal:
	default:
		if second, _ := m[keys[1]].(map[string]any); second == nil || second[keys[2]] == nil {
			c.errorf(append(path, "2"), "Fn::FindInMap: mapping %s has no key %q under %q", keys[0], keys[2], keys[1])
		}
	}
}

func isLiteral(v any) bool {
	_, ok := v.(string)
	return ok
}
