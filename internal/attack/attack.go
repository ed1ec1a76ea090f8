package attack

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tabsdc/tabsdc/sdc"
)

// RandomDim returns a random tree with 2..5 leaves under each internal node,
// up to maxDepth levels, skewed: some children are leaves early.
func RandomDim(rng *rand.Rand, name string, maxDepth int) *sdc.Dimension {
	codes := []string{name + "0"}
	parents := []string{""}
	var grow func(p string, depth int)
	grow = func(p string, depth int) {
		k := 2 + rng.IntN(2)
		for i := 0; i < k; i++ {
			c := fmt.Sprintf("%s.%d", p, i)
			codes, parents = append(codes, c), append(parents, p)
			if depth+1 < maxDepth && rng.IntN(3) == 0 {
				grow(c, depth+1)
			}
		}
	}
	grow(codes[0], 0)
	d, err := sdc.NewDimension(name, codes, parents)
	if err != nil {
		panic(err)
	}
	return d
}

// RandomTable returns a small table with many zeros and ones.
func RandomTable(rng *rand.Rand, ndims int) *sdc.Table {
	dims := make([]*sdc.Dimension, ndims)
	for d := range dims {
		dims[d] = RandomDim(rng, string(rune('a'+d)), 3-ndims/3)
	}
	b, err := sdc.NewBuilder(dims...)
	if err != nil {
		panic(err)
	}
	shape := b.Shape()
	for k := 0; k < shape.NumInner(); k++ {
		var v int64
		switch r := rng.IntN(10); {
		case r < 3:
			v = 0
		case r < 6:
			v = 1 + rng.Int64N(3)
		default:
			v = rng.Int64N(20)
		}
		if err := b.AddInnerCell(shape.InnerCell(k), v); err != nil {
			panic(err)
		}
	}
	t, err := b.Build()
	if err != nil {
		panic(err)
	}
	return t
}

// RandomPattern withholds between a quarter and three quarters of the cells.
func RandomPattern(rng *rand.Rand, t *sdc.Table) *sdc.Release {
	rel := sdc.NewRelease(t)
	p := 0.25 + rng.Float64()/2
	for c := 0; c < t.NumCells(); c++ {
		if rng.Float64() < p {
			if v := t.Freq(c); v >= 1 && v <= 3 {
				rel.Set(c, sdc.Primary, "small")
			} else {
				rel.Set(c, sdc.Secondary, "random")
			}
		}
	}
	return rel
}

// Enumerator is an independent attacker for tiny tables: it enumerates every
// non-negative integer table that agrees with the published cells (depth
// first, pruning partial sums) and reads off each withheld cell's range.
// Its intervals are the integer hull; the audit's are the LP relaxation's,
// which equal them for two-way tables (the constraint matrix is totally
// unimodular) and contain them in general.
type Enumerator struct {
	t       *sdc.Table
	unknown []int     // inner numbers not published
	eqs     [][]int   // positions in unknown of each equation
	rhs     []int64   // each equation's unknown part
	free    []bool    // unknowns in no equation
	sols    [][]int64 // every feasible assignment
}

// Enumerate enumerates the tables that agree with rel. It gives up, with
// false, after limit search nodes.
func Enumerate(rel *sdc.Release, limit int) (*Enumerator, bool) {
	return EnumerateMin(rel, limit, 0)
}

