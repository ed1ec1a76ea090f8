package suppress_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// withholdAll is a second secondary method, as blunt as can be: it
// withholds every cell but each table's grand total (zeros too when
// opt.SecondaryZeros allows, else they stay published) and so never asks
// opt.Accept about a cell it would publish.
type withholdAll struct{ runs *int }

func (w withholdAll) SecondaryLinked(_ context.Context, _ *sdc.Table, rels []*sdc.Release, opt suppress.GaussOptions) (suppress.GaussResult, error) {
	*w.runs++
	var res suppress.GaussResult
	for _, rel := range rels {
		t := rel.Table()
		res.Cells += t.NumCells()
		for c := 1; c < t.NumCells(); c++ {
			switch {
			case rel.Status(c) == sdc.Primary:
				res.Primary++
			case rel.Fixed(c) || rel.Suppressed(c) || t.Freq(c) == 0 && !opt.SecondaryZeros:
			default:
				rel.Set(c, sdc.Secondary, "withhold all")
				res.Secondary++
			}
		}
	}
	return res, nil
}

// Protect's loop runs any SecondaryMethod: the blunt one is run, audited
// like Gauss, and passes (every cell but the grand total withheld), under
// both zero policies; the cleanup then publishes cells again by running
// the same method, which publishes none.
func TestProtectWithAnotherSecondaryMethod(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	for _, zerosPublished := range []bool{false, true} {
		f, err := suppress.NewFrequency(4, false)
		require.NoError(t, err)
		rel, _, err := suppress.Primary(context.Background(), tab, []suppress.Rule{f}, suppress.PrimaryOptions{})
		require.NoError(t, err)
		runs := 0
		res, err := suppress.Protect(context.Background(), rel, suppress.ProtectOptions{
			Secondary: withholdAll{&runs}, Default: audit.FrequencyRequirement(4), ZerosPublished: zerosPublished,
		})
		require.NoError(t, err)
		assert.Empty(t, res.Unresolved)
		require.NotNil(t, res.Audit)
		assert.True(t, res.Audit.Passed())
		assert.GreaterOrEqual(t, runs, 1)
		assert.False(t, rel.Suppressed(0), "the grand total")
		for c := 1; c < tab.NumCells(); c++ {
			if tab.Freq(c) > 0 {
				assert.True(t, rel.Suppressed(c), "%s", tab.Label(c))
			}
		}
	}
}
