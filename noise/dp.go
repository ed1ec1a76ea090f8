package noise

import (
	"context"
	"fmt"
	"math"

	dpnoise "github.com/google/differential-privacy/go/v3/noise"

	"github.com/tabsdc/tabsdc/sdc"
)

// Mechanism is the noise of a differentially private release.
type Mechanism int

// The mechanisms, both from the differential-privacy library's noise
// package (discrete, secure samplers).
const (
	Laplace  Mechanism = iota + 1 // ε-DP; δ must be 0
	Gaussian                      // (ε,δ)-DP; δ > 0
)

// ParseMechanism reads "laplace" or "gaussian".
func ParseMechanism(s string) (Mechanism, error) {
	switch s {
	case "laplace":
		return Laplace, nil
	case "gaussian":
		return Gaussian, nil
	}
	return 0, fmt.Errorf("unknown mechanism %q (want laplace or gaussian)", s)
}

func (m Mechanism) String() string {
	switch m {
	case Laplace:
		return "laplace"
	case Gaussian:
		return "gaussian"
	}
	return fmt.Sprintf("Mechanism(%d)", int(m))
}

func (m Mechanism) lib() (dpnoise.Noise, error) {
	switch m {
	case Laplace:
		return dpnoise.Laplace(), nil
	case Gaussian:
		return dpnoise.Gaussian(), nil
	}
	return nil, fmt.Errorf("unknown mechanism %d", int(m))
}

// Share is a query and its share of the budget.
type Share struct {
	Query Query
	Share float64
}

// TopDim returns the dimension a top-down pass follows by default: the
// first with a hierarchy below its categories (depth 2 or more), else the
// first.
func TopDim(t *sdc.Table) int {
	for d := 0; d < t.NumDims(); d++ {
		if t.Dim(d).MaxDepth() >= 2 {
			return d
		}
	}
	return 0
}

// DefaultSplit measures every level of the top-down dimension (TopDim),
// each crossed with every other dimension's deepest level, in equal
// shares: for geography × sex × age, the country, the counties and the
// municipalities, each by sex and age.
func DefaultSplit(t *sdc.Table) []Share {
	d := TopDim(t)
	n := t.Dim(d).MaxDepth() + 1
	out := make([]Share, n)
	for k := range out {
		q := Detail(t)
		q.Levels[d] = k
		out[k] = Share{Query: q, Share: 1 / float64(n)}
	}
	return out
}

// Params are a differentially private release's parameters.
type Params struct {
	Mechanism Mechanism
	// Epsilon and Delta are the whole release's budget, split over the
	// queries by their shares.
	Epsilon, Delta float64
	Bounds         Bounds
	// Split lists the queries; nil means DefaultSplit. Shares must be
	// positive and sum to 1; two queries may not be the same.
	Split []Share
	// Alpha is the confidence intervals' error level: 0.05 (95 %) when 0.
	Alpha float64
}

// Measurement is one query's noisy counts.
type Measurement struct {
	Name           string
	Query          Query
	Epsilon, Delta float64
	// L0 and LInf are the sensitivities given to the library for this
	// query: the person's bounds for the inner cells; for coarser groups
	// under Gaussian noise, one group holding all of a person's records
	// (L0 = 1, LInf = L0·LInf), since bounded cells may fall into the
	// same group. Laplace noise depends on L0·LInf only, which bounds
	// every partition.
	L0, LInf int64
	// Variance is the variance of the noise added to each count.
	Variance float64
	// Cells are the measured publishable cells; Noisy their noisy counts.
	Cells []int
	Noisy []int64
	// Lower and Upper are each cell's confidence interval from the
	// library (ComputeConfidenceIntervalInt64) at the release's alpha.
	Lower, Upper []float64
	group        []int32
}

// Group returns inner cell k's position in Cells.
func (m *Measurement) Group(k int) int { return int(m.group[k]) }

