package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

func TestSummaryCount(t *testing.T) {
	geo, err := sdc.NewDimension("geo", []string{"NO", "11", "1101", "1151"}, []string{"", "NO", "11", "11"})
	require.NoError(t, err)
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	b, err := sdc.NewBuilder(geo, sex)
	require.NoError(t, err)
	for k := 0; k < b.Shape().NumInner(); k++ {
		require.NoError(t, b.AddInnerCell(b.Shape().InnerCell(k), int64(k+1)))
	}
	tab, err := b.Build()
	require.NoError(t, err)
	rel := sdc.NewRelease(tab)
	c, _ := tab.CellOf("1151", "F")
	rel.Set(c, sdc.Primary, "frequency 4 ≤ maxN 4")
	c, _ = tab.CellOf("1101", "F")
	rel.Set(c, sdc.Secondary, "protects 1151×F")

	var s Summary
	s.Begin("primary")
	s.End("primary")
	s.End("never begun") // ignored
	s.Count(rel)
	assert.Equal(t, 12, s.Cells)
	assert.Equal(t, 4, s.InnerCells)
	assert.Equal(t, map[string]int{"published": 10, "primary": 1, "secondary": 1}, s.Status)
	require.Len(t, s.Stages, 1)
	// geo has depths 0..2, sex 0..1: five levels; the municipality level
	// holds both withheld cells.
	require.Len(t, s.Levels, 5)
	assert.Equal(t, LevelCount{Dimension: "geo", Depth: 2, Cells: 6, Status: map[string]int{"published": 4, "primary": 1, "secondary": 1}}, s.Levels[2])
	assert.Equal(t, LevelCount{Dimension: "sex", Depth: 1, Cells: 8, Status: map[string]int{"published": 6, "primary": 1, "secondary": 1}}, s.Levels[4])

	var all Summary
	all.AddTable("a", &s)
	all.AddTable("b", &s)
	assert.Equal(t, 24, all.Cells)
	assert.Equal(t, 2, all.Status["primary"])

	var buf bytes.Buffer
	require.NoError(t, all.WriteJSON(&buf))
	var back map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Contains(t, back["tables"], "a")
}
