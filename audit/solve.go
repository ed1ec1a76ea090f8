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
	for k, i := range targets {
		tg := &m.targets[i]
		j.single[k] = len(tg.comps) == 1
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
	iv := sdc.Interval{Lower: tg.base + lo, Upper: tg.base + hi}
	c := int(tg.cell)
	if m.rel.Status(c) != sdc.Primary {
		return iv.Width() >= 1 // counts are integers: a width of 1 is far from 0
	}
	req := opt.Default
	if opt.Requirement != nil {
		req = opt.Requirement(c)
	}
	ok, _ := req.Met(float64(m.t.Freq(c)), iv)
	return ok
}

// solve computes the bounds, splitting the targets among clones of the
// solver, one per core. Without opt.Full, two solves first push the sum of
// all targets up and down, and each target's bounds are solved for only
// while its span does not prove it safe.
func (j *compJob) solve(ctx context.Context, solver *lp.Solver, opt Options, m *model, res *Result, done *int) error {
	n := len(j.targets)
	shared := newSpan(n)
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
				if opt.Full || !j.proven(m, opt, s, k) {
					mx, err := sv.MaximizeSparse(ctx, j.idx[k], nil)
					switch {
					case err == nil:
						if !opt.Full {
							s.see(j, sv.X())
						}
					case errors.Is(err, lp.ErrUnbounded):
						mx = math.Inf(1)
					default:
						errs[w] = fmt.Errorf("audit: maximum of %s: %w", m.t.Label(int(m.targets[j.targets[k]].cell)), err)
						return
					}
					solves++
					if opt.Full || !j.proven(m, opt, s, k) {
						mn, err := sv.MinimizeSparse(ctx, j.idx[k], nil)
						if err != nil {
							errs[w] = fmt.Errorf("audit: minimum of %s: %w", m.t.Label(int(m.targets[j.targets[k]].cell)), err)
							return
						}
						solves++
						j.lo[k], j.hi[k], j.exact[k] = mn, mx, true
						if !opt.Full {
							s.see(j, sv.X())
						}
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
	return errors.Join(errs...)
}
