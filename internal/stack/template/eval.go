package template

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// evaluator resolves intrinsic functions. Every shape the checker
// accepted is evaluated, and every shape it refused is refused again, so
// Eval is safe on any value, checked or not.
type evaluator struct {
	b            *Bound
	r            Resolver
	inConditions bool // deciding Conditions: no resources, no Fn::If
	budget       int  // bytes of text left to build
}

// Eval resolves every intrinsic function in v, the value found at path in
// the document (the path positions errors). Resource values come from r.
// A value that evaluates to AWS::NoValue is dropped from its mapping or
// list; at the top it gives nil. Eval does not modify v.
func (b *Bound) Eval(path []string, v any, r Resolver) (any, error) {
	e := &evaluator{b: b, r: r, budget: maxEvalBytes}
	out, err := e.eval(append(make([]string, 0, len(path)+16), path...), v)
	if err != nil {
		return nil, err
	}
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, nil
}

func (e *evaluator) errorf(path []string, format string, args ...any) error {
	return e.b.t.Errorf(path, format, args...)
}

func (e *evaluator) spend(path []string, n int) error {
	if e.budget -= n; e.budget < 0 {
		return e.errorf(path, "evaluating this builds more than %d bytes of text", maxEvalBytes)
	}
	return nil
}

func (e *evaluator) eval(path []string, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := Intrinsic(x); ok {
			return e.call(append(path, fn), fn, arg)
		}
		out := make(map[string]any, len(x))
		// Sorted, so that of several problems the same one is reported
		// every time.
		for _, k := range sortedKeys(x) {
			val, err := e.eval(append(path, k), x[k])
			if err != nil {
				return nil, err
			}
			if _, drop := val.(noValue); !drop {
				out[k] = val
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, item := range x {
			val, err := e.eval(append(path, strconv.Itoa(i)), item)
			if err != nil {
				return nil, err
			}
			if _, drop := val.(noValue); !drop {
				out = append(out, val)
			}
		}
		return out, nil
	case string, int64, float64, bool, nil:
		return x, nil
	case int:
		return int64(x), nil
	}
	return nil, e.errorf(path, "unsupported value of Go type %T in the document", v)
}

func (e *evaluator) call(path []string, fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, e.errorf(path, "Ref takes a name (a string), not %s", describe(arg))
		}
		return e.ref(path, "Ref", name)
	case "Fn::GetAtt":
		id, attr, attrExpr, ok := getAttArgs(arg)
		if !ok {
			return nil, e.errorf(path, getAttUsage)
		}
		if attrExpr != nil {
			v, err := e.eval(append(path, "1"), attrExpr)
			if err != nil {
				return nil, err
			}
			if attr, ok = v.(string); !ok || attr == "" {
				return nil, e.errorf(append(path, "1"), "Fn::GetAtt's attribute must evaluate to a name, not %s", describe(v))
			}
		}
		return e.getAtt(path, id, attr)
	case "Fn::Sub":
		return e.sub(path, arg)
	case "Fn::Join":
		return e.join(path, arg)
	case "Fn::Select":
		return e.sel(path, arg)
	case "Fn::Split":
		a, ok := args(arg, 2)
		if !ok {
			return nil, e.errorf(path, splitUsage)
		}
		delim, err := e.str(append(path, "0"), a[0], "Fn::Split's delimiter")
		if err != nil {
			return nil, err
		}
		s, err := e.str(append(path, "1"), a[1], "Fn::Split's source")
		if err != nil {
			return nil, err
		}
		if delim == "" {
			return nil, e.errorf(path, "Fn::Split's delimiter is empty")
		}
		parts := strings.Split(s, delim)
		// Each element costs a string header besides its text.
		if err := e.spend(path, len(s)+16*len(parts)); err != nil {
			return nil, err
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::Base64":
		s, err := e.str(path, arg, "Fn::Base64's argument")
		if err != nil {
			return nil, err
		}
		if err := e.spend(path, base64.StdEncoding.EncodedLen(len(s))); err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::FindInMap":
		return e.findInMap(path, arg)
	case "Fn::If":
		a, ok := args(arg, 3)
		name, isName := "", false
		if ok {
			name, isName = a[0].(string)
		}
		if !isName {
			return nil, e.errorf(path, ifUsage)
		}
		if e.inConditions {
			return nil, e.errorf(path, "Fn::If cannot be used in Conditions; use Fn::And, Fn::Or and Fn::Not")
		}
		on, ok := e.b.conds[name]
		if !ok {
			return nil, e.errorf(append(path, "0"), "condition %q is not declared in Conditions", name)
		}
		if on {
			return e.eval(append(path, "1"), a[1])
		}
		return e.eval(append(path, "2"), a[2])
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return nil, e.errorf(path, conditionOnly, fn)
	}
	return nil, e.errorf(path, "%s is not supported by gatehouse", fn)
}

