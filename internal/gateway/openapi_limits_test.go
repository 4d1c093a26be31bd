package gateway

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDefinitionErrorsSyntax: malformed and hostile documents are refused
// with the best location there is.
func TestDefinitionErrorsSyntax(t *testing.T) {
	t.Parallel()
	deepJSON := strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64)
	deeperJSON := strings.Repeat(`[`, 65) + strings.Repeat("]", 65)
	deepYAML := "openapi: 3.0.1\nx: " + strings.Repeat("[", 64) + strings.Repeat("]", 64) + "\n"
	for _, tc := range []struct {
		name, doc          string
		pointer, message   string
		line, column       int
		acceptedWhenNested bool
	}{
		{name: "empty", doc: " \n\t", message: "the document is empty"},
		{name: "JSON with a YAML value", doc: "{\"openapi\": \"3.0.1\",\n  \"paths\": {\"/a\": {get: {}}}}", message: "malformed JSON: invalid character 'g' looking for beginning of object key string", line: 2, column: 20},
		{name: "empty YAML", doc: "# nothing\n", message: "the document is empty"},
		{name: "JSON syntax", doc: "{\"openapi\": \"3.0.1\",\n  \"info\": x}", message: "malformed JSON: invalid character 'x'", line: 2, column: 11},
		{name: "JSON truncated", doc: "{\"openapi\": \"3.0.1\",\n \"paths\": {", message: "malformed JSON: unexpected end of JSON input", line: 2, column: 12},
		{name: "JSON trailing data", doc: "{}\n{}", message: "malformed JSON: invalid character '{' after top-level value", line: 2, column: 1},
		{name: "JSON duplicate key", doc: `{"openapi": "3.0.1", "paths": {"/a": {"get": {}, "get": {}}}}`, pointer: "/paths/~1a/get", message: `duplicate key "get"`, line: 1, column: 50},
		{name: "JSON too deep", doc: `{"x": ` + deeperJSON + `}`, pointer: "/x" + strings.Repeat("/0", 63), message: "nests deeper than 64 levels", line: 1, column: 70},
		{name: "YAML syntax", doc: "openapi: 3.0.1\npaths:\n  /a: [\n", message: "malformed YAML: did not find expected node content", line: 3},
		{name: "YAML bad indent", doc: "openapi: 3.0.1\ninfo:\n  title: a\n title: b\n", message: "malformed YAML: did not find expected key", line: 3},
		{name: "YAML duplicate key", doc: "openapi: 3.0.1\ninfo:\n  title: a\n  title: b\n", pointer: "/info/title", message: `duplicate key "title"`, line: 4, column: 3},
		{name: "YAML two documents", doc: "openapi: 3.0.1\n---\nopenapi: 3.0.1\n", message: "the YAML stream holds more than one document", line: 2, column: 1},
		{name: "YAML too deep", doc: deepYAML, pointer: "/x" + strings.Repeat("/0", 63), message: "nests deeper than 64 levels"},
		{name: "YAML alias too deep", doc: "a: &a " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\nb: " + strings.Repeat("[", 30) + "*a" + strings.Repeat("]", 30) + "\n",
			pointer: "/b" + strings.Repeat("/0", 30), message: "nests deeper than 64 levels"},
		{name: "YAML alias cycle", doc: "a: &a [1, *a]\n", pointer: "/a/1", message: "refers to a value that contains it"},
		{name: "YAML intrinsic", doc: "openapi: 3.0.1\ninfo:\n  title: !Sub '${AWS::StackName}'\n", pointer: "/info/title", message: "unresolved CloudFormation intrinsic !Sub", line: 3, column: 10},
		{name: "YAML intrinsic list", doc: "openapi: 3.0.1\nx: !If [a, b, c]\n", pointer: "/x", message: "unresolved CloudFormation intrinsic !If"},
		{name: "YAML tag", doc: "openapi: 3.0.1\nx: !secret abc\n", pointer: "/x", message: "YAML tag !secret is not supported"},
		{name: "YAML set", doc: "openapi: 3.0.1\nx: !!set {a}\n", pointer: "/x", message: "YAML tag !!set is not supported"},
		{name: "YAML infinity", doc: "openapi: 3.0.1\nx: .inf\n", pointer: "/x", message: "the number .inf cannot be written as JSON"},
		{name: "YAML merge scalar", doc: "openapi: 3.0.1\nx:\n  <<: 1\n", pointer: "/x/<<", message: "a merge key (<<) takes a mapping"},
		{name: "YAML complex key", doc: "openapi: 3.0.1\nx:\n  ? [a]\n  : b\n", pointer: "/x", message: "a mapping key must be a scalar"},
		{name: "YAML unknown alias", doc: "openapi: 3.0.1\nx: *nope\n", message: "malformed YAML: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDefinition([]byte(tc.doc), REST, "", "")
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DefinitionError", err)
			}
			if de.Pointer != tc.pointer || !strings.Contains(de.Message, tc.message) ||
				tc.line != 0 && de.Line != tc.line || tc.column != 0 && de.Column != tc.column {
				t.Errorf("got %q %q line %d column %d\nwant %q %q line %d column %d", de.Pointer, de.Message, de.Line, de.Column,
					tc.pointer, tc.message, tc.line, tc.column)
			}
		})
	}
	// Exactly 64 levels is fine.
	if _, err := ParseDefinition([]byte(deepJSON), REST, "", ""); err == nil || !strings.Contains(err.Error(), "neither openapi") {
		t.Errorf("64 levels: %v", err)
	}
	// A YAML flow mapping looks like JSON at first.
	if _, err := ParseDefinition([]byte("{openapi: 3.0.1, paths: {}}"), REST, "", ""); err != nil {
		t.Errorf("YAML flow mapping: %v", err)
	}
}

