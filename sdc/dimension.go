package sdc

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// TotalCode is the code of the root of a flat dimension.
const TotalCode = "Total"

// Dimension is a tree of codes. Its root is the total, its leaves are the
// inner categories. Nodes are numbered 0..Len()-1 in depth-first pre-order,
// so the root is node 0 and the subtree of node i is the index range
// [i, i+SubtreeSize(i)). Built by NewDimension or NewFlat, children keep the
// order in which they were given; read from a file (ReadHierarchy, or a flat
// dimension of ReadCells and ReadRecords), children are in canonical order,
// sorted by code byte-wise (strings.Compare), so that the order of the file's
// rows does not change the table.
//
// A Dimension is immutable once built and safe for concurrent use.
type Dimension struct {
	name     string
	codes    []string
	parent   []int32 // -1 for the root
	depth    []int32
	size     []int32 // subtree size, in nodes
	childOff []int32 // children of i: childIdx[childOff[i]:childOff[i+1]]
	childIdx []int32
	leafOrd  []int32 // leaf ordinal of a node, -1 for internal nodes
	leaves   []int32 // node of each leaf ordinal
	leafPre  []int32 // number of leaves before node i in pre-order, len n+1
	index    map[string]int32
}

// NewFlat returns a dimension with a root TotalCode and the given codes as its
// leaves, in the given order (the readers sort them first: see DimSpec).
func NewFlat(name string, codes []string) (*Dimension, error) {
	parents := make([]string, len(codes)+1)
	all := make([]string, 0, len(codes)+1)
	all = append(all, TotalCode)
	for i := range codes {
		parents[i+1] = TotalCode
	}
	all = append(all, codes...)
	d, err := NewDimension(name, all, parents)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// NewDimension builds a dimension from parallel slices of codes and their
// parents' codes. The root has the empty parent "". Codes may come in any
// order; children keep their relative order (ReadHierarchy sorts them by
// code instead). A code with no children is a leaf. It is an error for the hierarchy to be empty, to have no root or
// several roots, to repeat a code, to name an unknown parent, or to contain a
// cycle; the error names the code.
func NewDimension(name string, codes, parents []string) (*Dimension, error) {
	return newDimension(name, codes, parents, nil, false)
}

// newDimension is NewDimension; with rows (the input row of each code) its
// errors are *ParseError at the row of the code at fault, and with sorted
// the children of every node are in byte-wise order of their codes rather
// than in the order given.
func newDimension(name string, codes, parents []string, rows []int, sorted bool) (*Dimension, error) {
	if len(codes) != len(parents) {
		return nil, fmt.Errorf("dimension %q: %d codes but %d parents", name, len(codes), len(parents))
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("dimension %q: empty hierarchy", name)
	}
	at := func(i int, err error) error {
		if rows != nil {
			return &ParseError{Row: rows[i], Err: err}
		}
		return fmt.Errorf("dimension %q: %w", name, err)
	}
	pos := make(map[string]int, len(codes))
	root := -1
	for i, c := range codes {
		if c == "" {
			if rows != nil {
				return nil, at(i, errors.New("empty code"))
			}
			return nil, fmt.Errorf("dimension %q: entry %d has an empty code", name, i+1)
		}
		if j, dup := pos[c]; dup {
			if rows != nil {
				return nil, at(i, fmt.Errorf("%w %q (first at row %d)", ErrDuplicateCode, c, rows[j]))
			}
			return nil, at(i, fmt.Errorf("%w %q (entries %d and %d)", ErrDuplicateCode, c, j+1, i+1))
		}
		pos[c] = i
		if parents[i] == "" {
			if root >= 0 {
				if rows != nil {
					return nil, at(i, fmt.Errorf("several roots: %q and %q (row %d); only the root has an empty parent", codes[root], c, rows[root]))
				}
				return nil, fmt.Errorf("dimension %q: several roots: %q and %q", name, codes[root], c)
			}
			root = i
		}
	}
	if root < 0 {
		return nil, fmt.Errorf("dimension %q: no root (no code has an empty parent)", name)
	}
	kids := make([][]int, len(codes))
	for i, p := range parents {
		if p == "" {
			continue
		}
		j, ok := pos[p]
		if !ok {
			return nil, at(i, tagf(ErrUnknownCode, "code %q has unknown parent %q", codes[i], p))
		}
		if j == i {
			return nil, at(i, fmt.Errorf("cycle: code %q is its own parent", codes[i]))
		}
		kids[j] = append(kids[j], i)
	}
	if sorted {
		for _, k := range kids {
			slices.SortFunc(k, func(a, b int) int { return strings.Compare(codes[a], codes[b]) })
		}
	}
	d := &Dimension{name: name, index: make(map[string]int32, len(codes))}
	// Depth-first pre-order from the root, iteratively.
	type frame struct{ node, parent, depth int }
	stack := []frame{{root, -1, 0}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		id := int32(len(d.codes))
		d.codes = append(d.codes, codes[f.node])
		d.parent = append(d.parent, int32(f.parent))
		d.depth = append(d.depth, int32(f.depth))
		d.index[codes[f.node]] = id
		for k := len(kids[f.node]) - 1; k >= 0; k-- {
			stack = append(stack, frame{kids[f.node][k], int(id), f.depth + 1})
		}
	}
	if len(d.codes) != len(codes) {
		// A node not reached from the root lies on a cycle or below one:
		// every node but the root has a parent, so walking up from it never
		// ends. Name a node on the cycle: the first one the walk visits twice.
		for i, c := range codes {
			if _, ok := d.index[c]; ok {
				continue
			}
			seen := map[int]bool{}
			j := i
			for !seen[j] {
				seen[j] = true
				j = pos[parents[j]]
			}
			return nil, at(j, fmt.Errorf("cycle through code %q (it does not descend from root %q)", codes[j], codes[root]))
		}
	}
	n := len(d.codes)
	d.size = make([]int32, n)
	for i := n - 1; i >= 0; i-- {
		d.size[i]++
		if p := d.parent[i]; p >= 0 {
			d.size[p] += d.size[i]
		}
	}
	d.childOff = make([]int32, n+1)
	for i := 1; i < n; i++ {
		d.childOff[d.parent[i]+1]++
	}
	for i := 0; i < n; i++ {
		d.childOff[i+1] += d.childOff[i]
	}
	d.childIdx = make([]int32, n-1)
	fill := append([]int32(nil), d.childOff[:n]...)
	for i := 1; i < n; i++ {
		p := d.parent[i]
		d.childIdx[fill[p]] = int32(i)
		fill[p]++
	}
	d.leafOrd = make([]int32, n)
	for i := 0; i < n; i++ {
		if d.size[i] == 1 {
			d.leafOrd[i] = int32(len(d.leaves))
			d.leaves = append(d.leaves, int32(i))
		} else {
			d.leafOrd[i] = -1
		}
	}
	d.leafPre = make([]int32, n+1)
	for i := 0; i < n; i++ {
		d.leafPre[i+1] = d.leafPre[i]
		if d.size[i] == 1 {
			d.leafPre[i+1]++
		}
	}
	return d, nil
}

// ReadHierarchy reads a dimension from CSV with a header naming the columns
// "code" and "parent" (other columns are ignored). The root's parent is
// empty. The order of the rows does not matter: the children of every node
// are sorted by code, byte-wise (strings.Compare: "10" before "9", "F"
// before "M"), and nodes are numbered in pre-order over that tree, so two
// files with the same rows in another order give the same dimension. An
// error in a data row is a *ParseError with the row (the header is row 1;
// a duplicate code also names the row of its first appearance): an empty
// code, a code that is not valid UTF-8 or holds a control character
// (ErrBadCode), a duplicate code (ErrDuplicateCode), an unknown parent
// (ErrUnknownCode), a second root, a cycle.
func ReadHierarchy(name string, r io.Reader) (*Dimension, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("hierarchy %q: empty file", name)
	}
	if err != nil {
		return nil, fmt.Errorf("hierarchy %q: %w", name, csvError(err))
	}
	cols, err := columnIndex(header, "code", "parent")
	if err != nil {
		return nil, fmt.Errorf("hierarchy %q: %w", name, err)
	}
	var codes, parents []string
	var rows []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("hierarchy %q: %w", name, csvError(err))
		}
		row, _ := cr.FieldPos(0) // the line, as in ReadCells: blank lines count
		code, parent := strings.TrimSpace(rec[cols[0]]), strings.TrimSpace(rec[cols[1]])
		if code == "" {
			return nil, &ParseError{Row: row, Column: cols[0] + 1, Err: errors.New("empty code")}
		}
		if err := CheckCode(code); err != nil {
			return nil, &ParseError{Row: row, Column: cols[0] + 1, Err: err}
		}
		if err := CheckCode(parent); err != nil {
			return nil, &ParseError{Row: row, Column: cols[1] + 1, Err: err}
		}
		codes = append(codes, strings.Clone(code))
		parents = append(parents, strings.Clone(parent))
		rows = append(rows, row)
	}
	return newDimension(name, codes, parents, rows, true)
}

