package lp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSparse(t *testing.T) {
	a := NewSparse(3, 4)
	r, c := a.Dims()
	assert.Equal(t, 3, r)
	assert.Equal(t, 4, c)
	assert.Equal(t, 0, a.NNZ())

	a.Add(2, 3, 1)
	a.Add(0, 0, 2)
	a.Add(2, 3, 1.5) // duplicates are summed
	a.Add(1, 0, 4)
	a.Add(1, 2, 1)
	a.Add(1, 2, -1) // sums to zero: dropped
	a.Add(0, 1, 0)  // zero: ignored
	assert.Equal(t, 3, a.NNZ())
	assert.Equal(t, 2.0, a.At(0, 0))
	assert.Equal(t, 4.0, a.At(1, 0))
	assert.Equal(t, 2.5, a.At(2, 3))
	assert.Equal(t, 0.0, a.At(1, 2))
	assert.Equal(t, 0.0, a.At(0, 3))

	// Adding after compression merges with the compressed entries.
	a.Add(0, 0, 1)
	a.Add(2, 1, 7)
	assert.Equal(t, 3.0, a.At(0, 0))
	type entry struct {
		i, j int
		v    float64
	}
	var got []entry
	a.DoNonZero(func(i, j int, v float64) { got = append(got, entry{i, j, v}) })
	assert.Equal(t, []entry{{0, 0, 3}, {1, 0, 4}, {2, 1, 7}, {2, 3, 2.5}}, got)

	require.PanicsWithValue(t, "lp: index (3, 0) out of range for 3×4 matrix", func() { a.Add(3, 0, 1) })
	require.PanicsWithValue(t, "lp: index (0, -1) out of range for 3×4 matrix", func() { a.At(0, -1) })
	require.PanicsWithValue(t, "lp: negative dimension -1×2", func() { NewSparse(-1, 2) })
}
