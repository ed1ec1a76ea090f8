package lp

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestoreFeasibility makes the current basis infeasible behind the
// solver's back, as accumulated rounding could, and checks that the next
// solve reruns phase 1 and still finds the optimum.
func TestRestoreFeasibility(t *testing.T) {
	ctx := context.Background()
	p := newAuditProblem(newRand(5), []int{10, 6}, 0.5)
	s, err := NewSolver(p.a, p.b, nil, nil)
	require.NoError(t, err)
	_, err = s.MaximizeSparse(ctx, []int{0}, nil)
	require.NoError(t, err)

	// A different right-hand side that is still feasible.
	x1 := make([]float64, len(p.cells))
	for j := range x1 {
		x1[j] = float64((j * 7) % 5)
	}
	rows := denseRows(p.a)
	b1 := make([]float64, len(rows))
	for i, r := range rows {
		b1[i] = dot(r, x1)
	}
	copy(s.b, b1)
	s.computePrimal()
	require.Positive(t, s.ninf, "the old basis should be infeasible for the new right-hand side")
	phase1 := s.Stats().Phase1Iterations

	fresh, err := NewSolver(p.a, b1, nil, nil)
	require.NoError(t, err)
	for j := 0; j < len(p.cells); j += 3 {
		got, err := s.MaximizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		want, err := fresh.MaximizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		require.InDelta(t, want, got, 1e-9)
		checkFeasible(t, rows, b1, nil, nil, s.X())
	}
	assert.Greater(t, s.Stats().Phase1Iterations, phase1)
}

// TestBasisRepair installs a singular basis and checks that the
// factorization replaces the dependent columns by logical variables.
func TestBasisRepair(t *testing.T) {
	ctx := context.Background()
	// Columns 0 and 1 are equal, column 3 is the sum of columns 0 and 2.
	rows := [][]float64{
		{1, 1, 0, 1},
		{0, 0, 1, 1},
		{1, 1, 1, 2},
	}
	b := []float64{3, 4, 7}
	s, err := NewSolver(sparseFromRows(rows, 4), b, nil, []float64{5, 5, 5, 5})
	require.NoError(t, err)

	// Basis {0, 1, 3}: singular (rank 2).
	for j := range s.state {
		s.makeNonbasic(j)
	}
	for k, j := range []int{0, 1, 3} {
		s.head[k] = int32(j)
		s.state[j] = basic
	}
	require.NoError(t, s.refactor())
	logicals := 0
	for _, j := range s.head {
		if int(j) >= s.n {
			logicals++
		}
	}
	assert.Equal(t, 1, logicals, "one dependent column should have been replaced")
	s.computePrimal()

	v, err := s.Maximize(ctx, []float64{1, 1, 0, 0})
	require.NoError(t, err)
	assert.InDelta(t, 3, v, 1e-9)
	checkFeasible(t, rows, b, nil, []float64{5, 5, 5, 5}, s.X())
	v, err = s.Minimize(ctx, []float64{0, 0, 0, 1})
	require.NoError(t, err)
	assert.InDelta(t, 0, v, 1e-9)
	v, err = s.Maximize(ctx, []float64{0, 0, 0, 1})
	require.NoError(t, err)
	assert.InDelta(t, 3, v, 1e-9)
}

// TestLargeMagnitudes audits a table of turnover-like values around 1e9:
// the bounds must still be exact integers.
func TestLargeMagnitudes(t *testing.T) {
	ctx := context.Background()
	p := newAuditProblem(newRand(9), []int{15, 8}, 0.4)
	rnd := newRand(10)
	scaled := make([]float64, len(p.cells))
	for j := range scaled {
		scaled[j] = float64(1e9 + rnd.IntN(1e8))
	}
	rows := denseRows(p.a)
	b := make([]float64, len(rows))
	for i, r := range rows {
		b[i] = dot(r, scaled)
	}
	s, err := NewSolver(p.a, b, nil, nil)
	require.NoError(t, err)
	for j := range p.cells {
		lo, err := s.MinimizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		hi, err := s.MaximizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		require.LessOrEqual(t, lo, scaled[j])
		require.GreaterOrEqual(t, hi, scaled[j])
		assert.InDelta(t, math.Round(lo), lo, 1e-6, "min of cell %d", j)
		assert.InDelta(t, math.Round(hi), hi, 1e-6, "max of cell %d", j)
	}
	// An inconsistency of one unit in 1e9 is detected.
	b[0]++
	_, err = NewSolver(p.a, b, nil, nil)
	require.ErrorIs(t, err, ErrInfeasible)
}

