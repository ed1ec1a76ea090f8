package rounding_test

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

func TestCheckAdditive(t *testing.T) {
	geo := hier(t, "geo", "N", "A:N", "a1:A", "a2:A", "B:N")
	sex := flat(t, "sex", "M", "F")
	tb := grid(t, geo, sex, [][]int64{{1, 2}, {3, 4}, {5, 6}})
	require.NoError(t, rounding.CheckAdditive(tb, tb.Freqs()))

	cell := func(g, s string) int {
		c, err := tb.CellOf(g, s)
		require.NoError(t, err)
		return c
	}
	for _, tc := range []struct {
		name    string
		change  func(v []int64)
		wantErr string
	}{
		{"an inner cell", func(v []int64) { v[cell("a1", "M")]++ },
			"not additive in 2 relations; first: A×M = 4 but its children along geo (a1, a2) sum to 5"},
		{"a grand total", func(v []int64) { v[cell("N", "Total")] = 0 },
			"not additive in 2 relations; first: N×Total = 0 but its children along geo (A, B) sum to 21"},
		{"a subtotal and its terms consistently", func(v []int64) {
			v[cell("a1", "M")] += 3
			v[cell("a1", "Total")] += 3
			v[cell("A", "M")] += 3
			v[cell("A", "Total")] += 3
			v[cell("N", "M")] += 3
			v[cell("N", "Total")] += 3
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := slices.Clone(tb.Freqs())
			tc.change(v)
			err := rounding.CheckAdditive(tb, v)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "rounding: "+tc.wantErr)
		})
	}
	require.ErrorContains(t, rounding.CheckAdditive(tb, nil), "0 values")
}

func TestIntervalsSmallCount(t *testing.T) {
	// One flat dimension: every category is an inner cell.
	d := flat(t, "d", "x", "y")
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	tb, err := b.Build()
	require.NoError(t, err)
	x, _ := tb.CellOf("x")
	y, _ := tb.CellOf("y")
	tot, _ := tb.CellOf("Total")
	for _, tc := range []struct {
		name      string
		rule      rounding.Rule
		p         int64
		want      sdc.Interval
		wantError bool
	}{
		{"0, base 3", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3}, 0, sdc.Interval{Lower: 0, Upper: 2}, false},
		{"3, base 3", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3}, 3, sdc.Interval{Lower: 1, Upper: 3}, false},
		{"4 is exact", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3}, 4, sdc.Interval{Lower: 4, Upper: 4}, false},
		{"6 is exact", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3}, 6, sdc.Interval{Lower: 6, Upper: 6}, false},
		{"0, base 3, maxRound 2", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3, MaxRound: 2}, 0, sdc.Interval{Lower: 0, Upper: 2}, false},
		{"0, base 3, maxRound 5", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3, MaxRound: 5}, 0, sdc.Interval{Lower: 0, Upper: 2}, false},
		{"3, base 3, maxRound 5", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3, MaxRound: 5}, 3, sdc.Interval{Lower: 1, Upper: 5}, false},
		{"6, base 3, maxRound 5", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3, MaxRound: 5}, 6, sdc.Interval{Lower: 4, Upper: 6}, false},
		{"9, base 3, maxRound 5", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3, MaxRound: 5}, 9, sdc.Interval{Lower: 9, Upper: 9}, false},
		{"5, base 5", rounding.Rule{Method: rounding.MethodSmallCount, Base: 5}, 5, sdc.Interval{Lower: 1, Upper: 5}, false},
		{"5, base 5, up from zero", rounding.Rule{Method: rounding.MethodSmallCount, Base: 5, UpFromZero: true}, 5, sdc.Interval{Lower: 0, Upper: 5}, false},
		{"6, base 3, maxRound 5, up from zero", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3, MaxRound: 5, UpFromZero: true}, 6, sdc.Interval{Lower: 3, Upper: 6}, false},
		{"10, base 5, up from zero", rounding.Rule{Method: rounding.MethodSmallCount, Base: 5, UpFromZero: true}, 10, sdc.Interval{Lower: 10, Upper: 10}, false},
		{"a small count cannot survive", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3}, 2, sdc.Interval{}, true},
		{"negative", rounding.Rule{Method: rounding.MethodSmallCount, Base: 3}, -3, sdc.Interval{}, true},
		{"controlled 0", rounding.Rule{Method: rounding.MethodControlled, Base: 5}, 0, sdc.Interval{Lower: 0, Upper: 4}, false},
		{"controlled 10", rounding.Rule{Method: rounding.MethodControlled, Base: 5}, 10, sdc.Interval{Lower: 6, Upper: 14}, false},
		{"random 3", rounding.Rule{Method: rounding.MethodRandom, Base: 3}, 3, sdc.Interval{Lower: 1, Upper: 5}, false},
		{"controlled non-multiple", rounding.Rule{Method: rounding.MethodControlled, Base: 5}, 7, sdc.Interval{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Cell x is published p, cell y 300 (exact for small-count
			// rounding, a multiple of every base here).
			v := make([]int64, tb.NumCells())
			v[x], v[y] = tc.p, 300
			v[tot] = tc.p + 300
			ivs, err := rounding.Intervals(tb, v, tc.rule)
			if tc.wantError {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, ivs[x])
			// The total is the sum of its terms' intervals (and for the
			// adjacent rules no wider than its own).
			yi := ivs[y]
			wt := sdc.Interval{Lower: tc.want.Lower + yi.Lower, Upper: tc.want.Upper + yi.Upper}
			if tc.rule.Method != rounding.MethodSmallCount {
				wt.Lower = math.Max(wt.Lower, float64(v[tot]-tc.rule.Base+1))
				wt.Upper = math.Min(wt.Upper, float64(v[tot]+tc.rule.Base-1))
			}
			assert.Equal(t, wt, ivs[tot])
		})
	}
	_, err = rounding.Intervals(tb, make([]int64, tb.NumCells()), rounding.Rule{Base: 3})
	require.ErrorContains(t, err, "unknown method")
	_, err = rounding.Intervals(tb, make([]int64, tb.NumCells()), rounding.Rule{Method: rounding.MethodSmallCount, Base: 5, MaxRound: 2})
	require.ErrorContains(t, err, "MaxRound")
	_, err = rounding.Intervals(tb, nil, rounding.Rule{Method: rounding.MethodRandom, Base: 3})
	require.Error(t, err)
}

