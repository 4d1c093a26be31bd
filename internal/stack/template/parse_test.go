package template

import (
	"reflect"
	"strings"
	"testing"
)

func TestShortTagsMatchLongForms(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, short, long string }{
		{"Ref", `!Ref X`, `{"Ref": "X"}`},
		{"GetAtt dotted", `!GetAtt A.B`, `{"Fn::GetAtt": ["A", "B"]}`},
		{"GetAtt splits at the first dot", `!GetAtt A.B.C`, `{"Fn::GetAtt": ["A", "B.C"]}`},
		{"GetAtt list", `!GetAtt [A, B.C]`, `{"Fn::GetAtt": ["A", "B.C"]}`},
		{"GetAtt list with Ref", `!GetAtt [A, !Ref P]`, `{"Fn::GetAtt": ["A", {"Ref": "P"}]}`},
		{"Sub", `!Sub "${AWS::Region}-x"`, `{"Fn::Sub": "${AWS::Region}-x"}`},
		{"Sub list", "!Sub\n  - ${A}-${B}\n  - B: !Ref C", `{"Fn::Sub": ["${A}-${B}", {"B": {"Ref": "C"}}]}`},
		{"Join", `!Join [",", [a, !Ref B]]`, `{"Fn::Join": [",", ["a", {"Ref": "B"}]]}`},
		{"If", `!If [C, !Ref AWS::NoValue, 3]`, `{"Fn::If": ["C", {"Ref": "AWS::NoValue"}, 3]}`},
		{"Equals", `!Equals [!Ref E, prod]`, `{"Fn::Equals": [{"Ref": "E"}, "prod"]}`},
		{"And Or Not Condition", `!And [!Or [!Condition A, !Not [!Condition B]], !Condition C]`,
			`{"Fn::And": [{"Fn::Or": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]}, {"Condition": "C"}]}`},
		{"Select", `!Select [1, !Split [",", "a,b"]]`, `{"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}`},
		{"FindInMap", `!FindInMap [M, !Ref AWS::Region, Ami]`, `{"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]}`},
		{"Base64", `!Base64 hello`, `{"Fn::Base64": "hello"}`},
		{"Base64 of Sub", `!Base64 {"Fn::Sub": "x"}`, `{"Fn::Base64": {"Fn::Sub": "x"}}`},
		{"Cidr", `!Cidr [10.0.0.0/16, 4, 8]`, `{"Fn::Cidr": ["10.0.0.0/16", 4, 8]}`},
		{"GetAZs", `!GetAZs ""`, `{"Fn::GetAZs": ""}`},
		{"ImportValue", `!ImportValue Shared`, `{"Fn::ImportValue": "Shared"}`},
		{"Transform", "!Transform\n  Name: AWS::Include\n  Parameters: {Location: s3://x}", `{"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://x"}}}`},
		{"short tag argument stays text", `!Ref 123`, `{"Ref": "123"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			short := mustParse(t, "V: "+strings.ReplaceAll(tt.short, "\n", "\n  ")+"\n")
			long := mustParse(t, `{"V": `+tt.long+`}`)
			if !reflect.DeepEqual(short.Doc, long.Doc) {
				t.Fatalf("short form %#v\nlong form  %#v", short.Doc, long.Doc)
			}
			// The same long form written in YAML block style.
			yamlLong := mustParse(t, "V: "+tt.long+"\n")
			if !reflect.DeepEqual(yamlLong.Doc, long.Doc) {
				t.Fatalf("YAML %#v\nJSON %#v", yamlLong.Doc, long.Doc)
			}
		})
	}
}

func TestScalars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
		err  string
	}{
		{"8", int64(8), ""},
		{"-8", int64(-8), ""},
		{"+8", int64(8), ""},
		{"8.0", int64(8), ""},
		{"8e2", int64(800), ""},
		{"0.5", 0.5, ""},
		{"1e300", 1e300, ""},
		{"9007199254740992.0", int64(9007199254740992), ""},
		{"9007199254740994.0", 9007199254740994.0, ""},
		{"9223372036854775807", int64(9223372036854775807), ""},
		{`"8"`, "8", ""},
		{"'0x10'", "0x10", ""},
		{"!!str 8", "8", ""},
		{"!!int 8", int64(8), ""},
		{"012345678901", "012345678901", ""},
		{"true", true, ""},
		{"False", false, ""},
		{"yes", "yes", ""},
		{"~", nil, ""},
		{"", nil, ""},
		{"2010-09-09", "2010-09-09", ""},
		{"0x10", nil, "hexadecimal, octal or binary"},
		{"0o17", nil, "hexadecimal, octal or binary"},
		{"0b101", nil, "hexadecimal, octal or binary"},
		{"1_000", nil, "underscores"},
		{"1e400", nil, "the number 1e400 is out of range"},
		{"-1e400", nil, "out of range"},
		{".inf", nil, "not finite"},
		{"-.Inf", nil, "not finite"},
		{".nan", nil, "not finite"},
		{"9223372036854775808", nil, "does not fit in 64 bits"},
		{"!!float abc", nil, "not a number: abc"},
		{"!!set {a: b}", nil, "YAML tag !!set is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tpl, err := Parse("template.yaml", []byte("V: "+tt.src+"\n"))
			if tt.err != "" {
				wantProblem(t, err, at(1, 4), tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tpl.Doc["V"]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

func TestJSONNumbersFollowTheSameRule(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `{"a": 8, "b": 8.0, "c": 8e2, "d": 0.25, "e": -0, "f": 1E300}`)
	want := map[string]any{"a": int64(8), "b": int64(8), "c": int64(800), "d": 0.25, "e": int64(0), "f": 1e300}
	if !reflect.DeepEqual(tpl.Doc, want) {
		t.Fatalf("got %#v", tpl.Doc)
	}
}

const positioned = `Resources:
  MyFn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Env: !Sub
        - ${A}
        - A: !Ref B
      Tags:
        - Key: a
          Value: b
`

func TestPositions(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, positioned)
	tests := []struct {
		path []string
		want Pos
	}{
		{nil, Pos{1, 1}},
		{[]string{"Resources"}, Pos{1, 1}},
		{[]string{"Resources", "MyFn"}, Pos{2, 3}},
		{[]string{"Resources", "MyFn", "Type"}, Pos{3, 11}},
		{[]string{"Resources", "MyFn", "Properties", "Handler"}, Pos{5, 16}},
		{[]string{"Resources", "MyFn", "Properties", "Role"}, Pos{6, 13}},
		{[]string{"Resources", "MyFn", "Properties", "Role", "Fn::GetAtt", "1"}, Pos{6, 13}},
		{[]string{"Resources", "MyFn", "Properties", "Env"}, Pos{7, 12}},
		{[]string{"Resources", "MyFn", "Properties", "Env", "Fn::Sub", "1"}, Pos{9, 11}},
		{[]string{"Resources", "MyFn", "Properties", "Env", "Fn::Sub", "1", "A"}, Pos{9, 14}},
		{[]string{"Resources", "MyFn", "Properties", "Env", "Fn::Sub", "1", "A", "Ref"}, Pos{9, 14}},
		{[]string{"Resources", "MyFn", "Properties", "Tags", "0", "Value"}, Pos{12, 18}},
		// Paths the source does not have end at the nearest ancestor.
		{[]string{"Resources", "MyFn", "Properties", "Tags", "7"}, Pos{10, 7}},
		{[]string{"Resources", "MyFn", "Properties", "Nope", "deeper"}, Pos{4, 5}},
		{[]string{"Outputs", "X"}, Pos{1, 1}},
	}
	for _, tt := range tests {
		if got := tpl.Pos(tt.path...); got != tt.want {
			t.Errorf("Pos(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestWithDocKeepsPositions(t *testing.T) {
	t.Parallel()
	sam := mustParse(t, positioned)
	doc := map[string]any{"Resources": map[string]any{
		"MyFn":     map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{"Handler": "x"}},
		"MyFnRole": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"Policies": []any{}}},
	}}
	out := sam.WithDoc(doc, map[string][]string{"MyFnRole": {"Resources", "MyFn"}})
	if got := out.Pos("Resources", "MyFn", "Properties", "Handler"); got != (Pos{5, 16}) {
		t.Errorf("kept resource: %v", got)
	}
	if got := out.Pos("Resources", "MyFnRole", "Properties", "Policies"); got != (Pos{4, 5}) {
		t.Errorf("generated resource: %v, want the SAM resource's Properties", got)
	}
	// A second rewrite maps through the first.
	again := out.WithDoc(doc, map[string][]string{"MyFnRolePolicy": {"Resources", "MyFnRole"}})
	if got := again.Pos("Resources", "MyFnRolePolicy"); got != (Pos{2, 3}) {
		t.Errorf("twice generated resource: %v", got)
	}
	e := again.Errorf([]string{"Resources", "MyFnRolePolicy", "Type"}, "bad")
	if want := "template.yaml:3:11: Resources.MyFnRolePolicy.Type: bad"; e.Error() != want {
		t.Errorf("Errorf = %q, want %q", e.Error(), want)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "t.yaml", Line: 12, Col: 7, Path: []string{"Resources", "MyFn"}, Msg: "bad"}, "t.yaml:12:7: Resources.MyFn: bad"},
		{Error{File: "t.yaml", Line: 12, Msg: "bad"}, "t.yaml:12: bad"},
		{Error{File: "t.yaml", Msg: "bad"}, "t.yaml: bad"},
		{Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestAliases(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `
Base: &base
  Runtime: python3.12
  Tags: [a]
A: *base
B:
  <<: *base
  Runtime: nodejs20.x
C:
  <<: [{X: 1}, {X: 2, Y: 2}]
`)
	a := tpl.Doc["A"].(map[string]any)
	base := tpl.Doc["Base"].(map[string]any)
	a["Tags"].([]any)[0] = "changed"
	if base["Tags"].([]any)[0] != "a" {
		t.Fatal("an alias shares its value with the anchor; want a copy")
	}
	b := tpl.Doc["B"].(map[string]any)
	if b["Runtime"] != "nodejs20.x" || !reflect.DeepEqual(b["Tags"], []any{"a"}) {
		t.Fatalf("merge: %#v", b)
	}
	if c := tpl.Doc["C"].(map[string]any); c["X"] != int64(1) || c["Y"] != int64(2) {
		t.Fatalf("earlier merges win: %#v", c)
	}
	if got := tpl.Pos("A"); got != (Pos{5, 4}) {
		t.Errorf("alias position %v", got)
	}
	if got := tpl.Pos("A", "Runtime"); got != (Pos{3, 12}) {
		t.Errorf("aliased value position %v", got)
	}
}

func TestJSONFastPathMatchesYAML(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"a": 1}`,
		"{\n\t\"Resources\": {\n\t\t\"Fn\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {\"Handler\": \"x\", \"N\": [1, 2.5, -3e2, true, false, null]}}\n\t}\n}\n",
		`{"é€": "x", "b": {"c": ["\u00e9\t\n\"\\", {}]}, "d": []}`,
		"{\"a\":\r\n 1,\r\"b\": 2}",
		`  {"<<": {"a": 1}, "Ref": "x"}  `,
	}
	for _, src := range docs {
		j, jp, ok := parseJSON([]byte(src))
		if !ok {
			t.Fatalf("JSON path refused %q", src)
		}
		y, yp, err := parseYAML("t", []byte(src))
		if err != nil {
			t.Fatalf("YAML path: %v", err)
		}
		if !reflect.DeepEqual(j, y) {
			t.Fatalf("%q:\nJSON %#v\nYAML %#v", src, j, y)
		}
		if !reflect.DeepEqual(jp, yp) {
			t.Fatalf("%q: positions differ", src)
		}
	}
	// JSON the YAML library cannot read goes through the fast path.
	tpl := mustParse(t, `{"a": "x\/y", "b": "\ud83d\ude00"}`)
	if tpl.Doc["a"] != "x/y" || tpl.Doc["b"] != "\U0001F600" {
		t.Fatalf("got %#v", tpl.Doc)
	}
}
