package template

import (
	"strconv"
	"strings"
)

// condState tracks one condition while the Conditions section is decided.
type condState uint8

const (
	condTodo condState = iota
	condBusy
	condDone
	condFailed // reported already; callers stay quiet
)

// condEval decides the Conditions section. Conditions may refer to each
// other with Condition, so they are decided depth first, and a condition
// met again while it is being decided is a cycle.
type condEval struct {
	c     *checker
	defs  map[string]any
	state map[string]condState
	stack []string
}

func (c *checker) conditions() {
	ce := &condEval{c: c, defs: c.section("Conditions"), state: map[string]condState{}}
	for _, name := range sortedKeys(ce.defs) {
		if c.logicalID([]string{"Conditions", name}, "condition", name) {
			ce.condition([]string{"Conditions", name}, name)
		}
	}
}

// condition decides a named condition; ok is false when it could not be
// decided (the problem is reported once, where it is).
func (ce *condEval) condition(at []string, name string) (value, ok bool) {
	switch ce.state[name] {
	case condDone:
		return ce.c.b.conds[name], true
	case condFailed:
		return false, false
	case condBusy:
		i := len(ce.stack) - 1
		for i > 0 && ce.stack[i] != name {
			i--
		}
		cycle := append(append([]string(nil), ce.stack[i:]...), name)
		ce.c.errorf(at, "circular condition references: %s", strings.Join(cycle, " -> "))
		return false, false
	}
	def, declared := ce.defs[name]
	if !declared {
		ce.c.errorf(at, "condition %q is not declared in Conditions", name)
		return false, false
	}
	ce.state[name] = condBusy
	ce.stack = append(ce.stack, name)
	value, ok = ce.expr([]string{"Conditions", name}, def)
	ce.stack = ce.stack[:len(ce.stack)-1]
	if !ok {
		ce.state[name] = condFailed
		return false, false
	}
	ce.state[name] = condDone
	ce.c.b.conds[name] = value
	return value, true
}

// expr decides a condition function.
func (ce *condEval) expr(path []string, v any) (bool, bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		ce.c.errorf(path, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not %s", describe(v))
		return false, false
	}
	var fn string
	var arg any
	for fn, arg = range m {
	}
	path = append(path, fn)
	switch fn {
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			ce.c.errorf(path, "Condition takes a condition name (a string), not %s", describe(arg))
			return false, false
		}
		return ce.condition(path, name)
	case "Fn::Equals":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			ce.c.errorf(path, "Fn::Equals takes a list of two values to compare")
			return false, false
		}
		e := &evaluator{b: ce.c.b, inConditions: true, budget: maxEvalBytes}
		var vals [2]any
		for i, a := range args {
			v, err := e.eval(append(path, strconv.Itoa(i)), a)
			if err != nil {
				ce.c.add(err)
				return false, false
			}
			vals[i] = v
		}
		return equal(vals[0], vals[1]), true
	case "Fn::And", "Fn::Or":
		args, ok := arg.([]any)
		if !ok || len(args) < 2 || len(args) > 10 {
			ce.c.errorf(path, "%s takes a list of 2 to 10 conditions", fn)
			return false, false
		}
		result, all := fn == "Fn::And", true
		// Every operand is decided, not just up to the first that settles
		// the result, so that every problem is reported.
		for i, a := range args {
			v, ok := ce.expr(append(path, strconv.Itoa(i)), a)
			all = all && ok
			if fn == "Fn::And" {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, all
	case "Fn::Not":
		args, ok := arg.([]any)
		if !ok || len(args) != 1 {
			ce.c.errorf(path, "Fn::Not takes a list of one condition")
			return false, false
		}
		v, ok := ce.expr(append(path, "0"), args[0])
		return !v, ok
	}
	ce.c.errorf(path, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not %s", fn)
	return false, false
}
