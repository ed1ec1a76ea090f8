package lp

import (
	"math/rand/v2"
)

// sparseFromRows builds a Sparse from dense rows.
func sparseFromRows(rows [][]float64, cols int) *Sparse {
	a := NewSparse(len(rows), cols)
	for i, r := range rows {
		for j, v := range r {
			a.Add(i, j, v)
		}
	}
	return a
}

// unit returns the indicator vector of index j of length n.
func unit(n, j int) []float64 {
	c := make([]float64, n)
	c[j] = 1
	return c
}

// secondarySuppression mimics secondary suppression: while some line of
// the table (all cells differing in one coordinate) holds exactly one
// unknown cell, which the line's total would disclose, it makes another
// random cell of that line unknown.
func secondarySuppression(rnd *rand.Rand, dims []int, unknown []bool) {
	d := len(dims)
	stride := make([]int, d)
	st := 1
	for k := d - 1; k >= 0; k-- {
		stride[k] = st
		st *= dims[k]
	}
	for changed := true; changed; {
		changed = false
		for k := 0; k < d; k++ {
			for c := range unknown {
				if (c/stride[k])%dims[k] != 0 {
					continue // visit each line of dimension k once, from its first cell
				}
				count, last := 0, -1
				for t := 0; t < dims[k]; t++ {
					if unknown[c+t*stride[k]] {
						count++
						last = t
					}
				}
				if count == 1 && dims[k] > 1 {
					t := rnd.IntN(dims[k] - 1)
					if t >= last {
						t++
					}
					unknown[c+t*stride[k]] = true
					changed = true
				}
			}
		}
	}
}

// auditProblem is the audit LP of a d-dimensional table with every
// marginal total published and a fraction of the inner cells suppressed.
type auditProblem struct {
	a       *Sparse
	b       []float64
	cells   []int     // inner cell (mixed-radix index) of each variable
	truth   []float64 // true value of each variable
	targets [][]int   // variables under each suppressed cell: one per variable here
}

// newAuditProblem generates the audit LP of a table with the given
// dimension sizes: inner cells are random counts, a fraction frac of them
// is unknown, and every total (each combination of dimensions summed out)
// is published. Each equation says that the unknown inner cells under a
// published total sum to the total minus the known inner cells under it.
func newAuditProblem(rnd *rand.Rand, dims []int, frac float64) *auditProblem {
	d := len(dims)
	ncell := 1
	for _, n := range dims {
		ncell *= n
	}
	val := make([]float64, ncell)
	varOf := make([]int, ncell)
	p := &auditProblem{}
	unknown := make([]bool, ncell)
	for c := range val {
		val[c] = float64(rnd.IntN(20))
		unknown[c] = rnd.Float64() < frac
	}
	secondarySuppression(rnd, dims, unknown)
	for c := range val {
		varOf[c] = -1
		if unknown[c] {
			varOf[c] = len(p.cells)
			p.cells = append(p.cells, c)
			p.truth = append(p.truth, val[c])
		}
	}
	// Totals are identified by a mask of summed-out dimensions and the
	// coordinates in the kept dimensions. Mask 0 (inner cells) is skipped.
	type key struct {
		mask, idx int
	}
	rowOf := map[key]int{}
	var rhs []float64
	type trip struct {
		i, j int
	}
	var trips []trip
	coord := make([]int, d)
	for c := 0; c < ncell; c++ {
		r := c
		for k := d - 1; k >= 0; k-- {
			coord[k] = r % dims[k]
			r /= dims[k]
		}
		for mask := 1; mask < 1<<d; mask++ {
			idx := 0
			for k := 0; k < d; k++ {
				ck := coord[k]
				if mask&(1<<k) != 0 {
					ck = 0
				}
				idx = idx*dims[k] + ck
			}
			kk := key{mask, idx}
			row, ok := rowOf[kk]
			if !ok {
				row = len(rhs)
				rowOf[kk] = row
				rhs = append(rhs, 0)
			}
			if v := varOf[c]; v >= 0 {
				trips = append(trips, trip{row, v})
				rhs[row] += val[c]
			}
		}
	}
	// Keep only totals with at least one unknown cell.
	used := make([]int, len(rhs))
	for i := range used {
		used[i] = -1
	}
	var b []float64
	for _, t := range trips {
		if used[t.i] < 0 {
			used[t.i] = len(b)
			b = append(b, rhs[t.i])
		}
	}
	p.a = NewSparse(len(b), len(p.cells))
	for _, t := range trips {
		p.a.Add(used[t.i], t.j, 1)
	}
	p.b = b
	return p
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }
