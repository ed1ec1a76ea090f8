package audit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/tabsdc/tabsdc/internal/lp"
	"github.com/tabsdc/tabsdc/sdc"
)

// compJob solves the bounds of the targets touching one component.
type compJob struct {
	comp    int32
	targets []int32 // target ids
	idx     [][]int // each target's unknowns in this component, local indices
	single  []bool  // the target's unknowns all lie in this component
	lo, hi  []float64
	exact   []bool // lo and hi are the exact bounds, not a spanned sub-interval
	// olo, ohi are outer bounds of each target's sum here, from
	// propagation over the cell relations (infinite for a target spread
	// over several components): a value attained there is the optimum.
	olo, ohi []float64
	// seeded[k] says that seedLo[k], seedHi[k] are values of the target's
	// sum here attained by feasible tables known before the audit.
	seeded         []bool
	seedLo, seedHi []float64
}

// seed records the values a prior audit saw attained (Options.Prior) for
// the targets whose unknowns all lie in this component.
func (j *compJob) seed(m *model, prior map[int32]sdc.Interval) {
	n := len(j.targets)
	j.seeded = make([]bool, n)
	j.seedLo, j.seedHi = make([]float64, n), make([]float64, n)
	for k, i := range j.targets {
		tg := &m.targets[i]
		iv, ok := prior[tg.cell]
		if !ok || !j.single[k] {
			continue
		}
		j.seeded[k] = true
		j.seedLo[k], j.seedHi[k] = iv.Lower-tg.base, iv.Upper-tg.base
	}
}

func newCompJob(m *model, c int32, targets []int32, local []int32) *compJob {
	j := &compJob{comp: c, targets: targets}
	n := len(targets)
	j.idx = make([][]int, n)
	j.single = make([]bool, n)
	j.lo, j.hi = make([]float64, n), make([]float64, n)
	j.exact = make([]bool, n)
	j.olo, j.ohi = make([]float64, n), make([]float64, n)
	for k, i := range targets {
		tg := &m.targets[i]
		j.single[k] = len(tg.comps) == 1
		j.olo[k], j.ohi[k] = math.Inf(-1), math.Inf(1)
		if j.single[k] {
			lo, hi := m.cells.bounds(tg.cell)
			j.olo[k], j.ohi[k] = lo-tg.base, hi-tg.base
		}
		for _, v := range tg.vars {
			if m.comp[v] == c {
				j.idx[k] = append(j.idx[k], int(local[v]))
			}
		}
	}
	return j
}

// span is the range of each target's value over the feasible points seen.
type span struct{ lo, hi []float64 }

func newSpan(n int) span {
	s := span{make([]float64, n), make([]float64, n)}
	for k := range s.lo {
		s.lo[k], s.hi[k] = math.Inf(1), math.Inf(-1)
	}
	return s
}

// see widens the span with a feasible point x.
func (s span) see(j *compJob, x []float64) {
	for k, idx := range j.idx {
		v := 0.0
		for _, i := range idx {
			v += x[i]
		}
		s.lo[k], s.hi[k] = math.Min(s.lo[k], v), math.Max(s.hi[k], v)
	}
}

// proven reports whether the span of target k already shows that the cell
// meets its requirement (or, for a secondary cell, is not disclosed).
func (j *compJob) proven(m *model, opt Options, s span, k int) bool {
	return j.provenBy(m, opt, k, s.lo[k], s.hi[k])
}

// provenBy reports whether feasible tables in which the sum of target k's
// unknowns here takes the values lo and hi show that the cell meets its
// requirement.
func (j *compJob) provenBy(m *model, opt Options, k int, lo, hi float64) bool {
	if !j.single[k] || lo > hi {
		return false
	}
	tg := &m.targets[j.targets[k]]
	iv := integral(sdc.Interval{Lower: tg.base + lo, Upper: tg.base + hi})
	c := int(tg.cell)
	// Counts are integers: a width of 1 is far from 0. A narrower span
	// proves nothing, whatever the requirement (one of zero too): the
	// cell is solved for, so a disclosed verdict is never drawn from a
	// span.
	if iv.Width() < 1 {
		return false
	}
	if m.rel.Status(c) != sdc.Primary {
		return true
	}
	ok, _ := opt.requirement(c).MetAbove(float64(m.t.Freq(c)), opt.Attacker.MinWithheld(), iv)
	return ok
}

// exactBounds computes both exact bounds of target k into j.lo[k],
// j.hi[k], the maximum first. A bound that the feasible tables seen (s)
// already reach at its outer bound needs no LP, and each LP stops when it
// reaches the outer bound: no table goes past it. When enough is set
// and reports, after the maximum, that the span proves what is needed,
// the minimum is not solved for and the span is recorded instead.
func (j *compJob) exactBounds(ctx context.Context, sv *lp.Solver, s span, k int, solves *int, enough func() bool) error {
	defer sv.SetGoal(math.NaN())
	goal := func(v float64) float64 {
		if math.IsInf(v, 0) {
			return math.NaN()
		}
		return v
	}
	hi := s.hi[k]
	if !(hi >= j.ohi[k]-tol) {
		sv.SetGoal(goal(j.ohi[k]))
		var err error
		switch hi, err = sv.MaximizeSparse(ctx, j.idx[k], nil); {
		case err == nil:
			s.see(j, sv.X())
		case errors.Is(err, lp.ErrUnbounded):
			hi = math.Inf(1)
		default:
			return fmt.Errorf("maximum: %w", err)
		}
		*solves++
	}
	if enough != nil && enough() {
		j.lo[k], j.hi[k] = s.lo[k], s.hi[k]
		return nil
	}
	lo := s.lo[k]
	if !(lo <= j.olo[k]+tol) {
		sv.SetGoal(goal(j.olo[k]))
		var err error
		if lo, err = sv.MinimizeSparse(ctx, j.idx[k], nil); err != nil {
			return fmt.Errorf("minimum: %w", err)
		}
		*solves++
		s.see(j, sv.X())
	}
	j.lo[k], j.hi[k], j.exact[k] = lo, hi, true
	return nil
}

// solve computes the bounds, splitting the targets among clones of the
// solver, one per core. Without opt.Full, two solves first push the sum of
// all targets up and down, and each target's bounds are solved for only
// while its span does not prove it safe.
func (j *compJob) solve(ctx context.Context, solver *lp.Solver, opt Options, m *model, res *Result, done *int) error {
	n := len(j.targets)
	shared := newSpan(n)
	if !m.rel.HasValues() {
		// The true table is feasible.
		for k, i := range j.targets {
			if tg := &m.targets[i]; j.single[k] {
				v := float64(m.t.Freq(int(tg.cell))) - tg.base
				shared.lo[k], shared.hi[k] = v, v
			}
		}
	}
	for k, ok := range j.seeded {
		if ok {
			shared.lo[k], shared.hi[k] = j.seedLo[k], j.seedHi[k]
		}
	}
	if !opt.Full {
		var all []int
		for _, idx := range j.idx {
			all = append(all, idx...)
		}
		for _, maximize := range []bool{true, false} {
			var err error
			if maximize {
				_, err = solver.MaximizeSparse(ctx, all, nil)
			} else {
				_, err = solver.MinimizeSparse(ctx, all, nil)
			}
			if err != nil && !errors.Is(err, lp.ErrUnbounded) {
				return fmt.Errorf("audit: component %d: %w", j.comp, err)
			}
			res.LPSolves++
			if err == nil {
				shared.see(j, solver.X())
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, n/32))
	solvers := []*lp.Solver{solver}
	for w := 1; w < workers; w++ {
		solvers = append(solvers, solver.Clone())
	}
	// A worker's error cancels its siblings.
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w, sv := range solvers {
		wg.Add(1)
		go func(w int, sv *lp.Solver) {
			defer wg.Done()
			// Each worker widens its own copy of the span: the points it
			// finds prove its own later targets safe.
			s := span{append([]float64(nil), shared.lo...), append([]float64(nil), shared.hi...)}
			solves := 0
			for k := w; k < n; k += workers {
				var enough func() bool
				if !opt.Full {
					enough = func() bool { return j.proven(m, opt, s, k) }
				}
				if opt.Full || !j.proven(m, opt, s, k) {
					if err := j.exactBounds(ctx, sv, s, k, &solves, enough); err != nil {
						errs[w] = fmt.Errorf("audit: bounds of %s: %w", m.t.Label(int(m.targets[j.targets[k]].cell)), err)
						cancel()
						return
					}
				}
				if !j.exact[k] {
					j.lo[k], j.hi[k] = s.lo[k], s.hi[k]
				}
				mu.Lock()
				*done++
				if opt.Progress != nil && *done%256 == 0 {
					opt.Progress(*done, len(m.targets))
				}
				mu.Unlock()
			}
			mu.Lock()
			res.LPSolves += solves
			mu.Unlock()
		}(w, sv)
	}
	wg.Wait()
	return workerErr(parent, errs)
}