// str evaluates v and requires a string.
func (e *evaluator) str(path []string, v any, what string) (string, error) {
	out, err := e.eval(path, v)
	if err != nil {
		return "", err
	}
	s, ok := out.(string)
	if !ok {
		return "", e.errorf(path, "%s must be a string, not %s", what, describe(out))
	}
	return s, nil
}

func (e *evaluator) ref(path []string, how, name string) (any, error) {
	ctx := e.b.ctx
	switch name {
	case "AWS::AccountId":
		return ctx.AccountID, nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	case "AWS::Partition":
		return ctx.Partition, nil
	case "AWS::Region":
		return ctx.Region, nil
	case "AWS::StackId":
		return ctx.StackID, nil
	case "AWS::StackName":
		return ctx.StackName, nil
	case "AWS::URLSuffix":
		return ctx.URLSuffix, nil
	}
	if p := e.b.params[name]; p != nil {
		if list, ok := p.value.([]any); ok {
			return append([]any(nil), list...), nil
		}
		return p.value, nil
	}
	if e.b.res[name] == nil {
		return nil, e.errorf(path, "%s: unresolved reference %q: there is no parameter, pseudo parameter or resource of that name", how, name)
	}
	if err := e.resource(path, how, name); err != nil {
		return nil, err
	}
	v, err := e.r.Ref(name)
	if err != nil {
		return nil, e.wrap(path, err, "%s %s: %v", how, name, err)
	}
	return v, nil
}

// resource checks that a resource's values can be read here.
func (e *evaluator) resource(path []string, how, id string) error {
	switch cond, off := e.b.skipped[id]; {
	case e.inConditions:
		return e.errorf(path, "%s: Conditions can refer to parameters and pseudo parameters only, not to resource %s", how, id)
	case off:
		return e.errorf(path, "%s: resource %s is not created, because its condition %s is false", how, id, cond)
	case e.r == nil:
		return e.errorf(path, "%s: resource values are not available here", how)
	}
	return nil
}

func (e *evaluator) wrap(path []string, cause error, format string, args ...any) error {
	err := e.b.t.Errorf(path, format, args...)
	err.Err = cause
	return err
}

func (e *evaluator) getAtt(path []string, id, attr string) (any, error) {
	if e.b.res[id] == nil {
		return nil, e.errorf(path, "Fn::GetAtt: there is no resource named %q", id)
	}
	if err := e.resource(path, "Fn::GetAtt", id); err != nil {
		return nil, err
	}
	v, err := e.r.GetAtt(id, attr)
	if err != nil {
		return nil, e.wrap(path, err, "Fn::GetAtt %s.%s: %v", id, attr, err)
	}
	return v, nil
}

