package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// nativeTypes is the engine's view in these tests: the CloudFormation
// types the SAM template becomes, with the attributes gatehouse reads.
type nativeTypes map[string][]string

func (n nativeTypes) Known(t string) bool          { _, ok := n[t]; return ok }
func (n nativeTypes) Attributes(t string) []string { return n[t] }

func testTypes() nativeTypes {
	return nativeTypes{
		"AWS::Cognito::UserPool":       {"Arn", "ProviderName", "ProviderURL", "UserPoolId"},
		"AWS::Cognito::UserPoolClient": {"ClientId", "ClientSecret", "Name"},
		"AWS::Cognito::UserPoolUser":   nil,
		"AWS::ApiGateway::RestApi":     {"RestApiId", "RootResourceId"},
		"AWS::ApiGateway::Deployment":  {"DeploymentId"},
		"AWS::ApiGateway::Stage":       nil,
		"AWS::IAM::Role":               {"Arn", "RoleId"},
		"AWS::Lambda::Function":        {"Arn", "SnapStartResponse.ApplyOn"},
		"AWS::Lambda::Permission":      nil,
		"AWS::SQS::Queue":              {"Arn", "QueueName", "QueueUrl"},
		"AWS::S3::Bucket":              {"Arn", "DomainName", "WebsiteURL"},
	}
}

// anyTypes accepts every type and attribute: the fuzz test's view.
type anyTypes struct{}

func (anyTypes) Known(string) bool          { return true }
func (anyTypes) Attributes(string) []string { return nil }

// fakeResolver answers for every resource, and records what was asked.
type fakeResolver struct {
	asked []string
	fail  map[string]error
}

func (f *fakeResolver) Ref(id string) (any, error) {
	f.asked = append(f.asked, id)
	if err := f.fail[id]; err != nil {
		return nil, err
	}
	return "phys-" + id, nil
}

func (f *fakeResolver) GetAtt(id, attr string) (any, error) {
	f.asked = append(f.asked, id+"."+attr)
	if err := f.fail[id]; err != nil {
		return nil, err
	}
	if attr == "List" {
		return []any{"a", "b"}, nil
	}
	return "arn:aws:test:::" + id + "/" + attr, nil
}

func mustParse(t testing.TB, src string) *Template {
	t.Helper()
	tpl, err := Parse("template.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tpl
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// problems returns every *Error in err, failing on anything else.
func problems(t testing.TB, err error) []*Error {
	t.Helper()
	if err == nil {
		return nil
	}
	var list ErrorList
	if errors.As(err, &list) {
		return list
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return []*Error{e}
}

// wantProblem fails unless err holds a problem whose text contains each
// of the wanted fragments (e.g. "template.yaml:3:5:" and a message).
func wantProblem(t testing.TB, err error, want ...string) {
	t.Helper()
	errs := problems(t, err)
	for _, e := range errs {
		if s := e.Error(); !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(s, w) }) {
			return
		}
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	t.Fatalf("want a problem containing %q; got:\n%s", want, strings.Join(got, "\n"))
}

func at(line, col int) string { return fmt.Sprintf("template.yaml:%d:%d: ", line, col) }

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
