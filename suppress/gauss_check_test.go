package suppress

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/tabsdc/tabsdc/sdc"
)

// This file is an exact-disclosure check written independently of the
// engine: dense linear algebra with gonum on small tables. The attacker
// knows every published cell, that counts are non-negative (so the inner
// cells under a published 0 are 0) and, with anySum, that a withheld count is
// at least the bound (1 when zeros are published, 0 when they may be
// withheld): a published combination of bound inner cells alone pins them.
// A withheld cell is disclosed when its indicator vector lies in the span of
// the published cells and the known inner cells.

// attackCell is a publishable cell as the set of base inner cells it sums.
type attackCell struct {
	name       string
	inner      []int
	suppressed bool
	primary    bool
}

type attackModel struct {
	value []int64 // per base inner cell
	cells []attackCell
}

// attackFromTable builds the attacker's model of a single-table release
// from the table structure only (ForEachInner), not from the engine's model.
func attackFromTable(rel *sdc.Release) *attackModel {
	t := rel.Table()
	m := &attackModel{value: make([]int64, t.NumInner())}
	for k := range m.value {
		m.value[k] = t.Freq(t.InnerCell(k))
	}
	for c := 0; c < t.NumCells(); c++ {
		var in []int
		t.ForEachInner(c, func(k int) { in = append(in, k) })
		m.cells = append(m.cells, attackCell{
			name:       t.Label(c),
			inner:      in,
			suppressed: rel.Suppressed(c),
			primary:    rel.Status(c) == sdc.Primary,
		})
	}
	return m
}

const attackTol = 1e-8

// rangeBasis returns an orthonormal basis (columns) of the span of the
// columns of a.
func rangeBasis(a *mat.Dense) *mat.Dense {
	r, c := a.Dims()
	if c == 0 {
		return nil
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		panic("svd failed")
	}
	s := svd.Values(nil)
	rank := 0
	for _, v := range s {
		if v > attackTol*math.Max(1, s[0]) {
			rank++
		}
	}
	if rank == 0 {
		return nil
	}
	var u mat.Dense
	svd.UTo(&u)
	return mat.DenseCopyOf(u.Slice(0, r, 0, rank))
}

// nullBasis returns a basis (columns) of the null space of a.
func nullBasis(a *mat.Dense) [][]float64 {
	_, c := a.Dims()
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFull) {
		panic("svd failed")
	}
	s := svd.Values(nil)
	rank := 0
	for _, v := range s {
		if v > attackTol*math.Max(1, s[0]) {
			rank++
		}
	}
	var v mat.Dense
	svd.VTo(&v)
	var out [][]float64
	for j := rank; j < c; j++ {
		col := make([]float64, c)
		for i := 0; i < c; i++ {
			col[i] = v.At(i, j)
		}
		out = append(out, col)
	}
	return out
}

// disclosed returns the withheld cells an attacker can compute exactly.
// bound selects the inner cells at the known bound (nil: no singleton
// reasoning).
func (m *attackModel) disclosed(bound func(v int64) bool) []string {
	n := len(m.value)
	known := make([]bool, n)
	for _, c := range m.cells {
		if c.suppressed {
			continue
		}
		var v int64
		for _, k := range c.inner {
			v += m.value[k]
		}
		if v == 0 {
			for _, k := range c.inner {
				known[k] = true
			}
		}
	}
	published := func() *mat.Dense {
		var cols [][]float64
		for _, c := range m.cells {
			if c.suppressed {
				continue
			}
			col := make([]float64, n)
			for _, k := range c.inner {
				col[k] = 1
			}
			cols = append(cols, col)
		}
		for k := range known {
			if known[k] {
				col := make([]float64, n)
				col[k] = 1
				cols = append(cols, col)
			}
		}
		a := mat.NewDense(n, max(len(cols), 1), nil)
		for j, col := range cols {
			a.SetCol(j, col)
		}
		return a
	}
	// Closure: a published combination of bound cells alone pins them.
	for bound != nil {
		var b []int
		for k, v := range m.value {
			if !known[k] && bound(v) {
				b = append(b, k)
			}
		}
		if len(b) == 0 {
			break
		}
		p := published()
		_, pc := p.Dims()
		a := mat.NewDense(n, pc+len(b), nil)
		a.Slice(0, n, 0, pc).(*mat.Dense).Copy(p)
		for j, k := range b {
			a.Set(k, pc+j, -1)
		}
		grew := false
		for _, z := range nullBasis(a) {
			for j, k := range b {
				if math.Abs(z[pc+j]) > 1e-7 && !known[k] {
					known[k] = true
					grew = true
				}
			}
		}
		if !grew {
			break
		}
	}
	q := rangeBasis(published())
	var out []string
	for _, c := range m.cells {
		if !c.suppressed {
			continue
		}
		x := mat.NewVecDense(n, nil)
		for _, k := range c.inner {
			if !known[k] {
				x.SetVec(k, 1)
			}
		}
		if mat.Norm(x, 2) == 0 {
			out = append(out, c.name)
			continue
		}
		if q == nil {
			continue
		}
		var proj, res mat.VecDense
		proj.MulVec(q.T(), x)
		res.MulVec(q, &proj)
		res.SubVec(x, &res)
		if mat.Norm(&res, 2) < 1e-6*mat.Norm(x, 2) {
			out = append(out, c.name)
		}
	}
	return out
}

// boundFor returns the attacker's bound rule of a run.
func boundFor(opt GaussOptions) func(v int64) bool {
	if opt.Singleton == GaussSingletonNone {
		return nil
	}
	if opt.SecondaryZeros {
		return func(v int64) bool { return v == 0 }
	}
	return func(v int64) bool { return v == 1 }
}

func requireNoDisclosure(t *testing.T, m *attackModel, opt GaussOptions) {
	t.Helper()
	if d := m.disclosed(boundFor(opt)); len(d) > 0 {
		t.Fatalf("disclosed withheld cells: %v", d)
	}
}
