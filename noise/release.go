package noise

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/tabsdc/tabsdc/sdc"
)

// DPResult is a differentially private release of a table.
type DPResult struct {
	// Release publishes every cell with its post-processed value (status
	// Perturbed); a measured cell's interval is the library's confidence
	// interval of its noisy count (sdc.IntervalConfidence), and the
	// internal file's "noisy" column holds the noisy count itself.
	Release *sdc.Release
	// Values are the published values of every cell.
	Values       []int64
	Measurements []*Measurement
	Estimate     EstimateInfo
	// TopDim is the dimension the top-down pass followed.
	TopDim int
}

// PostProcess turns noisy measurements of t into the published values of
// every cell of t: the least-squares estimate (Estimate), made
// non-negative integers along dimension dim (TopDown), and summed into
// every total. It is deterministic: the same measurements give the same
// table.
func PostProcess(ctx context.Context, t *sdc.Table, ms []*Measurement, dim int) ([]int64, EstimateInfo, error) {
	est, info, err := Estimate(ctx, t.NumInner(), ms)
	if err != nil {
		return nil, info, err
	}
	inner, err := TopDown(t, est, dim)
	if err != nil {
		return nil, info, err
	}
	vals, err := Aggregate(t, inner)
	return vals, info, err
}

// Aggregate returns the value of every cell of t given its inner cells'
// values (by inner cell number): each total is the sum of the inner cells
// under it.
func Aggregate(t *sdc.Table, inner []int64) ([]int64, error) {
	if len(inner) != t.NumInner() {
		return nil, fmt.Errorf("aggregate: %d values for %d inner cells", len(inner), t.NumInner())
	}
	b, err := sdc.NewBuilder(t.Dims()...)
	if err != nil {
		return nil, err
	}
	for k, v := range inner {
		if v == 0 {
			continue
		}
		if err := b.AddInnerCell(t.InnerCell(k), v); err != nil {
			return nil, err
		}
	}
	out, err := b.Build()
	if err != nil {
		return nil, err
	}
	return out.Freqs(), nil
}

// DP releases t, the table of true counts, with differential privacy:
// counts are the bounded count of every inner cell (Bound; the true
// counts when each person is in one cell once), measured with noise as p
// says (Plan, Measure) and post-processed (PostProcess along TopDim).
func DP(ctx context.Context, t *sdc.Table, counts []int64, p Params) (*DPResult, error) {
	if len(counts) != t.NumInner() {
		return nil, fmt.Errorf("dp: %d counts for %d inner cells", len(counts), t.NumInner())
	}
	ms, err := Plan(t, p)
	if err != nil {
		return nil, err
	}
	if err := Measure(ctx, ms, p.Mechanism, counts, p.Alpha); err != nil {
		return nil, err
	}
	dim := TopDim(t)
	vals, info, err := PostProcess(ctx, t, ms, dim)
	if err != nil {
		return nil, err
	}
	rel, err := perturbedRelease(t, vals)
	if err != nil {
		return nil, err
	}
	// Intervals and noisy counts of the measured cells; a cell measured
	// twice (a shallow leaf of a ragged hierarchy) keeps the measurement
	// of least variance.
	ivs := make([]sdc.Interval, t.NumCells())
	nan := math.NaN()
	for c := range ivs {
		ivs[c] = sdc.Interval{Lower: nan, Upper: nan}
	}
	noisy := make([]int64, t.NumCells())
	best := make([]float64, t.NumCells())
	for _, m := range ms {
		for g, c := range m.Cells {
			if best[c] == 0 || m.Variance < best[c] {
				best[c] = m.Variance
				ivs[c] = sdc.Interval{Lower: m.Lower[g], Upper: m.Upper[g]}
				noisy[c] = m.Noisy[g]
			}
		}
	}
	if err := rel.SetIntervals(ivs, sdc.IntervalConfidence); err != nil {
		return nil, err
	}
	rel.AddColumn(sdc.Column{Name: "noisy", Field: func(c int) string {
		if best[c] == 0 {
			return ""
		}
		return strconv.FormatInt(noisy[c], 10)
	}})
	return &DPResult{Release: rel, Values: vals, Measurements: ms, Estimate: info, TopDim: dim}, nil
}

// perturbedRelease returns a release of t publishing vals, every cell
// with status Perturbed.
func perturbedRelease(t *sdc.Table, vals []int64) (*sdc.Release, error) {
	rel := sdc.NewRelease(t)
	if err := rel.SetValues(vals, sdc.Perturbed); err != nil {
		return nil, err
	}
	for c := range vals {
		rel.Set(c, sdc.Perturbed, "")
	}
	return rel, nil
}

// BiasBand is the error of the published values over the cells whose
// true count lies in [Min, Max].
type BiasBand struct {
	Min   int64 `json:"min"`
	Max   int64 `json:"max"` // -1: no upper end
	Cells int   `json:"cells"`
	// Mean is the mean of published − true: positive when the band is
	// published too high.
	Mean    float64 `json:"mean_error"`
	MeanAbs float64 `json:"mean_abs_error"`
}

// Bias measures the error of published values by the true count's band
// (0, 1–2, 3–4, 5–9, 10–19, 20–99, 100 and more): clamping estimates at 0
// publishes small counts too high, and the top-down split gives the
// excess back from larger ones.
func Bias(t *sdc.Table, vals []int64) []BiasBand {
	bands := []BiasBand{{Min: 0, Max: 0}, {Min: 1, Max: 2}, {Min: 3, Max: 4}, {Min: 5, Max: 9}, {Min: 10, Max: 19}, {Min: 20, Max: 99}, {Min: 100, Max: -1}}
	sums := make([][2]float64, len(bands))
	for c, v := range vals {
		x := t.Freq(c)
		i := len(bands) - 1
		for i > 0 && x < bands[i].Min {
			i--
		}
		d := float64(v - x)
		bands[i].Cells++
		sums[i][0] += d
		sums[i][1] += math.Abs(d)
	}
	for i := range bands {
		if n := float64(bands[i].Cells); n > 0 {
			bands[i].Mean, bands[i].MeanAbs = sums[i][0]/n, sums[i][1]/n
		}
	}
	return bands
}
