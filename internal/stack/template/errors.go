package template

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is a problem with a template, located both by position in the
// source (for people) and by path in the document (for tools).
type Error struct {
	File      string
	Line, Col int // 0 when unknown
	Path      []string
	Msg       string
	// Err is the cause when the problem came from outside the template
	// (a Resolver's error), so callers can still errors.Is it.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		if e.Col > 0 {
			b.WriteString(strconv.Itoa(e.Col))
			b.WriteByte(':')
		}
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if len(e.Path) > 0 {
		b.WriteString(strings.Join(e.Path, "."))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem Bind found. It unwraps to its members, so
// errors.As(err, &*Error) finds the first.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sorted orders the problems as a reader meets them in the file and
// drops repeats (one bad node can be reached twice, e.g. through an
// alias or from two checks).
func (l ErrorList) sorted() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col),
			slices.Compare(a.Path, b.Path), cmp.Compare(a.Msg, b.Msg))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.Line == b.Line && a.Col == b.Col && slices.Equal(a.Path, b.Path) && a.Msg == b.Msg
	})
}

// Errorf returns an *Error at path in the document, positioned at the
// nearest node the source has (or at the SAM resource a generated one
// came from). The SAM transform uses it so its errors read like Bind's.
func (t *Template) Errorf(path []string, format string, args ...any) *Error {
	p := t.Pos(path...)
	return &Error{File: t.Name, Line: p.Line, Col: p.Col, Path: slices.Clone(path), Msg: fmt.Sprintf(format, args...)}
}
