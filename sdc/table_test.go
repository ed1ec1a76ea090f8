package sdc

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallGeo is NO > {03 > 0301; 11 > 1101, 1151}: Oslo's county has one
// municipality, as in the real data.
func smallGeo(t testing.TB) *Dimension {
	return mustDim(t, "geo", "NO:", "03:NO", "0301:03", "11:NO", "1101:11", "1151:11")
}

func TestTableShapeErrors(t *testing.T) {
	_, err := NewBuilder()
	assert.EqualError(t, err, "table: no dimensions")
	_, err = NewBuilder(mustFlat(t, "sex", "M"), nil)
	assert.EqualError(t, err, "table: dimension 2 is nil")
	_, err = NewBuilder(mustFlat(t, "sex", "M"), mustFlat(t, "sex", "F"))
	assert.EqualError(t, err, `table: two dimensions are named "sex"`)

	codes := make([]string, 50000)
	for i := range codes {
		codes[i] = string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
	}
	big1, big2 := mustFlat(t, "a", codes...), mustFlat(t, "b", codes...)
	_, err = NewBuilder(big1, big2)
	assert.EqualError(t, err, "table: more than 2147483647 publishable cells")
}

func TestTableIndexing(t *testing.T) {
	geo, sex := smallGeo(t), mustFlat(t, "sex", "M", "F")
	age := mustFlat(t, "age", "young", "old")
	dims := []*Dimension{geo, sex, age}
	b, err := NewBuilder(dims...)
	require.NoError(t, err)
	tab, err := b.Build()
	require.NoError(t, err)

	assert.Equal(t, 3, tab.NumDims())
	assert.Equal(t, 6*3*3, tab.NumCells())
	assert.Equal(t, 3*2*2, tab.NumInner())
	assert.Equal(t, []int{9, 3, 1}, []int{tab.Stride(0), tab.Stride(1), tab.Stride(2)})
	assert.Same(t, sex, tab.Dim(1))
	got := tab.Dims()
	assert.Equal(t, dims, got)
	got[0] = nil
	assert.Same(t, geo, tab.Dim(0), "Dims returns a copy")
	dims[0] = sex
	assert.Same(t, geo, tab.Dim(0), "the table keeps its own copy of NewBuilder's arguments")

	c := tab.Cell(4, 2, 1) // 1101×F×young
	assert.Equal(t, 4*9+2*3+1, c)
	assert.Equal(t, []int{4, 2, 1}, tab.Nodes(c, nil))
	assert.Equal(t, 2, tab.Node(c, 1))
	assert.Equal(t, []string{"1101", "F", "young"}, tab.Codes(c))
	assert.Equal(t, "1101×F×young", tab.Label(c))
	c2, err := tab.CellOf("1101", "F", "young")
	require.NoError(t, err)
	assert.Equal(t, c, c2)
	_, err = tab.CellOf("1101", "F")
	assert.EqualError(t, err, "table: 2 codes for 3 dimensions")
	_, err = tab.CellOf("1101", "X", "young")
	assert.EqualError(t, err, `table: unknown sex code "X"`)

	assert.True(t, tab.IsInner(c))
	assert.False(t, tab.IsInner(tab.Cell(3, 2, 1)))
	assert.Equal(t, tab.Cell(3, 2, 1), tab.Parent(c, 0))
	assert.Equal(t, tab.Cell(4, 0, 1), tab.Parent(c, 1))
	assert.Equal(t, -1, tab.Parent(tab.Cell(0, 2, 1), 0))
	assert.Equal(t, []int{tab.Cell(4, 2, 1), tab.Cell(5, 2, 1)}, tab.Children(tab.Cell(3, 2, 1), 0))
	assert.Empty(t, tab.Children(c, 2))
	assert.Equal(t, []int{0, 3, 0, 2, 0, 2}, tab.InnerRange(0, nil))
	assert.Equal(t, []int{1, 2, 1, 2, 0, 1}, tab.InnerRange(c, nil))

	// Inner cells are numbered over leaf ordinals, last dimension fastest.
	for k := 0; k < tab.NumInner(); k++ {
		ic := tab.InnerCell(k)
		require.True(t, tab.IsInner(ic))
		require.Equal(t, k, tab.InnerNumber(ic))
	}
	assert.Equal(t, 1*4+1*2+0, tab.InnerNumber(c))
	assert.Equal(t, -1, tab.InnerNumber(tab.Cell(3, 2, 1)))
	var ks []int
	tab.ForEachInner(tab.Cell(3, 0, 2), func(k int) { ks = append(ks, k) })
	// 1101 and 1151 (leaf ordinals 1, 2) × M, F × old.
	assert.Equal(t, []int{5, 7, 9, 11}, ks)
	ks = ks[:0]
	tab.ForEachInner(c, func(k int) { ks = append(ks, k) })
	assert.Equal(t, []int{6}, ks)
}

