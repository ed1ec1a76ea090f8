package rounding_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

// flat returns a flat dimension.
func flat(t testing.TB, name string, codes ...string) *sdc.Dimension {
	t.Helper()
	d, err := sdc.NewFlat(name, codes)
	require.NoError(t, err)
	return d
}

// hier returns a dimension from "code:parent" pairs; the root has no colon.
func hier(t testing.TB, name string, spec ...string) *sdc.Dimension {
	t.Helper()
	var codes, parents []string
	for _, s := range spec {
		c, p, _ := strings.Cut(s, ":")
		codes = append(codes, c)
		parents = append(parents, p)
	}
	d, err := sdc.NewDimension(name, codes, parents)
	require.NoError(t, err)
	return d
}

// grid builds a two-way table from inner counts by row and column leaf.
func grid(t testing.TB, rows, cols *sdc.Dimension, counts [][]int64) *sdc.Table {
	t.Helper()
	b, err := sdc.NewBuilder(rows, cols)
	require.NoError(t, err)
	require.Len(t, counts, rows.NumLeaves())
	for i, row := range counts {
		require.Len(t, row, cols.NumLeaves())
		for j, v := range row {
			require.NoError(t, b.AddInner([]int{rows.Leaf(i), cols.Leaf(j)}, v))
		}
	}
	tb, err := b.Build()
	require.NoError(t, err)
	return tb
}

// randomDim returns a random, possibly skewed, hierarchy of n nodes (n ≥ 2):
// each node hangs under a random earlier node, so leaves sit at different
// depths.
func randomDim(t testing.TB, rng *rand.Rand, name string, n int) *sdc.Dimension {
	t.Helper()
	codes := make([]string, n)
	parents := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("%s%d", name, i)
		if i > 0 {
			parents[i] = codes[rng.IntN(i)]
		}
	}
	d, err := sdc.NewDimension(name, codes, parents)
	require.NoError(t, err)
	return d
}

// randomTable fills the inner cells of dims with skewed counts: many zeros
// and small counts, some large ones.
func randomTable(t testing.TB, rng *rand.Rand, dims ...*sdc.Dimension) *sdc.Table {
	t.Helper()
	b, err := sdc.NewBuilder(dims...)
	require.NoError(t, err)
	shape := b.Shape()
	for k := 0; k < shape.NumInner(); k++ {
		var v int64
		switch x := rng.Float64(); {
		case x < 0.35:
			v = 0
		case x < 0.8:
			v = 1 + rng.Int64N(5)
		default:
			v = rng.Int64N(60)
		}
		require.NoError(t, b.AddInnerCell(shape.InnerCell(k), v))
	}
	tb, err := b.Build()
	require.NoError(t, err)
	return tb
}

// format2D renders a two-way table's values with totals, rows by columns.
func format2D(tb *sdc.Table, values []int64) string {
	var sb strings.Builder
	r, c := tb.Dim(0), tb.Dim(1)
	order := func(d *sdc.Dimension) []int {
		var out []int
		for i := 1; i < d.Len(); i++ {
			out = append(out, i)
		}
		return append(out, 0)
	}
	fmt.Fprintf(&sb, "%-6s", "")
	for _, j := range order(c) {
		fmt.Fprintf(&sb, "%6s", c.Code(j))
	}
	sb.WriteString("\n")
	for _, i := range order(r) {
		fmt.Fprintf(&sb, "%-6s", r.Code(i))
		for _, j := range order(c) {
			fmt.Fprintf(&sb, "%6d", values[tb.Cell(i, j)])
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
