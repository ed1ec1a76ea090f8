package suppress

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// frequencyRelease marks counts 1..maxN primary.
func frequencyRelease(t *testing.T, tab *sdc.Table, maxN int) *sdc.Release {
	t.Helper()
	f, err := NewFrequency(maxN, false)
	require.NoError(t, err)
	rel, _, err := Primary(context.Background(), tab, []Rule{f}, PrimaryOptions{})
	require.NoError(t, err)
	return rel
}

// Property: on random two-way hierarchical tables (skewed trees, many zeros
// and ones), after Protect every primary cell's range over all non-negative
// integer tables that agree with the published cells, found by brute-force
// enumeration independently of the audit, is at least maxN+1 wide, and no
// withheld cell is determined. For two-way tables that range equals the LP
// interval the audit uses.
func TestProtectSurvivesEnumeratingAttacker(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	checked, primaries := 0, 0
	for trial := 0; trial < 150; trial++ {
		tab := attack.RandomTable(rng, 2)
		maxN := 2 + trial%2
		rel := frequencyRelease(t, tab, maxN)
		// Both policies: zeros may be secondary cells (the attacker
		// knows ≥ 0), or are always published (≥ 1).
		zerosPublished := trial/2%2 == 1
		res, err := Protect(context.Background(), rel, ProtectOptions{Default: audit.FrequencyRequirement(maxN), ZerosPublished: zerosPublished})
		require.NoError(t, err)
		if len(res.Unresolved) > 0 {
			// Reported, never hidden: a primary cell with nothing left to
			// withhold around it. The enumeration must agree it fails.
			for _, f := range res.Unresolved {
				assert.NotEqual(t, sdc.Published, rel.Status(f.Cell))
			}
			continue
		}
		minWithheld := int64(0)
		if zerosPublished {
			minWithheld = 1
			for c := 0; c < tab.NumCells(); c++ {
				require.False(t, rel.Suppressed(c) && tab.Freq(c) == 0, "trial %d: zero %s withheld", trial, tab.Label(c))
			}
		}
		e, ok := attack.EnumerateMin(rel, 300000, minWithheld)
		if !ok {
			continue
		}
		checked++
		for c := 0; c < tab.NumCells(); c++ {
			if !rel.Suppressed(c) {
				continue
			}
			lo, hi := e.Interval(c)
			assert.Greater(t, hi-lo, 0.5, "trial %d: %s is disclosed: [%v, %v]", trial, tab.Label(c), lo, hi)
			if rel.Status(c) == sdc.Primary {
				primaries++
				assert.GreaterOrEqual(t, hi-lo, float64(maxN+1)-1e-9, "trial %d: primary %s (%d) has range [%v, %v]", trial, tab.Label(c), tab.Freq(c), lo, hi)
			}
		}
	}
	assert.Greater(t, checked, 60, "the property must not hold vacuously")
	assert.Greater(t, primaries, 200)
}

func TestProtectT1(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	rel := frequencyRelease(t, tab, 4)
	var msgs []string
	res, err := Protect(context.Background(), rel, ProtectOptions{Default: audit.FrequencyRequirement(4), Progress: func(m string) { msgs = append(msgs, m) }})
	require.NoError(t, err)
	assert.Empty(t, res.Unresolved)
	require.NotNil(t, res.Audit)
	assert.True(t, res.Audit.Passed())
	assert.NotEmpty(t, msgs)
	// Every primary cell's recorded interval is at least 5 wide, and every
	// secondary cell says what it protects.
	for c := 0; c < tab.NumCells(); c++ {
		switch rel.Status(c) {
		case sdc.Primary:
			iv, ok := rel.Interval(c)
			require.True(t, ok)
			assert.GreaterOrEqual(t, iv.Width(), 5.0, tab.Label(c))
		case sdc.Secondary:
			assert.NotEmpty(t, rel.Reason(c))
		}
	}
	// The repair was needed on T1: Gauss alone leaves cells too narrow.
	assert.Greater(t, res.Rounds, 0)
	assert.NotEmpty(t, res.Extra)

	// Exact-only mode: Gauss, audited and repaired for exact disclosure
	// only.
	rel2 := frequencyRelease(t, tab, 4)
	res2, err := Protect(context.Background(), rel2, ProtectOptions{ExactOnly: true, Default: audit.FrequencyRequirement(4)})
	require.NoError(t, err)
	assert.Empty(t, res2.Unresolved)
	require.NotNil(t, res2.Audit)
	assert.True(t, res2.Audit.Passed())
	assert.Less(t, rel2.Count(sdc.Secondary), rel.Count(sdc.Secondary))
	// The screen names primary cells the exact-only pattern leaves too
	// narrow, and each of them fails the full audit too.
	require.NotNil(t, res2.Screen)
	require.NotEmpty(t, res2.Screen.UnderProtected)
	full, err := audit.Audit(context.Background(), rel2, audit.Options{Default: audit.FrequencyRequirement(4), Full: true, Attacker: res2.Attacker})
	require.NoError(t, err)
	failed := map[int]bool{}
	for _, f := range full.UnderProtected {
		failed[f.Cell] = true
	}
	for _, f := range res2.Screen.UnderProtected {
		assert.True(t, failed[f.Cell], tab.Label(f.Cell))
	}
	t.Logf("exact-only on T1: the screen finds %d of the %d primary cells the audit finds too narrow", len(res2.Screen.UnderProtected), len(full.UnderProtected))
}

