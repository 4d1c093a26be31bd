package template

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const evalBase = `Parameters:
  Env: {Type: String, Default: prod}
  Size: {Type: Number, Default: 3}
  Ports: {Type: List<Number>, Default: "80,443"}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Regions:
    eu-west-1: {Ami: ami-1, Zones: [a, b]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Off:
    Type: AWS::SQS::Queue
    Condition: IsDev
  T:
    Type: AWS::SQS::Queue
    Properties:
      V: `

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		expr string
		want any
		err  string
	}{
		{"literal", "{a: 1, b: [x, 2.5, true, null]}", map[string]any{"a": int64(1), "b": []any{"x", 2.5, true, nil}}, ""},
		{"Ref parameter", "!Ref Env", "prod", ""},
		{"Ref Number parameter is text", "!Ref Size", "3", ""},
		{"Ref List<Number>", "!Ref Ports", []any{"80", "443"}, ""},
		{"Ref CommaDelimitedList", "!Ref Names", []any{"a", "b", "c"}, ""},
		{"Ref pseudo", "[!Ref AWS::Region, !Ref AWS::AccountId, !Ref AWS::StackName, !Ref AWS::StackId, !Ref AWS::Partition, !Ref AWS::URLSuffix]",
			[]any{"eu-west-1", "123456789012", "demo", "arn:stack/demo", "aws", "amazonaws.com"}, ""},
		{"NotificationARNs", "!Ref AWS::NotificationARNs", []any{}, ""},
		{"Ref resource", "!Ref Queue", "phys-Queue", ""},
		{"GetAtt", "!GetAtt Queue.Arn", "arn:aws:test:::Queue/Arn", ""},
		{"GetAtt attribute from a Ref", "!GetAtt [Queue, !Select [0, [QueueUrl]]]", "arn:aws:test:::Queue/QueueUrl", ""},
		{"NoValue drops a key", "{a: !Ref AWS::NoValue, b: 1}", map[string]any{"b": int64(1)}, ""},
		{"NoValue drops an element", "[a, !Ref AWS::NoValue, b]", []any{"a", "b"}, ""},
		{"If with NoValue", "{a: !If [IsDev, x, !Ref AWS::NoValue], b: !If [IsProd, y, z]}", map[string]any{"b": "y"}, ""},
		{"If at the top", "!If [IsDev, x, !Ref AWS::NoValue]", nil, ""},
		{"Join", "!Join [':', [a, !Ref Env, !Ref Queue]]", "a:prod:phys-Queue", ""},
		{"Join of a list parameter", "!Join [',', !Ref Names]", "a,b,c", ""},
		{"Join of an empty list", "!Join [',', []]", "", ""},
		{"Join of a number", "!Join [',', [a, 1]]", nil, "Fn::Join joins strings; item 1 is a number"},
		{"Join of a list", "!Join [',', [a, [b]]]", nil, "item 1 is a list"},
		{"Select", "!Select [1, [a, b, c]]", "b", ""},
		{"Select with a text index", "!Select ['2', !Ref Names]", "c", ""},
		{"Select by a Number parameter", "!Select [!Ref Size, [a, b, c, d]]", "d", ""},
		{"Select out of range", "!Select [5, !Ref Names]", nil, "Fn::Select: index 5 is out of range for a list of 3"},
		{"Split", "!Split [',', 'a,,b']", []any{"a", "", "b"}, ""},
		{"Split then Select", "!Select [1, !Split ['/', !Sub '${AWS::Region}/x']]", "x", ""},
		{"Split of a list", "!Split [',', !Ref Names]", nil, "Fn::Split's source must be a string, not a list"},
		{"Sub", "!Sub '${AWS::Region}-${Env}-${Queue}-${Queue.Arn}-${Size}'", "eu-west-1-prod-phys-Queue-arn:aws:test:::Queue/Arn-3", ""},
		{"Sub literal", "!Sub 'a ${!Literal} ${ Env } $${Env} ${unclosed'", "a ${Literal} prod $prod ${unclosed", ""},
		{"Sub variable map", "!Sub ['${A}/${B}/${Env}', {A: !Ref Queue, B: 42}]", "phys-Queue/42/prod", ""},
		{"Sub variable map shadows", "!Sub ['${Env}', {Env: mine}]", "mine", ""},
		{"Sub of a list parameter", "!Sub '${Names}'", nil, "Fn::Sub: ${Names} is a list; Fn::Sub substitutes text"},
		{"Base64", `!Base64 {"Fn::Sub": "hello ${Env}"}`, "aGVsbG8gcHJvZA==", ""},
		{"FindInMap", "!FindInMap [Regions, !Ref AWS::Region, Ami]", "ami-1", ""},
		{"FindInMap of a list", "!FindInMap [Regions, eu-west-1, Zones]", []any{"a", "b"}, ""},
		{"FindInMap missing key", "!FindInMap [Regions, !Sub '${Env}', Ami]", nil, "Fn::FindInMap: mapping Regions has no key \"prod\""},
		{"multi-key map is data", "{Ref: Nope, Other: 1, Fn::Sub: x}", map[string]any{"Ref": "Nope", "Other": int64(1), "Fn::Sub": "x"}, ""},
		{"nested", "!Join ['', [!Select [0, !Split [',', !Join [',', !Ref Ports]]], !If [IsProd, '!', '?']]]", "80!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl := mustParse(t, evalBase+tt.expr+"\n")
			b, err := tpl.Bind(Context{Region: "eu-west-1", AccountID: "123456789012", StackName: "demo", StackID: "arn:stack/demo",
				Partition: "aws", URLSuffix: "amazonaws.com"}, testTypes())
			if err != nil {
				t.Fatal(err)
			}
			v := tpl.Doc["Resources"].(map[string]any)["T"].(map[string]any)["Properties"].(map[string]any)["V"]
			got, err := b.Eval([]string{"Resources", "T", "Properties", "V"}, v, &fakeResolver{})
			if tt.err != "" {
				wantProblem(t, err, "template.yaml:20:", "Resources.T.Properties.V", tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// Eval is safe on values Bind never saw, such as a transform's output.
func TestEvalUncheckedValues(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, evalBase+"x\n")
	b, err := tpl.Bind(Context{}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		v   any
		err string
	}{
		{map[string]any{"Ref": 5}, "Ref takes a name (a string), not a number"},
		{map[string]any{"Ref": "Nope"}, "unresolved reference \"Nope\""},
		{map[string]any{"Ref": "Off"}, "Ref: resource Off is not created, because its condition IsDev is false"},
		{map[string]any{"Fn::GetAtt": "Queue"}, "Fn::GetAtt takes [LogicalID, Attribute]"},
		{map[string]any{"Fn::GetAtt": []any{"Nope", "Arn"}}, "there is no resource named \"Nope\""},
		{map[string]any{"Fn::GetAtt": []any{"Queue", map[string]any{"Ref": "Ports"}}}, "attribute must evaluate to a name, not a list"},
		{map[string]any{"Fn::Sub": 5}, "Fn::Sub takes a string"},
		{map[string]any{"Fn::Sub": "${}"}, "${} names no variable"},
		{map[string]any{"Fn::Sub": "${AWS::NoValue}"}, "${AWS::NoValue} is AWS::NoValue"},
		{map[string]any{"Fn::Join": []any{",", "x"}}, "Fn::Join joins a list, not a string"},
		{map[string]any{"Fn::Join": []any{1, []any{}}}, "delimiter must be a string"},
		{map[string]any{"Fn::Select": []any{"x", []any{}}}, "index must be a non-negative integer"},
		{map[string]any{"Fn::Select": []any{0, "x"}}, "selects from a list"},
		{map[string]any{"Fn::Select": []any{int64(-1), []any{"a"}}}, "index must be a non-negative integer"},
		{map[string]any{"Fn::Sub": "${Queue.List}"}, "Fn::Sub: ${Queue.List} is a list"},
		{map[string]any{"Fn::Split": []any{"", "x"}}, "delimiter is empty"},
		{map[string]any{"Fn::Base64": []any{}}, "Fn::Base64's argument must be a string"},
		{map[string]any{"Fn::FindInMap": []any{"Nope", "a", "b"}}, "no mapping named \"Nope\""},
		{map[string]any{"Fn::FindInMap": []any{"Regions", "eu-west-1", "Nope"}}, "has no key \"Nope\" under \"eu-west-1\""},
		{map[string]any{"Fn::If": []any{"Nope", 1, 2}}, "condition \"Nope\" is not declared"},
		{map[string]any{"Fn::If": "x"}, "Fn::If takes [ConditionName"},
		{map[string]any{"Fn::Equals": []any{1, 1}}, "Fn::Equals can only be used in the Conditions section"},
		{map[string]any{"Fn::GetAZs": ""}, "Fn::GetAZs is not supported by gatehouse"},
		{map[string]any{"x": []string{"go", "types"}}, "unsupported value of Go type []string"},
	}
	for _, tt := range tests {
		_, err := b.Eval([]string{"Resources", "T", "Properties", "W"}, tt.v, &fakeResolver{})
		wantProblem(t, err, "template.yaml:", "Resources.T.Properties.W", tt.err)
	}
	// An int from Go code is an int64.
	got, err := b.Eval(nil, map[string]any{"n": 3}, nil)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"n": int64(3)}) {
		t.Fatalf("got %#v, %v", got, err)
	}
	// Without a resolver, resource values are an error, not a panic.
	_, err = b.Eval(nil, map[string]any{"Ref": "Queue"}, nil)
	wantProblem(t, err, "resource values are not available here")
}

func TestEvalResolverErrors(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, evalBase+"!GetAtt Queue.Arn\n")
	b, err := tpl.Bind(Context{}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	notYet := errors.New("not created yet")
	v := tpl.Doc["Resources"].(map[string]any)["T"].(map[string]any)["Properties"]
	_, err = b.Eval([]string{"Resources", "T", "Properties"}, v, &fakeResolver{fail: map[string]error{"Queue": notYet}})
	wantProblem(t, err, "template.yaml:20:10: Resources.T.Properties.V.Fn::GetAtt: Fn::GetAtt Queue.Arn: not created yet")
	if !errors.Is(err, notYet) {
		t.Errorf("errors.Is does not find the resolver's error in %v", err)
	}
}

// A small template cannot make Eval build unbounded text.
func TestEvalBudget(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<18)
	tpl := mustParse(t, "Parameters:\n  P: {Type: String}\nResources:\n  T:\n    Type: AWS::SQS::Queue\n    Properties:\n      V: !Join ['', ["+
		strings.TrimSuffix(strings.Repeat("!Ref P, ", 40), ", ")+"]]\n")
	b, err := tpl.Bind(Context{Parameters: map[string]string{"P": big}}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	props := b.Resources()[0].Properties
	_, err = b.Eval([]string{"Resources", "T", "Properties"}, props, &fakeResolver{})
	wantProblem(t, err, "template.yaml:7:10:", "builds more than 4194304 bytes of text")
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `Parameters:
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Resources:
  Q: {Type: AWS::SQS::Queue}
Outputs:
  Num:
    Value: 42
  Flag:
    Value: true
  List:
    Value: !Ref Names
  Url:
    Description: the queue
    Value: !GetAtt Q.QueueUrl
    Export: {Name: !Sub "${AWS::StackName}-url"}
`)
	b, err := tpl.Bind(Context{StackName: "demo"}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Outputs(&fakeResolver{})
	wantProblem(t, err, "template.yaml:11:12: Outputs.List.Value: an output's Value must evaluate to a string, not a list")

	delete(tpl.Doc["Outputs"].(map[string]any), "List")
	b, err = tpl.Bind(Context{StackName: "demo"}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	outs, err := b.Outputs(&fakeResolver{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Output{
		{Key: "Flag", Value: "true"},
		{Key: "Num", Value: "42"},
		{Key: "Url", Value: "arn:aws:test:::Q/QueueUrl", Description: "the queue", Export: true, ExportName: "demo-url"},
	}
	if !reflect.DeepEqual(outs, want) {
		t.Fatalf("got %+v", outs)
	}
}
