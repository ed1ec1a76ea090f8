package report_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/report"
)

// TestBarChart: the chart is well-formed SVG with one bar per value,
// scaled to the largest, and escapes its labels.
func TestBarChart(t *testing.T) {
	svg := string(report.BarChart("Cells <withheld>", []report.Bar{
		{Label: "a & b", Value: 2, Text: "2"}, {Label: "c", Value: 1, Text: "1"}, {Label: "d", Value: 0, Text: "0"},
	}, 0))
	var doc struct {
		XMLName xml.Name
		Rects   []struct {
			Width float64 `xml:"width,attr"`
		} `xml:"rect"`
		Texts []string `xml:"text"`
	}
	require.NoError(t, xml.Unmarshal([]byte(svg), &doc))
	assert.Equal(t, "svg", doc.XMLName.Local)
	require.Len(t, doc.Rects, 3)
	assert.InDelta(t, 2*doc.Rects[1].Width, doc.Rects[0].Width, 1e-6)
	assert.Zero(t, doc.Rects[2].Width)
	assert.Contains(t, doc.Texts, "Cells <withheld>")
	assert.Contains(t, doc.Texts, "a & b")
	assert.False(t, strings.Contains(svg, "<withheld>"), "escaped")
	assert.Empty(t, string(report.BarChart("none", nil, 0)))
}
