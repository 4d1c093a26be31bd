package template

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// param is a declared parameter with its value decided.
type param struct {
	typ    string // String, Number, List<Number> or CommaDelimitedList
	value  any    // string, or []any of strings for the list types
	noEcho bool
}

func (p *param) list() bool { return p.typ == "List<Number>" || p.typ == "CommaDelimitedList" }

// paramType maps a declared Type to the four CloudFormation evaluates
// with. AWS-specific types (AWS::EC2::KeyPair::KeyName) are only checked
// against the account by CloudFormation; gatehouse has no such resources
// to check against, so they are plain strings and lists.
func paramType(t string) (string, string) {
	switch {
	case t == "String", t == "Number", t == "List<Number>", t == "CommaDelimitedList":
		return t, ""
	case strings.HasPrefix(t, "AWS::SSM::Parameter::"):
		return "", fmt.Sprintf("parameter type %s is not supported by gatehouse (it has no SSM Parameter Store)", t)
	case strings.HasPrefix(t, "List<AWS::") && strings.HasSuffix(t, ">"):
		return "CommaDelimitedList", ""
	case strings.HasPrefix(t, "AWS::"):
		return "String", ""
	}
	return "", fmt.Sprintf("unknown parameter type %q; use String, Number, List<Number>, CommaDelimitedList or an AWS-specific type", t)
}

func paramProperty(k string) bool {
	switch k {
	case "Type", "Default", "Description", "AllowedValues", "AllowedPattern", "MinLength", "MaxLength",
		"MinValue", "MaxValue", "NoEcho", "ConstraintDescription":
		return true
	}
	return false
}

func (c *checker) parameters() {
	defs := c.section("Parameters")
	for _, name := range sortedKeys(defs) {
		path := []string{"Parameters", name}
		if !c.logicalID(path, "parameter", name) {
			continue
		}
		def, ok := defs[name].(map[string]any)
		if !ok {
			c.errorf(path, "a parameter must be a mapping with a Type, not %s", describe(defs[name]))
			continue
		}
		for _, k := range sortedKeys(def) {
			if !paramProperty(k) {
				c.errorf(append(path, k), "unknown parameter property %q", k)
			}
		}
		declared, ok := def["Type"].(string)
		if !ok {
			c.errorf(path, "the parameter has no Type (String, Number, List<Number> or CommaDelimitedList)")
			continue
		}
		typ, msg := paramType(declared)
		if msg != "" {
			c.errorf(append(path, "Type"), "%s", msg)
			continue
		}
		p := &param{typ: typ}
		c.b.params[name] = p
		if v, ok := def["NoEcho"]; ok {
			switch s, _ := text(v); s {
			case "true", "false":
				p.noEcho = s == "true"
			default:
				c.errorf(append(path, "NoEcho"), "NoEcho must be true or false")
			}
		}
		raw, given := c.b.ctx.Parameters[name]
		if !given {
			d, ok := def["Default"]
			if !ok {
				c.errorf(path, "Parameters: [%s] must have values", name)
				continue
			}
			if raw, ok = text(d); !ok {
				c.errorf(append(path, "Default"), "Default must be a string, not %s", describe(d))
				continue
			}
		}
		c.constrain(path, name, def, p, raw)
	}
	for _, name := range sortedKeys(c.b.ctx.Parameters) {
		if _, ok := defs[name]; !ok {
			c.errorf([]string{"Parameters", name}, "parameter override %s: the template declares no parameter %s", name, name)
		}
	}
}

