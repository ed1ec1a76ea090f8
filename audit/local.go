package audit

import (
	"context"
	"math"
	"slices"

	"github.com/tabsdc/tabsdc/internal/lp"
)

// Large components are audited by column generation instead of one LP over
// all their unknowns. The LP of a large component of a table of three or
// more dimensions has a dense basis: every simplex iteration costs
// milliseconds and every bound hundreds of iterations. But the optimum of
// one cell rarely involves more than the unknowns near it:
//
//   - bound propagation over the equations gives every unknown an outer
//     interval [L, U] that contains the attacker's interval, in
//     microseconds (propagate);
//   - an LP over a small set S of unknowns, the others held at their true
//     values, is solved from the true table (lp.NewSolverAt, no phase 1);
//     every solution is a feasible table, so it is an inner bound;
//   - the LP's simplex multipliers price the unknowns outside S; those
//     that would improve the objective join S and the LP is solved again
//     (column generation). When none would, the multipliers prove the
//     optimum of the small LP optimal over all unknowns;
//   - the search also stops when the value reaches the outer bound, or,
//     when only the requirement is checked, the value that proves it
//     (lp.Solver.SetGoal stops each LP there too);
//   - without Options.Full, the last LP of a search is reused for other
//     cells whose unknowns it holds and whose requirement is not proven
//     yet (piggyback, in solve_local.go); and every table found widens
//     the spans that all workers share.
//
// A bound the search cannot settle within its limits is solved by the LP
// over the whole component, set up once from the true table.

// localLimits are the column-generation parameters: threshold, the
// number of unknowns from which a component is audited by column
// generation; and the limits of one search: the most unknowns in S
// (maxS); the number of priced-in unknowns added in a round, at most the
// larger of batch and len(S)/growth; and the most rounds (maxRuns). The
// zero value means the defaults; the tests set others through
// Options.limits.
type localLimits struct {
	threshold, maxS, batch, growth, maxRuns int
}

// withDefaults fills in the zero fields.
func (l localLimits) withDefaults() localLimits {
	d := localLimits{threshold: 4000, maxS: 12000, batch: 200, growth: 2, maxRuns: 60}
	if l.threshold == 0 {
		l.threshold = d.threshold
	}
	if l.maxS == 0 {
		l.maxS = d.maxS
	}
	if l.batch == 0 {
		l.batch = d.batch
	}
	if l.growth == 0 {
		l.growth = d.growth
	}
	if l.maxRuns == 0 {
		l.maxRuns = d.maxRuns
	}
	return l
}

// localShared is what the searches of all workers share: the unknowns'
// equations, the true table and the outer bounds.
type localShared struct {
	m       *model
	colRows [][]int32 // equations of each unknown
	truth   []float64 // true value of each unknown
	lo, hi  []float64 // outer bounds from propagation
	limits  localLimits
}

func newLocalShared(m *model, limits localLimits) *localShared {
	n := len(m.varCell)
	sh := &localShared{m: m, colRows: make([][]int32, n), truth: make([]float64, n), limits: limits}
	for r, row := range m.rows {
		for _, v := range row {
			sh.colRows[v] = append(sh.colRows[v], int32(r))
		}
	}
	for v := range m.varCell {
		sh.truth[v] = m.truth(int32(v))
	}
	sh.lo, sh.hi = propagate(m)
	// Propagation over the cell relations is often tighter.
	// (Its bounds are of the cells; the unknowns are shifted by lb.)
	for v, c := range m.varCell {
		lo, hi := m.cells.bounds(c)
		sh.lo[v], sh.hi[v] = math.Max(sh.lo[v], lo-m.lb[v]), math.Min(sh.hi[v], hi-m.lb[v])
	}
	return sh
}

// propagate computes outer bounds of every unknown by bound propagation:
// in an equation Σ x = rhs over non-negative unknowns, each unknown is at
// most rhs less the lower bounds of the others and at least rhs less
// their upper bounds. Sweeps repeat until no bound moves.
func propagate(m *model) (lo, hi []float64) {
	n := len(m.varCell)
	lo, hi = make([]float64, n), make([]float64, n)
	for v := range hi {
		hi[v] = math.Inf(1)
	}
	for sweep := 0; sweep < 100; sweep++ {
		moved := false
		for r, row := range m.rows {
			sumLo, sumHi, infHi := 0.0, 0.0, 0
			for _, v := range row {
				sumLo += lo[v]
				if math.IsInf(hi[v], 1) {
					infHi++
				} else {
					sumHi += hi[v]
				}
			}
			rhs := m.rhs[r]
			for _, v := range row {
				if u := rhs - (sumLo - lo[v]); u < hi[v]-tol {
					if math.IsInf(hi[v], 1) {
						infHi--
					} else {
						sumHi -= hi[v]
					}
					sumHi += u
					hi[v], moved = u, true
				}
				if infHi > 0 {
					continue
				}
				if l := rhs - (sumHi - hi[v]); l > lo[v]+tol {
					sumLo += l - lo[v]
					lo[v], moved = l, true
				}
			}
		}
		if !moved {
			break
		}
	}
	return lo, hi
}

