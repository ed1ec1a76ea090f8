package audit

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// Property: an audit seeded with the result of an audit of a smaller
// pattern (Options.Prior), as a repair round is, finds exactly the
// failures of an unseeded audit, and every interval it records lies
// within the exact one.
func TestAuditPriorMatchesFresh(t *testing.T) {
	eachMethod(t, testAuditPriorMatchesFresh)
}

func testAuditPriorMatchesFresh(t *testing.T, m auditMethod) {
	rng := rand.New(rand.NewPCG(11, 12))
	seeded := 0
	for trial := 0; trial < 30; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		rel := attack.RandomPattern(rng, tab)
		req := FrequencyRequirement(2 + trial%3)
		first, err := Audit(context.Background(), rel, Options{limits: m.limits, Attacker: legacy, Default: req})
		require.NoError(t, err)

		// Withhold some more published cells.
		more := sdc.NewRelease(tab)
		for c := 0; c < tab.NumCells(); c++ {
			switch {
			case rel.Suppressed(c):
				more.Set(c, rel.Status(c), "")
			case rng.IntN(6) == 0:
				more.Set(c, sdc.Secondary, "")
			}
		}
		full, err := Audit(context.Background(), more, Options{limits: m.limits, Attacker: legacy, Default: req, Full: true})
		require.NoError(t, err)
		exact := map[int]sdc.Interval{}
		for c := 0; c < tab.NumCells(); c++ {
			if iv, ok := more.Interval(c); ok {
				exact[c] = iv
			}
		}
		fresh, err := Audit(context.Background(), more, Options{limits: m.limits, Attacker: legacy, Default: req})
		require.NoError(t, err)
		again, err := Audit(context.Background(), more, Options{limits: m.limits, Attacker: legacy, Default: req, Prior: first})
		require.NoError(t, err)
		assert.Equal(t, cellsOf(full.Disclosed), cellsOf(again.Disclosed), "trial %d", trial)
		assert.Equal(t, cellsOf(full.UnderProtected), cellsOf(again.UnderProtected), "trial %d", trial)
		assert.Equal(t, cellsOf(fresh.UnderProtected), cellsOf(again.UnderProtected), "trial %d", trial)
		for c, ex := range exact {
			iv, ok := more.Interval(c)
			require.True(t, ok)
			assert.GreaterOrEqual(t, iv.Lower, ex.Lower-1e-6, "trial %d %s", trial, tab.Label(c))
			assert.LessOrEqual(t, iv.Upper, ex.Upper+1e-6, "trial %d %s", trial, tab.Label(c))
		}
		if again.LPSolves < fresh.LPSolves {
			seeded++
		}
	}
	assert.Greater(t, seeded, 5, "the prior saves LPs")
}

func TestAuditPriorMustFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	tab := attack.RandomTable(rng, 2)
	rel := attack.RandomPattern(rng, tab)
	first, err := Audit(context.Background(), rel, Options{Attacker: legacy, Default: FrequencyRequirement(3)})
	require.NoError(t, err)
	require.NotZero(t, first.Audited)

	// A release that publishes a cell the prior withheld.
	fewer := sdc.NewRelease(tab)
	dropped := -1
	for c := 0; c < tab.NumCells(); c++ {
		if rel.Suppressed(c) {
			if dropped < 0 {
				dropped = c
				continue
			}
			fewer.Set(c, rel.Status(c), "")
		}
	}
	_, err = Audit(context.Background(), fewer, Options{Attacker: legacy, Prior: first})
	require.ErrorContains(t, err, tab.Label(dropped))
	require.ErrorContains(t, err, "publishes")

	// Another table of the same shape.
	other := attack.RandomTable(rand.New(rand.NewPCG(13, 14)), 2)
	_, err = Audit(context.Background(), sdc.NewRelease(other), Options{Attacker: legacy, Prior: first})
	require.ErrorContains(t, err, "another table")

	// A prior of the weaker attacker (withheld zeros allowed) cannot seed
	// the audit of the stronger (every withheld cell ≥ 1); the reverse
	// can: the stronger's tables are the weaker's too.
	noZeros := rel.Clone()
	publishZeros(noZeros)
	weak, err := Audit(context.Background(), noZeros, Options{Attacker: legacy, Default: FrequencyRequirement(3)})
	require.NoError(t, err)
	_, err = Audit(context.Background(), noZeros, Options{Attacker: Attacker{}, Prior: weak})
	require.ErrorContains(t, err, "allows withheld zeros")
	strong, err := Audit(context.Background(), noZeros, Options{Attacker: Attacker{}, Default: FrequencyRequirement(3)})
	require.NoError(t, err)
	_, err = Audit(context.Background(), noZeros, Options{Attacker: legacy, Prior: strong})
	require.NoError(t, err)

	// Not a result of Audit.
	_, err = Audit(context.Background(), rel, Options{Attacker: legacy, Prior: &Result{}})
	require.ErrorContains(t, err, "not the result of Audit")
}
