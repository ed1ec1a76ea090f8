package lpattack

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	glp "gonum.org/v1/gonum/optimize/convex/lp"

	"github.com/tabsdc/tabsdc/internal/lp"
)

// component is an independent part of the system: its unknowns (global
// numbers, with bounds) and the constraints over them.
type component struct {
	local  map[int32]int // global unknown → position in vars
	vars   []int32
	lo, hi []float64
	rows   []constraint

	built bool
	col   []int // column of each unknown in the standard form, -1 if in no row
	a     [][]float64
	b     []float64
	n     int // columns: unknowns in some row, then slacks
	dense *denseLP
	sp    *lp.Solver
}

// build turns the component into standard form, min c·y, A y = b, y ≥ 0,
// with y = x − lo for the unknowns and a slack column for each inequality
// and each finite upper bound. An unknown in no row (only in an inequality
// its bounds make redundant) gets no column: it is free to grow.
func (cp *component) build() error {
	type row struct {
		cols  []int
		rhs   float64
		slack float64 // 0, −1 (≥) or +1 (≤)
	}
	var rows []row
	cp.col = make([]int, len(cp.vars))
	for j := range cp.col {
		cp.col[j] = -1
	}
	n := 0
	use := func(j int) int {
		if cp.col[j] < 0 {
			cp.col[j] = n
			n++
		}
		return cp.col[j]
	}
	for _, c := range cp.rows {
		r := row{rhs: c.rhs}
		locs := make([]int, len(c.vars))
		for i, g := range c.vars {
			locs[i] = cp.local[g]
			r.rhs -= cp.lo[locs[i]]
		}
		switch c.sense {
		case 1:
			if r.rhs <= 1e-9 {
				continue // redundant: the bounds give it
			}
			r.slack = -1
		case -1:
			if r.rhs < -1e-9 {
				return fmt.Errorf("%w: an upper bound below the lower bounds", glp.ErrInfeasible)
			}
			r.slack = 1
		}
		for _, j := range locs {
			r.cols = append(r.cols, use(j))
		}
		rows = append(rows, r)
	}
	for j := range cp.vars {
		if !math.IsInf(cp.hi[j], 1) {
			rows = append(rows, row{cols: []int{use(j)}, rhs: cp.hi[j] - cp.lo[j], slack: 1})
		}
	}
	nstruct := n
	for _, r := range rows {
		if r.slack != 0 {
			n++
		}
	}
	cp.n = n
	slack := nstruct
	for _, r := range rows {
		ar := make([]float64, n)
		for _, c := range r.cols {
			ar[c] += 1
		}
		if r.slack != 0 {
			ar[slack] = r.slack
			slack++
		}
		cp.a = append(cp.a, ar)
		cp.b = append(cp.b, r.rhs)
	}
	cp.built = true
	return nil
}

// bounds returns the minimum and maximum of Σ x[loc] over the component,
// and the number of LPs solved.
func (cp *component) bounds(ctx context.Context, engine Engine, loc []int) (lo, hi float64, lps int, err error) {
	if !cp.built {
		if err := cp.build(); err != nil {
			return 0, 0, 0, err
		}
	}
	var cols []int
	for _, j := range loc {
		lo += cp.lo[j]
		if cp.col[j] < 0 {
			hi = math.Inf(1)
		} else {
			cols = append(cols, cp.col[j])
		}
	}
	base := lo
	if !math.IsInf(hi, 1) {
		hi = base
	}
	if len(cols) == 0 {
		return lo, hi, 0, nil
	}
	min, max, n, err := cp.solve(ctx, engine, cols, math.IsInf(hi, 1))
	if err != nil {
		return 0, 0, n, err
	}
	lo += min
	if !math.IsInf(hi, 1) {
		hi += max
	}
	return lo, hi, n, nil
}

// solve minimizes and (unless skipMax) maximizes Σ y[cols].
func (cp *component) solve(ctx context.Context, engine Engine, cols []int, skipMax bool) (min, max float64, lps int, err error) {
	switch engine {
	case Sparse:
		if cp.sp == nil {
			a := lp.NewSparse(len(cp.a), cp.n)
			for i, r := range cp.a {
				for j, v := range r {
					if v != 0 {
						a.Add(i, j, v)
					}
				}
			}
			if cp.sp, err = lp.NewSolverContext(ctx, a, cp.b, nil, nil); err != nil {
				return 0, 0, 0, err
			}
		}
		min, err = cp.sp.MinimizeSparse(ctx, cols, nil)
		lps++
		if err != nil {
			return 0, 0, lps, err
		}
		if skipMax {
			return min, math.Inf(1), lps, nil
		}
		max, err = cp.sp.MaximizeSparse(ctx, cols, nil)
		lps++
		if errors.Is(err, lp.ErrUnbounded) {
			return min, math.Inf(1), lps, nil
		}
		return min, max, lps, err
	default:
		if cp.dense == nil {
			if cp.dense, err = newDenseLP(cp.a, cp.b, cp.n); err != nil {
				return 0, 0, 0, err
			}
		}
		c := make([]float64, cp.n)
		for _, j := range cols {
			c[j] = 1
		}
		min, err = cp.dense.minimize(c)
		lps++
		if err != nil {
			return 0, 0, lps, err
		}
		if skipMax {
			return min, math.Inf(1), lps, nil
		}
		for _, j := range cols {
			c[j] = -1
		}
		v, err := cp.dense.minimize(c)
		lps++
		if errors.Is(err, glp.ErrUnbounded) {
			return min, math.Inf(1), lps, nil
		}
		return min, -v, lps, err
	}
}

