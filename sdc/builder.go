package sdc

import (
	"fmt"
	"math"
	"slices"
)

// Builder collects inner cells, or the records behind them, and builds a Table
// with every total. Absent inner cells are zeros.
//
// A frequency table is built from AddInner (counts per inner cell) or from
// AddRecord (one unit per record). A table that has seen a record with a
// contributor is a magnitude table: each cell also gets the sum of the
// records' values, the number of distinct contributors and the largest
// contributions per contributor.
type Builder struct {
	t       *Table
	freq    []int64
	recs    []record
	contrib map[string]int32
	// scale is the number of decimal places of exact values (records
	// added by AddRecordUnits); -1 before the first record, -2 once a
	// record came as a float (AddRecord): the sums are then not exact.
	scale      int
	unitsTotal int64
	topK       int
	built      bool
}

type record struct {
	inner   int32 // cell index of the inner cell
	contrib int32
	value   float64
	units   int64 // the exact value in units of 10^-scale (AddRecordUnits)
}

// NewBuilder returns a builder for a table over the given dimensions.
func NewBuilder(dims ...*Dimension) (*Builder, error) {
	t, err := newTableShape(dims)
	if err != nil {
		return nil, err
	}
	return &Builder{t: t, freq: make([]int64, t.ncells), topK: DefaultTopK, scale: -1}, nil
}

// SetTopK sets how many of the largest contributions per cell a magnitude
// table keeps (default DefaultTopK).
func (b *Builder) SetTopK(k int) error {
	if k < 1 || k > 16 {
		return fmt.Errorf("builder: top-k %d out of range 1..16", k)
	}
	b.topK = k
	return nil
}

// Shape returns the (not yet aggregated) table shape, for computing cell
// indices while adding.
func (b *Builder) Shape() *Table { return b.t }

func (b *Builder) innerCell(nodes []int) (int, error) {
	if len(nodes) != len(b.t.dims) {
		return 0, fmt.Errorf("%d nodes for %d dimensions", len(nodes), len(b.t.dims))
	}
	c := 0
	for d, n := range nodes {
		dim := b.t.dims[d]
		if n < 0 || n >= dim.Len() {
			return 0, fmt.Errorf("%s node %d out of range", dim.Name(), n)
		}
		if !dim.IsLeaf(n) {
			return 0, fmt.Errorf("%s code %q is a total, not a leaf", dim.Name(), dim.Code(n))
		}
		c += n * b.t.stride[d]
	}
	return c, nil
}

// AddInner adds count to the inner cell with the given leaf nodes.
func (b *Builder) AddInner(nodes []int, count int64) error {
	c, err := b.innerCell(nodes)
	if err != nil {
		return err
	}
	return b.AddInnerCell(c, count)
}

// AddInnerCell adds count to inner cell c (a cell index of the table
// returned by Shape). A cell out of range or a total is an error: totals
// are the sums Build computes.
func (b *Builder) AddInnerCell(c int, count int64) error {
	if b.built {
		return fmt.Errorf("builder: already built")
	}
	if c < 0 || c >= len(b.freq) {
		return fmt.Errorf("builder: cell %d out of range", c)
	}
	if !b.t.IsInner(c) {
		return fmt.Errorf("builder: cell %s is a total, not an inner cell", b.t.Label(c))
	}
	if count < 0 {
		return fmt.Errorf("negative count %d", count)
	}
	s := b.freq[c] + count
	if s < 0 {
		return fmt.Errorf("count overflows int64")
	}
	b.freq[c] = s
	return nil
}

// AddRecord adds one record (a unit) to the inner cell with the given leaf
// nodes. contributor identifies who the value belongs to (an enterprise, a
// provider, a person); value must be finite and non-negative.
func (b *Builder) AddRecord(nodes []int, contributor string, value float64) error {
	c, err := b.innerCell(nodes)
	if err != nil {
		return err
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return fmt.Errorf("value %v is not a finite number", value)
	}
	if value < 0 {
		return fmt.Errorf("negative value %v: the sensitivity rules need non-negative contributions", value)
	}
	if contributor == "" {
		return fmt.Errorf("empty contributor id")
	}
	if b.contrib == nil {
		b.contrib = map[string]int32{}
	}
	id, ok := b.contrib[contributor]
	if !ok {
		id = int32(len(b.contrib))
		b.contrib[contributor] = id
	}
	if err := b.AddInnerCell(c, 1); err != nil {
		return err
	}
	b.recs = append(b.recs, record{inner: int32(c), contrib: id, value: value})
	b.scale = -2
	return nil
}

