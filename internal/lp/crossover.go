package lp

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// pointTol is how many times the feasibility tolerance a starting point
// may violate a row or bound by.
const pointTol = 1e4

// NewSolverAt is like NewSolverContext, but instead of searching for a
// feasible basis (phase 1) it starts from a feasible point x0 that the
// caller knows: A x0 = b and lo ≤ x0 ≤ hi. In the audit of a table, the
// true table is such a point.
//
// A crossover turns x0 into a basic feasible solution. Starting from the
// basis of logical variables, each variable strictly between its bounds
// is moved towards a bound (its lower bound if finite), the basic
// variables following so that A x = b holds throughout; it either reaches
// the bound and stays there, or is stopped by a basic variable reaching
// one of its own bounds, in which case the two swap places in the basis.
// Every step keeps x feasible, so there is no phase 1, and the number of
// basis changes is at most the number of variables strictly inside their
// bounds. Variables with larger values are moved first, which keeps the
// large values of x0 in the basis. If rounding leaves small violations at
// the end, phase 1 removes them from the basis found.
//
// NewSolverAt returns an error when x0 violates a bound or a row by more
// than pointTol times the feasibility tolerance, naming the first one
// found. Smaller violations, as left by an earlier solve, are removed by
// phase 1 after the crossover.
//
// basis, if not nil, is a basis to start from instead of the logical
// variables, such as the basis of an earlier, smaller problem solved from
// the same point (Solver.Basis), with the logicals of any new rows added:
// with a nonsingular basis the basic values are determined by the others,
// so x0 stays the point, and only the variables of x0 strictly between
// their bounds that are not basic need moving. Variables that would make
// the basis singular, and any beyond the number of rows, are left out.
func NewSolverAt(ctx context.Context, a *Sparse, b, lo, hi, x0 []float64, basis *Basis) (*Solver, error) {
	s, err := newSolver(a, b, lo, hi)
	if err != nil {
		return nil, err
	}
	if len(x0) != s.n {
		return nil, fmt.Errorf("lp: len(x0) = %d, want %d (the number of columns of a)", len(x0), s.n)
	}
	var inside []int32 // variables strictly between their bounds
	for j := 0; j < s.n; j++ {
		v := x0[j]
		l, h := s.lo[j], s.hi[j]
		if math.IsNaN(v) || v < l-pointTol*s.tolP || v > h+pointTol*s.tolP {
			return nil, fmt.Errorf("lp: x0[%d] = %v is outside its bounds [%v, %v]", j, v, l, h)
		}
		switch {
		case l == h:
			s.state[j], s.x[j] = fixed, l
		case v <= l+s.tolP:
			s.state[j], s.x[j] = atLower, l
		case v >= h-s.tolP:
			s.state[j], s.x[j] = atUpper, h
		case math.IsInf(l, -1) && math.IsInf(h, 1) && v == 0:
			s.state[j], s.x[j] = atZero, 0
		default:
			// Nonbasic off its bounds until the crossover moves it.
			s.state[j], s.x[j] = atLower, v
			inside = append(inside, int32(j))
		}
	}
	if err := s.slackBasis(); err != nil {
		return nil, err
	}
	if basis != nil {
		if err := s.startBasis(*basis); err != nil {
			return nil, err
		}
		kept := inside[:0]
		for _, j := range inside {
			if s.state[j] != basic {
				kept = append(kept, j)
			}
		}
		inside = kept
	}
	if worst, k := s.worstViolation(); worst > pointTol*s.tolP {
		return nil, fmt.Errorf("lp: x0 does not satisfy row %d: residual %.6g", int(s.head[k])-s.n, s.x[s.head[k]])
	}
	slices.SortStableFunc(inside, func(p, q int32) int {
		vp, vq := math.Abs(s.x[p]), math.Abs(s.x[q])
		switch {
		case vp > vq:
			return -1
		case vp < vq:
			return 1
		}
		return 0
	})
	for t, j := range inside {
		if t&63 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := s.push(int(j)); err != nil {
			return nil, err
		}
	}
	if err := s.refactor(); err != nil {
		return nil, err
	}
	s.computePrimal()
	if s.ninf > 0 {
		if err := s.run(ctx, true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// push moves nonbasic variable q, which lies strictly between its bounds,
// to a bound (the lower one when it is finite), or until a basic variable
// reaches one of its bounds and leaves the basis in its place.
func (s *Solver) push(q int) error {
	dir, bound := -1.0, s.lo[q]
	if math.IsInf(bound, -1) {
		dir, bound = 1, s.hi[q]
	}
	dist := math.Abs(s.x[q] - bound)
	if math.IsInf(bound, 0) {
		dist = math.Inf(1) // a free variable: it must enter the basis
	}

	s.ftranColumn(q)

	// Harris' two-pass ratio test over the basic variables: the largest
	// step allowed with tolerance, then the largest pivot within it.
	tolP := s.tolP
	thetaMax := math.Inf(1)
	for _, k := range s.aIdx {
		a := s.alpha[k]
		if math.Abs(a) <= pivTol {
			continue
		}
		j := s.head[k]
		g := dir * a // x_j decreases at rate g
		var room float64
		if g > 0 {
			room = s.x[j] - s.lo[j]
		} else {
			room = s.hi[j] - s.x[j]
		}
		if math.IsInf(room, 1) {
			continue
		}
		if t := math.Max(0, (room+tolP)/math.Abs(g)); t < thetaMax {
			thetaMax = t
		}
	}
	if dist <= thetaMax {
		s.movePrimal(q, dir, dist, -1)
		if dir < 0 {
			s.state[q], s.x[q] = atLower, s.lo[q]
		} else {
			s.state[q], s.x[q] = atUpper, s.hi[q]
		}
		return nil
	}
	if math.IsInf(thetaMax, 1) {
		return fmt.Errorf("%w: crossover found an unbounded direction for variable %d", ErrNumerical, q)
	}
	r, best, theta, toUpper := -1, 0.0, 0.0, false
	for _, k := range s.aIdx {
		a := s.alpha[k]
		if math.Abs(a) <= pivTol {
			continue
		}
		j := s.head[k]
		g := dir * a
		var room float64
		up := g < 0
		if up {
			room = s.hi[j] - s.x[j]
		} else {
			room = s.x[j] - s.lo[j]
		}
		if math.IsInf(room, 1) {
			continue
		}
		if t := math.Max(0, room/math.Abs(g)); t <= thetaMax && math.Abs(a) > best {
			r, best, theta, toUpper = int(k), math.Abs(a), t, up
		}
	}
	s.movePrimal(q, dir, theta, r)
	s.swap(r, q, toUpper)
	if s.etaFull() {
		if err := s.refactor(); err != nil {
			return err
		}
		s.computePrimal()
	}
	return nil
}

// Basis identifies a basis: the structural variables in it and the rows
// whose logical variables are in it.
type Basis struct {
	Vars []int
	Rows []int
}

// Basis returns the current basis.
func (s *Solver) Basis() Basis {
	var b Basis
	for _, j := range s.head {
		if int(j) < s.n {
			b.Vars = append(b.Vars, int(j))
		} else {
			b.Rows = append(b.Rows, int(j)-s.n)
		}
	}
	return b
}

// startBasis makes the basis the variables of bs, then the logicals of
// the rows of bs, then the logicals of the other rows, up to the number of
// rows, and refactorizes; the factorization puts logicals back in place of
// variables that make the basis singular.
func (s *Solver) startBasis(bs Basis) error {
	var head []int32
	for _, j := range bs.Vars {
		if j >= 0 && j < s.n && s.state[j] != basic {
			s.state[j] = basic
			head = append(head, int32(j))
		}
	}
	vars := head[:len(head):len(head)]
	inRows := make([]bool, s.m)
	for _, r := range bs.Rows {
		if r >= 0 && r < s.m && !inRows[r] {
			inRows[r] = true
			head = append(head, int32(s.n+r))
		}
	}
	for r := 0; r < s.m; r++ {
		if !inRows[r] {
			head = append(head, int32(s.n+r))
		}
	}
	for _, j := range head[s.m:] {
		if int(j) >= s.n {
			s.state[j], s.x[j] = fixed, 0
		} else {
			s.restState(int(j))
		}
	}
	copy(s.head, head[:s.m])
	saved := make(map[int]float64, len(vars))
	for _, j := range vars {
		if s.state[j] == basic {
			saved[int(j)] = s.x[j]
		}
	}
	if err := s.refactor(); err != nil {
		return err
	}
	// refactor moved the variables it took out of a singular basis to a
	// bound: put them back at their values, to be pushed.
	for j, v := range saved {
		if s.state[j] != basic {
			s.x[j] = v
			s.restState(j)
		}
	}
	s.computePrimal()
	return nil
}

// restState makes variable j nonbasic at its current value: at a bound
// if it is at one, and otherwise marked at its lower bound while off it,
// for the crossover to move.
func (s *Solver) restState(j int) {
	v, l, h := s.x[j], s.lo[j], s.hi[j]
	switch {
	case l == h:
		s.state[j] = fixed
	case v == h:
		s.state[j] = atUpper
	case math.IsInf(l, -1) && math.IsInf(h, 1) && v == 0:
		s.state[j] = atZero
	default:
		s.state[j] = atLower
	}
}
