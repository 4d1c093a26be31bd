package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlLineRe reads the line out of the YAML library's error messages
// ("yaml: line 3: mapping values are not allowed in this context").
var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// jsonNumberRe is JSON's number grammar: a YAML number written this way is
// exported as written (1.0 stays 1.0).
var jsonNumberRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// cfnTag reports whether a tag is one of CloudFormation's short-form
// intrinsics. A definition reaches gatehouse after the template is
// resolved, so one of these means the document still holds an unresolved
// intrinsic.
func cfnTag(tag string) bool {
	switch tag {
	case "!Ref", "!Sub", "!GetAtt", "!Join", "!If", "!Select", "!Split", "!ImportValue", "!FindInMap",
		"!Base64", "!GetAZs", "!Equals", "!And", "!Or", "!Not", "!Condition", "!Cidr", "!Transform",
		"!ToJsonString", "!Length":
		return true
	}
	return false
}

func decodeYAML(doc []byte) (root *node, err error) {
	// The YAML library reports some malformed input by panicking inside
	// its own recover; anything that escapes is still a bad document, not
	// a reason to take the server down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &DefinitionError{Message: fmt.Sprintf("malformed YAML: %v", r)}
		}
	}()
	if n := yamlTokens(doc); n > maxYAMLTokens {
		return nil, &DefinitionError{Message: fmt.Sprintf("the YAML document has more than %d lines and separators; gatehouse reads YAML that size as JSON only", maxYAMLTokens)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var y yaml.Node
	if err := dec.Decode(&y); err != nil {
		if err == io.EOF {
			return nil, &DefinitionError{Message: "the document is empty"}
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &DefinitionError{Message: "the YAML stream holds more than one document", Line: extra.Line, Column: extra.Column}
	case err != io.EOF:
		return nil, yamlError(err)
	}
	if y.Kind == yaml.DocumentNode && len(y.Content) == 1 {
		y = *y.Content[0]
	}
	c := &yamlConverter{done: map[*yaml.Node]*yamlDone{}}
	n, _, _, err := c.convert(&y, 0, nil)
	return n, err
}

// maxYAMLTokens bounds the YAML library's work before it starts: it
// builds a node of some 200 bytes for every value before gatehouse can
// count them, so 6 MiB of "- 0" lines would cost a gigabyte. Every value
// needs a line, a comma or a bracket of its own, so counting those bounds
// the values; real documents have far fewer (and big ones are JSON).
const maxYAMLTokens = maxValues / 2

func yamlTokens(doc []byte) int {
	n := 0
	for _, c := range doc {
		switch c {
		case '\n', ',', '[', '{':
			n++
		}
	}
	return n
}

func yamlError(err error) *DefinitionError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &DefinitionError{Message: "malformed YAML: " + msg}
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Message = "malformed YAML: " + m[2]
	}
	return e
}

// yamlConverter turns yaml.Nodes into the tree. Anchored nodes are
// converted once and shared by their aliases; size and height travel up
// the tree so that an alias bomb is refused after work proportional to
// its text, not to its expansion.
type yamlConverter struct {
	done map[*yaml.Node]*yamlDone
}

type yamlDone struct {
	n            *node
	size, height int
	busy         bool // being converted: an alias to it is a cycle
}

// convert returns the node, its expanded size (values, aliases counted
// each time) and its height (levels of objects and arrays). depth is the
// number of containers above y.
func (c *yamlConverter) convert(y *yaml.Node, depth int, path []string) (n *node, size, height int, err error) {
	fail := func(msg string) (*node, int, int, error) {
		return nil, 0, 0, limitError(path, y.Line, y.Column, msg)
	}
	// An alias, or an anchored node met again through a merge, is the
	// value already converted; only its depth here is new.
	target := y
	if y.Kind == yaml.AliasNode {
		target = y.Alias
	}
	if d := c.done[target]; d != nil && target != nil {
		switch {
		case d.busy:
			return fail(fmt.Sprintf("alias *%s refers to a value that contains it", y.Value))
		case depth+d.height > maxDepth:
			return fail(fmt.Sprintf("the document nests deeper than %d levels", maxDepth))
		}
		return d.n, d.size, d.height, nil
	}
	if y.Kind == yaml.AliasNode {
		return fail(fmt.Sprintf("alias *%s refers to no anchor", y.Value))
	}
	if y.Anchor != "" {
		d := &yamlDone{busy: true}
		c.done[y] = d
		defer func() { *d = yamlDone{n: n, size: size, height: height} }()
	}
	if msg := tagProblem(y); msg != "" {
		return fail(msg)
	}
	n = &node{line: y.Line, col: y.Column}
	switch y.Kind {
	case yaml.ScalarNode:
		if err := scalar(y, n); err != nil {
			return fail(err.Error())
		}
		return n, 1, 0, nil
	case yaml.SequenceNode, yaml.MappingNode:
		if depth+1 > maxDepth {
			return fail(fmt.Sprintf("the document nests deeper than %d levels", maxDepth))
		}
		if y.Kind == yaml.MappingNode {
			size, height, err = c.mapping(y, n, depth+1, path)
			return n, size, height, err
		}
		n.kind, size, height = kindArray, 1, 1
		for i, item := range y.Content {
			v, s, h, err := c.convert(item, depth+1, append(path, strconv.Itoa(i)))
			if err != nil {
				return nil, 0, 0, err
			}
			n.vals = append(n.vals, v)
			if size += s; size > maxValues {
				return fail(fmt.Sprintf("the document expands to more than %d values", maxValues))
			}
			height = max(height, h+1)
		}
		return n, size, height, nil
	}
	return fail("unexpected YAML node")
}

