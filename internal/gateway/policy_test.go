package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPolicyEvaluate(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items/42"
	stmt := func(effect, action, resource string) string {
		return `{"Effect":"` + effect + `","Action":` + action + `,"Resource":` + resource + `}`
	}
	doc := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	tests := []struct {
		name string
		doc  string
		want PolicyEffect
	}{
		{"exact allow", doc(stmt("Allow", `"execute-api:Invoke"`, `"`+arn+`"`)), Allowed},
		{"other method", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/POST/items/42"`)), ImplicitDeny},
		{"star everything", doc(stmt("Allow", `"*"`, `"*"`)), Allowed},
		{"execute-api:*", doc(stmt("Allow", `"execute-api:*"`, `"arn:aws:execute-api:*"`)), Allowed},
		{"action case", doc(stmt("Allow", `"Execute-API:invoke"`, `"`+arn+`"`)), Allowed},
		{"other service action", doc(stmt("Allow", `"s3:GetObject"`, `"*"`)), ImplicitDeny},
		{"action prefix wildcard", doc(stmt("Allow", `"execute-api:Inv*"`, `"*"`)), Allowed},
		{"stage wildcard", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*/GET/items/*"`)), Allowed},
		{"all methods of a stage", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/*"`)), Allowed},
		{"other stage", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/dev/*"`)), ImplicitDeny},
		{"question mark", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items/4?"`)), Allowed},
		{"question mark is one char", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items/?"`)), ImplicitDeny},
		{"resource array", doc(stmt("Allow", `"execute-api:Invoke"`, `["arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/POST/*","`+arn+`"]`)), Allowed},
		{"action array", doc(stmt("Allow", `["s3:GetObject","execute-api:Invoke"]`, `"*"`)), Allowed},
		{"resource case matters", doc(stmt("Allow", `"execute-api:Invoke"`, `"arn:aws:execute-api:us-east-1:123456789012:A1B2C3/prod/GET/items/42"`)), ImplicitDeny},
		{"explicit deny", doc(stmt("Deny", `"execute-api:Invoke"`, `"`+arn+`"`)), ExplicitDeny},
		{"deny wins over allow", doc(stmt("Allow", `"*"`, `"*"`), stmt("Deny", `"execute-api:Invoke"`, `"arn:aws:execute-api:*:*:*/*/GET/*"`)), ExplicitDeny},
		{"deny first still wins", doc(stmt("Deny", `"execute-api:Invoke"`, `"`+arn+`"`), stmt("Allow", `"*"`, `"*"`)), ExplicitDeny},
		{"deny elsewhere", doc(stmt("Deny", `"execute-api:Invoke"`, `"arn:aws:execute-api:*:*:*/*/DELETE/*"`), stmt("Allow", `"*"`, `"*"`)), Allowed},
		{"deny with other action", doc(stmt("Deny", `"s3:*"`, `"*"`), stmt("Allow", `"*"`, `"*"`)), Allowed},
		{"no statements", `{"Version":"2012-10-17","Statement":[]}`, ImplicitDeny},
		{"single statement object", `{"Version":"2012-10-17","Statement":` + stmt("Allow", `"execute-api:Invoke"`, `"`+arn+`"`) + `}`, Allowed},
		{"lower-case effect", doc(stmt("allow", `"execute-api:Invoke"`, `"`+arn+`"`)), Allowed},
		{"lower-case keys", `{"version":"2012-10-17","statement":[{"effect":"Allow","action":"execute-api:Invoke","resource":"` + arn + `"}]}`, Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePolicy([]byte(tt.doc))
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if got := p.Evaluate(arn); got != tt.want {
				t.Fatalf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPolicyMalformed(t *testing.T) {
	t.Parallel()
	long := `"arn:aws:execute-api:us-east-1:1:a/` + strings.Repeat("x", maxPolicyResource) + `"`
	for name, doc := range map[string]string{
		"not JSON":            `{`,
		"null":                `null`,
		"array":               `[]`,
		"string":              `"Allow"`,
		"no Statement":        `{"Version":"2012-10-17"}`,
		"null Statement":      `{"Statement":null}`,
		"Statement string":    `{"Statement":"Allow"}`,
		"Statement number":    `{"Statement":1}`,
		"statement not obj":   `{"Statement":["x"]}`,
		"unknown Effect":      `{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`,
		"no Effect":           `{"Statement":[{"Action":"*","Resource":"*"}]}`,
		"no Action":           `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		"no Resource":         `{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		"Resource number":     `{"Statement":[{"Effect":"Allow","Action":"*","Resource":42}]}`,
		"Resource empty list": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":[]}]}`,
		"Resource mixed list": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":["*",1]}]}`,
		"Action object":       `{"Statement":[{"Effect":"Allow","Action":{"a":1},"Resource":"*"}]}`,
		"NotAction":           `{"Statement":[{"Effect":"Deny","NotAction":"execute-api:Invoke","Resource":"*"}]}`,
		"NotResource":         `{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"*"}]}`,
		"Condition":           `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}`,
		"Resource too long":   `{"Statement":[{"Effect":"Allow","Action":"*","Resource":` + long + `}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if p, err := ParsePolicy([]byte(doc)); !errors.Is(err, errMalformedPolicy) {
				t.Fatalf("ParsePolicy(%s) = %+v, %v; want errMalformedPolicy", doc, p, err)
			}
		})
	}
}

func TestPolicyWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"?", "", false},
		{"?", "a", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"*/GET/*", "api/prod/GET/items", true},
		{"*/GET/*", "api/prod/POST/items", false},
		{"**a", "bbba", true},
		{"a?c*", "abcdef", true},
		{"abc", "ab", false},
		{"ab", "abc", false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	// A pattern built to make backtracking matchers explode stays cheap.
	start := time.Now()
	if wildcardMatch(strings.Repeat("*a", 200)+"b", strings.Repeat("a", maxPolicyResource)) {
		t.Fatal("pathological pattern matched")
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("pathological pattern took %s", d)
	}
}
