package noise_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

func flat(t testing.TB, name string, n int) *sdc.Dimension {
	t.Helper()
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("%s%d", name, i)
	}
	d, err := sdc.NewFlat(name, codes)
	require.NoError(t, err)
	return d
}

// randomTable fills the inner cells with skewed counts: many zeros and
// small counts, some large ones.
func randomTable(t testing.TB, rng *rand.Rand, dims ...*sdc.Dimension) *sdc.Table {
	t.Helper()
	b, err := sdc.NewBuilder(dims...)
	require.NoError(t, err)
	shape := b.Shape()
	for k := 0; k < shape.NumInner(); k++ {
		var v int64
		switch x := rng.Float64(); {
		case x < 0.4:
		case x < 0.8:
			v = 1 + rng.Int64N(4)
		default:
			v = rng.Int64N(200)
		}
		require.NoError(t, b.AddInnerCell(shape.InnerCell(k), v))
	}
	tb, err := b.Build()
	require.NoError(t, err)
	return tb
}

// innerCounts returns the true count of every inner cell by number.
func innerCounts(t *sdc.Table) []int64 {
	out := make([]int64, t.NumInner())
	for k := range out {
		out[k] = t.Freq(t.InnerCell(k))
	}
	return out
}

// randomTables returns n random tables of one to three dimensions.
func randomTables(t testing.TB, seed uint64, n int) []*sdc.Table {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []*sdc.Table
	for i := 0; i < n; i++ {
		// Ragged hierarchies (leaves at several depths) and flat
		// dimensions, one of a single category among them.
		dims := []*sdc.Dimension{attack.RandomDim(rng, "g", 2+rng.IntN(2))}
		for d := 1; d < 1+rng.IntN(3); d++ {
			if rng.IntN(2) == 0 {
				dims = append(dims, flat(t, fmt.Sprintf("f%d", d), 1+rng.IntN(4)))
			} else {
				dims = append(dims, attack.RandomDim(rng, fmt.Sprintf("h%d", d), 2))
			}
		}
		out = append(out, randomTable(t, rng, dims...))
	}
	return out
}
