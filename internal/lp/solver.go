package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Errors returned by Solver. They may be wrapped with details; test for
// them with errors.Is.
var (
	// ErrInfeasible is returned when no x satisfies A x = b, lo ≤ x ≤ hi.
	ErrInfeasible = errors.New("lp: problem is infeasible")
	// ErrUnbounded is returned when the objective is unbounded below
	// (for Minimize) or above (for Maximize) on the feasible region.
	ErrUnbounded = errors.New("lp: problem is unbounded")
	// ErrIterationLimit is returned when the simplex method does not
	// terminate within its iteration limit.
	ErrIterationLimit = errors.New("lp: iteration limit reached")
	// ErrNumerical is returned when the solver cannot recover from
	// numerical difficulties such as a loss of primal feasibility that
	// phase 1 cannot repair.
	ErrNumerical = errors.New("lp: numerical difficulties")
)

// errLostFeasibility signals that a recomputation of the basic solution
// during phase 2 found bound violations, so phase 1 must be rerun.
var errLostFeasibility = errors.New("lp: lost primal feasibility")

// Algorithm parameters.
const (
	// refactorEvery is the number of basis updates after which the basis
	// is refactorized.
	refactorEvery = 100
	// pivTol is the smallest magnitude of a pivot element in the ratio
	// test.
	pivTol = 1e-9
	// consistTol is the relative tolerance on the agreement between the
	// pivot element computed by FTRAN and by the pivot row.
	consistTol = 1e-8
	// devexMax is the largest Devex weight before the reference
	// framework is reset.
	devexMax = 1e6
)

// defaultDegenLimit is the number of consecutive degenerate iterations
// after which the solver switches to Bland's rule until progress is made
// (Solver.degenLimit; the tests lower it).
const defaultDegenLimit = 50

// varState is the status of a variable with respect to the basis.
type varState int8

const (
	basic   varState = iota
	atLower          // nonbasic at its (finite) lower bound
	atUpper          // nonbasic at its (finite) upper bound
	atZero           // free nonbasic variable at zero
	fixed            // nonbasic variable with lo == hi
)

// Stats reports the work done by a Solver since it was created. A clone
// starts with the counters of the Solver it copies.
type Stats struct {
	// Iterations is the total number of simplex iterations (basis
	// changes and bound flips), phase 1 included.
	Iterations int
	// Phase1Iterations is the number of iterations spent restoring or
	// finding primal feasibility.
	Phase1Iterations int
	// Refactorizations is the number of sparse LU factorizations of the
	// basis.
	Refactorizations int
	// Solves is the number of objectives solved.
	Solves int
	// Degenerate is the number of iterations that did not change the
	// objective, and Bland the number of iterations made with Bland's
	// anti-cycling rule.
	Degenerate, Bland int
	// FactorNonzeros is the number of nonzeros of the last LU
	// factorization of the basis, and Rows the number of its rows, for
	// comparison.
	FactorNonzeros, Rows int
}

// Solver solves a sequence of linear programs that share their feasible
// region,
//
//	minimize c·x subject to A x = b, lo ≤ x ≤ hi,
//
// with a sparse bounded primal simplex method. A feasible basis is computed
// once, by NewSolver; each objective is then optimized starting from the
// optimal basis of the previous one, which remains primal feasible.
//
// Redundant (linearly dependent) equality rows are allowed. Variables may
// have infinite bounds, including free variables.
//
// A Solver is not safe for concurrent use; Clone it to solve objectives in
// parallel.
type Solver struct {
	m, n int

	// A by column and by row.
	colPtr []int
	colIdx []int32
	colVal []float64
	rowPtr []int
	rowIdx []int32
	rowVal []float64
	b      []float64

	// Bounds, values and states of the n structural variables followed by
	// the m logical variables; logical i has column e_i and is fixed at 0.
	lo, hi []float64
	x      []float64
	state  []varState
	// head[k] is the variable at basis position k.
	head []int32

	cost    []float64 // objective of the structural variables
	sign    float64   // 1 when minimizing the objective as given, -1 when maximizing
	costIdx []int32   // distinct indices of its nonzeros (and maybe zeros)
	d       []float64 // reduced costs of the structural variables
	// Devex reference weights of the structural variables.
	devex []float64

	// Phase 1: infeas[k] is -1, 0 or +1 when the basic variable at
	// position k is below, within or above its bounds; ninf counts the
	// nonzero entries.
	phase1 bool
	infeas []int8
	ninf   int

	lu factor

	tolP    float64 // primal feasibility tolerance
	tolPMax float64 // largest value tolP may be relaxed to
	tolD    float64 // dual feasibility tolerance in use
	tolObj  float64 // dual feasibility tolerance of the objective

	degen      int
	degenLimit int
	bland      bool

	// goal, when not NaN, stops phase 2 as soon as the objective as the
	// caller gave it reaches it (see SetGoal).
	goal float64

	// Work space. wRows and wPos are kept zeroed between uses.
	wRows, wPos []float64
	alpha       []float64 // FTRAN of the entering column, by position
	aIdx        []int32   // positions of the nonzeros of alpha
	rho         []float64 // row of B⁻¹, by row
	y           []float64 // simplex multipliers, by row
	prow        []float64 // pivot row, by structural variable
	inRow       []bool
	touched     []int32
	nnzNonbasic int // nonzeros of A in nonbasic structural columns
	candK       []int32
	candT       []float64
	candU       []bool
	unitIdx     []int32
	ones        []float64

	stats Stats
}