// constrain checks a value against the parameter's constraints and
// stores it. Messages follow CloudFormation's and never show the value,
// which may be NoEcho.
func (c *checker) constrain(path []string, name string, def map[string]any, p *param, raw string) {
	items := []string{raw}
	if p.list() {
		items = strings.Split(raw, ",")
		for i := range items {
			items[i] = strings.TrimSpace(items[i])
		}
	}
	numeric := p.typ == "Number" || p.typ == "List<Number>"
	fail := func(key, format string, args ...any) {
		if desc, ok := def["ConstraintDescription"].(string); ok && desc != "" {
			c.errorf(append(path, key), "Parameter '%s' failed to satisfy constraint: %s", name, desc)
			return
		}
		c.errorf(append(path, key), "Parameter '%s' %s", name, fmt.Sprintf(format, args...))
	}
	var pattern *regexp.Regexp
	var patternText string
	if v, ok := def["AllowedPattern"]; ok {
		s, ok := v.(string)
		// CloudFormation matches the whole value, as Java's matches() does.
		re, err := regexp.Compile(`^(?:` + s + `)$`)
		patternText = s
		switch {
		case !ok:
			c.errorf(append(path, "AllowedPattern"), "AllowedPattern must be a string")
		case err != nil:
			c.errorf(append(path, "AllowedPattern"), "AllowedPattern is not a regular expression gatehouse can use (Go RE2 syntax): %v", err)
		default:
			pattern = re
		}
	}
	allowed, hasAllowed := c.allowedValues(path, def)
	minLen, hasMinLen := c.bound(path, def, "MinLength")
	maxLen, hasMaxLen := c.bound(path, def, "MaxLength")
	minVal, hasMinVal := c.bound(path, def, "MinValue")
	maxVal, hasMaxVal := c.bound(path, def, "MaxValue")
	ok := true
	for _, item := range items {
		if numeric {
			f, err := strconv.ParseFloat(item, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				fail("Type", "must be a number")
				ok = false
				break
			}
			if hasMinVal && f < minVal {
				fail("MinValue", "must be a number not less than %s", formatFloat(minVal))
				ok = false
			}
			if hasMaxVal && f > maxVal {
				fail("MaxValue", "must be a number not greater than %s", formatFloat(maxVal))
				ok = false
			}
		} else {
			n := float64(utf8.RuneCountInString(item))
			if hasMinLen && n < minLen {
				fail("MinLength", "must contain at least %s characters", formatFloat(minLen))
				ok = false
			}
			if hasMaxLen && n > maxLen {
				fail("MaxLength", "must contain at most %s characters", formatFloat(maxLen))
				ok = false
			}
			if pattern != nil && !pattern.MatchString(item) {
				fail("AllowedPattern", "must match pattern %s", patternText)
				ok = false
			}
		}
		if hasAllowed && !slices.ContainsFunc(allowed, func(a string) bool { return a == item || numeric && sameNumber(a, item) }) {
			fail("AllowedValues", "must be one of AllowedValues")
			ok = false
		}
		if !ok {
			break
		}
	}
	if !ok {
		return
	}
	if p.list() {
		list := make([]any, len(items))
		for i, s := range items {
			list[i] = s
		}
		p.value = list
	} else {
		p.value = raw
	}
}

func sameNumber(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && x == y
}

func (c *checker) allowedValues(path []string, def map[string]any) ([]string, bool) {
	v, ok := def["AllowedValues"]
	if !ok {
		return nil, false
	}
	list, ok := v.([]any)
	if !ok {
		c.errorf(append(path, "AllowedValues"), "AllowedValues must be a list, not %s", describe(v))
		return nil, false
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := text(e)
		if !ok {
			c.errorf(append(path, "AllowedValues", strconv.Itoa(i)), "AllowedValues takes strings and numbers, not %s", describe(e))
			continue
		}
		out = append(out, s)
	}
	return out, true
}

// bound reads a numeric constraint, written as a number or a string.
func (c *checker) bound(path []string, def map[string]any, key string) (float64, bool) {
	v, ok := def[key]
	if !ok {
		return 0, false
	}
	s, _ := text(v)
	f, err := strconv.ParseFloat(s, 64)
	if _, isBool := v.(bool); isBool || err != nil || math.IsNaN(f) {
		c.errorf(append(path, key), "%s must be a number", key)
		return 0, false
	}
	return f, true
}
