package functions

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awsproto.AsError(err); ok {
		return e.Code
	}
	return "internal: " + err.Error()
}

func TestParseName(t *testing.T) {
	t.Parallel()
	s := &Service{opts: Options{Region: "us-east-1", Account: "000000000000"}}
	cases := []struct {
		in, name, qualifier, code string
	}{
		{"my-fn", "my-fn", "", ""},
		{"my_fn:$LATEST", "my_fn", "$LATEST", ""},
		{"arn:aws:lambda:us-east-1:000000000000:function:f1", "f1", "", ""},
		{"arn:aws:lambda:us-east-1:000000000000:function:f1:prod", "f1", "prod", ""},
		{"000000000000:function:f2", "f2", "", ""},
		{"arn:aws:lambda:eu-west-1:000000000000:function:f1", "", "", "ResourceNotFoundException"},
		{"arn:aws:lambda:us-east-1:111111111111:function:f1", "", "", "ResourceNotFoundException"},
		{"111111111111:function:f2", "", "", "ResourceNotFoundException"},
		{"", "", "", "ValidationException"},
		{"has space", "", "", "ValidationException"},
		{"dots.are.bad", "", "", "ValidationException"},
		{"../etc/passwd", "", "", "ValidationException"},
		{"x;rm -rf", "", "", "ValidationException"},
		{strings.Repeat("a", 65), "", "", "InvalidParameterValueException"},
		{strings.Repeat("a", 141), "", "", "ValidationException"},
		{"ünïcode", "", "", "ValidationException"},
	}
	for _, tc := range cases {
		r, err := s.parseName(tc.in, "functionName")
		if got := codeOf(err); got != tc.code {
			t.Errorf("parseName(%q) error %q, want %q", tc.in, got, tc.code)
			continue
		}
		if err == nil && (r.Name != tc.name || r.Qualifier != tc.qualifier) {
			t.Errorf("parseName(%q) = %+v, want %s:%s", tc.in, r, tc.name, tc.qualifier)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   configInput
		code string
	}{
		{"ok", configInput{Runtime: ptr("nodejs20.x"), Handler: ptr("index.handler"), Timeout: ptr(900), MemorySize: ptr(10240)}, ""},
		{"unknown runtime", configInput{Runtime: ptr("nodejs99.x")}, "ValidationException"},
		{"runtime not run here", configInput{Runtime: ptr("java21")}, "InvalidParameterValueException"},
		{"timeout 0", configInput{Timeout: ptr(0)}, "ValidationException"},
		{"timeout 901", configInput{Timeout: ptr(901)}, "InvalidParameterValueException"},
		{"memory 127", configInput{MemorySize: ptr(127)}, "ValidationException"},
		{"memory 10241", configInput{MemorySize: ptr(10241)}, "InvalidParameterValueException"},
		{"bad role", configInput{Role: ptr("lambdarole")}, "ValidationException"},
		{"good role", configInput{Role: ptr("arn:aws:iam::123456789012:role/service-role/x")}, ""},
		{"handler with space", configInput{Handler: ptr("index. handler")}, "ValidationException"},
		{"handler too long", configInput{Handler: ptr(strings.Repeat("h", 129))}, "ValidationException"},
		{"description too long", configInput{Description: ptr(strings.Repeat("d", 257))}, "ValidationException"},
		{"bad env name", configInput{Environment: &Environment{Variables: map[string]string{"1BAD": "x"}}}, "ValidationException"},
		{"reserved env name", configInput{Environment: &Environment{Variables: map[string]string{"AWS_REGION": "x"}}}, "InvalidParameterValueException"},
		{"env over 4 KB", configInput{Environment: &Environment{Variables: map[string]string{"BIG": strings.Repeat("v", 4100)}}}, "InvalidParameterValueException"},
		{"architecture", configInput{Architectures: []string{"mips"}}, "ValidationException"},
		{"image package", configInput{PackageType: ptr("Image")}, "InvalidParameterValueException"},
	}
	for _, tc := range cases {
		if got := codeOf(tc.in.validate()); got != tc.code {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.code)
		}
	}
}

func TestTagValidation(t *testing.T) {
	t.Parallel()
	many := map[string]string{}
	for i := 0; i < 51; i++ {
		many[strings.Repeat("k", i+1)] = "v"
	}
	for name, tags := range map[string]map[string]string{
		"aws prefix": {"aws:owner": "x"},
		"long key":   {strings.Repeat("k", 129): "x"},
		"long value": {"k": strings.Repeat("v", 257)},
		"too many":   many,
	} {
		if codeOf(validateTags(tags)) != "InvalidParameterValueException" {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := validateTags(map[string]string{"team": "core"}); err != nil {
		t.Fatal(err)
	}
}
