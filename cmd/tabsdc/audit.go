package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

const auditExample = `  tabsdc audit --input cells.csv --dim geo=geo.csv --dim sex --dim age \
      --pattern internal.csv --max-n 4 --internal audited.csv --json audit.json

  The pattern lists every publishable cell once, a column per dimension and
  a status column: protect's internal file (primary, secondary), its
  published file (published, suppressed), or any other tool's pattern in
  that layout. A cell missing, a status rounded, perturbed or hidden (a
  rounded release is no suppression pattern: tabsdc round writes its own
  intervals), a published value that is not the input's count (when the
  pattern has the --freq column), or a suppressed cell with a value is an
  error that names the rows.

  The primary rules (--max-n, --protect-zeros, --dominance, …, as for
  protect) are applied to the input again: a cell they mark primary must be
  withheld ("primary cell X is published" otherwise) and is audited as
  primary, whatever the pattern calls it; that is how a published file,
  whose withheld cells are all "suppressed", is audited. --max-n 0 with no
  other rule takes the pattern's primary cells as they are.

  The exit status is 1 when a suppressed cell is disclosed or a primary
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

// spec is the requirement's part of a spec.
func (rq *requirementFlags) spec() pipeline.Requirement {
	return pipeline.Requirement{RangeMin: rq.rangeMin, RangePercent: rq.rangePercent, UpperLevel: rq.upper, LowerLevel: rq.lower}
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
func runAuditStage(ctx context.Context, rel *sdc.Release, opt audit.Options, sum *report.Summary, pr progress) (*audit.Result, error) {
	sum.Begin("audit")
	last := 0
	opt.Progress = func(done, total int) {
		// Every tenth of the way on long audits.
		if total > 5000 && done < total && 10*done/total > last {
			last = 10 * done / total
			pr.printf("audit: %d of %d cells", done, total)
		}
	}
	res, err := audit.Audit(ctx, rel, opt)
	if err != nil {
		return nil, err
	}
	sum.End("audit")
	sum.Audit = report.OutcomeOf(res, nil, false)
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
	var rf ruleFlags
	var of outputFlags
	in.register(fs)
	rf.register(fs)
	rq.register(fs)
	fs.StringVar(&of.internal, "internal", "", "write the pattern back with each suppressed cell's interval (lower, upper)")
	fs.StringVar(&of.json, "json", "", "JSON summary with the audit outcome")
	fs.BoolVar(&of.quiet, "quiet", false, "print no progress on standard error")
	pattern := fs.String("pattern", "", "CSV listing every publishable cell once: a column per dimension and a status column (published, primary, secondary or suppressed); a --freq column, when present, must hold the input's counts (required)")
	screen := fs.Bool("screen", false, "screen by bound propagation first: cells that certainly fail are reported in milliseconds, without the LP audit (and without --internal)")
	fullAudit := fs.Bool("full-audit", false, "compute every suppressed cell's exact interval (slower); by default a cell already proven safe gets a proven sub-interval (internal file: interval = proven)")
	publishZeros := fs.Bool("publish-zeros", false, "the pattern's policy never withholds a zero count (tabsdc protect --publish-zeros): the attacker knows every suppressed cell to be at least 1; by default it knows them only to be at least 0, as protect's default policy (zeros may be secondary cells) has it")
	noSingletons := fs.Bool("no-singletons", false, "leave out the singleton audit (a person counted alone in a suppressed cell knows it is 1)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *pattern == "" {
		return usagef("--pattern is required")
	}
	if rf.maxN < 0 || rf.maxN > maxMaxN {
		return usagef("--max-n %d: want 0 to %d (0 checks exact disclosure only)", rf.maxN, maxMaxN)
	}
	req, err := rq.requirement(rf.maxN)
	if err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if err := of.check(false, nil, in.paths(), []pathArg{{"--pattern", *pattern}}); err != nil {
		return err
	}
	aopt := audit.Options{Default: req, Full: *fullAudit, Attacker: audit.Attacker{ZerosWithheld: !*publishZeros || rf.protectZeros, IgnoreSingletons: *noSingletons}}
	pr := progress{stderr, of.quiet}
	sum := &report.Summary{Method: "audit of a given pattern", Attacker: report.AttackerOf(aopt.Attacker)}
	t, err := in.read()
	if err != nil {
		return err
	}
	f, err := os.Open(*pattern)
	if err != nil {
		return err
	}
	rel, err := sdc.ReadPatternOptions(f, t, sdc.PatternOptions{Name: *pattern, Count: in.freq})
	f.Close()
	if err != nil {
		return err // ReadPatternOptions names the file
	}
	if rf.any() {
		// The pattern's primary cells are those of the rules: a published
		// file does not tell them apart, and an internal file from other
		// rules must not pass for these.
		rules, popt, err := rf.rules(t)
		if err != nil {
			return err
		}
		prim, _, err := suppress.Primary(ctx, t, rules, popt)
		if err != nil {
			return err
		}
		if err := sdc.ApplyPrimary(rel, prim); err != nil {
			return fmt.Errorf("%s: %w", *pattern, err)
		}
	} else if n := rel.Count(sdc.Withheld); n > 0 {
		pr.printf("audit: no primary rule, so none of the %d suppressed cells is audited as primary (only disclosure is checked)", n)
	}
	if *screen {
		sum.Begin("screen")
		sc, err := audit.Screen(ctx, rel, aopt)
		if err != nil {
			return err
		}
		sum.End("screen")
		pr.printf("screen: %d cells, %d disclosed, %d under-protected", sc.Audited, len(sc.Disclosed), len(sc.UnderProtected))
		if !sc.Passed() {
			sum.Audit = report.OutcomeOf(sc, nil, true)
			sum.Count(rel)
			if of.json != "" {
				if err := sdc.WriteFilesAtomicContext(ctx, []sdc.OutputFile{{Path: of.json, Write: sum.WriteJSON, Private: true}}); err != nil {
					return err
				}
			}
			return findingsError(t, sc, "screen", "")
		}
	}
	rel.SetNotes(sum.Attacker.Notes()...)
	res, err := runAuditStage(ctx, rel, aopt, sum, pr)
	if err != nil {
		return err
	}
	if res.Passed() && !aopt.Attacker.IgnoreSingletons {
		// The singleton intruder, on the pattern the audit passed.
		sg, err := audit.Singletons(ctx, rel, aopt)
		if err != nil {
			return err
		}
		pr.printf("singletons: %d intruders, %d pairs; %d primary cells disclosed to one, %d under-protected", sg.Intruders, sg.Pairs, len(sg.Disclosed), len(sg.UnderProtected))
		sum.Audit = report.OutcomeOf(res, sg, false)
		res.Disclosed, res.UnderProtected = sg.Disclosed, sg.UnderProtected
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
