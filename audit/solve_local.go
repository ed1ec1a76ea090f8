package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tabsdc/tabsdc/internal/lp"
	"github.com/tabsdc/tabsdc/sdc"
)

// sharedSpan is the range of each target's value over the feasible tables
// that all workers have found. Each end is a float64 in an atomic word,
// widened by compare-and-swap, so that a table one worker finds proves
// the targets of the others too.
type sharedSpan struct{ lo, hi []atomic.Uint64 }

func newSharedSpan(start []float64) *sharedSpan {
	s := &sharedSpan{lo: make([]atomic.Uint64, len(start)), hi: make([]atomic.Uint64, len(start))}
	for k, v := range start {
		s.lo[k].Store(math.Float64bits(v))
		s.hi[k].Store(math.Float64bits(v))
	}
	return s
}

// get returns the span of target k.
func (s *sharedSpan) get(k int) (lo, hi float64) {
	return math.Float64frombits(s.lo[k].Load()), math.Float64frombits(s.hi[k].Load())
}

// widen widens the span of target k to hold v.
func (s *sharedSpan) widen(k int, v float64) {
	for {
		old := s.lo[k].Load()
		if v >= math.Float64frombits(old) || s.lo[k].CompareAndSwap(old, math.Float64bits(v)) {
			break
		}
	}
	for {
		old := s.hi[k].Load()
		if v <= math.Float64frombits(old) || s.hi[k].CompareAndSwap(old, math.Float64bits(v)) {
			break
		}
	}
}

// localJob is the state of the column-generation audit of one large
// component that its workers share.
type localJob struct {
	*compJob
	m     *model
	sh    *localShared
	opt   Options
	gvars [][]int32 // each target's unknowns here, as model unknowns
	touch [][]int32 // targets by model unknown (nil for unknowns elsewhere)
	truth []float64 // each target's sum over the true table
	span  *sharedSpan
	done  []atomic.Bool // the target's bounds are settled
}

// solveLocal computes the bounds of the targets of a large component by
// column generation (see local.go), falling back to the LP over the whole
// component (made by global, once, when first needed) for the bounds the
// search cannot settle.
func (j *compJob) solveLocal(ctx context.Context, sh *localShared, vars []int32, global func() (*lp.Solver, error), opt Options, m *model, res *Result, done *int) error {
	n := len(j.targets)
	lj := &localJob{compJob: j, m: m, sh: sh, opt: opt,
		gvars: make([][]int32, n), touch: make([][]int32, len(sh.truth)),
		truth: make([]float64, n),
		done:  make([]atomic.Bool, n)}
	for k, idx := range j.idx {
		for _, i := range idx {
			v := vars[i]
			lj.gvars[k] = append(lj.gvars[k], v)
			lj.touch[v] = append(lj.touch[v], int32(k))
			lj.truth[k] += sh.truth[v]
		}
		lo, hi := sh.outer(lj.gvars[k])
		j.olo[k], j.ohi[k] = math.Max(lo, j.olo[k]), math.Min(hi, j.ohi[k])
	}
	lj.span = newSharedSpan(lj.truth)
	for k, ok := range j.seeded {
		if ok {
			lj.span.widen(k, j.seedLo[k])
			lj.span.widen(k, j.seedHi[k])
		}
	}

	// Cells first, totals after: the tables found for the cells under a
	// total often prove the total already.
	order := make([]int, n)
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(p, q int) int { return len(lj.gvars[p]) - len(lj.gvars[q]) })

	var (
		gOnce sync.Once
		gSolv *lp.Solver
		gErr  error
	)
	getGlobal := func() (*lp.Solver, error) {
		gOnce.Do(func() { gSolv, gErr = global() })
		return gSolv, gErr
	}

	workers := min(runtime.GOMAXPROCS(0), max(1, n/32))
	// A worker's error cancels its siblings.
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	claims := newChunkClaims(n, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			wk := lj.newWorker(ctx)
			var clone *lp.Solver
			// settle finds the bound of target k to stop (exact when it
			// is the outer bound), falling back to the whole component's
			// LP when the search cannot decide.
			settle := func(k int, maximize bool, stop float64, atOuter bool) (float64, bool, error) {
				r, err := wk.l.bound(ctx, lj.gvars[k], maximize, stop, atOuter, wk.see)
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
				wk.fallbacks++
				if errors.Is(err, lp.ErrUnbounded) {
					return math.Inf(1), true, nil
				}
				return v, err == nil, err
			}
			for t := range claims.all() {
				k := order[t]
				if err := lj.settleTarget(wk, k, settle); err != nil {
					errs[w] = fmt.Errorf("audit: bounds of %s: %w", m.t.Label(int(m.targets[j.targets[k]].cell)), err)
					cancel()
					return
				}
				lj.done[k].Store(true)
				mu.Lock()
				*done++
				if opt.Progress != nil && *done%256 == 0 {
					opt.Progress(*done, len(m.targets))
				}
				mu.Unlock()
			}
			mu.Lock()
			res.LPSolves += wk.l.lps + wk.fallbacks
			res.Fallbacks += wk.fallbacks
			res.Searches += wk.l.searches
			res.ByPropagation += wk.l.byOuter
			res.ByMultipliers += wk.l.byDuals
			res.Piggybacked += wk.piggybacked
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	return workerErr(parent, errs)
}

