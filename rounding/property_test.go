package rounding_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

// randomDims returns 2..4 random dimensions (now and then 1), some flat,
// some skewed hierarchies, now and then one of a single node.
func randomDims(t testing.TB, rng *rand.Rand) []*sdc.Dimension {
	nd := 2 + rng.IntN(3)
	if rng.IntN(10) == 0 {
		nd = 1
	}
	dims := make([]*sdc.Dimension, nd)
	for d := range dims {
		name := string(rune('a' + d))
		if rng.IntN(12) == 0 {
			dims[d] = hier(t, name, name+"0")
		} else if rng.IntN(3) == 0 {
			codes := make([]string, 2+rng.IntN(3))
			for i := range codes {
				codes[i] = fmt.Sprintf("%s%d", name, i)
			}
			dims[d] = flat(t, name, codes...)
		} else {
			dims[d] = randomDim(t, rng, name, 3+rng.IntN(8))
		}
	}
	return dims
}

// TestSmallCountProperties rounds random hierarchical tables of 2–4
// dimensions with skewed trees and checks every promise: additive in every
// relation, candidates rounded to a multiple of the base and everything else
// kept, no small count published anywhere, nothing negative, and the
// attacker's intervals hold the truth.
func TestSmallCountProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	opts := []rounding.SmallCountOptions{
		{},
		{Base: 5},
		{Base: 3, MaxRound: 5},
		{Base: 4, UpFromZero: true},
		{Base: 5, ChunkSize: 7, Seed: 3},
		{Base: 10, ChunkSize: 1, Sweeps: -1},
		{Base: 3, MaxRound: 4, UpFromZero: true, ChunkSize: 5, Sweeps: 3},
	}
	for i := 0; i < 150; i++ {
		dims := randomDims(t, rng)
		tb := randomTable(t, rng, dims...)
		opt := opts[i%len(opts)]
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			res, err := rounding.SmallCount(context.Background(), tb, opt)
			require.NoError(t, err)
			checkSmallCount(t, tb, res.Values, opt)
			checkResult(t, tb, res)
		})
	}
}

// TestControlledProperties rounds random network tables: flat × flat,
// hierarchical × flat, flat × hierarchical and one-dimensional.
func TestControlledProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 120; i++ {
		var dims []*sdc.Dimension
		h := randomDim(t, rng, "h", 2+rng.IntN(12))
		f := flat(t, "f", "f1", "f2", "f3", "f4")
		if rng.IntN(2) == 0 {
			f = flat(t, "f", "f1", "f2")
		}
		switch i % 4 {
		case 0:
			dims = []*sdc.Dimension{flat(t, "g", "g1", "g2", "g3"), f}
		case 1:
			dims = []*sdc.Dimension{h, f}
		case 2:
			dims = []*sdc.Dimension{f, h}
		case 3:
			dims = []*sdc.Dimension{h}
		}
		tb := randomTable(t, rng, dims...)
		base := int64(2 + rng.IntN(9))
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			opt := rounding.ControlledOptions{Base: base, Deterministic: i%3 == 0, Rand: rand.NewChaCha8([32]byte{byte(i)})}
			res, err := rounding.Controlled(context.Background(), tb, opt)
			require.NoError(t, err)
			checkAdjacent(t, tb, res.Values, base)
			require.NoError(t, rounding.CheckAdditive(tb, res.Values))
			checkResult(t, tb, res)
		})
	}
}

// checkAdjacent checks that every value is one of the two multiples of base
// around the true count, and a multiple unchanged.
func checkAdjacent(t testing.TB, tb *sdc.Table, values []int64, base int64) {
	t.Helper()
	for c, v := range values {
		y := tb.Freq(c)
		lo := y - y%base
		require.Zero(t, v%base, "cell %s: %d not a multiple of %d", tb.Label(c), v, base)
		if y%base == 0 {
			require.Equal(t, y, v, "cell %s: a multiple changed", tb.Label(c))
		} else {
			require.Contains(t, []int64{lo, lo + base}, v, "cell %s: %d → %d", tb.Label(c), y, v)
		}
	}
}

// checkResult checks what every Result promises: statuses, reasons, values
// in the release, metrics and intervals that hold the truth.
func checkResult(t testing.TB, tb *sdc.Table, res *rounding.Result) {
	t.Helper()
	changed := 0
	for c, v := range res.Values {
		got, ok := res.Release.Value(c)
		require.True(t, ok)
		require.Equal(t, v, got)
		if v != tb.Freq(c) {
			changed++
			require.Equal(t, sdc.Rounded, res.Release.Status(c))
			require.Equal(t, fmt.Sprintf("rounded %d → %d", tb.Freq(c), v), res.Release.Reason(c))
		} else {
			require.Equal(t, sdc.Published, res.Release.Status(c))
		}
	}
	m, err := rounding.ComputeMetrics(tb, res.Values)
	require.NoError(t, err)
	require.Equal(t, m, res.Metrics)
	require.Equal(t, changed, m.All.Changed)
	require.Equal(t, tb.NumCells(), m.All.Cells)
	require.Equal(t, tb.NumInner(), m.Inner.Cells)
	ivs, err := rounding.Intervals(tb, res.Values, res.Rule)
	require.NoError(t, err)
	for c, iv := range ivs {
		y := float64(tb.Freq(c))
		require.True(t, iv.Lower <= y && y <= iv.Upper, "cell %s: %v not in [%v, %v]", tb.Label(c), y, iv.Lower, iv.Upper)
		require.GreaterOrEqual(t, iv.Lower, 0.0)
	}
}

func TestControlledRejectsNonNetworks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	h1 := randomDim(t, rng, "h", 6)
	for h1.MaxDepth() < 2 {
		h1 = randomDim(t, rng, "h", 6)
	}
	h2 := hier(t, "k", "K", "k1:K", "k2:K", "k11:k1", "k12:k1")
	for _, tc := range []struct {
		name string
		dims []*sdc.Dimension
	}{
		{"three flat dimensions", []*sdc.Dimension{flat(t, "a", "x", "y"), flat(t, "b", "x", "y"), flat(t, "c", "x", "y")}},
		{"two hierarchies", []*sdc.Dimension{h1, h2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := randomTable(t, rng, tc.dims...)
			_, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 5})
			require.Error(t, err)
			assert.True(t, errors.Is(err, rounding.ErrNotNetwork))
			assert.Contains(t, err.Error(), "SmallCount")
		})
	}
}
