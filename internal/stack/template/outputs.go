package template

import "errors"

// Output is an evaluated output of the stack.
type Output struct {
	Key, Value  string
	Description string
	Export      bool
	ExportName  string
}

func outputProperty(k string) bool {
	switch k {
	case "Value", "Description", "Export", "Condition":
		return true
	}
	return false
}

func (c *checker) outputsSection() {
	outs := c.section("Outputs")
	for _, key := range sortedKeys(outs) {
		path := append(make([]string, 0, 16), "Outputs", key)
		if !c.logicalID(path, "output", key) {
			continue
		}
		def, ok := outs[key].(map[string]any)
		if !ok {
			c.errorf(path, "an output must be a mapping with a Value, not %s", describe(outs[key]))
			continue
		}
		for _, k := range sortedKeys(def) {
			if !outputProperty(k) {
				c.errorf(append(path, k), "unknown output property %q; an output has Value, Description, Export and Condition", k)
			}
		}
		active := true
		if v, ok := def["Condition"]; ok {
			name, isName := v.(string)
			on, declared := c.b.conds[name]
			switch {
			case !isName:
				c.errorf(append(path, "Condition"), "Condition must name a condition (a string), not %s", describe(v))
			case !declared:
				if _, failed := c.section("Conditions")[name]; !failed {
					c.errorf(append(path, "Condition"), "condition %q is not declared in Conditions", name)
				}
			default:
				active = on
			}
		}
		if d, ok := def["Description"]; ok {
			if _, isStr := d.(string); !isStr {
				c.errorf(append(path, "Description"), "Description must be a string, not %s", describe(d))
			}
		}
		if v, ok := def["Value"]; !ok {
			c.errorf(path, "the output has no Value")
		} else {
			c.walk(append(path, "Value"), v, active)
		}
		if v, ok := def["Export"]; ok {
			exp, isMap := v.(map[string]any)
			if name, hasName := exp["Name"]; !isMap || !hasName || len(exp) != 1 {
				c.errorf(append(path, "Export"), "Export takes a mapping with a Name and nothing else")
			} else {
				c.walk(append(path, "Export", "Name"), name, active)
			}
		}
		if active {
			c.b.outputs = append(c.b.outputs, key)
		}
	}
}

// Outputs evaluates the outputs whose condition holds, sorted by key.
// Each value must evaluate to text: CloudFormation outputs are strings
// (numbers and booleans are written as text; lists are an error). Every
// output that fails is reported, as an ErrorList.
func (b *Bound) Outputs(r Resolver) ([]Output, error) {
	defs, _ := b.t.Doc["Outputs"].(map[string]any)
	var outs []Output
	var errs ErrorList
	for _, key := range b.outputs {
		def, _ := defs[key].(map[string]any)
		o := Output{Key: key}
		o.Description, _ = def["Description"].(string)
		var err error
		if o.Value, err = b.text([]string{"Outputs", key, "Value"}, def["Value"], r, "an output's Value"); err != nil {
			errs = append(errs, asError(b.t, err))
			continue
		}
		if exp, ok := def["Export"].(map[string]any); ok {
			o.Export = true
			if o.ExportName, err = b.text([]string{"Outputs", key, "Export", "Name"}, exp["Name"], r, "an export's Name"); err != nil {
				errs = append(errs, asError(b.t, err))
				continue
			}
		}
		outs = append(outs, o)
	}
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	return outs, nil
}

func (b *Bound) text(path []string, v any, r Resolver, what string) (string, error) {
	out, err := b.Eval(path, v, r)
	if err != nil {
		return "", err
	}
	s, ok := text(out)
	if !ok {
		return "", b.t.Errorf(path, "%s must evaluate to a string, not %s", what, describe(out))
	}
	return s, nil
}

func asError(t *Template, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return t.Errorf(nil, "%v", err)
}
