package noise_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/sdc"
)

// TestNoiseVariance draws many noisy counts through Plan and Measure and
// compares their empirical mean and variance with the mechanism's. The
// bounds are 6 standard errors (the standard error of the variance from
// the distribution's fourth moment: Laplace kurtosis 6, Gaussian 3), so a
// correct sampler fails less than once in a million runs.
func TestNoiseVariance(t *testing.T) {
	if testing.Short() {
		t.Skip("draws 2×100,000 noisy counts")
	}
	const n = 100_000
	d := flat(t, "x", n)
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	tb, err := b.Build()
	require.NoError(t, err)
	detail := []noise.Share{{Query: noise.Detail(tb), Share: 1}}
	for _, tc := range []struct {
		p        noise.Params
		kurtosis float64 // μ4/σ⁴
	}{
		{noise.Params{Mechanism: noise.Laplace, Epsilon: 0.1, Bounds: noise.Bounds{L0: 1, LInf: 1}, Split: detail}, 6},
		{noise.Params{Mechanism: noise.Gaussian, Epsilon: 0.5, Delta: 1e-5, Bounds: noise.Bounds{L0: 2, LInf: 3}, Split: detail}, 3},
	} {
		t.Run(tc.p.Mechanism.String(), func(t *testing.T) {
			ms, err := noise.Plan(tb, tc.p)
			require.NoError(t, err)
			require.NoError(t, noise.Measure(context.Background(), ms, tc.p.Mechanism, make([]int64, n), 0))
			m := ms[0]
			var s, s2 float64
			for _, v := range m.Noisy {
				s += float64(v)
				s2 += float64(v) * float64(v)
			}
			mean := s / n
			variance := s2/n - mean*mean
			v := m.Variance
			assert.InDelta(t, 0, mean, 6*math.Sqrt(v/n), "mean")
			assert.InDelta(t, v, variance, 6*math.Sqrt((tc.kurtosis-1)*v*v/n), "variance")
			// The confidence intervals are the library's, 95 %: about
			// 95 % of them hold the true 0.
			in := 0
			for g := range m.Noisy {
				if m.Lower[g] <= 0 && 0 <= m.Upper[g] {
					in++
				}
			}
			share := float64(in) / n
			assert.InDelta(t, 0.95, share, 6*math.Sqrt(0.95*0.05/n)+0.005, "coverage")
		})
	}
}

func TestPlanRefuses(t *testing.T) {
	tb := randomTables(t, 3, 1)[0]
	ok := noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: noise.Bounds{L0: 1, LInf: 1}}
	for _, tc := range []struct {
		name string
		edit func(p *noise.Params)
	}{
		{"epsilon 0", func(p *noise.Params) { p.Epsilon = 0 }},
		{"epsilon NaN", func(p *noise.Params) { p.Epsilon = math.NaN() }},
		{"epsilon Inf", func(p *noise.Params) { p.Epsilon = math.Inf(1) }},
		{"laplace with delta", func(p *noise.Params) { p.Delta = 1e-6 }},
		{"gaussian without delta", func(p *noise.Params) { p.Mechanism = noise.Gaussian }},
		{"L0 0", func(p *noise.Params) { p.Bounds.L0 = 0 }},
		{"LInf 0", func(p *noise.Params) { p.Bounds.LInf = 0 }},
		{"L0·LInf overflows", func(p *noise.Params) { p.Bounds = noise.Bounds{L0: 4, LInf: 1 << 62} }},
		{"L0·LInf too large", func(p *noise.Params) { p.Bounds = noise.Bounds{L0: 1 << 21, LInf: 1 << 21} }},
		{"shares not 1", func(p *noise.Params) { p.Split = []noise.Share{{Query: noise.Detail(tb), Share: 0.5}} }},
		{"query twice", func(p *noise.Params) {
			p.Split = []noise.Share{{Query: noise.Detail(tb), Share: 0.5}, {Query: noise.Detail(tb), Share: 0.5}}
		}},
		{"no mechanism", func(p *noise.Params) { p.Mechanism = 0 }},
	} {
		p := ok
		tc.edit(&p)
		_, err := noise.Plan(tb, p)
		assert.Error(t, err, tc.name)
	}
	_, err := noise.Plan(tb, ok)
	require.NoError(t, err)
}

