package sdc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func patternTable(t *testing.T) *Table {
	t.Helper()
	geo, err := NewDimension("geo", []string{"NO", "03", "0301", "11", "1101", "1151"}, []string{"", "NO", "03", "NO", "11", "11"})
	require.NoError(t, err)
	sex, err := NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	b, err := NewBuilder(geo, sex)
	require.NoError(t, err)
	for k := 0; k < b.Shape().NumInner(); k++ {
		require.NoError(t, b.AddInnerCell(b.Shape().InnerCell(k), int64(k+1)))
	}
	tab, err := b.Build()
	require.NoError(t, err)
	return tab
}

func TestReadPatternRoundTrip(t *testing.T) {
	tab := patternTable(t)
	rel := NewRelease(tab)
	c1, _ := tab.CellOf("1151", "M")
	c2, _ := tab.CellOf("11", "Total")
	rel.Set(c1, Primary, "frequency 2 ≤ maxN 4")
	rel.Set(c2, Secondary, "protects 1151×M in the geo total")
	var buf bytes.Buffer
	require.NoError(t, WriteInternal(&buf, rel, WriteOptions{}))
	got, err := ReadPattern(&buf, tab)
	require.NoError(t, err)
	for c := 0; c < tab.NumCells(); c++ {
		assert.Equal(t, rel.Status(c), got.Status(c), tab.Label(c))
		assert.Equal(t, rel.Reason(c), got.Reason(c), tab.Label(c))
	}
}

func TestReadPatternErrors(t *testing.T) {
	tab := patternTable(t)
	cases := []struct{ name, in, want string }{
		{"empty", "", "pattern: empty file"},
		{"missing status", "geo,sex\nNO,M\n", `pattern: row 1: missing column "status"`},
		{"unknown code", "geo,sex,status\n9999,M,primary\n", `pattern: row 2: unknown geo code "9999"`},
		{"duplicate", "geo,sex,status\n1151,M,primary\n1101,F,published\n1151,M,secondary\n", "pattern: row 4: duplicate cell 1151×M (first at row 2)"},
		{"bad status", "geo,sex,status\n1151,M,concealed\n", `pattern: row 2: unknown status "concealed"`},
		{"ragged", "geo,sex,status\n1151,M\n", "pattern: row 2: wrong number of fields (ragged row)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPattern(strings.NewReader(tc.in), tab)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// Cells that are not listed are published.
	rel, err := ReadPattern(strings.NewReader("geo,sex,status\n1151,M,primary\n"), tab)
	require.NoError(t, err)
	assert.Equal(t, 1, rel.Count(Primary))
	assert.Equal(t, tab.NumCells()-1, rel.Count(Published))
}