// EnumerateMin is Enumerate for an attacker who also knows that every
// withheld cell (inner or total; not hidden ones) is at least minWithheld,
// as where the publisher never withholds a zero (minWithheld 1).
func EnumerateMin(rel *sdc.Release, limit int, minWithheld int64) (*Enumerator, bool) {
	t := rel.Table()
	e := &Enumerator{t: t}
	pos := map[int]int{}
	known := map[int]int64{}
	for k := 0; k < t.NumInner(); k++ {
		if v, ok := rel.Value(t.InnerCell(k)); ok {
			known[k] = v
		} else {
			pos[k] = len(e.unknown)
			e.unknown = append(e.unknown, k)
		}
	}
	inEq := make([]bool, len(e.unknown))
	for c := 0; c < t.NumCells(); c++ {
		v, ok := rel.Value(c)
		if !ok || t.IsInner(c) {
			continue
		}
		var eq []int
		Brute(t, c, func(k int) {
			if kv, ok := known[k]; ok {
				v -= kv
			} else {
				eq = append(eq, pos[k])
				inEq[pos[k]] = true
			}
		})
		if len(eq) > 0 {
			e.eqs = append(e.eqs, eq)
			e.rhs = append(e.rhs, v)
		}
	}
	for i := range inEq {
		e.free = append(e.free, !inEq[i])
	}
	// The least value of each unknown, and the withheld totals to check
	// in every table found.
	lb := make([]int64, len(e.unknown))
	for i, k := range e.unknown {
		if rel.Suppressed(t.InnerCell(k)) {
			lb[i] = minWithheld
		}
	}
	type totalMin struct {
		base int64
		idx  []int
	}
	var totals []totalMin
	if minWithheld > 0 {
		for c := 0; c < t.NumCells(); c++ {
			if t.IsInner(c) || !rel.Suppressed(c) {
				continue
			}
			tm := totalMin{}
			Brute(t, c, func(k int) {
				if kv, ok := known[k]; ok {
					tm.base += kv
				} else {
					tm.idx = append(tm.idx, pos[k])
				}
			})
			totals = append(totals, tm)
		}
	}
	// Upper bound of each unknown: the least right-hand side covering it.
	ub := make([]int64, len(e.unknown))
	for i := range ub {
		ub[i] = -1
	}
	for q, eq := range e.eqs {
		for _, i := range eq {
			if ub[i] < 0 || e.rhs[q] < ub[i] {
				ub[i] = e.rhs[q]
			}
		}
	}
	x := make([]int64, len(e.unknown))
	sum := make([]int64, len(e.eqs))
	last := make([]int, len(e.eqs)) // the last unknown of each equation
	for q, eq := range e.eqs {
		for _, i := range eq {
			last[q] = max(last[q], i)
		}
	}
	byVar := make([][]int, len(e.unknown))
	for q, eq := range e.eqs {
		for _, i := range eq {
			byVar[i] = append(byVar[i], q)
		}
	}
	nodes := 0
	var dfs func(i int) bool
	dfs = func(i int) bool {
		if nodes++; nodes > limit {
			return false
		}
		if i == len(x) {
			for _, tm := range totals {
				s := tm.base
				for _, j := range tm.idx {
					s += x[j]
				}
				if s < minWithheld {
					return true
				}
			}
			e.sols = append(e.sols, append([]int64(nil), x...))
			return true
		}
		hi := ub[i]
		if hi < 0 {
			hi = lb[i] // a free unknown: its value is unbounded; enumerate its least only
		}
		for v := lb[i]; v <= hi; v++ {
			ok := true
			for _, q := range byVar[i] {
				sum[q] += v
				if sum[q] > e.rhs[q] || (last[q] == i && sum[q] != e.rhs[q]) {
					ok = false
				}
			}
			if ok {
				x[i] = v
				if !dfs(i + 1) {
					return false
				}
			}
			for _, q := range byVar[i] {
				sum[q] -= v
			}
		}
		return true
	}
	return e, dfs(0)
}

// Interval returns the integer range of cell c over the feasible tables.
func (e *Enumerator) Interval(c int) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	unbounded := false
	var base int64
	var idx []int
	pos := map[int]int{}
	for i, k := range e.unknown {
		pos[k] = i
	}
	Brute(e.t, c, func(k int) {
		if i, ok := pos[k]; ok {
			idx = append(idx, i)
			unbounded = unbounded || e.free[i]
		}
	})
	base = e.t.Freq(c)
	// The known part is the true value minus the true unknown part; it is
	// the same in every feasible table.
	for _, i := range idx {
		base -= e.t.Freq(e.t.InnerCell(e.unknown[i]))
	}
	for _, x := range e.sols {
		s := base
		for _, i := range idx {
			s += x[i]
		}
		lo, hi = math.Min(lo, float64(s)), math.Max(hi, float64(s))
	}
	if unbounded {
		hi = math.Inf(1)
	}
	return lo, hi
}

// Brute calls fn with every inner number under cell c, found by testing
// every inner cell (independent of Table.ForEachInner).
func Brute(t *sdc.Table, c int, fn func(k int)) {
	for k := 0; k < t.NumInner(); k++ {
		ic := t.InnerCell(k)
		under := true
		for d := 0; d < t.NumDims(); d++ {
			if !t.Dim(d).IsAncestor(t.Node(c, d), t.Node(ic, d)) {
				under = false
				break
			}
		}
		if under {
			fn(k)
		}
	}
}

// Solutions returns the feasible tables found (values of the unknowns).
func (e *Enumerator) Solutions() [][]int64 { return e.sols }

// HasFree reports whether some unknown inner cell lies in no published
// equation (its value, and that of every withheld cell above it, is
// unbounded; the enumeration tries 0 only).
func (e *Enumerator) HasFree() bool {
	for _, f := range e.free {
		if f {
			return true
		}
	}
	return false
}

// KeepWithheldAtLeastOne drops the enumerated tables in which a withheld
// cell of rel is 0: the attacker who knows that no zero is withheld. It
// reports whether any table is left.
func (e *Enumerator) KeepWithheldAtLeastOne(rel *sdc.Release) bool {
	pos := map[int]int{}
	for i, k := range e.unknown {
		pos[k] = i
	}
	type cell struct {
		base int64
		idx  []int
	}
	var cells []cell
	for c := 0; c < e.t.NumCells(); c++ {
		if !rel.Suppressed(c) {
			continue
		}
		cl := cell{base: e.t.Freq(c)}
		Brute(e.t, c, func(k int) {
			if i, ok := pos[k]; ok {
				cl.idx = append(cl.idx, i)
				cl.base -= e.t.Freq(e.t.InnerCell(k))
			}
		})
		cells = append(cells, cl)
	}
	kept := e.sols[:0]
	for _, x := range e.sols {
		ok := true
		for _, cl := range cells {
			s := cl.base
			for _, i := range cl.idx {
				s += x[i]
			}
			if s < 1 {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, x)
		}
	}
	e.sols = kept
	return len(kept) > 0
}
