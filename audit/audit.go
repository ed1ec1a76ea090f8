package audit

import (
	"context"
	"fmt"
	"math"

	"github.com/tabsdc/tabsdc/internal/lp"
	"github.com/tabsdc/tabsdc/sdc"
)

// Requirement is how wide the attacker's interval for a primary cell must
// be, after the SDC Handbook (Hundepool et al. 2012, §4.2.2) and the
// interval limits of GaussSuppression. Every part that is set must hold.
type Requirement struct {
	// RangeMin is the minimum width of the interval.
	RangeMin float64
	// RangePercent is the minimum width as a percentage of the cell's value.
	RangePercent float64
	// Upper is the upper protection level: the interval must reach at least
	// value + Upper.
	Upper float64
	// Lower is the lower protection level: the interval must reach down to
	// value − Lower (or to 0, the least a count can be).
	Lower float64
}

// FrequencyRequirement is the default requirement for the frequency rule
// with threshold maxN: the interval must be at least maxN+1 wide, so that a
// count of 1..maxN cannot be told from 0 or from maxN+1.
func FrequencyRequirement(maxN int) Requirement {
	return Requirement{RangeMin: float64(maxN + 1)}
}

// tol absorbs the floating-point error of the LP on integer data.
const tol = 1e-6

// Met reports whether an interval meets the requirement for a cell with the
// given true value, and if not, why not. The lower protection level is
// met by an interval that reaches down to 0.
func (r Requirement) Met(value float64, iv sdc.Interval) (bool, string) {
	return r.MetAbove(value, 0, iv)
}

// MetAbove is Met where the attacker knows the cell to be at least floor
// (Attacker.MinWithheld): the lower protection level is met by an
// interval that reaches down to floor, below which no value is possible.
func (r Requirement) MetAbove(value, floor float64, iv sdc.Interval) (bool, string) {
	w := iv.Width()
	if need := max(r.RangeMin, r.RangePercent/100*value); w < need-tol {
		return false, fmt.Sprintf("interval [%s, %s] is %s wide, needs %s", num(iv.Lower), num(iv.Upper), num(w), num(need))
	}
	if r.Upper > 0 && iv.Upper < value+r.Upper-tol {
		return false, fmt.Sprintf("upper bound %s below value + %s", num(iv.Upper), num(r.Upper))
	}
	if r.Lower > 0 && iv.Lower > math.Max(floor, value-r.Lower)+tol {
		return false, fmt.Sprintf("lower bound %s above value − %s", num(iv.Lower), num(r.Lower))
	}
	return true, ""
}

func num(v float64) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.6g", math.Round(v*1e6)/1e6)
}

// Options configures Audit.
type Options struct {
	// Requirement gives the requirement for primary cell c. Nil means
	// Default for every primary cell.
	Requirement func(c int) Requirement
	// Default is the requirement when Requirement is nil.
	Default Requirement
	// Attacker is what the attacker knows of the publisher's policy; the
	// zero value is the strongest attacker of the default policy (every
	// withheld cell is at least 1).
	Attacker Attacker
	// Progress, when set, is called now and then with the number of
	// withheld cells whose interval is done and the number in all.
	Progress func(done, total int)
	// Full computes the exact interval of every withheld cell. Without it,
	// a cell whose requirement is already proven by feasible tables found
	// while solving for other cells (their values span an interval wide
	// enough) is not solved for: its recorded interval is that spanned
	// sub-interval, which the attacker's exact interval contains. Every
	// cell that fails, or comes near failing, gets its exact interval
	// either way.
	Full bool
	// Prior is the result of an audit of an earlier release of the same
	// table that withheld a subset of the cells this one withholds, as a
	// repair round has it, under an attacker who knew no less of the
	// policy (a Prior that allowed withheld zeros cannot seed an audit
	// that rules them out). Every feasible table of the earlier release is
	// one of this release too (withholding more only removes equations),
	// so the values the earlier audit saw attained are attained here:
	// without Full, a cell they prove safe is not solved for again. A
	// Prior that does not fit (another table, a cell it withheld that is
	// published here, published values other than the true counts) is an
	// error.
	Prior *Result

	// Intruder, when set, says which withheld cells one person knows the
	// value of (Singletons' intruders): in the audit of a magnitude
	// table's values, a cell with a single contributor. Nil means a cell
	// of count 1, the person counted in it.
	Intruder func(c int) bool

	// limits tunes column generation (see localLimits); zero means the
	// defaults. For the tests.
	limits localLimits
}

