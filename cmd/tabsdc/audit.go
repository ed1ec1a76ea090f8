package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/sdc"
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

// findingsError describes the failures of an audit, naming the first few.
// more says where the rest are listed.
func findingsError(t *sdc.Table, all []audit.Finding, what, more string) error {
	msg := fmt.Sprintf("%s failed: %d cells disclosed or under-protected", what, len(all))
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
	of.registerReports(fs)
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
	if err := in.check(); err != nil {
		return err
	}
	spec := &pipeline.Spec{Requirement: rq.spec(), Outputs: pipeline.Outputs{Internal: of.internal, Summary: of.json, Report: of.report, PublicReport: of.publicReport}}
	var err error
	if spec.Input, err = in.spec(); err != nil {
		return err
	}
	if spec.Rules, err = rf.spec(); err != nil {
		return err
	}
	if err := of.check(false, nil, in.paths(), rf.paths(), []pathArg{{"--pattern", *pattern}}); err != nil {
		return err
	}
	pr := progress{stderr, of.quiet}
	res, err := pipeline.AuditPattern(ctx, spec, pipeline.AuditOptions{
		Pattern: *pattern, Screen: *screen, PublishZeros: *publishZeros, NoSingletons: *noSingletons, FullAudit: *fullAudit, Command: commandLine("audit", args),
		Progress: func(msg string) { pr.printf("%s", msg) },
	})
	if err != nil {
		return flagError(err, "")
	}
	if err := res.Write(ctx); err != nil {
		return err
	}
	if !res.Passed() {
		what, more := "audit", ""
		if res.Screened {
			what = "screen"
		} else if of.internal != "" {
			more = " (see the internal file)"
		}
		return findingsError(res.Release.Table(), res.Failing, what, more)
	}
	fmt.Fprintf(stdout, "audit passed: %d suppressed cells, none disclosed, every primary cell meets its requirement\n", res.Summary.Audit.Audited)
	return nil
}
