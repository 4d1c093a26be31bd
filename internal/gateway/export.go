package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ExportOAS30 answers GetExport with exportType oas30: the API as an
// OpenAPI 3.0.1 JSON document, with servers set to the stage's URL as API
// Gateway does. The document is the one the API was imported from
// (Swagger 2.0 converted, every x-amazon-apigateway-* extension kept), so
// that it imports again to the same Definition; an API with no document
// is written from def alone.
func ExportOAS30(def *Definition, doc []byte, serverURL string) ([]byte, error) {
	var root *node
	switch {
	case len(bytes.TrimSpace(doc)) > 0:
		src, err := decodeDocument(doc)
		if err != nil {
			return nil, err
		}
		root = toOAS30(src)
	case def != nil:
		root = synthesize(def)
	default:
		return nil, errors.New("gateway: export needs a definition or a document")
	}
	fillInfo(root, def)
	root.set("servers", arrNode(objWith("url", strNode(serverURL))))
	root = ordered(root, "openapi", "info", "servers", "paths", "components")
	if err := checkOAS30(at{n: root}); err != nil {
		return nil, fmt.Errorf("gateway: export is not valid OpenAPI 3.0: %w", err)
	}
	var compact bytes.Buffer
	writeJSON(&compact, root)
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("gateway: export: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// objWith builds an object from key, value pairs.
func objWith(kv ...any) *node {
	o := objNode()
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1].(*node))
	}
	return o
}

// fillInfo gives info the title and version OpenAPI requires, as strings
// (a YAML "version: 1.0" is a number until written out).
func fillInfo(root *node, def *Definition) {
	if def == nil {
		def = &Definition{}
	}
	info := root.get("info")
	if info == nil || info.kind != kindObject {
		info = objNode()
	} else {
		info = info.clone()
	}
	for _, kv := range [][2]string{{"title", def.Title}, {"version", def.Version}} {
		key, fallback := kv[0], kv[1]
		v := info.get(key)
		switch {
		case v == nil || v.kind == kindNull:
			info.set(key, strNode(fallback))
		case v.kind != kindString && v.kind != kindObject && v.kind != kindArray:
			info.set(key, strNode(v.text))
		}
	}
	if v := info.get("description"); v != nil && (v.kind == kindNumber || v.kind == kindBool) {
		info.set("description", strNode(v.text))
	}
	root.set("info", info)
}

// ordered returns the object with the given keys first, the rest after in
// their own order.
func ordered(n *node, first ...string) *node {
	out := objNode()
	for _, k := range first {
		if v := n.get(k); v != nil {
			out.set(k, v)
		}
	}
	for i, k := range n.keys {
		if !out.has(k) {
			out.set(k, n.vals[i])
		}
	}
	return out
}

// writeJSON writes the tree as compact JSON.
func writeJSON(b *bytes.Buffer, n *node) {
	switch n.kind {
	case kindNull:
		b.WriteString("null")
	case kindBool:
		b.WriteString(n.text)
	case kindNumber:
		b.WriteString(n.num)
	case kindString:
		writeString(b, n.text)
	case kindArray:
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, v)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeJSON(b, n.vals[i])
		}
		b.WriteByte('}')
	}
}

// writeString writes a JSON string, leaving <, > and & readable (the
// export is a file, not HTML) and invalid UTF-8 replaced.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == '\u2028' || r == '\u2029':
			b.WriteString(`\u`)
			b.WriteString(fmt.Sprintf("%04x", r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// checkOAS30 checks the export's structure: what OpenAPI 3.0 requires of
// the parts API Gateway reads, so that a client's validator or generator
// accepts it.
func checkOAS30(root at) error {
	if v, _, _ := root.get("openapi").str(); v != "3.0.1" {
		return root.get("openapi").errf("must be 3.0.1")
	}
	info := root.get("info")
	for _, k := range []string{"title", "version"} {
		if _, ok, err := info.get(k).str(); err != nil || !ok {
			return info.get(k).errf("info needs a string %s", k)
		}
	}
	servers := root.get("servers")
	if servers.missing() || servers.n.kind != kindArray {
		return servers.errf("servers must be an array")
	}
	for i := range servers.n.vals {
		if _, ok, err := servers.index(i).get("url").str(); err != nil || !ok {
			return servers.index(i).errf("a server needs a url")
		}
	}
	paths := root.get("paths")
	if paths.missing() || paths.n.kind != kindObject {
		return paths.errf("paths must be an object")
	}
	err := paths.members(func(path string, item at) error {
		if item.n.kind != kindObject {
			return item.errf("a path item must be an object")
		}
		return item.members(func(key string, op at) error {
			if _, ok := opMethod(key); !ok && key != "trace" {
				return nil
			}
			if op.n.kind != kindObject {
				return op.errf("an operation must be an object")
			}
			if r := op.get("responses"); r.missing() || r.n.kind != kindObject || len(r.n.keys) == 0 {
				return r.errf("an operation needs at least one response")
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	return checkComponents(root.get("components"))
}

func checkComponents(comps at) error {
	if comps.missing() {
		return nil
	}
	if comps.n.kind != kindObject {
		return comps.errf("components must be an object")
	}
	err := comps.members(func(_ string, section at) error {
		if section.n.kind != kindObject {
			return section.errf("a components section must be an object")
		}
		return nil
	})
	if err != nil {
		return err
	}
	schemes := comps.get("securitySchemes")
	if schemes.missing() {
		return nil
	}
	return schemes.members(func(name string, s at) error {
		if s.n.kind != kindObject {
			return s.errf("a security scheme must be an object")
		}
		if s.n.has("$ref") {
			return nil
		}
		typ, _, _ := s.get("type").str()
		need := map[string][]string{"apiKey": {"name", "in"}, "http": {"scheme"}, "oauth2": {"flows"}, "openIdConnect": {"openIdConnectUrl"}}[typ]
		if need == nil {
			return s.get("type").errf("a security scheme's type is apiKey, http, oauth2 or openIdConnect")
		}
		for _, k := range need {
			if !s.n.has(k) {
				return s.errf("a %s security scheme needs %s", typ, k)
			}
		}
		return nil
	})
}