// NewSolver returns a Solver for the constraints A x = b, lo ≤ x ≤ hi, after
// finding a feasible basis (phase 1). A nil lo means all lower bounds are
// zero and a nil hi means all upper bounds are +Inf. Bounds may be
// infinite: lo[j] may be -Inf and hi[j] may be +Inf.
//
// NewSolver returns an error wrapping ErrInfeasible when the constraints
// have no solution, and a descriptive error when the dimensions or values
// of the arguments are invalid. The arguments are copied.
func NewSolver(a *Sparse, b, lo, hi []float64) (*Solver, error) {
	return NewSolverContext(context.Background(), a, b, lo, hi)
}

// NewSolverContext is like NewSolver but stops phase 1 and returns
// ctx.Err() when ctx is done.
func NewSolverContext(ctx context.Context, a *Sparse, b, lo, hi []float64) (*Solver, error) {
	s, err := newSolver(a, b, lo, hi)
	if err != nil {
		return nil, err
	}
	// Slack basis: all logicals basic, structurals at a bound.
	for j := 0; j < s.n; j++ {
		s.x[j] = 0
		s.makeNonbasic(j)
	}
	if err := s.slackBasis(); err != nil {
		return nil, err
	}
	if s.ninf > 0 {
		if err := s.run(ctx, true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// slackBasis makes every logical variable basic, factorizes and computes
// the basic solution.
func (s *Solver) slackBasis() error {
	for i := 0; i < s.m; i++ {
		s.head[i] = int32(s.n + i)
		s.state[s.n+i] = basic
	}
	if err := s.refactor(); err != nil {
		return err
	}
	s.computePrimal()
	return nil
}

// newSolver checks the arguments and sets up a Solver without a basis.
func newSolver(a *Sparse, b, lo, hi []float64) (*Solver, error) {
	if a == nil {
		return nil, errors.New("lp: nil constraint matrix")
	}
	m, n := a.Dims()
	if len(b) != m {
		return nil, fmt.Errorf("lp: len(b) = %d, want %d (the number of rows of a)", len(b), m)
	}
	if lo != nil && len(lo) != n {
		return nil, fmt.Errorf("lp: len(lo) = %d, want %d (the number of columns of a)", len(lo), n)
	}
	if hi != nil && len(hi) != n {
		return nil, fmt.Errorf("lp: len(hi) = %d, want %d (the number of columns of a)", len(hi), n)
	}
	scale := 1.0
	for i, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("lp: b[%d] = %v is not finite", i, v)
		}
		scale = math.Max(scale, math.Abs(v))
	}
	s := &Solver{m: m, n: n, goal: math.NaN(), degenLimit: defaultDegenLimit}
	s.lo = make([]float64, n+m)
	s.hi = make([]float64, n+m)
	for j := 0; j < n; j++ {
		l, h := 0.0, math.Inf(1)
		if lo != nil {
			l = lo[j]
		}
		if hi != nil {
			h = hi[j]
		}
		switch {
		case math.IsNaN(l) || math.IsInf(l, 1):
			return nil, fmt.Errorf("lp: lo[%d] = %v is not a valid lower bound", j, l)
		case math.IsNaN(h) || math.IsInf(h, -1):
			return nil, fmt.Errorf("lp: hi[%d] = %v is not a valid upper bound", j, h)
		case l > h:
			return nil, fmt.Errorf("lp: lo[%d] = %v exceeds hi[%d] = %v", j, l, j, h)
		}
		s.lo[j], s.hi[j] = l, h
		if !math.IsInf(l, 0) {
			scale = math.Max(scale, math.Abs(l))
		}
		if !math.IsInf(h, 0) {
			scale = math.Max(scale, math.Abs(h))
		}
	}

	a.compress()
	for j := 0; j < n; j++ {
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			if v := a.val[k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("lp: a(%d, %d) = %v is not finite", a.rowIdx[k], j, v)
			}
		}
	}
	s.colPtr = append([]int(nil), a.colPtr...)
	s.colIdx = append([]int32(nil), a.rowIdx...)
	s.colVal = append([]float64(nil), a.val...)
	s.buildRows()
	s.b = append([]float64(nil), b...)

	// Feasibility tolerance relative to the data with an absolute floor;
	// phase 1 may relax it by up to 100 times when it ends with tiny
	// violations only.
	s.tolP = math.Max(1e-9, 1e-13*scale)
	s.tolPMax = 100 * s.tolP
	s.tolObj = 1e-9

	s.x = make([]float64, n+m)
	s.state = make([]varState, n+m)
	s.head = make([]int32, m)
	s.cost = make([]float64, n)
	s.d = make([]float64, n)
	s.devex = make([]float64, n)
	s.infeas = make([]int8, m)
	s.wRows = make([]float64, m)
	s.wPos = make([]float64, m)
	s.alpha = make([]float64, m)
	s.rho = make([]float64, m)
	s.y = make([]float64, m)
	s.prow = make([]float64, n)
	s.inRow = make([]bool, n)
	s.unitIdx = make([]int32, m)
	s.ones = make([]float64, m)
	for i := range s.unitIdx {
		s.unitIdx[i] = int32(i)
		s.ones[i] = 1
	}

	return s, nil
}

