package template

import "strconv"

// mappingsSection checks the Mappings section: two levels of keys over
// literal values, which CloudFormation does not evaluate.
func (c *checker) mappingsSection() {
	maps := c.section("Mappings")
	for _, name := range sortedKeys(maps) {
		path := []string{"Mappings", name}
		if !c.logicalID(path, "mapping", name) {
			continue
		}
		m, ok := maps[name].(map[string]any)
		if !ok {
			c.errorf(path, "a mapping must be a mapping of keys to mappings, not %s", describe(maps[name]))
			continue
		}
		c.b.mappings[name] = m
		for _, k := range sortedKeys(m) {
			second, ok := m[k].(map[string]any)
			if !ok {
				c.errorf(append(path, k), "a mapping's top-level key must hold a mapping, not %s", describe(m[k]))
				continue
			}
			for _, k2 := range sortedKeys(second) {
				c.literal(append(path, k, k2), second[k2])
			}
		}
	}
}

// literal refuses intrinsic functions where CloudFormation does not
// evaluate them.
func (c *checker) literal(path []string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if fn, _, ok := Intrinsic(x); ok {
			c.errorf(path, "%s cannot be used in Mappings; mapping values are literal", fn)
			return
		}
		for k, e := range x {
			c.literal(append(path, k), e)
		}
	case []any:
		for i, e := range x {
			c.literal(append(path, strconv.Itoa(i)), e)
		}
	}
}
