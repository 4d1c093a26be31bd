package template

import (
	"errors"
	"reflect"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	f.Add(readTestdata(f, "sam.yaml"))
	f.Add(readTestdata(f, "native.yaml"))
	for _, s := range []string{
		positioned,
		evalBase + "!Join ['', [!Select [0, !Split [',', !Join [',', !Ref Ports]]], !If [IsProd, '!', '?']]]\n",
		evalBase + "!Sub ['${A}/${B}/${Env}', {A: !Ref Queue, B: 42}]\n",
		"Resources:\n  A:\n    Type: X\n    Properties: {QueueName: !GetAtt B.Arn}\n  B:\n    Type: X\n    DependsOn: A\n",
		"Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  Q: {Type: X, Condition: A}\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc:\n  <<: {k: *b}\n",
		`{"Resources": {"Q": {"Type": "X", "Properties": {"A": {"Fn::Base64": {"Fn::FindInMap": ["M", "a", "b"]}}}}}, "Mappings": {"M": {"a": {"b": "c"}}}}`,
		"a: 0x10\nb: 1e400\nc: .inf\n",
		"a: !Ref [x]\n",
		"- a\n",
		"a: 1\n---\nb: 2\n",
		"Resources:\n\tA: 1\n",
		"a: \xff\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParse feeds arbitrary bytes through everything a deployment does
// with a template: no input may panic, and every problem is an *Error.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, err := Parse("fuzz.yaml", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %v is %T, not *Error", err, err)
			}
			return
		}
		tpl.Pos("Resources", "A", "Properties", "0", "x")
		// Give every parameter a value, so that Bind gets further.
		ctx := Context{Region: "us-east-1", Parameters: map[string]string{}}
		if params, ok := tpl.Doc["Parameters"].(map[string]any); ok {
			for name, def := range params {
				if d, ok := def.(map[string]any); ok && d["Default"] == nil {
					ctx.Parameters[name] = "1"
				}
			}
		}
		b, err := tpl.Bind(ctx, anyTypes{})
		if err != nil {
			if len(problems(t, err)) == 0 {
				t.Fatal("Bind failed with no problems")
			}
			return
		}
		r := &fakeResolver{}
		for _, res := range b.Resources() {
			if _, err := b.Eval([]string{"Resources", res.LogicalID, "Properties"}, res.Properties, r); err != nil {
				problems(t, err)
			}
			b.Eval([]string{"Resources", res.LogicalID, "Metadata"}, res.Metadata, r)
		}
		if _, err := b.Outputs(r); err != nil {
			problems(t, err)
		}
		if len(b.Order()) != len(b.Resources()) {
			t.Fatalf("Order has %d resources, Resources %d", len(b.Order()), len(b.Resources()))
		}
	})
}

// FuzzJSONMatchesYAML holds the JSON fast path to the YAML path: where
// both read a document, they must read the same values at the same
// positions.
func FuzzJSONMatchesYAML(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"a": [1, 2.5, -0, 1e3, "x\u00e9\n"], "b": {"c": null, "d": true}}`))
	f.Add([]byte("{\r\n\t\"a\":\r{}\n}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > maxTemplateBytes || tokens(src) > maxTokens {
			return
		}
		j, jp, ok := parseJSON(src)
		if !ok {
			return
		}
		y, yp, err := parseYAML("fuzz.yaml", src)
		if err != nil {
			return // JSON the YAML library cannot read: the fast path is the better reader
		}
		if !reflect.DeepEqual(j, y) {
			t.Fatalf("values differ:\nJSON %#v\nYAML %#v", j, y)
		}
		if !reflect.DeepEqual(jp, yp) {
			t.Fatalf("positions differ")
		}
	})
}
