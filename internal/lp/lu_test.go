package lp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// denseCols is a test matrix given by its columns.
type denseCols [][]float64

func (d denseCols) col(k int) ([]int32, []float64) {
	var idx []int32
	var val []float64
	for i, v := range d[k] {
		if v != 0 {
			idx = append(idx, int32(i))
			val = append(val, v)
		}
	}
	return idx, val
}

func (d denseCols) mulVec(z []float64) []float64 {
	out := make([]float64, len(d))
	for k, c := range d {
		for i, v := range c {
			out[i] += v * z[k]
		}
	}
	return out
}

func (d denseCols) mulTVec(y []float64) []float64 {
	out := make([]float64, len(d))
	for k, c := range d {
		for i, v := range c {
			out[k] += v * y[i]
		}
	}
	return out
}

// randomBasis returns a random sparse nonsingular m×m matrix: a permuted
// triangular 0/±1 matrix with a nonzero diagonal plus extra entries that
// make it non-triangular.
func randomBasis(rnd *rand.Rand, m int, extra int) denseCols {
	d := make(denseCols, m)
	rows := rnd.Perm(m)
	for k := range d {
		d[k] = make([]float64, m)
		d[k][rows[k]] = float64(1 + rnd.IntN(3))
		for t := 0; t < 2; t++ {
			if k > 0 {
				d[k][rows[rnd.IntN(k)]] = 1
			}
		}
	}
	for t := 0; t < extra; t++ {
		d[rnd.IntN(m)][rnd.IntN(m)] += float64(rnd.IntN(3) - 1)
	}
	return d
}

func maxAbsDiff(a, b []float64) float64 {
	var mx float64
	for i := range a {
		mx = math.Max(mx, math.Abs(a[i]-b[i]))
	}
	return mx
}

func TestFactorSolves(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var f factor
	factored := 0
	for trial := 0; trial < 200; trial++ {
		m := 1 + rnd.IntN(40)
		d := randomBasis(rnd, m, rnd.IntN(2*m))
		sp, _ := f.factorize(m, d.col)
		if sp != nil {
			continue // extra entries made it singular
		}
		factored++
		rhs := make([]float64, m)
		want := make([]float64, m)
		for i := range want {
			want[i] = float64(rnd.IntN(7) - 3)
		}
		copy(rhs, d.mulVec(want))
		got := make([]float64, m)
		f.ftran(rhs, got)
		require.Less(t, maxAbsDiff(d.mulVec(got), d.mulVec(want)), 1e-8, "ftran trial %d", trial)
		require.Equal(t, make([]float64, m), rhs, "ftran must leave rhs zeroed")

		c := d.mulTVec(want)
		y := make([]float64, m)
		f.btran(c, y)
		require.Less(t, maxAbsDiff(d.mulTVec(y), d.mulTVec(want)), 1e-8, "btran trial %d", trial)
		require.Equal(t, make([]float64, m), c, "btran must leave rhs zeroed")

		// Column replacements through the eta file.
		for u := 0; u < 5; u++ {
			r := rnd.IntN(m)
			newCol := make([]float64, m)
			for i := range newCol {
				if rnd.IntN(3) == 0 {
					newCol[i] = float64(rnd.IntN(5) - 2)
				}
			}
			a := make([]float64, m)
			copy(rhs, newCol)
			f.ftran(rhs, a)
			if math.Abs(a[r]) < 1e-6 {
				continue
			}
			var nz []int32
			for i, v := range a {
				if v != 0 {
					nz = append(nz, int32(i))
				}
			}
			f.update(r, a, nz)
			d[r] = newCol
			copy(rhs, d.mulVec(want))
			f.ftran(rhs, got)
			require.Less(t, maxAbsDiff(d.mulVec(got), d.mulVec(want)), 1e-7, "ftran after update, trial %d", trial)
			c := d.mulTVec(want)
			f.btran(c, y)
			require.Less(t, maxAbsDiff(d.mulTVec(y), d.mulTVec(want)), 1e-7, "btran after update, trial %d", trial)
		}
	}
	require.Greater(t, factored, 150)
}

func TestFactorSingular(t *testing.T) {
	// Columns 0 and 2 are equal.
	d := denseCols{
		{1, 1, 0},
		{0, 1, 1},
		{1, 1, 0},
	}
	var f factor
	sp, sr := f.factorize(3, d.col)
	require.Len(t, sp, 1)
	require.Len(t, sr, 1)
	require.Contains(t, []int32{0, 2}, sp[0])

	// A zero column.
	d = denseCols{{1, 0}, {0, 0}}
	sp, sr = f.factorize(2, d.col)
	require.Equal(t, []int32{1}, sp)
	require.Equal(t, []int32{1}, sr)
}
