package report_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/data"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// TestComputeUtility checks the figures against a direct computation over
// the cells of T1, with some cells withheld and others changed.
func TestComputeUtility(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	rel := sdc.NewRelease(tab)
	vals := make([]int64, tab.NumCells())
	for c := range vals {
		vals[c] = tab.Freq(c) + int64(c%5) - 2
		if vals[c] < 0 {
			vals[c] = 0
		}
	}
	require.NoError(t, rel.SetValues(vals, sdc.Perturbed))
	for c := 0; c < tab.NumCells(); c += 7 {
		rel.Set(c, sdc.Secondary, "test")
	}
	u, err := report.ComputeUtility(rel)
	require.NoError(t, err)
	require.Equal(t, "geo", u.GeoDimension)

	ms, err := data.Municipalities()
	require.NoError(t, err)
	pop := map[string]int{}
	for _, m := range ms {
		pop[m.Code] = m.Population
	}
	type acc struct {
		cells, withheld, changed, pub int
		abs, sq                       float64
		max                           int64
	}
	classes := make([]acc, len(report.SizeClasses))
	var all acc
	add := func(a *acc, c int) {
		a.cells++
		if rel.Suppressed(c) {
			a.withheld++
			return
		}
		a.pub++
		d := vals[c] - tab.Freq(c)
		if d != 0 {
			a.changed++
		}
		a.abs += math.Abs(float64(d))
		a.sq += float64(d * d)
		a.max = max(a.max, int64(math.Abs(float64(d))))
	}
	for c := 0; c < tab.NumCells(); c++ {
		add(&all, c)
		code := tab.Codes(c)[0]
		if p, ok := pop[code]; ok {
			for k, sc := range report.SizeClasses {
				if p >= sc.Min && p < sc.Max {
					add(&classes[k], c)
				}
			}
		}
	}
	check := func(a acc, s report.ErrorStats, what string) {
		assert.Equal(t, a.cells, s.Cells, what)
		assert.Equal(t, a.withheld, s.Withheld, what)
		assert.Equal(t, a.changed, s.Changed, what)
		if a.pub > 0 {
			assert.InDelta(t, a.abs/float64(a.pub), s.MeanAbs, 1e-12, what)
			assert.InDelta(t, math.Sqrt(a.sq/float64(a.pub)), s.RMS, 1e-12, what)
		}
		assert.Equal(t, a.max, s.MaxAbs, what)
	}
	check(all, u.All, "all")
	require.Len(t, u.BySize, len(report.SizeClasses))
	for k := range classes {
		check(classes[k], u.BySize[k].ErrorStats, u.BySize[k].Class)
	}
	// Utsira (215 residents) is in T1: the smallest class has cells.
	assert.Positive(t, u.BySize[0].Cells)
	cells := 0
	for _, l := range u.ByLevel {
		cells += l.Cells
	}
	assert.Equal(t, tab.NumCells(), cells)
}
