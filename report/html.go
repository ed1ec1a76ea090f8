package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
)

// WriteHTML writes the page as one self-contained HTML file: inline CSS
// and SVG, no script, no external asset.
func (p *Page) WriteHTML(w io.Writer) error {
	return pageTemplate.Execute(w, p)
}

// pageCSS is the style of every page (the report, the comparison); width
// is the page's maximum width.
func pageCSS(width string) template.CSS {
	return template.CSS(`body{font-family:system-ui,sans-serif;max-width:` + width + `;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#176317;font-weight:bold}.fail{color:#a31515;font-weight:bold}.small{font-size:.85rem;color:#555}
code{background:#f4f4f4;padding:0 .2rem}`)
}

var funcs = template.FuncMap{
	"css": func() template.CSS { return pageCSS("60rem") },
	"pct": func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) },
	"f3":  func(x float64) string { return fmt.Sprintf("%.3f", x) },
	"secs": func(x float64) string {
		if x < 1 {
			return fmt.Sprintf("%.0f ms", 1000*x)
		}
		return fmt.Sprintf("%.2f s", x)
	},
	"mb": func(kb int64) string {
		if kb <= 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f MB", float64(kb)/1024)
	},
	"statuses": func(m map[string]int) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		return strings.Join(parts, ", ")
	},
	"countyChart": func(rows []AreaCount) template.HTML {
		var bars []Bar
		for _, r := range rows {
			bars = append(bars, Bar{Label: r.Code + " " + r.Name, Value: r.ShareWithheld, Text: fmt.Sprintf("%.1f %%", 100*r.ShareWithheld)})
		}
		return BarChart("Cells withheld by county (share)", bars, 0)
	},
	"sizeChart": func(rows []SizeUtility, public bool) template.HTML {
		var bars []Bar
		for _, r := range rows {
			bars = append(bars, Bar{Label: r.Class, Value: r.ShareWithheld, Text: fmt.Sprintf("%.1f %%", 100*r.ShareWithheld)})
		}
		return BarChart("Cells withheld by municipality size (share)", bars, 0)
	},
	"errorChart": func(rows []SizeUtility) template.HTML {
		var bars []Bar
		for _, r := range rows {
			bars = append(bars, Bar{Label: r.Class, Value: r.MeanAbs, Text: fmt.Sprintf("%.3f", r.MeanAbs)})
		}
		return BarChart("Mean absolute error by municipality size", bars, 0)
	},
	"levelChart": func(rows []LevelUtility) template.HTML {
		var bars []Bar
		for _, r := range rows {
			bars = append(bars, Bar{Label: r.Level, Value: r.MeanAbs, Text: fmt.Sprintf("%.3f", r.MeanAbs)})
		}
		return BarChart("Mean absolute error by hierarchy level", bars, 0)
	},
	"widthChart": func(bins []Bin) template.HTML {
		var bars []Bar
		for _, b := range bins {
			bars = append(bars, Bar{Label: b.Label, Value: float64(b.Cells), Text: fmt.Sprint(b.Cells)})
		}
		return BarChart("Attacker's interval width of withheld cells (cells)", bars, 0)
	},
	"spec": func(v any) string {
		if v == nil {
			return ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	},
}