func (e *evaluator) sub(path []string, arg any) (any, error) {
	s, vars, ok := subArgs(arg)
	if !ok {
		return nil, e.errorf(path, subUsage)
	}
	parts, err := parseSub(s)
	if err != nil {
		return nil, e.errorf(path, "%v", err)
	}
	var b strings.Builder
	// A variable used twice is evaluated once.
	var done map[string]string
	for _, p := range parts {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		if t, ok := done[p.name]; ok {
			if err := e.spend(path, len(t)); err != nil {
				return nil, err
			}
			b.WriteString(t)
			continue
		}
		var v any
		var err error
		if expr, ok := vars[p.name]; ok {
			v, err = e.eval(append(path, "1", p.name), expr)
		} else if id, attr, isAtt := subTarget(p.name); isAtt {
			v, err = e.getAtt(path, id, attr)
		} else {
			v, err = e.ref(path, fmt.Sprintf("Fn::Sub ${%s}", p.name), p.name)
		}
		if err != nil {
			return nil, err
		}
		t, ok := text(v)
		if !ok {
			return nil, e.errorf(path, "Fn::Sub: ${%s} is %s; Fn::Sub substitutes text", p.name, describe(v))
		}
		if err := e.spend(path, len(t)); err != nil {
			return nil, err
		}
		b.WriteString(t)
		if done == nil {
			done = map[string]string{}
		}
		done[p.name] = t
	}
	if err := e.spend(path, b.Len()); err != nil {
		return nil, err
	}
	return b.String(), nil
}

func (e *evaluator) join(path []string, arg any) (any, error) {
	a, ok := args(arg, 2)
	if !ok {
		return nil, e.errorf(path, joinUsage)
	}
	delim, err := e.str(append(path, "0"), a[0], "Fn::Join's delimiter")
	if err != nil {
		return nil, err
	}
	v, err := e.eval(append(path, "1"), a[1])
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, e.errorf(append(path, "1"), "Fn::Join joins a list, not %s", describe(v))
	}
	items := make([]string, len(list))
	n := 0
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, e.errorf(append(path, "1", strconv.Itoa(i)), "Fn::Join joins strings; item %d is %s", i, describe(item))
		}
		items[i], n = s, n+len(s)+len(delim)
	}
	if err := e.spend(path, n); err != nil {
		return nil, err
	}
	return strings.Join(items, delim), nil
}

func (e *evaluator) sel(path []string, arg any) (any, error) {
	a, ok := args(arg, 2)
	if !ok {
		return nil, e.errorf(path, selectUsage)
	}
	iv, err := e.eval(append(path, "0"), a[0])
	if err != nil {
		return nil, err
	}
	idx, ok := selectIndex(iv)
	if !ok {
		return nil, e.errorf(append(path, "0"), "Fn::Select's index must be a non-negative integer, not %s", describe(iv))
	}
	v, err := e.eval(append(path, "1"), a[1])
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, e.errorf(append(path, "1"), "Fn::Select selects from a list, not %s", describe(v))
	}
	if idx >= len(list) {
		return nil, e.errorf(path, "Fn::Select: index %d is out of range for a list of %d", idx, len(list))
	}
	return list[idx], nil
}

func (e *evaluator) findInMap(path []string, arg any) (any, error) {
	a, ok := args(arg, 3)
	if !ok {
		return nil, e.errorf(path, findUsage)
	}
	var keys [3]string
	for i := range a {
		s, err := e.str(append(path, strconv.Itoa(i)), a[i], "each Fn::FindInMap key")
		if err != nil {
			return nil, err
		}
		keys[i] = s
	}
	m, ok := e.b.mappings[keys[0]].(map[string]any)
	if !ok {
		return nil, e.errorf(path, "Fn::FindInMap: there is no mapping named %q", keys[0])
	}
	top, ok := m[keys[1]].(map[string]any)
	if !ok {
		return nil, e.errorf(path, "Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
	}
	v, ok := top[keys[2]]
	if !ok {
		return nil, e.errorf(path, "Fn::FindInMap: mapping %s has no key %q under %q", keys[0], keys[2], keys[1])
	}
	// A copy: the value is the document's, and callers may keep it.
	return e.eval([]string{"Mappings", keys[0], keys[1], keys[2]}, v)
}
