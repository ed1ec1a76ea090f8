package notebook

import (
	"context"
	"fmt"
	"strings"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// Table generates one of the benchmark tables from the embedded 2024
// population: T1 (Rogaland × sex × age), T2 (Norway's 357 municipalities
// × sex × age), T3 (T2 × 20 diagnoses), T4 (T3 × 52 weeks).
func Table(name string) (*sdc.Table, error) { return benchmarks.Table(name) }

// Result is a protected table: the release, the run's summary and the
// utility by size class, ready to print.
type Result struct {
	Name    string
	Release *sdc.Release
	Summary *report.Summary
	Utility *report.Utility
}

func run(name string, t *sdc.Table, spec *pipeline.Spec) (*Result, error) {
	spec.Outputs = pipeline.Outputs{Published: "(notebook)"}
	res, err := pipeline.RunTable(context.Background(), t, spec, pipeline.Options{})
	if err != nil {
		return nil, err
	}
	r := &Result{Name: name, Release: res.Tables[0].Release, Summary: res.Summary, Utility: res.Summary.Utility}
	if r.Utility == nil {
		if r.Utility, err = report.ComputeUtility(r.Release); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Protect withholds counts 1..maxN and the cells that protect them
// (Gauss secondary suppression), audited by the attacker's LP.
func Protect(t *sdc.Table, maxN int) (*Result, error) {
	return run(fmt.Sprintf("suppression (max-n %d)", maxN), t, &pipeline.Spec{Rules: pipeline.Rules{MaxN: maxN}, Method: pipeline.MethodSpec{Name: "gauss"}})
}

// Round rounds small counts to 0 or base (small-count rounding): the
// table adds up.
func Round(t *sdc.Table, base int64) (*Result, error) {
	return run(fmt.Sprintf("small-count rounding (base %d)", base), t, &pipeline.Spec{Method: pipeline.MethodSpec{Name: "small-count", Base: base}})
}

// Noise releases the table with differential privacy (Laplace noise at
// epsilon, each person counted once, post-processed to non-negative
// integers that add up). Every run draws new noise.
func Noise(t *sdc.Table, epsilon float64) (*Result, error) {
	return run(fmt.Sprintf("differential privacy (ε = %g)", epsilon), t, &pipeline.Spec{Input: pipeline.Input{EachPersonOnce: true},
		Method: pipeline.MethodSpec{Name: "dp", Mechanism: "laplace", Epsilon: epsilon}})
}

// String is the result in a few lines: the method, the cells by status,
// the audit.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d cells", r.Name, r.Release.Table().NumCells())
	for _, s := range []string{"published", "primary", "secondary", "rounded", "perturbed"} {
		if n := r.Summary.Status[s]; n > 0 {
			fmt.Fprintf(&b, ", %s %d", s, n)
		}
	}
	if a := r.Summary.Audit; a != nil {
		verdict := "passed"
		if !a.Passed {
			verdict = "FAILED"
		}
		fmt.Fprintf(&b, "; audit %s (%d withheld cells, %d disclosed, %d under-protected)", verdict, a.Audited, a.Disclosed, a.UnderProtected)
	}
	return b.String()
}

// BySize is the utility by municipality size class, as a text table.
func (r *Result) BySize() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %6s %7s %9s %8s %8s %5s\n", "size class", "munis", "cells", "withheld", "MAE", "RMS", "max")
	for _, s := range r.Utility.BySize {
		fmt.Fprintf(&b, "%-16s %6d %7d %8.1f%% %8.3f %8.3f %5d\n", s.Class, s.Municipalities, s.Cells, 100*s.ShareWithheld, s.MeanAbs, s.RMS, s.MaxAbs)
	}
	return b.String()
}

// ByCounty is the share of cells withheld in each county, as text.
func (r *Result) ByCounty() (string, error) {
	p, err := report.BuildPage(r.Summary, r.Release, false)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range p.ByCounty {
		fmt.Fprintf(&b, "%-3s %-34s %5.1f%% of %d cells withheld\n", c.Code, c.Name, 100*c.ShareWithheld, c.Cells)
	}
	return b.String(), nil
}

// CountySVG draws the share of cells withheld by county.
func (r *Result) CountySVG() (string, error) {
	p, err := report.BuildPage(r.Summary, r.Release, false)
	if err != nil {
		return "", err
	}
	var bars []report.Bar
	for _, c := range p.ByCounty {
		bars = append(bars, report.Bar{Label: c.Code + " " + c.Name, Value: c.ShareWithheld, Text: fmt.Sprintf("%.1f %%", 100*c.ShareWithheld)})
	}
	return string(report.BarChart(r.Name+": cells withheld by county", bars, 0)), nil
}

// Smallest lists Utsira and the ten smallest municipalities with what was
// withheld or changed there.
func (r *Result) Smallest() (string, error) {
	p, err := report.BuildPage(r.Summary, r.Release, false)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	t := r.Release.Table()
	for _, m := range p.Smallest {
		changed := 0
		if n, ok := t.Dim(0).Index(m.Code); ok && r.Release.HasValues() {
			for c := 0; c < t.NumCells(); c++ {
				if t.Node(c, 0) == n {
					if v, ok := r.Release.Value(c); ok && v != t.Freq(c) {
						changed++
					}
				}
			}
		}
		fmt.Fprintf(&b, "%s %-24s %5d residents: %2d of %d cells withheld, %2d changed\n", m.Code, m.Name, m.Population, len(m.Withheld), m.Cells, changed)
	}
	return b.String(), nil
}

// Compare is results side by side, by municipality size class: cells
// withheld and the mean absolute error of the published cells.
func Compare(results ...*Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s", "size class")
	for _, r := range results {
		fmt.Fprintf(&b, " | %-30s", r.Name)
	}
	b.WriteString("\n")
	for i, sc := range report.SizeClasses {
		fmt.Fprintf(&b, "%-16s", sc.Name)
		for _, r := range results {
			s := r.Utility.BySize[i]
			fmt.Fprintf(&b, " | withheld %5.1f%%  MAE %7.3f", 100*s.ShareWithheld, s.MeanAbs)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// CompareSVG draws, for each result, the cells withheld and the mean
// absolute error in the smallest municipalities (under 1,000 residents).
func CompareSVG(results ...*Result) string {
	var withheld, mae []report.Bar
	for _, r := range results {
		s := r.Utility.BySize[0]
		withheld = append(withheld, report.Bar{Label: r.Name, Value: s.ShareWithheld, Text: fmt.Sprintf("%.1f %%", 100*s.ShareWithheld)})
		mae = append(mae, report.Bar{Label: r.Name, Value: s.MeanAbs, Text: fmt.Sprintf("%.3f", s.MeanAbs)})
	}
	a := string(report.BarChart("Municipalities under 1,000: cells withheld", withheld, 0))
	b := string(report.BarChart("Municipalities under 1,000: mean absolute error", mae, 0))
	// One SVG document: the two charts stacked, each a nested svg.
	h := 24 + 18*len(results) + 6
	b = strings.Replace(b, "<svg ", fmt.Sprintf(`<svg y="%d" `, h), 1)
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="630" height="%d" viewBox="0 0 630 %d">%s%s</svg>`, 2*h, 2*h, a, b)
}