// buildRows builds the row-wise copy of A.
func (s *Solver) buildRows() {
	s.rowPtr = make([]int, s.m+1)
	for _, i := range s.colIdx {
		s.rowPtr[i+1]++
	}
	for i := 0; i < s.m; i++ {
		s.rowPtr[i+1] += s.rowPtr[i]
	}
	nnz := len(s.colIdx)
	s.rowIdx = make([]int32, nnz)
	s.rowVal = make([]float64, nnz)
	next := append([]int(nil), s.rowPtr[:s.m]...)
	for j := 0; j < s.n; j++ {
		for k := s.colPtr[j]; k < s.colPtr[j+1]; k++ {
			i := s.colIdx[k]
			s.rowIdx[next[i]] = int32(j)
			s.rowVal[next[i]] = s.colVal[k]
			next[i]++
		}
	}
}

// Clone returns an independent copy of s in its current state. The copy
// shares only immutable data with s, so s and its clones may be used
// concurrently, one per goroutine: the objectives of an audit can be split
// among clones of a Solver whose phase 1 is done.
func (s *Solver) Clone() *Solver {
	c := *s
	c.x = slices.Clone(s.x)
	c.state = slices.Clone(s.state)
	c.head = slices.Clone(s.head)
	c.cost = slices.Clone(s.cost)
	c.costIdx = slices.Clone(s.costIdx)
	c.d = slices.Clone(s.d)
	c.devex = slices.Clone(s.devex)
	c.infeas = slices.Clone(s.infeas)
	c.wRows = make([]float64, s.m)
	c.wPos = make([]float64, s.m)
	c.alpha = make([]float64, s.m)
	c.rho = make([]float64, s.m)
	c.y = make([]float64, s.m)
	c.prow = make([]float64, s.n)
	c.inRow = make([]bool, s.n)
	c.aIdx, c.touched, c.candK, c.candT, c.candU = nil, nil, nil, nil, nil
	c.lu = s.lu.clone()
	return &c
}

// Duals writes the simplex multipliers of the optimal basis of the last
// objective solved into y (one per row) and returns y, allocated
// when y is too short. They are the multipliers of the objective as posed: the
// reduced cost of variable j is c_j − yᵀA_j, which at the optimum is ≥ 0
// (minimizing) or ≤ 0 (maximizing) for a variable at its lower bound,
// the reverse at its upper bound, and 0 for a basic variable. With the
// optimal value they certify the optimum. The result is meaningless if
// the last solve returned an error.
func (s *Solver) Duals(y []float64) []float64 {
	if len(y) < s.m {
		y = make([]float64, s.m)
	}
	y = y[:s.m]
	for i, v := range s.y {
		y[i] = s.sign * v
	}
	return y
}

// Dims returns the number of equality rows and of variables.
func (s *Solver) Dims() (rows, cols int) { return s.m, s.n }

// Stats returns counters of the work done so far.
func (s *Solver) Stats() Stats {
	st := s.stats
	st.FactorNonzeros, st.Rows = s.lu.luNNZ(), s.m
	return st
}

// X returns a copy of the current solution: the optimal solution of the
// last successful Minimize or Maximize call, or a feasible point (a vertex)
// when no objective has been solved yet. After ErrUnbounded or a
// cancellation X is a feasible point, except in the rare case of a
// cancellation while phase 1 was restoring feasibility lost to rounding.
//
// Every X is a solution of the constraints, so it gives the caller bounds
// for free: in an audit, a variable seen at its lower bound in any X needs
// no minimization.
func (s *Solver) X() []float64 {
	return append([]float64(nil), s.x[:s.n]...)
}

