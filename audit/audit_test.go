package audit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tabsdc/tabsdc/sdc"
)

// randomDim returns a random tree with 2..5 leaves under each internal node,
// up to maxDepth levels, skewed: some children are leaves early.
func randomDim(rng *rand.Rand, name string, maxDepth int) *sdc.Dimension {
	codes := []string{name + "0"}
	parents := []string{""}
	var grow func(p string, depth int)
	grow = func(p string, depth int) {
		k := 2 + rng.IntN(2)
		for i := 0; i < k; i++ {
			c := fmt.Sprintf("%s.%d", p, i)
			codes, parents = append(codes, c), append(parents, p)
			if depth+1 < maxDepth && rng.IntN(3) == 0 {
				grow(c, depth+1)
			}
		}
	}
	grow(codes[0], 0)
	d, err := sdc.NewDimension(name, codes, parents)
	if err != nil {
		panic(err)
	}
	return d
}

// randomTable returns a small table with many zeros and ones.
func randomTable(rng *rand.Rand, ndims int) *sdc.Table {
	dims := make([]*sdc.Dimension, ndims)
	for d := range dims {
		dims[d] = randomDim(rng, string(rune('a'+d)), 3-ndims/3)
	}
	b, err := sdc.NewBuilder(dims...)
	if err != nil {
		panic(err)
	}
	shape := b.Shape()
	for k := 0; k < shape.NumInner(); k++ {
		var v int64
		switch r := rng.IntN(10); {
		case r < 3:
			v = 0
		case r < 6:
			v = 1 + rng.Int64N(3)
		default:
			v = rng.Int64N(20)
		}
		if err := b.AddInnerCell(shape.InnerCell(k), v); err != nil {
			panic(err)
		}
	}
	t, err := b.Build()
	if err != nil {
		panic(err)
	}
	return t
}

// randomPattern withholds between a quarter and three quarters of the cells.
func randomPattern(rng *rand.Rand, t *sdc.Table) *sdc.Release {
	rel := sdc.NewRelease(t)
	p := 0.25 + rng.Float64()/2
	for c := 0; c < t.NumCells(); c++ {
		if rng.Float64() < p {
			if v := t.Freq(c); v >= 1 && v <= 3 {
				rel.Set(c, sdc.Primary, "small")
			} else {
				rel.Set(c, sdc.Secondary, "random")
			}
		}
	}
	return rel
}

// enumerator is an independent attacker for tiny tables: it enumerates every
// non-negative integer table that agrees with the published cells (depth
// first, pruning partial sums) and reads off each withheld cell's range.
// Its intervals are the integer hull; the audit's are the LP relaxation's,
// which equal them for two-way tables (the constraint matrix is totally
// unimodular) and contain them in general.
type enumerator struct {
	t       *sdc.Table
	unknown []int     // inner numbers not published
	eqs     [][]int   // positions in unknown of each equation
	rhs     []int64   // each equation's unknown part
	free    []bool    // unknowns in no equation
	sols    [][]int64 // every feasible assignment
}

