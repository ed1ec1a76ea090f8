package rounding

import (
	"fmt"
	"math"

	"github.com/tabsdc/tabsdc/sdc"
)

// ErrorStats summarises the differences between published and true values
// over a set of publishable cells.
type ErrorStats struct {
	// Cells is the number of cells.
	Cells int
	// Changed is the number of cells whose published value differs from the
	// true one.
	Changed int
	// ShareChanged is Changed/Cells (0 for no cells).
	ShareChanged float64
	// MaxAbs is the largest absolute difference.
	MaxAbs int64
	// MeanAbs is the mean absolute difference.
	MeanAbs float64
	// RMS is the root mean square of the differences.
	RMS float64
}

// String formats the statistics on one line.
func (s ErrorStats) String() string {
	return fmt.Sprintf("cells %d, changed %d (%.1f%%), max |diff| %d, mean |diff| %.4f, RMS %.4f",
		s.Cells, s.Changed, 100*s.ShareChanged, s.MaxAbs, s.MeanAbs, s.RMS)
}

// LevelStats are the error statistics of the cells at one hierarchy level:
// the cells whose node in dimension d has depth Depths[d], for every d.
type LevelStats struct {
	Depths []int
	ErrorStats
}

// Metrics measure how far published values are from the true ones.
type Metrics struct {
	// All covers every publishable cell.
	All ErrorStats
	// Inner covers the inner cells.
	Inner ErrorStats
	// Levels has one entry per combination of depths (one depth per
	// dimension) that some cell has, in increasing mixed-radix order of the
	// depths, the last dimension varying fastest. In a table of flat
	// dimensions the first level is the grand total and the last one holds
	// the inner cells; in skewed hierarchies inner cells spread over several
	// levels.
	Levels []LevelStats
	// ByDepth[d][k] covers the cells whose node in dimension d has depth k,
	// whatever their other nodes.
	ByDepth [][]ErrorStats
}

// acc accumulates error statistics.
type acc struct {
	cells, changed int
	maxAbs         int64
	sumAbs, sumSq  float64
}

func (a *acc) add(diff int64) {
	a.cells++
	if diff == 0 {
		return
	}
	a.changed++
	if diff < 0 {
		diff = -diff
	}
	a.maxAbs = max(a.maxAbs, diff)
	f := float64(diff)
	a.sumAbs += f
	a.sumSq += f * f
}

func (a *acc) merge(b acc) {
	a.cells += b.cells
	a.changed += b.changed
	a.maxAbs = max(a.maxAbs, b.maxAbs)
	a.sumAbs += b.sumAbs
	a.sumSq += b.sumSq
}

func (a acc) stats() ErrorStats {
	s := ErrorStats{Cells: a.cells, Changed: a.changed, MaxAbs: a.maxAbs}
	if a.cells > 0 {
		n := float64(a.cells)
		s.ShareChanged = float64(a.changed) / n
		s.MeanAbs = a.sumAbs / n
		s.RMS = math.Sqrt(a.sumSq / n)
	}
	return s
}

// ComputeMetrics compares published values (one per cell of t) with the
// true counts of t.
func ComputeMetrics(t *sdc.Table, values []int64) (Metrics, error) {
	if len(values) != t.NumCells() {
		return Metrics{}, fmt.Errorf("rounding: %d values for %d cells", len(values), t.NumCells())
	}
	nd := t.NumDims()
	// Levels are indexed by a mixed radix over depths 0..MaxDepth.
	radix := make([]int, nd)
	nlev := 1
	for d := 0; d < nd; d++ {
		radix[d] = t.Dim(d).MaxDepth() + 1
		nlev *= radix[d]
	}
	levels := make([]acc, nlev)
	var inner acc
	freq := t.Freqs()
	forEachDepth(t, func(c int, depths []int, isInner bool) {
		l := 0
		for d, k := range depths {
			l = l*radix[d] + k
		}
		diff := values[c] - freq[c]
		levels[l].add(diff)
		if isInner {
			inner.add(diff)
		}
	})
	m := Metrics{Inner: inner.stats(), ByDepth: make([][]ErrorStats, nd)}
	var all acc
	byDepth := make([][]acc, nd)
	for d := range byDepth {
		byDepth[d] = make([]acc, radix[d])
	}
	depths := make([]int, nd)
	for l, a := range levels {
		r := l
		for d := nd - 1; d >= 0; d-- {
			depths[d] = r % radix[d]
			r /= radix[d]
		}
		if a.cells == 0 {
			continue
		}
		all.merge(a)
		for d, k := range depths {
			byDepth[d][k].merge(a)
		}
		m.Levels = append(m.Levels, LevelStats{Depths: append([]int(nil), depths...), ErrorStats: a.stats()})
	}
	m.All = all.stats()
	for d := range byDepth {
		m.ByDepth[d] = make([]ErrorStats, radix[d])
		for k, a := range byDepth[d] {
			m.ByDepth[d][k] = a.stats()
		}
	}
	return m, nil
}