func TestProtectDeterministic(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	a := frequencyRelease(t, tab, 4)
	b := frequencyRelease(t, tab, 4)
	opt := ProtectOptions{Default: audit.FrequencyRequirement(4)}
	_, err = Protect(context.Background(), a, opt)
	require.NoError(t, err)
	_, err = Protect(context.Background(), b, opt)
	require.NoError(t, err)
	assert.Equal(t, a.Statuses(), b.Statuses())
}

// Linked tables: geo×sex and geo×age, both marginals of T1, protected
// together. The joint audit (every cell either table publishes known at
// once) passes, a cell the tables share (geo×Total) has one status in both,
// and every withheld cell of each table has its interval.
func TestProtectLinkedMarginals(t *testing.T) {
	base, err := benchmarks.Table("T1")
	require.NoError(t, err)
	a, err := sdc.Marginal(base, "geo", "sex")
	require.NoError(t, err)
	b, err := sdc.Marginal(base, "geo", "age")
	require.NoError(t, err)
	ra, rb := frequencyRelease(t, a, 4), frequencyRelease(t, b, 4)
	res, err := ProtectLinked(context.Background(), base, []*sdc.Release{ra, rb}, ProtectOptions{Default: audit.FrequencyRequirement(4)})
	require.NoError(t, err)
	assert.Empty(t, res.Unresolved)

	require.NotNil(t, res.Audit)
	assert.True(t, res.Audit.Passed())
	for n := 0; n < base.Dim(0).Len(); n++ {
		ca, cb := a.Cell(n, 0), b.Cell(n, 0)
		assert.Equal(t, ra.Status(ca), rb.Status(cb), "geo %s total", base.Dim(0).Code(n))
	}
	for _, r := range []*sdc.Release{ra, rb} {
		for c := 0; c < r.Table().NumCells(); c++ {
			if r.Suppressed(c) {
				iv, ok := r.Interval(c)
				require.True(t, ok, r.Table().Label(c))
				if r.Status(c) == sdc.Primary {
					assert.GreaterOrEqual(t, iv.Width(), 5.0, r.Table().Label(c))
				}
			}
		}
	}
}

func TestMarginalSums(t *testing.T) {
	base, err := benchmarks.Table("T1")
	require.NoError(t, err)
	m, err := sdc.Marginal(base, "age", "geo")
	require.NoError(t, err)
	for c := 0; c < m.NumCells(); c++ {
		assert.Equal(t, base.Freq(sdc.BaseCell(base, m, c)), m.Freq(c), m.Label(c))
	}
	_, err = sdc.Marginal(base, "region")
	assert.EqualError(t, err, `marginal: the table has no dimension "region"`)
}