func newEnumerator(rel *sdc.Release, limit int) (*enumerator, bool) {
	t := rel.Table()
	e := &enumerator{t: t}
	pos := map[int]int{}
	known := map[int]int64{}
	for k := 0; k < t.NumInner(); k++ {
		if v, ok := rel.Value(t.InnerCell(k)); ok {
			known[k] = v
		} else {
			pos[k] = len(e.unknown)
			e.unknown = append(e.unknown, k)
		}
	}
	inEq := make([]bool, len(e.unknown))
	for c := 0; c < t.NumCells(); c++ {
		v, ok := rel.Value(c)
		if !ok || t.IsInner(c) {
			continue
		}
		var eq []int
		brute(t, c, func(k int) {
			if kv, ok := known[k]; ok {
				v -= kv
			} else {
				eq = append(eq, pos[k])
				inEq[pos[k]] = true
			}
		})
		if len(eq) > 0 {
			e.eqs = append(e.eqs, eq)
			e.rhs = append(e.rhs, v)
		}
	}
	for i := range inEq {
		e.free = append(e.free, !inEq[i])
	}
	// Upper bound of each unknown: the least right-hand side covering it.
	ub := make([]int64, len(e.unknown))
	for i := range ub {
		ub[i] = -1
	}
	for q, eq := range e.eqs {
		for _, i := range eq {
			if ub[i] < 0 || e.rhs[q] < ub[i] {
				ub[i] = e.rhs[q]
			}
		}
	}
	x := make([]int64, len(e.unknown))
	sum := make([]int64, len(e.eqs))
	last := make([]int, len(e.eqs)) // the last unknown of each equation
	for q, eq := range e.eqs {
		for _, i := range eq {
			last[q] = max(last[q], i)
		}
	}
	byVar := make([][]int, len(e.unknown))
	for q, eq := range e.eqs {
		for _, i := range eq {
			byVar[i] = append(byVar[i], q)
		}
	}
	nodes := 0
	var dfs func(i int) bool
	dfs = func(i int) bool {
		if nodes++; nodes > limit {
			return false
		}
		if i == len(x) {
			e.sols = append(e.sols, append([]int64(nil), x...))
			return true
		}
		hi := ub[i]
		if hi < 0 {
			hi = 0 // a free unknown: its value is unbounded; enumerate 0 only
		}
		for v := int64(0); v <= hi; v++ {
			ok := true
			for _, q := range byVar[i] {
				sum[q] += v
				if sum[q] > e.rhs[q] || (last[q] == i && sum[q] != e.rhs[q]) {
					ok = false
				}
			}
			if ok {
				x[i] = v
				if !dfs(i + 1) {
					return false
				}
			}
			for _, q := range byVar[i] {
				sum[q] -= v
			}
		}
		return true
	}
	return e, dfs(0)
}

// interval returns the integer range of cell c over the feasible tables.
func (e *enumerator) interval(c int) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	unbounded := false
	var base int64
	var idx []int
	pos := map[int]int{}
	for i, k := range e.unknown {
		pos[k] = i
	}
	brute(e.t, c, func(k int) {
		if i, ok := pos[k]; ok {
			idx = append(idx, i)
			unbounded = unbounded || e.free[i]
		}
	})
	base = e.t.Freq(c)
	// The known part is the true value minus the true unknown part; it is
	// the same in every feasible table.
	for _, i := range idx {
		base -= e.t.Freq(e.t.InnerCell(e.unknown[i]))
	}
	for _, x := range e.sols {
		s := base
		for _, i := range idx {
			s += x[i]
		}
		lo, hi = math.Min(lo, float64(s)), math.Max(hi, float64(s))
	}
	if unbounded {
		hi = math.Inf(1)
	}
	return lo, hi
}

// brute calls fn with every inner number under cell c, found by testing
// every inner cell (independent of Table.ForEachInner).
func brute(t *sdc.Table, c int, fn func(k int)) {
	for k := 0; k < t.NumInner(); k++ {
		ic := t.InnerCell(k)
		under := true
		for d := 0; d < t.NumDims(); d++ {
			if !t.Dim(d).IsAncestor(t.Node(c, d), t.Node(ic, d)) {
				under = false
				break
			}
		}
		if under {
			fn(k)
		}
	}
}

