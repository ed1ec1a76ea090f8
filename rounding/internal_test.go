package rounding

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

func TestRoundDiv(t *testing.T) {
	for _, tc := range []struct{ x, b, want int64 }{
		{0, 5, 0}, {2, 5, 0}, {3, 5, 1}, {5, 5, 1}, {7, 5, 1}, {8, 5, 2},
		{-2, 5, 0}, {-3, 5, -1}, {-7, 5, -1}, {-8, 5, -2}, {21, 5, 4}, {3, 2, 2}, {-3, 2, -1},
	} {
		assert.Equal(t, tc.want, roundDiv(tc.x, tc.b), "%d/%d", tc.x, tc.b)
	}
}

func TestRNGIntnUniform(t *testing.T) {
	g := newRNG(rand.NewChaCha8([32]byte{5}))
	const n = 7
	var hist [n]int
	for i := 0; i < 70000; i++ {
		v, err := g.intn(n)
		require.NoError(t, err)
		hist[v]++
	}
	for k, h := range hist {
		assert.InDelta(t, 10000, h, 500, "value %d", k)
	}
	_, err := newRNG(bytes.NewReader([]byte{1, 2, 3})).intn(3)
	require.Error(t, err)
}

// The repair pass: a publishable cell still small after a pass gets the
// small inner cells under it rounded; a small cell with none is an internal
// error.
func TestRepairCandidates(t *testing.T) {
	r, _ := sdc.NewFlat("r", []string{"a", "b"})
	c, _ := sdc.NewFlat("c", []string{"x", "y"})
	b, _ := sdc.NewBuilder(r, c)
	for i, row := range [][]int64{{1, 1}, {9, 9}} {
		for j, v := range row {
			require.NoError(t, b.AddInner([]int{r.Leaf(i), c.Leaf(j)}, v))
		}
	}
	tb, err := b.Build()
	require.NoError(t, err)
	s := newSCR(tb, 3, 2, 10, 0)
	// As if a×x had been rounded to 0 and a×y left alone: a×Total is 1.
	ax, _ := tb.CellOf("a", "x")
	ay, _ := tb.CellOf("a", "y")
	for _, cell := range []string{"x", "Total"} {
		for _, row := range []string{"a", "Total"} {
			cc, _ := tb.CellOf(row, cell)
			s.values[cc]--
		}
	}
	require.NoError(t, CheckAdditive(tb, s.values))
	cands, err := s.repairCandidates()
	require.NoError(t, err)
	require.Len(t, cands, 1)
	assert.Equal(t, int32(ay), cands[0].cell)
	assert.Equal(t, int64(1), cands[0].r)
	require.NoError(t, s.round(context.Background(), cands))
	cands, err = s.repairCandidates()
	require.NoError(t, err)
	assert.Empty(t, cands)
	assert.Equal(t, int64(0), s.values[ax])
	assert.Contains(t, []int64{0, 3}, s.values[ay])
	require.NoError(t, CheckAdditive(tb, s.values))

	// A small total over no small inner cell cannot be repaired.
	s = newSCR(tb, 3, 2, 10, 0)
	tot, _ := tb.CellOf("a", "Total")
	s.values[ax], s.values[ay], s.values[tot] = 0, 0, 1
	_, err = s.repairCandidates()
	require.ErrorContains(t, err, "internal error")
}

// Cox's procedure on a network with parallel edges and a self-loop.
func TestCoxRoundSmallNetworks(t *testing.T) {
	// Two parallel edges s→u and one u→s: residues 2, 2 and 4 (base 5).
	net := &network{nodes: 2}
	net.edge(0, 1, 0)
	net.edge(0, 1, 1)
	net.edge(1, 0, 2)
	f := []int64{2, 2, 4}
	require.NoError(t, coxRound(context.Background(), net, f, 5, nil))
	for _, v := range f {
		assert.Contains(t, []int64{0, 5}, v)
	}
	assert.Equal(t, f[0]+f[1], f[2])
	// A self-loop rounds on its own: deterministically to the nearer end.
	net = &network{nodes: 1}
	net.edge(0, 0, 0)
	f = []int64{4}
	require.NoError(t, coxRound(context.Background(), net, f, 5, nil))
	assert.Equal(t, []int64{5}, f)
	f = []int64{1}
	require.NoError(t, coxRound(context.Background(), net, f, 5, nil))
	assert.Equal(t, []int64{0}, f)
}