func TestDefinitionLimits(t *testing.T) {
	t.Parallel()
	// Over 6 MiB is refused before it is read.
	big := make([]byte, maxDocumentBytes+1)
	_, err := ParseDefinition(big, REST, "", "")
	if err == nil || !strings.Contains(err.Error(), "limit is 6 MiB") {
		t.Errorf("oversized document: %v", err)
	}
	// Just under 6 MiB of real content is read.
	var b strings.Builder
	b.WriteString(`{"openapi": "3.0.1", "paths": {}, "x-pad": [`)
	for b.Len() < maxDocumentBytes-1000 {
		b.WriteString(`"padding padding padding padding padding padding padding",`)
	}
	b.WriteString(`""]}`)
	if _, err := ParseDefinition([]byte(b.String()), REST, "", ""); err != nil {
		t.Errorf("a large document: %v", err)
	}
	// Too many values, as JSON and as YAML (which is counted before the
	// YAML library builds its nodes).
	many := `{"openapi": "3.0.1", "x": [` + strings.Repeat("0,", maxValues) + `0]}`
	if _, err := ParseDefinition([]byte(many), REST, "", ""); err == nil || !strings.Contains(err.Error(), "more than 524288 values") {
		t.Errorf("too many values: %v", err)
	}
	start := time.Now()
	manyYAML := "openapi: 3.0.1\nx:\n" + strings.Repeat("- 0\n", maxDocumentBytes/4-10)
	if _, err := ParseDefinition([]byte(manyYAML), REST, "", ""); err == nil || !strings.Contains(err.Error(), "more than 262144 lines and separators") {
		t.Errorf("too many YAML values: %v", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("refusing 6 MiB of YAML took %v", elapsed)
	}
}

// TestDefinitionAliasBomb: a billion laughs expands to 9^9 values; it must
// be refused after reading its text, without the expansion's memory. Not
// parallel: it measures the allocations while it runs.
func TestDefinitionAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	merge := "openapi: 3.0.1\nm0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n"
	for i := 1; i <= 20; i++ {
		merge += fmt.Sprintf("m%d: &m%d {x: [*m%d, *m%d, *m%d, *m%d], <<: *m%d}\n", i, i, i-1, i-1, i-1, i-1, i-1)
	}
	for name, doc := range map[string]string{"sequences": b.String(), "merge keys": merge} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := ParseDefinition([]byte(doc), REST, "", "")
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "expands to more than") {
			t.Errorf("%s: %v", name, err)
		}
		if elapsed > 2*time.Second {
			t.Errorf("%s: took %v", name, elapsed)
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
			t.Errorf("%s: allocated %d MiB", name, grown>>20)
		}
	}
}
