package gateway

import (
	"fmt"
	"strconv"
	"strings"
)

// The document is first read into a small ordered tree of its own rather
// than map[string]any: the tree keeps the document's key order (routes and
// exports come out in the order the author wrote them), each value's
// line and column (for error messages), and number literals as written
// (info.version 1.0 stays "1.0"). YAML aliases share one subtree, so the
// tree is a DAG whose expanded size is counted, never materialised.

// Limits on a document. API Gateway refuses imports over 6 MB; the depth
// and value limits keep hostile documents (deep nesting, alias bombs) from
// costing more than a legitimate one ever could.
const (
	maxDocumentBytes = 6 << 20
	maxDepth         = 64
	// maxValues bounds the values a document expands to, aliases counted
	// as many times as they are used. Real API definitions stay far below
	// (API Gateway's 300 resources with their methods and large schemas
	// come to some tens of thousands).
	maxValues = 1 << 19
)

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindObject:
		return "an object"
	default:
		return "an array"
	}
}

// node is one value of the document.
type node struct {
	kind kind
	// text is a scalar as written: a string's value, "true"/"false", a
	// number's literal.
	text string
	// num is a number's JSON form (a YAML 0x1F becomes 31), what an
	// export writes.
	num  string
	keys []string // object member names, in document order
	vals []*node  // object member values (parallel to keys) or array items
	line int
	col  int
}

// get returns an object's member, nil when absent or not an object.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// has reports whether an object has the member (even a null one).
func (n *node) has(key string) bool {
	if n == nil || n.kind != kindObject {
		return false
	}
	for _, k := range n.keys {
		if k == key {
			return true
		}
	}
	return false
}

// set replaces or appends an object member.
func (n *node) set(key string, v *node) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

// del removes an object member.
func (n *node) del(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i:i], n.vals[i+1:]...)
			return
		}
	}
}

// Constructors used by the export.
func strNode(s string) *node { return &node{kind: kindString, text: s} }
func boolNode(b bool) *node  { return &node{kind: kindBool, text: strconv.FormatBool(b)} }
func objNode() *node         { return &node{kind: kindObject} }
func arrNode(items ...*node) *node {
	return &node{kind: kindArray, vals: items}
}
func intNode(i int) *node {
	s := strconv.Itoa(i)
	return &node{kind: kindNumber, text: s, num: s}
}
func strArrNode(ss []string) *node {
	a := arrNode()
	for _, s := range ss {
		a.vals = append(a.vals, strNode(s))
	}
	return a
}

// clone copies a node's own object or array spine (members can then be
// set or removed without touching the original); children are shared.
func (n *node) clone() *node {
	c := *n
	c.keys = append([]string(nil), n.keys...)
	c.vals = append([]*node(nil), n.vals...)
	return &c
}

// escapePointer escapes one JSON pointer token (RFC 6901).
func escapePointer(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// at is a node with its JSON pointer, so that every check can say where it
// failed.
type at struct {
	n   *node
	ptr string
}

func (a at) get(key string) at {
	return at{n: a.n.get(key), ptr: a.ptr + "/" + escapePointer(key)}
}

func (a at) index(i int) at {
	return at{n: a.n.vals[i], ptr: a.ptr + "/" + strconv.Itoa(i)}
}

func (a at) missing() bool { return a.n == nil }

// errf is a DefinitionError at this value.
func (a at) errf(format string, args ...any) *DefinitionError {
	e := &DefinitionError{Pointer: a.ptr, Message: fmt.Sprintf(format, args...)}
	if a.n != nil {
		e.Line, e.Column = a.n.line, a.n.col
	}
	return e
}

// members calls fn for each member of an object, in order.
func (a at) members(fn func(key string, v at) error) error {
	for i, k := range a.n.keys {
		if err := fn(k, at{n: a.n.vals[i], ptr: a.ptr + "/" + escapePointer(k)}); err != nil {
			return err
		}
	}
	return nil
}

// object checks that the value is an object (absent is fine: optional).
func (a at) object() error {
	if a.n == nil || a.n.kind == kindObject {
		return nil
	}
	return a.typeErr("an object")
}

// typeErr says what was found instead of what was wanted, naming an
// unresolved CloudFormation intrinsic when that is what it is: the most
// common reason for an object where a string belongs.
func (a at) typeErr(want string) *DefinitionError {
	if fn := intrinsic(a.n); fn != "" {
		return a.errf("must be %s, found the unresolved CloudFormation intrinsic %s", want, fn)
	}
	return a.errf("must be %s, found %s", want, a.n.kind)
}

// intrinsic names a CloudFormation intrinsic ({"Fn::Sub": …}, {"Ref": …}).
func intrinsic(n *node) string {
	if n == nil || n.kind != kindObject || len(n.keys) != 1 {
		return ""
	}
	if k := n.keys[0]; k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k
	}
	return ""
}

// str returns a string value; ok is false when absent.
func (a at) str() (s string, ok bool, err error) {
	if a.n == nil {
		return "", false, nil
	}
	if a.n.kind != kindString {
		return "", false, a.typeErr("a string")
	}
	return a.n.text, true, nil
}

// scalarText returns any scalar as written (titles and versions that YAML
// typed as numbers or dates).
func (a at) scalarText() (string, error) {
	if a.n == nil || a.n.kind == kindNull {
		return "", nil
	}
	if a.n.kind == kindObject || a.n.kind == kindArray {
		return "", a.typeErr("a string")
	}
	return a.n.text, nil
}

// integer returns an integer given as a number or a numeric string
// (API Gateway accepts statusCode: "200" and statusCode: 200 alike).
func (a at) integer() (v int, ok bool, err error) {
	if a.n == nil {
		return 0, false, nil
	}
	var lit string
	switch a.n.kind {
	case kindNumber:
		lit = a.n.num
	case kindString:
		lit = strings.TrimSpace(a.n.text)
	default:
		return 0, false, a.typeErr("an integer")
	}
	if f, err := strconv.ParseFloat(lit, 64); err == nil && f == float64(int64(f)) && f >= -1<<31 && f < 1<<31 {
		return int(f), true, nil
	}
	return 0, false, a.errf("must be an integer, found %q", lit)
}

// boolean returns a boolean.
func (a at) boolean() (v, ok bool, err error) {
	if a.n == nil {
		return false, false, nil
	}
	if a.n.kind != kindBool {
		return false, false, a.typeErr("a boolean")
	}
	return a.n.text == "true", true, nil
}

// strings returns an array of strings (absent or null: nil).
func (a at) strings() ([]string, error) {
	if a.n == nil || a.n.kind == kindNull {
		return nil, nil
	}
	if a.n.kind != kindArray {
		return nil, a.typeErr("an array of strings")
	}
	var out []string
	for i := range a.n.vals {
		s, _, err := a.index(i).str()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