// requirement returns the requirement of primary cell c.
func (o Options) requirement(c int) Requirement {
	if o.Requirement != nil {
		return o.Requirement(c)
	}
	return o.Default
}

// Finding is a withheld cell that fails the audit.
type Finding struct {
	Cell     int
	Interval sdc.Interval
	Why      string
}

// Result is the outcome of an audit.
type Result struct {
	// Audited is the number of withheld cells.
	Audited int
	// Disclosed lists withheld cells whose interval has width zero.
	Disclosed []Finding
	// UnderProtected lists primary cells whose interval is not disclosed
	// but narrower than their requirement.
	UnderProtected []Finding
	// Unknowns is the number of inner cells the attacker cannot read off
	// directly; Equations the number of published totals over them.
	Unknowns, Equations int
	// Components is the number of independent groups of unknowns and
	// Largest the number of unknowns in the largest.
	Components, Largest int
	// LPSolves counts the linear programs solved.
	LPSolves int
	// Searches counts the bounds sought by column generation, which large
	// components use (an LP over the unknowns near the cell, grown until
	// its multipliers prove the optimum, or the value reaches the bound
	// known from propagation or the value the requirement needs); of
	// those, ByPropagation reached the propagated bound, ByMultipliers
	// were proven by multipliers, and Fallbacks could not be settled so
	// and were solved by the LP over the whole component.
	Searches, ByPropagation, ByMultipliers, Fallbacks int
	// Piggybacked counts the targets tried on the last LP of another
	// target's search, whose unknowns it already holds, before (or
	// instead of) a search of their own.
	Piggybacked int
	// Certified counts the withheld cells whose recorded interval is not
	// the attacker's exact one but a sub-interval of it spanned by feasible
	// tables the LPs found, wide enough to prove that the cell meets its
	// requirement (see Options.Full).
	Certified int

	// What a later audit may start from (Options.Prior): the table, the
	// withheld cells, and the interval of values attained for each.
	table    *sdc.Table
	withheld []int32
	attained []sdc.Interval
	attacker Attacker
}

// CanSeed returns nil when r can seed the audit of rel as its
// Options.Prior, and otherwise why not: rel must be a release of the same
// table, of its true counts, that publishes none of the cells r's release
// withheld.
func (r *Result) CanSeed(rel *sdc.Release) error {
	switch {
	case r.table == nil:
		return fmt.Errorf("audit: the prior result holds no intervals (it is not the result of Audit)")
	case r.table != rel.Table():
		return fmt.Errorf("audit: the prior result is the audit of another table")
	case rel.HasValues():
		return fmt.Errorf("audit: a prior result cannot seed the audit of rounded or perturbed values")
	}
	for _, c := range r.withheld {
		if _, ok := rel.Value(int(c)); ok {
			return fmt.Errorf("audit: the prior result's release withheld %s, which this release publishes", rel.Table().Label(int(c)))
		}
	}
	return nil
}

// Passed reports whether no cell is disclosed or under-protected.
func (r *Result) Passed() bool { return len(r.Disclosed) == 0 && len(r.UnderProtected) == 0 }

// Audit computes the attacker's interval of every withheld cell of a
// release, records it on the release (SetInterval), and checks each primary
// cell against its requirement. The intervals are the minimum and maximum of
// the cell over all non-negative tables that agree with every published
// value, rounded inward to whole numbers since counts are integers: one
// linear program per bound, per independent component of unknowns, each
// warm-started from the last, split among the cores. Unless
// opt.Full is set, cells whose requirement is already proven by the
// feasible tables found on the way are not solved for (see Options.Full).
func Audit(ctx context.Context, rel *sdc.Release, opt Options) (*Result, error) {
	return auditCells(ctx, rel, opt, nil)
}

