package rounding

import (
	"fmt"

	"github.com/tabsdc/tabsdc/sdc"
)

// Intervals returns, for every cell of t, the interval of true counts that
// an attacker can derive from the published values (one per cell) and the
// rounding rule alone: the method and its public parameters.
//
// Small-count rounding (MethodSmallCount) changes only inner cells with
// counts 1..MaxRound that are not multiples of Base, each to one of the two
// multiples of Base around it, and publishes totals as sums. A published
// inner value p that is not a multiple of Base is exact. A multiple p is the
// true count itself, or a count in p−Base+1..p−1 that went up, or one in
// p+1..p+Base−1 that went down, as far as those counts lie in 1..MaxRound;
// with UpFromZero also p−Base (a multiple not above MaxRound that went up).
// So with Base 3 and MaxRound 2 a published 0 means 0..2 and a published 3
// means 1..3; with MaxRound 5 a published 3 means 1..5 and a 6 means 4..6.
// A total's interval is the sum of its inner cells' intervals.
//
// Controlled and random rounding (MethodControlled, MethodRandom) publish
// every cell as one of the two multiples of Base around its count, and a
// multiple unchanged, so a published p means max(0, p−Base+1)..p+Base−1.
// For a total this is intersected with the sum of its inner cells'
// intervals.
//
// These are the bounds that follow from each cell's rule and the sums; they
// are not the tightest bounds a linear program over all published relations
// could give (for controlled rounding those can be narrower). Values that
// the rule cannot produce (negative, or a multiple missing where one is
// required) are an error.
func Intervals(t *sdc.Table, values []int64, r Rule) ([]sdc.Interval, error) {
	if len(values) != t.NumCells() {
		return nil, fmt.Errorf("rounding: %d values for %d cells", len(values), t.NumCells())
	}
	if err := checkBase(r.Base); err != nil {
		return nil, err
	}
	b := r.Base
	var innerIv func(p int64) (lo, hi int64, ok bool)
	switch r.Method {
	case MethodSmallCount:
		m := r.MaxRound
		if m == 0 {
			m = b - 1
		}
		if m < b-1 {
			return nil, fmt.Errorf("rounding: MaxRound %d is less than Base−1 = %d", m, b-1)
		}
		innerIv = func(p int64) (int64, int64, bool) { return smallCountInterval(p, b, m, r.UpFromZero) }
	case MethodControlled, MethodRandom:
		innerIv = func(p int64) (int64, int64, bool) { return adjacentInterval(p, b) }
	default:
		return nil, fmt.Errorf("rounding: unknown method %v", r.Method)
	}
	n := t.NumCells()
	lo := make([]int64, n)
	hi := make([]int64, n)
	var bad = -1
	g := newGeom(t)
	g.forEachInner(func(k, c int) {
		l, h, ok := innerIv(values[c])
		if !ok && bad < 0 {
			bad = c
		}
		lo[c], hi[c] = l, h
	})
	if bad >= 0 {
		return nil, fmt.Errorf("rounding: %s: published value %d cannot come out of %v rounding with base %d", t.Label(bad), values[bad], r.Method, b)
	}
	aggregate(t, lo)
	aggregate(t, hi)
	out := make([]sdc.Interval, n)
	inner := make([]bool, n)
	g.forEachInner(func(k, c int) { inner[c] = true })
	for c := range out {
		l, h := lo[c], hi[c]
		if r.Method != MethodSmallCount && !inner[c] {
			ol, oh, ok := adjacentInterval(values[c], b)
			if !ok {
				return nil, fmt.Errorf("rounding: %s: published value %d cannot come out of %v rounding with base %d", t.Label(c), values[c], r.Method, b)
			}
			l, h = max(l, ol), min(h, oh)
		}
		out[c] = sdc.Interval{Lower: float64(l), Upper: float64(h)}
	}
	return out, nil
}

// smallCountInterval is the interval of true counts of an inner cell
// published as p by small-count rounding.
func smallCountInterval(p, b, maxRound int64, upFromZero bool) (lo, hi int64, ok bool) {
	if p < 0 {
		return 0, 0, false
	}
	if p%b != 0 {
		// Counts that were not rounded; a small one cannot survive.
		return p, p, p > maxRound
	}
	lo, hi = p, p
	if p >= b && p-b+1 <= maxRound {
		lo = p - b + 1 // went up from p−b+1 ≥ 1
	}
	if p+1 <= maxRound {
		hi = min(p+b-1, maxRound) // went down
	}
	if upFromZero && p >= b && p-b <= maxRound {
		lo = p - b
	}
	return lo, hi, true
}

// adjacentInterval is the interval of true counts of a cell published as p
// by a rounding to one of the two adjacent multiples of b.
func adjacentInterval(p, b int64) (lo, hi int64, ok bool) {
	if p < 0 || p%b != 0 {
		return 0, 0, false
	}
	return max(0, p-b+1), p + b - 1, true
}
