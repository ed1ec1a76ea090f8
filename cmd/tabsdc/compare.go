package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"

	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/sdc"
)

const compareExample = `  tabsdc compare --input t2/cells.csv --dim geo=t2/geo.csv --dim sex --dim age \
      --methods gauss,exact-only,small-count,dp --pattern other-tool.csv \
      --report compare.html

  Runs several methods on one table and writes one page side by side (and
  compare.json beside it): cells withheld or changed, errors by
  municipality size, what an attacker learns (the audit, or noise's
  confidence interval), time and memory. Methods: gauss (suppression with
  the interval audit, --max-n), exact-only, small-count, controlled and
  random (rounding to --base), dp (Laplace noise at --epsilon, each person
  counted once), none. --pattern adds a pattern another tool made (the
  internal layout: a column per dimension and a status column), audited.`

type patternList []string

func (p *patternList) String() string     { return strings.Join(*p, " ") }
func (p *patternList) Set(v string) error { *p = append(*p, v); return nil }

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", compareExample, stdout, stderr)
	var in inputFlags
	in.register(fs)
	methods := fs.String("methods", "gauss,exact-only,small-count", "comma-separated methods: "+strings.Join(pipeline.CompareMethods, ", "))
	var patterns patternList
	fs.Var(&patterns, "pattern", "a suppression pattern from another tool, audited beside the methods (repeatable)")
	maxN := fs.Int("max-n", 4, "suppression: counts 1..max-n are primary")
	base := fs.Int64("base", 3, "rounding base")
	epsilon := fs.Float64("epsilon", 1, "dp: ε")
	out := fs.String("report", "", "the comparison page (FILE.html; FILE.json beside it; both 0600: their figures come from the true values) (required)")
	quiet := fs.Bool("quiet", false, "print no progress on standard error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || !strings.EqualFold(filepath.Ext(*out), ".html") {
		return usagef("--report FILE.html is required")
	}
	if err := in.check(); err != nil {
		return err
	}
	if *maxN < 1 || *maxN > pipeline.MaxMaxN || *base < 2 || *base > pipeline.MaxBase || !(*epsilon > 0 && *epsilon <= pipeline.MaxEpsilon) {
		return usagef("--max-n, --base or --epsilon out of range")
	}
	var list []string
	for _, m := range strings.Split(*methods, ",") {
		if m = strings.TrimSpace(m); m != "" {
			list = append(list, m)
		}
	}
	spec := &pipeline.Spec{}
	var err error
	if spec.Input, err = in.spec(); err != nil {
		return err
	}
	ins := in.paths()
	for _, p := range patterns {
		ins = append(ins, pathArg{"--pattern", p})
	}
	jsonOut := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".json"
	if err := checkPaths(ins, []pathArg{{"--report", *out}, {"--report (JSON)", jsonOut}}); err != nil {
		return err
	}
	pr := progress{stderr, *quiet}
	c, err := pipeline.Compare(ctx, spec, pipeline.CompareOptions{Methods: list, MaxN: *maxN, Base: *base, Epsilon: *epsilon, Patterns: patterns,
		Progress: func(msg string) { pr.printf("%s", msg) }, Command: commandLine("compare", args)})
	if errors.Is(err, pipeline.ErrSpec) {
		return usagef("%v", strings.TrimPrefix(err.Error(), pipeline.ErrSpec.Error()+": "))
	}
	if err != nil {
		return flagError(err, "--methods")
	}
	// The comparison's figures (errors, shares of the count withheld) come
	// from the true values: the officer's files, 0600.
	return sdc.WriteFilesAtomicContext(ctx, []sdc.OutputFile{{Path: *out, Write: c.WriteHTML, Private: true}, {Path: jsonOut, Write: c.WriteJSON, Private: true}})
}
