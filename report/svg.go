package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Value float64
	Text  string // the value as written beside the bar
}

// BarChart draws a horizontal bar chart as inline SVG: one row per bar,
// its label left, its bar scaled to the largest value (or to max when
// positive), its value written right. Labels and texts are escaped.
func BarChart(title string, bars []Bar, max float64) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	const (
		labelW = 180
		barW   = 360
		textW  = 90
		rowH   = 18
		top    = 24
	)
	if max <= 0 {
		for _, b := range bars {
			max = math.Max(max, b.Value)
		}
	}
	h := top + rowH*len(bars) + 6
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		labelW+barW+textW, h, labelW+barW+textW, h, template.HTMLEscapeString(title))
	// Presentation attributes, not only classes: the chart looks the same
	// wherever it is shown (a page's CSS, an <img>, a notebook).
	fmt.Fprintf(&s, `<text x="0" y="15" class="t" font-family="sans-serif" font-size="13" font-weight="bold" fill="#222">%s</text>`, template.HTMLEscapeString(title))
	for i, b := range bars {
		y := top + i*rowH
		w := 0.0
		if max > 0 && b.Value > 0 {
			w = barW * b.Value / max
		}
		label := b.Label
		if r := []rune(label); len(r) > 28 {
			label = string(r[:27]) + "…"
		}
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="l" text-anchor="end" font-family="sans-serif" font-size="11" fill="#222">%s</text>`, labelW-6, y+13, template.HTMLEscapeString(label))
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%.1f" height="%d" class="b" fill="#4a7ab5"/>`, labelW, y+3, w, rowH-5)
		fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="v" font-family="sans-serif" font-size="11" fill="#222">%s</text>`, float64(labelW)+w+4, y+13, template.HTMLEscapeString(b.Text))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}