// localWorker is one worker's state.
type localWorker struct {
	*localJob
	ctx context.Context
	l   *local
	cb  *cubes
	// Scratch of see: the change of each target's sum, the targets
	// changed, and the unknowns changed.
	dk   []float64
	hit  []int32
	in   []bool
	ch   []int32
	inCh []bool
	// Scratch of piggyback: the last search that looked at each target.
	seen  []int32
	epoch int32

	fallbacks, piggybacked int
}

func (lj *localJob) newWorker(ctx context.Context) *localWorker {
	n := len(lj.targets)
	wk := &localWorker{localJob: lj, ctx: ctx, l: lj.sh.worker(), cb: newCubes(lj.m),
		dk: make([]float64, n), in: make([]bool, n), seen: make([]int32, n),
		inCh: make([]bool, len(lj.sh.truth))}
	wk.l.after = wk.piggyback
	return wk
}

// see widens the spans with a feasible table x that differs from the
// truth only in the unknowns cand, and with the whole line through both:
// x* + t·(x − x*) satisfies the equations for every t, and is feasible
// while it is non-negative, so the table found for one cell also gives
// the opposite move, free. cand may repeat an unknown.
func (wk *localWorker) see(x []float64, cand []int32) {
	truth := wk.sh.truth
	tmin, tmax := math.Inf(-1), math.Inf(1)
	wk.ch = wk.ch[:0]
	for _, u := range cand {
		if wk.inCh[u] {
			continue
		}
		d := x[u] - truth[u]
		switch {
		case d > tol:
			tmin = math.Max(tmin, -truth[u]/d)
		case d < -tol:
			tmax = math.Min(tmax, truth[u]/-d)
		default:
			continue
		}
		wk.ch = append(wk.ch, u)
		wk.inCh[u] = true
	}
	wk.hit = wk.hit[:0]
	for _, u := range wk.ch {
		wk.inCh[u] = false
		d := x[u] - truth[u]
		for _, k := range wk.touch[u] {
			if !wk.in[k] {
				wk.in[k] = true
				wk.hit = append(wk.hit, k)
			}
			wk.dk[k] += d
		}
	}
	for _, k := range wk.hit {
		d := wk.dk[k]
		wk.in[k], wk.dk[k] = false, 0
		if math.Abs(d) <= tol {
			continue
		}
		for _, t := range [...]float64{1, tmin, tmax} {
			if !math.IsInf(t, 0) {
				wk.span.widen(int(k), wk.truth[k]+t*d)
			}
		}
	}
}

// moves tries chains of cube moves (moves.go) on inner cell target k
// towards goal, and widens the spans with the table reached.
func (wk *localWorker) moves(k int, up bool, goal float64) {
	tg := &wk.m.targets[wk.targets[k]]
	if !isInnerTarget(wk.m.t, tg) {
		return
	}
	l := wk.l
	changed := wk.cb.push(l.x, int(tg.cell), up, goal, cubeSteps, nil)
	if len(changed) > 0 {
		wk.see(l.x, changed)
		for _, u := range changed {
			l.x[u] = wk.sh.truth[u]
		}
	}
}

