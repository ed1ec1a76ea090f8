package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

const auditExample = `  tabsdc audit --input cells.csv --dim geo=geo.csv --dim sex --dim age \
      --pattern internal.csv --max-n 4 --internal audited.csv --json audit.json

  internal.csv is a suppression pattern in the layout of protect's internal
  file (a column per dimension and a status column), from tabsdc or any other
  tool. The exit status is 1 when a suppressed cell is disclosed or a primary
  cell's interval is narrower than required.

  --screen first bounds every interval from outside by propagation, in
  milliseconds: a cell whose outer interval already fails certainly fails
  (the exact interval lies inside it), and the run stops there. Only a
  pattern the screen passes gets the LP audit, which takes minutes on
  large tables.`

// requirementFlags set the protection requirement of primary cells.
type requirementFlags struct {
	rangeMin, rangePercent, upper, lower float64
}

func (rq *requirementFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&rq.rangeMin, "range-min", 0, "audit: minimum width of a primary cell's interval (default: max-n + 1)")
	fs.Float64Var(&rq.rangePercent, "range-percent", 0, "audit: minimum width of a primary cell's interval, in percent of its value")
	fs.Float64Var(&rq.upper, "upper-level", 0, "audit: upper protection level (the interval must reach value + this)")
	fs.Float64Var(&rq.lower, "lower-level", 0, "audit: lower protection level (the interval must reach value − this, or 0)")
}

func (rq *requirementFlags) requirement(maxN int) (audit.Requirement, error) {
	r := audit.Requirement{RangeMin: rq.rangeMin, RangePercent: rq.rangePercent, Upper: rq.upper, Lower: rq.lower}
	for i, v := range []float64{r.RangeMin, r.RangePercent, r.Upper, r.Lower} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return r, usagef("--%s %v: protection requirements must be finite and not negative", []string{"range-min", "range-percent", "upper-level", "lower-level"}[i], v)
		}
	}
	if r == (audit.Requirement{}) && maxN > 0 {
		r = audit.FrequencyRequirement(maxN)
	}
	return r, nil
}

// runAuditStage audits a release, fills the summary and reports progress.
func runAuditStage(ctx context.Context, rel *sdc.Release, req audit.Requirement, sum *report.Summary, pr progress) (*audit.Result, error) {
	sum.Begin("audit")
	last := 0
	res, err := audit.Audit(ctx, rel, audit.Options{Default: req, Progress: func(done, total int) {
		// Every tenth of the way on long audits.
		if total > 5000 && done < total && 10*done/total > last {
			last = 10 * done / total
			pr.printf("audit: %d of %d cells", done, total)
		}
	}})
	if err != nil {
		return nil, err
	}
	sum.End("audit")
	sum.Audit = &report.AuditOutcome{
		Passed: res.Passed(), Audited: res.Audited, Disclosed: len(res.Disclosed), UnderProtected: len(res.UnderProtected),
		Components: res.Components, LargestInnerLP: res.Largest,
	}
	pr.printf("audit: %d cells, %d disclosed, %d under-protected (%d components, largest %d unknowns)",
		res.Audited, len(res.Disclosed), len(res.UnderProtected), res.Components, res.Largest)
	return res, nil
}

// findingsError describes the failures of an audit, naming the first few.
// more says where the rest are listed.
func findingsError(t *sdc.Table, res *audit.Result, what, more string) error {
	if res.Passed() {
		return nil
	}
	msg := fmt.Sprintf("%s failed: %d disclosed, %d under-protected", what, len(res.Disclosed), len(res.UnderProtected))
	all := append(append([]audit.Finding(nil), res.Disclosed...), res.UnderProtected...)
	for i, f := range all {
		if i == 5 {
			msg += fmt.Sprintf("\n  … and %d more%s", len(all)-5, more)
			break
		}
		msg += fmt.Sprintf("\n  %s: %s", t.Label(f.Cell), f.Why)
	}
	return fmt.Errorf("%s", msg)
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit", auditExample, stdout, stderr)
	var in inputFlags
	var rq requirementFlags
	var of outputFlags
	in.register(fs)
	rq.register(fs)
	fs.StringVar(&of.internal, "internal", "", "write the pattern back with each suppressed cell's interval (lower, upper)")
	fs.StringVar(&of.json, "json", "", "JSON summary with the audit outcome")
	fs.BoolVar(&of.quiet, "quiet", false, "print no progress on standard error")
	pattern := fs.String("pattern", "", "CSV with a column per dimension and a status column (required)")
	maxN := fs.Int("max-n", 4, "the frequency threshold the pattern protects; the default requirement is an interval max-n+1 wide")
	screen := fs.Bool("screen", false, "screen by bound propagation first: cells that certainly fail are reported in milliseconds, without the LP audit (and without --internal)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *pattern == "" {
		return usagef("--pattern is required")
	}
	if *maxN < 0 || *maxN > maxMaxN {
		return usagef("--max-n %d: want 0 to %d", *maxN, maxMaxN)
	}
	req, err := rq.requirement(*maxN)
	if err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if err := of.check(false, nil, in.paths(), []pathArg{{"--pattern", *pattern}}); err != nil {
		return err
	}
	pr := progress{stderr, of.quiet}
	sum := &report.Summary{Method: "audit of a given pattern"}
	t, err := in.read()
	if err != nil {
		return err
	}
	f, err := os.Open(*pattern)
	if err != nil {
		return err
	}
	rel, err := sdc.ReadPattern(f, t)
	f.Close()
	if err != nil {
		return withFile(*pattern, err)
	}
	if *screen {
		sum.Begin("screen")
		sc, err := audit.Screen(ctx, rel, audit.Options{Default: req})
		if err != nil {
			return err
		}
		sum.End("screen")
		pr.printf("screen: %d cells, %d disclosed, %d under-protected", sc.Audited, len(sc.Disclosed), len(sc.UnderProtected))
		if !sc.Passed() {
			sum.Audit = &report.AuditOutcome{Audited: sc.Audited, Disclosed: len(sc.Disclosed), UnderProtected: len(sc.UnderProtected), Screen: true}
			sum.Count(rel)
			if of.json != "" {
				if err := sdc.WriteFilesAtomicContext(ctx, []sdc.OutputFile{{Path: of.json, Write: sum.WriteJSON, Private: true}}); err != nil {
					return err
				}
			}
			return findingsError(t, sc, "screen", "")
		}
	}
	res, err := runAuditStage(ctx, rel, req, sum, pr)
	if err != nil {
		return err
	}
	sum.Count(rel)
	var files []sdc.OutputFile
	wo := sdc.WriteOptions{Count: in.freq, Value: in.value}
	if of.internal != "" {
		files = append(files, sdc.OutputFile{Path: of.internal, Write: func(w io.Writer) error { return sdc.WriteInternal(w, rel, wo) }, Private: true})
	}
	if of.json != "" {
		files = append(files, sdc.OutputFile{Path: of.json, Write: sum.WriteJSON, Private: true})
	}
	if err := sdc.WriteFilesAtomicContext(ctx, files); err != nil {
		return err
	}
	more := ""
	if of.internal != "" {
		more = " (see the internal file)"
	}
	if err := findingsError(t, res, "audit", more); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit passed: %d suppressed cells, none disclosed, every primary cell meets its requirement\n", res.Audited)
	return nil
}
