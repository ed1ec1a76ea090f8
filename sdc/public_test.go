package sdc_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// Property: the published view shows no withheld value, one public status
// for withheld cells, one status for every cell of a release of changed
// values, and a sum only beside an unchanged published count.
func TestPublicView(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		rel := attack.RandomPattern(rng, tab)
		changed := trial%3 == 0
		if changed {
			vals := make([]int64, tab.NumCells())
			for c := range vals {
				vals[c] = tab.Freq(c) + int64(rng.IntN(3))
			}
			rel = sdc.NewRelease(tab)
			require.NoError(t, rel.SetValues(vals, sdc.Rounded))
		}
		p := rel.Public()
		for c := 0; c < tab.NumCells(); c++ {
			st := p.Status(c)
			assert.NotContains(t, []sdc.Status{sdc.Primary, sdc.Secondary}, st, "trial %d: a withheld cell's status tells its kind", trial)
			v, ok := p.Count(c)
			switch {
			case rel.Suppressed(c):
				assert.False(t, ok, "trial %d: a withheld cell's value", trial)
				assert.Equal(t, sdc.Withheld, st)
			case changed:
				assert.True(t, ok)
				assert.Equal(t, sdc.Rounded, st, "every cell of a changed release has one status")
			default:
				assert.True(t, ok)
				assert.Equal(t, tab.Freq(c), v)
				assert.Equal(t, sdc.Published, st)
			}
			_, hasSum := p.Sum(c)
			assert.False(t, hasSum, "a frequency table has no sums")
		}
	}
}

func TestPublicViewSums(t *testing.T) {
	d, err := sdc.NewFlat("x", []string{"a", "b"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(d)
	require.NoError(t, err)
	require.NoError(t, b.AddRecord([]int{1}, "p", 100.5))
	require.NoError(t, b.AddRecord([]int{2}, "q", 7))
	tab, err := b.Build()
	require.NoError(t, err)
	rel := sdc.NewRelease(tab)
	rel.Set(1, sdc.Primary, "dominance")
	rel.Set(2, sdc.Secondary, "")
	p := rel.Public()
	s, ok := p.Sum(0)
	assert.True(t, ok)
	assert.Equal(t, 107.5, s)
	for _, c := range []int{1, 2} {
		_, ok := p.Sum(c)
		assert.False(t, ok, "a withheld cell's sum")
	}
	rounded := sdc.NewRelease(tab)
	require.NoError(t, rounded.SetValues([]int64{3, 0, 3}, sdc.Rounded))
	_, ok = rounded.Public().Sum(0)
	assert.False(t, ok, "a changed count says nothing of the sum")
}
