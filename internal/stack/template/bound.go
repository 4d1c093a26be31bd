package template

import "slices"

// Resources returns the resources to create (those whose condition
// holds), sorted by logical ID.
func (b *Bound) Resources() []Resource {
	out := make([]Resource, 0, len(b.deps))
	for _, id := range sortedKeys(b.deps) {
		r := *b.res[id]
		r.DependsOn = slices.Clone(r.DependsOn)
		out = append(out, r)
	}
	return out
}

// Order returns the logical IDs of the resources to create, each after
// every resource it depends on (through Ref, Fn::GetAtt, Fn::Sub or
// DependsOn); ties are broken by logical ID, so the order is stable.
func (b *Bound) Order() []string { return slices.Clone(b.order) }

// Deps returns the resources logicalID depends on directly, sorted.
func (b *Bound) Deps(logicalID string) []string { return slices.Clone(b.deps[logicalID]) }

// Param returns a parameter's value: a string for String and Number
// parameters (CloudFormation gives numbers as text), a []any of strings
// for list parameters, nil for an undeclared name.
func (b *Bound) Param(name string) any {
	p := b.params[name]
	if p == nil {
		return nil
	}
	if list, ok := p.value.([]any); ok {
		return slices.Clone(list)
	}
	return p.value
}

// NoEcho reports whether a parameter's value must be masked wherever it
// is shown.
func (b *Bound) NoEcho(name string) bool {
	p := b.params[name]
	return p != nil && p.noEcho
}

// Condition reports a decided condition's value.
func (b *Bound) Condition(name string) (value, declared bool) {
	value, declared = b.conds[name]
	return value, declared
}

// Template returns the template b was bound from.
func (b *Bound) Template() *Template { return b.t }