func TestParseQuery(t *testing.T) {
	geo, err := sdc.NewDimension("geo", []string{"0", "11", "1101", "1106", "03"}, []string{"", "0", "11", "11", "0"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(geo, flat(t, "sex", 2))
	require.NoError(t, err)
	tb, err := b.Build()
	require.NoError(t, err)
	for _, tc := range []struct {
		in, name string
		levels   []int
	}{
		{"detail", "detail", []int{2, 1}},
		{"geo:1", "geo:1", []int{1, 1}},
		{"sex:0+geo:0", "geo:0+sex:0", []int{0, 0}},
		{" geo:2 ", "detail", []int{2, 1}},
	} {
		q, err := noise.ParseQuery(tb, tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.levels, q.Levels, tc.in)
		assert.Equal(t, tc.name, q.Name(tb), tc.in)
	}
	for _, bad := range []string{"", "geo", "geo:3", "geo:-1", "age:0", "geo:1+geo:0", "geo:x"} {
		_, err := noise.ParseQuery(tb, bad)
		assert.Error(t, err, bad)
	}
	// geo:1 measures the counties and the shallow leaf 03 (a ragged
	// hierarchy), each by sex: 2×2 cells.
	q, err := noise.ParseQuery(tb, "geo:1")
	require.NoError(t, err)
	ms, err := noise.Plan(tb, noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: noise.Bounds{L0: 1, LInf: 1}, Split: []noise.Share{{Query: q, Share: 1}}})
	require.NoError(t, err)
	var labels []string
	for _, c := range ms[0].Cells {
		labels = append(labels, tb.Label(c))
	}
	assert.Equal(t, []string{"11×sex0", "11×sex1", "03×sex0", "03×sex1"}, labels)
}

// TestBound checks contribution bounding against its definition on random
// records: what is kept is a sub-multiset of each person's records with at
// most L0 cells and LInf per cell, as much as those limits allow.
func TestBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(10)
		nrec := rng.IntN(60)
		inner := make([]int32, nrec)
		person := make([]string, nrec)
		for i := range inner {
			inner[i] = int32(rng.IntN(n))
			person[i] = fmt.Sprint("p", rng.IntN(8))
		}
		b := noise.Bounds{L0: 1 + rng.IntN(3), LInf: 1 + rng.Int64N(3)}
		counts, st, err := noise.Bound(inner, person, n, b, rand.New(rand.NewPCG(uint64(trial), 0)))
		require.NoError(t, err)
		// Per person: cells and records per cell.
		type pc struct {
			p string
			c int32
		}
		per := map[pc]int64{}
		cellsOf := map[string]int{}
		for i := range inner {
			if per[pc{person[i], inner[i]}] == 0 {
				cellsOf[person[i]]++
			}
			per[pc{person[i], inner[i]}]++
		}
		// Bound keeps L0 cells of a person at random: check the totals,
		// the per-cell caps, and that nothing beyond the bounds is lost.
		total := int64(0)
		maxPerCell := make([]int64, n)
		for k, v := range per {
			maxPerCell[k.c] += min(v, b.LInf)
		}
		for c, v := range counts {
			require.LessOrEqual(t, v, maxPerCell[c], "cell %d", c)
			total += v
		}
		require.Equal(t, int64(st.Kept), total)
		require.Equal(t, nrec, st.Kept+st.Dropped)
		require.Equal(t, len(cellsOf), st.Persons)
		// With at most L0 cells per person nothing is dropped by L0.
		wantDroppedCells := 0
		for _, k := range cellsOf {
			wantDroppedCells += max(0, k-b.L0)
		}
		require.Equal(t, wantDroppedCells, st.DroppedCells)
		if wantDroppedCells == 0 {
			want := int64(0)
			for _, v := range per {
				want += min(v, b.LInf)
			}
			require.Equal(t, want, total)
		}
	}
}