// Plan checks the parameters and lays out the measurements of t, without
// noise.
func Plan(t *sdc.Table, p Params) ([]*Measurement, error) {
	if err := p.Bounds.check(); err != nil {
		return nil, err
	}
	if _, err := p.Mechanism.lib(); err != nil {
		return nil, err
	}
	switch {
	case !(p.Epsilon > 0) || math.IsInf(p.Epsilon, 0):
		return nil, fmt.Errorf("epsilon %v: want a positive finite number", p.Epsilon)
	case p.Mechanism == Laplace && p.Delta != 0:
		return nil, fmt.Errorf("delta %v: Laplace noise is ε-DP, delta must be 0", p.Delta)
	case p.Mechanism == Gaussian && !(p.Delta > 0 && p.Delta < 1):
		return nil, fmt.Errorf("delta %v: Gaussian noise needs 0 < delta < 1", p.Delta)
	case p.Alpha < 0 || p.Alpha >= 1:
		return nil, fmt.Errorf("alpha %v: want 0 < alpha < 1", p.Alpha)
	}
	if int64(t.NumInner()) > math.MaxInt32 {
		return nil, fmt.Errorf("%d inner cells: at most %d", t.NumInner(), math.MaxInt32)
	}
	split := p.Split
	if split == nil {
		split = DefaultSplit(t)
	}
	if len(split) == 0 {
		return nil, fmt.Errorf("no queries to measure")
	}
	total := 0.0
	seen := map[string]bool{}
	var out []*Measurement
	for _, s := range split {
		name := s.Query.Name(t)
		if !(s.Share > 0) || s.Share > 1 {
			return nil, fmt.Errorf("query %s: share %v: want a number in (0, 1]", name, s.Share)
		}
		if seen[name] {
			return nil, fmt.Errorf("query %s is measured twice", name)
		}
		seen[name] = true
		total += s.Share
		part, err := s.Query.partition(t)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", name, err)
		}
		m := &Measurement{Name: name, Query: s.Query, Epsilon: s.Share, Delta: s.Share, Cells: part.cells, group: part.group}
		m.L0, m.LInf = int64(p.Bounds.L0), p.Bounds.LInf
		if p.Mechanism == Gaussian && !part.inner && p.Bounds.L0 > 1 {
			m.L0, m.LInf = 1, int64(p.Bounds.L0)*p.Bounds.LInf
		}
		out = append(out, m)
	}
	if math.Abs(total-1) > 1e-9 {
		return nil, fmt.Errorf("the shares sum to %v, not 1", total)
	}
	// Shares normalised to sum to 1, so that Σ ε_m is ε (and Σ δ_m δ) to
	// the last bit but for float rounding.
	for _, m := range out {
		share := m.Epsilon / total
		m.Epsilon, m.Delta = p.Epsilon*share, p.Delta*share
		switch p.Mechanism {
		case Laplace:
			b := float64(m.L0*m.LInf) / m.Epsilon
			m.Variance = 2 * b * b
		case Gaussian:
			s := dpnoise.SigmaForGaussian(m.L0, float64(m.LInf), m.Epsilon, m.Delta)
			m.Variance = s * s
		}
	}
	return out, nil
}

// Measure adds noise to the counts of every measurement: counts holds the
// bounded count of every inner cell. Noise comes from the library only.
func Measure(ctx context.Context, ms []*Measurement, mech Mechanism, counts []int64, alpha float64) error {
	lib, err := mech.lib()
	if err != nil {
		return err
	}
	if alpha == 0 {
		alpha = 0.05
	}
	for _, m := range ms {
		if len(m.group) != len(counts) {
			return fmt.Errorf("measurement %s: %d inner cells, %d counts", m.Name, len(m.group), len(counts))
		}
		x := make([]int64, len(m.Cells))
		for k, g := range m.group {
			x[g] += counts[k]
		}
		m.Noisy = make([]int64, len(x))
		m.Lower = make([]float64, len(x))
		m.Upper = make([]float64, len(x))
		// One goroutine: the library's samplers share one lock-protected
		// source of randomness, so more goroutines only contend (T4 took
		// 56 s on two cores and 38 s on one).
		if err := chunks(ctx, len(x), func(lo, hi int) error {
			for g := lo; g < hi; g++ {
				v, err := lib.AddNoiseInt64(x[g], m.L0, m.LInf, m.Epsilon, m.Delta)
				if err != nil {
					return err
				}
				ci, err := lib.ComputeConfidenceIntervalInt64(v, m.L0, m.LInf, m.Epsilon, m.Delta, alpha)
				if err != nil {
					return err
				}
				m.Noisy[g], m.Lower[g], m.Upper[g] = v, ci.LowerBound, ci.UpperBound
			}
			return nil
		}); err != nil {
			return fmt.Errorf("measurement %s: %w", m.Name, err)
		}
	}
	return nil
}

// chunks runs fn over [0, n) in chunks, checking ctx between them.
func chunks(ctx context.Context, n int, fn func(lo, hi int) error) error {
	const chunk = 1 << 14
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(lo, min(n, lo+chunk)); err != nil {
			return err
		}
	}
	return nil
}