// Minimize minimizes c·x over the feasible region and returns the optimal
// value; the optimal solution is then available from X. len(c) must be the
// number of variables.
//
// If the objective is unbounded below, Minimize returns -Inf and
// ErrUnbounded. If ctx is done before the optimum is reached, it returns
// NaN and ctx.Err(); the Solver remains usable.
func (s *Solver) Minimize(ctx context.Context, c []float64) (float64, error) {
	return s.minimizeDense(ctx, c, 1)
}

// Maximize maximizes c·x over the feasible region. It is Minimize with the
// objective negated; an unbounded objective gives +Inf and ErrUnbounded.
func (s *Solver) Maximize(ctx context.Context, c []float64) (float64, error) {
	v, err := s.minimizeDense(ctx, c, -1)
	return -v, err
}

// MinimizeSparse minimizes Σ coef[t]·x[idx[t]] over the feasible region and
// returns the optimal value. Repeated indices are summed. A nil coef means
// all coefficients are 1, so MinimizeSparse(ctx, idx, nil) minimizes the
// sum of the variables in idx.
//
// Errors are as for Minimize.
func (s *Solver) MinimizeSparse(ctx context.Context, idx []int, coef []float64) (float64, error) {
	return s.minimizeSparse(ctx, idx, coef, 1)
}

// MaximizeSparse maximizes Σ coef[t]·x[idx[t]] over the feasible region.
// It is MinimizeSparse with the objective negated; an unbounded objective
// gives +Inf and ErrUnbounded.
func (s *Solver) MaximizeSparse(ctx context.Context, idx []int, coef []float64) (float64, error) {
	v, err := s.minimizeSparse(ctx, idx, coef, -1)
	return -v, err
}

func (s *Solver) minimizeDense(ctx context.Context, c []float64, sign float64) (float64, error) {
	s.sign = sign
	if len(c) != s.n {
		return math.NaN(), fmt.Errorf("lp: len(c) = %d, want %d (the number of variables)", len(c), s.n)
	}
	for j, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN(), fmt.Errorf("lp: c[%d] = %v is not finite", j, v)
		}
	}
	s.costIdx = s.costIdx[:0]
	for j, v := range c {
		s.cost[j] = sign * v
		if v != 0 {
			s.costIdx = append(s.costIdx, int32(j))
		}
	}
	return s.solveObjective(ctx)
}

func (s *Solver) minimizeSparse(ctx context.Context, idx []int, coef []float64, sign float64) (float64, error) {
	s.sign = sign
	if coef != nil && len(coef) != len(idx) {
		return math.NaN(), fmt.Errorf("lp: len(coef) = %d, want len(idx) = %d", len(coef), len(idx))
	}
	for t, j := range idx {
		if j < 0 || j >= s.n {
			return math.NaN(), fmt.Errorf("lp: idx[%d] = %d out of range [0, %d)", t, j, s.n)
		}
		if coef != nil {
			if v := coef[t]; math.IsNaN(v) || math.IsInf(v, 0) {
				return math.NaN(), fmt.Errorf("lp: coef[%d] = %v is not finite", t, v)
			}
		}
	}
	for _, j := range s.costIdx {
		s.cost[j] = 0
	}
	s.costIdx = s.costIdx[:0]
	for t, j := range idx {
		v := 1.0
		if coef != nil {
			v = coef[t]
		}
		s.costIdx = append(s.costIdx, int32(j))
		s.cost[j] += sign * v
	}
	if len(s.costIdx) > 1 {
		slices.Sort(s.costIdx)
		s.costIdx = slices.Compact(s.costIdx)
	}
	return s.solveObjective(ctx)
}

// solveObjective runs phase 2 on s.cost from the current basis.
func (s *Solver) solveObjective(ctx context.Context) (float64, error) {
	s.stats.Solves++
	cmax := 1.0
	for _, j := range s.costIdx {
		if a := math.Abs(s.cost[j]); a > cmax {
			cmax = a
		}
	}
	s.tolObj = 1e-9 * cmax
	err := s.optimize(ctx)
	switch {
	case errors.Is(err, ErrUnbounded):
		return math.Inf(-1), err
	case err != nil:
		return math.NaN(), err
	}
	var v float64
	for _, j := range s.costIdx {
		v += s.cost[j] * s.x[j]
	}
	return v, nil
}

// optimize runs phase 2 on the current objective, rerunning phase 1 when
// primal feasibility was lost to rounding.
func (s *Solver) optimize(ctx context.Context) error {
	for attempt := 0; attempt < 5; attempt++ {
		if s.ninf > 0 {
			err := s.run(ctx, true)
			if errors.Is(err, ErrInfeasible) {
				return fmt.Errorf("%w: lost primal feasibility and could not restore it (%v)", ErrNumerical, err)
			}
			if err != nil {
				return err
			}
		}
		err := s.run(ctx, false)
		if err != errLostFeasibility {
			return err
		}
	}
	return fmt.Errorf("%w: primal feasibility repeatedly lost", ErrNumerical)
}