// Name returns the dimension's name (the CSV column that holds its codes).
func (d *Dimension) Name() string { return d.name }

// Len returns the number of nodes.
func (d *Dimension) Len() int { return len(d.codes) }

// NumLeaves returns the number of leaves (inner categories).
func (d *Dimension) NumLeaves() int { return len(d.leaves) }

// Code returns the code of node i.
func (d *Dimension) Code(i int) string { return d.codes[i] }

// Index returns the node of a code.
func (d *Dimension) Index(code string) (int, bool) {
	i, ok := d.index[code]
	return int(i), ok
}

// Parent returns the parent of node i, or -1 for the root.
func (d *Dimension) Parent(i int) int { return int(d.parent[i]) }

// Depth returns the depth of node i; the root has depth 0.
func (d *Dimension) Depth(i int) int { return int(d.depth[i]) }

// MaxDepth returns the depth of the deepest node.
func (d *Dimension) MaxDepth() int {
	m := int32(0)
	for _, v := range d.depth {
		m = max(m, v)
	}
	return int(m)
}

// SubtreeSize returns the number of nodes in the subtree of node i, i included.
func (d *Dimension) SubtreeSize(i int) int { return int(d.size[i]) }

// NumChildren returns the number of children of node i.
func (d *Dimension) NumChildren(i int) int { return int(d.childOff[i+1] - d.childOff[i]) }

