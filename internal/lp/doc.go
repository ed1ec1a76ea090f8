// Package lp solves sequences of linear programs that share their
// constraints,
//
//	minimize c·x subject to A x = b, lo ≤ x ≤ hi,
//
// with a sparse bounded primal simplex method. It is written for the audit
// of statistical disclosure control, which computes the minimum and the
// maximum of every suppressed cell of a published table over all tables
// consistent with what is published: the feasible region is fixed and only
// the objective changes, usually to the indicator of a few variables.
//
// NewSolver finds a feasible basis once (phase 1, minimizing the sum of the
// bound violations starting from a basis of logical variables). Each
// objective is then optimized by phase 2 starting from the optimal basis of
// the previous objective, which stays primal feasible, so a long series of
// related solves is cheap:
//
//	s, err := lp.NewSolver(a, b, nil, nil) // 0 ≤ x < ∞
//	if errors.Is(err, lp.ErrInfeasible) { ... }
//	lo, err := s.MinimizeSparse(ctx, cells, nil)
//	hi, err := s.MaximizeSparse(ctx, cells, nil)
//
// When a feasible point is known (the true table, in an audit),
// NewSolverAt starts from it instead: a crossover moves the point to a
// vertex without phase 1, optionally starting from the basis of an
// earlier, smaller problem (column generation adds variables and rows and
// restarts from the last basis). Duals gives the simplex multipliers of
// the last optimum, which price variables left out of a restricted
// problem.
//
// # Method
//
// Every equality row i has a logical variable with column e_i fixed at
// zero. The logicals form the initial basis, so redundant (linearly
// dependent) rows need no special treatment: their logicals stay basic at
// zero. Variables may have any bounds, including free variables; upper
// bounds are handled in the ratio test (bound flips), not as rows.
//
// The basis is factorized by a sparse right-looking LU with Markowitz pivot
// choice and threshold partial pivoting (threshold 0.1), and updated in
// product form (an eta file) between refactorizations, done every 100
// updates or earlier when the eta file grows larger than twice the factors.
// FTRAN and BTRAN skip zero entries. Reduced costs are updated from the
// pivot row, computed by rows or by columns of A, whichever is cheaper.
// Pricing is Devex; the ratio test is Harris' two-pass test with bound
// flips, which prefers large pivots. After 50 consecutive degenerate
// iterations the solver switches to Bland's rule until the objective moves
// again. Optimality is always confirmed with recomputed primal values and
// reduced costs; if rounding has made the basis infeasible, phase 1 is rerun
// from that basis before phase 2 continues.
//
// # Performance
//
// The audit of a two-dimensional table is a network problem: its bases
// are triangular and solves take a few sparse iterations. With three or
// more dimensions the inverse of the basis becomes dense (a column of B⁻¹A
// has nonzeros in a large fraction of the rows), so the cost of an
// iteration grows with the number of rows, and so does the number of
// iterations per solve. For large audits, skip the solves that the X of an
// earlier solve already answers, and split the objectives among Clones of
// a Solver, one per goroutine.
//
// # Tolerances
//
// The primal feasibility tolerance is max(1e-9, 1e-13·s) where s is the
// largest magnitude among b and the finite bounds; phase 1 relaxes it by up
// to 100 times if it stalls with tiny violations only. The dual
// tolerance is 1e-9 times the largest objective coefficient (at least 1e-9).
// Pivots smaller than 1e-9 are rejected. With integer data the optimal
// values are exact to about 1e-9 relative.
package lp
