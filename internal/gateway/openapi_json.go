package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// decodeDocument reads a JSON or YAML document into a tree, within the
// size, depth and value limits.
func decodeDocument(doc []byte) (*node, error) {
	if len(doc) > maxDocumentBytes {
		return nil, &DefinitionError{Message: fmt.Sprintf("the document is %d bytes; the limit is 6 MiB (%d bytes)", len(doc), maxDocumentBytes)}
	}
	doc = bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))
	body := bytes.TrimLeft(doc, " \t\r\n")
	if len(body) == 0 {
		return nil, &DefinitionError{Message: "the document is empty"}
	}
	var root *node
	var err error
	if looksJSON(body) {
		root, err = decodeJSON(doc)
	} else {
		root, err = decodeYAML(doc)
	}
	if err != nil {
		return nil, err
	}
	if root.kind != kindObject {
		return nil, &DefinitionError{Message: fmt.Sprintf("the document must be an object, found %s", root.kind), Line: root.line, Column: root.col}
	}
	return root, nil
}

// looksJSON tells JSON from YAML by its first token: a JSON object opens
// with a quoted key (or closes at once). A YAML flow mapping ({openapi:
// 3.0.1}) also starts with a brace, but not with a quote; reading a
// malformed JSON document as YAML instead would report a confusing error,
// or none.
func looksJSON(body []byte) bool {
	if body[0] == '[' {
		return true
	}
	rest := bytes.TrimLeft(body[1:], " \t\r\n")
	return body[0] == '{' && (len(rest) == 0 || rest[0] == '"' || rest[0] == '}')
}

// jsonReader builds a tree from encoding/json's token stream, which lets it
// stop at the depth limit, refuse duplicate keys (encoding/json would keep
// the last silently) and note where each value starts.
type jsonReader struct {
	doc   []byte
	dec   *json.Decoder
	count int
	// Positions are computed incrementally: offsets only grow.
	scanned, line, lineStart int
}

func decodeJSON(doc []byte) (*node, error) {
	r := &jsonReader{doc: doc, dec: json.NewDecoder(bytes.NewReader(doc)), line: 1}
	r.dec.UseNumber()
	root, err := r.value(0, nil)
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the top-level value")
		}
		return nil, r.syntax(err)
	}
	return root, nil
}

// position returns the line and column of a byte offset.
func (r *jsonReader) position(off int) (line, col int) {
	if off < r.scanned {
		r.scanned, r.line, r.lineStart = 0, 1, 0
	}
	for ; r.scanned < off && r.scanned < len(r.doc); r.scanned++ {
		if r.doc[r.scanned] == '\n' {
			r.line++
			r.lineStart = r.scanned + 1
		}
	}
	return r.line, off - r.lineStart + 1
}

// next returns the offset where the next token starts.
func (r *jsonReader) next() int {
	off := int(r.dec.InputOffset())
	for off < len(r.doc) && strings.IndexByte(" \t\r\n,:", r.doc[off]) >= 0 {
		off++
	}
	return off
}

// syntax locates malformed JSON. The token stream's offsets point at the
// previous token, so encoding/json's validating scanner, whose offsets
// point just past the offending byte, says where.
func (r *jsonReader) syntax(err error) error {
	msg, off := err.Error(), len(r.doc)
	var raw json.RawMessage
	var se *json.SyntaxError
	if uerr := json.Unmarshal(r.doc, &raw); errors.As(uerr, &se) {
		msg, off = se.Error(), max(int(se.Offset)-1, 0)
		if int(se.Offset) == len(r.doc) && strings.Contains(msg, "unexpected end") {
			off = len(r.doc) // where more was expected
		}
	}
	line, col := r.position(off)
	return &DefinitionError{Message: "malformed JSON: " + msg, Line: line, Column: col}
}

func (r *jsonReader) value(depth int, path []string) (*node, error) {
	line, col := r.position(r.next())
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntax(err)
	}
	if r.count++; r.count > maxValues {
		return nil, limitError(path, line, col, fmt.Sprintf("the document has more than %d values", maxValues))
	}
	n := &node{line: line, col: col}
	switch t := tok.(type) {
	case json.Delim:
		if depth+1 > maxDepth {
			return nil, limitError(path, line, col, fmt.Sprintf("the document nests deeper than %d levels", maxDepth))
		}
		if t == '{' {
			return n, r.object(n, depth+1, path)
		}
		n.kind = kindArray
		for i := 0; r.dec.More(); i++ {
			v, err := r.value(depth+1, append(path, fmt.Sprint(i)))
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(err)
		}
	case string:
		n.kind, n.text = kindString, t
	case json.Number:
		n.kind, n.text, n.num = kindNumber, string(t), string(t)
	case bool:
		n.kind, n.text = kindBool, fmt.Sprint(t)
	case nil:
		n.kind = kindNull
	}
	return n, nil
}

func (r *jsonReader) object(n *node, depth int, path []string) error {
	n.kind = kindObject
	seen := map[string]bool{}
	for r.dec.More() {
		line, col := r.position(r.next())
		tok, err := r.dec.Token()
		if err != nil {
			return r.syntax(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return limitError(append(path, key), line, col, fmt.Sprintf("duplicate key %q", key))
		}
		seen[key] = true
		v, err := r.value(depth, append(path, key))
		if err != nil {
			return err
		}
		n.keys = append(n.keys, key)
		n.vals = append(n.vals, v)
	}
	if _, err := r.dec.Token(); err != nil {
		return r.syntax(err)
	}
	return nil
}

// limitError is a DefinitionError found while reading, where the pointer
// is still a list of tokens.
func limitError(path []string, line, col int, msg string) *DefinitionError {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(escapePointer(p))
	}
	return &DefinitionError{Pointer: b.String(), Message: msg, Line: line, Column: col}
}
