package noise_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

// allLevels returns a split that measures every combination of levels of
// t's dimensions, in equal shares (the largest set of queries there is).
func allLevels(t *sdc.Table) []noise.Share {
	var out []noise.Share
	nd := t.NumDims()
	lv := make([]int, nd)
	for {
		out = append(out, noise.Share{Query: noise.Query{Levels: append([]int(nil), lv...)}})
		d := nd - 1
		for ; d >= 0; d-- {
			lv[d]++
			if lv[d] <= t.Dim(d).MaxDepth() {
				break
			}
			lv[d] = 0
		}
		if d < 0 {
			break
		}
	}
	for i := range out {
		out[i].Share = 1 / float64(len(out))
	}
	return out
}

// given lays out measurements of t with the noisy counts given by fn
// (from the true count of each measured cell).
func given(t *testing.T, tb *sdc.Table, p noise.Params, fn func(x int64) int64) []*noise.Measurement {
	t.Helper()
	ms, err := noise.Plan(tb, p)
	require.NoError(t, err)
	for _, m := range ms {
		m.Noisy = make([]int64, len(m.Cells))
		for g, c := range m.Cells {
			m.Noisy[g] = fn(tb.Freq(c))
		}
	}
	return ms
}

func TestPostProcessWithoutNoiseIsTheTable(t *testing.T) {
	for i, tb := range randomTables(t, 11, 40) {
		for _, split := range [][]noise.Share{nil, allLevels(tb)} {
			p := noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: noise.Bounds{L0: 1, LInf: 1}, Split: split}
			ms := given(t, tb, p, func(x int64) int64 { return x })
			vals, _, err := noise.PostProcess(context.Background(), tb, ms, noise.TopDim(tb))
			require.NoError(t, err)
			require.Equal(t, tb.Freqs(), vals, "table %d", i)
		}
	}
}

func TestPostProcessIsConsistent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for i, tb := range randomTables(t, 12, 60) {
		split := allLevels(tb)
		if i%2 == 0 {
			split = nil
		}
		p := noise.Params{Mechanism: noise.Gaussian, Epsilon: 0.5, Delta: 1e-6, Bounds: noise.Bounds{L0: 2, LInf: 1}, Split: split}
		ms := given(t, tb, p, func(x int64) int64 { return x + rng.Int64N(21) - 10 })
		vals, _, err := noise.PostProcess(context.Background(), tb, ms, noise.TopDim(tb))
		require.NoError(t, err)
		for c, v := range vals {
			require.GreaterOrEqual(t, v, int64(0), "table %d cell %s", i, tb.Label(c))
		}
		require.NoError(t, rounding.CheckAdditive(tb, vals), "table %d", i)
		again, _, err := noise.PostProcess(context.Background(), tb, ms, noise.TopDim(tb))
		require.NoError(t, err)
		require.Equal(t, vals, again, "post-processing is deterministic")
	}
}

// TestEstimateIsLeastSquares checks the estimate against the weighted
// least-squares solution computed from the dense system with gonum.
func TestEstimateIsLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	checked := 0
	for i, tb := range randomTables(t, 13, 30) {
		if tb.NumInner() > 300 {
			continue
		}
		checked++
		p := noise.Params{Mechanism: noise.Gaussian, Epsilon: 1, Delta: 1e-6, Bounds: noise.Bounds{L0: 3, LInf: 2}, Split: allLevels(tb)}
		ms := given(t, tb, p, func(x int64) int64 { return x + rng.Int64N(41) - 20 })
		est, _, err := noise.Estimate(context.Background(), tb.NumInner(), ms)
		require.NoError(t, err)
		n := tb.NumInner()
		N := mat.NewSymDense(n, nil)
		b := mat.NewVecDense(n, nil)
		for _, m := range ms {
			w := 1 / m.Variance
			members := make([][]int, len(m.Cells))
			for k := 0; k < n; k++ {
				members[m.Group(k)] = append(members[m.Group(k)], k)
			}
			for g, ks := range members {
				for _, a := range ks {
					b.SetVec(a, b.AtVec(a)+w*float64(m.Noisy[g]))
					for _, c := range ks {
						if c >= a {
							N.SetSym(a, c, N.At(a, c)+w)
						}
					}
				}
			}
		}
		var x mat.VecDense
		require.NoError(t, x.SolveVec(N, b), "table %d: the detail measurement makes N invertible", i)
		for k := 0; k < n; k++ {
			assert.InDelta(t, x.AtVec(k), est[k], 1e-6*(1+math.Abs(x.AtVec(k))), "table %d inner %d", i, k)
		}
	}
	require.Greater(t, checked, 20)
}

func TestSplitCount(t *testing.T) {
	// Through TopDown on a one-dimensional two-level hierarchy: the root's
	// count is split over its leaves.
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := 0; trial < 500; trial++ {
		n := 1 + rng.IntN(8)
		codes, parents := []string{"T"}, []string{""}
		for i := 0; i < n; i++ {
			codes = append(codes, string(rune('a'+i)))
			parents = append(parents, "T")
		}
		d, err := sdc.NewDimension("g", codes, parents)
		require.NoError(t, err)
		b, err := sdc.NewBuilder(d)
		require.NoError(t, err)
		tb, err := b.Build()
		require.NoError(t, err)
		est := make([]float64, n)
		for i := range est {
			est[i] = rng.Float64()*20 - 5
		}
		total := 0.0
		for _, e := range est {
			total += e
		}
		out, err := noise.TopDown(tb, est, 0)
		require.NoError(t, err)
		var sum int64
		for _, v := range out {
			require.GreaterOrEqual(t, v, int64(0))
			sum += v
		}
		want := int64(0)
		if total > 0 {
			want = int64(math.Round(total))
		}
		require.Equal(t, want, sum, "the leaves sum to the root's rounded estimate")
		// Each leaf is within 1 of the projection, found here by bisection.
		lo, hi := -100.0, 100.0
		f := func(tau float64) float64 {
			s := 0.0
			for _, e := range est {
				s += max(0, e-tau)
			}
			return s
		}
		for it := 0; it < 200; it++ {
			mid := (lo + hi) / 2
			if f(mid) > float64(want) {
				lo = mid
			} else {
				hi = mid
			}
		}
		if want > 0 {
			for i, e := range est {
				assert.Less(t, math.Abs(float64(out[i])-max(0, e-lo)), 1.0+1e-9, "trial %d leaf %d", trial, i)
			}
		}
	}
}