func TestBuilderFrequency(t *testing.T) {
	geo, sex := smallGeo(t), mustFlat(t, "sex", "M", "F")
	b, err := NewBuilder(geo, sex)
	require.NoError(t, err)
	n := func(code string, d *Dimension) int { i, ok := d.Index(code); require.True(t, ok); return i }
	require.NoError(t, b.AddInner([]int{n("0301", geo), n("M", sex)}, 7))
	require.NoError(t, b.AddInner([]int{n("0301", geo), n("M", sex)}, 3)) // adds up
	require.NoError(t, b.AddInner([]int{n("1101", geo), n("F", sex)}, 5))
	require.NoError(t, b.AddInner([]int{n("1151", geo), n("F", sex)}, 0))
	require.NoError(t, b.AddInnerCell(b.Shape().Cell(n("1151", geo), n("M", sex)), 2))

	for _, tc := range []struct {
		nodes []int
		count int64
		want  string
	}{
		{[]int{1}, 1, "1 nodes for 2 dimensions"},
		{[]int{6, 1}, 1, "geo node 6 out of range"},
		{[]int{-1, 1}, 1, "geo node -1 out of range"},
		{[]int{1, 1}, 1, `geo code "03" is a total, not a leaf`},
		{[]int{2, 0}, 1, `sex code "Total" is a total, not a leaf`},
		{[]int{2, 1}, -1, "negative count -1"},
		{[]int{2, 1}, math.MaxInt64, "count overflows int64"},
	} {
		assert.EqualError(t, b.AddInner(tc.nodes, tc.count), tc.want)
	}

	tab, err := b.Build()
	require.NoError(t, err)
	want := map[[2]string]int64{
		{"0301", "M"}: 10, {"0301", "F"}: 0, {"0301", "Total"}: 10,
		{"03", "M"}: 10, {"03", "F"}: 0, {"03", "Total"}: 10,
		{"1101", "M"}: 0, {"1101", "F"}: 5, {"1101", "Total"}: 5,
		{"1151", "M"}: 2, {"1151", "F"}: 0, {"1151", "Total"}: 2,
		{"11", "M"}: 2, {"11", "F"}: 5, {"11", "Total"}: 7,
		{"NO", "M"}: 12, {"NO", "F"}: 5, {"NO", "Total"}: 17,
	}
	for k, v := range want {
		c, err := tab.CellOf(k[0], k[1])
		require.NoError(t, err)
		assert.Equal(t, v, tab.Freq(c), "%v", k)
		assert.Equal(t, v, tab.Freqs()[c])
	}
	assert.Len(t, want, tab.NumCells())

	assert.False(t, tab.HasMagnitude())
	assert.Zero(t, tab.Value(0))
	assert.Nil(t, tab.Values())
	assert.Equal(t, -1, tab.Contributors(0))
	assert.Zero(t, tab.TopK())
	assert.Panics(t, func() { tab.Top(0, 0) })

	// The builder is spent.
	_, err = b.Build()
	assert.EqualError(t, err, "builder: already built")
	assert.EqualError(t, b.AddInnerCell(0, 1), "builder: already built")

	// A total or a cell out of range cannot be added to: totals are sums.
	b2, err := NewBuilder(geo, sex)
	require.NoError(t, err)
	assert.ErrorContains(t, b2.AddInnerCell(0, 1), "is a total, not an inner cell")
	assert.EqualError(t, b2.AddInnerCell(-1, 1), "builder: cell -1 out of range")
	assert.EqualError(t, b2.AddInnerCell(b2.Shape().NumCells(), 1), fmt.Sprintf("builder: cell %d out of range", b2.Shape().NumCells()))
}

