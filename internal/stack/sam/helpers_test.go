package sam

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// loadTemplate reads a YAML template into CloudFormation's JSON long form
// (!Ref X becomes {"Ref": "X"}), the shape the template parser hands the
// transform. It is a test helper: the real parser lives elsewhere.
func loadTemplate(t testing.TB, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseYAML(t, string(src))
}

func parseYAML(t testing.TB, src string) map[string]any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	if len(n.Content) == 0 {
		return nil
	}
	v, err := longForm(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("template is %T, not a map", v)
	}
	return m
}

func longForm(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return longForm(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn := strings.TrimPrefix(n.Tag, "!")
		inner := *n
		inner.Tag = ""
		inner.Style &^= yaml.TaggedStyle
		v, err := untagged(&inner)
		if err != nil {
			return nil, err
		}
		switch fn {
		case "Ref", "Condition":
			return map[string]any{fn: v}, nil
		case "GetAtt":
			if s, ok := v.(string); ok {
				id, attr, _ := strings.Cut(s, ".")
				return map[string]any{"Fn::GetAtt": []any{id, attr}}, nil
			}
		}
		return map[string]any{"Fn::" + fn: v}, nil
	}
	return untagged(n)
}

func untagged(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := longForm(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := []any{}
		for _, c := range n.Content {
			v, err := longForm(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return nil, err
			}
			return i, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, err
			}
			return f, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		case "!!null":
			return nil, nil
		}
		return n.Value, nil
	case yaml.AliasNode:
		return longForm(n.Alias)
	}
	return nil, fmt.Errorf("unexpected YAML node kind %v", n.Kind)
}

// transformOK transforms and fails the test on error.
func transformOK(t testing.TB, doc map[string]any) *Result {
	t.Helper()
	r, err := Transform(doc, Options{})
	if err != nil {
		t.Fatalf("Transform: %v", err)
	}
	return r
}

// transformYAML transforms a template written inline.
func transformYAML(t testing.TB, src string) *Result {
	t.Helper()
	return transformOK(t, parseYAML(t, src))
}

// transformErr transforms a template that must be refused, and returns the
// *Error.
func transformErr(t testing.TB, doc map[string]any) *Error {
	t.Helper()
	r, err := Transform(doc, Options{})
	if err == nil {
		b, _ := json.MarshalIndent(r.Doc, "", " ")
		t.Fatalf("Transform succeeded, want an error; output:\n%s", b)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *Error", err, err)
	}
	return e
}

// at follows a path of map keys and list indexes through a value.
func at(t testing.TB, v any, path ...string) any {
	t.Helper()
	cur := v
	for i, k := range path {
		switch x := cur.(type) {
		case map[string]any:
			next, ok := x[k]
			if !ok {
				t.Fatalf("no %q at %s; keys: %v", k, strings.Join(path[:i], "."), sortedKeys(x))
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(x) {
				t.Fatalf("no index %q at %s (length %d)", k, strings.Join(path[:i], "."), len(x))
			}
			cur = x[n]
		default:
			t.Fatalf("%s is %T, cannot index %q", strings.Join(path[:i], "."), cur, k)
		}
	}
	return cur
}

func has(v any, path ...string) bool {
	cur := v
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

// jsonEqual compares two values as JSON, so that int64 and float64
// numbers and nil and empty slices written the same way compare equal.
func jsonEqual(t testing.TB, got, want any) bool {
	t.Helper()
	return reflect.DeepEqual(normalizeJSON(t, got), normalizeJSON(t, want))
}

func normalizeJSON(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantJSON(t testing.TB, got any, want string, where string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON for %s: %v", where, err)
	}
	if !jsonEqual(t, got, w) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("%s:\n got %s\nwant %s", where, g, want)
	}
}

// diff lists the paths where two JSON-shaped values differ.
func diff(a, b any, path string, out *[]string) {
	if len(*out) > 40 {
		return
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: ours %s, theirs %s", path, brief(a), brief(b)))
			return
		}
		keys := sortedKeys(x)
		for _, k := range sortedKeys(y) {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			av, aok := x[k]
			bv, bok := y[k]
			switch {
			case !aok:
				*out = append(*out, fmt.Sprintf("%s.%s: only theirs: %s", path, k, brief(bv)))
			case !bok:
				*out = append(*out, fmt.Sprintf("%s.%s: only ours: %s", path, k, brief(av)))
			default:
				diff(av, bv, path+"."+k, out)
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s: ours %s, theirs %s", path, brief(a), brief(b)))
			return
		}
		for i := range x {
			diff(x[i], y[i], fmt.Sprintf("%s.%d", path, i), out)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, fmt.Sprintf("%s: ours %s, theirs %s", path, brief(a), brief(b)))
		}
	}
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
