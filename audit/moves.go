package audit

import (
	"math"

	"github.com/tabsdc/tabsdc/sdc"
)

// Cube moves are feasible directions that need no LP. Take an inner cell
// and, in every dimension, a sibling of its code (a leaf with the same
// parent); the 2^d inner cells that combine the two codes of each
// dimension form a cube. Adding t to the cells with an even number of
// switched codes and subtracting t from the others changes no total: a
// total covers both codes of a dimension or neither, unless it is itself
// an inner cell of the cube. So when all cells of the cube are unknowns,
// the table stays feasible for every t that keeps them non-negative.
// Chains of such moves prove most cells' requirements in microseconds,
// before any column-generation search.

// cubes enumerates the cube moves of the inner cells of a model.
type cubes struct {
	m      *model
	sib    [][][]int32 // per dimension, per node: its sibling leaves, itself excluded
	stride []int
	buf    [][]int32 // per depth of the recursion: cells found so far
	par    [][]bool  // per depth: whether each cell is switched an odd number of times
}

func newCubes(m *model) *cubes {
	t := m.t
	cb := &cubes{m: m}
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		sib := make([][]int32, dim.Len())
		for i := 0; i < dim.Len(); i++ {
			if !dim.IsLeaf(i) || dim.Parent(i) < 0 {
				continue
			}
			for _, j := range dim.Children(dim.Parent(i)) {
				if j != i && dim.IsLeaf(j) {
					sib[i] = append(sib[i], int32(j))
				}
			}
		}
		cb.sib = append(cb.sib, sib)
		cb.stride = append(cb.stride, t.Stride(d))
	}
	cb.buf = make([][]int32, t.NumDims()+1)
	cb.par = make([][]bool, t.NumDims()+1)
	return cb
}

// unknown returns the unknown of inner cell c, or -1.
func (cb *cubes) unknown(c int) int32 {
	return cb.m.varOf[cb.m.t.InnerNumber(c)]
}

// each calls fn with the unknowns of every cube of unknowns that holds
// inner cell c (an unknown) and the parity of each: odd cells move
// against c.
func (cb *cubes) each(c int, fn func(vars []int32, odd []bool)) {
	cb.buf[0] = append(cb.buf[0][:0], int32(c))
	cb.par[0] = append(cb.par[0][:0], false)
	cb.rec(0, fn)
}

func (cb *cubes) rec(d int, fn func(vars []int32, odd []bool)) {
	t := cb.m.t
	cells, par := cb.buf[d], cb.par[d]
	if d == t.NumDims() {
		vars := make([]int32, len(cells))
		for i, c := range cells {
			vars[i] = cb.unknown(int(c))
		}
		fn(vars, par)
		return
	}
	a := t.Node(int(cells[0]), d)
	for _, b := range cb.sib[d][a] {
		shift := (int(b) - a) * cb.stride[d]
		next, np := cb.buf[d+1][:0], cb.par[d+1][:0]
		next, np = append(next, cells...), append(np, par...)
		ok := true
		for i, c := range cells {
			cc := int(c) + shift
			if cb.unknown(cc) < 0 {
				ok = false
				break
			}
			next, np = append(next, int32(cc)), append(np, !par[i])
		}
		cb.buf[d+1], cb.par[d+1] = next, np
		if ok {
			cb.rec(d+1, fn)
		}
	}
}

// push moves unknown v of inner cell c up (or down) by chains of cube
// moves from the table x, greedily taking the cube that allows the
// largest step, until v reaches goal or no cube allows a step, at most
// maxSteps times. x is changed in place; the unknowns changed are
// appended to changed, which is returned.
func (cb *cubes) push(x []float64, c int, up bool, goal float64, maxSteps int, changed []int32) []int32 {
	v := cb.unknown(c)
	for step := 0; step < maxSteps; step++ {
		if (up && x[v] >= goal-tol) || (!up && x[v] <= goal+tol) {
			break
		}
		var best []int32
		var bestOdd []bool
		bestT := 0.0
		cb.each(c, func(vars []int32, odd []bool) {
			// Moving v up lowers the odd cells; moving it down lowers the
			// even ones, v among them.
			t := math.Inf(1)
			for i, u := range vars {
				if odd[i] == up {
					t = math.Min(t, x[u])
				}
			}
			if t > bestT+tol {
				bestT, best, bestOdd = t, vars, append(bestOdd[:0], odd...)
			}
		})
		if best == nil {
			break
		}
		t := bestT
		if up {
			t = math.Min(t, goal-x[v])
		} else {
			t = math.Min(t, x[v]-goal)
		}
		for i, u := range best {
			if bestOdd[i] == up {
				x[u] -= t
			} else {
				x[u] += t
			}
			changed = append(changed, u)
		}
	}
	return changed
}

// isInnerTarget reports whether target tg is an inner cell whose value is
// one unknown.
func isInnerTarget(t *sdc.Table, tg *target) bool {
	return t.IsInner(int(tg.cell)) && len(tg.vars) == 1
}
