package lp

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var inf = math.Inf(1)

// objCase is one objective with its expected minimum and maximum. A NaN
// expectation means the direction is unbounded.
type objCase struct {
	c        []float64
	min, max float64
}

func TestSolverKnownOptima(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		rows   [][]float64
		b      []float64
		lo, hi []float64
		objs   []objCase
	}{
		{
			name: "simple",
			rows: [][]float64{{1, 1, 1}, {1, -1, 0}},
			b:    []float64{10, 2},
			objs: []objCase{
				{c: []float64{0, 0, 1}, min: 0, max: 8},
				{c: []float64{1, 0, 0}, min: 2, max: 6},
				{c: []float64{1, 2, 3}, min: 14, max: 26},
			},
		},
		{
			// Every bound flip: x ≤ 4 with x0+x1+x2 = 10.
			name: "upper bounds",
			rows: [][]float64{{1, 1, 1}},
			b:    []float64{10},
			hi:   []float64{4, 4, 4},
			objs: []objCase{
				{c: []float64{1, 0, 0}, min: 2, max: 4},
				{c: []float64{1, 2, 0}, min: 8, max: 12},
				{c: []float64{-1, -1, -1}, min: -10, max: -10},
			},
		},
		{
			// A 2×3 table, all inner cells unknown: row totals 5, 7,
			// column totals 3, 4, 5 and the grand total 12 (redundant).
			name: "2x3 table",
			rows: [][]float64{
				{1, 1, 1, 0, 0, 0},
				{0, 0, 0, 1, 1, 1},
				{1, 0, 0, 1, 0, 0},
				{0, 1, 0, 0, 1, 0},
				{0, 0, 1, 0, 0, 1},
				{1, 1, 1, 1, 1, 1},
			},
			b: []float64{5, 7, 3, 4, 5, 12},
			objs: []objCase{
				{c: []float64{1, 0, 0, 0, 0, 0}, min: 0, max: 3},
				{c: []float64{0, 0, 1, 0, 0, 0}, min: 0, max: 5},
				{c: []float64{1, 1, 0, 0, 0, 0}, min: 0, max: 5},
				{c: []float64{1, 0, 0, 0, 1, 0}, min: 0, max: 7},
			},
		},
		{
			name: "redundant rows",
			rows: [][]float64{{1, 1}, {1, 1}, {2, 2}, {0, 0}, {3, 3}},
			b:    []float64{4, 4, 8, 0, 12},
			objs: []objCase{
				{c: []float64{1, 0}, min: 0, max: 4},
				{c: []float64{1, -1}, min: -4, max: 4},
			},
		},
		{
			// Beale's example, which cycles under the textbook rules.
			name: "Beale cycling",
			rows: [][]float64{
				{1, 0, 0, 0.25, -8, -1, 9},
				{0, 1, 0, 0.5, -12, -0.5, 3},
				{0, 0, 1, 0, 0, 1, 0},
			},
			b: []float64{0, 0, 1},
			objs: []objCase{
				{c: []float64{0, 0, 0, -0.75, 20, -0.5, 6}, min: -1.25, max: nan},
			},
		},
		{
			// The assignment polytope of size 4: totally degenerate.
			// Costs c[i][j] = (i+1)·(j+1) mod 5: the minimum over the 24
			// permutations is 4 (all ones) and the maximum 16 (all fours).
			name: "assignment",
			rows: assignmentRows(4),
			b:    []float64{1, 1, 1, 1, 1, 1, 1, 1},
			objs: []objCase{
				{c: assignmentCost(4), min: 4, max: 16},
				{c: assignmentCost2(4), min: bruteAssignment(assignmentCost2(4), 4, false), max: bruteAssignment(assignmentCost2(4), 4, true)},
			},
		},
		{
			name: "unbounded direction",
			rows: [][]float64{{1, -1}},
			b:    []float64{1},
			objs: []objCase{
				{c: []float64{1, 0}, min: 1, max: nan},
				{c: []float64{1, -1}, min: 1, max: 1},
			},
		},
		{
			name: "free and negative bounds",
			rows: [][]float64{{1, 1, 0}, {0, 1, 1}},
			b:    []float64{3, 1},
			lo:   []float64{-inf, 0, -2},
			hi:   []float64{inf, 5, inf},
			objs: []objCase{
				// x0 = 3 - x1 and x2 = 1 - x1 ≥ -2 give x1 ≤ 3.
				{c: []float64{1, 0, 0}, min: 0, max: 3},
				{c: []float64{0, 0, 1}, min: -2, max: 1},
				{c: []float64{0, 1, 0}, min: 0, max: 3},
			},
		},
		{
			name: "upper bound only",
			rows: [][]float64{{1, 1}},
			b:    []float64{0},
			lo:   []float64{-inf, -3},
			hi:   []float64{2, 3},
			objs: []objCase{
				{c: []float64{1, 0}, min: -3, max: 2},
			},
		},
		{
			name: "fixed variables",
			rows: [][]float64{{1, 1, 1}},
			b:    []float64{6},
			lo:   []float64{2, 0, 0},
			hi:   []float64{2, inf, 3},
			objs: []objCase{
				{c: []float64{0, 1, 0}, min: 1, max: 4},
				{c: []float64{1, 0, 0}, min: 2, max: 2},
			},
		},
		{
			name: "no rows",
			rows: [][]float64{},
			b:    []float64{},
			lo:   []float64{-1, 0},
			hi:   []float64{1, inf},
			objs: []objCase{
				{c: []float64{1, 0}, min: -1, max: 1},
				{c: []float64{0, 1}, min: 0, max: nan},
			},
		},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.objs[0].c)
			s, err := NewSolver(sparseFromRows(tc.rows, n), tc.b, tc.lo, tc.hi)
			require.NoError(t, err)
			checkFeasible(t, tc.rows, tc.b, tc.lo, tc.hi, s.X())
			for k, o := range tc.objs {
				v, err := s.Minimize(ctx, o.c)
				if math.IsNaN(o.min) {
					require.ErrorIs(t, err, ErrUnbounded, "objective %d", k)
					assert.Equal(t, math.Inf(-1), v)
				} else {
					require.NoError(t, err, "objective %d", k)
					assert.InDelta(t, o.min, v, 1e-9, "min of objective %d", k)
					checkFeasible(t, tc.rows, tc.b, tc.lo, tc.hi, s.X())
					assert.InDelta(t, v, dot(o.c, s.X()), 1e-9)
				}
				v, err = s.Maximize(ctx, o.c)
				if math.IsNaN(o.max) {
					require.ErrorIs(t, err, ErrUnbounded, "objective %d", k)
					assert.Equal(t, math.Inf(1), v)
				} else {
					require.NoError(t, err, "objective %d", k)
					assert.InDelta(t, o.max, v, 1e-9, "max of objective %d", k)
					checkFeasible(t, tc.rows, tc.b, tc.lo, tc.hi, s.X())
				}
				// The sparse form gives the same values.
				idx, coef := toSparse(o.c)
				if !math.IsNaN(o.min) {
					v, err = s.MinimizeSparse(ctx, idx, coef)
					require.NoError(t, err)
					assert.InDelta(t, o.min, v, 1e-9)
				}
				if !math.IsNaN(o.max) {
					v, err = s.MaximizeSparse(ctx, idx, coef)
					require.NoError(t, err)
					assert.InDelta(t, o.max, v, 1e-9)
				}
			}
		})
	}
}

func TestSolverInfeasible(t *testing.T) {
	tests := []struct {
		name   string
		rows   [][]float64
		b      []float64
		lo, hi []float64
		msg    string
	}{
		{name: "inconsistent rows", rows: [][]float64{{1, 1}, {1, 1}}, b: []float64{5, 6}, msg: "row"},
		{name: "inconsistent table", rows: [][]float64{{1, 1, 0, 0}, {0, 0, 1, 1}, {1, 0, 1, 0}, {0, 1, 0, 1}}, b: []float64{3, 4, 2, 6}, msg: "row"},
		{name: "bounds too tight", rows: [][]float64{{1, 1, 1}}, b: []float64{10}, hi: []float64{3, 3, 3}, msg: "infeasible"},
		{name: "negative total", rows: [][]float64{{1, 1}}, b: []float64{-1}, msg: "infeasible"},
		{name: "zero row", rows: [][]float64{{1, 0}, {0, 0}}, b: []float64{1, 2}, msg: "row 1"},
		{name: "no columns", rows: [][]float64{{}}, b: []float64{1}, msg: "row 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			if len(tc.rows) > 0 {
				n = len(tc.rows[0])
			}
			s, err := NewSolver(sparseFromRows(tc.rows, n), tc.b, tc.lo, tc.hi)
			require.ErrorIs(t, err, ErrInfeasible)
			require.ErrorContains(t, err, tc.msg)
			require.Nil(t, s)
		})
	}
}

