package audit

import (
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// model is the attacker's linear system. Its unknowns are the inner cells
// whose values the release does not give away directly; its equations are
// the published totals that cover unknowns, less the known part. Inner cells
// that are published, and inner cells under a published total whose unknown
// part is 0 (non-negativity), are known and left out.
type model struct {
	t        *sdc.Table
	rel      *sdc.Release
	varCell  []int32   // inner cell (cell index) of each unknown
	varOf    []int32   // unknown of each inner number, -1 when known
	known    []float64 // value of each known inner cell, by inner number
	rows     [][]int32 // unknowns of each equation, sorted
	rhs      []float64
	rowCell  []int32 // the published cell of each equation
	comp     []int32 // component of each unknown
	ncomp    int
	compSize []int
	targets  []target // the withheld cells
	// lb is the attacker's lower bound of each unknown (Attacker): 1 for
	// a withheld inner cell where the policy never withholds a zero, else
	// 0. The unknowns of the system are shifted by it, y = x − lb ≥ 0, so
	// everything downstream sees non-negative unknowns: the equations'
	// right-hand sides and the true table are shifted, and each target's
	// base holds the lower bounds of its unknowns.
	lb []float64
	// cons are what the attacker knows of withheld totals beyond their
	// unknowns' bounds: Σ y ≥ need, where the shifted bounds of the
	// unknowns do not imply the total's own lower bound (a withheld total
	// over hidden cells only, in linked tables).
	cons []constraint
	// cells holds outer bounds of every cell the release does not
	// publish, by propagation over the cell relations (shuttle.go).
	cells *cellBounds
}

// constraint is Σ y_vars ≥ need over unknowns of one component.
type constraint struct {
	cell int32 // the withheld total it bounds
	vars []int32
	need float64
}

// target is a withheld cell: its known part plus a sum of unknowns.
type target struct {
	cell  int32
	base  float64
	vars  []int32
	comps []int32 // components its unknowns fall in, sorted, distinct
}

// publishedValue is what the attacker reads for cell c.
func publishedValue(rel *sdc.Release, c int) (float64, bool) {
	v, ok := rel.Value(c)
	return float64(v), ok
}

// buildModel sets up the attacker's system for a release, with what att
// knows of the publisher's policy.
func buildModel(rel *sdc.Release, att Attacker) *model {
	t := rel.Table()
	m := &model{t: t, rel: rel}
	ni := t.NumInner()
	m.varOf = make([]int32, ni)
	m.known = make([]float64, ni)
	isKnown := make([]bool, ni)
	lbInner := make([]float64, ni) // the attacker's lower bound of each unknown inner cell
	for k := 0; k < ni; k++ {
		c := t.InnerCell(k)
		if v, ok := publishedValue(rel, c); ok {
			isKnown[k], m.known[k] = true, v
		} else {
			lbInner[k] = att.cellLower(rel, c)
		}
	}

	// Equations over inner numbers first; unknowns are numbered after the
	// zero propagation below.
	type eq struct {
		cell  int32
		inner []int32
		rhs   float64
	}
	var eqs []eq
	var buf []int32
	for c := 0; c < t.NumCells(); c++ {
		if t.IsInner(c) {
			continue
		}
		v, ok := publishedValue(rel, c)
		if !ok {
			continue
		}
		buf = buf[:0]
		rhs := v
		t.ForEachInner(c, func(k int) {
			if isKnown[k] {
				rhs -= m.known[k]
			} else {
				rhs -= lbInner[k] // over the shifted unknowns
				buf = append(buf, int32(k))
			}
		})
		if len(buf) == 0 {
			continue
		}
		eqs = append(eqs, eq{int32(c), slices.Clone(buf), rhs})
	}

	// Presolve, as an attacker would: an equation whose unknown part is 0
	// makes each of its unknowns 0 (counts are non-negative), and an
	// equation with one unknown gives it away. (Over the shifted
	// unknowns: an unknown part of 0 puts each at its lower bound.) Each value found is
	// subtracted from the other equations that hold it, which may give
	// away more; repeat until nothing changes.
	byInner := make(map[int32][]int32)
	for i, e := range eqs {
		for _, k := range e.inner {
			byInner[k] = append(byInner[k], int32(i))
		}
	}
	live := make([]int, len(eqs)) // unknowns left in each equation
	var queue []int32
	for i, e := range eqs {
		live[i] = len(e.inner)
		if e.rhs == 0 || live[i] == 1 {
			queue = append(queue, int32(i))
		}
	}
	fix := func(k int32, v float64) {
		isKnown[k], m.known[k] = true, v+lbInner[k]
		for _, j := range byInner[k] {
			live[j]--
			eqs[j].rhs -= v
			if live[j] > 0 && (eqs[j].rhs == 0 || live[j] == 1) {
				queue = append(queue, j)
			}
		}
	}
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		e := &eqs[i]
		switch {
		case live[i] == 0:
		case e.rhs == 0:
			for _, k := range e.inner {
				if !isKnown[k] {
					fix(k, 0)
				}
			}
		case live[i] == 1:
			for _, k := range e.inner {
				if !isKnown[k] {
					fix(k, e.rhs)
					break
				}
			}
		}
	}

	// Number the unknowns and rewrite the equations over them, dropping
	// duplicates (a county with one municipality repeats its equation).
	for k := range m.varOf {
		m.varOf[k] = -1
	}
	for k := 0; k < ni; k++ {
		if !isKnown[k] {
			m.varOf[k] = int32(len(m.varCell))
			m.varCell = append(m.varCell, int32(t.InnerCell(k)))
			m.lb = append(m.lb, lbInner[k])
		}
	}
	seen := map[string]bool{}
	for _, e := range eqs {
		row := make([]int32, 0, len(e.inner))
		for _, k := range e.inner {
			if v := m.varOf[k]; v >= 0 {
				row = append(row, v)
			}
		}
		if len(row) == 0 {
			continue
		}
		key := rowKey(row)
		if seen[key] {
			continue
		}
		seen[key] = true
		m.rows = append(m.rows, row)
		m.rhs = append(m.rhs, e.rhs)
		m.rowCell = append(m.rowCell, e.cell)
	}

	// The withheld cells.
	for c := 0; c < t.NumCells(); c++ {
		if !rel.Suppressed(c) {
			continue
		}
		tg := target{cell: int32(c)}
		t.ForEachInner(c, func(k int) {
			if v := m.varOf[k]; v >= 0 {
				tg.vars = append(tg.vars, v)
				tg.base += m.lb[v]
			} else {
				tg.base += m.known[k]
			}
		})
		if need := att.cellLower(rel, c) - tg.base; need > tol && len(tg.vars) > 0 {
			m.cons = append(m.cons, constraint{cell: int32(c), vars: tg.vars, need: need})
		}
		m.targets = append(m.targets, tg)
	}
	m.components()
	for i := range m.targets {
		tg := &m.targets[i]
		for _, v := range tg.vars {
			tg.comps = append(tg.comps, m.comp[v])
		}
		slices.Sort(tg.comps)
		tg.comps = slices.Compact(tg.comps)
	}
	m.cells = propagateCellsFrom(rel, att.bounds(rel))
	return m
}

// truth returns the true value of unknown v, shifted as the unknowns are.
func (m *model) truth(v int32) float64 {
	return float64(m.t.Freq(int(m.varCell[v]))) - m.lb[v]
}

// rowKey is a map key for a sorted list of unknowns.
func rowKey(row []int32) string {
	b := make([]byte, 4*len(row))
	for i, v := range row {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return string(b)
}

// components splits the unknowns into groups that share no equation.
func (m *model) components() {
	n := len(m.varCell)
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	join := func(row []int32) {
		r0 := find(row[0])
		for _, v := range row[1:] {
			if r := find(v); r != r0 {
				parent[r] = r0
			}
		}
	}
	for _, row := range m.rows {
		join(row)
	}
	// A constraint on a withheld total ties its unknowns together too.
	for _, k := range m.cons {
		join(k.vars)
	}
	m.comp = make([]int32, n)
	id := map[int32]int32{}
	for v := 0; v < n; v++ {
		r := find(int32(v))
		c, ok := id[r]
		if !ok {
			c = int32(len(id))
			id[r] = c
			m.compSize = append(m.compSize, 0)
		}
		m.comp[v] = c
		m.compSize[c]++
	}
	m.ncomp = len(id)
}
