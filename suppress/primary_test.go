package suppress

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// oneCell builds a magnitude table with one dimension of two leaves, "a"
// holding the given contributions (one contributor each) and "b" holding 1000
// from one further contributor, and returns it with the cell of "a".
func oneCell(t *testing.T, contributions ...float64) (*sdc.Table, int) {
	t.Helper()
	d, err := sdc.NewFlat("x", []string{"a", "b"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	for i, v := range contributions {
		require.NoError(t, b.AddRecord([]int{1}, fmt.Sprintf("c%d", i), v))
	}
	require.NoError(t, b.AddRecord([]int{2}, "other", 1000))
	tab, err := b.Build()
	require.NoError(t, err)
	return tab, 1
}

func TestFrequency(t *testing.T) {
	d, err := sdc.NewFlat("x", []string{"a", "b", "c", "d", "e"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	for i, v := range []int64{0, 1, 4, 5, 100} {
		require.NoError(t, b.AddInner([]int{i + 1}, v))
	}
	tab, err := b.Build()
	require.NoError(t, err)

	cases := []struct {
		name  string
		zeros bool
		want  map[string]string // code → reason; absent codes are not sensitive
	}{
		{"zeros not protected", false, map[string]string{"b": "frequency 1 ≤ maxN 4", "c": "frequency 4 ≤ maxN 4"}},
		{"zeros protected", true, map[string]string{"a": "frequency 0 (zeros protected)", "b": "frequency 1 ≤ maxN 4", "c": "frequency 4 ≤ maxN 4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewFrequency(4, tc.zeros)
			require.NoError(t, err)
			for n := 0; n < d.Len(); n++ {
				why, ok := f.Sensitive(tab, n)
				want, sensitive := tc.want[d.Code(n)]
				assert.Equal(t, sensitive, ok, d.Code(n))
				assert.Equal(t, want, why, d.Code(n))
			}
		})
	}
	_, err = NewFrequency(0, false)
	assert.EqualError(t, err, "frequency rule: maxN 0 must be at least 1")
}

// The rules on hand-made cells, with the numbers worked out by hand as in
// the SDC Handbook (Hundepool et al. 2012, §4.2): dominance (n,k) compares
// the n largest contributions with k% of the total; p% asks whether the
// second largest contributor can estimate the largest to within p% from the
// total minus its own contribution; pq adds prior knowledge to within q%.
func TestMagnitudeRules(t *testing.T) {
	cases := []struct {
		name    string
		rule    Rule
		contrib []float64
		want    string // "" when not sensitive
	}{
		{"dominance(1,85) fires", Dominance{N: 1, K: 85}, []float64{91, 5, 4}, "largest contributor 91% > k 85%"},
		{"dominance(1,85) at the threshold", Dominance{N: 1, K: 85}, []float64{85, 10, 5}, ""},
		{"dominance(1,85) quiet", Dominance{N: 1, K: 85}, []float64{80, 10, 10}, ""},
		{"dominance(2,90) fires", Dominance{N: 2, K: 90}, []float64{60, 35, 5}, "2 largest contributors 95% > k 90%"},
		{"dominance(2,90) quiet", Dominance{N: 2, K: 90}, []float64{50, 30, 20}, ""},
		// p% with p = 10: x1 = 100, x2 = 5, remainder 108 − 100 − 5 = 3:
		// contributor 2 estimates x1 as 108 − 5 = 103, within 3%.
		{"p% fires", PPercent{P: 10}, []float64{100, 5, 3}, "remainder 3% of the largest contribution < p 10%"},
		{"p% quiet", PPercent{P: 10}, []float64{100, 50, 20}, ""},
		// A coalition of the 2nd and 3rd largest subtracts both.
		{"p% coalition 2 fires", PPercent{P: 10, Coalition: 2}, []float64{100, 30, 20, 5}, "remainder 5% of the largest contribution < p 10%"},
		{"p% coalition 1 quiet on the same cell", PPercent{P: 10}, []float64{100, 30, 20, 5}, ""},
		// pq with p = 10, q = 50: remainder 15 < (p/q)·x1 = 20 fires, though
		// the p% rule alone (15 ≥ 10) would not.
		{"pq fires", PQ{P: 10, Q: 50}, []float64{100, 15, 15}, "remainder 15% of the largest contribution < p/q 10%/50%"},
		{"p% on the pq cell", PPercent{P: 10}, []float64{100, 15, 15}, ""},
		{"min contributors fires", MinContributors{N: 3}, []float64{10, 20}, "2 contributors < 3"},
		{"one contributor", MinContributors{N: 2}, []float64{10}, "1 contributor < 2"},
		{"min contributors quiet", MinContributors{N: 3}, []float64{10, 20, 30}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tab, c := oneCell(t, tc.contrib...)
			why, ok := tc.rule.Sensitive(tab, c)
			assert.Equal(t, tc.want != "", ok)
			assert.Equal(t, tc.want, why)
		})
	}
}

// A contributor's records in several inner cells add up in the total: a
// provider with 50 in municipality a and 45 in b holds 95 of the county's
// 105 (90.4%), where counting its records apart would give 50/105 (47.6%).
func TestDominanceAggregatesContributorsInTotals(t *testing.T) {
	d, err := sdc.NewFlat("muni", []string{"a", "b"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	require.NoError(t, b.AddRecord([]int{1}, "big", 30))
	require.NoError(t, b.AddRecord([]int{1}, "big", 20))
	require.NoError(t, b.AddRecord([]int{1}, "x", 5))
	require.NoError(t, b.AddRecord([]int{2}, "big", 45))
	require.NoError(t, b.AddRecord([]int{2}, "y", 5))
	tab, err := b.Build()
	require.NoError(t, err)
	assert.Equal(t, 3, tab.Contributors(0))
	assert.Equal(t, 2, tab.Contributors(1))
	rel, res, err := Primary(context.Background(), tab, []Rule{Dominance{N: 1, K: 85}}, PrimaryOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Cells)
	assert.Equal(t, "largest contributor 90.4% > k 85%", rel.Reason(0))
	assert.Equal(t, "largest contributor 90.9% > k 85%", rel.Reason(1))
	assert.Equal(t, "largest contributor 90% > k 85%", rel.Reason(2))
}

func TestPrimaryEvaluatesTotalsAndManualLists(t *testing.T) {
	geo, err := sdc.NewDimension("geo", []string{"NO", "03", "0301", "11", "1101", "1151"}, []string{"", "NO", "03", "NO", "11", "11"})
	require.NoError(t, err)
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(geo, sex)
	require.NoError(t, err)
	add := func(g, s string, v int64) {
		gi, _ := geo.Index(g)
		si, _ := sex.Index(s)
		require.NoError(t, b.AddInner([]int{gi, si}, v))
	}
	add("0301", "M", 50)
	add("0301", "F", 60)
	add("1101", "M", 20)
	add("1101", "F", 0)
	add("1151", "M", 2)
	add("1151", "F", 1)
	tab, err := b.Build()
	require.NoError(t, err)
	cell := func(g, s string) int {
		c, err := tab.CellOf(g, s)
		require.NoError(t, err)
		return c
	}
	f, err := NewFrequency(4, false)
	require.NoError(t, err)
	forced := NewForced([]int{cell("0301", "M")}, "")
	rel, res, err := Primary(context.Background(), tab, []Rule{f, forced}, PrimaryOptions{Publish: []int{cell("1151", "F")}})
	require.NoError(t, err)

	assert.Equal(t, sdc.Primary, rel.Status(cell("1151", "M")))
	assert.Equal(t, "frequency 2 ≤ maxN 4", rel.Reason(cell("1151", "M")))
	// The total 1151×Total = 3 is sensitive too.
	assert.Equal(t, sdc.Primary, rel.Status(cell("1151", "Total")))
	assert.Equal(t, "frequency 3 ≤ maxN 4", rel.Reason(cell("1151", "Total")))
	// Zero is not sensitive without ProtectZeros.
	assert.Equal(t, sdc.Published, rel.Status(cell("1101", "F")))
	// Forced suppression and forced publication.
	assert.Equal(t, sdc.Primary, rel.Status(cell("0301", "M")))
	assert.Equal(t, "suppressed by hand", rel.Reason(cell("0301", "M")))
	assert.Equal(t, sdc.Published, rel.Status(cell("1151", "F")))
	assert.True(t, rel.Fixed(cell("1151", "F")))
	// The county total 11×F = 0 + 1 is sensitive as well.
	assert.Equal(t, "frequency 1 ≤ maxN 4", rel.Reason(cell("11", "F")))
	assert.Equal(t, 1, res.Overridden)
	assert.Equal(t, []int{4, 1}, res.ByRule)
	assert.Equal(t, 4, res.Cells)
	assert.Equal(t, 4, rel.Count(sdc.Primary))
}

func TestPrimaryErrors(t *testing.T) {
	d, err := sdc.NewFlat("x", []string{"a"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	require.NoError(t, b.AddInner([]int{1}, 3))
	freqTab, err := b.Build()
	require.NoError(t, err)
	magTab, _ := oneCell(t, 1, 2)
	f, _ := NewFrequency(3, false)

	cases := []struct {
		name  string
		tab   *sdc.Table
		rules []Rule
		opt   PrimaryOptions
		want  string
	}{
		{"no rules", freqTab, nil, PrimaryOptions{}, "primary suppression: no rules"},
		{"nil rule", freqTab, []Rule{nil}, PrimaryOptions{}, "primary suppression: rule 1 is nil"},
		{"dominance on counts", freqTab, []Rule{Dominance{N: 1, K: 85}}, PrimaryOptions{}, "primary suppression: rule dominance(1,85): needs a magnitude table (records with contributors)"},
		{"k out of range", magTab, []Rule{Dominance{N: 1, K: 100}}, PrimaryOptions{}, "primary suppression: rule dominance(1,100): want n ≥ 1 and 0 < k < 100, have n 1, k 100"},
		{"n beyond top k", magTab, []Rule{Dominance{N: 4, K: 90}}, PrimaryOptions{}, "primary suppression: rule dominance(4,90): n 4 exceeds the 3 largest contributions the table keeps"},
		{"p out of range", magTab, []Rule{PPercent{P: 0}}, PrimaryOptions{}, "primary suppression: rule p%(0): p 0 must be in (0, 100)"},
		{"q below p", magTab, []Rule{PQ{P: 20, Q: 10}}, PrimaryOptions{}, "primary suppression: rule pq(20,10): want 0 < p < q ≤ 100, have p 20, q 10"},
		{"min contributors 1", magTab, []Rule{MinContributors{N: 1}}, PrimaryOptions{}, "primary suppression: rule contributors: n 1 must be at least 2"},
		// Pointer forms are checked as the values are (they once skipped
		// the check and panicked in Sensitive).
		{"pointer p% coalition beyond top k", magTab, []Rule{&PPercent{P: 10, Coalition: 5}}, PrimaryOptions{}, "primary suppression: rule p%(10): a coalition of 5 needs 6 largest contributions, the table keeps 3"},
		{"pointer dominance NaN", magTab, []Rule{&Dominance{N: 1, K: math.NaN()}}, PrimaryOptions{}, "primary suppression: rule dominance(1,NaN): want n ≥ 1 and 0 < k < 100, have n 1, k NaN"},
		{"pointer pq on counts", freqTab, []Rule{&PQ{P: 10, Q: 50}}, PrimaryOptions{}, "primary suppression: rule pq(10,50): needs a magnitude table (records with contributors)"},
		{"pointer contributors 0", magTab, []Rule{&MinContributors{}}, PrimaryOptions{}, "primary suppression: rule contributors: n 0 must be at least 2"},
		{"frequency literal 0", freqTab, []Rule{&Frequency{}}, PrimaryOptions{}, "primary suppression: rule frequency: maxN 0 must be at least 1"},
		{"forced out of range", freqTab, []Rule{NewForced([]int{-1}, "")}, PrimaryOptions{}, "primary suppression: rule manual: cell -1 is out of range"},
		{"publish out of range", freqTab, []Rule{f}, PrimaryOptions{Publish: []int{99}}, "primary suppression: cell 99 to publish is out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Primary(context.Background(), tc.tab, tc.rules, tc.opt)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestPrimaryCancelled(t *testing.T) {
	tab, _ := oneCell(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f, _ := NewFrequency(3, false)
	_, _, err := Primary(ctx, tab, []Rule{f}, PrimaryOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}

// On T1, recompute every cell by brute force from the inner cells and agree
// cell by cell on the value and on which cells are primary.
func TestPrimaryT1BruteForce(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	f, err := NewFrequency(4, false)
	require.NoError(t, err)
	rel, res, err := Primary(context.Background(), tab, []Rule{f}, PrimaryOptions{})
	require.NoError(t, err)
	n := 0
	for c := 0; c < tab.NumCells(); c++ {
		var sum int64
		attack.Brute(tab, c, func(k int) { sum += tab.Freq(tab.InnerCell(k)) })
		require.Equal(t, sum, tab.Freq(c), tab.Label(c))
		want := sum >= 1 && sum <= 4
		if want {
			n++
		}
		assert.Equal(t, want, rel.Status(c) == sdc.Primary, tab.Label(c))
	}
	assert.Equal(t, n, res.Cells)
	assert.Equal(t, 77, n)
}

// Issue 14: NewFrequency(1e9) formatted a reason for every count up to maxN
// and ran out of memory.
func TestNewFrequencyHugeMaxN(t *testing.T) {
	f, err := NewFrequency(1_000_000_000, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.reasons) > maxPreformatted+1 {
		t.Fatalf("%d reasons formatted in advance", len(f.reasons))
	}
}