// auditCells is Audit for the withheld cells only selects (every one when
// only is nil); the others stay unknowns but get no interval. Its result
// cannot seed another audit when only is set.
func auditCells(ctx context.Context, rel *sdc.Release, opt Options, only func(c int) bool) (*Result, error) {
	limits := opt.limits.withDefaults()
	var prior map[int32]sdc.Interval
	if p := opt.Prior; p != nil {
		if err := p.CanSeed(rel); err != nil {
			return nil, err
		}
		if p.attacker.ZerosWithheld && !opt.Attacker.ZerosWithheld {
			// Its tables may hold a withheld zero, which this attacker
			// rules out: they prove nothing here.
			return nil, fmt.Errorf("audit: the prior result's attacker allows withheld zeros, this one does not: its feasible tables are not this audit's")
		}
		prior = make(map[int32]sdc.Interval, len(p.withheld))
		for i, c := range p.withheld {
			prior[c] = p.attained[i]
		}
	}
	if err := opt.Attacker.check(rel); err != nil {
		return nil, err
	}
	m := buildModel(rel, opt.Attacker)
	res := &Result{Audited: len(m.targets), Unknowns: len(m.varCell), Equations: len(m.rows), Components: m.ncomp}
	for _, s := range m.compSize {
		res.Largest = max(res.Largest, s)
	}
	lo := make([]float64, len(m.targets))
	hi := make([]float64, len(m.targets))
	exact := make([]bool, len(m.targets)) // every component's part of the bounds is exact
	for i := range exact {
		exact[i] = true
	}
	for i, tg := range m.targets {
		lo[i], hi[i] = tg.base, tg.base
	}

	// Group the targets' unknowns by component, then solve component by
	// component, so each LP is set up once.
	byComp := make([][]int32, m.ncomp) // targets touching each component
	for i, tg := range m.targets {
		if only != nil && !only(int(tg.cell)) {
			continue
		}
		for _, c := range tg.comps {
			byComp[c] = append(byComp[c], int32(i))
		}
	}
	rowsOf := make([][]int32, m.ncomp)
	for r, row := range m.rows {
		c := m.comp[row[0]]
		rowsOf[c] = append(rowsOf[c], int32(r))
	}
	consOf := make([][]int32, m.ncomp)
	for k, cs := range m.cons {
		c := m.comp[cs.vars[0]]
		consOf[c] = append(consOf[c], int32(k))
	}
	local := make([]int32, len(m.varCell)) // index of an unknown in its component
	compVars := make([][]int32, m.ncomp)
	for v, c := range m.comp {
		local[v] = int32(len(compVars[c]))
		compVars[c] = append(compVars[c], int32(v))
	}
	done := 0
	var sh *localShared // set up for the first large component
	for c := 0; c < m.ncomp; c++ {
		if len(byComp[c]) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		nv := len(compVars[c])
		if len(rowsOf[c]) == 0 && len(consOf[c]) == 0 {
			// No published total covers these unknowns: each can be any
			// non-negative number.
			for _, i := range byComp[c] {
				hi[i] = math.Inf(1)
			}
			continue
		}
		// The component's LP: unknowns ≥ 0, its equations, and a row
		// Σ y − s = 0 with s ≥ need for each constraint on a withheld
		// total (columns after the unknowns).
		setup := func(x0 bool) (*lp.Solver, error) {
			nr, nk := len(rowsOf[c]), len(consOf[c])
			a := lp.NewSparse(nr+nk, nv+nk)
			b := make([]float64, nr+nk)
			for k, r := range rowsOf[c] {
				for _, v := range m.rows[r] {
					a.Add(k, int(local[v]), 1)
				}
				b[k] = m.rhs[r]
			}
			var lo []float64
			if nk > 0 {
				lo = make([]float64, nv+nk)
				for i, k := range consOf[c] {
					for _, v := range m.cons[k].vars {
						a.Add(nr+i, int(local[v]), 1)
					}
					a.Add(nr+i, nv+i, -1)
					lo[nv+i] = m.cons[k].need
				}
			}
			var s *lp.Solver
			var err error
			if x0 {
				// The true table is feasible: start from it.
				truth := make([]float64, nv+nk)
				for i, v := range compVars[c] {
					truth[i] = m.truth(v)
				}
				for i, k := range consOf[c] {
					for _, v := range m.cons[k].vars {
						truth[nv+i] += m.truth(v)
					}
				}
				s, err = lp.NewSolverAt(ctx, a, b, lo, nil, truth, nil)
			} else {
				s, err = lp.NewSolverContext(ctx, a, b, lo, nil)
			}
			if err != nil {
				return nil, fmt.Errorf("audit: component %d (%d unknowns, %d equations): %w", c, nv, len(b), err)
			}
			return s, nil
		}
		job := newCompJob(m, int32(c), byComp[c], local)
		if prior != nil && !opt.Full {
			job.seed(m, prior)
		}
		// Column generation starts from the true table, and its moves
		// run through it: that needs a release of the true counts. One of
		// other values (rounded) gets the LP over the whole component, and
		// so does a component with constraints on withheld totals, which
		// column generation does not price.
		if nv >= limits.threshold && !rel.HasValues() && len(consOf[c]) == 0 {
			if sh == nil {
				sh = newLocalShared(m, limits)
			}
			err := job.solveLocal(ctx, sh, compVars[c], func() (*lp.Solver, error) { return setup(true) }, opt, m, res, &done)
			if err != nil {
				return nil, err
			}
		} else {
			solver, err := setup(false)
			if err != nil {
				return nil, err
			}
			if err := job.solve(ctx, solver, opt, m, res, &done); err != nil {
				return nil, err
			}
		}
		for k, i := range job.targets {
			lo[i] += job.lo[k]
			hi[i] += job.hi[k]
			if !job.exact[k] && exact[i] {
				exact[i] = false
				res.Certified++
			}
		}
	}
	if opt.Progress != nil {
		opt.Progress(len(m.targets), len(m.targets))
	}

	if only == nil {
		// What a later audit may start from (Options.Prior).
		res.table, res.attacker = m.t, opt.Attacker
		res.withheld = make([]int32, len(m.targets))
		res.attained = make([]sdc.Interval, len(m.targets))
	} else {
		res.Audited = 0
	}
	for i, tg := range m.targets {
		c := int(tg.cell)
		if only != nil && !only(c) {
			continue
		}
		iv := sdc.Interval{Lower: snap(lo[i]), Upper: snap(hi[i])}
		if only == nil {
			// Exact bounds are attained by the LPs' optimal tables, and
			// sub-intervals by the tables found; tables of independent
			// components combine.
			res.withheld[i], res.attained[i] = tg.cell, iv
		} else {
			res.Audited++
		}
		iv = integral(iv)
		kind := sdc.IntervalExact
		if !exact[i] {
			kind = sdc.IntervalProven
		}
		rel.SetInterval(c, iv, kind)
		res.check(rel, opt, c, iv)
	}
	return res, nil
}

