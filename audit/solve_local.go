package audit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/tabsdc/tabsdc/internal/lp"
	"github.com/tabsdc/tabsdc/sdc"
)

// solveLocal computes the bounds of the targets of a large component by
// column generation (see local.go), falling back to the LP over the whole
// component (made by global, once, when first needed) for the bounds the
// search cannot settle.
func (j *compJob) solveLocal(ctx context.Context, sh *localShared, vars []int32, global func() (*lp.Solver, error), opt Options, m *model, res *Result, done *int) error {
	n := len(j.targets)
	gvars := make([][]int32, n)  // each target's unknowns here, as model unknowns
	touch := map[int32][]int32{} // targets of this job by model unknown
	for k, idx := range j.idx {
		for _, i := range idx {
			v := vars[i]
			gvars[k] = append(gvars[k], v)
			touch[v] = append(touch[v], int32(k))
		}
	}

	// Cells first, totals after: the tables found for the cells under a
	// total often prove the total already.
	order := make([]int, n)
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(p, q int) int { return len(gvars[p]) - len(gvars[q]) })

	var (
		gOnce sync.Once
		gSolv *lp.Solver
		gErr  error
	)
	getGlobal := func() (*lp.Solver, error) {
		gOnce.Do(func() { gSolv, gErr = global() })
		return gSolv, gErr
	}

	olo, ohi := make([]float64, n), make([]float64, n)
	for k := range n {
		olo[k], ohi[k] = sh.outer(gvars[k])
	}

	workers := min(runtime.GOMAXPROCS(0), max(1, n/32))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			l := sh.worker()
			s := newSpan(n)
			for k := range n {
				v := 0.0
				for _, u := range gvars[k] {
					v += sh.truth[u]
				}
				s.lo[k], s.hi[k] = v, v
			}
			// see widens the spans with a feasible table x that differs
			// from the truth only in changed, and with the whole line
			// through both: x* + t·(x − x*) is feasible (it satisfies the
			// equations) for every t at which it is non-negative, so the
			// table found for one cell also gives the opposite move, free.
			see := func(x []float64, changed []int32) {
				tmin, tmax := math.Inf(-1), math.Inf(1)
				for _, u := range changed {
					d := x[u] - sh.truth[u]
					switch {
					case d > tol:
						tmin = math.Max(tmin, -sh.truth[u]/d)
					case d < -tol:
						tmax = math.Min(tmax, sh.truth[u]/-d)
					}
				}
				for _, u := range changed {
					for _, k := range touch[u] {
						t0, dk := 0.0, 0.0
						for _, uu := range gvars[k] {
							t0 += sh.truth[uu]
							dk += x[uu] - sh.truth[uu]
						}
						if math.Abs(dk) <= tol {
							continue
						}
						for _, t := range []float64{1, tmin, tmax} {
							if math.IsInf(t, 0) {
								continue
							}
							v := t0 + t*dk
							s.lo[k], s.hi[k] = math.Min(s.lo[k], v), math.Max(s.hi[k], v)
						}
					}
				}
			}
			// moves tries chains of cube moves (moves.go) on inner cell
			// target k towards goal, and widens the spans with the table
			// reached.
			cb := newCubes(m)
			moves := func(k int, up bool, goal float64) {
				tg := &m.targets[j.targets[k]]
				if !isInnerTarget(m.t, tg) {
					return
				}
				changed := cb.push(l.x, int(tg.cell), up, goal, cubeSteps, nil)
				if len(changed) > 0 {
					see(l.x, changed)
					for _, u := range changed {
						l.x[u] = sh.truth[u]
					}
				}
			}
			var clone *lp.Solver
			// settle finds the bound of target k to stop (exact when it
			// is the outer bound), falling back to the whole component's
			// LP when the search cannot decide.
			settle := func(k int, maximize bool, stop float64, atOuter bool) (float64, bool, error) {
				r, err := l.bound(ctx, gvars[k], maximize, stop, atOuter, see)
				switch {
				case ctx.Err() != nil:
					return 0, false, ctx.Err()
				case err != nil:
					// A numerical failure of the small LP: the LP over
					// the whole component decides instead.
					r = localResult{}
				}
				sign := 1.0
				if !maximize {
					sign = -1
				}
				if err == nil && (r.exact || sign*(r.value-stop) >= -tol) {
					return r.value, r.exact, nil
				}
				if clone == nil {
					g, err := getGlobal()
					if err != nil {
						return 0, false, err
					}
					mu.Lock()
					clone = g.Clone()
					mu.Unlock()
				}
				var v float64
				if maximize {
					v, err = clone.MaximizeSparse(ctx, j.idx[k], nil)
				} else {
					v, err = clone.MinimizeSparse(ctx, j.idx[k], nil)
				}
				mu.Lock()
				res.LPSolves++
				res.Fallbacks++
				mu.Unlock()
				if errors.Is(err, lp.ErrUnbounded) {
					return math.Inf(1), true, nil
				}
				return v, err == nil, err
			}
			for t := w; t < n; t += workers {
				k := order[t]
				if err := j.settleTarget(m, sh, opt, s, gvars[k], k, olo[k], ohi[k], moves, settle); err != nil {
					errs[w] = fmt.Errorf("audit: bounds of %s: %w", m.t.Label(int(m.targets[j.targets[k]].cell)), err)
					return
				}
				mu.Lock()
				*done++
				if opt.Progress != nil && *done%256 == 0 {
					opt.Progress(*done, len(m.targets))
				}
				mu.Unlock()
			}
			mu.Lock()
			res.LPSolves += l.lps
			res.Searches += l.searches
			res.ByPropagation += l.byOuter
			res.ByMultipliers += l.byDuals
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// settleTarget computes the bounds of target k, in the sum of its unknowns
// in this component, into j.lo[k], j.hi[k] and j.exact[k]. With opt.Full,
// or for a target spread over several components, both bounds are
// searched to the optimum. Otherwise each search stops as soon as the
// feasible tables found prove the requirement; only a cell that fails
// gets both of its exact bounds.
func (j *compJob) settleTarget(m *model, sh *localShared, opt Options, s span, vars []int32, k int, olo, ohi float64,
	moves func(k int, up bool, goal float64),
	settle func(k int, maximize bool, stop float64, atOuter bool) (float64, bool, error)) error {
	truth := 0.0
	for _, v := range vars {
		truth += sh.truth[v]
	}
	exactBounds := func() error {
		// A span that reaches the outer bound is the exact bound.
		if s.lo[k] > olo+tol {
			moves(k, false, olo)
		}
		lo, lx := s.lo[k], s.lo[k] <= olo+tol
		if !lx {
			var err error
			if lo, lx, err = settle(k, false, olo, true); err != nil {
				return err
			}
		}
		if s.hi[k] < ohi-tol {
			moves(k, true, ohi)
		}
		hi, hx := s.hi[k], s.hi[k] >= ohi-tol
		if !hx {
			var err error
			if hi, hx, err = settle(k, true, ohi, true); err != nil {
				return err
			}
		}
		j.lo[k], j.hi[k], j.exact[k] = lo, hi, lx && hx
		return nil
	}
	if opt.Full || !j.single[k] {
		return exactBounds()
	}
	if j.proven(m, opt, s, k) {
		j.lo[k], j.hi[k] = s.lo[k], s.hi[k]
		return nil
	}
	// What the requirement asks of the sum: a width of need, a maximum of
	// at least upNeed, a minimum of at most downNeed.
	tg := &m.targets[j.targets[k]]
	c := int(tg.cell)
	need, upNeed, downNeed := 1.0, math.Inf(-1), math.Inf(1)
	if m.rel.Status(c) == sdc.Primary {
		req := opt.Default
		if opt.Requirement != nil {
			req = opt.Requirement(c)
		}
		value := float64(m.t.Freq(c))
		need = math.Max(req.RangeMin, req.RangePercent/100*value)
		if req.Upper > 0 {
			upNeed = value + req.Upper - tg.base
		}
		if req.Lower > 0 {
			downNeed = math.Max(0, value-req.Lower) - tg.base
		}
	}
	loStop := math.Max(olo, math.Min(truth-need, downNeed))
	if s.lo[k] > loStop+tol {
		moves(k, false, loStop)
	}
	lo, lx := s.lo[k], s.lo[k] <= olo+tol
	if lo > loStop+tol {
		var err error
		if lo, lx, err = settle(k, false, loStop, loStop <= olo+tol); err != nil {
			return err
		}
	}
	hiStop := math.Min(ohi, math.Max(lo+need, upNeed))
	if s.hi[k] < hiStop-tol {
		moves(k, true, hiStop)
	}
	hi, hx := s.hi[k], s.hi[k] >= ohi-tol
	if hi < hiStop-tol {
		var err error
		if hi, hx, err = settle(k, true, hiStop, hiStop >= ohi-tol); err != nil {
			return err
		}
	}
	s.lo[k], s.hi[k] = math.Min(s.lo[k], lo), math.Max(s.hi[k], hi)
	if j.proven(m, opt, s, k) {
		j.lo[k], j.hi[k], j.exact[k] = s.lo[k], s.hi[k], lx && hx
		return nil
	}
	// The cell fails: report its exact interval.
	return exactBounds()
}

// cubeSteps is the most cube moves chained to move one cell.
const cubeSteps = 8
