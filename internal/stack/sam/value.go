package sam

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// maxDepth bounds nesting. Templates are shallow; the deepest parts are
// OpenAPI schemas, which stay far below this. The limit keeps hostile
// input from costing stack and time.
const maxDepth = 512

// copyValue deep-copies a template value, refusing anything that is not one
// of the plain JSON-like Go types the parser produces. Every later step
// mutates the copy freely; the caller's document is never touched.
func copyValue(v any, l loc) (any, error) {
	out, rev, err := copyRec(v, 0)
	if err != nil {
		slices.Reverse(rev)
		return nil, l.at(rev...).errf("%s", err.Error())
	}
	return out, nil
}

// copyRec returns, on error, the path below v in reverse, so that the
// common case of success builds no paths at all.
func copyRec(v any, depth int) (any, []string, error) {
	if depth > maxDepth {
		return nil, nil, fmt.Errorf("the template nests more than %d levels deep", maxDepth)
	}
	switch x := v.(type) {
	case nil, string, bool, int64, float64:
		return x, nil, nil
	case int:
		return int64(x), nil, nil
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			c, rev, err := copyRec(e, depth+1)
			if err != nil {
				return nil, append(rev, k), err
			}
			m[k] = c
		}
		return m, nil, nil
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			c, rev, err := copyRec(e, depth+1)
			if err != nil {
				return nil, append(rev, strconv.Itoa(i)), err
			}
			s[i] = c
		}
		return s, nil, nil
	}
	return nil, nil, fmt.Errorf("a value of Go type %T cannot appear in a template", v)
}

// clone deep-copies a value already known to be well-formed (it came out of
// copyValue), for places where one value lands in two spots of the output.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = clone(e)
		}
		return s
	}
	return v
}

// truthy is Python's truth test, which the translator applies to nearly
// every optional property: empty strings, maps and lists count as absent.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int64:
		return x != 0
	case float64:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// isIntrinsic is the translator's test: a one-key map whose key is Ref,
// Condition or an Fn:: function.
func isIntrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func isNoValue(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 1 && m["Ref"] == "AWS::NoValue"
}

// refTarget reads an API reference as the translator does: a plain string is
// a logical ID, and so is the target of a Ref.
func refTarget(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any:
		if r, ok := x["Ref"].(string); ok && len(x) == 1 {
			return r, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pyStr renders a scalar as Python's str() would, because the translator
// matches version patterns and status codes against str(value).
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return pyFloat(x)
	}
	return fmt.Sprint(v)
}

func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	a := math.Abs(f)
	if a != 0 && (a >= 1e16 || a < 1e-4) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// describe names a value's type in errors the way a template author thinks
// of it.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case map[string]any:
		if isIntrinsic(v) {
			return "an intrinsic function"
		}
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// props is a map of properties with the location it was read from, so that
// every type check can say where it failed.
type props struct {
	m   map[string]any
	loc loc
	// fromGlobals holds the keys that Globals supplied and the resource did
	// not, so that an error about one points at the Globals section.
	fromGlobals map[string]bool
	globalsLoc  loc
}

func (p props) keyLoc(key string) loc {
	if p.fromGlobals[key] {
		return p.globalsLoc.at(key)
	}
	return p.loc.at(key)
}

func (p props) has(key string) bool {
	_, ok := p.m[key]
	return ok
}

// mapOf returns a map-valued property; absent and null read as nil.
func (p props) mapOf(key string) (map[string]any, error) {
	v, ok := p.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok || isIntrinsic(v) {
		return nil, p.keyLoc(key).errf("must be a map, not %s", describe(v))
	}
	return m, nil
}

func (p props) listOf(key string) ([]any, error) {
	v, ok := p.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, p.keyLoc(key).errf("must be a list, not %s", describe(v))
	}
	return l, nil
}

func (p props) str(key string) (string, bool, error) {
	v, ok := p.m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, p.keyLoc(key).errf("must be a string, not %s", describe(v))
	}
	return s, true, nil
}

// strOrIntrinsic accepts what CloudFormation resolves to a string later.
func (p props) strOrIntrinsic(key string) error {
	v, ok := p.m[key]
	if !ok || v == nil {
		return nil
	}
	if _, ok := v.(string); ok || isIntrinsic(v) {
		return nil
	}
	return p.keyLoc(key).errf("must be a string, not %s", describe(v))
}

func (p props) boolOf(key string) (bool, bool, error) {
	v, ok := p.m[key]
	if !ok || v == nil {
		return false, false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, false, p.keyLoc(key).errf("must be true or false, not %s", describe(v))
	}
	return b, true, nil
}

// only refuses keys outside allowed, naming them; allowed is small, so a
// linear scan is fine.
func (p props) only(what string, allowed ...string) error {
	for _, k := range sortedKeys(p.m) {
		if !slices.Contains(allowed, k) {
			return p.keyLoc(k).errf("%s is not a property of %s (expected one of %s)", k, what, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func asProps(v any, l loc, what string) (props, error) {
	m, ok := v.(map[string]any)
	if !ok || isIntrinsic(v) {
		return props{}, l.errf("%s must be a map, not %s", what, describe(v))
	}
	return props{m: m, loc: l}, nil
}

func stringsOf(v any, l loc) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, l.errf("must be a list of strings, not %s", describe(v))
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, l.at(strconv.Itoa(i)).errf("must be a string, not %s", describe(e))
		}
		out[i] = s
	}
	return out, nil
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

func sub(s string) map[string]any { return map[string]any{"Fn::Sub": s} }

func subWith(s string, vars map[string]any) map[string]any {
	return map[string]any{"Fn::Sub": []any{s, vars}}
}

// tagList turns SAM's tag map into CloudFormation's Key/Value list, sorted
// by key because a Go map has no order to preserve.
func tagList(tags map[string]any) []any {
	out := make([]any, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, map[string]any{"Key": k, "Value": tags[k]})
	}
	return out
}

// isAlnum is Python's str.isalnum, which decides whether a stage name can
// be spliced into a logical ID as is.
func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isLetterOrDigit(r) {
			return false
		}
	}
	return true
}

func itoa(i int) string { return strconv.Itoa(i) }

// isASCIIAlnum is CloudFormation's rule for logical IDs.
func isASCIIAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
