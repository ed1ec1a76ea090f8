package audit

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/internal/attack"
)

// Property: Screen is one-sided. Every cell it reports is disclosed or
// under-protected by the independent attacker's enumeration too, and its
// outer interval contains the enumerated range; and it finds most of the
// failures the full audit finds.
func TestScreenFindsOnlyTrueFailures(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	screened, audited := 0, 0
	for trial := 0; trial < 300; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		rel := attack.RandomPattern(rng, tab)
		at, ok := attack.Enumerate(rel, 200000)
		if !ok {
			continue
		}
		req := FrequencyRequirement(2 + trial%3)
		sc, err := Screen(context.Background(), rel, Options{Attacker: legacy, Default: req})
		require.NoError(t, err)
		for _, f := range append(append([]Finding(nil), sc.Disclosed...), sc.UnderProtected...) {
			lo, hi := at.Interval(f.Cell)
			assert.LessOrEqual(t, f.Interval.Lower, lo+1e-9, "trial %d %s", trial, tab.Label(f.Cell))
			assert.GreaterOrEqual(t, f.Interval.Upper, hi-1e-9, "trial %d %s", trial, tab.Label(f.Cell))
			if f.Interval.Width() == 0 {
				assert.Equal(t, lo, hi, "trial %d %s: screened as disclosed", trial, tab.Label(f.Cell))
			} else {
				assert.Less(t, hi-lo, req.RangeMin, "trial %d %s: screened as under-protected", trial, tab.Label(f.Cell))
			}
		}
		full, err := Audit(context.Background(), rel, Options{Attacker: legacy, Default: req, Full: true})
		require.NoError(t, err)
		require.Equal(t, full.Audited, sc.Audited)
		// What the screen finds, the audit finds.
		failed := map[int]bool{}
		for _, f := range append(append([]Finding(nil), full.Disclosed...), full.UnderProtected...) {
			failed[f.Cell] = true
		}
		for _, c := range append(cellsOf(sc.Disclosed), cellsOf(sc.UnderProtected)...) {
			assert.True(t, failed[c], "trial %d %s", trial, tab.Label(c))
		}
		screened += len(sc.Disclosed) + len(sc.UnderProtected)
		audited += len(failed)
	}
	t.Logf("screen found %d of the %d failures the full audit found", screened, audited)
	require.Greater(t, audited, 100, "the property must not hold vacuously")
	require.Greater(t, screened, audited/2)
}

func TestScreenIsNoPrior(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	tab := attack.RandomTable(rng, 2)
	rel := attack.RandomPattern(rng, tab)
	sc, err := Screen(context.Background(), rel, Options{Attacker: legacy, Default: FrequencyRequirement(3)})
	require.NoError(t, err)
	require.Error(t, sc.CanSeed(rel))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Screen(ctx, rel, Options{Attacker: legacy})
	require.ErrorIs(t, err, context.Canceled)
}