func TestBuilderGrandTotalOverflow(t *testing.T) {
	b, err := NewBuilder(mustFlat(t, "sex", "M", "F"))
	require.NoError(t, err)
	require.NoError(t, b.AddInner([]int{1}, math.MaxInt64/2+1))
	require.NoError(t, b.AddInner([]int{2}, math.MaxInt64/2+1))
	_, err = b.Build()
	assert.EqualError(t, err, "table: the grand total overflows int64")
}

func TestBuilderMagnitude(t *testing.T) {
	geo, svc := smallGeo(t), mustFlat(t, "service", "lab", "xray")
	b, err := NewBuilder(geo, svc)
	require.NoError(t, err)
	assert.EqualError(t, b.SetTopK(0), "builder: top-k 0 out of range 1..16")
	assert.EqualError(t, b.SetTopK(17), "builder: top-k 17 out of range 1..16")
	require.NoError(t, b.SetTopK(4))
	n := func(g, s string) []int {
		i, _ := geo.Index(g)
		j, _ := svc.Index(s)
		return []int{i, j}
	}
	assert.EqualError(t, b.AddRecord(n("0301", "lab"), "P1", math.NaN()), "value NaN is not a finite number")
	assert.EqualError(t, b.AddRecord(n("0301", "lab"), "P1", math.Inf(1)), "value +Inf is not a finite number")
	assert.EqualError(t, b.AddRecord(n("0301", "lab"), "P1", -1), "negative value -1: the sensitivity rules need non-negative contributions")
	assert.EqualError(t, b.AddRecord(n("0301", "lab"), "", 1), "empty contributor id")
	assert.EqualError(t, b.AddRecord(n("03", "lab"), "P1", 1), `geo code "03" is a total, not a leaf`)

	require.NoError(t, b.AddRecord(n("0301", "lab"), "P1", 100))
	require.NoError(t, b.AddRecord(n("0301", "lab"), "P1", 50))
	require.NoError(t, b.AddRecord(n("0301", "lab"), "P2", 120))
	require.NoError(t, b.AddRecord(n("1101", "lab"), "P3", 10))
	require.NoError(t, b.AddRecord(n("1101", "lab"), "P4", 40))
	require.NoError(t, b.AddRecord(n("1151", "lab"), "P3", 35))
	require.NoError(t, b.AddRecord(n("1151", "xray"), "P4", 1))
	require.NoError(t, b.AddRecord(n("1151", "xray"), "P5", 0))
	tab, err := b.Build()
	require.NoError(t, err)
	require.True(t, tab.HasMagnitude())
	assert.Equal(t, 4, tab.TopK())
	assert.Len(t, tab.Values(), tab.NumCells())

	type cell struct {
		freq    int64
		value   float64
		contrib int
		top     []float64
	}
	want := map[[2]string]cell{
		{"0301", "lab"}:   {3, 270, 2, []float64{150, 120, 0, 0}},
		{"03", "lab"}:     {3, 270, 2, []float64{150, 120, 0, 0}},
		{"1101", "lab"}:   {2, 50, 2, []float64{40, 10, 0, 0}},
		{"1151", "lab"}:   {1, 35, 1, []float64{35, 0, 0, 0}},
		{"1151", "xray"}:  {2, 1, 2, []float64{1, 0, 0, 0}},
		{"11", "lab"}:     {3, 85, 2, []float64{45, 40, 0, 0}},
		{"11", "Total"}:   {5, 86, 3, []float64{45, 41, 0, 0}},
		{"NO", "lab"}:     {6, 355, 4, []float64{150, 120, 45, 40}},
		{"NO", "Total"}:   {8, 356, 5, []float64{150, 120, 45, 41}},
		{"0301", "xray"}:  {0, 0, 0, []float64{0, 0, 0, 0}},
		{"1101", "Total"}: {2, 50, 2, []float64{40, 10, 0, 0}},
	}
	for k, w := range want {
		c, err := tab.CellOf(k[0], k[1])
		require.NoError(t, err)
		assert.Equal(t, w.freq, tab.Freq(c), "freq %v", k)
		assert.Equal(t, w.value, tab.Value(c), "value %v", k)
		assert.Equal(t, w.contrib, tab.Contributors(c), "contributors %v", k)
		var top []float64
		for i := 0; i < tab.TopK(); i++ {
			top = append(top, tab.Top(c, i))
		}
		assert.Equal(t, w.top, top, "top %v", k)
	}
	assert.Panics(t, func() { tab.Top(0, 4) })
	assert.Panics(t, func() { tab.Top(5, -1) }, "not the last contribution of cell 4")
}