// Property: repair rounds only add withheld cells, so the final pattern
// holds Gauss's first pattern, and every audit after the first starts
// from the tables the last one found (audit.Options.Prior). The cleanup,
// which publishes cells again, is off here.
func TestProtectRoundsOnlyAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	repaired := 0
	for trial := 0; trial < 60; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		maxN := 2 + trial%3
		first := frequencyRelease(t, tab, maxN)
		_, err := Gauss(context.Background(), first, GaussOptions{SecondaryZeros: true}) // as Protect runs it by default
		require.NoError(t, err)

		rel := frequencyRelease(t, tab, maxN)
		var msgs []string
		res, err := Protect(context.Background(), rel, ProtectOptions{Default: audit.FrequencyRequirement(maxN), NoCleanup: true,
			Progress: func(m string) { msgs = append(msgs, m) }})
		require.NoError(t, err)
		for c := 0; c < tab.NumCells(); c++ {
			if first.Suppressed(c) {
				assert.True(t, rel.Suppressed(c), "trial %d: %s was withheld by the first pattern", trial, tab.Label(c))
			}
		}
		if res.Rounds == 0 {
			continue
		}
		repaired++
		audits, seeded := 0, 0
		for _, m := range msgs {
			if strings.HasPrefix(m, "audit") && strings.Contains(m, "under-protected") {
				audits++
				if strings.Contains(m, "seeded") {
					seeded++
				}
			}
		}
		assert.Equal(t, audits-1, seeded, "trial %d: %q", trial, msgs)
	}
	assert.Greater(t, repaired, 10, "repair rounds must be exercised")
}

// Withholding a total for a cell whose interval a withheld neighbour did
// not move (repairRound) leaves far fewer cells unresolved on random
// tables than withholding neighbours only (43 against 259 on these 80).
func TestProtectEscalationResolvesMore(t *testing.T) {
	var unresolved [2]int
	for seed := uint64(0); seed < 80; seed++ {
		for i, esc := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(seed, 99))
			tab := attack.RandomTable(rng, 2+int(seed%3))
			maxN := 2 + int(seed%3)
			rel := frequencyRelease(t, tab, maxN)
			res, err := Protect(context.Background(), rel, ProtectOptions{Default: audit.FrequencyRequirement(maxN), noEscalate: !esc})
			require.NoError(t, err)
			unresolved[i] += len(res.Unresolved)
		}
	}
	t.Logf("unresolved cells: %d with neighbours only, %d with totals too", unresolved[0], unresolved[1])
	assert.Less(t, 2*unresolved[1], unresolved[0])
}

// The screen by bound propagation (audit.Screen) repairs cells that
// certainly fail without an audit: on random tables far fewer audits run
// (298 → 80 on these 80 tables, with the policy's attacker and the
// singleton check), and about as many cells are left unresolved (66 →
// 57: the repair is a heuristic, and another order of repairs ends
// elsewhere).
// The cleanup, whose failed audits would count too, is off.
func TestProtectScreenSavesAudits(t *testing.T) {
	var audits, unresolved [2]int
	for seed := uint64(0); seed < 80; seed++ {
		for i, sc := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(seed, 77))
			tab := attack.RandomTable(rng, 2+int(seed%3))
			maxN := 2 + int(seed%3)
			rel := frequencyRelease(t, tab, maxN)
			res, err := Protect(context.Background(), rel, ProtectOptions{Default: audit.FrequencyRequirement(maxN), NoCleanup: true, noScreen: !sc})
			require.NoError(t, err)
			require.NotNil(t, res.Audit, "the last word is the audit's")
			audits[i] += res.Audits
			unresolved[i] += len(res.Unresolved)
			if len(res.Unresolved) == 0 {
				require.True(t, res.Audit.Passed())
			}
		}
	}
	t.Logf("audits: %d without the screen, %d with it; unresolved cells: %d, %d", audits[0], audits[1], unresolved[0], unresolved[1])
	assert.Less(t, 5*audits[1], 4*audits[0], "at least a fifth fewer audits")
	assert.LessOrEqual(t, 4*unresolved[1], 5*unresolved[0]+8, "no more than about a quarter more unresolved cells")
}

// A zero requirement is an error, not a silent "disclosure only"; with
// ExactOnly it is what the option asks for.
func TestProtectNeedsRequirement(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	f, err := NewFrequency(4, false)
	require.NoError(t, err)
	rel, _, err := Primary(context.Background(), tab, []Rule{f}, PrimaryOptions{})
	require.NoError(t, err)
	_, err = Protect(context.Background(), rel.Clone(), ProtectOptions{})
	require.ErrorIs(t, err, ErrGaussInput)
	assert.ErrorContains(t, err, "no protection requirement")
	res, err := Protect(context.Background(), rel, ProtectOptions{ExactOnly: true})
	require.NoError(t, err)
	assert.Empty(t, res.Unresolved)
}