// AddRecordUnits adds one record whose value is exact: u units of
// 10^-scale (u = 12345, scale 2 is 123.45). Every record of a table added
// this way has the same scale, and the table's sums are then exact
// (Table.ValueText); their grand total must fit in an int64 of units.
func (b *Builder) AddRecordUnits(nodes []int, contributor string, u int64, scale int) error {
	switch {
	case scale < 0 || scale > MaxDecimals:
		return fmt.Errorf("scale %d: want 0 to %d decimal places", scale, MaxDecimals)
	case u < 0:
		return fmt.Errorf("negative value: the sensitivity rules need non-negative contributions")
	case b.scale == -2:
		return fmt.Errorf("a table's records are all exact (AddRecordUnits) or none")
	case b.scale >= 0 && b.scale != scale:
		return fmt.Errorf("scale %d: the table's values have %d decimal places", scale, b.scale)
	case u > math.MaxInt64-b.unitsTotal:
		return fmt.Errorf("the sum of the values is too large for an exact value")
	}
	if err := b.AddRecord(nodes, contributor, float64(u)/float64(pow10[scale])); err != nil {
		return err
	}
	b.recs[len(b.recs)-1].units = u
	b.unitsTotal += u
	b.scale = scale
	return nil
}

// Build aggregates the inner cells into every total and returns the table.
// The builder cannot be used afterwards.
func (b *Builder) Build() (*Table, error) {
	if b.built {
		return nil, fmt.Errorf("builder: already built")
	}
	b.built = true
	t := b.t
	// The grand total bounds every cell: check it once for overflow.
	var total int64
	for _, v := range b.freq {
		if total += v; total < 0 {
			return nil, fmt.Errorf("table: the grand total overflows int64")
		}
	}
	t.freq = b.freq
	b.freq = nil
	aggregate(t, t.freq)
	if b.contrib != nil {
		b.buildMagnitude()
	}
	return t, nil
}

// number is what aggregate adds up.
type number interface{ ~int64 | ~float64 | ~int32 }

// aggregate fills every total of v, a slice over all cells whose inner cells
// are set and whose other cells are zero, with the sum of its children. It
// walks each dimension's nodes in reverse pre-order, so every child is
// complete before it is added to its parent.
func aggregate[T number](t *Table, v []T) {
	for d, dim := range t.dims {
		stride := t.stride[d]
		block := stride * t.shape[d]
		for i := dim.Len() - 1; i >= 1; i-- {
			p := dim.Parent(i)
			so, do := i*stride, p*stride
			for base := 0; base < len(v); base += block {
				src := v[base+so : base+so+stride]
				dst := v[base+do : base+do+stride]
				for k, x := range src {
					dst[k] += x
				}
			}
		}
	}
}

// buildMagnitude computes sums, distinct contributors and the largest
// contributions for every cell from the records.
func (b *Builder) buildMagnitude() {
	t := b.t
	k := b.topK
	m := &magnitude{
		value:   make([]float64, t.ncells),
		contrib: make([]int32, t.ncells),
		top:     make([]float64, t.ncells*k),
		k:       k,
	}
	if b.scale >= 0 {
		// Exact sums, and the float values from them.
		m.units, m.scale = make([]int64, t.ncells), b.scale
		for _, r := range b.recs {
			m.units[r.inner] += r.units
		}
		aggregate(t, m.units)
		for c, u := range m.units {
			m.value[c] = float64(u) / float64(pow10[m.scale])
		}
	} else {
		m.scale = -1
		for _, r := range b.recs {
			m.value[r.inner] += r.value
		}
		aggregate(t, m.value)
	}

	// Per contributor, add its records up in every cell above them, then
	// count it once in each such cell and offer its total to the cell's top k.
	slices.SortFunc(b.recs, func(x, y record) int {
		if x.contrib != y.contrib {
			return int(x.contrib - y.contrib)
		}
		return int(x.inner - y.inner)
	})
	nd := len(t.dims)
	sums := map[int32]float64{}
	chains := make([][]int, nd)
	idx := make([]int, nd)
	for lo := 0; lo < len(b.recs); {
		hi := lo
		for hi < len(b.recs) && b.recs[hi].contrib == b.recs[lo].contrib {
			hi++
		}
		clear(sums)
		for _, r := range b.recs[lo:hi] {
			c := int(r.inner)
			for d, dim := range t.dims {
				chains[d] = chains[d][:0]
				n := c / t.stride[d] % t.shape[d]
				for a := n; a >= 0; a = dim.Parent(a) {
					chains[d] = append(chains[d], (a-n)*t.stride[d])
				}
				idx[d] = 0
			}
			for {
				cell := c
				for d := range idx {
					cell += chains[d][idx[d]]
				}
				sums[int32(cell)] += r.value
				d := nd - 1
				for ; d >= 0; d-- {
					idx[d]++
					if idx[d] < len(chains[d]) {
						break
					}
					idx[d] = 0
				}
				if d < 0 {
					break
				}
			}
		}
		for cell, s := range sums {
			m.contrib[cell]++
			top := m.top[int(cell)*k : int(cell)*k+k]
			for i := range top {
				if s > top[i] {
					copy(top[i+1:], top[i:k-1])
					top[i] = s
					break
				}
			}
		}
		lo = hi
	}
	t.mag = m
	b.recs = nil
}