// check records withheld cell c as disclosed when its interval iv is a
// point, or as under-protected when it is a primary cell and iv is
// narrower than its requirement.
func (res *Result) check(rel *sdc.Release, opt Options, c int, iv sdc.Interval) {
	if iv.Width() < tol {
		res.Disclosed = append(res.Disclosed, Finding{Cell: c, Interval: iv, Why: "disclosed: interval " + intervalString(iv)})
		return
	}
	if rel.Status(c) != sdc.Primary {
		return
	}
	if ok, why := opt.requirement(c).MetAbove(float64(rel.Table().Freq(c)), opt.Attacker.MinWithheld(), iv); !ok {
		res.UnderProtected = append(res.UnderProtected, Finding{Cell: c, Interval: iv, Why: why})
	}
}

// integral rounds an interval of a count inward to whole numbers: the
// attacker knows that counts are integers, so a cell the LP bounds to
// [0.5, 5.5] lies in [1, 5]. (The vertices of the LP of a table of three
// or more dimensions need not be integral.)
func integral(iv sdc.Interval) sdc.Interval {
	lo, hi := math.Ceil(iv.Lower-tol), math.Floor(iv.Upper+tol)
	if lo == 0 {
		lo = 0 // not −0
	}
	if hi == 0 {
		hi = 0
	}
	return sdc.Interval{Lower: lo, Upper: hi}
}

// snap rounds a bound to the nearest integer when it is within the LP's
// tolerance of one: counts are integers, and so is every vertex here.
func snap(v float64) float64 {
	if r := math.Round(v); math.Abs(v-r) < tol {
		return r
	}
	return v
}

func intervalString(iv sdc.Interval) string {
	return "[" + num(iv.Lower) + ", " + num(iv.Upper) + "]"
}
