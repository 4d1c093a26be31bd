package userpool

import (
	"errors"
	"strings"
)

// ListUsers filters: `attribute = "value"` (exact) or `attribute ^=
// "prefix"`, one attribute per filter, quotes in the value escaped with a
// backslash. Only these attributes may be searched, as in Cognito.
var searchable = map[string]bool{
	"username": true, "email": true, "phone_number": true, "name": true, "given_name": true,
	"family_name": true, "preferred_username": true, "cognito:user_status": true, "status": true, "sub": true,
}

// Filter is a parsed ListUsers filter.
type Filter struct {
	Attribute string
	Prefix    bool // ^= rather than =
	Value     string
}

// errFilter is Cognito's wording for any filter it cannot use.
var errFilter = errors.New("Error while parsing filter.")

// ParseFilter parses a ListUsers Filter; an empty or blank filter is nil.
func ParseFilter(s string) (*Filter, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != '=' && s[i] != '^' {
		i++
	}
	f := &Filter{Attribute: s[:i]}
	if !searchable[f.Attribute] {
		return nil, errFilter
	}
	rest := strings.TrimLeft(s[i:], " ")
	switch {
	case strings.HasPrefix(rest, "^="):
		f.Prefix = true
		rest = rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return nil, errFilter
	}
	rest = strings.TrimLeft(rest, " ")
	if len(rest) < 2 || rest[0] != '"' {
		return nil, errFilter
	}
	var b strings.Builder
	for j := 1; j < len(rest); j++ {
		c := rest[j]
		switch {
		case c == '\\' && j+1 < len(rest):
			j++
			b.WriteByte(rest[j])
		case c == '"':
			if strings.TrimSpace(rest[j+1:]) != "" {
				return nil, errFilter
			}
			f.Value = b.String()
			return f, nil
		default:
			b.WriteByte(c)
		}
	}
	return nil, errFilter // no closing quote
}

// Match reports whether a value of the filter's attribute matches.
// cognito:user_status and status compare without regard to case.
func (f *Filter) Match(value string) bool {
	v, want := value, f.Value
	if f.Attribute == "cognito:user_status" || f.Attribute == "status" {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	if f.Prefix {
		return strings.HasPrefix(v, want)
	}
	return v == want
}
