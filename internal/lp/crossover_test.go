package lp

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNewSolverAtMatchesPhase1 starts audit problems from their true table
// and random problems from a random feasible point, and checks that every
// optimum agrees with the solver that runs phase 1.
func TestNewSolverAtMatchesPhase1(t *testing.T) {
	ctx := context.Background()
	rnd := newRand(77)
	type problem struct {
		name      string
		a         *Sparse
		b, hi, x0 []float64
	}
	var probs []problem
	for _, dims := range [][]int{{12, 8}, {6, 5, 4}, {5, 4, 3, 3}} {
		p := newAuditProblem(rnd, dims, 0.3)
		probs = append(probs, problem{"audit", p.a, p.b, nil, p.truth})
	}
	for trial := 0; trial < 6; trial++ {
		m := 10 + rnd.IntN(15)
		n := 2*m + rnd.IntN(20)
		rows := make([][]float64, m)
		for i := range rows {
			rows[i] = make([]float64, n)
			for j := range rows[i] {
				if rnd.IntN(5) == 0 {
					rows[i][j] = float64(rnd.IntN(9) - 4)
				}
			}
		}
		rows = append(rows, append([]float64(nil), rows[1]...)) // a redundant row
		x0 := make([]float64, n)
		hi := make([]float64, n)
		for j := range x0 {
			x0[j] = float64(rnd.IntN(10)) + 0.5*float64(rnd.IntN(2))
			hi[j] = x0[j] + float64(rnd.IntN(4))
		}
		b := make([]float64, len(rows))
		for i, r := range rows {
			b[i] = dot(r, x0)
		}
		probs = append(probs, problem{"random", sparseFromRows(rows, n), b, hi, x0})
	}
	for i, p := range probs {
		want, err := NewSolver(p.a, p.b, nil, p.hi)
		require.NoError(t, err)
		got, err := NewSolverAt(ctx, p.a, p.b, nil, p.hi, p.x0, nil)
		require.NoError(t, err, "%s %d", p.name, i)
		_, n := p.a.Dims()
		// The crossover ends at a vertex: at most m variables are off
		// their bounds.
		m, _ := p.a.Dims()
		off := 0
		for j, v := range got.X() {
			h := math.Inf(1)
			if p.hi != nil {
				h = p.hi[j]
			}
			if v > 1e-9 && v < h-1e-9 {
				off++
			}
		}
		require.LessOrEqual(t, off, m, "%s %d", p.name, i)
		// A basis hint of random variables, more than there are rows, so
		// some make the basis singular or find no row left.
		hint := rnd.Perm(n)[:min(n, m+3)]
		hinted, err := NewSolverAt(ctx, p.a, p.b, nil, p.hi, p.x0, &Basis{Vars: hint})
		require.NoError(t, err, "%s %d", p.name, i)
		for k := 0; k < 10; k++ {
			j := rnd.IntN(n)
			for _, maximize := range []bool{false, true} {
				f := want.MinimizeSparse
				g := got.MinimizeSparse
				if maximize {
					f, g = want.MaximizeSparse, got.MaximizeSparse
				}
				w, err := f(ctx, []int{j}, nil)
				if err != nil {
					require.ErrorIs(t, err, ErrUnbounded)
				}
				v, err2 := g(ctx, []int{j}, nil)
				if err != nil {
					require.ErrorIs(t, err2, ErrUnbounded)
					continue
				}
				require.NoError(t, err2)
				require.InDelta(t, w, v, 1e-7*math.Max(1, math.Abs(w)), "%s %d: variable %d maximize %v", p.name, i, j, maximize)
				h := hinted.MinimizeSparse
				if maximize {
					h = hinted.MaximizeSparse
				}
				v, err = h(ctx, []int{j}, nil)
				require.NoError(t, err)
				require.InDelta(t, w, v, 1e-7*math.Max(1, math.Abs(w)), "%s %d hinted: variable %d maximize %v", p.name, i, j, maximize)
				requireFeasible(t, p.a, p.b, p.hi, hinted.X())
			}
		}
	}
}

func TestNewSolverAtRejectsInfeasiblePoint(t *testing.T) {
	a := sparseFromRows([][]float64{{1, 1, 0}, {0, 1, 1}}, 3)
	b := []float64{3, 4}
	_, err := NewSolverAt(context.Background(), a, b, nil, nil, []float64{1, 2, 1}, nil)
	require.ErrorContains(t, err, "x0 does not satisfy row 1")
	_, err = NewSolverAt(context.Background(), a, b, nil, nil, []float64{-1, 4, 0}, nil)
	require.ErrorContains(t, err, "x0[0] = -1 is outside its bounds")
	_, err = NewSolverAt(context.Background(), a, b, nil, nil, []float64{1}, nil)
	require.ErrorContains(t, err, "len(x0) = 1")
	s, err := NewSolverAt(context.Background(), a, b, nil, nil, []float64{1, 2, 2}, nil)
	require.NoError(t, err)
	v, err := s.MaximizeSparse(context.Background(), []int{1}, nil)
	require.NoError(t, err)
	require.InDelta(t, 3, v, 1e-9)
}

// TestNewSolverAtWarmBasis restarts from the optimum and basis of a solve,
// as column generation does after adding variables, and checks that no
// variable needs moving and the optima agree.
func TestNewSolverAtWarmBasis(t *testing.T) {
	ctx := context.Background()
	rnd := newRand(78)
	for trial := 0; trial < 5; trial++ {
		p := newAuditProblem(rnd, []int{5, 4, 3}, 0.4)
		_, n := p.a.Dims()
		first, err := NewSolverAt(ctx, p.a, p.b, nil, nil, p.truth, nil)
		require.NoError(t, err)
		j := rnd.IntN(n)
		want, err := first.MaximizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		bs := first.Basis()
		again, err := NewSolverAt(ctx, p.a, p.b, nil, nil, first.X(), &bs)
		require.NoError(t, err)
		require.ElementsMatch(t, bs.Vars, again.Basis().Vars)
		require.ElementsMatch(t, bs.Rows, again.Basis().Rows)
		got, err := again.MaximizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		require.InDelta(t, want, got, 1e-9)
		require.Zero(t, again.Stats().Iterations, "the optimal basis needs no iteration")
	}
}

// requireFeasible checks A x = b and 0 ≤ x ≤ hi (nil hi: no upper bound).
func requireFeasible(t *testing.T, a *Sparse, b, hi, x []float64) {
	t.Helper()
	res := make([]float64, len(b))
	a.DoNonZero(func(i, k int, v float64) { res[i] += v * x[k] })
	for i := range res {
		require.InDelta(t, b[i], res[i], 1e-6, "row %d", i)
	}
	for j, v := range x {
		require.GreaterOrEqual(t, v, -1e-7, "x[%d]", j)
		if hi != nil {
			require.LessOrEqual(t, v, hi[j]+1e-7, "x[%d]", j)
		}
	}
}