// makeNonbasic makes variable j nonbasic at the bound nearest to its
// current value.
func (s *Solver) makeNonbasic(j int) {
	l, h, v := s.lo[j], s.hi[j], s.x[j]
	li, hi := math.IsInf(l, 0), math.IsInf(h, 0)
	switch {
	case l == h:
		s.state[j], s.x[j] = fixed, l
	case !li && (hi || v-l <= h-v):
		s.state[j], s.x[j] = atLower, l
	case !hi:
		s.state[j], s.x[j] = atUpper, h
	default:
		s.state[j], s.x[j] = atZero, 0
	}
}

// column returns the column of variable j.
func (s *Solver) column(j int) ([]int32, []float64) {
	if j < s.n {
		a, b := s.colPtr[j], s.colPtr[j+1]
		return s.colIdx[a:b], s.colVal[a:b]
	}
	i := j - s.n
	return s.unitIdx[i : i+1], s.ones[i : i+1]
}

// refactor computes a fresh LU factorization of the basis. Basis columns
// that make it singular are replaced by logical variables.
func (s *Solver) refactor() error {
	col := func(k int) ([]int32, []float64) { return s.column(int(s.head[k])) }
	for try := 0; ; try++ {
		s.stats.Refactorizations++
		singPos, singRow := s.lu.factorize(s.m, col)
		if len(singPos) == 0 {
			s.nnzNonbasic = 0
			for j := 0; j < s.n; j++ {
				if s.state[j] != basic {
					s.nnzNonbasic += s.colPtr[j+1] - s.colPtr[j]
				}
			}
			return nil
		}
		if try == 3 {
			return fmt.Errorf("%w: basis repair failed", ErrNumerical)
		}
		for t, k := range singPos {
			j := int(s.head[k])
			s.makeNonbasic(j)
			l := s.n + int(singRow[t])
			s.head[k] = int32(l)
			s.state[l] = basic
		}
	}
}

// status returns the phase 1 cost of a basic value xj.
func (s *Solver) status(j int, xj float64) int8 {
	switch {
	case xj < s.lo[j]-s.tolP:
		return -1
	case xj > s.hi[j]+s.tolP:
		return 1
	}
	return 0
}

// computePrimal recomputes the basic variables from the nonbasic ones and
// the infeasibility statuses.
func (s *Solver) computePrimal() {
	rhs := s.wRows
	copy(rhs, s.b)
	for j := 0; j < s.n; j++ {
		if s.state[j] == basic {
			continue
		}
		xj := s.x[j]
		if xj == 0 {
			continue
		}
		for e := s.colPtr[j]; e < s.colPtr[j+1]; e++ {
			rhs[s.colIdx[e]] -= s.colVal[e] * xj
		}
	}
	s.lu.ftran(rhs, s.alpha)
	s.ninf = 0
	for k, j := range s.head {
		v := s.alpha[k]
		s.x[j] = v
		st := s.status(int(j), v)
		s.infeas[k] = st
		if st != 0 {
			s.ninf++
		}
	}
}

// computeDuals recomputes the simplex multipliers and the reduced costs of
// the nonbasic structural variables for the current phase.
func (s *Solver) computeDuals() {
	cb := s.wPos
	for k, j := range s.head {
		switch {
		case s.phase1:
			cb[k] = float64(s.infeas[k])
		case int(j) < s.n:
			cb[k] = s.cost[j]
		}
	}
	s.lu.btran(cb, s.y)
	for j := 0; j < s.n; j++ {
		if s.state[j] == basic {
			s.d[j] = 0
			continue
		}
		var dj float64
		if !s.phase1 {
			dj = s.cost[j]
		}
		for e := s.colPtr[j]; e < s.colPtr[j+1]; e++ {
			dj -= s.y[s.colIdx[e]] * s.colVal[e]
		}
		s.d[j] = dj
	}
}

// recompute refreshes the primal and dual values, refactorizing first when
// the eta file is not empty and force is set.
func (s *Solver) recompute(force bool) error {
	if force && s.lu.numEtas() > 0 {
		if err := s.refactor(); err != nil {
			return err
		}
	}
	s.computePrimal()
	s.computeDuals()
	return nil
}

// iterLimit is the maximum number of iterations of one run.
func (s *Solver) iterLimit() int { return 100*(s.m+s.n) + 10000 }

