package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
)

// Comparison is the benchmark report: several methods on one table, side
// by side.
type Comparison struct {
	Title      string          `json:"title"`
	Tool       string          `json:"tool"`
	Date       string          `json:"date"`
	Command    string          `json:"command,omitempty"`
	Inputs     []InputFile     `json:"inputs,omitempty"`
	Cells      int             `json:"cells"`
	InnerCells int             `json:"inner_cells"`
	Dimensions []DimensionInfo `json:"dimensions"`
	Methods    []MethodResult  `json:"methods"`
}

// MethodResult is one method's outcome on the table.
type MethodResult struct {
	Name   string `json:"name"`
	Method string `json:"method,omitempty"`
	// Error says why the method gave no release (not applicable to the
	// table, a cell it could not protect).
	Error string `json:"error,omitempty"`
	// All and BySize are the utility: cells withheld or changed and the
	// errors, overall and by municipality size class.
	All    ErrorStats    `json:"all"`
	BySize []SizeUtility `json:"by_size,omitempty"`
	// Audit is the attacker's audit of a suppression pattern; Learns says
	// in words what an attacker learns (for noise, the confidence
	// interval's width).
	Audit  *AuditOutcome `json:"audit,omitempty"`
	Learns string        `json:"attacker_learns"`
	// Seconds is the method's wall time, AllocMB the memory it allocated.
	Seconds float64 `json:"seconds"`
	AllocMB float64 `json:"alloc_mb"`
}

// WriteJSON writes the comparison as indented JSON.
func (c *Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// WriteHTML writes the comparison as one self-contained HTML page.
func (c *Comparison) WriteHTML(w io.Writer) error { return compareTemplate.Execute(w, c) }

var compareFuncs = template.FuncMap{
	"pct": funcs["pct"], "f3": funcs["f3"], "secs": funcs["secs"],
	"css": func() template.CSS { return pageCSS("70rem") },
	"mbf": func(x float64) string { return fmt.Sprintf("%.0f MB", x) },
	"withheldChart": func(ms []MethodResult) template.HTML {
		var bars []Bar
		for _, m := range ms {
			if m.Error == "" {
				bars = append(bars, Bar{Label: m.Name, Value: m.All.ShareWithheld, Text: fmt.Sprintf("%.1f %%", 100*m.All.ShareWithheld)})
			}
		}
		return BarChart("Cells withheld (share)", bars, 0)
	},
	"maeChart": func(ms []MethodResult) template.HTML {
		var bars []Bar
		for _, m := range ms {
			if m.Error == "" {
				bars = append(bars, Bar{Label: m.Name, Value: m.All.MeanAbs, Text: fmt.Sprintf("%.3f", m.All.MeanAbs)})
			}
		}
		return BarChart("Mean absolute error of published cells", bars, 0)
	},
	"classes": func() []string {
		var out []string
		for _, c := range SizeClasses {
			out = append(out, c.Name)
		}
		return out
	},
	"cls": func(m MethodResult, i int) *SizeUtility {
		if i < len(m.BySize) {
			return &m.BySize[i]
		}
		return nil
	},
}

var compareTemplate = template.Must(template.New("compare").Funcs(compareFuncs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
{{css}}
</style></head><body>
<h1>{{.Title}}</h1>
<p class="small">{{.Tool}} · {{.Date}}{{if .Command}} · <code>{{.Command}}</code>{{end}}</p>
<p><span id="cells">{{.Cells}}</span> publishable cells, {{.InnerCells}} inner; dimensions {{range $i, $d := .Dimensions}}{{if $i}} × {{end}}{{$d.Name}} ({{$d.Leaves}} categories, depth {{$d.Depth}}){{end}}.</p>

<h2>Side by side</h2>
<table id="methods"><tr><th>method</th><th>cells withheld</th><th>count withheld</th><th>published cells changed</th><th>MAE</th><th>RMS</th><th>max error</th><th>what an attacker learns</th><th>time</th><th>allocated</th></tr>
{{range .Methods}}<tr><td><strong>{{.Name}}</strong>{{if .Method}}<br><span class="small">{{.Method}}</span>{{end}}</td>
{{if .Error}}<td colspan="9" class="fail">{{.Error}}</td>{{else}}
<td class="n">{{.All.Withheld}} ({{pct .All.ShareWithheld}})</td><td class="n">{{pct .All.ShareCountWithheld}}</td><td class="n">{{pct .All.ShareChanged}}</td>
<td class="n">{{f3 .All.MeanAbs}}</td><td class="n">{{f3 .All.RMS}}</td><td class="n">{{.All.MaxAbs}}</td>
<td>{{with .Audit}}{{if .Passed}}<span class="ok">audit passed</span>{{else}}<span class="fail">audit failed</span>{{end}}: {{.Audited}} cells, {{.Disclosed}} disclosed, {{.UnderProtected}} under-protected. {{end}}{{.Learns}}</td>
<td class="n">{{secs .Seconds}}</td><td class="n">{{mbf .AllocMB}}</td>{{end}}</tr>{{end}}</table>
{{withheldChart .Methods}}
{{maeChart .Methods}}

<h2>By municipality size</h2>
<p class="small">Cells withheld, and the mean absolute error of the published cells, in each population class.</p>
<table><tr><th>method</th>{{range classes}}<th>{{.}}</th>{{end}}</tr>
{{range $m := .Methods}}{{if not $m.Error}}<tr><td>{{$m.Name}}</td>{{range $i, $c := classes}}{{with cls $m $i}}<td class="n">{{pct .ShareWithheld}} withheld<br>MAE {{f3 .MeanAbs}}</td>{{else}}<td></td>{{end}}{{end}}</tr>{{end}}{{end}}</table>
</body></html>
`))