// Property: on random small hierarchical tables with random patterns, the
// audit's interval of every withheld cell equals the enumerated one on
// two-way tables and contains it on three-way tables.
func TestAuditMatchesIndependentAttacker(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	compared, open := 0, 0
	defer func() {
		// The property must not hold vacuously.
		assert.Greater(t, compared, 300)
		assert.Greater(t, open, 100)
	}()
	for trial := 0; trial < 400; trial++ {
		ndims := 2 + trial%2
		tab := randomTable(rng, ndims)
		rel := randomPattern(rng, tab)
		at, ok := newEnumerator(rel, 200000)
		if !ok {
			continue // too many tables to enumerate
		}
		res, err := Audit(context.Background(), rel, Options{Default: FrequencyRequirement(3)})
		require.NoError(t, err)
		disclosed := map[int]bool{}
		for _, f := range res.Disclosed {
			disclosed[f.Cell] = true
		}
		for c := 0; c < tab.NumCells(); c++ {
			if !rel.Suppressed(c) {
				continue
			}
			lo, hi := at.interval(c)
			iv, ok := rel.Interval(c)
			require.True(t, ok)
			compared++
			if hi-lo > 1e-6 {
				open++
			}
			if math.IsInf(hi, 1) {
				assert.True(t, math.IsInf(iv.Upper, 1), "trial %d cell %s upper %v, want ∞", trial, tab.Label(c), iv.Upper)
			}
			if ndims == 2 {
				assert.InDelta(t, lo, iv.Lower, 1e-6, "trial %d cell %s lower", trial, tab.Label(c))
				if !math.IsInf(hi, 1) {
					assert.InDelta(t, hi, iv.Upper, 1e-6, "trial %d cell %s upper", trial, tab.Label(c))
				}
				assert.Equal(t, hi-lo < 1e-6, disclosed[c], "trial %d cell %s", trial, tab.Label(c))
			} else {
				assert.LessOrEqual(t, iv.Lower, lo+1e-6, "trial %d cell %s lower", trial, tab.Label(c))
				assert.GreaterOrEqual(t, iv.Upper, hi-1e-6, "trial %d cell %s upper", trial, tab.Label(c))
				if disclosed[c] {
					assert.InDelta(t, lo, hi, 1e-6, "trial %d cell %s disclosed by LP, not by enumeration", trial, tab.Label(c))
				}
			}
			assert.LessOrEqual(t, iv.Lower, float64(tab.Freq(c))+1e-9)
			assert.GreaterOrEqual(t, iv.Upper, float64(tab.Freq(c))-1e-9)
		}
	}
}

// Property: cells in the row space of the published equations (a rank test
// with dense matrices, without non-negativity) ⊆ Exact ⊆ cells of width 0.
func TestExactBetweenRankAndLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 30; trial++ {
		tab := randomTable(rng, 2+trial%2)
		rel := randomPattern(rng, tab)
		exact, err := Exact(context.Background(), rel)
		require.NoError(t, err)
		isExact := map[int]bool{}
		for _, c := range exact {
			isExact[c] = true
		}
		at, ok := newEnumerator(rel, 200000)
		if !ok {
			continue
		}
		var pub [][]float64
		for c := 0; c < tab.NumCells(); c++ {
			if _, ok := rel.Value(c); ok {
				pub = append(pub, indicator(tab, c))
			}
		}
		base := 0
		if len(pub) > 0 {
			base = rank(pub)
		}
		for c := 0; c < tab.NumCells(); c++ {
			if !rel.Suppressed(c) {
				continue
			}
			inSpan := len(pub) > 0 && rank(append(append([][]float64(nil), pub...), indicator(tab, c))) == base
			if inSpan {
				assert.True(t, isExact[c], "trial %d: %s is in the row space but Exact missed it", trial, tab.Label(c))
			}
			if isExact[c] {
				lo, hi := at.interval(c)
				assert.InDelta(t, lo, hi, 1e-6, "trial %d: Exact says %s is determined, LP gives [%v, %v]", trial, tab.Label(c), lo, hi)
			}
		}
	}
}

func indicator(t *sdc.Table, c int) []float64 {
	v := make([]float64, t.NumInner())
	brute(t, c, func(k int) { v[k] = 1 })
	return v
}

