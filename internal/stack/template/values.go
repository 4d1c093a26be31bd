package template

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// text returns a scalar as CloudFormation writes it into a string: the
// places that need text (Fn::Sub, Outputs, parameter defaults) accept
// numbers and booleans too.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return formatFloat(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// formatFloat writes plain decimals where JSON writers do, and exponents
// only for very large or very small magnitudes.
func formatFloat(f float64) string {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// describe names a value's kind for messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case int64, int, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		if fn, _, ok := Intrinsic(x); ok {
			return fn
		}
		return "a mapping"
	case noValue:
		return "AWS::NoValue"
	}
	return "an unsupported value"
}

// Intrinsic reports whether v is an intrinsic function call in long form:
// a mapping with exactly one key, Ref or Fn::Something. CloudFormation
// treats a mapping with more keys as data even when one of them is
// Fn::Something. Condition is an intrinsic only inside conditions, so it
// is not reported here.
func Intrinsic(v any) (fn string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// noValue is what Ref AWS::NoValue evaluates to: the enclosing mapping
// drops the key and the enclosing list the element.
type noValue struct{}

// equal compares evaluated values as Fn::Equals does: scalars by their
// text (CloudFormation compares the strings "1" and 1 as equal), lists
// element by element.
func equal(a, b any) bool {
	if ta, ok := text(a); ok {
		tb, ok := text(b)
		return ok && ta == tb
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
