package suppress

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

// linkedFixture: the same municipalities grouped two ways — by county
// (table A, also the base) and by health region (table B) — crossed with
// sex. m1×M = 2 is primary in both.
func linkedFixture(t *testing.T) (a, b *sdc.Table) {
	t.Helper()
	geoA, err := sdc.NewDimension("geo",
		[]string{"NO", "c1", "m1", "m2", "c2", "m3", "m4"},
		[]string{"", "NO", "c1", "c1", "NO", "c2", "c2"})
	require.NoError(t, err)
	geoB, err := sdc.NewDimension("geo",
		[]string{"NO", "h1", "m1", "m3", "h2", "m2", "m4"},
		[]string{"", "NO", "h1", "h1", "NO", "h2", "h2"})
	require.NoError(t, err)
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	count := map[string][2]int64{"m1": {2, 40}, "m2": {20, 50}, "m3": {25, 60}, "m4": {30, 70}}
	build := func(geo *sdc.Dimension) *sdc.Table {
		bl, err := sdc.NewBuilder(geo, sex)
		require.NoError(t, err)
		for m, v := range count {
			g, _ := geo.Index(m)
			for s := 0; s < 2; s++ {
				require.NoError(t, bl.AddInner([]int{g, s + 1}, v[s]))
			}
		}
		tb, err := bl.Build()
		require.NoError(t, err)
		return tb
	}
	return build(geoA), build(geoB)
}

// attackFromLinked builds the attacker's model of releases over tables whose
// geo and sex codes name nodes of the base table, from codes alone.
func attackFromLinked(base *sdc.Table, rels ...*sdc.Release) *attackModel {
	m := &attackModel{value: make([]int64, base.NumInner())}
	for k := range m.value {
		m.value[k] = base.Freq(base.InnerCell(k))
	}
	for _, rel := range rels {
		t := rel.Table()
		for c := 0; c < t.NumCells(); c++ {
			// Base leaf ordinals under the cell, per base dimension.
			sets := make([][]int, base.NumDims())
			for bd := 0; bd < base.NumDims(); bd++ {
				bdim := base.Dim(bd)
				for o := 0; o < bdim.NumLeaves(); o++ {
					code := bdim.Code(bdim.Leaf(o))
					in := true
					for d := 0; d < t.NumDims(); d++ {
						if t.Dim(d).Name() != bdim.Name() {
							continue
						}
						n, ok := t.Dim(d).Index(code)
						in = ok && t.Dim(d).IsAncestor(t.Node(c, d), n)
					}
					if in {
						sets[bd] = append(sets[bd], o)
					}
				}
			}
			var inner []int
			var rec func(bd, k int)
			rec = func(bd, k int) {
				if bd == base.NumDims() {
					inner = append(inner, k)
					return
				}
				for _, o := range sets[bd] {
					rec(bd+1, k*base.Dim(bd).NumLeaves()+o)
				}
			}
			rec(0, 0)
			m.cells = append(m.cells, attackCell{
				name:       t.Label(c),
				inner:      inner,
				suppressed: rel.Suppressed(c),
				primary:    rel.Status(c) == sdc.Primary,
			})
		}
	}
	return m
}

// TestGaussLinked: protecting two linked tables one by one leaks (table B
// publishes m2×M, which table A withheld to protect m1×M inside county c1);
// protecting them jointly does not, and common cells get one status.
func TestGaussLinked(t *testing.T) {
	ta, tbl := linkedFixture(t)
	ctx := context.Background()

	ra, rb := gaussFreqRelease(ta, 4), gaussFreqRelease(tbl, 4)
	_, err := Gauss(ctx, ra, GaussOptions{})
	require.NoError(t, err)
	_, err = Gauss(ctx, rb, GaussOptions{})
	require.NoError(t, err)
	assert.Empty(t, attackFromLinked(ta, ra).disclosed(nil), "A alone is safe")
	assert.Empty(t, attackFromLinked(ta, rb).disclosed(nil), "B alone is safe")
	assert.Contains(t, attackFromLinked(ta, ra, rb).disclosed(nil), "m1×M", "together they disclose m1×M")

	ra, rb = gaussFreqRelease(ta, 4), gaussFreqRelease(tbl, 4)
	res, err := GaussLinked(ctx, nil, []*sdc.Release{ra, rb}, GaussOptions{})
	require.NoError(t, err)
	assert.Empty(t, attackFromLinked(ta, ra, rb).disclosed(nil))
	assert.Empty(t, attackFromLinked(ta, ra, rb).disclosed(boundFor(GaussOptions{})))
	assert.Equal(t, ta.NumCells()+tbl.NumCells(), res.Cells)
	// Cells present in both tables have one status.
	for c := 0; c < ta.NumCells(); c++ {
		d, err := tbl.CellOf(ta.Codes(c)...)
		if err != nil {
			continue // a county: not in B
		}
		assert.Equal(t, ra.Suppressed(c), rb.Suppressed(d), ta.Label(c))
	}
	for _, p := range res.Protections {
		rel := []*sdc.Release{ra, rb}[p.Secondary.Table]
		assert.Equal(t, sdc.Secondary, rel.Status(p.Secondary.Cell))
	}
}