// run iterates the simplex method on the phase 1 objective (the sum of
// the bound violations of the basic variables) or on s.cost.
func (s *Solver) run(ctx context.Context, phase1 bool) error {
	s.phase1 = phase1
	s.tolD = s.tolObj
	if phase1 {
		s.tolD = 1e-9
	}
	s.degen = 0
	s.bland = false
	s.resetDevex()
	s.computeDuals()
	fresh := true
	limit := s.iterLimit()
	for it := 0; ; it++ {
		if it&15 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if it >= limit {
			return fmt.Errorf("%w: %d iterations", ErrIterationLimit, it)
		}
		if phase1 && s.ninf == 0 {
			return nil
		}
		if !phase1 && s.ninf > 0 {
			return errLostFeasibility
		}
		if !phase1 && !math.IsNaN(s.goal) && s.reached() {
			return nil
		}
		q, dir := s.price()
		if q < 0 {
			if fresh && !(phase1 && s.lu.numEtas() > 0) {
				if !phase1 {
					return nil
				}
				if worst, _ := s.worstViolation(); worst <= s.tolPMax && s.tolP < s.tolPMax {
					// Only tiny violations are left: attribute them to
					// rounding and relax the feasibility tolerance.
					s.tolP = math.Min(10*s.tolP, s.tolPMax)
					s.computePrimal()
					s.computeDuals()
					continue
				}
				return s.infeasibleError()
			}
			// Confirm optimality with recomputed values, and with a fresh
			// factorization before declaring infeasibility.
			if err := s.recompute(phase1); err != nil {
				return err
			}
			fresh = true
			continue
		}
		fresh = false
		s.stats.Iterations++
		if phase1 {
			s.stats.Phase1Iterations++
		}
		if err := s.iterate(q, dir); err != nil {
			return err
		}
	}
}

// SetGoal makes the solves that follow stop at the first feasible point
// whose objective reaches goal (at least goal when maximizing, at most
// goal when minimizing) instead of going on to the optimum: the value
// they return is then that point's objective, which reaches goal, and X
// is that point. A NaN goal, the default, solves to the optimum.
func (s *Solver) SetGoal(goal float64) { s.goal = goal }

// reached reports whether the objective at the current point reaches the
// goal. s.cost is the objective times s.sign, minimized.
func (s *Solver) reached() bool {
	var v float64
	for _, j := range s.costIdx {
		v += s.cost[j] * s.x[j]
	}
	return v <= s.sign*s.goal+s.tolObj
}

// worstViolation returns the largest bound violation of a basic variable
// and its basis position (-1 when there is none).
func (s *Solver) worstViolation() (worst float64, pos int) {
	pos = -1
	for k, j := range s.head {
		l, h, v := s.lo[j], s.hi[j], s.x[j]
		if viol := math.Max(l-v, v-h); viol > worst {
			worst, pos = viol, k
		}
	}
	return worst, pos
}

// infeasibleError describes the largest bound violation at the end of
// phase 1.
func (s *Solver) infeasibleError() error {
	worst, wk := s.worstViolation()
	if wk < 0 {
		return ErrInfeasible
	}
	j := int(s.head[wk])
	if j >= s.n {
		return fmt.Errorf("%w: equality row %d cannot be satisfied (residual %.6g at the phase 1 optimum)", ErrInfeasible, j-s.n, s.x[j])
	}
	return fmt.Errorf("%w: variable %d cannot be brought within its bounds (violation %.6g at the phase 1 optimum)", ErrInfeasible, j, worst)
}

// price chooses the entering variable and the direction of its move, or
// returns q = -1 when no reduced cost is attractive. It uses Devex pricing,
// or Bland's smallest-index rule while stalling.
func (s *Solver) price() (q int, dir float64) {
	q = -1
	best := 0.0
	tol := s.tolD
	for j, dj := range s.d {
		var score, dr float64
		switch s.state[j] {
		case atLower:
			if dj >= -tol {
				continue
			}
			score, dr = -dj, 1
		case atUpper:
			if dj <= tol {
				continue
			}
			score, dr = dj, -1
		case atZero:
			if math.Abs(dj) <= tol {
				continue
			}
			score, dr = math.Abs(dj), -math.Copysign(1, dj)
		default:
			continue
		}
		if s.bland {
			return j, dr
		}
		// Devex: the largest d_j²/w_j. The weights are kept below
		// devexMax, so a score is never zero for an eligible j.
		if score *= score / s.devex[j]; score > best || q < 0 {
			best, q, dir = score, j, dr
		}
	}
	return q, dir
}

// resetDevex resets the Devex reference framework to the current nonbasic
// variables.
func (s *Solver) resetDevex() {
	for j := range s.devex {
		s.devex[j] = 1
	}
}

