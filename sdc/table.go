package sdc

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Table is a hierarchical table: counts (and, for a magnitude table, sums,
// contributor counts and largest contributions) for every publishable cell.
//
// Publishable cells are numbered by a mixed-radix index over the dimensions'
// node indices, the last dimension varying fastest; the cell of nodes
// (n0, n1, ..., nk) is Σ n_d·Stride(d). Inner cells are the publishable cells
// whose nodes are all leaves. Every total is the sum of its inner cells.
//
// A Table is immutable once built and safe for concurrent use. Slices returned
// by its accessors are views into the table and must not be modified.
type Table struct {
	dims   []*Dimension
	shape  []int
	stride []int
	ncells int
	ninner int
	freq   []int64
	mag    *magnitude
}

// magnitude holds what the sensitivity rules of a magnitude table need.
type magnitude struct {
	value   []float64 // sum of the contributions
	units   []int64   // the exact sums in units of 10^-scale, when scale ≥ 0
	scale   int
	contrib []int32   // number of distinct contributors
	top     []float64 // the k largest contributions per cell, descending, k per cell
	k       int
}

// DefaultTopK is how many of the largest contributions per cell a magnitude
// table keeps unless told otherwise: enough for dominance (n,k) with n ≤ 3 and
// for the p% and pq rules with coalitions of up to two.
const DefaultTopK = 3

// MaxCells is the largest number of publishable cells a table may have.
const MaxCells = math.MaxInt32

func newTableShape(dims []*Dimension) (*Table, error) {
	if len(dims) == 0 {
		return nil, fmt.Errorf("table: no dimensions")
	}
	names := map[string]bool{}
	// Keep a copy: the caller's slice (often a variadic argument) may change.
	dims = append([]*Dimension(nil), dims...)
	t := &Table{dims: dims, shape: make([]int, len(dims)), stride: make([]int, len(dims))}
	n, inner := 1, 1
	for d, dim := range dims {
		if dim == nil {
			return nil, fmt.Errorf("table: dimension %d is nil", d+1)
		}
		if names[dim.Name()] {
			return nil, fmt.Errorf("table: two dimensions are named %q", dim.Name())
		}
		names[dim.Name()] = true
		t.shape[d] = dim.Len()
		hi, lo := bits.Mul64(uint64(n), uint64(dim.Len()))
		if hi != 0 || lo > MaxCells {
			return nil, fmt.Errorf("table: more than %d publishable cells", MaxCells)
		}
		n = int(lo)
		inner *= dim.NumLeaves()
	}
	s := 1
	for d := len(dims) - 1; d >= 0; d-- {
		t.stride[d] = s
		s *= t.shape[d]
	}
	t.ncells, t.ninner = n, inner
	return t, nil
}

// NumDims returns the number of dimensions.
func (t *Table) NumDims() int { return len(t.dims) }

// Dim returns dimension d.
func (t *Table) Dim(d int) *Dimension { return t.dims[d] }

// Dims returns the dimensions, in order.
func (t *Table) Dims() []*Dimension { return append([]*Dimension(nil), t.dims...) }

// Stride returns the index stride of dimension d.
func (t *Table) Stride(d int) int { return t.stride[d] }

// NumCells returns the number of publishable cells: all combinations of nodes.
func (t *Table) NumCells() int { return t.ncells }

// NumInner returns the number of inner cells: all combinations of leaves.
func (t *Table) NumInner() int { return t.ninner }

// Cell returns the index of the cell with the given node in each dimension.
func (t *Table) Cell(nodes ...int) int {
	c := 0
	for d, n := range nodes {
		c += n * t.stride[d]
	}
	return c
}

// Node returns the node of cell c in dimension d.
func (t *Table) Node(c, d int) int { return c / t.stride[d] % t.shape[d] }

// Nodes returns the nodes of cell c, one per dimension, appended to buf[:0].
func (t *Table) Nodes(c int, buf []int) []int {
	buf = buf[:0]
	for d := range t.dims {
		buf = append(buf, c/t.stride[d]%t.shape[d])
	}
	return buf
}

// CellOf returns the cell with the given codes, one per dimension.
func (t *Table) CellOf(codes ...string) (int, error) {
	if len(codes) != len(t.dims) {
		return 0, fmt.Errorf("table: %d codes for %d dimensions", len(codes), len(t.dims))
	}
	c := 0
	for d, code := range codes {
		n, ok := t.dims[d].Index(code)
		if !ok {
			return 0, fmt.Errorf("table: unknown %s code %q", t.dims[d].Name(), code)
		}
		c += n * t.stride[d]
	}
	return c, nil
}

// Codes returns the codes of cell c, one per dimension.
func (t *Table) Codes(c int) []string {
	out := make([]string, len(t.dims))
	for d, dim := range t.dims {
		out[d] = dim.Code(c / t.stride[d] % t.shape[d])
	}
	return out
}

// Label returns the codes of cell c joined by "×", as in "0301×F×80+".
func (t *Table) Label(c int) string { return strings.Join(t.Codes(c), "×") }

// IsInner reports whether every node of cell c is a leaf.
func (t *Table) IsInner(c int) bool {
	for d, dim := range t.dims {
		if !dim.IsLeaf(c / t.stride[d] % t.shape[d]) {
			return false
		}
	}
	return true
}

// Parent returns the cell one level up in dimension d (the total that cell c
// is a term of), or -1 when c is at the root of d.
func (t *Table) Parent(c, d int) int {
	n := c / t.stride[d] % t.shape[d]
	p := t.dims[d].Parent(n)
	if p < 0 {
		return -1
	}
	return c + (p-n)*t.stride[d]
}

// Children returns the cells whose sum is cell c along dimension d: the cells
// with the children of c's node in d and c's nodes elsewhere. It is empty when
// c's node in d is a leaf.
func (t *Table) Children(c, d int) []int {
	dim := t.dims[d]
	n := c / t.stride[d] % t.shape[d]
	k := dim.NumChildren(n)
	out := make([]int, k)
	for i := 0; i < k; i++ {
		out[i] = c + (dim.Child(n, i)-n)*t.stride[d]
	}
	return out
}

// Freq returns the count of cell c (for a table built from records, the
// number of records).
func (t *Table) Freq(c int) int64 { return t.freq[c] }

// Freqs returns the counts of all cells, indexed by cell. Do not modify.
func (t *Table) Freqs() []int64 { return t.freq }

// HasMagnitude reports whether the table carries magnitudes (sums,
// contributors and largest contributions), that is, was built from records.
func (t *Table) HasMagnitude() bool { return t.mag != nil }

// Value returns the sum of the contributions to cell c (0 without magnitudes).
func (t *Table) Value(c int) float64 {
	if t.mag == nil {
		return 0
	}
	return t.mag.value[c]
}

// ValueText is cell c's sum in plain decimal notation (never an
// exponent): exact, digit for digit, when the table's records were exact
// (read from CSV, or added by Builder.AddRecordUnits); otherwise the
// shortest decimal that reads back to the float sum. "" for a frequency
// table.
func (t *Table) ValueText(c int) string {
	if t.mag == nil {
		return ""
	}
	if t.mag.scale >= 0 {
		return formatUnits(t.mag.units[c], t.mag.scale)
	}
	return formatValue(t.mag.value[c])
}

// ExactValues reports whether the table's sums are exact (see ValueText).
func (t *Table) ExactValues() bool { return t.mag != nil && t.mag.scale >= 0 }

// Values returns the sums of all cells, or nil without magnitudes. Do not modify.
func (t *Table) Values() []float64 {
	if t.mag == nil {
		return nil
	}
	return t.mag.value
}

// Contributors returns the number of distinct contributors to cell c, or -1
// when the table carries no contributor information.
func (t *Table) Contributors(c int) int {
	if t.mag == nil {
		return -1
	}
	return int(t.mag.contrib[c])
}

// TopK returns how many of the largest contributions per cell the table keeps
// (0 without magnitudes).
func (t *Table) TopK() int {
	if t.mag == nil {
		return 0
	}
	return t.mag.k
}

// Top returns the i-th largest contribution to cell c, counting from 0, after
// the contributions of each contributor to the cell have been added up. It is
// 0 when the cell has i or fewer contributors. It panics unless i < TopK().
func (t *Table) Top(c, i int) float64 {
	if t.mag == nil || i < 0 || i >= t.mag.k {
		panic(fmt.Sprintf("sdc: Top(%d, %d) beyond the %d contributions kept", c, i, t.TopK()))
	}
	return t.mag.top[c*t.mag.k+i]
}

// InnerRange returns, for each dimension, the range [lo, hi) of leaf ordinals
// under cell c's node, appended to buf[:0] as lo0, hi0, lo1, hi1, ...
func (t *Table) InnerRange(c int, buf []int) []int {
	buf = buf[:0]
	for d, dim := range t.dims {
		lo, hi := dim.LeafRange(c / t.stride[d] % t.shape[d])
		buf = append(buf, lo, hi)
	}
	return buf
}

// InnerCell returns the cell of inner cell number k, where inner cells are
// numbered by a mixed-radix index over leaf ordinals, last dimension fastest.
func (t *Table) InnerCell(k int) int {
	c := 0
	for d := len(t.dims) - 1; d >= 0; d-- {
		nl := t.dims[d].NumLeaves()
		c += t.dims[d].Leaf(k%nl) * t.stride[d]
		k /= nl
	}
	return c
}

// InnerNumber returns the number of inner cell c (see InnerCell), or -1 when
// c is not an inner cell.
func (t *Table) InnerNumber(c int) int {
	k := 0
	for d, dim := range t.dims {
		o := dim.LeafOrdinal(c / t.stride[d] % t.shape[d])
		if o < 0 {
			return -1
		}
		k = k*dim.NumLeaves() + o
	}
	return k
}

// ForEachInner calls fn with the number (see InnerCell) of every inner cell
// under cell c, in increasing order.
func (t *Table) ForEachInner(c int, fn func(k int)) {
	nd := len(t.dims)
	lo := make([]int, nd)
	hi := make([]int, nd)
	for d, dim := range t.dims {
		lo[d], hi[d] = dim.LeafRange(c / t.stride[d] % t.shape[d])
	}
	cur := append([]int(nil), lo...)
	for {
		k := 0
		for d, dim := range t.dims {
			k = k*dim.NumLeaves() + cur[d]
		}
		fn(k)
		d := nd - 1
		for ; d >= 0; d-- {
			cur[d]++
			if cur[d] < hi[d] {
				break
			}
			cur[d] = lo[d]
		}
		if d < 0 {
			return
		}
	}
}
