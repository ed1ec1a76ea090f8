package lp

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSetGoal checks that a solve with a goal stops at a feasible point
// whose objective reaches the goal, not beyond the optimum, and that
// clearing the goal solves to the optimum again.
func TestSetGoal(t *testing.T) {
	ctx := context.Background()
	rnd := newRand(91)
	stopped, early := 0, 0
	for trial := 0; trial < 40; trial++ {
		p := newAuditProblem(rnd, []int{6, 5, 3}, 0.35)
		rows, n := p.a.Dims()
		if n == 0 {
			continue
		}
		s, err := NewSolverAt(ctx, p.a, p.b, nil, nil, p.truth, nil)
		require.NoError(t, err)
		j := rnd.IntN(n)
		maximize := trial%2 == 0
		solve := func() (float64, error) {
			if maximize {
				return s.MaximizeSparse(ctx, []int{j}, nil)
			}
			return s.MinimizeSparse(ctx, []int{j}, nil)
		}
		opt, err := solve()
		require.NoError(t, err)
		// Back to the true table's neighbourhood: the opposite optimum.
		maximize = !maximize
		other, err := solve()
		require.NoError(t, err)
		maximize = !maximize
		if math.Abs(opt-other) < 1e-9 {
			continue // the variable is fixed: nothing to stop on
		}
		goal := other + (opt-other)/3
		s.SetGoal(goal)
		before := s.Stats().Iterations
		got, err := solve()
		require.NoError(t, err)
		if s.Stats().Iterations > before {
			stopped++
		}
		if math.Abs(got-opt) > 1e-7 {
			early++ // stopped short of the optimum
		}
		x := s.X()
		require.InDelta(t, x[j], got, 1e-9, "the value returned is that of X")
		if maximize {
			require.GreaterOrEqual(t, got, goal-1e-7)
			require.LessOrEqual(t, got, opt+1e-7)
		} else {
			require.LessOrEqual(t, got, goal+1e-7)
			require.GreaterOrEqual(t, got, opt-1e-7)
		}
		// X is feasible: non-negative and on every equation.
		res := make([]float64, rows)
		for c := 0; c < n; c++ {
			require.GreaterOrEqual(t, x[c], -1e-7)
		}
		p.a.DoNonZero(func(i, k int, v float64) { res[i] += v * x[k] })
		for i := range res {
			require.InDelta(t, p.b[i], res[i], 1e-6, "row %d", i)
		}
		s.SetGoal(math.NaN())
		again, err := solve()
		require.NoError(t, err)
		require.InDelta(t, opt, again, 1e-7, "without a goal the optimum again")
	}
	require.Greater(t, stopped, 10, "the goal was exercised")
	require.Greater(t, early, 5, "some solves stopped before the optimum")
}
