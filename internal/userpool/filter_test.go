package userpool

import (
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want *Filter
		err  bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: `email = "a@example.com"`, want: &Filter{Attribute: "email", Value: "a@example.com"}},
		{in: `email="a@example.com"`, want: &Filter{Attribute: "email", Value: "a@example.com"}},
		{in: `family_name ^= "Red"`, want: &Filter{Attribute: "family_name", Prefix: true, Value: "Red"}},
		{in: `name = "say \"hi\""`, want: &Filter{Attribute: "name", Value: `say "hi"`}},
		{in: `name = "back\\slash"`, want: &Filter{Attribute: "name", Value: `back\slash`}},
		{in: `cognito:user_status = "UNCONFIRMED"`, want: &Filter{Attribute: "cognito:user_status", Value: "UNCONFIRMED"}},
		{in: `username = ""`, want: &Filter{Attribute: "username", Value: ""}},
		{in: `foo`, err: true},
		{in: `custom:x = "1"`, err: true},
		{in: `email = a@example.com`, err: true},
		{in: `email = "unterminated`, err: true},
		{in: `email != "x"`, err: true},
		{in: `email = "x" and name = "y"`, err: true},
		{in: `email ~= "x"`, err: true},
		{in: `= "x"`, err: true},
	}
	for _, tc := range cases {
		got, err := ParseFilter(tc.in)
		if tc.err {
			if err == nil || err.Error() != "Error while parsing filter." {
				t.Errorf("ParseFilter(%q) = %+v, %v; want Cognito's parse error", tc.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.in, err)
			continue
		}
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("ParseFilter(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	exact := &Filter{Attribute: "email", Value: "a@x.io"}
	prefix := &Filter{Attribute: "given_name", Prefix: true, Value: "Jo"}
	status := &Filter{Attribute: "cognito:user_status", Value: "confirmed"}
	for _, tc := range []struct {
		f    *Filter
		v    string
		want bool
	}{
		{exact, "a@x.io", true}, {exact, "A@x.io", false}, {exact, "a@x.io.evil", false},
		{prefix, "John", true}, {prefix, "jo", false}, {prefix, "J", false},
		{status, "CONFIRMED", true}, {status, "UNCONFIRMED", false},
	} {
		if got := tc.f.Match(tc.v); got != tc.want {
			t.Errorf("%+v.Match(%q) = %v", tc.f, tc.v, got)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Add(`email = "a\"b"`)
	f.Add(`name ^= "x"`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err == nil && got != nil && !searchable[got.Attribute] {
			t.Fatalf("accepted unsearchable attribute %q", got.Attribute)
		}
		if err == nil && got != nil && strings.TrimSpace(s) == "" {
			t.Fatal("blank filter parsed to a filter")
		}
	})
}
