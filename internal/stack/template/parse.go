package template

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Template is a parsed template: the document in long form and the
// source positions of its values.
type Template struct {
	// Name is the file name errors are reported under.
	Name string
	// Doc is the document in CloudFormation's JSON long form (see the
	// package documentation for the value types). Bind and Eval never
	// modify it.
	Doc map[string]any

	pos    *posNode
	origin map[string][]string
}

// Parse reads a YAML or JSON template. name is used in error messages
// only. Every problem is reported as an *Error.
func Parse(name string, src []byte) (*Template, error) {
	root, pos, err := parse(name, src)
	if err != nil {
		return nil, err
	}
	return &Template{Name: name, Doc: root, pos: pos}, nil
}

func parse(name string, src []byte) (map[string]any, *posNode, error) {
	fail := func(line, col int, format string, args ...any) (map[string]any, *posNode, error) {
		return nil, nil, &Error{File: name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	if len(src) > maxTemplateBytes {
		return fail(0, 0, "the template is %d bytes; gatehouse reads templates of up to %d bytes (1 MiB)", len(src), maxTemplateBytes)
	}
	if !utf8.Valid(src) {
		line, col := invalidUTF8(src)
		return fail(line, col, "the template is not valid UTF-8")
	}
	if n := tokens(src); n > maxTokens {
		return fail(0, 0, "the template has more than %d lines, commas and brackets; gatehouse reads templates of up to %d values", maxTokens, maxValues)
	}
	if doc, pos, ok := parseJSON(src); ok {
		return doc, pos, nil
	}
	return parseYAML(name, src)
}

func parseYAML(name string, src []byte) (doc map[string]any, pos *posNode, err error) {
	// The YAML library turns some malformed input into panics it recovers
	// itself; one that escapes is still a bad template, not a crash.
	defer func() {
		if r := recover(); r != nil {
			doc, pos, err = nil, nil, &Error{File: name, Msg: fmt.Sprintf("malformed YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var y yaml.Node
	if err := dec.Decode(&y); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, &Error{File: name, Msg: "the template is empty"}
		}
		return nil, nil, yamlError(name, src, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, nil, &Error{File: name, Line: extra.Line, Col: extra.Column,
			Msg: "the stream holds more than one YAML document (---); a template is one document"}
	case !errors.Is(err, io.EOF):
		return nil, nil, yamlError(name, src, err)
	}
	root := &y
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode || root.ShortTag() != "!!map" {
		return nil, nil, &Error{File: name, Line: root.Line, Col: root.Column,
			Msg: "the template must be a mapping (an object) at the top level"}
	}
	c := &converter{file: name, busy: map[*yaml.Node]bool{}}
	v, p, err := c.convert(root, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	return v.(map[string]any), p, nil
}

// yamlError positions the YAML library's message, which carries a line
// and no column ("yaml: line 3: mapping values are not allowed …").
func yamlError(name string, src []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: name, Msg: "malformed YAML: " + msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				e.Line, e.Msg = n, "malformed YAML: "+text
			}
		}
	}
	if line, col, ok := locateYAMLProblem(src, msg); ok {
		e.Line, e.Col = line, col
	}
	// Tabs are the commonest cause of this message and the library does
	// not say so.
	if strings.Contains(e.Msg, "cannot start any token") && e.Line > 0 {
		if line := sourceLine(src, e.Line); strings.Contains(line[:len(line)-len(strings.TrimLeft(line, " \t"))], "\t") {
			e.Msg += " (YAML does not allow tabs for indentation)"
		}
	}
	return e
}

// locateYAMLProblem finds where the YAML library meets its problem: the
// library reports the line of the enclosing construct and no column, so
// the shortest prefix of the source that fails with the same message is
// searched for (YAML is read front to back: a prefix that stops short of
// the bad token ends cleanly or with another complaint). The position is
// the token that prefix ends in. At most ~20 parses of the template.
func locateYAMLProblem(src []byte, msg string) (line, col int, ok bool) {
	_, problem, _ := strings.Cut(msg, ": ")
	if problem == "" || !strings.HasPrefix(msg, "line ") {
		problem = msg
	}
	fails := func(n int) bool {
		var node yaml.Node
		err := safeDecode(src[:n], &node)
		return err != nil && strings.HasSuffix(err.Error(), problem)
	}
	if !fails(len(src)) {
		return 0, 0, false
	}
	lo, hi := 0, len(src) // fails(hi) holds; find the smallest such n
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	// The problem is the last character that prefix holds, back to the
	// token it belongs to on its line.
	at := hi - 1
	for at > 0 && (src[at] == ' ' || src[at] == '\n' || src[at] == '\r') {
		at--
	}
	line = 1 + bytes.Count(src[:at], []byte("\n"))
	start := bytes.LastIndexByte(src[:at], '\n') + 1
	return line, utf8.RuneCount(src[start:at]) + 1, true
}

// safeDecode decodes one document, turning the library's panics into
// errors.
func safeDecode(src []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return yaml.NewDecoder(bytes.NewReader(src)).Decode(n)
}

func sourceLine(src []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return string(src)
}

func invalidUTF8(src []byte) (line, col int) {
	line, col = 1, 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		src = src[size:]
	}
	return line, col
}

func tokens(src []byte) int {
	n := 0
	for _, c := range src {
		switch c {
		case '\n', ',', '[', '{':
			n++
		}
	}
	return n
}

// Pos returns the source position of the value at path in Doc, or of its
// nearest ancestor that has one. After WithDoc, a path into a generated
// resource is looked up under the source path it came from.
func (t *Template) Pos(path ...string) Pos {
	if len(path) >= 2 && path[0] == "Resources" {
		if from, ok := t.origin[path[1]]; ok {
			return t.pos.find(append(slices.Clip(from), path[2:]...))
		}
	}
	return t.pos.find(path)
}

// WithDoc returns a Template over doc (typically the SAM transform's
// output) that keeps the source positions. origin maps the logical ID of
// a resource in doc to the path, in the original document, of the value
// it was generated from (e.g. "MyFnRole" → ["Resources", "MyFn"]);
// resources not in origin are looked up under their own path.
func (t *Template) WithDoc(doc map[string]any, origin map[string][]string) *Template {
	o := make(map[string][]string, len(t.origin)+len(origin))
	maps.Copy(o, t.origin)
	for id, from := range origin {
		// A path may itself point into a generated resource of an
		// earlier rewrite; store it in terms of the source.
		if len(from) >= 2 && from[0] == "Resources" {
			if prev, ok := t.origin[from[1]]; ok {
				from = append(slices.Clip(prev), from[2:]...)
			}
		}
		o[id] = slices.Clone(from)
	}
	return &Template{Name: t.Name, Doc: doc, pos: t.pos, origin: o}
}
