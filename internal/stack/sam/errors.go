package sam

import (
	"fmt"
	"strings"
)

// Error is a problem with a SAM template, located by the path of keys from
// the template's root to the offending value (["Resources", "Fn",
// "Properties", "Events", "Get", "Properties", "Path"]), so that the deploy
// engine can point at the line and column it came from. Every refusal the
// transform makes is an *Error; it never returns any other error type.
type Error struct {
	Path []string
	Msg  string
}

func (e *Error) Error() string {
	if len(e.Path) == 0 {
		return "SAM template: " + e.Msg
	}
	return "SAM template: " + strings.Join(e.Path, ".") + ": " + e.Msg
}

// Warning is something the transform did as aws-sam-translator does that
// the author may not expect, located like an Error. Warnings never change
// the output.
type Warning struct {
	Path []string
	Msg  string
}

// loc is a path into the template. Its methods copy, so that a loc handed
// to a callee can never be changed under the caller by a later append.
type loc []string

func (l loc) at(keys ...string) loc {
	out := make(loc, 0, len(l)+len(keys))
	out = append(out, l...)
	return append(out, keys...)
}

func (l loc) errf(format string, args ...any) error {
	return &Error{Path: append([]string(nil), l...), Msg: fmt.Sprintf(format, args...)}
}

func (l loc) unsupported(what string) error {
	return l.errf("%s is not supported by gatehouse", what)
}
