package sdc

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The property tests compare every publishable cell of random hierarchical
// tables with a brute-force sum over its inner cells. The brute force knows
// the trees only from the random codes and parents it drew (refTree), not
// from Dimension's numbering, leaf ranges, ForEachInner or aggregate.

// refTable is the independent model of a table's dimensions.
type refTable struct {
	trees []refTree
	dims  []*Dimension
	// leaves[d] lists the leaf codes of dimension d in pre-order, and
	// below[d][l][n] says whether leaf l lies under node n of dims[d].
	leaves [][]string
	below  [][][]bool
}

func newRefTable(t testing.TB, rng *rand.Rand) *refTable {
	nd := 2 + rng.IntN(3)
	rt := &refTable{}
	for d := 0; d < nd; d++ {
		// Sizes 1..8; a one-node tree is a dimension whose root is a leaf.
		tree := randomTree(rng, fmt.Sprintf("d%d_", d), 1+rng.IntN(8))
		dim, err := NewDimension(fmt.Sprint("dim", d), tree.codes, tree.parents)
		require.NoError(t, err)
		rt.trees = append(rt.trees, tree)
		rt.dims = append(rt.dims, dim)
		leaves := tree.leavesUnder(tree.root)
		rt.leaves = append(rt.leaves, leaves)
		below := make([][]bool, len(leaves))
		for l, lc := range leaves {
			below[l] = make([]bool, dim.Len())
			for c := lc; c != ""; c = tree.parents[indexOf(tree.codes, c)] {
				n, ok := dim.Index(c)
				require.True(t, ok)
				below[l][n] = true
			}
		}
		rt.below = append(rt.below, below)
	}
	return rt
}