// outer returns outer bounds of the sum of the unknowns vars: the sums of
// their bounds, tightened by every equation that holds them all.
func (sh *localShared) outer(vars []int32) (lo, hi float64) {
	for _, v := range vars {
		lo += sh.lo[v]
		hi += sh.hi[v]
	}
	if len(vars) < 2 {
		return lo, hi
	}
	in := make(map[int32]bool, len(vars))
	for _, v := range vars {
		in[v] = true
	}
	for _, r := range sh.colRows[vars[0]] {
		row := sh.m.rows[r]
		have := 0
		restLo, restHi := 0.0, 0.0
		for _, v := range row {
			if in[v] {
				have++
			} else {
				restLo += sh.lo[v]
				restHi += sh.hi[v]
			}
		}
		if have == len(vars) {
			hi = math.Min(hi, sh.m.rhs[r]-restLo)
			lo = math.Max(lo, sh.m.rhs[r]-restHi)
		}
	}
	return lo, hi
}

// local is one worker's column-generation state.
type local struct {
	*localShared
	x      []float64 // the current feasible table: truth outside S
	inS    []int32   // position in S of each unknown, -1 outside
	mark   []bool
	rowPos []int32 // position among the LP's equations, -1 outside
	y      []float64

	lps                        int // LPs solved
	searches, byOuter, byDuals int

	// after, when set, is called with the last LP of every search that
	// ended without error, and the unknowns S it is over (see piggyback).
	after func(ctx context.Context, s *lp.Solver, S []int32)
}

func (sh *localShared) worker() *local {
	n := len(sh.truth)
	l := &local{localShared: sh, x: slices.Clone(sh.truth), inS: make([]int32, n), mark: make([]bool, n)}
	for i := range l.inS {
		l.inS[i] = -1
	}
	l.rowPos = make([]int32, len(sh.m.rows))
	for i := range l.rowPos {
		l.rowPos[i] = -1
	}
	return l
}

// localResult is the outcome of one search.
type localResult struct {
	value float64 // the best value found: a feasible table attains it
	exact bool    // value is the optimum over all unknowns
}

