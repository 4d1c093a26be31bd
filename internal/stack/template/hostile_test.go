package template

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRefusesHostileInput(t *testing.T) {
	t.Parallel()
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'j'; i, prev = i+1, i {
		bomb += string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(prev)+", ", 9) + "*" + string(prev) + "]\n"
	}
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"alias bomb", bomb, []string{"expands to more than 200000 values"}},
		{"alias cycle", "a: &a [1, *a]\n", []string{at(1, 11), "a.1: alias *a is used inside its own anchor's value"}},
		{"deep nesting flow", "a: " + strings.Repeat("[", 150) + strings.Repeat("]", 150), []string{"nests deeper than 100 levels"}},
		{"deep nesting block", deepBlock(120), []string{"nests deeper than 100 levels"}},
		{"deep nesting beyond the YAML library's limit", "a: " + strings.Repeat("[", 20000), []string{"malformed YAML", "exceeded max depth"}},
		{"huge document", "a: \"" + strings.Repeat("x", maxTemplateBytes) + "\"\n", []string{"template.yaml: the template is 1048582 bytes"}},
		{"too many values", "a: [" + strings.Repeat("0,", maxTokens) + "0]\n", []string{"more than 100000 lines, commas and brackets"}},
		{"invalid UTF-8", "a: b\nc: d\xff\n", []string{"template.yaml:2:5: the template is not valid UTF-8"}},
		{"tabs", "Resources:\n\tA: 1\n", []string{"template.yaml:2:1: malformed YAML", "YAML does not allow tabs for indentation"}},
		{"multiple documents", "a: 1\n---\nb: 2\n", []string{"template.yaml:2:1: the stream holds more than one YAML document"}},
		{"empty", "", []string{"the template is empty"}},
		{"only a comment", "# nothing\n", []string{"the template is empty"}},
		{"list root", "- a\n- b\n", []string{at(1, 1), "must be a mapping (an object) at the top level"}},
		{"scalar root", "hello\n", []string{"must be a mapping"}},
		{"tagged root", "!Ref X\n", []string{"must be a mapping"}},
		{"JSON array root", "[1, 2]", []string{"must be a mapping"}},
		{"Ref on a sequence", "a: !Ref [x, y]\n", []string{at(1, 4), "!Ref takes a name (a scalar), not a YAML sequence"}},
		{"Condition on a mapping", "a: !Condition {x: y}\n", []string{at(1, 4), "!Condition takes a name"}},
		{"GetAtt on a mapping", "a: !GetAtt {x: y}\n", []string{at(1, 4), "!GetAtt takes LogicalID.Attribute"}},
		{"unknown tag", "a:\n  b: !Foo bar\n", []string{at(2, 6), "a.b: unknown tag !Foo"}},
		{"unknown tag on a sequence", "a: !Reff [x]\n", []string{"unknown tag !Reff"}},
		{"hex", "a: 0x10\n", []string{at(1, 4), "hexadecimal"}},
		{"overflow", "a: 1e400\n", []string{at(1, 4), "out of range"}},
		{"infinity", "a: .inf\n", []string{at(1, 4), "not finite"}},
		{"sequence key", "? [a]\n: b\n", []string{at(1, 3), "a mapping key must be a string, not a YAML sequence"}},
		{"mapping key", "? {a: 1}\n: b\n", []string{"a mapping key must be a string"}},
		{"null key", "~: b\n", []string{at(1, 1), "not empty or null"}},
		{"tagged key", "!Ref x: b\n", []string{"not tagged !Ref"}},
		{"duplicate key", "a: 1\nb:\n  c: 1\n  c: 2\n", []string{at(4, 3), "b.c: duplicate key \"c\""}},
		{"duplicate key in JSON", `{"a": 1, "a": 2}`, []string{at(1, 10), "duplicate key \"a\""}},
		{"merge of a scalar", "a:\n  <<: 1\n", []string{"a merge key (<<) takes a mapping"}},
		{"unknown anchor", "a: *nope\n", []string{"malformed YAML", "unknown anchor"}},
		{"YAML syntax error", "a: b\nc: [d\n", []string{"template.yaml:", "malformed YAML"}},
		{"NUL byte", "a: \x00\n", []string{"malformed YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := Parse("template.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("parsed; want an error")
			}
			wantProblem(t, err, tt.want...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i))
		b.WriteString("a:\n")
	}
	return b.String()
}

// Refused input costs bounded memory: the alias bomb is refused after
// producing at most maxValues values, not its billions.
func TestAliasBombIsCheap(t *testing.T) {
	t.Parallel()
	src := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'z'; i, prev = i+1, i {
		src += string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(prev)+", ", 9) + "*" + string(prev) + "]\n"
	}
	start := time.Now()
	_, err := Parse("template.yaml", []byte(src))
	wantProblem(t, err, "expands to more than")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("alias bomb took %v", d)
	}
}

// TestYAMLSyntaxErrorPosition: YAML syntax errors point at the offending
// token, line and column, though the YAML library reports only the line
// of the enclosing construct.
func TestYAMLSyntaxErrorPosition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src       string
		line, col int
	}{
		{"Resources:\n  A:\n    Type: X\n   bad: [\n", 4, 4},
		{"Resources:\n  A:\n    Type: X\n    Properties:\n      Handler: a: b\n", 5, 17},
		{"Resources:\n  A:\n    Type: X\n  - b\n", 4, 3},
		{"Resources:\n\tA: 1\n", 2, 1},
	}
	for _, c := range cases {
		_, err := Parse("template.yaml", []byte(c.src))
		var e *Error
		if !errors.As(err, &e) || e.Line != c.line || e.Col != c.col {
			t.Errorf("%q: got %v, want line %d column %d", c.src, err, c.line, c.col)
		}
	}
}