var pageTemplate = template.Must(template.New("page").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
{{css}}
</style></head><body>
<h1>{{.Title}}</h1>
<p class="small">{{.Provenance.Tool}} · {{.Provenance.Date}}{{if .Public}} · published next to the data: it holds no true value of a withheld cell{{end}}</p>

<h2>Policy</h2>
<p>Method: <strong id="method">{{.Method}}</strong></p>
<ul>{{range .Policy}}<li>{{.}}</li>{{end}}</ul>

<h2>Cells</h2>
<p><span id="cells">{{.Cells}}</span> publishable cells ({{.InnerCells}} inner): <span id="status">{{statuses .Status}}</span>.</p>
{{if .Rules}}<table><tr><th>primary rule</th><th>cells</th></tr>{{range .Rules}}<tr><td>{{.Rule}}</td><td class="n">{{.Cells}}</td></tr>{{end}}</table>
<p class="small">A cell that several rules flag counts once under each of them.</p>{{end}}
<table><tr><th>dimension</th><th>depth</th><th>cells</th><th>by status</th></tr>
{{range .Levels}}<tr><td>{{.Dimension}}</td><td class="n">{{.Depth}}</td><td class="n">{{.Cells}}</td><td>{{statuses .Status}}</td></tr>{{end}}</table>

{{if .BySize}}<h2>By municipality size</h2>
{{sizeChart .BySize .Public}}
<table><tr><th>population</th><th>municipalities</th><th>cells</th><th>withheld</th>{{if not .Public}}<th>share of the count withheld</th>{{if .Changed}}<th>changed</th><th>MAE</th><th>RMS</th><th>max error</th>{{end}}{{end}}</tr>
{{$pub := .Public}}{{$chg := .Changed}}{{range .BySize}}<tr><td>{{.Class}}</td><td class="n">{{.Municipalities}}</td><td class="n">{{.Cells}}</td><td class="n">{{pct .ShareWithheld}}</td>{{if not $pub}}<td class="n">{{pct .ShareCountWithheld}}</td>{{if $chg}}<td class="n">{{pct .ShareChanged}}</td><td class="n">{{f3 .MeanAbs}}</td><td class="n">{{f3 .RMS}}</td><td class="n">{{.MaxAbs}}</td>{{end}}{{end}}</tr>{{end}}</table>
{{if and (not .Public) .Changed}}{{errorChart .BySize}}{{end}}{{end}}

{{if .ByLevel}}<h2>Error by hierarchy level</h2>
{{levelChart .ByLevel}}
<table><tr><th>level</th><th>cells</th><th>changed</th><th>MAE</th><th>RMS</th><th>max</th><th>mean error</th></tr>
{{range .ByLevel}}<tr><td>{{.Level}}</td><td class="n">{{.Cells}}</td><td class="n">{{pct .ShareChanged}}</td><td class="n">{{f3 .MeanAbs}}</td><td class="n">{{f3 .RMS}}</td><td class="n">{{.MaxAbs}}</td><td class="n">{{f3 .MeanError}}</td></tr>{{end}}</table>{{end}}

{{if .ByCounty}}<h2>By county</h2>
{{countyChart .ByCounty}}{{end}}

<h2>Audit</h2>
{{if .Attacker}}<p>The attacker knows:</p><ul>{{range .Attacker.Knows}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Audit}}<p id="audit">{{if .Passed}}<span class="ok">Passed</span>{{else}}<span class="fail">Failed</span>{{end}}:
{{.Audited}} withheld cells checked, {{.Disclosed}} disclosed, {{.UnderProtected}} with an interval narrower than required.
{{if .SingletonIntruders}}Singleton check: {{.SingletonIntruders}} persons alone in a withheld cell tried as intruders; {{.SingletonDisclosed}} disclosures, {{.SingletonUnderProtected}} under-protected.{{end}}</p>{{else}}<p id="audit">No interval audit: the method publishes every cell (rounding or noise); its guarantee is its own (see the policy).</p>{{end}}
{{if .Widths}}{{widthChart .Widths}}{{end}}

{{if .Smallest}}<h2>The smallest municipalities</h2>
<table><tr><th>municipality</th><th>population</th><th>cells</th><th>withheld</th></tr>
{{range .Smallest}}<tr><td>{{.Code}} {{.Name}}</td><td class="n">{{.Population}}</td><td class="n">{{.Cells}}</td><td>{{range .Withheld}}<div>{{.Label}}{{if .Reason}}: {{.Status}}, {{.Reason}}{{end}}</div>{{end}}</td></tr>{{end}}</table>{{end}}

{{if .Withheld}}<h2>Every withheld cell ({{len .Withheld}})</h2>
<table><tr><th>cell</th><th>true value</th><th>status</th><th>reason</th><th>attacker's interval</th></tr>
{{range .Withheld}}<tr><td>{{.Label}}</td><td class="n">{{.Value}}</td><td>{{.Status}}</td><td>{{.Reason}}</td><td>{{.Interval}}</td></tr>{{end}}</table>{{end}}

<h2>Run</h2>
<table><tr><th>stage</th><th>time</th><th>peak memory</th></tr>{{range .Stages}}<tr><td>{{.Name}}</td><td class="n">{{secs .Seconds}}</td><td class="n">{{mb .PeakRSSKB}}</td></tr>{{end}}</table>

<h2>Provenance</h2>
<table>
{{if .Provenance.Command}}<tr><th>command</th><td><code>{{.Provenance.Command}}</code></td></tr>{{end}}
{{if .Provenance.SpecSHA256}}<tr><th>spec SHA-256</th><td><code>{{.Provenance.SpecSHA256}}</code></td></tr>{{end}}
{{if .Provenance.SeedPolicy}}<tr><th>randomness</th><td>{{.Provenance.SeedPolicy}}</td></tr>{{end}}
{{range .Provenance.Inputs}}<tr><th>{{.Role}}</th><td><code>{{.Path}}</code> SHA-256 <code>{{.SHA256}}</code></td></tr>{{end}}
</table>
{{if .Provenance.Spec}}<p class="small">Spec: <code>{{spec .Provenance.Spec}}</code></p>{{end}}
</body></html>
`))
