package suppress

import (
	"fmt"
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// gaussTableMap maps the cells of one (linked) table onto the inner cells of
// the base table: every dimension of the table is a dimension of the base
// with the same name, and every leaf code of the table's dimension is a node
// of the base's dimension (a leaf, or a total standing for all base leaves
// under it). Base dimensions that the table lacks are summed over.
type gaussTableMap struct {
	t *sdc.Table
	// baseDim[d] is the base dimension of table dimension d.
	baseDim []int
	// leafOf[d][o] is the table leaf node that base leaf ordinal o of
	// baseDim[d] falls in, or -1 when the table does not cover it.
	leafOf [][]int32
}

func newGaussTableMap(base, t *sdc.Table, ti int) (*gaussTableMap, error) {
	m := &gaussTableMap{t: t, baseDim: make([]int, t.NumDims()), leafOf: make([][]int32, t.NumDims())}
	used := map[int]bool{}
	for d := 0; d < t.NumDims(); d++ {
		td := t.Dim(d)
		bd := -1
		for k := 0; k < base.NumDims(); k++ {
			if base.Dim(k).Name() == td.Name() {
				bd = k
			}
		}
		if bd < 0 {
			return nil, fmt.Errorf("gauss: table %d: dimension %q is not a dimension of the base table", ti+1, td.Name())
		}
		if used[bd] {
			return nil, fmt.Errorf("gauss: table %d: dimension %q appears twice", ti+1, td.Name())
		}
		used[bd] = true
		m.baseDim[d] = bd
		bdim := base.Dim(bd)
		lo := make([]int32, bdim.NumLeaves())
		for i := range lo {
			lo[i] = -1
		}
		if td == bdim {
			for o := range lo {
				lo[o] = int32(bdim.Leaf(o))
			}
		} else {
			for k := 0; k < td.NumLeaves(); k++ {
				leaf := td.Leaf(k)
				code := td.Code(leaf)
				bn, ok := bdim.Index(code)
				if !ok {
					return nil, fmt.Errorf("gauss: table %d: %s code %q is not a code of the base table", ti+1, td.Name(), code)
				}
				a, b := bdim.LeafRange(bn)
				for o := a; o < b; o++ {
					if lo[o] >= 0 {
						return nil, fmt.Errorf("gauss: table %d: %s codes %q and %q overlap in the base table", ti+1, td.Name(), td.Code(int(lo[o])), code)
					}
					lo[o] = int32(leaf)
				}
			}
		}
		m.leafOf[d] = lo
	}
	return m, nil
}

// gaussModel is the model matrix of one run: rows are the inner cells of the
// base table that the attacker does not know in advance, columns the
// publishable cells of every table, identical columns merged into groups.
type gaussModel struct {
	base   *sdc.Table
	maps   []*gaussTableMap
	inner  []int32 // row -> base inner number
	rowVal []int64

	// Columns per table in CSR form: the rows of cell c of table ti are
	// colRows[ti][colOff[ti][c]:colOff[ti][c+1]].
	colOff  [][]int32
	colRows [][]int32

	// group[ti][c] is the group (merged identical columns) of a cell.
	group   [][]int32
	members [][]GaussCell // per group, in (table, cell) order
}

// baseOrdinals decomposes base inner number k into leaf ordinals.
func baseOrdinals(base *sdc.Table, k int, ord []int) {
	for d := base.NumDims() - 1; d >= 0; d-- {
		nl := base.Dim(d).NumLeaves()
		ord[d] = k % nl
		k /= nl
	}
}

// forEachBaseInner calls fn with every base inner number under cell c of
// table map m.
func (m *gaussTableMap) forEachBaseInner(base *sdc.Table, c int, fn func(k int)) {
	nb := base.NumDims()
	sets := make([][]int, nb)
	for bd := 0; bd < nb; bd++ {
		n := base.Dim(bd).NumLeaves()
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		sets[bd] = s
	}
	for d := 0; d < m.t.NumDims(); d++ {
		node := m.t.Node(c, d)
		td := m.t.Dim(d)
		var s []int
		for o, l := range m.leafOf[d] {
			if l >= 0 && td.IsAncestor(node, int(l)) {
				s = append(s, o)
			}
		}
		sets[m.baseDim[d]] = s
	}
	for _, s := range sets {
		if len(s) == 0 {
			return
		}
	}
	cur := make([]int, nb)
	for {
		k := 0
		for bd := 0; bd < nb; bd++ {
			k = k*base.Dim(bd).NumLeaves() + sets[bd][cur[bd]]
		}
		fn(k)
		bd := nb - 1
		for ; bd >= 0; bd-- {
			cur[bd]++
			if cur[bd] < len(sets[bd]) {
				break
			}
			cur[bd] = 0
		}
		if bd < 0 {
			return
		}
	}
}

// innerCellOf returns the table inner cell that base ordinals ord fall in,
// or -1 when the table does not cover them.
func (m *gaussTableMap) innerCellOf(ord []int) int {
	c := 0
	for d := range m.baseDim {
		l := m.leafOf[d][ord[m.baseDim[d]]]
		if l < 0 {
			return -1
		}
		c += int(l) * m.t.Stride(d)
	}
	return c
}

// checkCounts verifies that the table's inner counts are the sums of the
// base's inner counts that fall in them.
func (m *gaussTableMap) checkCounts(base *sdc.Table, ti int) error {
	sum := make(map[int]int64)
	ord := make([]int, base.NumDims())
	for k := 0; k < base.NumInner(); k++ {
		bc := base.InnerCell(k)
		v := base.Freq(bc)
		if v == 0 {
			continue
		}
		baseOrdinals(base, k, ord)
		c := m.innerCellOf(ord)
		if c < 0 {
			continue
		}
		sum[c] += v
	}
	t := m.t
	for k := 0; k < t.NumInner(); k++ {
		c := t.InnerCell(k)
		if t.Freq(c) != sum[c] {
			return fmt.Errorf("gauss: table %d: cell %s has count %d but the base table's inner cells in it sum to %d", ti+1, t.Label(c), t.Freq(c), sum[c])
		}
	}
	return nil
}

// buildGaussModel builds the model matrix. keepZero reports whether a base
// inner cell with count 0 stays a row (otherwise it is a known zero).
func buildGaussModel(base *sdc.Table, maps []*gaussTableMap, keepZero func(k int) bool) *gaussModel {
	md := &gaussModel{base: base, maps: maps}
	for k := 0; k < base.NumInner(); k++ {
		v := base.Freq(base.InnerCell(k))
		if v != 0 || keepZero(k) {
			md.inner = append(md.inner, int32(k))
			md.rowVal = append(md.rowVal, v)
		}
	}
	ord := make([]int, base.NumDims())
	md.colOff = make([][]int32, len(maps))
	md.colRows = make([][]int32, len(maps))
	for ti, m := range maps {
		t := m.t
		nd := t.NumDims()
		// The ancestor chains of the table leaf in every dimension.
		chains := make([][]int, nd)
		// Two passes: count, then fill.
		off := make([]int32, t.NumCells()+1)
		var rows []int32
		for pass := 0; pass < 2; pass++ {
			var fillPos []int32
			if pass == 1 {
				for c := 0; c < t.NumCells(); c++ {
					off[c+1] += off[c]
				}
				rows = make([]int32, off[t.NumCells()])
				fillPos = slices.Clone(off[:t.NumCells()])
			}
			for row, k := range md.inner {
				baseOrdinals(base, int(k), ord)
				ok := true
				for d := 0; d < nd; d++ {
					l := m.leafOf[d][ord[m.baseDim[d]]]
					if l < 0 {
						ok = false
						break
					}
					ch := chains[d][:0]
					for n := int(l); n >= 0; n = t.Dim(d).Parent(n) {
						ch = append(ch, n*t.Stride(d))
					}
					chains[d] = ch
				}
				if !ok {
					continue
				}
				forEachProduct(chains, func(c int) {
					if pass == 0 {
						off[c+1]++
					} else {
						rows[fillPos[c]] = int32(row)
						fillPos[c]++
					}
				})
			}
		}
		md.colOff[ti] = off
		md.colRows[ti] = rows
	}
	md.groupColumns()
	return md
}

// forEachProduct calls fn with every sum of one entry from each chain.
func forEachProduct(chains [][]int, fn func(c int)) {
	var rec func(d, acc int)
	rec = func(d, acc int) {
		if d == len(chains) {
			fn(acc)
			return
		}
		for _, x := range chains[d] {
			rec(d+1, acc+x)
		}
	}
	rec(0, 0)
}

func (md *gaussModel) cellRows(ti, c int) []int32 {
	off := md.colOff[ti]
	return md.colRows[ti][off[c]:off[c+1]]
}

// groupColumns merges cells with identical columns (the same set of unknown
// inner cells): they have the same value, known to the attacker, so they
// must share one status.
func (md *gaussModel) groupColumns() {
	type key struct {
		h uint64
		n int
	}
	idx := make(map[key][]int32)
	md.group = make([][]int32, len(md.maps))
	for ti, m := range md.maps {
		g := make([]int32, m.t.NumCells())
		for c := range g {
			rows := md.cellRows(ti, c)
			h := uint64(14695981039346656037)
			for _, r := range rows {
				h ^= uint64(uint32(r))
				h *= 1099511628211
			}
			k := key{h, len(rows)}
			found := int32(-1)
			if len(rows) == 0 {
				// An empty column is a cell the attacker knows (a sum of known
				// zeros, or of nothing): each stands alone.
				found = int32(len(md.members))
				md.members = append(md.members, []GaussCell{{Table: ti, Cell: c}})
				g[c] = found
				continue
			}
			for _, gi := range idx[k] {
				f := md.members[gi][0]
				if slices.Equal(md.cellRows(f.Table, f.Cell), rows) {
					found = gi
					break
				}
			}
			if found < 0 {
				found = int32(len(md.members))
				md.members = append(md.members, nil)
				idx[k] = append(idx[k], found)
			}
			md.members[found] = append(md.members[found], GaussCell{Table: ti, Cell: c})
			g[c] = found
		}
		md.group[ti] = g
	}
}

// groupRows returns the rows of group g.
func (md *gaussModel) groupRows(g int32) []int32 {
	f := md.members[g][0]
	return md.cellRows(f.Table, f.Cell)
}
