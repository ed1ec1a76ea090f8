package suppress

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

func withheld(rel *sdc.Release) int { return rel.Count(sdc.Primary) + rel.Count(sdc.Secondary) }

// Property: the cleanup publishes cells again without giving anything
// away, and loses fewer cells. On random 2- and 3-way tables, Protect with
// the cleanup passes its own audit whenever nothing is unresolved,
// discloses nothing to the independent dense-rank checker (exact
// disclosure, and singletons pinned, anySum: Gauss's guarantee), and
// withholds fewer cells in all than Protect without it. (Against the
// enumerating attacker: TestProtectSurvivesEnumeratingAttacker, where
// the cleanup is on as by default.)
func TestProtectCleanup(t *testing.T) {
	ctx := context.Background()
	var cells [2]int
	republished, worse, better := 0, 0, 0
	for seed := uint64(0); seed < 150; seed++ {
		var rels [2]*sdc.Release
		for i, off := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(seed, 55))
			tab := attack.RandomTable(rng, 2+int(seed%2))
			maxN := 2 + int(seed%3)
			rel := frequencyRelease(t, tab, maxN)
			// Both policies: zeros may be secondary cells, or never are.
			zerosPublished := seed/2%2 == 1
			res, err := Protect(ctx, rel, ProtectOptions{Default: audit.FrequencyRequirement(maxN), NoCleanup: off, ZerosPublished: zerosPublished})
			require.NoError(t, err)
			require.NotNil(t, res.Audit)
			if len(res.Unresolved) == 0 {
				require.True(t, res.Audit.Passed(), "seed %d", seed)
			}
			if off {
				require.Empty(t, res.Republished)
			}
			for _, c := range res.Republished {
				require.Equal(t, sdc.Published, rel.Status(c), "seed %d: %s", seed, tab.Label(c))
			}
			republished += len(res.Republished)
			for c := 0; c < tab.NumCells(); c++ {
				if rel.Suppressed(c) {
					require.NotEmpty(t, rel.Reason(c), "seed %d: %s", seed, tab.Label(c))
					require.NotContains(t, rel.Reason(c), refusedReason, "seed %d: %s", seed, tab.Label(c))
				}
			}
			// With zeros published, Gauss's anySum view (withheld counts
			// ≥ 1, a published combination of ones pins them) holds after
			// the cleanup too. With zeros as secondary cells the cleanup
			// keeps exact linear disclosure out, and the audit (≥ 0)
			// decides the rest: anySum's closure over zeros takes signed
			// combinations (x − y = 0) as pins, which no attacker who
			// knows only x, y ≥ 0 can draw, and a Gauss run in the
			// cleanup's order does not keep it.
			bound := boundFor(GaussOptions{})
			if !zerosPublished {
				bound = nil
			}
			if d := attackFromTable(rel).disclosed(bound); len(d) > 0 {
				t.Fatalf("seed %d (cleanup %v): disclosed %v", seed, !off, d)
			}
			cells[i] += withheld(rel)
			rels[i] = rel
		}
		switch a, b := withheld(rels[0]), withheld(rels[1]); {
		case b > a:
			worse++
		case b < a:
			better++
		}
	}
	t.Logf("withheld cells: %d without the cleanup, %d with it (%d published again); %d tables smaller, %d larger", cells[0], cells[1], republished, better, worse)
	require.Greater(t, republished, 50, "the cleanup must be exercised")
	assert.Less(t, cells[1], cells[0])
	assert.Less(t, 5*worse, better, "larger patterns are the exception")
}

// On T1 the cleanup publishes again cells the repair made redundant, and
// the pattern still passes the audit.
func TestProtectCleanupT1(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	ctx := context.Background()
	// With zeros published (the ≥ 1 policy) the cleanup has cells to
	// publish again on T1.
	opt := ProtectOptions{Default: audit.FrequencyRequirement(4), ZerosPublished: true}
	rel := frequencyRelease(t, tab, 4)
	res, err := Protect(ctx, rel, opt)
	require.NoError(t, err)
	require.Empty(t, res.Unresolved)
	require.True(t, res.Audit.Passed())
	opt.NoCleanup = true
	plain := frequencyRelease(t, tab, 4)
	_, err = Protect(ctx, plain, opt)
	require.NoError(t, err)
	require.NotEmpty(t, res.Republished)
	for _, c := range res.Republished {
		assert.Equal(t, sdc.Secondary, plain.Status(c), "%s was withheld without the cleanup", tab.Label(c))
		assert.Equal(t, sdc.Published, rel.Status(c))
	}
	assert.Less(t, rel.Count(sdc.Secondary), plain.Count(sdc.Secondary))
	t.Logf("T1: %d secondary cells with the cleanup, %d without", rel.Count(sdc.Secondary), plain.Count(sdc.Secondary))
	requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})
}

func TestCostOrder(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	cells := []int{0, 1, 2, 3, 10, 11, 12}
	costOrder(tab, cells, nil)
	for i := 1; i < len(cells); i++ {
		a, b := cells[i-1], cells[i]
		assert.GreaterOrEqual(t, tab.Freq(a), tab.Freq(b), "%s before %s", tab.Label(a), tab.Label(b))
	}
	assert.Equal(t, 0, cells[0], "the grand total first")
	// A cost function reverses it.
	costOrder(tab, cells, func(t *sdc.Table, c int) float64 { return -float64(t.Freq(c)) })
	assert.NotEqual(t, 0, cells[0])
	assert.Equal(t, 0, cells[len(cells)-1])
}

// Linked tables: T1 and its geo×age marginal. The cleanup publishes base
// cells again in every table that has them, the cells the tables share
// keep one status, and the joint audit passes.
func TestProtectLinkedCleanup(t *testing.T) {
	base, err := benchmarks.Table("T1")
	require.NoError(t, err)
	m, err := sdc.Marginal(base, "geo", "age")
	require.NoError(t, err)
	ra, rb := frequencyRelease(t, base, 4), frequencyRelease(t, m, 4)
	res, err := ProtectLinked(context.Background(), base, []*sdc.Release{ra, rb}, ProtectOptions{Default: audit.FrequencyRequirement(4), ZerosPublished: true})
	require.NoError(t, err)
	require.Empty(t, res.Unresolved)
	require.True(t, res.Audit.Passed())
	require.NotEmpty(t, res.Republished)
	for _, bc := range res.Republished {
		assert.Equal(t, sdc.Published, ra.Status(bc), base.Label(bc))
	}
	for c := 0; c < m.NumCells(); c++ {
		assert.Equal(t, ra.Status(sdc.BaseCell(base, m, c)), rb.Status(c), m.Label(c))
	}
}
