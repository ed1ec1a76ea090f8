package audit

import (
	"context"
	"math"
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// Outer bounds by propagation over the cell relations (the shuttle
// algorithm of Buzzigoli and Giusti, 1999).
//
// The model's equations are over inner cells: a published total is the sum
// of the unknown inner cells under it. Propagating bounds there cannot use
// what the attacker knows about a withheld total, which is itself a sum
// whose bounds narrow those of its terms. Here every withheld cell,
// inner or total, is a variable, and every relation between a cell and its
// children along one dimension is an equation,
//
//	x_p = Σ x_children,
//
// with published cells as constants. The feasible tables are the same
// (totals are determined by the inner cells, and every relation holds), so
// the bounds propagated here are valid outer bounds of the attacker's
// intervals, and, on the benchmark tables, they are mostly the exact ones,
// far more often than propagation over the inner equations alone
// (docs/benchmarks.md, "Figures behind design choices"). A bound a feasible table attains
// is then proven exact without an LP.
//
// Every coefficient is ±1 and every published value an integer, so every
// bound propagated is an integer and each change moves a bound by at least
// 1: the propagation ends.

// cellBounds are outer bounds of every cell the release does not publish,
// with the relations they were propagated over.
type cellBounds struct {
	varOf  []int32 // variable of each cell, -1 when published
	cell   []int32 // cell of each variable
	lo, hi []float64

	// The relations as rows Σ a·x = rhs, a = ±1: the variables and signs
	// of row r are rowVar and rowSign[rowPtr[r]:rowPtr[r+1]], and the rows
	// of variable v are colRow[colPtr[v]:colPtr[v+1]].
	rowPtr, rowVar []int32
	rowSign, rhs   []float64
	colPtr, colRow []int32
	queued         []bool
	queue          []int32
}

// bounds returns the outer bounds of cell c, which must be withheld or
// hidden.
func (b *cellBounds) bounds(c int32) (lo, hi float64) {
	v := b.varOf[c]
	if v < 0 {
		return math.Inf(-1), math.Inf(1)
	}
	return b.lo[v], b.hi[v]
}

// shuttleVisits bounds the work of the propagation: at most this many
// visits per relation. Every bound found before it stops is valid.
const shuttleVisits = 200

// propagateCells computes outer bounds of every cell that rel does not
// publish by bound propagation over the relations between cells.
func propagateCells(rel *sdc.Release) *cellBounds { return propagateCellsFrom(rel, nil) }

// propagateCellsFrom is propagateCells from the bounds known(c) of each
// withheld cell c (nil: [0, ∞)) to start with.
func propagateCellsFrom(rel *sdc.Release, known func(c int) (lo, hi float64)) *cellBounds {
	t := rel.Table()
	nc := t.NumCells()
	b := &cellBounds{varOf: make([]int32, nc)}
	for c := 0; c < nc; c++ {
		b.varOf[c] = -1
		if _, ok := rel.Value(c); !ok {
			b.varOf[c] = int32(len(b.cell))
			b.cell = append(b.cell, int32(c))
		}
	}
	n := len(b.cell)
	b.lo, b.hi = make([]float64, n), make([]float64, n)
	for v := range b.hi {
		b.hi[v] = math.Inf(1)
		if known != nil {
			lo, hi := known(int(b.cell[v]))
			b.lo[v], b.hi[v] = max(0, lo), hi
		}
	}
	if n == 0 {
		return b
	}

	// The relations that hold a variable: (p, d) for the cell p whose
	// children along dimension d are summed; each is found from a variable
	// as its parent or as one of its children, and kept once.
	nd := t.NumDims()
	var keys []int64
	for _, c := range b.cell {
		for d := 0; d < nd; d++ {
			if t.Dim(d).NumChildren(t.Node(int(c), d)) > 0 {
				keys = append(keys, int64(c)*int64(nd)+int64(d))
			}
			if p := t.Parent(int(c), d); p >= 0 {
				keys = append(keys, int64(p)*int64(nd)+int64(d))
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)

	// The relations as rows Σ a·x = rhs, a = ±1, by row and by variable.
	b.rowPtr = make([]int32, 1, len(keys)+1)
	b.rhs = make([]float64, 0, len(keys))
	for _, key := range keys {
		p, d := int(key/int64(nd)), int(key%int64(nd))
		r := 0.0
		add := func(c int, sign float64) {
			if v := b.varOf[c]; v >= 0 {
				b.rowVar = append(b.rowVar, v)
				b.rowSign = append(b.rowSign, sign)
			} else {
				val, _ := rel.Value(c)
				r -= sign * float64(val)
			}
		}
		add(p, -1)
		for _, c := range t.Children(p, d) {
			add(c, 1)
		}
		b.rowPtr = append(b.rowPtr, int32(len(b.rowVar)))
		b.rhs = append(b.rhs, r)
	}
	nr := len(b.rhs)
	b.colPtr = make([]int32, n+1)
	for _, v := range b.rowVar {
		b.colPtr[v+1]++
	}
	for v := 0; v < n; v++ {
		b.colPtr[v+1] += b.colPtr[v]
	}
	b.colRow = make([]int32, len(b.rowVar))
	fill := slices.Clone(b.colPtr[:n])
	for r := 0; r < nr; r++ {
		for e := b.rowPtr[r]; e < b.rowPtr[r+1]; e++ {
			v := b.rowVar[e]
			b.colRow[fill[v]] = int32(r)
			fill[v]++
		}
	}
	b.queued = make([]bool, nr)
	for r := range nr {
		b.enqueue(int32(r))
	}
	b.propagate(nil)
	return b
}

// enqueue puts row r on the worklist unless it is there already.
func (b *cellBounds) enqueue(r int32) {
	if !b.queued[r] {
		b.queued[r] = true
		b.queue = append(b.queue, r)
	}
}

// propagate visits the rows on the worklist, and again every row one of
// whose bounds moved, until none moves or the visits reach shuttleVisits
// per row; the worklist is empty afterwards. moved, when set, is called
// with every variable before one of its bounds moves.
func (b *cellBounds) propagate(moved func(v int32)) {
	budget := shuttleVisits * len(b.rhs)
	for len(b.queue) > 0 {
		r := b.queue[0]
		b.queue = b.queue[1:]
		b.queued[r] = false
		if budget == 0 {
			continue // empty the worklist: every bound so far is valid
		}
		budget--
		b.visit(r, moved)
	}
	b.queue = b.queue[:0]
}

// visit tightens the bounds of the variables of row r from the row and
// the bounds of its other variables.
func (b *cellBounds) visit(r int32, moved func(v int32)) {
	lo, hi := b.rowPtr[r], b.rowPtr[r+1]
	// Activity bounds of the row, with the number of infinite terms.
	var minAct, maxAct float64
	var minInf, maxInf int
	for e := lo; e < hi; e++ {
		v, a := b.rowVar[e], b.rowSign[e]
		tl, th := a*b.lo[v], a*b.hi[v]
		if a < 0 {
			tl, th = th, tl
		}
		if math.IsInf(tl, -1) {
			minInf++
		} else {
			minAct += tl
		}
		if math.IsInf(th, 1) {
			maxInf++
		} else {
			maxAct += th
		}
	}
	for e := lo; e < hi; e++ {
		v, a := b.rowVar[e], b.rowSign[e]
		tl, th := a*b.lo[v], a*b.hi[v]
		if a < 0 {
			tl, th = th, tl
		}
		// The rest of the row lies in [restMin, restMax], so
		// a·x_v = rhs − rest lies in [rhs − restMax, rhs − restMin].
		restMin, restMax := math.Inf(-1), math.Inf(1)
		if math.IsInf(tl, -1) {
			if minInf == 1 {
				restMin = minAct
			}
		} else if minInf == 0 {
			restMin = minAct - tl
		}
		if math.IsInf(th, 1) {
			if maxInf == 1 {
				restMax = maxAct
			}
		} else if maxInf == 0 {
			restMax = maxAct - th
		}
		low, high := b.rhs[r]-restMax, b.rhs[r]-restMin // bounds of a·x_v
		if a < 0 {
			low, high = -high, -low
		}
		up, down := high < b.hi[v]-tol, low > b.lo[v]+tol
		if !up && !down {
			continue
		}
		if moved != nil {
			moved(v)
		}
		if up {
			b.hi[v] = high
		}
		if down {
			b.lo[v] = low
		}
		for q := b.colPtr[v]; q < b.colPtr[v+1]; q++ {
			b.enqueue(b.colRow[q])
		}
	}
}

// Screen checks every withheld cell of rel against its outer interval from
// bound propagation over the cell relations, without an LP: milliseconds
// where Audit takes minutes. It is one-sided. The attacker's exact interval
// lies within the outer one, so every cell Screen reports fails Audit too
// (a cell whose outer interval is a point is disclosed; a primary cell
// whose outer interval is narrower than its requirement is
// under-protected), but a cell it passes may still fail Audit. Each
// Finding's Interval is the outer interval. Screen sets no interval on rel,
// and its Result cannot seed an audit (Options.Prior).
//
// Protect screens each pattern before auditing it, and repairs what the
// screen finds first.
func Screen(ctx context.Context, rel *sdc.Release, opt Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opt.Attacker.check(rel); err != nil {
		return nil, err
	}
	b := propagateCellsFrom(rel, opt.Attacker.bounds(rel))
	res := &Result{}
	for _, c32 := range b.cell {
		c := int(c32)
		if !rel.Suppressed(c) {
			continue // hidden: no table's cell
		}
		res.Audited++
		lo, hi := b.bounds(c32)
		res.check(rel, opt, c, sdc.Interval{Lower: lo, Upper: hi})
	}
	return res, ctx.Err()
}
