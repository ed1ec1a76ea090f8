package suppress

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

// Worked examples: contributions 90, 5, 5 (value 100).
func TestProtectionLevelsWorked(t *testing.T) {
	tab, c := oneCell(t, 90, 5, 5)
	cases := []struct {
		rule Rule
		want float64
	}{
		{Dominance{N: 1, K: 85}, 100.0/85*90 - 100}, // 5.88…: the value must look as large as 105.88
		{PPercent{P: 10}, 9 - 5},                    // 10% of 90, less the remainder 100−90−5
		{PQ{P: 10, Q: 50}, 18 - 5},                  // 10/50 of 90, less the remainder
		{Dominance{N: 2, K: 99}, 0},                 // 95% ≤ 99%: not sensitive
		{&PPercent{P: 10, Coalition: 2}, 9 - 0},     // a coalition of two: no remainder
	}
	for _, tc := range cases {
		t.Run(tc.rule.Name(), func(t *testing.T) {
			up, lo := ProtectionLevels(tab, []Rule{tc.rule})
			assert.InDelta(t, tc.want, up[c], 1e-9)
			assert.InDelta(t, tc.want, lo[c], 1e-9)
		})
	}
	// Several rules: the largest level.
	up, _ := ProtectionLevels(tab, []Rule{Dominance{N: 1, K: 85}, PQ{P: 10, Q: 50}, PPercent{P: 10}})
	assert.InDelta(t, 13.0, up[c], 1e-9)
}

// Property: a cell has a positive level exactly when the rule finds it
// sensitive, and the level is what the rule's formula gives from the
// cell's contributions, computed here from the records themselves.
func TestProtectionLevelsMatchRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	checked := 0
	for trial := 0; trial < 200; trial++ {
		d, err := sdc.NewFlat("x", []string{"a", "b", "c"})
		require.NoError(t, err)
		b, err := sdc.NewBuilder(d)
		require.NoError(t, err)
		byCell := map[int]map[string]float64{}
		for i := 0; i < 1+rng.IntN(8); i++ {
			leaf := 1 + rng.IntN(3)
			who := fmt.Sprintf("p%d", rng.IntN(4))
			v := math.Round(rng.Float64()*1000) / 10
			require.NoError(t, b.AddRecord([]int{leaf}, who, v))
			for _, cell := range []int{0, leaf} {
				if byCell[cell] == nil {
					byCell[cell] = map[string]float64{}
				}
				byCell[cell][who] += v
			}
		}
		tab, err := b.Build()
		require.NoError(t, err)
		rules := []Rule{Dominance{N: 1, K: 85}, Dominance{N: 2, K: 90}, PPercent{P: 15}, PQ{P: 20, Q: 60}}
		for _, r := range rules {
			up, lo := ProtectionLevels(tab, []Rule{r})
			for c := 0; c < tab.NumCells(); c++ {
				var xs []float64
				x := 0.0
				for _, v := range byCell[c] {
					xs = append(xs, v)
					x += v
				}
				slices.SortFunc(xs, func(a, b float64) int { return -cmpF(a, b) })
				for len(xs) < 3 {
					xs = append(xs, 0)
				}
				var want float64
				switch r := r.(type) {
				case Dominance:
					s := 0.0
					for i := 0; i < r.N; i++ {
						s += xs[i]
					}
					want = math.Max(100/r.K*s-x, 0)
				case PPercent:
					want = math.Max(r.P/100*xs[0]-math.Max(x-xs[0]-xs[1], 0), 0)
				case PQ:
					want = math.Max(r.P/r.Q*xs[0]-math.Max(x-xs[0]-xs[1], 0), 0)
				}
				if x == 0 {
					want = 0
				}
				assert.InDelta(t, want, up[c], 1e-6, "trial %d %s %s", trial, r.Name(), tab.Label(c))
				assert.Equal(t, up[c], lo[c])
				_, sensitive := r.Sensitive(tab, c)
				assert.Equal(t, sensitive, up[c] > 1e-9, "trial %d %s %s: level %v", trial, r.Name(), tab.Label(c), up[c])
				checked++
			}
		}
	}
	assert.Greater(t, checked, 1000)
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
