package rounding_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/rounding"
)

func TestRandomUnbiased(t *testing.T) {
	tb := exPSD(t)
	const base, n = 5, 3000
	src := rand.NewChaCha8([32]byte{1})
	sum := make([]float64, tb.NumCells())
	additive := 0
	for i := 0; i < n; i++ {
		res, err := rounding.Random(context.Background(), tb, rounding.RandomOptions{Base: base, Rand: src})
		require.NoError(t, err)
		checkAdjacent(t, tb, res.Values, base)
		for c, v := range res.Values {
			sum[c] += float64(v)
		}
		if rounding.CheckAdditive(tb, res.Values) == nil {
			additive++
		}
		if i == 0 {
			checkResult(t, tb, res)
		}
	}
	for c, s := range sum {
		assert.InDelta(t, float64(tb.Freq(c)), s/n, 0.25, "cell %s", tb.Label(c))
	}
	// Independent rounding is not additive (documented): most runs break a
	// relation.
	assert.Less(t, additive, n/2)
}

func TestRandomOptions(t *testing.T) {
	tb := exPSD(t)
	res, err := rounding.Random(context.Background(), tb, rounding.RandomOptions{}) // crypto/rand, base 3
	require.NoError(t, err)
	checkAdjacent(t, tb, res.Values, 3)
	assert.Equal(t, rounding.Rule{Method: rounding.MethodRandom, Base: 3}, res.Rule)
	_, err = rounding.Random(context.Background(), tb, rounding.RandomOptions{Base: 1})
	require.Error(t, err)
	_, err = rounding.Random(context.Background(), nil, rounding.RandomOptions{})
	require.Error(t, err)
	// Same seeded source, same result: seeding is for tests.
	a, err := rounding.Random(context.Background(), tb, rounding.RandomOptions{Base: 5, Rand: rand.NewChaCha8([32]byte{3})})
	require.NoError(t, err)
	b, err := rounding.Random(context.Background(), tb, rounding.RandomOptions{Base: 5, Rand: rand.NewChaCha8([32]byte{3})})
	require.NoError(t, err)
	assert.Equal(t, a.Values, b.Values)
}
