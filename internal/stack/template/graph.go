package template

import (
	"slices"
	"strings"
)

// graph finds dependency cycles among the resources to create and, when
// there are none, orders them.
func (c *checker) graph() {
	ids := sortedKeys(c.b.deps)
	for _, cycle := range cycles(ids, c.b.deps) {
		c.errorf([]string{"Resources", cycle[0]}, "circular dependency between resources: %s", strings.Join(cycle, " -> "))
	}
	if len(c.errs) == 0 {
		c.b.order = topoOrder(ids, c.b.deps)
	}
}

// cycles returns one cycle through each strongly connected component
// that has one (Tarjan's algorithm), each starting at its smallest ID.
func cycles(ids []string, deps map[string][]string) [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var found [][]string
	var strong func(v string)
	strong = func(v string) {
		index[v], low[v] = len(index), len(index)
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range deps[v] {
			if _, seen := index[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var comp []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			comp = append(comp, w)
			if w == v {
				break
			}
		}
		if len(comp) > 1 || slices.Contains(deps[v], v) {
			found = append(found, cycleIn(comp, deps))
		}
	}
	for _, id := range ids {
		if _, seen := index[id]; !seen {
			strong(id)
		}
	}
	slices.SortFunc(found, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return found
}

// cycleIn returns the shortest cycle from the smallest ID of a strongly
// connected component back to itself (breadth first, edges in order).
func cycleIn(comp []string, deps map[string][]string) []string {
	slices.Sort(comp)
	start := comp[0]
	prev := map[string]string{}
	queue := []string{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range deps[v] {
			if w == start {
				path := []string{start}
				for x := v; x != start; x = prev[x] {
					path = append(path, x)
				}
				slices.Reverse(path[1:])
				return append(path, start)
			}
			if _, in := slices.BinarySearch(comp, w); !in {
				continue
			}
			if _, seen := prev[w]; !seen {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return []string{start, start}
}

// topoOrder puts every resource after the resources it needs; of those
// ready at the same time, the smallest logical ID comes first.
func topoOrder(ids []string, deps map[string][]string) []string {
	waiting := map[string]int{}
	users := map[string][]string{}
	for _, id := range ids {
		waiting[id] = len(deps[id])
		for _, d := range deps[id] {
			users[d] = append(users[d], id)
		}
	}
	var ready, order []string
	for _, id := range ids {
		if waiting[id] == 0 {
			ready = append(ready, id)
		}
	}
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		order = append(order, id)
		for _, u := range users[id] {
			if waiting[u]--; waiting[u] == 0 {
				i, _ := slices.BinarySearch(ready, u)
				ready = slices.Insert(ready, i, u)
			}
		}
	}
	return order
}
