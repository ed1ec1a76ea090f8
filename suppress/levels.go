package suppress

import (
	"math"

	"github.com/tabsdc/tabsdc/sdc"
)

// A Leveler is a sensitivity rule of a magnitude table that says how far
// an attacker's interval of a sensitive cell's value must reach: above the
// value (the upper protection level) and below it (the lower), as the SDC
// Handbook (2nd ed., §4.2) and tau-ARGUS derive them from the rule. A
// level is 0 for a cell the rule does not find sensitive.
type Leveler interface {
	Levels(t *sdc.Table, c int) (upper, lower float64)
}

// Levels implements Leveler: an interval that reaches 100/K·(x1+…+xN)
// makes the N largest contributors' share look no larger than K percent.
func (d Dominance) Levels(t *sdc.Table, c int) (upper, lower float64) {
	x := t.Value(c)
	s := 0.0
	for i := 0; i < d.N; i++ {
		s += t.Top(c, i)
	}
	l := 100/d.K*s - x
	if x <= 0 || l <= 0 {
		return 0, 0
	}
	return l, l
}

// Levels implements Leveler: P/100·x1 − (x − x1 − x2 − …), the coalition's
// remainder short of P percent of the largest contribution.
func (p PPercent) Levels(t *sdc.Table, c int) (upper, lower float64) {
	l := pqLevel(t, c, p.P, 100, p.Coalition)
	return l, l
}

// Levels implements Leveler: P/Q·x1 − (x − x1 − x2 − …).
func (p PQ) Levels(t *sdc.Table, c int) (upper, lower float64) {
	l := pqLevel(t, c, p.P, p.Q, p.Coalition)
	return l, l
}

func pqLevel(t *sdc.Table, c int, p, q float64, coalition int) float64 {
	coalition = max(coalition, 1)
	x, x1 := t.Value(c), t.Top(c, 0)
	if x <= 0 || x1 <= 0 {
		return 0
	}
	rest := x
	for i := 0; i <= coalition; i++ {
		rest -= t.Top(c, i)
	}
	return math.Max(p/q*x1-math.Max(rest, 0), 0)
}

// ProtectionLevels returns, for every cell of t, the largest upper and
// lower protection levels that the rules which are Levelers give it (0
// where none does): several rules firing on one cell ask for the most any
// of them asks.
func ProtectionLevels(t *sdc.Table, rules []Rule) (upper, lower []float64) {
	upper, lower = make([]float64, t.NumCells()), make([]float64, t.NumCells())
	for _, r := range rules {
		lv, ok := r.(Leveler)
		if !ok || !t.HasMagnitude() {
			continue
		}
		for c := range upper {
			u, l := lv.Levels(t, c)
			upper[c], lower[c] = math.Max(upper[c], u), math.Max(lower[c], l)
		}
	}
	return upper, lower
}
