package template

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The template the deploy feature exists for parses as is, and its
// SAM-only parts are refused by Bind with a pointer to the transform.
func TestSAMTemplateParses(t *testing.T) {
	t.Parallel()
	sam, err := Parse("template.yaml", readTestdata(t, "sam.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if v := sam.Doc["AWSTemplateFormatVersion"]; v != "2010-09-09" {
		t.Errorf("AWSTemplateFormatVersion = %#v", v)
	}
	globals := sam.Doc["Globals"].(map[string]any)["Function"].(map[string]any)
	if globals["Timeout"] != int64(10) || !reflect.DeepEqual(globals["Environment"], map[string]any{"Variables": map[string]any{"USER_POOL_ID": map[string]any{"Ref": "UserPool"}}}) {
		t.Errorf("Globals = %#v", globals)
	}
	auth := sam.Doc["Resources"].(map[string]any)["Api"].(map[string]any)["Properties"].(map[string]any)["Auth"]
	want := map[string]any{"DefaultAuthorizer": "CognitoAuthorizer", "Authorizers": map[string]any{
		"CognitoAuthorizer": map[string]any{"UserPoolArn": map[string]any{"Fn::GetAtt": []any{"UserPool", "Arn"}}}}}
	if !reflect.DeepEqual(auth, want) {
		t.Errorf("Auth = %#v", auth)
	}
	if got := sam.Doc["Outputs"].(map[string]any)["ApiUrl"].(map[string]any)["Value"]; !reflect.DeepEqual(got,
		map[string]any{"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/"}) {
		t.Errorf("ApiUrl = %#v", got)
	}
	if got := sam.Pos("Resources", "Api", "Properties", "Auth", "Authorizers", "CognitoAuthorizer", "UserPoolArn"); got != (Pos{60, 26}) {
		t.Errorf("UserPoolArn at %v", got)
	}

	_, err = sam.Bind(Context{Parameters: map[string]string{"YourEmail": "ada@example.com"}}, testTypes())
	wantProblem(t, err, "template.yaml:16:1: Globals: Globals requires Transform AWS::Serverless-2016-10-31")
	wantProblem(t, err, "template.yaml:52:11: Resources.Api.Type: resource type AWS::Serverless::Api is not supported by gatehouse; SAM resources must go through the SAM transform")
	wantProblem(t, err, "template.yaml:63:11: Resources.HelloFunction.Type")
	if n := len(problems(t, err)); n != 4 {
		t.Errorf("%d problems, want 4: %v", n, err)
	}
}

// samOrigin is what a SAM transform would report for native.yaml: each
// generated resource points at the SAM resource it came from.
var samOrigin = map[string][]string{
	"ApiDeployment":                    {"Resources", "Api"},
	"ApiStage":                         {"Resources", "Api"},
	"HelloFunctionRole":                {"Resources", "HelloFunction"},
	"HelloFunctionHelloPermissionProd": {"Resources", "HelloFunction", "Properties", "Events", "Hello"},
	"ItemsFunctionRole":                {"Resources", "ItemsFunction"},
	"ItemsFunctionItemsPermissionProd": {"Resources", "ItemsFunction", "Properties", "Events", "Items"},
}

// The same template rewritten by hand into the native resources the SAM
// transform produces binds, orders, evaluates and gives its outputs.
func TestSAMTemplateDeploysAfterTheTransform(t *testing.T) {
	t.Parallel()
	sam, err := Parse("template.yaml", readTestdata(t, "sam.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	native, err := Parse("native.yaml", readTestdata(t, "native.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tpl := sam.WithDoc(native.Doc, samOrigin)
	ctx := Context{StackName: "demo", StackID: "arn:aws:cloudformation:us-east-1:000000000000:stack/demo/1", Region: "us-east-1",
		AccountID: "000000000000", Partition: "aws", URLSuffix: "amazonaws.com", Parameters: map[string]string{"YourEmail": "ada@example.com"}}

	_, err = tpl.Bind(Context{}, testTypes())
	wantProblem(t, err, "template.yaml:6:3: Parameters.YourEmail: Parameters: [YourEmail] must have values")
	bad := ctx
	bad.Parameters = map[string]string{"YourEmail": "not an email"}
	_, err = tpl.Bind(bad, testTypes())
	wantProblem(t, err, "template.yaml:9:21: Parameters.YourEmail.AllowedPattern: Parameter 'YourEmail' failed to satisfy constraint: must be an email address")

	b, err := tpl.Bind(ctx, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	order := b.Order()
	if len(order) != 12 {
		t.Fatalf("Order = %v", order)
	}
	created := map[string]bool{}
	r := &fakeResolver{}
	for _, id := range order {
		for _, dep := range b.Deps(id) {
			if !created[dep] {
				t.Fatalf("%s comes before its dependency %s in %v", id, dep, order)
			}
		}
		res := b.Resources()[slices.IndexFunc(b.Resources(), func(r Resource) bool { return r.LogicalID == id })]
		r.asked = nil
		props, err := b.Eval([]string{"Resources", id, "Properties"}, res.Properties, r)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for _, asked := range r.asked {
			if dep, _, _ := strings.Cut(asked, "."); !created[dep] {
				t.Fatalf("%s read %s before it was created", id, asked)
			}
		}
		if id == "Api" {
			uri := props.(map[string]any)["Body"].(map[string]any)["paths"].(map[string]any)["/hello"].(map[string]any)["get"].(map[string]any)["x-amazon-apigateway-integration"].(map[string]any)["uri"]
			if want := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:test:::HelloFunction/Arn/invocations"; uri != want {
				t.Errorf("uri = %v", uri)
			}
		}
		if id == "HelloFunctionHelloPermissionProd" {
			if got := props.(map[string]any)["SourceArn"]; got != "arn:aws:execute-api:us-east-1:000000000000:phys-Api/*/GET/hello" {
				t.Errorf("SourceArn = %v", got)
			}
		}
		created[id] = true
	}
	if !reflect.DeepEqual(b.Deps("Api"), []string{"HelloFunction", "ItemsFunction", "UserPool"}) {
		t.Errorf("Deps(Api) = %v", b.Deps("Api"))
	}
	outs, err := b.Outputs(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []Output{
		{Key: "ApiUrl", Value: "https://phys-Api.execute-api.us-east-1.amazonaws.com/Prod/", Description: "The API's base URL"},
		{Key: "HelloUrl", Value: "https://phys-Api.execute-api.us-east-1.amazonaws.com/Prod/hello"},
		{Key: "UserPoolClientId", Value: "phys-UserPoolClient"},
		{Key: "UserPoolId", Value: "phys-UserPool", Export: true, ExportName: "demo-UserPoolId"},
	}
	if !reflect.DeepEqual(outs, want) {
		t.Errorf("Outputs = %+v", outs)
	}

	// A problem in a generated resource points at the SAM resource.
	types := testTypes()
	delete(types, "AWS::IAM::Role")
	_, err = tpl.Bind(ctx, types)
	wantProblem(t, err, "template.yaml:63:11: Resources.HelloFunctionRole.Type: resource type AWS::IAM::Role is not supported by gatehouse")
}
