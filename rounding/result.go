package rounding

import (
	"fmt"
	"strconv"

	"github.com/tabsdc/tabsdc/sdc"
)

// Method names a rounding method.
type Method uint8

// The rounding methods.
const (
	// MethodSmallCount is small-count rounding (SmallCount).
	MethodSmallCount Method = iota + 1
	// MethodControlled is zero-restricted controlled rounding (Controlled).
	MethodControlled
	// MethodRandom is unbiased random rounding of every cell on its own
	// (Random).
	MethodRandom
)

// String returns the method's name.
func (m Method) String() string {
	switch m {
	case MethodSmallCount:
		return "small-count"
	case MethodControlled:
		return "controlled"
	case MethodRandom:
		return "random"
	}
	return "method(" + strconv.Itoa(int(m)) + ")"
}

// Rule is what an attacker may assume about how published values were
// derived from true ones: the method and its public parameters. Intervals
// turns it into an interval per cell.
type Rule struct {
	// Method is the rounding method.
	Method Method
	// Base is the rounding base.
	Base int64
	// MaxRound is, for small-count rounding, the largest count that was
	// rounded.
	MaxRound int64
	// UpFromZero is, for small-count rounding, whether inner cells that were
	// multiples of Base (zeros among them) may have been rounded up.
	UpFromZero bool
}

// Result is the outcome of a rounding method.
type Result struct {
	// Release has status sdc.Rounded, with a reason such as "rounded 2 → 3",
	// for every cell whose published value differs from its true one, and
	// sdc.Published for the others. Its values are set (SetValues).
	Release *sdc.Release
	// Values are the published values, one per cell (the slice given to
	// the release).
	Values []int64
	// Metrics compare the published values with the true ones.
	Metrics Metrics
	// Rule is what an attacker may assume about the rounding.
	Rule Rule
}

// newResult builds the release and the metrics of rounded values.
func newResult(t *sdc.Table, values []int64, rule Rule) (*Result, error) {
	rel := sdc.NewRelease(t)
	if err := rel.SetValues(values, sdc.Rounded); err != nil {
		return nil, err
	}
	freq := t.Freqs()
	reasons := map[[2]int64]string{}
	var buf []byte
	for c, v := range values {
		f := freq[c]
		if v == f {
			continue
		}
		key := [2]int64{f, v}
		s, ok := reasons[key]
		if !ok {
			buf = append(buf[:0], "rounded "...)
			buf = strconv.AppendInt(buf, f, 10)
			buf = append(buf, " → "...)
			buf = strconv.AppendInt(buf, v, 10)
			s = string(buf)
			reasons[key] = s
		}
		rel.Set(c, sdc.Rounded, s)
	}
	m, err := ComputeMetrics(t, values)
	if err != nil {
		return nil, err
	}
	return &Result{Release: rel, Values: values, Metrics: m, Rule: rule}, nil
}

func checkBase(b int64) error {
	if b < 2 {
		return fmt.Errorf("rounding: base %d: want 2 or more", b)
	}
	if b > 1<<40 {
		return fmt.Errorf("rounding: base %d is too large", b)
	}
	return nil
}