// needs returns what the requirement of target k asks of the sum of its
// unknowns here: a width of need, a maximum of at least upNeed and a
// minimum of at most downNeed. A secondary cell needs a width of 1: counts
// are integers, so that is far from disclosed.
func (lj *localJob) needs(k int) (need, upNeed, downNeed float64) {
	tg := &lj.m.targets[lj.targets[k]]
	c := int(tg.cell)
	need, upNeed, downNeed = 1, math.Inf(-1), math.Inf(1)
	if lj.m.rel.Status(c) == sdc.Primary {
		req := lj.opt.requirement(c)
		value := float64(lj.m.t.Freq(c))
		need = math.Max(1, math.Max(req.RangeMin, req.RangePercent/100*value))
		if req.Upper > 0 {
			upNeed = value + req.Upper - tg.base
		}
		if req.Lower > 0 {
			downNeed = math.Max(lj.opt.Attacker.MinWithheld(), value-req.Lower) - tg.base
		}
	}
	return need, upNeed, downNeed
}

// goals returns the values of the sum of target k's unknowns that prove
// its requirement: a minimum of loStop and, once the minimum found is lo,
// a maximum of hiStop(lo). Neither goes past the outer bounds.
func (lj *localJob) goals(k int) (loStop float64, hiStop func(lo float64) float64) {
	need, upNeed, downNeed := lj.needs(k)
	loStop = math.Max(lj.olo[k], math.Min(lj.truth[k]-need, downNeed))
	return loStop, func(lo float64) float64 { return math.Min(lj.ohi[k], math.Max(lo+need, upNeed)) }
}

// piggybackMax is the most LPs a search's last LP is reused for, chosen
// by measurement on T3 (docs/benchmarks.md, "Figures behind design
// choices").
const piggybackMax = 32

// piggyback reuses the LP that a search ended with, over the unknowns S,
// for other targets whose unknowns all lie in S and whose requirement is
// not proven yet: from the search's optimal basis, each needs only a few
// pivots, where a search of its own would grow its own S from scratch.
// Every table found widens the spans; a target is never marked settled
// here, so one that is still not proven gets its own search later.
//
// Not with Options.Full: there every bound is searched to its optimum
// anyway, and tries towards the outer bounds cost more than they save
// (docs/benchmarks.md, "Figures behind design choices").
func (wk *localWorker) piggyback(ctx context.Context, s *lp.Solver, S []int32) {
	if wk.opt.Full {
		return
	}
	l := wk.l
	wk.epoch++
	tried := 0

	idx := make([]int, 0, 8)
	iters := s.Stats().Iterations
	record := func() {
		// A solve that took no pivot found the same table again.
		if it := s.Stats().Iterations; it == iters {
			return
		} else {
			iters = it
		}
		xs := s.X()
		for p, v := range S {
			l.x[v] = snapVertex(xs[p])
		}
		wk.see(l.x, S)
	}
	defer s.SetGoal(math.NaN())
	for _, u := range S {
		for _, k32 := range wk.touch[u] {
			k := int(k32)
			if wk.seen[k] == wk.epoch || tried >= piggybackMax || ctx.Err() != nil {
				continue
			}
			wk.seen[k] = wk.epoch
			if !wk.single[k] || wk.done[k].Load() {
				continue
			}
			lo, hi := wk.span.get(k)
			if wk.provenBy(wk.m, wk.opt, k, lo, hi) {
				continue
			}
			idx = idx[:0]
			for _, v := range wk.gvars[k] {
				p := l.inS[v]
				if p < 0 {
					break
				}
				idx = append(idx, int(p))
			}
			if len(idx) < len(wk.gvars[k]) {
				continue
			}
			loStop, hiStop := wk.goals(k)

			if lo > loStop+tol {
				tried++
				s.SetGoal(loStop)
				if _, err := s.MinimizeSparse(ctx, idx, nil); err != nil {
					return
				}
				l.lps++
				record()
				lo, hi = wk.span.get(k)
			}
			if goal := hiStop(lo); hi < goal-tol {
				tried++
				s.SetGoal(goal)
				if _, err := s.MaximizeSparse(ctx, idx, nil); err != nil {
					return
				}
				l.lps++
				record()
			}
			wk.piggybacked++
		}
	}
}

