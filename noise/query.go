package noise

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// A Query is one measurement of a table: for each dimension a level (a
// depth: 0 is the dimension's total). The level partitions the
// dimension's leaves: a leaf belongs to its ancestor at that depth, or to
// itself when it is shallower (a ragged hierarchy). The query measures
// one count per combination of those nodes: one publishable cell each.
type Query struct {
	Levels []int
}

// Detail returns the query of the inner cells: every dimension at its
// deepest level.
func Detail(t *sdc.Table) Query {
	q := Query{Levels: make([]int, t.NumDims())}
	for d := range q.Levels {
		q.Levels[d] = t.Dim(d).MaxDepth()
	}
	return q
}

// ParseQuery reads a query written as "dim:depth" items joined by "+"
// ("geo:1+age:0": counties by sex, with age totalled); a dimension not
// named is at its deepest level, and "detail" names the inner cells.
func ParseQuery(t *sdc.Table, s string) (Query, error) {
	q := Detail(t)
	s = strings.TrimSpace(s)
	if s == "detail" {
		return q, nil
	}
	if s == "" {
		return Query{}, fmt.Errorf("empty query (want dim:depth items joined by +, or detail)")
	}
	seen := map[int]bool{}
	for _, item := range strings.Split(s, "+") {
		name, depth, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return Query{}, fmt.Errorf("query %q: item %q is not dim:depth", s, item)
		}
		d := -1
		for i := 0; i < t.NumDims(); i++ {
			if t.Dim(i).Name() == name {
				d = i
			}
		}
		if d < 0 {
			return Query{}, fmt.Errorf("query %q: no dimension %q", s, name)
		}
		if seen[d] {
			return Query{}, fmt.Errorf("query %q: dimension %s named twice", s, name)
		}
		seen[d] = true
		k, err := strconv.Atoi(depth)
		if err != nil || k < 0 || k > t.Dim(d).MaxDepth() {
			return Query{}, fmt.Errorf("query %q: %s has depths 0 to %d, not %q", s, name, t.Dim(d).MaxDepth(), depth)
		}
		q.Levels[d] = k
	}
	return q, nil
}

// Name writes the query as ParseQuery reads it, naming only the
// dimensions above their deepest level ("detail" when none is).
func (q Query) Name(t *sdc.Table) string {
	var items []string
	for d, k := range q.Levels {
		if k < t.Dim(d).MaxDepth() {
			items = append(items, t.Dim(d).Name()+":"+strconv.Itoa(k))
		}
	}
	if len(items) == 0 {
		return "detail"
	}
	return strings.Join(items, "+")
}

// partition is a query's partition of the inner cells.
type partition struct {
	// group is each inner cell's group (a measured cell), cells each
	// group's publishable cell.
	group []int32
	cells []int
	// inner: every group is one inner cell.
	inner bool
}

// levelNodes returns the nodes of dimension dim at depth k (leaves
// shallower than k included), in index order, and each leaf's position
// among them (by leaf ordinal).
func levelNodes(dim *sdc.Dimension, k int) (nodes []int, ofLeaf []int32) {
	pos := map[int]int32{}
	ofLeaf = make([]int32, dim.NumLeaves())
	for o := 0; o < dim.NumLeaves(); o++ {
		n := dim.Leaf(o)
		for dim.Depth(n) > k {
			n = dim.Parent(n)
		}
		p, ok := pos[n]
		if !ok {
			p = int32(len(nodes))
			pos[n] = p
			nodes = append(nodes, n)
		}
		ofLeaf[o] = p
	}
	return nodes, ofLeaf
}

func (q Query) partition(t *sdc.Table) (*partition, error) {
	nd := t.NumDims()
	if len(q.Levels) != nd {
		return nil, fmt.Errorf("query of %d levels for %d dimensions", len(q.Levels), nd)
	}
	nodes := make([][]int, nd)
	ofLeaf := make([][]int32, nd)
	ngroups := 1
	for d := 0; d < nd; d++ {
		nodes[d], ofLeaf[d] = levelNodes(t.Dim(d), q.Levels[d])
		ngroups *= len(nodes[d])
	}
	p := &partition{group: make([]int32, t.NumInner()), cells: make([]int, ngroups)}
	p.inner = ngroups == t.NumInner()
	// Groups: a mixed radix over the level nodes, last dimension fastest.
	idx := make([]int, nd)
	for g := range p.cells {
		c := 0
		for d := 0; d < nd; d++ {
			c += nodes[d][idx[d]] * t.Stride(d)
		}
		p.cells[g] = c
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < len(nodes[d]) {
				break
			}
			idx[d] = 0
		}
	}
	leaf := make([]int, nd)
	for k := range p.group {
		// Inner cells are numbered with the last dimension fastest.
		r := k
		for d := nd - 1; d >= 0; d-- {
			nl := t.Dim(d).NumLeaves()
			leaf[d] = r % nl
			r /= nl
		}
		g := 0
		for d := 0; d < nd; d++ {
			g = g*len(nodes[d]) + int(ofLeaf[d][leaf[d]])
		}
		p.group[k] = int32(g)
	}
	return p, nil
}