// For controlled rounding the total's own rule can be tighter than the sum
// of its terms' intervals.
func TestIntervalsControlledTotal(t *testing.T) {
	tb := knownTable(t)
	v := make([]int64, tb.NumCells())
	set := func(r, c string, x int64) {
		cell, err := tb.CellOf(r, c)
		require.NoError(t, err)
		v[cell] = x
	}
	set("a", "x", 5)
	set("a", "y", 0)
	set("b", "x", 5)
	set("b", "y", 5)
	set("a", "Total", 5)
	set("b", "Total", 10)
	set("Total", "x", 10)
	set("Total", "y", 5)
	set("Total", "Total", 15)
	ivs, err := rounding.Intervals(tb, v, rounding.Rule{Method: rounding.MethodControlled, Base: 5})
	require.NoError(t, err)
	c, _ := tb.CellOf("Total", "Total")
	// Sum of the four inner intervals: [1+0+1+1, 9+4+9+9] = [3, 31]; own
	// rule: [11, 19].
	assert.Equal(t, sdc.Interval{Lower: 11, Upper: 19}, ivs[c])
	c, _ = tb.CellOf("a", "Total")
	// Terms [1, 9] + [0, 4] = [1, 13]; own rule [1, 9].
	assert.Equal(t, sdc.Interval{Lower: 1, Upper: 9}, ivs[c])
}

func TestComputeMetrics(t *testing.T) {
	// geo: N > A > a1, a2; N > b (a leaf at depth 1 beside leaves at 2).
	geo := hier(t, "geo", "N", "A:N", "a1:A", "a2:A", "b:N")
	sex := flat(t, "sex", "M", "F")
	tb := grid(t, geo, sex, [][]int64{{1, 2}, {3, 4}, {5, 6}})
	v := slices.Clone(tb.Freqs())
	add := func(g, s string, d int64) {
		c, err := tb.CellOf(g, s)
		require.NoError(t, err)
		v[c] += d
	}
	// a1×M −1 and its totals; b×F +2 and its totals.
	for _, g := range []string{"a1", "A", "N"} {
		add(g, "M", -1)
		add(g, "Total", -1)
	}
	for _, g := range []string{"b", "N"} {
		add(g, "F", 2)
		add(g, "Total", 2)
	}
	require.NoError(t, rounding.CheckAdditive(tb, v))
	m, err := rounding.ComputeMetrics(tb, v)
	require.NoError(t, err)
	// 15 cells; changed by −1: a1×M, a1×Total, A×M, A×Total, N×M; by +2:
	// b×F, b×Total, N×F; by +1 (−1+2): N×Total.
	assert.Equal(t, 15, m.All.Cells)
	assert.Equal(t, 9, m.All.Changed)
	assert.Equal(t, int64(2), m.All.MaxAbs)
	// |diffs|: 1,1,1,1,1,1,2,2,2 → sum 12, squares 18.
	assert.InDelta(t, 12.0/15, m.All.MeanAbs, 1e-12)
	assert.InDelta(t, math.Sqrt(18.0/15), m.All.RMS, 1e-12)
	assert.InDelta(t, 9.0/15, m.All.ShareChanged, 1e-12)
	// Inner cells: a1×M (−1), b×F (+2) of 6.
	assert.Equal(t, rounding.ErrorStats{Cells: 6, Changed: 2, ShareChanged: 2.0 / 6, MaxAbs: 2, MeanAbs: 3.0 / 6, RMS: math.Sqrt(5.0 / 6)}, m.Inner)
	// Levels: geo depths 0..2 × sex depths 0..1, all six occur.
	require.Len(t, m.Levels, 6)
	assert.Equal(t, []int{0, 0}, m.Levels[0].Depths)
	assert.Equal(t, 1, m.Levels[0].Cells) // N×Total
	assert.Equal(t, []int{2, 1}, m.Levels[5].Depths)
	assert.Equal(t, 4, m.Levels[5].Cells) // a1, a2 × M, F
	assert.Equal(t, 1, m.Levels[5].Changed)
	// ByDepth sums up the levels.
	require.Len(t, m.ByDepth, 2)
	assert.Equal(t, 3, m.ByDepth[0][0].Cells)
	assert.Equal(t, 6, m.ByDepth[0][1].Cells) // A and b
	assert.Equal(t, 6, m.ByDepth[0][2].Cells)
	assert.Equal(t, 5, m.ByDepth[1][0].Cells)
	assert.Equal(t, 10, m.ByDepth[1][1].Cells)
	assert.Equal(t, int64(2), m.ByDepth[1][1].MaxAbs)
	assert.Contains(t, m.All.String(), "max |diff| 2")

	_, err = rounding.ComputeMetrics(tb, nil)
	require.Error(t, err)
}

func TestMethodString(t *testing.T) {
	assert.Equal(t, "small-count", rounding.MethodSmallCount.String())
	assert.Equal(t, "controlled", rounding.MethodControlled.String())
	assert.Equal(t, "random", rounding.MethodRandom.String())
	assert.Equal(t, "method(9)", rounding.Method(9).String())
}
