package template

import "strconv"

// Pos is a place in the template's source. Line and Col count from 1;
// Col counts characters, as the YAML library does.
type Pos struct{ Line, Col int }

// posNode mirrors the document's shape with the source position of every
// value. It is kept apart from Doc so that Doc stays plain Go values the
// SAM transform can rewrite freely, while positions survive the rewrite.
type posNode struct {
	pos   Pos
	keys  map[string]*posNode
	items []*posNode
}

// find returns the position of the deepest node along path.
func (n *posNode) find(path []string) Pos {
	if n == nil {
		return Pos{}
	}
	best := n.pos
	for _, k := range path {
		var next *posNode
		if n.keys != nil {
			next = n.keys[k]
		} else if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(n.items) {
			next = n.items[i]
		}
		if next == nil {
			break
		}
		n = next
		if n.pos.Line > 0 {
			best = n.pos
		}
	}
	return best
}
