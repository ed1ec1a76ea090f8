package lp

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	gonumlp "gonum.org/v1/gonum/optimize/convex/lp"
)

// independentRows returns the indices of a maximal set of linearly
// independent rows, by Gaussian elimination.
func independentRows(rows [][]float64) []int {
	var basis [][]float64
	var pivots []int
	var keep []int
	for i, r := range rows {
		v := append([]float64(nil), r...)
		for k, br := range basis {
			p := pivots[k]
			if f := v[p] / br[p]; f != 0 {
				for j := range v {
					v[j] -= f * br[j]
				}
			}
		}
		p, best := -1, 1e-9
		for j, x := range v {
			if math.Abs(x) > best {
				p, best = j, math.Abs(x)
			}
		}
		if p >= 0 {
			basis = append(basis, v)
			pivots = append(pivots, p)
			keep = append(keep, i)
		}
	}
	return keep
}

// gonumMin solves min c·x, A x = b, 0 ≤ x ≤ hi (hi may be nil) with gonum's
// dense standard-form simplex, after dropping dependent rows and adding a
// slack column per upper bound.
func gonumMin(rows [][]float64, b, hi, c []float64) (float64, error) {
	n := len(c)
	keep := independentRows(rows)
	nb := 0
	if hi != nil {
		nb = n
	}
	m := len(keep) + nb
	a := mat.NewDense(m, n+nb, nil)
	rhs := make([]float64, m)
	for k, i := range keep {
		for j, v := range rows[i] {
			a.Set(k, j, v)
		}
		rhs[k] = b[i]
	}
	for j := 0; j < nb; j++ {
		a.Set(len(keep)+j, j, 1)
		a.Set(len(keep)+j, n+j, 1)
		rhs[len(keep)+j] = hi[j]
	}
	cc := make([]float64, n+nb)
	copy(cc, c)
	v, _, err := gonumlp.Simplex(cc, a, rhs, 1e-10, nil)
	return v, err
}

func TestCrossCheckGonum(t *testing.T) {
	rnd := newRand(11)
	ctx := context.Background()
	const trials = 300
	compared, total, unbounded := 0, 0, 0
	for trial := 0; trial < trials; trial++ {
		m := 2 + rnd.IntN(6)
		n := m + rnd.IntN(9)
		// Every fourth problem has general integer coefficients in
		// [-3, 3], the others are 0/1 like the audit problems.
		general := trial%4 == 3
		rows := make([][]float64, m)
		for i := range rows {
			rows[i] = make([]float64, n)
			for j := range rows[i] {
				if rnd.IntN(5) < 2 {
					rows[i][j] = 1
					if general {
						rows[i][j] = float64(rnd.IntN(7) - 3)
					}
				}
			}
		}
		// Redundancy: sometimes repeat a row or add the sum of two rows.
		if trial%3 == 0 {
			r := make([]float64, n)
			for j := range r {
				r[j] = rows[0][j] + rows[1][j]
			}
			rows = append(rows, r, append([]float64(nil), rows[m-1]...))
		}
		for j := 0; j < n; j++ { // no empty columns
			nz := false
			for i := range rows {
				nz = nz || rows[i][j] != 0
			}
			if !nz {
				rows[rnd.IntN(len(rows))][j] = 1
			}
		}
		x0 := make([]float64, n)
		for j := range x0 {
			x0[j] = float64(rnd.IntN(6))
		}
		b := make([]float64, len(rows))
		for i, r := range rows {
			b[i] = dot(r, x0)
		}
		var hi []float64
		if trial%4 == 1 || trial%4 == 2 {
			hi = make([]float64, n)
			for j := range hi {
				hi[j] = x0[j] + float64(rnd.IntN(4))
			}
		}
		s, err := NewSolver(sparseFromRows(rows, n), b, nil, hi)
		require.NoError(t, err, "trial %d", trial)
		for k := 0; k < 3; k++ {
			c := make([]float64, n)
			for j := range c {
				if k < 2 {
					c[j] = float64(rnd.IntN(2))
				} else {
					c[j] = float64(rnd.IntN(7) - 3)
				}
			}
			c[rnd.IntN(n)] = 1
			neg := make([]float64, n)
			for j := range c {
				neg[j] = -c[j]
			}
			gotMin, errMin := s.Minimize(ctx, c)
			if errMin == nil {
				checkFeasible(t, rows, b, nil, hi, s.X())
				require.LessOrEqual(t, gotMin, dot(c, x0)+1e-9)
			} else {
				require.ErrorIs(t, errMin, ErrUnbounded, "trial %d", trial)
				require.True(t, general && hi == nil, "only general problems without upper bounds may be unbounded")
			}
			gotMax, errMax := s.Maximize(ctx, c)
			if errMax == nil {
				checkFeasible(t, rows, b, nil, hi, s.X())
				require.GreaterOrEqual(t, gotMax, dot(c, x0)-1e-9)
			} else {
				require.ErrorIs(t, errMax, ErrUnbounded, "trial %d", trial)
				require.True(t, general && hi == nil, "only general problems without upper bounds may be unbounded")
			}

			total += 2
			if errMin != nil {
				unbounded++
			}
			if errMax != nil {
				unbounded++
			}
			want, err := gonumMin(rows, b, hi, c)
			if err == nil || errors.Is(err, gonumlp.ErrUnbounded) {
				compared++
				if err != nil {
					require.ErrorIs(t, errMin, ErrUnbounded, "min, trial %d objective %d", trial, k)
				} else {
					require.NoError(t, errMin)
					require.InDelta(t, want, gotMin, 1e-7, "min, trial %d objective %d", trial, k)
				}
			}
			want, err = gonumMin(rows, b, hi, neg)
			if err == nil || errors.Is(err, gonumlp.ErrUnbounded) {
				compared++
				if err != nil {
					require.ErrorIs(t, errMax, ErrUnbounded, "max, trial %d objective %d", trial, k)
				} else {
					require.NoError(t, errMax)
					require.InDelta(t, -want, gotMax, 1e-7, "max, trial %d objective %d", trial, k)
				}
			}
		}
	}
	t.Logf("compared %d of %d optima with gonum (%d unbounded)", compared, total, unbounded)
	require.Greater(t, compared, total*9/10, "gonum failed on too many problems")
}
