package rounding_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

// A known two-way example with base 5:
//
//	      x   y | T          rows add to 5 and 10: fixed
//	a     3   2 | 5          column x (8) goes to 5 or 10, y (2) to 0 or 5
//	b     5   5 | 10         the grand total 15 is fixed
//	T     8   7 | 15
//
// Additivity leaves exactly two roundings: a = (5, 0), x = 10, y = 5, or
// a = (0, 5), x = 5, y = 10. Unbiasedness (E[a,x] = 3) forces the first
// with probability 3/5. The deterministic procedure takes the more likely.
func knownTable(t testing.TB) *sdc.Table {
	return grid(t, flat(t, "r", "a", "b"), flat(t, "c", "x", "y"), [][]int64{{3, 2}, {5, 5}})
}

func TestControlledKnownExample(t *testing.T) {
	tb := knownTable(t)
	res, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 5, Deterministic: true})
	require.NoError(t, err)
	want := "" +
		"           x     y Total\n" +
		"a          5     0     5\n" +
		"b          5     5    10\n" +
		"Total     10     5    15\n"
	assert.Equal(t, want, format2D(tb, res.Values))
	assert.Equal(t, rounding.Rule{Method: rounding.MethodControlled, Base: 5}, res.Rule)
	assert.Equal(t, 4, res.Release.Count(sdc.Rounded))

	// The unbiased procedure picks the first rounding 3 times in 5.
	ax, _ := tb.CellOf("a", "x")
	src := rand.NewChaCha8([32]byte{42})
	const n = 4000
	up := 0
	for i := 0; i < n; i++ {
		res, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 5, Rand: src})
		require.NoError(t, err)
		checkAdjacent(t, tb, res.Values, 5)
		require.NoError(t, rounding.CheckAdditive(tb, res.Values))
		if res.Values[ax] == 5 {
			up++
		}
	}
	assert.InDelta(t, 0.6, float64(up)/n, 0.04) // sd ≈ 0.008
}

// TestControlledUnbiased checks E[rounded] = true cell by cell on a
// hierarchical × flat table.
func TestControlledUnbiased(t *testing.T) {
	geo := hier(t, "geo", "N", "A:N", "a1:A", "a2:A", "a3:A", "B:N", "b1:B", "b2:B", "C:N")
	sex := flat(t, "sex", "M", "F")
	tb := grid(t, geo, sex, [][]int64{{1, 3}, {4, 2}, {7, 0}, {11, 6}, {2, 2}, {3, 8}})
	const base, n = 5, 3000
	sum := make([]float64, tb.NumCells())
	src := rand.NewChaCha8([32]byte{7})
	for i := 0; i < n; i++ {
		res, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: base, Rand: src})
		require.NoError(t, err)
		checkAdjacent(t, tb, res.Values, base)
		for c, v := range res.Values {
			sum[c] += float64(v)
		}
	}
	for c, s := range sum {
		// The standard deviation of a mean of n draws of 0 or 5 is at most
		// 2.5/√n ≈ 0.046.
		assert.InDelta(t, float64(tb.Freq(c)), s/n, 0.25, "cell %s", tb.Label(c))
	}
}

func TestControlledShapes(t *testing.T) {
	h := hier(t, "h", "T", "A:T", "a1:A", "a2:A", "B:T", "C:T", "c1:C")
	one := hier(t, "one", "only")
	for _, tc := range []struct {
		name string
		tb   *sdc.Table
	}{
		{"one flat dimension", randomTable(t, rand.New(rand.NewPCG(1, 1)), flat(t, "f", "x", "y", "z"))},
		{"one hierarchy", randomTable(t, rand.New(rand.NewPCG(1, 2)), h)},
		{"a single cell", randomTable(t, rand.New(rand.NewPCG(1, 3)), one)},
		{"hierarchy × single node", randomTable(t, rand.New(rand.NewPCG(1, 4)), h, one)},
		{"single node × flat", randomTable(t, rand.New(rand.NewPCG(1, 5)), one, flat(t, "f", "x", "y"))},
		{"flat × hierarchy", randomTable(t, rand.New(rand.NewPCG(1, 6)), flat(t, "f", "x", "y"), h)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, det := range []bool{false, true} {
				res, err := rounding.Controlled(context.Background(), tc.tb, rounding.ControlledOptions{Base: 4, Deterministic: det})
				require.NoError(t, err)
				checkAdjacent(t, tc.tb, res.Values, 4)
				require.NoError(t, rounding.CheckAdditive(tc.tb, res.Values))
			}
		})
	}
}

func TestControlledErrors(t *testing.T) {
	tb := knownTable(t)
	_, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 1})
	require.ErrorContains(t, err, "base 1")
	_, err = rounding.Controlled(context.Background(), nil, rounding.ControlledOptions{})
	require.Error(t, err)
	// A source of randomness that runs dry is an error, not a silent bias.
	_, err = rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 5, Rand: bytes.NewReader(nil)})
	require.ErrorContains(t, err, "random")
}

// The default source is crypto/rand: runs differ and stay valid.
func TestControlledDefaultSource(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	tb := randomTable(t, rng, flat(t, "r", "1", "2", "3", "4", "5", "6"), flat(t, "c", "1", "2", "3", "4", "5", "6"))
	res, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 5})
	require.NoError(t, err)
	checkAdjacent(t, tb, res.Values, 5)
	require.NoError(t, rounding.CheckAdditive(tb, res.Values))
}