// A 2×2 table with margins: suppressing one inner cell alone discloses it;
// suppressing a rectangle of four leaves each free to move by the smallest
// value on the opposite diagonal.
func TestAuditTwoWayTable(t *testing.T) {
	r, err := sdc.NewFlat("r", []string{"r1", "r2"})
	require.NoError(t, err)
	c, err := sdc.NewFlat("c", []string{"c1", "c2"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(r, c)
	require.NoError(t, err)
	vals := map[[2]int]int64{{1, 1}: 2, {1, 2}: 7, {2, 1}: 5, {2, 2}: 9}
	for k, v := range vals {
		require.NoError(t, b.AddInner([]int{k[0], k[1]}, v))
	}
	tab, err := b.Build()
	require.NoError(t, err)
	cell := func(a, b string) int {
		x, err := tab.CellOf(a, b)
		require.NoError(t, err)
		return x
	}

	rel := sdc.NewRelease(tab)
	rel.Set(cell("r1", "c1"), sdc.Primary, "frequency 2")
	res, err := Audit(context.Background(), rel, Options{Default: FrequencyRequirement(4)})
	require.NoError(t, err)
	require.Len(t, res.Disclosed, 1)
	iv, _ := rel.Interval(cell("r1", "c1"))
	assert.Equal(t, sdc.Interval{Lower: 2, Upper: 2}, iv)

	for _, x := range [][2]string{{"r1", "c2"}, {"r2", "c1"}, {"r2", "c2"}} {
		rel.Set(cell(x[0], x[1]), sdc.Secondary, "protects r1×c1")
	}
	res, err = Audit(context.Background(), rel, Options{Default: FrequencyRequirement(4)})
	require.NoError(t, err)
	assert.Empty(t, res.Disclosed)
	// r1c1 = 2 + δ with r1c2 = 7 − δ, r2c1 = 5 − δ, r2c2 = 9 + δ:
	// δ ∈ [−2, 5], so r1c1 ∈ [0, 7], 7 wide ≥ 5: protected.
	iv, _ = rel.Interval(cell("r1", "c1"))
	assert.Equal(t, sdc.Interval{Lower: 0, Upper: 7}, iv)
	assert.True(t, res.Passed())

	// With maxN 7 the same pattern is too narrow.
	res, err = Audit(context.Background(), rel, Options{Default: FrequencyRequirement(7)})
	require.NoError(t, err)
	require.Len(t, res.UnderProtected, 1)
	assert.Equal(t, "interval [0, 7] is 7 wide, needs 8", res.UnderProtected[0].Why)
}

func TestRequirementMet(t *testing.T) {
	cases := []struct {
		req   Requirement
		value float64
		iv    sdc.Interval
		ok    bool
	}{
		{Requirement{RangeMin: 5}, 3, sdc.Interval{Lower: 0, Upper: 5}, true},
		{Requirement{RangeMin: 5}, 4, sdc.Interval{Lower: 2, Upper: 5}, false},
		{Requirement{RangePercent: 50}, 100, sdc.Interval{Lower: 80, Upper: 120}, false},
		{Requirement{RangePercent: 50}, 100, sdc.Interval{Lower: 70, Upper: 120}, true},
		{Requirement{Upper: 10}, 100, sdc.Interval{Lower: 0, Upper: 105}, false},
		{Requirement{Lower: 10}, 5, sdc.Interval{Lower: 0, Upper: 6}, true},
		{Requirement{Lower: 10}, 50, sdc.Interval{Lower: 45, Upper: 90}, false},
	}
	for i, tc := range cases {
		ok, why := tc.req.Met(tc.value, tc.iv)
		assert.Equal(t, tc.ok, ok, "case %d: %s", i, why)
	}
}

// rank is the numerical rank of a dense matrix given by rows.
func rank(rows [][]float64) int {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDNone) {
		panic("svd failed")
	}
	n := 0
	for _, s := range svd.Values(nil) {
		if s > 1e-9 {
			n++
		}
	}
	return n
}
