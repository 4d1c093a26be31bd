package template

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// converter turns yaml.Nodes into long-form values. Aliases are expanded
// into copies (so the SAM transform can rewrite one use without touching
// the others), and every value produced is counted, which bounds the
// work an alias bomb can cause.
type converter struct {
	file   string
	values int
	busy   map[*yaml.Node]bool // anchors being converted: an alias to one is a cycle
}

func (c *converter) fail(y *yaml.Node, path []string, format string, args ...any) error {
	return &Error{File: c.file, Line: y.Line, Col: y.Column, Path: clone(path), Msg: fmt.Sprintf(format, args...)}
}

// convert returns y as a long-form value and its positions. depth is the
// number of collections above y.
func (c *converter) convert(y *yaml.Node, depth int, path []string) (any, *posNode, error) {
	if c.values++; c.values > maxValues {
		return nil, nil, c.fail(y, path, "the template expands to more than %d values (YAML aliases count each time they are used)", maxValues)
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			return nil, nil, c.fail(y, path, "alias *%s refers to no anchor", y.Value)
		}
		if c.busy[y.Alias] {
			return nil, nil, c.fail(y, path, "alias *%s is used inside its own anchor's value", y.Value)
		}
		v, p, err := c.convert(y.Alias, depth, path)
		if err != nil {
			return nil, nil, err
		}
		// The alias's own place, with the anchored value's inside.
		return v, &posNode{pos: Pos{y.Line, y.Column}, keys: p.keys, items: p.items}, nil
	}
	if y.Anchor != "" {
		if c.busy[y] {
			return nil, nil, c.fail(y, path, "anchor &%s is used inside its own value", y.Anchor)
		}
		c.busy[y] = true
		defer delete(c.busy, y)
	}
	if tag := y.Tag; len(tag) > 1 && tag[0] == '!' && tag[1] != '!' {
		return c.tagged(y, depth, path)
	}
	switch y.Kind {
	case yaml.ScalarNode:
		v, err := scalar(y)
		if err != "" {
			return nil, nil, c.fail(y, path, "%s", err)
		}
		return v, &posNode{pos: Pos{y.Line, y.Column}}, nil
	case yaml.SequenceNode:
		if tag := y.ShortTag(); tag != "!!seq" {
			return nil, nil, c.fail(y, path, "YAML tag %s is not supported", tag)
		}
		return c.sequence(y, depth, path)
	case yaml.MappingNode:
		if tag := y.ShortTag(); tag != "!!map" {
			return nil, nil, c.fail(y, path, "YAML tag %s is not supported", tag)
		}
		return c.mapping(y, depth, path)
	}
	return nil, nil, c.fail(y, path, "unexpected YAML node")
}

func (c *converter) sequence(y *yaml.Node, depth int, path []string) (any, *posNode, error) {
	if depth+1 > maxDepth {
		return nil, nil, c.fail(y, path, "the template nests deeper than %d levels", maxDepth)
	}
	list := make([]any, len(y.Content))
	p := &posNode{pos: Pos{y.Line, y.Column}, items: make([]*posNode, len(y.Content))}
	for i, item := range y.Content {
		v, ip, err := c.convert(item, depth+1, append(path, strconv.Itoa(i)))
		if err != nil {
			return nil, nil, err
		}
		list[i], p.items[i] = v, ip
	}
	return list, p, nil
}

// mapping converts a mapping, applying merge keys (<<: *base) the YAML
// way: explicit keys win over merged ones, earlier merges over later.
func (c *converter) mapping(y *yaml.Node, depth int, path []string) (any, *posNode, error) {
	if depth+1 > maxDepth {
		return nil, nil, c.fail(y, path, "the template nests deeper than %d levels", maxDepth)
	}
	m := make(map[string]any, len(y.Content)/2)
	p := &posNode{pos: Pos{y.Line, y.Column}, keys: make(map[string]*posNode, len(y.Content)/2)}
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, val := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, val)
			continue
		}
		key, err := c.key(k, path)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := m[key]; dup {
			return nil, nil, c.fail(k, append(path, key), "duplicate key %q", key)
		}
		v, vp, err := c.convert(val, depth+1, append(path, key))
		if err != nil {
			return nil, nil, err
		}
		if plainCollection(val) {
			// A collection is shown at its key: a block mapping's own
			// position is its first key's, on the line below, and the key
			// is what a reader looks for.
			vp = &posNode{pos: Pos{k.Line, k.Column}, keys: vp.keys, items: vp.items}
		}
		m[key], p.keys[key] = v, vp
	}
	for _, src := range merges {
		if err := c.merge(src, depth, path, m, p); err != nil {
			return nil, nil, err
		}
	}
	return m, p, nil
}

func (c *converter) merge(src *yaml.Node, depth int, path []string, m map[string]any, p *posNode) error {
	sources := []*yaml.Node{src}
	if seq := deref(src); seq.Kind == yaml.SequenceNode && seq.Tag == "!!seq" {
		sources = seq.Content
	}
	for _, s := range sources {
		if t := deref(s); t.Kind != yaml.MappingNode || t.Tag != "!!map" {
			return c.fail(s, append(path, "<<"), "a merge key (<<) takes a mapping or a list of mappings")
		}
		// The merged mapping's values sit at this mapping's level.
		v, vp, err := c.convert(s, depth, append(path, "<<"))
		if err != nil {
			return err
		}
		for k, x := range v.(map[string]any) {
			if _, ok := m[k]; !ok {
				m[k], p.keys[k] = x, vp.keys[k]
			}
		}
	}
	return nil
}

// plainCollection reports an untagged mapping or sequence; a tagged one
// is an intrinsic, shown at its tag.
func plainCollection(y *yaml.Node) bool {
	return (y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode) && y.Style&yaml.TaggedStyle == 0
}

func deref(y *yaml.Node) *yaml.Node {
	for i := 0; y.Kind == yaml.AliasNode && y.Alias != nil && i < 8; i++ {
		y = y.Alias
	}
	return y
}

// key returns a mapping key as text. Plain numbers and booleans are taken
// as written: Mappings are often keyed by account IDs or versions.
func (c *converter) key(k *yaml.Node, path []string) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", c.fail(k, path, "a mapping key must be a string, not a YAML sequence or mapping")
	}
	switch tag := k.ShortTag(); tag {
	case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
		return k.Value, nil
	case "!!null":
		return "", c.fail(k, path, "a mapping key must be a string, not empty or null")
	default:
		return "", c.fail(k, path, "a mapping key must be a plain string, not tagged %s", tag)
	}
}

func clone(path []string) []string {
	if len(path) == 0 {
		return nil
	}
	return append([]string(nil), path...)
}
