package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// CompareMethods are the methods Compare knows.
var CompareMethods = []string{"gauss", "exact-only", "small-count", "controlled", "random", "dp", "none"}

// CompareOptions configures Compare.
type CompareOptions struct {
	// Methods to run, by name (CompareMethods).
	Methods []string
	// MaxN is the frequency rule of the suppression methods (4 when 0);
	// Base the rounding base (3 when 0); Epsilon the ε of dp (Laplace,
	// each person counted once; 1 when 0).
	MaxN    int
	Base    int64
	Epsilon float64
	// Patterns are suppression patterns made by other tools (the internal
	// layout: a column per dimension and a status column), audited and put
	// beside the methods.
	Patterns []string
	Progress func(msg string)
	Now      time.Time
	Command  string
}

// Compare runs several methods on the table spec's input describes and
// measures each: cells withheld or changed and the errors, by
// municipality size; what an attacker learns (the pipeline's audit, or
// noise's confidence interval); time and memory allocated. A method that
// does not apply to the table, or leaves a cell unprotected, gets its
// error in the comparison instead of a release.
func Compare(ctx context.Context, spec *Spec, opt CompareOptions) (*report.Comparison, error) {
	s := *spec
	s.Rules, s.Method, s.Requirement = Rules{MaxN: 4}, MethodSpec{Name: "none"}, Requirement{}
	s.Outputs = Outputs{Published: "(compare)"}
	if err := s.Input.validate(); err != nil {
		return nil, err
	}
	if err := CheckPaths(s.InputPaths(), nil); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	if opt.MaxN == 0 {
		opt.MaxN = 4
	}
	if opt.Base == 0 {
		opt.Base = 3
	}
	if opt.Epsilon == 0 {
		opt.Epsilon = 1
	}
	say := progressOr(opt.Progress)
	log := &inputLog{}
	t, err := s.readTable(log)
	if err != nil {
		return nil, err
	}
	pop, err := s.readPopulation(log)
	if err != nil {
		return nil, err
	}
	c := &report.Comparison{Title: "Methods compared", Tool: Version(), Date: nowOr(opt.Now).UTC().Format(time.RFC3339),
		Command: opt.Command, Inputs: log.files, Cells: t.NumCells(), InnerCells: t.NumInner()}
	var sum report.Summary
	sum.Count(sdc.NewRelease(t))
	c.Dimensions = sum.Dimensions
	for _, name := range opt.Methods {
		ms, ok := compareSpec(name, opt)
		if !ok {
			return nil, fmt.Errorf("%w: unknown method %q (want some of %v)", ErrSpec, name, CompareMethods)
		}
		say("compare: " + name)
		ms.Outputs = Outputs{Published: "(compare)"}
		row := report.MethodResult{Name: name}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		res, err := RunTable(ctx, t, &ms, Options{Progress: func(string) {}})
		row.Seconds = time.Since(t0).Seconds()
		runtime.ReadMemStats(&m1)
		row.AllocMB = float64(m1.TotalAlloc-m0.TotalAlloc) / (1 << 20)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			row.Error = err.Error()
			c.Methods = append(c.Methods, row)
			continue
		}
		fillRow(&row, res.Summary, res.Tables[0].Release, pop)
		switch name {
		case "none":
			row.Learns = "the primary cells' values, from the totals: primary suppression only, NOT protected"
		case "exact-only":
			row.Learns = "no withheld value exactly; an interval may be narrower than the frequency rule's"
		}
		c.Methods = append(c.Methods, row)
	}
	for _, p := range opt.Patterns {
		say("compare: the pattern " + p)
		ps := s
		ps.Rules = Rules{MaxN: opt.MaxN}
		ps.Method = MethodSpec{}
		ps.Outputs = Outputs{}
		row := report.MethodResult{Name: "pattern " + p}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		res, err := AuditPattern(ctx, &ps, AuditOptions{Pattern: p, Progress: func(string) {}})
		row.Seconds = time.Since(t0).Seconds()
		runtime.ReadMemStats(&m1)
		row.AllocMB = float64(m1.TotalAlloc-m0.TotalAlloc) / (1 << 20)
		if err != nil {
			// A pattern that cannot be read is the caller's error, not a
			// method's outcome.
			return nil, fmt.Errorf("pattern %s: %w", p, err)
		}
		row.Method = "a given pattern, audited"
		fillRow(&row, res.Summary, res.Release, pop)
		c.Methods = append(c.Methods, row)
	}
	return c, nil
}

// compareSpec is the spec of a compared method.
func compareSpec(name string, opt CompareOptions) (Spec, bool) {
	var s Spec
	switch name {
	case "gauss", "none":
		s.Rules, s.Method = Rules{MaxN: opt.MaxN}, MethodSpec{Name: name}
	case "exact-only":
		s.Rules, s.Method = Rules{MaxN: opt.MaxN}, MethodSpec{Name: "gauss", ExactOnly: true}
	case "small-count", "controlled", "random":
		s.Method = MethodSpec{Name: name, Base: opt.Base}
	case "dp":
		s.Input.EachPersonOnce = true
		s.Method = MethodSpec{Name: "dp", Mechanism: "laplace", Epsilon: opt.Epsilon}
	default:
		return s, false
	}
	return s, true
}

// fillRow puts a release's figures into a comparison row.
func fillRow(row *report.MethodResult, sum *report.Summary, rel *sdc.Release, pop report.Population) {
	row.Method = sum.Method
	if u, err := report.ComputeUtilityWith(rel, pop); err == nil {
		row.All, row.BySize = u.All, u.BySize
	}
	row.Audit = sum.Audit
	switch {
	case sum.Audit != nil && sum.Audit.Passed:
		row.Learns = "every withheld cell only within its required interval"
	case sum.Audit != nil:
		row.Learns = "some withheld cells more closely than required"
	}
	if dp, ok := sum.Extra["dp"].(map[string]any); ok {
		if ms, ok := dp["measurements"].([]map[string]any); ok && len(ms) > 0 {
			row.Learns = fmt.Sprintf("each count to within ±%v (95 %% confidence interval of a measured cell, %v wide)", ms[len(ms)-1]["ci95_width"].(float64)/2, ms[len(ms)-1]["ci95_width"])
		}
	}
	if sum.Audit == nil && row.Learns == "" && rel.HasValues() {
		row.Learns = "each cell within the rounding's interval (a count published as 0 or a multiple of the base)"
	}
}