// TestGaussLinkedMarginals: geo×sex and geo×age as marginals of the base
// geo×sex×age; the shared geo totals get one status and nothing leaks.
func TestGaussLinkedMarginals(t *testing.T) {
	geo, err := sdc.NewDimension("geo",
		[]string{"NO", "c1", "m1", "m2", "c2", "m3", "m4", "m5"},
		[]string{"", "NO", "c1", "c1", "NO", "c2", "c2", "c2"})
	require.NoError(t, err)
	sex, _ := sdc.NewFlat("sex", []string{"M", "F"})
	age, _ := sdc.NewFlat("age", []string{"y", "m", "o"})
	counts := []int64{
		1, 4, 9, 3, 0, 12, // m1: M y m o, F y m o
		7, 8, 2, 9, 11, 1,
		20, 3, 5, 0, 14, 6,
		2, 2, 1, 8, 9, 10,
		13, 0, 15, 16, 1, 18,
	}
	base := buildInner(t, []*sdc.Dimension{geo, sex, age}, counts)
	marg := func(keep ...int) *sdc.Table {
		ds := []*sdc.Dimension{geo, sex, age}
		var kd []*sdc.Dimension
		for _, d := range keep {
			kd = append(kd, ds[d])
		}
		bl, err := sdc.NewBuilder(kd...)
		require.NoError(t, err)
		nodes := make([]int, len(keep))
		for k := 0; k < base.NumInner(); k++ {
			c := base.InnerCell(k)
			if base.Freq(c) == 0 {
				continue
			}
			for i, d := range keep {
				nodes[i] = base.Node(c, d)
			}
			require.NoError(t, bl.AddInner(nodes, base.Freq(c)))
		}
		tb, err := bl.Build()
		require.NoError(t, err)
		return tb
	}
	gs, ga := marg(0, 1), marg(0, 2)
	for _, opt := range []GaussOptions{{}, {SecondaryZeros: true}} {
		rs, rg := gaussFreqRelease(gs, 4), gaussFreqRelease(ga, 4)
		_, err := GaussLinked(context.Background(), base, []*sdc.Release{rs, rg}, opt)
		require.NoError(t, err)
		assert.Empty(t, attackFromLinked(base, rs, rg).disclosed(boundFor(opt)))
		for g := 0; g < geo.Len(); g++ {
			assert.Equal(t, rs.Suppressed(gs.Cell(g, 0)), rg.Suppressed(ga.Cell(g, 0)), geo.Code(g))
		}
	}
}

func TestGaussLinkedErrors(t *testing.T) {
	ta, tbl := linkedFixture(t)
	other, err := sdc.NewDimension("region", []string{"R", "m1"}, []string{"", "R"})
	require.NoError(t, err)
	bl, err := sdc.NewBuilder(other)
	require.NoError(t, err)
	require.NoError(t, bl.AddInner([]int{1}, 3))
	tr, err := bl.Build()
	require.NoError(t, err)
	_, err = GaussLinked(context.Background(), ta, []*sdc.Release{sdc.NewRelease(tr)}, GaussOptions{})
	assert.ErrorIs(t, err, ErrGaussInput)
	assert.ErrorContains(t, err, `dimension "region"`)

	// Counts that do not add up to the base's.
	geo := tbl.Dim(0)
	sex := tbl.Dim(1)
	bl, err = sdc.NewBuilder(geo, sex)
	require.NoError(t, err)
	m1, _ := geo.Index("m1")
	require.NoError(t, bl.AddInner([]int{m1, 1}, 3))
	bad, err := bl.Build()
	require.NoError(t, err)
	_, err = GaussLinked(context.Background(), ta, []*sdc.Release{sdc.NewRelease(bad)}, GaussOptions{})
	assert.ErrorIs(t, err, ErrGaussInput)
	assert.ErrorContains(t, err, "m1×M has count 3")

	_, err = GaussLinked(context.Background(), nil, nil, GaussOptions{})
	assert.ErrorIs(t, err, ErrGaussInput)
}
