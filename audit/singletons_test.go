package audit

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// Property: what the singleton audit finds is certain. Every cell it
// reports disclosed is a point for the enumerating attacker who also
// knows the intruder's cell (or the pair's), and every primary cell it
// reports under-protected has an enumerated range narrower than its
// requirement there. Its exact part finds, for each intruder alone, only
// what audit.Exact finds once the intruder's cell is published and not
// before, and the audit as a whole reports all of that.
func TestSingletonsAreCertain(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	ctx := context.Background()
	var disclosed, under, exactChecked, exactFound, pairs int
	for trial := 0; trial < 300; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		rel := attack.RandomPattern(rng, tab)
		att, minWithheld := legacy, int64(0)
		if trial%3 == 1 {
			att, minWithheld = Attacker{}, 1
			publishZeros(rel)
		}
		req := FrequencyRequirement(2 + trial%3)
		opt := Options{Attacker: att, Default: req}
		res, err := Singletons(ctx, rel, opt)
		require.NoError(t, err)
		pairs += res.Pairs

		// The intruders: withheld cells of count 1.
		var intruders []int
		for c := 0; c < tab.NumCells(); c++ {
			if rel.Suppressed(c) && tab.Freq(c) == 1 {
				intruders = append(intruders, c)
			}
		}
		require.Equal(t, len(intruders), res.Intruders)

		// Exact: against audit.Exact with the intruder's cell published.
		before, err := Exact(ctx, rel)
		require.NoError(t, err)
		byOne, err := exactByOne(ctx, rel, intruders)
		require.NoError(t, err)
		for i, s := range intruders {
			known := rel.Clone()
			known.Set(s, sdc.Published, "")
			after, err := Exact(ctx, known)
			require.NoError(t, err)
			want := []int{}
			for _, c := range after {
				if !slices.Contains(before, c) {
					want = append(want, c)
				}
			}
			got := append([]int{}, byOne[i]...)
			slices.Sort(got)
			// Elimination finds what linear algebra gives; Exact's
			// presolve also draws on non-negativity (terms of a sum
			// that is now 0 are 0), which the propagation finds: the
			// audit reports all of it.
			assert.Subset(t, want, got, "trial %d intruder %s", trial, tab.Label(s))
			for _, c := range want {
				if rel.Status(c) != sdc.Primary || ownOnly(known, c, s) {
					continue // no finding: see Singletons
				}
				assert.True(t, slices.ContainsFunc(res.Disclosed, func(f Finding) bool { return f.Cell == c }), "trial %d: %s, determined for the person in %s, not reported", trial, tab.Label(c), tab.Label(s))
			}
			exactChecked++
			exactFound += len(got)
		}

		// Soundness of every finding, by enumeration.
		check := func(f Finding, disclosedCell bool) {
			var who []int
			for _, s := range intruders {
				if containsLabel(f.Why, tab.Label(s)) {
					who = append(who, s)
				}
			}
			require.NotEmpty(t, who, "trial %d: %s", trial, f.Why)
			known := rel.Clone()
			for _, s := range who {
				known.Set(s, sdc.Published, "")
			}
			e, ok := attack.EnumerateMin(known, 200000, minWithheld)
			if !ok {
				return
			}
			lo, hi := e.Interval(f.Cell)
			if disclosedCell {
				disclosed++
				assert.Equal(t, lo, hi, "trial %d: %s (%s)", trial, tab.Label(f.Cell), f.Why)
			} else {
				under++
				ok, _ := req.MetAbove(float64(tab.Freq(f.Cell)), float64(minWithheld), sdc.Interval{Lower: lo, Upper: hi})
				assert.False(t, ok, "trial %d: %s [%v, %v] (%s)", trial, tab.Label(f.Cell), lo, hi, f.Why)
			}
		}
		for _, f := range res.Disclosed {
			check(f, true)
		}
		for _, f := range res.UnderProtected {
			check(f, false)
		}
	}
	t.Logf("%d intruders checked for exact disclosure (%d cells found); %d pairs; findings checked: %d disclosed, %d under-protected", exactChecked, exactFound, pairs, disclosed, under)
	assert.Greater(t, exactFound, 20)
	assert.Greater(t, disclosed, 50)
	assert.Greater(t, under, 5)
	assert.Greater(t, pairs, 30)
}

// containsLabel reports whether why names the cell label as a person's
// cell ("the person counted in LABEL" or "the one in LABEL").
func containsLabel(why, label string) bool {
	for _, p := range []string{"counted in " + label, "the one in " + label} {
		i := 0
		for {
			j := indexFrom(why, p, i)
			if j < 0 {
				break
			}
			end := j + len(p)
			if end == len(why) || why[end] == ' ' || why[end] == ',' {
				return true
			}
			i = j + 1
		}
	}
	return false
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// ownOnly reports whether every inner cell under c that rel does not
// publish lies under s (found by testing every inner cell, as
// attack.Brute does).
func ownOnly(rel *sdc.Release, c, s int) bool {
	t := rel.Table()
	mine := map[int]bool{}
	attack.Brute(t, s, func(k int) { mine[k] = true })
	only := true
	attack.Brute(t, c, func(k int) {
		if _, ok := rel.Value(t.InnerCell(k)); !ok && !mine[k] {
			only = false
		}
	})
	return only
}