// denseLP is a component's standard form for gonum's dense simplex, with
// linearly dependent equations removed (gonum wants full row rank) and the
// last optimal point, from which the next solve starts.
type denseLP struct {
	a    *mat.Dense
	b    []float64
	last []float64
}

func newDenseLP(rows [][]float64, b []float64, n int) (*denseLP, error) {
	// Keep a set of independent rows: Gaussian elimination with the
	// largest entry as pivot, on copies; a dependent row must reduce to a
	// zero right-hand side, or the system has no solution.
	var keep []int
	var basis [][]float64 // reduced rows, pivot entry 1, with rhs last
	var piv []int
	for i, r := range rows {
		v := append(append([]float64(nil), r...), b[i])
		for k, br := range basis {
			if f := v[piv[k]]; f != 0 {
				for j := range v {
					v[j] -= f * br[j]
				}
			}
		}
		p, best := -1, 1e-9
		for j := 0; j < n; j++ {
			if a := math.Abs(v[j]); a > best {
				p, best = j, a
			}
		}
		if p < 0 {
			if math.Abs(v[n]) > 1e-6 {
				return nil, glp.ErrInfeasible
			}
			continue
		}
		f := v[p]
		for j := range v {
			v[j] /= f
		}
		basis, piv, keep = append(basis, v), append(piv, p), append(keep, i)
	}
	m := len(keep)
	d := &denseLP{a: mat.NewDense(m, n, nil), b: make([]float64, m)}
	for k, i := range keep {
		d.a.SetRow(k, rows[i])
		d.b[k] = b[i]
	}
	// Phase 1: artificial columns e_i (rows flipped so that b ≥ 0) give a
	// feasible basis; minimizing their sum finds a feasible point.
	aug := mat.NewDense(m, n+m, nil)
	bb := make([]float64, m)
	for i := 0; i < m; i++ {
		s := 1.0
		if d.b[i] < 0 {
			s = -1
		}
		for j := 0; j < n; j++ {
			aug.Set(i, j, s*d.a.At(i, j))
		}
		aug.Set(i, n+i, 1)
		bb[i] = s * d.b[i]
	}
	c := make([]float64, n+m)
	basic := make([]int, m)
	for i := range basic {
		c[n+i] = 1
		basic[i] = n + i
	}
	f, x, err := simplex(c, aug, bb, basic)
	if err != nil {
		return nil, fmt.Errorf("phase 1: %w", err)
	}
	if f > 1e-7 {
		return nil, glp.ErrInfeasible
	}
	d.last = x[:n]
	return d, nil
}

// minimize solves min c·y from a basis of the last optimal point.
func (d *denseLP) minimize(c []float64) (float64, error) {
	f, x, err := simplex(c, d.a, d.b, basisAt(d.a, d.last))
	if err != nil {
		return f, err
	}
	d.last = x
	return f, nil
}

// simplex calls gonum's Simplex from the given basis and, if that basis
// is refused (gonum panics on a basis it finds infeasible or singular) or
// the solve fails numerically, once more with gonum's own phase 1.
func simplex(c []float64, a *mat.Dense, b []float64, basic []int) (f float64, x []float64, err error) {
	if basic != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("gonum: %v", r)
				}
			}()
			f, x, err = glp.Simplex(c, a, b, 1e-10, basic)
		}()
		if err == nil || errors.Is(err, glp.ErrUnbounded) || errors.Is(err, glp.ErrInfeasible) {
			return f, x, err
		}
	}
	return glp.Simplex(c, a, b, 1e-10, nil)
}

// basisAt returns a basis (m independent columns) holding every column
// positive at x, a vertex of {A y = b, y ≥ 0}, or nil when there is none.
func basisAt(a *mat.Dense, x []float64) []int {
	m, n := a.Dims()
	if x == nil {
		return nil
	}
	var basis []int
	var red [][]float64
	var piv []int
	col := make([]float64, m)
	try := func(j int) bool {
		mat.Col(col, j, a)
		v := append([]float64(nil), col...)
		for k, r := range red {
			if f := v[piv[k]]; f != 0 {
				for i := range v {
					v[i] -= f * r[i]
				}
			}
		}
		p, best := -1, 1e-7
		for i, w := range v {
			if math.Abs(w) > best {
				p, best = i, math.Abs(w)
			}
		}
		if p < 0 {
			return false
		}
		f := v[p]
		for i := range v {
			v[i] /= f
		}
		red, piv, basis = append(red, v), append(piv, p), append(basis, j)
		return true
	}
	for j := 0; j < n && len(basis) < m; j++ {
		if x[j] > 1e-9 && !try(j) {
			return nil // the support is not independent: not a vertex
		}
	}
	// Slack columns last in A, tried first: they are sparse.
	for j := n - 1; j >= 0 && len(basis) < m; j-- {
		if x[j] <= 1e-9 {
			try(j)
		}
	}
	if len(basis) < m {
		return nil
	}
	return basis
}