// TestMediumRandom cross-checks larger general LPs, whose bases need the
// full Markowitz factorization and several refactorizations.
func TestMediumRandom(t *testing.T) {
	ctx := context.Background()
	rnd := newRand(21)
	compared := 0
	for trial := 0; trial < 8; trial++ {
		m := 15 + rnd.IntN(15)
		n := 2*m + rnd.IntN(20)
		rows := make([][]float64, m)
		for i := range rows {
			rows[i] = make([]float64, n)
			for j := range rows[i] {
				if rnd.IntN(6) == 0 {
					rows[i][j] = float64(rnd.IntN(9) - 4)
				}
			}
		}
		rows = append(rows, append([]float64(nil), rows[0]...)) // a redundant row
		x0 := make([]float64, n)
		hi := make([]float64, n)
		for j := range x0 {
			x0[j] = float64(rnd.IntN(10))
			hi[j] = x0[j] + float64(rnd.IntN(10))
		}
		for j := 0; j < n; j++ { // no empty columns, for gonum
			nz := false
			for i := range rows {
				nz = nz || rows[i][j] != 0
			}
			if !nz {
				rows[0][j], rows[m][j] = 1, 1
			}
		}
		b := make([]float64, len(rows))
		for i, r := range rows {
			b[i] = dot(r, x0)
		}
		s, err := NewSolver(sparseFromRows(rows, n), b, nil, hi)
		require.NoError(t, err)
		for k := 0; k < 4; k++ {
			c := make([]float64, n)
			for j := range c {
				c[j] = float64(rnd.IntN(11) - 5)
			}
			got, err := s.Minimize(ctx, c)
			require.NoError(t, err)
			checkFeasible(t, rows, b, nil, hi, s.X())
			want, err := gonumMin(rows, b, hi, c)
			if err == nil {
				compared++
				require.InDelta(t, want, got, 1e-7*math.Max(1, math.Abs(want)), "trial %d objective %d", trial, k)
			}
		}
	}
	require.Greater(t, compared, 24)
}

// TestBlandRule forces Bland's rule after every degenerate iteration and
// checks the optima of degenerate problems against brute force and gonum.
func TestBlandRule(t *testing.T) {
	ctx := context.Background()

	for _, n := range []int{4, 5, 6} {
		rows := assignmentRows(n)
		b := make([]float64, 2*n)
		for i := range b {
			b[i] = 1
		}
		s, err := NewSolver(sparseFromRows(rows, n*n), b, nil, nil)
		require.NoError(t, err)
		s.degenLimit = 0 // Bland's rule after every degenerate iteration
		rnd := newRand(uint64(n))
		for k := 0; k < 5; k++ {
			c := make([]float64, n*n)
			for j := range c {
				c[j] = float64(rnd.IntN(10))
			}
			v, err := s.Minimize(ctx, c)
			require.NoError(t, err)
			assert.InDelta(t, bruteAssignment(c, n, false), v, 1e-9)
			v, err = s.Maximize(ctx, c)
			require.NoError(t, err)
			assert.InDelta(t, bruteAssignment(c, n, true), v, 1e-9)
		}
		assert.Positive(t, s.Stats().Bland, "Bland's rule should have been used")
	}

	p := newAuditProblem(newRand(77), []int{6, 5, 3}, 0.6)
	rows := denseRows(p.a)
	s, err := NewSolver(p.a, p.b, nil, nil)
	require.NoError(t, err)
	s.degenLimit = 0
	for j := 0; j < len(p.cells) && j < 12; j++ {
		c := unit(len(p.cells), j)
		got, err := s.Maximize(ctx, c)
		require.NoError(t, err)
		for k := range c {
			c[k] = -c[k]
		}
		if want, err := gonumMin(rows, p.b, nil, c); err == nil {
			assert.InDelta(t, -want, got, 1e-7, "max of cell %d", j)
		}
	}
}

// TestPriceWithHugeWeights checks that optimality is never declared because
// of Devex weights: with infinite weights every score is zero, and an
// attractive reduced cost must still be chosen.
func TestPriceWithHugeWeights(t *testing.T) {
	s, err := NewSolver(sparseFromRows([][]float64{{1, 1, 1}, {1, -1, 0}}, 3), []float64{10, 2}, nil, nil)
	require.NoError(t, err)
	s.phase1 = false
	copy(s.cost, []float64{0, 0, -1})
	s.tolD = 1e-9
	s.computeDuals()
	for j := range s.devex {
		s.devex[j] = math.Inf(1)
	}
	q, _ := s.price()
	require.GreaterOrEqual(t, q, 0)
	// And solving works from there.
	v, err := s.Maximize(context.Background(), []float64{0, 0, 1})
	require.NoError(t, err)
	assert.InDelta(t, 8, v, 1e-12)
}