// ratioTest chooses the leaving basis position r for entering variable q
// moving in direction dir, using Harris' two-pass test (or the textbook
// test with smallest-index ties under Bland's rule). It reports a bound
// flip of q when q reaches its other bound first, and unbounded when
// nothing limits the step.
func (s *Solver) ratioTest(q int, dir float64) (r int, theta float64, toUpper, flip, unbounded bool) {
	tolP := s.tolP
	candK, candT, candU := s.candK[:0], s.candT[:0], s.candU[:0]
	thetaMax := math.Inf(1)
	for _, k := range s.aIdx {
		a := s.alpha[k]
		if math.Abs(a) <= pivTol {
			continue
		}
		j := int(s.head[k])
		g := dir * a // x_j decreases at rate g
		xj := s.x[j]
		var bound float64
		var up bool
		if g > 0 {
			switch {
			case s.phase1 && s.infeas[k] > 0:
				bound, up = s.hi[j], true
			case s.phase1 && s.infeas[k] < 0:
				continue
			default:
				bound = s.lo[j]
			}
			if math.IsInf(bound, 0) {
				continue
			}
		} else {
			switch {
			case s.phase1 && s.infeas[k] < 0:
				bound = s.lo[j]
			case s.phase1 && s.infeas[k] > 0:
				continue
			default:
				bound, up = s.hi[j], true
			}
			if math.IsInf(bound, 0) {
				continue
			}
		}
		dist := math.Abs(xj - bound)
		if (g > 0) != (xj > bound) {
			dist = -dist
		}
		t := dist / math.Abs(g)
		rel := (dist + tolP) / math.Abs(g)
		if rel < 0 {
			rel = 0
		}
		if rel < thetaMax {
			thetaMax = rel
		}
		candK = append(candK, int32(k))
		candT = append(candT, t)
		candU = append(candU, up)
	}
	s.candK, s.candT, s.candU = candK, candT, candU

	rng := s.hi[q] - s.lo[q]
	r = -1
	if s.bland {
		minT := math.Inf(1)
		for _, t := range candT {
			minT = math.Min(minT, math.Max(t, 0))
		}
		if rng <= minT && !math.IsInf(rng, 1) {
			return -1, rng, false, true, false
		}
		if len(candK) == 0 {
			return -1, 0, false, false, true
		}
		bestJ := int32(math.MaxInt32)
		for c, k := range candK {
			if math.Max(candT[c], 0) <= minT+1e-12*(1+minT) && s.head[k] < bestJ {
				bestJ, r, toUpper = s.head[k], int(k), candU[c]
			}
		}
		return r, minT, toUpper, false, false
	}
	if rng <= thetaMax && !math.IsInf(rng, 1) {
		return -1, rng, false, true, false
	}
	if len(candK) == 0 {
		return -1, 0, false, false, true
	}
	var best float64
	for c, k := range candK {
		if candT[c] <= thetaMax {
			if a := math.Abs(s.alpha[k]); a > best {
				best, r, theta, toUpper = a, int(k), candT[c], candU[c]
			}
		}
	}
	return r, math.Max(theta, 0), toUpper, false, false
}

// ftranColumn computes B⁻¹ times the column of structural variable q into
// s.alpha, with the positions of its nonzeros in s.aIdx.
func (s *Solver) ftranColumn(q int) {
	for e := s.colPtr[q]; e < s.colPtr[q+1]; e++ {
		s.wRows[s.colIdx[e]] = s.colVal[e]
	}
	s.lu.ftran(s.wRows, s.alpha)
	s.aIdx = s.aIdx[:0]
	for k, v := range s.alpha {
		if v != 0 {
			s.aIdx = append(s.aIdx, int32(k))
		}
	}
}

// iterate performs one simplex iteration with entering variable q.
func (s *Solver) iterate(q int, dir float64) error {
	s.ftranColumn(q)

	r, theta, toUpper, flip, unbounded := s.ratioTest(q, dir)
	if unbounded {
		if s.phase1 {
			// The phase 1 objective is bounded below: this is rounding.
			if s.lu.numEtas() == 0 {
				return fmt.Errorf("%w: unbounded phase 1 ray", ErrNumerical)
			}
			return s.recompute(true)
		}
		return ErrUnbounded
	}
	if s.bland {
		s.stats.Bland++
	}
	if math.Abs(theta*s.d[q]) <= 1e-11 {
		s.stats.Degenerate++
		s.degen++
		if s.degen > s.degenLimit {
			s.bland = true
		}
	} else {
		s.degen = 0
		s.bland = false
	}

	if flip {
		s.movePrimal(q, dir, theta, -1)
		if s.state[q] == atLower {
			s.state[q], s.x[q] = atUpper, s.hi[q]
		} else {
			s.state[q], s.x[q] = atLower, s.lo[q]
		}
		if s.phase1 && s.refreshStatuses(-1) {
			s.computeDuals()
		}
		return nil
	}

	touched := s.pivotRow(r)
	apr := s.alpha[r]

	if math.Abs(s.prow[q]-apr) > consistTol*(1+math.Abs(apr)) && s.lu.numEtas() > 0 {
		// FTRAN and BTRAN disagree: refactorize and retry.
		for _, j := range touched {
			s.prow[j], s.inRow[j] = 0, false
		}
		return s.recompute(true)
	}

	s.movePrimal(q, dir, theta, r)

	// Dual update.
	thetaD := s.d[q] / apr
	wq := s.devex[q]
	wr := wq / (apr * apr)
	wmax := 0.0
	for _, j := range touched {
		if int(j) != q {
			a := s.prow[j]
			s.d[j] -= thetaD * a
			if w := a * a * wr; w > s.devex[j] {
				s.devex[j] = w
				if w > wmax {
					wmax = w
				}
			}
		}
		s.prow[j], s.inRow[j] = 0, false
	}
	s.d[q] = 0
	if wmax > devexMax || wr > devexMax || math.IsNaN(wmax) {
		// The reference framework is too old: start a new one.
		s.resetDevex()
		wr = 1
	}

	// Basis change.
	leave := int(s.head[r])
	if leave < s.n {
		dl := -thetaD
		if s.phase1 {
			dl -= float64(s.infeas[r])
		}
		s.d[leave] = dl
		s.devex[leave] = math.Max(wr, 1)
	}
	s.swap(r, q, toUpper)
	if s.phase1 {
		if s.infeas[r] != 0 {
			s.ninf--
		}
		s.infeas[r] = 0
		if s.refreshStatuses(r) {
			s.computeDuals()
		}
	}

	if s.etaFull() {
		return s.recompute(true)
	}
	return nil
}