// Child returns the k-th child of node i.
func (d *Dimension) Child(i, k int) int { return int(d.childIdx[int(d.childOff[i])+k]) }

// Children returns the children of node i, in order.
func (d *Dimension) Children(i int) []int {
	c := d.childIdx[d.childOff[i]:d.childOff[i+1]]
	out := make([]int, len(c))
	for k, v := range c {
		out[k] = int(v)
	}
	return out
}

// IsLeaf reports whether node i is a leaf.
func (d *Dimension) IsLeaf(i int) bool { return d.size[i] == 1 }

// Leaf returns the node of the k-th leaf (leaves are numbered in pre-order).
func (d *Dimension) Leaf(k int) int { return int(d.leaves[k]) }

// LeafOrdinal returns the leaf number of node i, or -1 when i is not a leaf.
func (d *Dimension) LeafOrdinal(i int) int { return int(d.leafOrd[i]) }

// LeafRange returns the range [lo, hi) of the leaf ordinals under node i.
func (d *Dimension) LeafRange(i int) (lo, hi int) {
	return int(d.leafPre[i]), int(d.leafPre[i+int(d.size[i])])
}

// IsAncestor reports whether node a is node b or one of its ancestors.
func (d *Dimension) IsAncestor(a, b int) bool {
	return a <= b && b < a+int(d.size[a])
}

// Same returns the node with the most ancestors whose value always equals that
// of node i: a parent with a single child equals that child, so Same follows
// single-child chains downward. Totals that are "the same cell" under another
// name (a county with one municipality) share one value, and protection
// treats them as one.
func (d *Dimension) Same(i int) int {
	for d.NumChildren(i) == 1 {
		i = d.Child(i, 0)
	}
	return i
}
