package sdc

import "fmt"

// Marginal returns the table of t over some of its dimensions, named in the
// order wanted: every other dimension is summed over. The dimensions are
// shared with t, so each cell of the marginal is a cell of t whose nodes in
// the other dimensions are their roots (see BaseCell). Marginals of one
// table are linked tables: they come from the same units.
func Marginal(t *Table, dims ...string) (*Table, error) {
	if t.HasMagnitude() {
		return nil, fmt.Errorf("marginal: magnitude tables need their records to be re-aggregated; build each table from the records instead")
	}
	if len(dims) == 0 {
		return nil, fmt.Errorf("marginal: no dimensions")
	}
	pos := make([]int, len(dims))
	sub := make([]*Dimension, len(dims))
	seen := map[string]bool{}
	for i, name := range dims {
		if seen[name] {
			return nil, fmt.Errorf("marginal: dimension %q named twice", name)
		}
		seen[name] = true
		pos[i] = -1
		for d, dim := range t.dims {
			if dim.Name() == name {
				pos[i], sub[i] = d, dim
			}
		}
		if pos[i] < 0 {
			return nil, fmt.Errorf("marginal: the table has no dimension %q", name)
		}
	}
	b, err := NewBuilder(sub...)
	if err != nil {
		return nil, err
	}
	shape := b.Shape()
	for k := 0; k < t.NumInner(); k++ {
		c := t.InnerCell(k)
		v := t.freq[c]
		if v == 0 {
			continue
		}
		mc := 0
		for i, d := range pos {
			mc += t.Node(c, d) * shape.stride[i]
		}
		if err := b.AddInnerCell(mc, v); err != nil {
			return nil, err
		}
	}
	return b.Build()
}

// BaseCell returns the cell of base that cell c of t stands for, when t's
// dimensions are dimensions of base (as for a Marginal): the same nodes in
// t's dimensions and the root elsewhere. It returns -1 when a dimension of t
// is not one of base's.
func BaseCell(base, t *Table, c int) int {
	bc := 0
	for i, dim := range t.dims {
		d := -1
		for j, bd := range base.dims {
			if bd == dim {
				d = j
			}
		}
		if d < 0 {
			return -1
		}
		bc += t.Node(c, i) * base.stride[d]
	}
	return bc
}

// JointRelease is the attacker's joint view of linked releases of
// marginals of base: a release of base in which every cell that one of
// rels holds has that release's status, reason and Fixed mark (withheld
// statuses win where tables disagree), and every cell none of them holds
// is Hidden. One release of base itself is returned as it is.
func JointRelease(base *Table, rels []*Release) (*Release, error) {
	if len(rels) == 1 && rels[0].Table() == base {
		return rels[0], nil
	}
	j := NewRelease(base)
	held := make([]bool, base.NumCells())
	for i, r := range rels {
		t := r.Table()
		for c := 0; c < t.NumCells(); c++ {
			bc := BaseCell(base, t, c)
			if bc < 0 {
				return nil, fmt.Errorf("joint release: table %d has a dimension that is not one of the base table's", i+1)
			}
			held[bc] = true
			if st := r.Status(c); st != Published {
				j.Set(bc, st, r.Reason(c))
			}
			if r.Fixed(c) {
				j.Fix(bc)
			}
		}
	}
	for c, ok := range held {
		if !ok {
			j.Set(c, Hidden, "in no released table")
		}
	}
	return j, nil
}

// ValueTable is a magnitude table's values as a table of counts: each
// cell's count is its exact sum in units of the last decimal place
// (Table.ValueText; 123.45 with two decimals is 12345), over the same
// dimensions, so a cell has the same index in both. An attacker's view of
// the published sums is the audit of a release of this table: the sums
// are whole numbers of units. An error for a table without exact values.
func ValueTable(t *Table) (*Table, error) {
	if !t.ExactValues() {
		return nil, fmt.Errorf("value table: the table has no exact values (read them from CSV, or add them with Builder.AddRecordUnits)")
	}
	b, err := NewBuilder(t.dims...)
	if err != nil {
		return nil, err
	}
	for k := 0; k < t.NumInner(); k++ {
		c := t.InnerCell(k)
		if err := b.AddInnerCell(c, t.mag.units[c]); err != nil {
			return nil, err
		}
	}
	return b.Build()
}

// Decimals is the number of decimal places of the table's exact values
// (ValueTable's unit is 10^-Decimals), or -1 without exact values.
func (t *Table) Decimals() int {
	if !t.ExactValues() {
		return -1
	}
	return t.mag.scale
}