func TestSolverInvalidArguments(t *testing.T) {
	a := NewSparse(2, 3)
	a.Add(0, 0, 1)
	nanA := NewSparse(1, 1)
	nanA.Add(0, 0, math.NaN())
	tests := []struct {
		name   string
		a      *Sparse
		b      []float64
		lo, hi []float64
		msg    string
	}{
		{name: "nil matrix", b: nil, msg: "nil constraint matrix"},
		{name: "short b", a: a, b: []float64{1}, msg: "len(b) = 1, want 2"},
		{name: "short lo", a: a, b: []float64{1, 0}, lo: []float64{0}, msg: "len(lo) = 1, want 3"},
		{name: "short hi", a: a, b: []float64{1, 0}, hi: []float64{0}, msg: "len(hi) = 1, want 3"},
		{name: "NaN b", a: a, b: []float64{math.NaN(), 0}, msg: "b[0] = NaN is not finite"},
		{name: "lo above hi", a: a, b: []float64{1, 0}, lo: []float64{0, 2, 0}, hi: []float64{1, 1, 1}, msg: "lo[1] = 2 exceeds hi[1] = 1"},
		{name: "lo +Inf", a: a, b: []float64{1, 0}, lo: []float64{inf, 0, 0}, msg: "lo[0] = +Inf"},
		{name: "hi -Inf", a: a, b: []float64{1, 0}, hi: []float64{-inf, 0, 0}, msg: "hi[0] = -Inf"},
		{name: "NaN in A", a: nanA, b: []float64{1}, msg: "a(0, 0) = NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSolver(tc.a, tc.b, tc.lo, tc.hi)
			require.ErrorContains(t, err, tc.msg)
		})
	}

	s, err := NewSolver(a, []float64{1, 0}, nil, nil)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = s.Minimize(ctx, []float64{1})
	require.ErrorContains(t, err, "len(c) = 1, want 3")
	_, err = s.Minimize(ctx, []float64{1, math.Inf(1), 0})
	require.ErrorContains(t, err, "c[1] = +Inf is not finite")
	_, err = s.MinimizeSparse(ctx, []int{0, 3}, nil)
	require.ErrorContains(t, err, "idx[1] = 3 out of range [0, 3)")
	_, err = s.MinimizeSparse(ctx, []int{0}, []float64{1, 2})
	require.ErrorContains(t, err, "len(coef) = 2, want len(idx) = 1")
	_, err = s.MaximizeSparse(ctx, []int{0}, []float64{math.NaN()})
	require.ErrorContains(t, err, "coef[0] = NaN is not finite")
	// The solver still works after rejected calls.
	v, err := s.MinimizeSparse(ctx, []int{0, 0}, nil) // repeated index: 2·x0
	require.NoError(t, err)
	assert.Equal(t, 2.0, v)
	v, err = s.MinimizeSparse(ctx, []int{0, 1, 0, 0}, []float64{1, 0, -1, 3}) // 3·x0
	require.NoError(t, err)
	assert.Equal(t, 3.0, v)
}

func TestSolverContextCanceled(t *testing.T) {
	p := newAuditProblem(newRand(7), []int{30, 10}, 0.3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewSolverContext(ctx, p.a, p.b, nil, nil)
	require.ErrorIs(t, err, context.Canceled)

	s, err := NewSolver(p.a, p.b, nil, nil)
	require.NoError(t, err)
	v, err := s.MaximizeSparse(ctx, []int{0}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, math.IsNaN(v))
	// Still usable, and still feasible.
	v, err = s.MaximizeSparse(context.Background(), []int{0}, nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, v, p.truth[0])
	assert.InDelta(t, v, s.X()[0], 1e-9)
}

func TestErrorsAreDistinct(t *testing.T) {
	errs := []error{ErrInfeasible, ErrUnbounded, ErrIterationLimit, ErrNumerical}
	for i, a := range errs {
		for j, b := range errs {
			assert.Equal(t, i == j, errors.Is(a, b))
		}
	}
}

// assignmentRows returns the row and column constraints of the n×n
// assignment polytope, variable i·n+j.
func assignmentRows(n int) [][]float64 {
	rows := make([][]float64, 2*n)
	for i := range rows {
		rows[i] = make([]float64, n*n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			rows[i][i*n+j] = 1
			rows[n+j][i*n+j] = 1
		}
	}
	return rows
}

func assignmentCost(n int) []float64 {
	c := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c[i*n+j] = float64((i + 1) * (j + 1) % 5)
		}
	}
	return c
}

// assignmentCost2 returns pseudo-random costs in [0, 10).
func assignmentCost2(n int) []float64 {
	rnd := newRand(3)
	c := make([]float64, n*n)
	for i := range c {
		c[i] = float64(rnd.IntN(10))
	}
	return c
}

// bruteAssignment returns the min (or max) of c over the n×n permutation
// matrices.
func bruteAssignment(c []float64, n int, maximize bool) float64 {
	best := math.Inf(1)
	if maximize {
		best = math.Inf(-1)
	}
	perm := make([]int, n)
	used := make([]bool, n)
	var rec func(i int, sum float64)
	rec = func(i int, sum float64) {
		if i == n {
			if maximize {
				best = math.Max(best, sum)
			} else {
				best = math.Min(best, sum)
			}
			return
		}
		for j := 0; j < n; j++ {
			if !used[j] {
				used[j], perm[i] = true, j
				rec(i+1, sum+c[i*n+j])
				used[j] = false
			}
		}
	}
	rec(0, 0)
	return best
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func toSparse(c []float64) ([]int, []float64) {
	var idx []int
	var coef []float64
	for j, v := range c {
		if v != 0 {
			idx = append(idx, j)
			coef = append(coef, v)
		}
	}
	return idx, coef
}

// checkFeasible asserts that x satisfies the constraints to 1e-9.
func checkFeasible(t *testing.T, rows [][]float64, b, lo, hi, x []float64) {
	t.Helper()
	for i, r := range rows {
		assert.InDelta(t, b[i], dot(r, x), 1e-9, "row %d", i)
	}
	for j, v := range x {
		l, h := 0.0, inf
		if lo != nil {
			l = lo[j]
		}
		if hi != nil {
			h = hi[j]
		}
		assert.GreaterOrEqual(t, v, l-1e-9, "x[%d]", j)
		assert.LessOrEqual(t, v, h+1e-9, "x[%d]", j)
	}
}