// swap replaces basic position r, whose variable leaves at its lower (or,
// with toUpper, upper) bound, by variable q, whose FTRAN is in s.alpha.
func (s *Solver) swap(r, q int, toUpper bool) {
	leave := int(s.head[r])
	switch {
	case s.lo[leave] == s.hi[leave]:
		s.state[leave], s.x[leave] = fixed, s.lo[leave]
	case toUpper:
		s.state[leave], s.x[leave] = atUpper, s.hi[leave]
	default:
		s.state[leave], s.x[leave] = atLower, s.lo[leave]
	}
	s.head[r] = int32(q)
	s.state[q] = basic
	s.nnzNonbasic -= s.colPtr[q+1] - s.colPtr[q]
	if leave < s.n {
		s.nnzNonbasic += s.colPtr[leave+1] - s.colPtr[leave]
	}
	s.lu.update(r, s.alpha, s.aIdx)
}

// etaFull reports whether the eta file is due for a refactorization.
func (s *Solver) etaFull() bool {
	return s.lu.numEtas() >= refactorEvery || s.lu.etaNNZ() > 2*s.lu.luNNZ()+s.m
}

// pivotRow computes row r of B⁻¹A restricted to the nonbasic structural
// variables into s.prow and returns the variables it touched, which are
// marked in s.inRow. It works by rows of A or by columns, whichever is
// cheaper for the density of row r of B⁻¹.
func (s *Solver) pivotRow(r int) []int32 {
	s.wPos[r] = 1
	s.lu.btran(s.wPos, s.rho)
	rowWork := 0
	for i, ri := range s.rho {
		if ri != 0 {
			rowWork += s.rowPtr[i+1] - s.rowPtr[i]
		}
	}
	touched := s.touched[:0]
	if rowWork <= s.nnzNonbasic {
		for i, ri := range s.rho {
			if ri == 0 {
				continue
			}
			for e := s.rowPtr[i]; e < s.rowPtr[i+1]; e++ {
				j := s.rowIdx[e]
				if s.state[j] == basic {
					continue
				}
				if !s.inRow[j] {
					s.inRow[j] = true
					touched = append(touched, j)
				}
				s.prow[j] += ri * s.rowVal[e]
			}
		}
	} else {
		for j := 0; j < s.n; j++ {
			if s.state[j] == basic {
				continue
			}
			var v float64
			for e := s.colPtr[j]; e < s.colPtr[j+1]; e++ {
				v += s.rho[s.colIdx[e]] * s.colVal[e]
			}
			if v != 0 {
				s.prow[j] = v
				s.inRow[j] = true
				touched = append(touched, int32(j))
			}
		}
	}
	s.touched = touched
	return touched
}

// movePrimal moves entering variable q by dir·theta and updates the basic
// variables, skipping position skip (the leaving one).
func (s *Solver) movePrimal(q int, dir, theta float64, skip int) {
	if theta == 0 {
		return
	}
	step := dir * theta
	for _, k := range s.aIdx {
		if int(k) != skip {
			s.x[s.head[k]] -= step * s.alpha[k]
		}
	}
	s.x[q] += step
}

// refreshStatuses recomputes the phase 1 statuses of the basic variables
// moved by the last step, other than position skip, and reports whether
// any changed.
func (s *Solver) refreshStatuses(skip int) bool {
	changed := false
	for _, k := range s.aIdx {
		if int(k) == skip {
			continue
		}
		st := s.status(int(s.head[k]), s.x[s.head[k]])
		if st != s.infeas[k] {
			if s.infeas[k] != 0 {
				s.ninf--
			}
			if st != 0 {
				s.ninf++
			}
			s.infeas[k] = st
			changed = true
		}
	}
	return changed
}
