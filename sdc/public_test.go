package sdc_test

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strings"
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

// Protection levels go into the internal file, rounded up to the values'
// decimal places, and never into the published one.
func TestLevelsInternalOnly(t *testing.T) {
	d, err := sdc.NewFlat("x", []string{"a", "b"})
	require.NoError(t, err)
	tab, err := sdc.ReadRecords(strings.NewReader("x,who,v\na,p,90.00\na,q,5.5\nb,r,7\n"), []sdc.DimSpec{{Name: "x", Dim: d}}, sdc.RecordsOptions{Value: "v", Contributor: "who"})
	require.NoError(t, err)
	rel := sdc.NewRelease(tab)
	assert.Error(t, rel.SetLevels([]float64{1}, []float64{1}))
	assert.Error(t, rel.SetLevels([]float64{-1, 0, 0}, []float64{0, 0, 0}))
	require.NoError(t, rel.SetLevels([]float64{0, 4.01, 0}, []float64{0, 4.01, 0}))
	rel.Set(1, sdc.Primary, "dominance")
	rel.Set(2, sdc.Secondary, "")
	u, l, ok := rel.Clone().Levels(1)
	assert.True(t, ok)
	assert.Equal(t, 4.01, u)
	assert.Equal(t, u, l)
	_, _, ok = rel.Levels(0)
	assert.False(t, ok)

	var in, pub bytes.Buffer
	require.NoError(t, sdc.WriteInternal(&in, rel, sdc.WriteOptions{}))
	require.NoError(t, sdc.WritePublished(&pub, rel, sdc.WriteOptions{}))
	rows, err := csv.NewReader(&in).ReadAll()
	require.NoError(t, err)
	h := rows[0]
	require.Equal(t, []string{"upper_level", "lower_level"}, h[len(h)-2:])
	// The values have one decimal place (90.00 and 5.5 and 7): 4.01 is
	// rounded up to 4.1.
	assert.Equal(t, []string{"4.1", "4.1"}, rows[2][len(h)-2:]) // cell a
	assert.Equal(t, []string{"", ""}, rows[1][len(h)-2:])
	assert.NotContains(t, pub.String(), "level")
	assert.NotContains(t, pub.String(), "4.1")
}
