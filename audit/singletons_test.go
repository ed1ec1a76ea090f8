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
	var disclosed, under, exactChecked, exactFound, pairs, pairFound, lpOnly int
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
		// The LP part finds at least what the screen finds, and on these
		// small tables runs for every intruder with primary cells beside it.
		scr, err := ScreenSingletons(ctx, rel, opt)
		require.NoError(t, err)
		require.Zero(t, res.LPSkipped)
		lpOnly += len(res.Disclosed) + len(res.UnderProtected) - len(scr.Disclosed) - len(scr.UnderProtected)
		for _, f := range append(scr.Disclosed, scr.UnderProtected...) {
			assert.True(t, slices.ContainsFunc(append(res.Disclosed, res.UnderProtected...), func(g Finding) bool { return g.Cell == f.Cell }), "trial %d: %s found by the screen, not by Singletons", trial, tab.Label(f.Cell))
		}

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
		isIntruder := map[int]bool{}
		for _, s := range intruders {
			isIntruder[s] = true
		}
		pairList := intruderPairs(tab, isIntruder)
		byOne, byPair, err := exactBy(ctx, rel, intruders, pairList)
		require.NoError(t, err)
		// Pairs: what Exact finds with both cells published and finds
		// with neither nor with either alone, elimination finds too.
		for i, pr := range pairList {
			var alone []int
			for _, s := range pr {
				known := rel.Clone()
				known.Set(s, sdc.Published, "")
				a, err := Exact(ctx, known)
				require.NoError(t, err)
				alone = append(alone, a...)
			}
			known := rel.Clone()
			known.Set(pr[0], sdc.Published, "")
			known.Set(pr[1], sdc.Published, "")
			after, err := Exact(ctx, known)
			require.NoError(t, err)
			got := []int{}
			for _, c := range byPair[i] {
				if !slices.Contains(alone, c) && !slices.Contains(before, c) {
					got = append(got, c)
				}
			}
			// Elimination by the pair finds only what linear algebra
			// gives with both cells known (Exact may find more, by
			// non-negativity: the propagation's part).
			assert.Subset(t, after, got, "trial %d pair %s, %s", trial, tab.Label(pr[0]), tab.Label(pr[1]))
			for _, c := range got {
				if rel.Status(c) != sdc.Primary || ownOnly(known, c, pr[0], pr[1]) {
					continue
				}
				assert.True(t, slices.ContainsFunc(res.Disclosed, func(f Finding) bool { return f.Cell == c }), "trial %d: %s, determined for the pair %s, %s, not reported", trial, tab.Label(c), tab.Label(pr[0]), tab.Label(pr[1]))
			}
			want := got
			pairFound += len(want)
		}
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
	t.Logf("%d intruders checked for exact disclosure (%d cells found); %d pairs (%d cells only a pair determines); findings checked: %d disclosed, %d under-protected; %d found by the LP only", exactChecked, exactFound, pairs, pairFound, disclosed, under, lpOnly)
	assert.Positive(t, lpOnly, "the singleton LP finds nothing the screen does not: it is untested")
	assert.Greater(t, exactFound, 20)
	assert.Positive(t, pairFound, "no cell only a pair determines: the pairs' elimination is untested")
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
func ownOnly(rel *sdc.Release, c int, who ...int) bool {
	t := rel.Table()
	mine := map[int]bool{}
	for _, s := range who {
		attack.Brute(t, s, func(k int) { mine[k] = true })
	}
	only := true
	attack.Brute(t, c, func(k int) {
		if _, ok := rel.Value(t.InnerCell(k)); !ok && !mine[k] {
			only = false
		}
	})
	return only
}