// mapping converts a mapping, applying merge keys (<<: *base) the YAML way:
// explicit keys win over merged ones, earlier merges over later ones.
func (c *yamlConverter) mapping(y *yaml.Node, n *node, depth int, path []string) (size, height int, err error) {
	n.kind, size, height = kindObject, 1, 1
	seen := map[string]bool{}
	var merges []*yaml.Node
	add := func(s, h int) error {
		if size += s; size > maxValues {
			return limitError(path, y.Line, y.Column, fmt.Sprintf("the document expands to more than %d values", maxValues))
		}
		height = max(height, h)
		return nil
	}
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := mappingKey(k, path)
		if err != nil {
			return 0, 0, err
		}
		if seen[key] {
			return 0, 0, limitError(append(path, key), k.Line, k.Column, fmt.Sprintf("duplicate key %q", key))
		}
		seen[key] = true
		child, s, h, err := c.convert(v, depth, append(path, key))
		if err != nil {
			return 0, 0, err
		}
		n.keys = append(n.keys, key)
		n.vals = append(n.vals, child)
		if err := add(s, h+1); err != nil {
			return 0, 0, err
		}
	}
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if list := m; list.Kind == yaml.SequenceNode || list.Kind == yaml.AliasNode && list.Alias != nil && list.Alias.Kind == yaml.SequenceNode {
			if list.Kind == yaml.AliasNode {
				list = list.Alias
			}
			sources = list.Content
		}
		for _, src := range sources {
			// The merged mapping sits at this mapping's level.
			v, s, h, err := c.convert(src, depth-1, append(path, "<<"))
			if err != nil {
				return 0, 0, err
			}
			if v.kind != kindObject {
				return 0, 0, limitError(append(path, "<<"), src.Line, src.Column, "a merge key (<<) takes a mapping or a list of mappings")
			}
			for j, key := range v.keys {
				if !seen[key] {
					seen[key] = true
					n.keys = append(n.keys, key)
					n.vals = append(n.vals, v.vals[j])
				}
			}
			if err := add(s, h); err != nil {
				return 0, 0, err
			}
		}
	}
	return size, height, nil
}

// mappingKey returns a key as text: OpenAPI response codes are often
// plain YAML integers (200:).
func mappingKey(k *yaml.Node, path []string) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", limitError(path, k.Line, k.Column, "a mapping key must be a scalar")
	}
	if msg := tagProblem(k); msg != "" {
		return "", limitError(path, k.Line, k.Column, msg)
	}
	return k.Value, nil
}

// tagProblem refuses explicit tags the tree cannot represent, above all
// CloudFormation's short-form intrinsics.
func tagProblem(y *yaml.Node) string {
	tag := y.ShortTag()
	switch {
	case cfnTag(tag):
		return fmt.Sprintf("unresolved CloudFormation intrinsic %s", tag)
	case y.Kind == yaml.MappingNode && tag == "!!map", y.Kind == yaml.SequenceNode && tag == "!!seq":
		return ""
	case y.Kind == yaml.ScalarNode:
		switch tag {
		case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!merge":
			return ""
		}
	}
	return fmt.Sprintf("YAML tag %s is not supported", tag)
}

// scalar fills a node from a YAML scalar.
func scalar(y *yaml.Node, n *node) error {
	switch y.ShortTag() {
	case "!!null":
		n.kind = kindNull
	case "!!bool":
		var b bool
		if err := y.Decode(&b); err != nil {
			return err
		}
		n.kind, n.text = kindBool, strconv.FormatBool(b)
	case "!!int", "!!float":
		var v any
		if err := y.Decode(&v); err != nil {
			return err
		}
		n.kind, n.text = kindNumber, y.Value
		switch x := v.(type) {
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return errors.New("the number " + y.Value + " cannot be written as JSON")
			}
			n.num = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			n.num = fmt.Sprint(x)
		}
		if jsonNumberRe.MatchString(y.Value) {
			n.num = y.Value
		}
	default: // strings, timestamps and binary stay as written
		n.kind, n.text = kindString, y.Value
	}
	return nil
}