// inner enumerates every combination of leaf positions, last dimension
// fastest, by an odometer over the reference leaf lists.
func (rt *refTable) inner() [][]int {
	var out [][]int
	cur := make([]int, len(rt.leaves))
	for {
		out = append(out, slices.Clone(cur))
		d := len(cur) - 1
		for ; d >= 0; d-- {
			cur[d]++
			if cur[d] < len(rt.leaves[d]) {
				break
			}
			cur[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}

// under reports whether the inner combination ls lies under the cell with
// nodes ns.
func (rt *refTable) under(ls, ns []int) bool {
	for d := range ls {
		if !rt.below[d][ls[d]][ns[d]] {
			return false
		}
	}
	return true
}

// leafNodes returns the Dimension nodes of an inner combination.
func (rt *refTable) leafNodes(ls []int) []int {
	out := make([]int, len(ls))
	for d, l := range ls {
		out[d], _ = rt.dims[d].Index(rt.leaves[d][l])
	}
	return out
}

// randomCount draws a count with many zeros.
func randomCount(rng *rand.Rand) int64 {
	switch r := rng.IntN(10); {
	case r < 6:
		return 0
	case r < 9:
		return 1 + rng.Int64N(4)
	default:
		return rng.Int64N(100000)
	}
}

func TestPropertyFrequencyTotals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for iter := 0; iter < 150; iter++ {
		rt := newRefTable(t, rng)
		inner := rt.inner()
		counts := make([]int64, len(inner))
		b, err := NewBuilder(rt.dims...)
		require.NoError(t, err)
		for i, ls := range inner {
			counts[i] = randomCount(rng)
			// Add some counts in two parts, and some zeros explicitly.
			part := counts[i]
			if part > 1 && rng.IntN(2) == 0 {
				part = counts[i] / 2
				require.NoError(t, b.AddInner(rt.leafNodes(ls), counts[i]-part))
			}
			if part > 0 || rng.IntN(3) == 0 {
				require.NoError(t, b.AddInner(rt.leafNodes(ls), part))
			}
		}
		tab, err := b.Build()
		require.NoError(t, err)
		require.Equal(t, len(inner), tab.NumInner())
		checkFrequency(t, rt, inner, counts, tab)

		// The same table through CSV: the hierarchies through ReadHierarchy,
		// the inner cells through ReadCells in a random order, zeros left out
		// or written out at random.
		specs := make([]DimSpec, len(rt.dims))
		for d, dim := range rt.dims {
			var sb strings.Builder
			sb.WriteString("parent,code\n")
			for i := range rt.trees[d].codes {
				fmt.Fprintf(&sb, "%s,%s\n", rt.trees[d].parents[i], rt.trees[d].codes[i])
			}
			hd, err := ReadHierarchy(dim.Name(), strings.NewReader(sb.String()))
			require.NoError(t, err)
			// ReadHierarchy sorts children by code: NewDimension over the
			// rows sorted by code keeps that order.
			perm := rng.Perm(len(rt.trees[d].codes))
			sort.SliceStable(perm, func(i, j int) bool { return rt.trees[d].codes[perm[i]] < rt.trees[d].codes[perm[j]] })
			var sc, sp []string
			for _, i := range perm {
				sc, sp = append(sc, rt.trees[d].codes[i]), append(sp, rt.trees[d].parents[i])
			}
			want, err := NewDimension(dim.Name(), sc, sp)
			require.NoError(t, err)
			require.Equal(t, want.codes, hd.codes)
			require.Equal(t, want.parent, hd.parent)
			specs[d] = DimSpec{Name: dim.Name(), Dim: hd}
		}
		var sb strings.Builder
		for d := range rt.dims {
			sb.WriteString(rt.dims[d].Name() + ",")
		}
		sb.WriteString("freq\n")
		for _, i := range rng.Perm(len(inner)) {
			if counts[i] == 0 && rng.IntN(2) == 0 {
				continue
			}
			for d, l := range inner[i] {
				sb.WriteString(rt.leaves[d][l] + ",")
			}
			fmt.Fprintf(&sb, "%d\n", counts[i])
		}
		read, err := ReadCells(strings.NewReader(sb.String()), specs, CellsOptions{})
		if strings.Count(sb.String(), "\n") == 1 {
			require.EqualError(t, err, "no data rows")
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tab.NumCells(), read.NumCells())
		for c := 0; c < tab.NumCells(); c++ {
			rc, err := read.CellOf(tab.Codes(c)...)
			require.NoError(t, err)
			require.Equal(t, tab.Freq(c), read.Freq(rc), tab.Label(c))
		}
	}
}

// checkFrequency compares every cell of tab with the brute-force sum.
func checkFrequency(t *testing.T, rt *refTable, inner [][]int, counts []int64, tab *Table) {
	t.Helper()
	nodes := make([]int, len(rt.dims))
	for c := 0; c < tab.NumCells(); c++ {
		nodes = tab.Nodes(c, nodes)
		var sum int64
		var want []int // inner numbers under c, in increasing order
		for i, ls := range inner {
			if rt.under(ls, nodes) {
				sum += counts[i]
				want = append(want, i)
			}
		}
		require.Equal(t, sum, tab.Freq(c), "cell %s", tab.Label(c))
		// ForEachInner visits the same inner cells; the reference
		// enumeration is in the same mixed-radix order.
		var got []int
		tab.ForEachInner(c, func(k int) { got = append(got, k) })
		require.Equal(t, want, got, "inner cells of %s", tab.Label(c))
		// Children add up to their parent in every dimension.
		for d := range rt.dims {
			kids := tab.Children(c, d)
			if len(kids) == 0 {
				continue
			}
			var s int64
			for _, k := range kids {
				s += tab.Freq(k)
				require.Equal(t, c, tab.Parent(k, d))
			}
			require.Equal(t, tab.Freq(c), s)
			// A node with a single child is the same cell as the child.
			same := c + (rt.dims[d].Same(nodes[d])-nodes[d])*tab.Stride(d)
			require.Equal(t, tab.Freq(c), tab.Freq(same))
		}
	}
	for i, ls := range inner {
		c := tab.Cell(rt.leafNodes(ls)...)
		require.Equal(t, c, tab.InnerCell(i))
		require.Equal(t, i, tab.InnerNumber(c))
		require.True(t, tab.IsInner(c))
	}
}

type refRecord struct {
	ls      []int
	contrib string
	value   float64
}

func TestPropertyMagnitude(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for iter := 0; iter < 150; iter++ {
		rt := newRefTable(t, rng)
		inner := rt.inner()
		k := 1 + rng.IntN(4)
		b, err := NewBuilder(rt.dims...)
		require.NoError(t, err)
		require.NoError(t, b.SetTopK(k))
		// Records crowd into a few inner cells, from a few contributors;
		// values are multiples of 1/4, so every sum is exact.
		hot := inner[:1+rng.IntN(min(len(inner), 5))]
		var recs []refRecord
		for n := 1 + rng.IntN(60); n > 0; n-- {
			ls := hot[rng.IntN(len(hot))]
			if rng.IntN(4) == 0 {
				ls = inner[rng.IntN(len(inner))]
			}
			v := float64(rng.IntN(400)) / 4
			if rng.IntN(5) == 0 {
				v = 0
			}
			r := refRecord{ls, fmt.Sprint("c", rng.IntN(1+rng.IntN(6))), v}
			recs = append(recs, r)
			require.NoError(t, b.AddRecord(rt.leafNodes(ls), r.contrib, r.value))
		}
		tab, err := b.Build()
		require.NoError(t, err)
		require.True(t, tab.HasMagnitude())
		require.Equal(t, k, tab.TopK())

		nodes := make([]int, len(rt.dims))
		for c := 0; c < tab.NumCells(); c++ {
			nodes = tab.Nodes(c, nodes)
			var n int64
			var sum float64
			per := map[string]float64{}
			for _, r := range recs {
				if rt.under(r.ls, nodes) {
					n++
					sum += r.value
					per[r.contrib] += r.value
				}
			}
			var top []float64
			for _, v := range per {
				top = append(top, v)
			}
			sort.Sort(sort.Reverse(sort.Float64Slice(top)))
			for len(top) < k {
				top = append(top, 0)
			}
			top = top[:k]
			var got []float64
			for i := 0; i < k; i++ {
				got = append(got, tab.Top(c, i))
			}
			require.Equal(t, n, tab.Freq(c), "freq of %s", tab.Label(c))
			require.Equal(t, sum, tab.Value(c), "value of %s", tab.Label(c))
			require.Equal(t, len(per), tab.Contributors(c), "contributors of %s", tab.Label(c))
			require.Equal(t, top, got, "top %d of %s", k, tab.Label(c))
		}
	}
}