func TestRelease(t *testing.T) {
	for i, name := range []string{"published", "primary", "secondary", "rounded", "perturbed", "hidden", "suppressed"} {
		s := Status(i)
		assert.Equal(t, name, s.String())
		p, err := ParseStatus(name)
		require.NoError(t, err)
		assert.Equal(t, s, p)
		assert.Equal(t, s == Primary || s == Secondary || s == Withheld, s.Suppressed())
	}
	assert.Equal(t, "status(9)", Status(9).String())
	_, err := ParseStatus("concealed")
	assert.EqualError(t, err, `unknown status "concealed" (want one of "published", "primary", "secondary", "rounded", "perturbed", "hidden", "suppressed")`)

	tab := sexTable(t)
	r := NewRelease(tab)
	assert.Same(t, tab, r.Table())
	assert.Equal(t, 3, r.Count(Published))
	r.Set(1, Primary, "frequency 3 < 5")
	r.Set(2, Secondary, "protects M")
	assert.Equal(t, []Status{Published, Primary, Secondary}, r.Statuses())
	assert.Equal(t, "frequency 3 < 5", r.Reason(1))
	assert.Equal(t, "", r.Reason(0))
	assert.True(t, r.Suppressed(1))
	assert.False(t, r.Suppressed(0))
	assert.Equal(t, 1, r.Count(Primary))
	v, ok := r.Value(0)
	assert.True(t, ok)
	assert.Equal(t, int64(7), v)
	_, ok = r.Value(1)
	assert.False(t, ok)

	r.Fix(0)
	assert.True(t, r.Fixed(0))
	assert.False(t, r.Fixed(1))

	assert.False(t, r.HasValues())
	assert.EqualError(t, r.SetValues([]int64{1}, Rounded), "release: 1 values for 3 cells")
	require.NoError(t, r.SetValues([]int64{10, 5, 5}, Rounded))
	assert.True(t, r.HasValues())
	v, ok = r.Value(0)
	assert.True(t, ok)
	assert.Equal(t, int64(10), v)
	_, ok = r.Value(2)
	assert.False(t, ok, "a suppressed cell has no value even when values are set")

	_, ok = r.Interval(1)
	assert.False(t, ok)
	r.SetInterval(1, Interval{0, 7}, IntervalExact)
	iv, ok := r.Interval(1)
	assert.True(t, ok)
	assert.Equal(t, 7.0, iv.Width())
}

// sexTable is Total = M + F with counts 3 and 4.
func sexTable(t *testing.T) *Table {
	t.Helper()
	b, err := NewBuilder(mustFlat(t, "sex", "M", "F"))
	require.NoError(t, err)
	require.NoError(t, b.AddInner([]int{1}, 3))
	require.NoError(t, b.AddInner([]int{2}, 4))
	tab, err := b.Build()
	require.NoError(t, err)
	return tab
}

func TestReleaseClone(t *testing.T) {
	tab := sexTable(t)
	r := NewRelease(tab)
	r.Set(1, Primary, "frequency 3 < 5")
	r.Fix(0)
	r.SetInterval(1, Interval{0, 7}, IntervalExact)

	c := r.Clone()
	assert.Same(t, tab, c.Table())
	assert.Equal(t, r.Statuses(), c.Statuses())
	assert.Equal(t, "frequency 3 < 5", c.Reason(1))
	assert.True(t, c.Fixed(0))
	iv, ok := c.Interval(1)
	require.True(t, ok)
	assert.Equal(t, Interval{0, 7}, iv)

	// Changes to the clone leave the original alone, and back.
	c.Set(2, Secondary, "protects M")
	c.Set(1, Published, "")
	c.Fix(2)
	c.SetInterval(2, Interval{1, 2}, IntervalExact)
	require.NoError(t, c.SetValues([]int64{10, 5, 5}, Rounded))
	assert.Equal(t, []Status{Published, Primary, Published}, r.Statuses())
	assert.Equal(t, "frequency 3 < 5", r.Reason(1))
	assert.Equal(t, "", r.Reason(2))
	assert.False(t, r.Fixed(2))
	_, ok = r.Interval(2)
	assert.False(t, ok)
	assert.False(t, r.HasValues())
	r.Set(0, Secondary, "another reason")
	assert.Equal(t, Published, c.Status(0))
	assert.Equal(t, "protects M", c.Reason(2))
}