// settleTarget computes the bounds of target k, in the sum of its unknowns
// in this component, into j.lo[k], j.hi[k] and j.exact[k]. With opt.Full,
// or for a target spread over several components, both bounds are
// searched to the optimum. Otherwise each search stops as soon as the
// feasible tables found prove the requirement; only a cell that fails
// gets both of its exact bounds.
func (lj *localJob) settleTarget(wk *localWorker, k int,
	settle func(k int, maximize bool, stop float64, atOuter bool) (float64, bool, error)) error {
	olo, ohi := lj.olo[k], lj.ohi[k]
	exactBounds := func() error {
		// A span that reaches the outer bound is the exact bound.
		if slo, _ := lj.span.get(k); slo > olo+tol {
			wk.moves(k, false, olo)
		}
		lo, _ := lj.span.get(k)
		lx := lo <= olo+tol
		if !lx {
			var err error
			if lo, lx, err = settle(k, false, olo, true); err != nil {
				return err
			}
		}
		if _, shi := lj.span.get(k); shi < ohi-tol {
			wk.moves(k, true, ohi)
		}
		_, hi := lj.span.get(k)
		hx := hi >= ohi-tol
		if !hx {
			var err error
			if hi, hx, err = settle(k, true, ohi, true); err != nil {
				return err
			}
		}
		lj.lo[k], lj.hi[k], lj.exact[k] = lo, hi, lx && hx
		return nil
	}
	if lj.opt.Full || !lj.single[k] {
		return exactBounds()
	}
	if lo, hi := lj.span.get(k); lj.provenBy(lj.m, lj.opt, k, lo, hi) {
		lj.lo[k], lj.hi[k] = lo, hi
		return nil
	}
	loStop, hiStop := lj.goals(k)
	if slo, _ := lj.span.get(k); slo > loStop+tol {
		wk.moves(k, false, loStop)
	}
	lo, _ := lj.span.get(k)
	lx := lo <= olo+tol
	if lo > loStop+tol {
		var err error
		if lo, lx, err = settle(k, false, loStop, loStop <= olo+tol); err != nil {
			return err
		}
	}
	hiGoal := hiStop(lo)
	if _, shi := lj.span.get(k); shi < hiGoal-tol {
		wk.moves(k, true, hiGoal)
	}
	_, hi := lj.span.get(k)
	hx := hi >= ohi-tol
	if hi < hiGoal-tol {
		var err error
		if hi, hx, err = settle(k, true, hiGoal, hiGoal >= ohi-tol); err != nil {
			return err
		}
	}
	lj.span.widen(k, lo)
	lj.span.widen(k, hi)
	if slo, shi := lj.span.get(k); lj.provenBy(lj.m, lj.opt, k, slo, shi) {
		lj.lo[k], lj.hi[k], lj.exact[k] = slo, shi, lx && hx
		return nil
	}
	// The cell fails: report its exact interval.
	return exactBounds()
}

// cubeSteps is the most cube moves chained to move one cell.
const cubeSteps = 8

// chunkClaims hands out positions 0..n-1 of the order of targets to the
// workers in chunks of consecutive positions, claimed in turn, so that the
// workers are a chunk apart: neighbouring targets share unknowns, and two
// searches for neighbours at the same time would do the same work twice,
// where one after the other the second is often proven by the tables of
// the first.
type chunkClaims struct {
	n, size int
	next    atomic.Int64
}

// chunksPerWorker is the number of chunks per worker: enough to balance
// the load at the end.
const chunksPerWorker = 16

func newChunkClaims(n, workers int) *chunkClaims {
	return &chunkClaims{n: n, size: max(1, (n+workers*chunksPerWorker-1)/(workers*chunksPerWorker))}
}

// all yields the positions of the chunks this caller claims, in order.
func (c *chunkClaims) all() iter.Seq[int] {
	return func(yield func(int) bool) {
		for {
			start := int(c.next.Add(1)-1) * c.size
			if start >= c.n {
				return
			}
			for t := start; t < min(start+c.size, c.n); t++ {
				if !yield(t) {
					return
				}
			}
		}
	}
}
