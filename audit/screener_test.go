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

// Property: the incremental screener agrees with Screen from scratch. On
// random tables and patterns, secondary cells are tried one at a time in
// random order; after every trial, the outer interval of every cell still
// withheld equals the one Screen computes for the pattern with the
// accepted cells published, and a cell is refused exactly when Screen of
// the pattern with it published as well finds a failure among the cells
// whose interval that narrows.
//
// With Singletons, a cell is also refused exactly when propagation from
// scratch with every withheld inner cell at 0 if its count is and at
// least 1 otherwise pins a primary cell that it did not pin before.
func TestScreenerMatchesScreen(t *testing.T) {
	for _, singletons := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "singletons"}[singletons], func(t *testing.T) {
			testScreenerMatchesScreen(t, singletons)
		})
	}
}

func testScreenerMatchesScreen(t *testing.T, singletons bool) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(31, 32))
	tried, accepted, pins, pinOnly := 0, 0, 0, 0
	for trial := 0; trial < 60; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		rel := attack.RandomPattern(rng, tab)
		opt := Options{Attacker: legacy, Default: FrequencyRequirement(trial % 4)}
		atLeastOne := func(c int) (float64, float64) { return singletonBounds(tab, c) }
		sc, first, err := NewScreener(ctx, rel, ScreenerOptions{Options: opt, Singletons: singletons})
		require.NoError(t, err)
		plain, err := Screen(ctx, rel, opt)
		require.NoError(t, err)
		assert.Equal(t, plain.Audited, first.Audited)
		assert.Equal(t, plain.Disclosed, first.Disclosed)
		assert.Equal(t, plain.UnderProtected, first.UnderProtected)

		var sec []int
		for c := 0; c < tab.NumCells(); c++ {
			if rel.Status(c) == sdc.Secondary {
				sec = append(sec, c)
			}
		}
		rng.Shuffle(len(sec), func(i, j int) { sec[i], sec[j] = sec[j], sec[i] })
		for _, c := range sec {
			before := map[int]sdc.Interval{}
			for x := 0; x < tab.NumCells(); x++ {
				if rel.Suppressed(x) {
					iv, err := sc.Bounds(x)
					require.NoError(t, err)
					before[x] = iv
				}
			}
			var oneBefore *cellBounds
			if singletons {
				oneBefore = propagateCellsFrom(rel, atLeastOne)
			}
			ok, findings, err := sc.TryPublish(c)
			require.NoError(t, err)
			tried++

			// Screen from scratch of the pattern with c published.
			rel.Set(c, sdc.Published, "")
			fresh := propagateCells(rel)
			var want []int
			onlyPins := false
			if singletons {
				oneAfter := propagateCellsFrom(rel, atLeastOne)
				for x := range before {
					if x == c || rel.Status(x) != sdc.Primary {
						continue
					}
					lo0, hi0 := oneBefore.bounds(int32(x))
					lo1, hi1 := oneAfter.bounds(int32(x))
					if hi1-lo1 < tol && hi0-lo0 >= tol {
						want = append(want, x)
						pins++
					}
				}
				onlyPins = len(want) > 0
			}
			for x, iv := range before {
				if x == c {
					continue
				}
				lo, hi := fresh.bounds(int32(x))
				now := sdc.Interval{Lower: lo, Upper: hi}
				if now == iv {
					continue
				}
				var r Result
				r.check(rel, opt, x, now)
				if len(r.Disclosed)+len(r.UnderProtected) > 0 {
					onlyPins = false
					if !slices.Contains(want, x) {
						want = append(want, x)
					}
				}
			}
			got := cellsOf(findings)
			slices.Sort(got)
			got = slices.Compact(got)
			assert.ElementsMatch(t, want, got, "trial %d: trying %s", trial, tab.Label(c))
			assert.Equal(t, len(want) == 0, ok)
			if onlyPins {
				pinOnly++
			}
			if !ok {
				rel.Set(c, sdc.Secondary, "random")
				for x, iv := range before {
					got, err := sc.Bounds(x)
					require.NoError(t, err)
					assert.Equal(t, iv, got, "trial %d: %s not put back after refusing %s", trial, tab.Label(x), tab.Label(c))
				}
				continue
			}
			accepted++
			for x := range before {
				if x == c {
					continue
				}
				got, err := sc.Bounds(x)
				require.NoError(t, err)
				lo, hi := fresh.bounds(int32(x))
				assert.Equal(t, sdc.Interval{Lower: lo, Upper: hi}, got, "trial %d: %s after publishing %s", trial, tab.Label(x), tab.Label(c))
			}
			_, err = sc.Bounds(c)
			assert.Error(t, err, "published now")
		}
	}
	t.Logf("%d trials, %d accepted, %d pins by singletons, %d trials refused for pins alone", tried, accepted, pins, pinOnly)
	require.Greater(t, accepted, 100, "the property must not hold vacuously")
	require.Greater(t, tried-accepted, 100)
	if singletons {
		require.Greater(t, pins, 10, "singleton pins must be exercised")
		require.Greater(t, pinOnly, 3, "refusals for pins alone must be exercised")
	}
}

func TestScreenerErrors(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	tab := attack.RandomTable(rng, 2)
	rel := sdc.NewRelease(tab)
	rel.Set(0, sdc.Primary, "small")
	rel.Set(1, sdc.Secondary, "protects")
	sc, _, err := NewScreener(ctx, rel, ScreenerOptions{Options: Options{Attacker: legacy, Default: FrequencyRequirement(1)}})
	require.NoError(t, err)
	_, _, err = sc.TryPublish(0)
	assert.ErrorContains(t, err, "is a primary cell")
	_, _, err = sc.TryPublish(2)
	assert.ErrorContains(t, err, "is published already")
	_, _, err = sc.TryPublish(-1)
	assert.ErrorContains(t, err, "out of range")
	_, err = sc.Bounds(2)
	assert.ErrorContains(t, err, "is published")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = NewScreener(cctx, rel, ScreenerOptions{Options: Options{Attacker: legacy}})
	assert.ErrorIs(t, err, context.Canceled)

	vals := make([]int64, tab.NumCells())
	require.NoError(t, rel.SetValues(vals, sdc.Rounded))
	_, _, err = NewScreener(ctx, rel, ScreenerOptions{Options: Options{Attacker: legacy}})
	assert.ErrorContains(t, err, "true values")
}
