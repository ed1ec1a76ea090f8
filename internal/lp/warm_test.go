package lp

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// auditAll returns the min and max of every variable of p using one
// warm-started solver.
func auditAll(t testing.TB, p *auditProblem) (lo, hi []float64, s *Solver) {
	ctx := context.Background()
	s, err := NewSolver(p.a, p.b, nil, nil)
	require.NoError(t, err)
	lo = make([]float64, len(p.cells))
	hi = make([]float64, len(p.cells))
	for j := range p.cells {
		lo[j], err = s.MinimizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
		hi[j], err = s.MaximizeSparse(ctx, []int{j}, nil)
		require.NoError(t, err)
	}
	return lo, hi, s
}

func TestWarmStartMatchesFresh(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dims []int
		frac float64
	}{{[]int{12, 8}, 0.35}, {[]int{5, 4, 3}, 0.7}, {[]int{4, 3, 3, 2}, 0.8}} {
		dims := tc.dims
		p := newAuditProblem(newRand(uint64(len(dims))), dims, tc.frac)
		lo, hi, warm := auditAll(t, p)
		rows := denseRows(p.a)
		for j := range p.cells {
			require.LessOrEqual(t, lo[j], p.truth[j]+1e-9)
			require.GreaterOrEqual(t, hi[j], p.truth[j]-1e-9)
			// Integer data: the bounds are integers.
			require.InDelta(t, lo[j], float64(int(lo[j]+0.5)), 1e-7)
			require.InDelta(t, hi[j], float64(int(hi[j]+0.5)), 1e-7)

			fresh, err := NewSolver(p.a, p.b, nil, nil)
			require.NoError(t, err)
			v, err := fresh.MinimizeSparse(ctx, []int{j}, nil)
			require.NoError(t, err)
			require.InDelta(t, v, lo[j], 1e-7, "dims %v variable %d", dims, j)
			fresh, err = NewSolver(p.a, p.b, nil, nil)
			require.NoError(t, err)
			v, err = fresh.MaximizeSparse(ctx, []int{j}, nil)
			require.NoError(t, err)
			require.InDelta(t, v, hi[j], 1e-7, "dims %v variable %d", dims, j)
		}
		// Sums of pairs of cells, warm after all the singles, against gonum.
		for j := 0; j+1 < len(p.cells) && j < 10; j += 2 {
			c := make([]float64, len(p.cells))
			c[j], c[j+1] = 1, 1
			got, err := warm.Minimize(ctx, c)
			require.NoError(t, err)
			if want, err := gonumMin(rows, p.b, nil, c); err == nil {
				require.InDelta(t, want, got, 1e-7)
			}
			checkFeasible(t, rows, p.b, nil, nil, warm.X())
		}
		t.Logf("dims %v: %d rows, %d variables, %+v", dims, len(p.b), len(p.cells), warm.Stats())
	}
}

// denseRows returns the rows of a as dense slices.
func denseRows(a *Sparse) [][]float64 {
	r, c := a.Dims()
	rows := make([][]float64, r)
	for i := range rows {
		rows[i] = make([]float64, c)
	}
	a.DoNonZero(func(i, j int, v float64) { rows[i][j] = v })
	return rows
}

func TestCloneConcurrent(t *testing.T) {
	p := newAuditProblem(newRand(13), []int{20, 8}, 0.4)
	lo, hi, _ := auditAll(t, p)
	s, err := NewSolver(p.a, p.b, nil, nil)
	require.NoError(t, err)
	const workers = 3
	gotLo := make([]float64, len(p.cells))
	gotHi := make([]float64, len(p.cells))
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		c := s.Clone()
		go func(w int) {
			ctx := context.Background()
			for j := w; j < len(p.cells); j += workers {
				var err error
				if gotLo[j], err = c.MinimizeSparse(ctx, []int{j}, nil); err != nil {
					errs <- err
					return
				}
				if gotHi[j], err = c.MaximizeSparse(ctx, []int{j}, nil); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		require.NoError(t, <-errs)
	}
	for j := range p.cells {
		require.InDelta(t, lo[j], gotLo[j], 1e-9)
		require.InDelta(t, hi[j], gotHi[j], 1e-9)
	}
	// The original is untouched by its clones.
	require.Equal(t, 0, s.Stats().Solves)
}
