package template

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestBindErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		src    string
		params map[string]string
		want   []string
	}{
		// Sections.
		{"unknown section", "Resourcez: {}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(1, 1), "Resourcez: unknown top-level section \"Resourcez\""}},
		{"Rules", "Rules: {}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil, []string{at(1, 1), "Rules are not supported by gatehouse"}},
		{"Globals", "Globals:\n  Function: {Timeout: 3}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(1, 1), "Globals requires Transform AWS::Serverless-2016-10-31"}},
		{"no resources", "Description: x\n", nil, []string{"template.yaml:1:1: Resources: the template must declare at least one resource"}},
		{"empty resources", "Resources: {}\n", nil, []string{"Resources: the template must declare at least one resource"}},
		{"bad version", "AWSTemplateFormatVersion: 2012-01-01\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(1, 27), "AWSTemplateFormatVersion must be \"2010-09-09\""}},
		{"too many resources", "Resources:\n" + manyQueues(501), nil,
			[]string{at(1, 1), "Resources: the template declares 501 resources; the limit is 500"}},
		// Parameters.
		{"parameter without a value", "Parameters:\n  YourEmail:\n    Type: String\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(2, 3), "Parameters.YourEmail: Parameters: [YourEmail] must have values"}},
		{"override of an undeclared parameter", "Resources:\n  Q: {Type: AWS::SQS::Queue}\n", map[string]string{"Nope": "x"},
			[]string{"template.yaml:1:1: Parameters.Nope: parameter override Nope: the template declares no parameter Nope"}},
		{"AllowedValues", "Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			map[string]string{"Env": "test"}, []string{at(4, 5), "Parameter 'Env' must be one of AllowedValues"}},
		{"AllowedPattern matches the whole value", "Parameters:\n  P:\n    Type: String\n    AllowedPattern: '[a-z]+'\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			map[string]string{"P": "abc1"}, []string{at(4, 21), "Parameter 'P' must match pattern [a-z]+"}},
		{"ConstraintDescription", "Parameters:\n  P:\n    Type: String\n    AllowedPattern: '[a-z]+'\n    ConstraintDescription: lower-case letters only\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			map[string]string{"P": "ABC"}, []string{at(4, 21), "Parameter 'P' failed to satisfy constraint: lower-case letters only"}},
		{"bad AllowedPattern", "Parameters:\n  P:\n    Type: String\n    Default: x\n    AllowedPattern: '(?=x)'\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(5, 21), "AllowedPattern is not a regular expression gatehouse can use"}},
		{"MinLength", "Parameters:\n  P:\n    Type: String\n    Default: ab\n    MinLength: 3\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(5, 16), "Parameter 'P' must contain at least 3 characters"}},
		{"MaxLength", "Parameters:\n  P:\n    Type: String\n    Default: abcd\n    MaxLength: '3'\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{"Parameter 'P' must contain at most 3 characters"}},
		{"MinValue", "Parameters:\n  P:\n    Type: Number\n    Default: 2\n    MinValue: 3\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(5, 15), "Parameter 'P' must be a number not less than 3"}},
		{"MaxValue on a list", "Parameters:\n  P:\n    Type: List<Number>\n    Default: 1,5\n    MaxValue: 4.5\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{"Parameter 'P' must be a number not greater than 4.5"}},
		{"Number that is not", "Parameters:\n  P:\n    Type: Number\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			map[string]string{"P": "ten"}, []string{at(3, 11), "Parameter 'P' must be a number"}},
		{"SSM type", "Parameters:\n  P:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /x\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(3, 11), "parameter type AWS::SSM::Parameter::Value<String> is not supported by gatehouse"}},
		{"unknown parameter type", "Parameters:\n  P:\n    Type: Strin\n    Default: x\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(3, 11), "unknown parameter type \"Strin\""}},
		{"unknown parameter property", "Parameters:\n  P:\n    Type: String\n    Default: x\n    Defualt: y\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(5, 14), "unknown parameter property \"Defualt\""}},
		{"parameter and resource share a name", "Parameters:\n  Q:\n    Type: String\n    Default: x\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
			nil, []string{at(6, 3), "Q is both a parameter and a resource"}},
		// Resources.
		{"no Type", "Resources:\n  Q:\n    Properties: {}\n", nil, []string{at(2, 3), "Resources.Q: the resource has no Type"}},
		{"unknown type", "Resources:\n  Q:\n    Type: AWS::SQS::Queeu\n", nil, []string{at(3, 11), "resource type AWS::SQS::Queeu is not supported by gatehouse"}},
		{"SAM type", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n", nil, []string{at(3, 11), "must go through the SAM transform"}},
		{"unknown attribute", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Propertis: {}\n", nil,
			[]string{at(4, 5), "Resources.Q.Propertis: unknown resource attribute \"Propertis\""}},
		{"undeclared condition", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: IsProd\n", nil,
			[]string{at(4, 16), "condition \"IsProd\" is not declared in Conditions"}},
		{"DependsOn a missing resource", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    DependsOn: [R, Nope]\n  R: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(4, 20), "Resources.Q.DependsOn.1: DependsOn: there is no resource named \"Nope\""}},
		{"DependsOn a string", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    DependsOn: Nope\n", nil,
			[]string{at(4, 16), "Resources.Q.DependsOn: DependsOn: there is no resource named \"Nope\""}},
		{"bad DeletionPolicy", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Keep\n", nil,
			[]string{at(4, 21), "DeletionPolicy must be one of Delete, Retain, RetainExceptOnCreate, Snapshot"}},
		{"non-alphanumeric logical ID", "Resources:\n  My-Queue:\n    Type: AWS::SQS::Queue\n", nil,
			[]string{at(2, 3), "resource name \"My-Queue\" must be 1 to 255 letters and digits"}},
		{"ForEach", "Resources:\n  Fn::ForEach::Queues: [Q, [a], {}]\n", nil, []string{"Fn::ForEach (AWS::LanguageExtensions) is not supported by gatehouse"}},
		// Intrinsics.
		{"Ref to nothing", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nope\n", nil,
			[]string{at(5, 18), "Resources.Q.Properties.QueueName.Ref: Ref: unresolved reference \"Nope\""}},
		{"Ref to a number", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {Ref: 5}\n", nil,
			[]string{at(5, 24), "Ref takes a name (a string), not a number"}},
		{"GetAtt of nothing", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt Nope.Arn\n", nil,
			[]string{at(5, 18), "Fn::GetAtt: there is no resource named \"Nope\""}},
		{"GetAtt of an unknown attribute", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt R.Url\n  R: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(5, 18), "Fn::GetAtt: R (AWS::SQS::Queue) has no attribute \"Url\"; valid attributes: Arn, QueueName, QueueUrl"}},
		{"GetAtt of a type without attributes", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt [P, Arn]\n  P: {Type: AWS::Lambda::Permission}\n", nil,
			[]string{"Fn::GetAtt: P (AWS::Lambda::Permission) has no attribute \"Arn\"; it has none"}},
		{"GetAtt of a parameter", "Parameters:\n  P: {Type: String, Default: x}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt P.Arn\n", nil,
			[]string{"Fn::GetAtt: P is a parameter"}},
		{"GetAtt without a dot", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt R\n", nil,
			[]string{at(5, 18), "Fn::GetAtt takes [LogicalID, Attribute]"}},
		{"Sub with an unknown variable", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${AWS::StackName}-${Nope}'\n", nil,
			[]string{at(5, 18), "Fn::Sub ${Nope}: unresolved reference \"Nope\""}},
		{"Sub with an unknown attribute", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${R.Nope}'\n  R: {Type: AWS::SQS::Queue}\n", nil,
			[]string{"R (AWS::SQS::Queue) has no attribute \"Nope\""}},
		{"Sub with an empty variable", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub 'a${}'\n", nil,
			[]string{"Fn::Sub: ${} names no variable"}},
		{"Sub variable map with a bad Ref", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub\n        - ${X}\n        - X: !Ref Nope\n", nil,
			[]string{at(7, 14), "Fn::Sub.1.X.Ref: Ref: unresolved reference \"Nope\""}},
		{"FindInMap of a missing mapping", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !FindInMap [M, a, b]\n", nil,
			[]string{at(5, 30), "Fn::FindInMap: there is no mapping named \"M\""}},
		{"FindInMap of a missing key", "Mappings:\n  M:\n    a: {b: x}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !FindInMap [M, a, c]\n", nil,
			[]string{"Fn::FindInMap: mapping M has no key \"c\" under \"a\""}},
		{"FindInMap with a Ref is checked as far as written", "Mappings:\n  M:\n    a: {b: x}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !FindInMap [M, !Ref AWS::Region, c, d]\n", nil,
			[]string{"Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"}},
		{"ImportValue", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !ImportValue Shared\n", nil,
			[]string{at(5, 18), "Fn::ImportValue is not supported by gatehouse"}},
		{"Transform", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Fn::Transform: {Name: AWS::Include}\n", nil,
			[]string{"Fn::Transform is not supported by gatehouse"}},
		{"GetAZs", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Select [0, !GetAZs '']\n", nil,
			[]string{at(5, 30), "Fn::GetAZs is not supported by gatehouse"}},
		{"Cidr", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Cidr [a, 1, 2]\n", nil,
			[]string{"Fn::Cidr is not supported by gatehouse"}},
		{"unknown Fn", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {Fn::Magic: x}\n", nil,
			[]string{"Fn::Magic is not supported by gatehouse"}},
		{"Equals outside Conditions", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Equals [a, b]\n", nil,
			[]string{"Fn::Equals can only be used in the Conditions section"}},
		{"Select out of range", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Select [2, [a, b]]\n", nil,
			[]string{at(5, 18), "Fn::Select: index 2 is out of range for a list of 2"}},
		{"Join of a string", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Join [',', abc]\n", nil,
			[]string{"Fn::Join takes [delimiter, [values]]"}},
		{"If of an undeclared condition", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !If [Nope, a, b]\n", nil,
			[]string{"condition \"Nope\" is not declared in Conditions"}},
		// Conditions.
		{"condition cycle", "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(3, 12), "Conditions.B.Fn::Not.0.Condition: circular condition references: A -> B -> A"}},
		{"condition naming no condition", "Conditions:\n  A: !Condition Nope\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(2, 6), "condition \"Nope\" is not declared in Conditions"}},
		{"condition on a resource", "Conditions:\n  A: !Equals [!Ref Q, x]\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{"Conditions can refer to parameters and pseudo parameters only, not to resource Q"}},
		{"condition that is not one", "Conditions:\n  A: !Ref AWS::Region\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{at(2, 6), "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not Ref"}},
		{"And of one", "Conditions:\n  A: !And [!Equals [a, a]]\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", nil,
			[]string{"Fn::And takes a list of 2 to 10 conditions"}},
		// The graph.
		{"dependency cycle", "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !GetAtt B.Arn}\n  B:\n    Type: AWS::SQS::Queue\n    DependsOn: C\n  C:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Sub '${A}'}\n", nil,
			[]string{at(2, 3), "circular dependency between resources: A -> B -> C -> A"}},
		{"self reference", "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Ref A}\n", nil,
			[]string{"circular dependency between resources: A -> A"}},
		{"Ref to a resource that is not created", "Conditions:\n  Never: !Equals [a, b]\nResources:\n  A:\n    Type: AWS::SQS::Queue\n    Condition: Never\n  B:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Ref A}\n", nil,
			[]string{at(9, 29), "Ref: resource A is not created, because its condition Never is false"}},
		{"DependsOn a resource that is not created", "Conditions:\n  Never: !Equals [a, b]\nResources:\n  A:\n    Type: AWS::SQS::Queue\n    Condition: Never\n  B:\n    Type: AWS::SQS::Queue\n    DependsOn: A\n", nil,
			[]string{"DependsOn: A is not created, because its condition Never is false"}},
		// Outputs.
		{"output without a Value", "Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n  O:\n    Description: x\n", nil,
			[]string{at(4, 3), "Outputs.O: the output has no Value"}},
		{"output with a bad Ref", "Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n  O:\n    Value: !GetAtt Q.Nope\n", nil,
			[]string{at(5, 12), "Q (AWS::SQS::Queue) has no attribute \"Nope\""}},
		{"output property", "Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n  O:\n    Value: x\n    Exports: {Name: y}\n", nil,
			[]string{"unknown output property \"Exports\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl := mustParse(t, tt.src)
			b, err := tpl.Bind(Context{Parameters: tt.params}, testTypes())
			if err == nil {
				t.Fatalf("bound (order %v); want an error", b.Order())
			}
			wantProblem(t, err, tt.want...)
		})
	}
}

func manyQueues(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  Q%d: {Type: AWS::SQS::Queue}\n", i)
	}
	return b.String()
}

func TestBindReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `Parameters:
  Email: {Type: String}
Resources:
  A:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref Nope
  B:
    Type: AWS::Nope::Nope
Outputs:
  O:
    Value: !GetAtt A.Bad
`)
	_, err := tpl.Bind(Context{}, testTypes())
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want an ErrorList, got %v", err)
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Error())
	}
	want := []string{
		`template.yaml:2:3: Parameters.Email: Parameters: [Email] must have values`,
		`template.yaml:7:18: Resources.A.Properties.QueueName.Ref: Ref: unresolved reference "Nope": there is no parameter, pseudo parameter or resource of that name`,
		`template.yaml:9:11: Resources.B.Type: resource type AWS::Nope::Nope is not supported by gatehouse`,
		`template.yaml:12:12: Outputs.O.Value.Fn::GetAtt: Fn::GetAtt: A (AWS::SQS::Queue) has no attribute "Bad"; valid attributes: Arn, QueueName, QueueUrl`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var first *Error
	if !errors.As(err, &first) || first.Line != 2 {
		t.Fatalf("errors.As finds %v", first)
	}
}

func TestParameters(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `Parameters:
  Name: {Type: String, Default: app}
  Size: {Type: Number, Default: 10, MinValue: 1}
  Ports: {Type: List<Number>, Default: "80, 443"}
  Envs: {Type: CommaDelimitedList, Default: "dev, prod ,test"}
  Key: {Type: "AWS::EC2::KeyPair::KeyName", Default: mine}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-1,subnet-2"}
  Secret: {Type: String, NoEcho: true, MinLength: 8}
  Flag: {Type: String, Default: true, AllowedValues: [true, false]}
  Ratio: {Type: Number, AllowedValues: [1, 2.5]}
Resources:
  Q: {Type: AWS::SQS::Queue}
`)
	b, err := tpl.Bind(Context{Parameters: map[string]string{"Secret": "hunter22", "Ratio": "2.50"}}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Name":    "app",
		"Size":    "10",
		"Ports":   []any{"80", "443"},
		"Envs":    []any{"dev", "prod", "test"},
		"Key":     "mine",
		"Subnets": []any{"subnet-1", "subnet-2"},
		"Secret":  "hunter22",
		"Flag":    "true",
		"Ratio":   "2.50",
		"Missing": nil,
	}
	for name, v := range want {
		if got := b.Param(name); !reflect.DeepEqual(got, v) {
			t.Errorf("Param(%s) = %#v, want %#v", name, got, v)
		}
	}
	if !b.NoEcho("Secret") || b.NoEcho("Name") || b.NoEcho("Missing") {
		t.Error("NoEcho")
	}
	// A NoEcho value never appears in a message.
	_, err = tpl.Bind(Context{Parameters: map[string]string{"Secret": "short", "Ratio": "1"}}, testTypes())
	wantProblem(t, err, "Parameter 'Secret' must contain at least 8 characters")
	if strings.Contains(err.Error(), "short") {
		t.Errorf("message shows the NoEcho value: %v", err)
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `Parameters:
  Env: {Type: String, Default: prod}
  Size: {Type: Number, Default: 3}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Big: !Equals [!Ref Size, 3]
  ProdAndBig: !And [!Condition IsProd, !Condition Big]
  Either: !Or [!Condition IsDev, !Equals [!Ref AWS::Region, eu-west-1]]
  InRegion: !Equals [!Sub "${AWS::Region}", !Select [1, [a, eu-west-1]]]
Resources:
  ProdQueue:
    Type: AWS::SQS::Queue
    Condition: ProdAndBig
  DevQueue:
    Type: AWS::SQS::Queue
    Condition: IsDev
  Consumer:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !If [IsDev, !Ref DevQueue, !GetAtt ProdQueue.QueueName]
Outputs:
  Dev:
    Condition: IsDev
    Value: !Ref DevQueue
  Prod:
    Condition: IsProd
    Value: !Ref ProdQueue
`)
	b, err := tpl.Bind(Context{Region: "eu-west-1"}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"IsProd": true, "IsDev": false, "Big": true, "ProdAndBig": true, "Either": true, "InRegion": true} {
		if got, ok := b.Condition(name); !ok || got != want {
			t.Errorf("condition %s = %v (%v), want %v", name, got, ok, want)
		}
	}
	if got := b.Order(); !reflect.DeepEqual(got, []string{"ProdQueue", "Consumer"}) {
		t.Errorf("Order = %v; the untaken Fn::If branch must not add DevQueue", got)
	}
	var ids []string
	for _, r := range b.Resources() {
		ids = append(ids, r.LogicalID)
	}
	if !reflect.DeepEqual(ids, []string{"Consumer", "ProdQueue"}) {
		t.Errorf("Resources = %v", ids)
	}
	outs, err := b.Outputs(&fakeResolver{})
	if err != nil || len(outs) != 1 || outs[0].Key != "Prod" || outs[0].Value != "phys-ProdQueue" {
		t.Errorf("Outputs = %v, %v", outs, err)
	}
	// The other way round.
	b, err = tpl.Bind(Context{Parameters: map[string]string{"Env": "dev"}}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Order(); !reflect.DeepEqual(got, []string{"DevQueue", "Consumer"}) {
		t.Errorf("Order = %v", got)
	}
	v, err := b.Eval([]string{"Resources", "Consumer", "Properties"}, b.Resources()[0].Properties, &fakeResolver{})
	if err != nil || !reflect.DeepEqual(v, map[string]any{"QueueName": "phys-DevQueue"}) {
		t.Errorf("Eval = %v, %v", v, err)
	}
}

func TestOrder(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `Resources:
  Z: {Type: AWS::SQS::Queue}
  Y:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !GetAtt Z.QueueName}
  X:
    Type: AWS::SQS::Queue
    DependsOn: [W]
  W: {Type: AWS::SQS::Queue}
  V:
    Type: AWS::SQS::Queue
    Properties:
      A: !Sub "${Y}-${X.Arn}"
      B: {Fn::Join: ["", [!Ref Z]], Other: key}
  M:
    Type: AWS::SQS::Queue
    Metadata: {Uses: !Ref W}
`)
	b, err := tpl.Bind(Context{}, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"W", "M", "X", "Z", "Y", "V"}
	for range 20 {
		if got := b.Order(); !reflect.DeepEqual(got, want) {
			t.Fatalf("Order = %v, want %v", got, want)
		}
	}
	for id, want := range map[string][]string{"V": {"X", "Y", "Z"}, "X": {"W"}, "Y": {"Z"}, "Z": nil, "M": {"W"}} {
		if got := b.Deps(id); !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Errorf("Deps(%s) = %v, want %v", id, got, want)
		}
	}
	r := b.Resources()
	if r[3].LogicalID != "X" || !reflect.DeepEqual(r[3].DependsOn, []string{"W"}) {
		t.Errorf("Resources()[3] = %+v", r[3])
	}
}