// bound maximizes (or minimizes) the sum of the unknowns vars by column
// generation. It stops early when the value reaches stop, reporting it
// exact when stop is the outer bound (atOuter). see is called with every
// feasible table found and the unknowns that may differ from the truth.
// A search that reaches its limits returns the best value found, not
// exact.
func (l *local) bound(ctx context.Context, vars []int32, maximize bool, stop float64, atOuter bool, see func(x []float64, changed []int32)) (localResult, error) {
	var res localResult
	sign := 1.0
	if !maximize {
		sign = -1
	}
	for _, v := range vars {
		res.value += l.truth[v]
	}
	l.searches++
	if sign*(res.value-stop) >= -tol {
		if atOuter {
			l.byOuter++
		}
		return localResult{res.value, atOuter}, nil
	}
	S := slices.Clone(vars)
	for i, v := range S {
		l.inS[v] = int32(i)
	}
	var rows []int32
	defer func() {
		for _, v := range S {
			l.inS[v] = -1
			l.x[v] = l.truth[v]
		}
		for _, r := range rows {
			l.rowPos[r] = -1
		}
	}()
	var prevVars, prevRows []int32
	added := 0 // unknowns added to S in the last round
	for run := 0; run < l.limits.maxRuns; run++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		// Equations touching S, shortest first: the crossover breaks
		// ties between pivots by position, so the multipliers of a
		// degenerate optimum tend to fall on short equations, which
		// bring fewer unknowns into S.
		rows = rows[:0]
		for _, v := range S {
			for _, r := range l.colRows[v] {
				if l.rowPos[r] < 0 {
					l.rowPos[r] = 0
					rows = append(rows, r)
				}
			}
		}
		slices.SortFunc(rows, func(p, q int32) int {
			if d := len(l.m.rows[p]) - len(l.m.rows[q]); d != 0 {
				return d
			}
			return int(p - q)
		})
		for k, r := range rows {
			l.rowPos[r] = int32(k)
		}
		a := lp.NewSparse(len(rows), len(S))
		b := make([]float64, len(rows))
		for k, r := range rows {
			rhs := l.m.rhs[r]
			for _, v := range l.m.rows[r] {
				if p := l.inS[v]; p >= 0 {
					a.Add(k, int(p), 1)
				} else {
					rhs -= l.x[v]
				}
			}
			b[k] = rhs
		}
		x0 := make([]float64, len(S))
		for p, v := range S {
			x0[p] = l.x[v]
		}
		// Start from the last round's basis: its unknowns and the
		// logicals of its equations, by position now, and the logicals
		// of the new equations. Only the unknowns new to S then need
		// moving to a vertex.
		var basis *lp.Basis
		if run > 0 {
			basis = &lp.Basis{Vars: make([]int, len(prevVars)), Rows: make([]int, len(prevRows))}
			for i, v := range prevVars {
				basis.Vars[i] = int(l.inS[v])
			}
			for i, r := range prevRows {
				basis.Rows[i] = int(l.rowPos[r])
			}
			// The unknowns new to S take the places of the logicals of
			// the new equations, as far as they go (a crash): fewer
			// to move.
			room := len(rows) - len(prevVars) - len(prevRows)
			for _, v := range S[len(S)-added:] {
				if room == 0 {
					break
				}
				basis.Vars = append(basis.Vars, int(l.inS[v]))
				room--
			}
		}
		s, err := lp.NewSolverAt(ctx, a, b, nil, nil, x0, basis)
		if err != nil {
			return res, err
		}
		idx := make([]int, len(vars))
		for i, v := range vars {
			idx[i] = int(l.inS[v])
		}
		// Each round needs to go no further than stop; only a round
		// that falls short goes on to the optimum, for its multipliers.
		s.SetGoal(stop)
		var val float64
		if maximize {
			val, err = s.MaximizeSparse(ctx, idx, nil)
		} else {
			val, err = s.MinimizeSparse(ctx, idx, nil)
		}
		l.lps++
		if err != nil {
			return res, err
		}
		xs := s.X()
		for p, v := range S {
			l.x[v] = snapVertex(xs[p])
		}
		bs := s.Basis()
		prevVars, prevRows = prevVars[:0], prevRows[:0]
		for _, p := range bs.Vars {
			prevVars = append(prevVars, S[p])
		}
		for _, k := range bs.Rows {
			prevRows = append(prevRows, rows[k])
		}
		if see != nil {
			see(l.x, S)
		}
		res.value = val
		if sign*(val-stop) >= -tol {
			res.exact = atOuter
			if atOuter {
				l.byOuter++
			}
			if l.after != nil {
				l.after(ctx, s, S)
			}
			return res, nil
		}

		// Price the unknowns outside S that lie in an equation with a
		// nonzero multiplier. Candidates are ranked by the shortest such
		// equation, and only a batch of them enters: the multipliers of
		// a degenerate optimum may sit on a long equation (a grand total)
		// only because its short neighbours are not in S yet.
		y := s.Duals(l.y)
		l.y = y
		var enter, marked, rank []int32
		for k, r := range rows {
			if math.Abs(y[k]) <= 1e-9 {
				continue
			}
			for _, v := range l.m.rows[r] {
				if l.inS[v] >= 0 || l.mark[v] {
					continue
				}
				l.mark[v] = true
				marked = append(marked, v)
				d := 0.0
				for _, rr := range l.colRows[v] {
					if p := l.rowPos[rr]; p >= 0 {
						d -= y[p]
					}
				}
				// The reduced cost of v, as for a maximum: positive if
				// raising v would help, negative if lowering it would
				// (which needs v > 0).
				d *= sign
				if d > 1e-9 || (d < -1e-9 && l.x[v] > tol) {
					enter = append(enter, v)
					rank = append(rank, int32(len(l.m.rows[r])))
				}
			}
		}
		for _, v := range marked {
			l.mark[v] = false
		}
		if len(enter) == 0 {
			// The multipliers prove the optimum.
			l.byDuals++
			res.exact = true
			if l.after != nil {
				l.after(ctx, s, S)
			}
			return res, nil
		}
		if batch := max(l.limits.batch, len(S)/l.limits.growth); len(enter) > batch {
			order := make([]int, len(enter))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(p, q int) int { return int(rank[p] - rank[q]) })
			kept := make([]int32, batch)
			for i := range kept {
				kept[i] = enter[order[i]]
			}
			enter = kept
		}
		if len(S)+len(enter) > l.limits.maxS {
			return res, nil
		}
		for _, v := range enter {
			l.inS[v] = int32(len(S))
			S = append(S, v)
		}
		added = len(enter)
		for _, r := range rows {
			l.rowPos[r] = -1
		}
	}
	return res, nil
}

// snapVertex rounds a value of an LP solution to the nearest integer when
// it is within rounding of one (most vertices of a count table are
// integral), so that errors do not add up over the rounds in the sums of
// long equations, and clips it at 0.
func snapVertex(v float64) float64 {
	if r := math.Round(v); math.Abs(v-r) < 1e-7 {
		v = r
	}
	return max(v, 0)
}
