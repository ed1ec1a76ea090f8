package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tabsdc/tabsdc/pipeline"
)

const protectExample = `  tabsdc protect --input cells.csv --dim geo=geo.csv --dim sex --dim age \
      --freq freq --max-n 4 --secondary gauss \
      --out published.csv --internal internal.csv --json summary.json

  cells.csv has one row per inner cell: geo,sex,age,freq. geo.csv gives the
  geographic hierarchy as code,parent rows (the root has an empty parent).
  published.csv lists every publishable cell with its value and status and
  never holds the value of a suppressed cell; internal.csv (for the privacy
  officer only) adds the true value, the reason and the attacker's interval
  of each suppressed cell. With --secondary gauss every suppressed cell is
  audited (an LP per bound) and cells are added until every primary cell's
  interval is at least max-n+1 wide (--range-min, --range-percent,
  --upper-level and --lower-level set other requirements); a cell that
  cannot be protected fails the run (exit 1), and no output is written
  or changed.

  Before the audit, secondary cells the pattern does not need are
  published again (the cleanup; --no-cleanup keeps them).`

// listFlags collects a repeated string option.
type listFlags []string

func (l *listFlags) String() string     { return strings.Join(*l, " ") }
func (l *listFlags) Set(v string) error { *l = append(*l, v); return nil }

// ruleFlags are the primary-suppression options.
type ruleFlags struct {
	maxN         int
	protectZeros bool
	minContrib   int
	dominance    listFlags
	pPercent     string
	pq           string
	suppressList string
	publishList  string
}

func (rf *ruleFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&rf.maxN, "max-n", 4, "frequency rule: counts 1..max-n are primary (0 turns the rule off)")
	fs.BoolVar(&rf.protectZeros, "protect-zeros", false, "frequency rule: zero counts are primary too")
	fs.IntVar(&rf.minContrib, "min-contributors", 0, "magnitude tables: cells with fewer distinct contributors than this are primary (0: off)")
	fs.Var(&rf.dominance, "dominance", "magnitude tables: (n,k) dominance rule as N,K (K in percent), e.g. 1,85; repeat for several pairs")
	fs.StringVar(&rf.pPercent, "p-percent", "", "magnitude tables: p% rule as P or P,COALITION, e.g. 10")
	fs.StringVar(&rf.pq, "pq", "", "magnitude tables: pq rule as P,Q in percent, e.g. 10,50")
	fs.StringVar(&rf.suppressList, "suppress-cells", "", "CSV of cells to suppress by hand (a column per dimension; codes of leaves or totals)")
	fs.StringVar(&rf.publishList, "publish-cells", "", "CSV of cells that must be published whatever the rules say")
}

// any reports whether the flags name a primary rule or a manual list.
func (rf *ruleFlags) any() bool {
	return rf.maxN != 0 || rf.protectZeros || rf.minContrib != 0 || len(rf.dominance) > 0 ||
		rf.pPercent != "" || rf.pq != "" || rf.suppressList != "" || rf.publishList != ""
}

// maxMaxN is the largest --max-n: far above any frequency threshold in use,
// and small enough that a rule over it stays cheap.
const maxMaxN = pipeline.MaxMaxN

func parseNums(s string, n int, what string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 1 || len(parts) > n {
		return nil, usagef("%s %q: want at most %d comma-separated numbers", what, s, n)
	}
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, usagef("%s %q: %q is not a number", what, s, p)
		}
		out[i] = v
	}
	return out, nil
}

// spec builds the rules' part of a spec from the flags, and checks it.
func (rf *ruleFlags) spec() (pipeline.Rules, error) {
	r := pipeline.Rules{MaxN: rf.maxN, ProtectZeros: rf.protectZeros, MinContributors: rf.minContrib,
		SuppressCells: rf.suppressList, PublishCells: rf.publishList}
	for _, d := range rf.dominance {
		v, err := parseNums(d, 2, "--dominance")
		if err != nil {
			return r, err
		}
		if len(v) != 2 || v[0] != float64(int(v[0])) {
			return r, usagef("--dominance %q: want N,K with a whole N ≥ 1 and 0 < K < 100, e.g. 1,85", d)
		}
		r.Dominance = append(r.Dominance, pipeline.DominanceArg{N: int(v[0]), K: v[1]})
	}
	if rf.pPercent != "" {
		v, err := parseNums(rf.pPercent, 2, "--p-percent")
		if err != nil {
			return r, err
		}
		r.PPercent = &pipeline.PPercentArg{P: v[0]}
		if len(v) == 2 {
			if v[1] != float64(int(v[1])) || v[1] < 1 {
				return r, usagef("--p-percent %q: want P in (0, 100) and a whole coalition size ≥ 1, e.g. 10 or 10,2", rf.pPercent)
			}
			r.PPercent.Coalition = int(v[1])
		}
	}
	if rf.pq != "" {
		v, err := parseNums(rf.pq, 2, "--pq")
		if err != nil {
			return r, err
		}
		if len(v) != 2 {
			return r, usagef("--pq %q: want P,Q with 0 < P < Q ≤ 100, e.g. 10,50", rf.pq)
		}
		r.PQ = &pipeline.PQArg{P: v[0], Q: v[1]}
	}
	if err := r.Validate(); err != nil {
		return r, flagError(err, "")
	}
	return r, nil
}

// paths lists the input files the rule options name.
func (rf *ruleFlags) paths() []pathArg {
	return []pathArg{{"--suppress-cells", rf.suppressList}, {"--publish-cells", rf.publishList}}
}

// flagNames maps a spec key to the flag that sets it.
var flagNames = map[string]string{
	"input.cells": "--input", "input.records": "--input", "input.count": "--freq", "input.totals": "--totals",
	"input.value": "--value", "input.contributor": "--contributor", "input.decimals": "--decimals", "input.dims": "--dim", "tables": "--table",
	"rules.max_n": "--max-n", "rules.protect_zeros": "--protect-zeros", "rules.min_contributors": "--min-contributors",
	"rules.dominance": "--dominance", "rules.p_percent": "--p-percent", "rules.pq": "--pq",
	"rules.suppress_cells": "--suppress-cells", "rules.publish_cells": "--publish-cells",
	"method.exact_only": "--exact-only", "method.full_audit": "--full-audit", "method.max_rounds": "--max-rounds",
	"method.no_cleanup": "--no-cleanup", "method.cost": "--cost", "method.publish_zeros": "--publish-zeros", "method.base": "--base",
	"method.max_round": "--max-round", "method.up_from_zero": "--up-from-zero", "method.seed": "--seed",
	"method.deterministic": "--deterministic",
	"input.person":         "--person", "input.each_person_once": "--each-person-once", "input.record_key": "--record-key", "input.record_id": "--record-id",
	"method.mechanism": "--mechanism", "method.epsilon": "--epsilon", "method.delta": "--delta", "method.l0": "--l0", "method.linf": "--linf",
	"method.split": "--split", "method.ledger": "--ledger", "method.budget_epsilon": "--budget-epsilon", "method.budget_delta": "--budget-delta",
	"method.ptable": "--ptable", "method.ptable_d": "--ptable-d", "method.ptable_v": "--ptable-v", "method.ptable_js": "--ptable-js",
	"method.key_secret_file": "--key-secret-file",
	"requirement.range_min":  "--range-min", "requirement.range_percent": "--range-percent",
	"requirement.upper_level": "--upper-level", "requirement.lower_level": "--lower-level",
	"outputs.published": "--out", "outputs.internal": "--internal", "outputs.summary": "--json", "outputs.sums_only": "--sums-only",
	"input.format": "--format", "input.data_values": "--input", "input.dhis2.metadata": "--dhis2-metadata", "input.dhis2.id_scheme": "--id-scheme",
	"outputs.dhis2": "--previous", "outputs.dhis2.comment": "--dhis2-comment",
	"outputs.report": "--report", "outputs.public_report": "--public-report",
}

// flagError turns a spec's error into a usage error naming the flag that
// set the key (methodFlag names the flag of method.name).
func flagError(err error, methodFlag string) error {
	var se *pipeline.SpecError
	if !errors.As(err, &se) {
		return err
	}
	key := se.Key
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i]
	}
	name := flagNames[key]
	if key == "method.name" {
		name = methodFlag
	}
	if name == "" {
		return usagef("%v", se.Err)
	}
	msg := se.Err.Error()
	// "-1: want 1 to 1000" reads "--max-rounds -1: want 1 to 1000".
	first, _, _ := strings.Cut(msg, " ")
	if _, err := strconv.ParseFloat(strings.TrimSuffix(first, ":"), 64); err == nil {
		return usagef("%s %s", name, msg)
	}
	return usagef("%s: %s", name, msg)
}

// outputFlags are the output files every verb writes.
type outputFlags struct {
	out, internal, json string
	quiet               bool
	// Reports: the officer's (its JSON beside) and the public one.
	report, publicReport string
	// DHIS2 output (--format dhis2)
	previous, flagElement, comment string
}

func (of *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&of.out, "out", "", "published CSV: every publishable cell with its value and status (required; mode 0644 less the umask)")
	fs.StringVar(&of.internal, "internal", "", "internal CSV for the privacy officer: true values, status, reason, audit interval (created 0600)")
	fs.StringVar(&of.json, "json", "", "JSON summary: counts of cells by status, rule and level, audit outcome, seconds per stage (created 0600)")
	fs.BoolVar(&of.quiet, "quiet", false, "print no progress on standard error")
	of.registerReports(fs)
	fs.StringVar(&of.previous, "previous", "", "with --format dhis2: the dataValueSet an earlier release wrote; its values this release does not write get explicit deletes")
	fs.StringVar(&of.flagElement, "dhis2-flag-element", "", "with --format dhis2: a BOOLEAN or TRUE_ONLY data element (same category combo) written \"true\" for every withheld cell")
	fs.StringVar(&of.comment, "dhis2-comment", "", "with --format dhis2: a comment on every value written")
}

// registerReports registers --report and --public-report.
func (of *outputFlags) registerReports(fs *flag.FlagSet) {
	fs.StringVar(&of.report, "report", "", "the privacy officer's report: one self-contained HTML page (FILE.html, 0600; its content as FILE.json beside it): policy in words, cells by status, level, size class and county, the audit, utility, the smallest municipalities, every withheld cell with its reason and interval, provenance")
	fs.StringVar(&of.publicReport, "public-report", "", "the public report (FILE.html, and FILE.json beside it), to publish next to the data: no true value of a withheld cell, nothing that tells primary from secondary cells, no figure computed from true values")
}

// commandLine is the command a verb ran, for the summary and the report.
func commandLine(verb string, args []string) string {
	return "tabsdc " + verb + " " + strings.Join(args, " ")
}

// files lists the output files the options name; with linked tables each
// table's CSV files get .NAME before their extension.
func (of *outputFlags) files(tables []string) []pathArg {
	if len(tables) == 0 {
		tables = []string{""}
	}
	var out []pathArg
	for _, p := range []pathArg{{"--out", of.out}, {"--internal", of.internal}} {
		if p.path == "" {
			continue
		}
		for _, name := range tables {
			out = append(out, pathArg{p.opt, pipeline.WithSuffix(p.path, name)})
		}
	}
	if of.json != "" {
		out = append(out, pathArg{"--json", of.json})
	}
	for _, r := range []pathArg{{"--report", of.report}, {"--public-report", of.publicReport}} {
		if r.path == "" {
			continue
		}
		for _, name := range tables {
			p := pipeline.WithSuffix(r.path, name)
			out = append(out, pathArg{r.opt, p}, pathArg{r.opt + " (JSON)", strings.TrimSuffix(p, filepath.Ext(p)) + ".json"})
		}
	}
	return out
}

// spec is the outputs' part of a spec.
func (of *outputFlags) spec() pipeline.Outputs {
	o := pipeline.Outputs{Published: of.out, Internal: of.internal, Summary: of.json, Report: of.report, PublicReport: of.publicReport}
	if of.previous != "" || of.flagElement != "" || of.comment != "" {
		o.DHIS2 = &pipeline.DHIS2Output{Previous: of.previous, FlagElement: of.flagElement, Comment: of.comment}
	}
	return o
}

// check validates the output options before any work: --out is required
// (when required), and no output may be an input or the same file as
// another output, or lie in a folder that does not exist or cannot be
// written.
func (of *outputFlags) check(outRequired bool, tables []string, inputs ...[]pathArg) error {
	if outRequired && of.out == "" {
		return usagef("--out is required")
	}
	var ins []pathArg
	for _, in := range inputs {
		ins = append(ins, in...)
	}
	if of.previous != "" {
		ins = append(ins, pathArg{"--previous", of.previous})
	}
	return checkPaths(ins, of.files(tables))
}

// progress prints a line on standard error unless quiet.
type progress struct {
	w     io.Writer
	quiet bool
}

func (p progress) printf(format string, args ...any) {
	if !p.quiet {
		fmt.Fprintf(p.w, format+"\n", args...)
	}
}

// bar draws a progress bar of long stages on a terminal: one line,
// redrawn in place, with the time left at the rate so far. Lines printed
// meanwhile (printf) clear it first. Off a terminal it draws nothing (the
// stages' own lines say how far they are).
type bar struct {
	p          progress
	tty        bool
	mu         sync.Mutex
	drawn      bool
	stage      string
	start, now time.Time
}

func newBar(p progress) *bar {
	b := &bar{p: p}
	if f, ok := p.w.(*os.File); ok && !p.quiet {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

func (b *bar) printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.p.w, "\r\033[K")
		b.drawn = false
	}
	b.p.printf(format, args...)
}

// step draws stage's bar, at most five times a second.
func (b *bar) step(stage string, done, total int) {
	if !b.tty || total <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if stage != b.stage || done == 0 {
		b.stage, b.start = stage, now
	}
	if done < total && now.Sub(b.now) < 200*time.Millisecond {
		return
	}
	b.now = now
	fmt.Fprint(b.p.w, "\r\033[K"+barLine(stage, done, total, now.Sub(b.start)))
	b.drawn = done < total
	if !b.drawn {
		fmt.Fprintln(b.p.w)
	}
}

// barLine is one line of a progress bar.
func barLine(stage string, done, total int, elapsed time.Duration) string {
	const width = 30
	n := width * done / total
	left := ""
	if done > 0 && done < total {
		left = fmt.Sprintf(", about %s left", time.Duration(float64(elapsed)/float64(done)*float64(total-done)).Round(time.Second))
	}
	return fmt.Sprintf("%s [%s%s] %d/%d %3d%%%s", stage, strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, 100*done/total, left)
}

// tableFlags collects repeated --table NAME=DIM,DIM options.
type tableFlags []string

func (tf *tableFlags) String() string { return strings.Join(*tf, " ") }
func (tf *tableFlags) Set(v string) error {
	*tf = append(*tf, v)
	return nil
}

// spec builds the linked tables of a spec from the --table options.
func (tf tableFlags) spec() ([]pipeline.TableSpec, error) {
	var out []pipeline.TableSpec
	for _, arg := range tf {
		name, dims, ok := strings.Cut(arg, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.TrimSpace(dims) == "" {
			return nil, usagef("--table %q: want NAME=DIM,DIM,… (e.g. --table demo=geo,sex,age)", arg)
		}
		ts := pipeline.TableSpec{Name: name}
		for _, d := range strings.Split(dims, ",") {
			ts.Dims = append(ts.Dims, strings.TrimSpace(d))
		}
		out = append(out, ts)
	}
	return out, nil
}

// tableNames returns the names the --table options give (validated later).
func (tf tableFlags) names() []string {
	var out []string
	for _, spec := range tf {
		name, _, _ := strings.Cut(spec, "=")
		out = append(out, strings.TrimSpace(name))
	}
	return out
}

func runProtect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("protect", protectExample, stdout, stderr)
	var in inputFlags
	var rf ruleFlags
	var of outputFlags
	var rq requirementFlags
	var tf tableFlags
	in.register(fs)
	rf.register(fs)
	of.register(fs)
	rq.register(fs)
	fs.Var(&tf, "table", "linked tables: NAME=DIM,DIM,… names a table over some of the input's dimensions; repeat it, and the tables are protected together (outputs get .NAME before their extension)")
	secondary := fs.String("secondary", "gauss", "secondary suppression method: gauss (Gaussian elimination, then an LP audit and repair) or none (primary suppression only: the release is NOT protected against recalculation of the primary cells; a warning is printed)")
	exactOnly := fs.Bool("exact-only", false, "gauss: protect against exact disclosure only (no withheld cell pinned to one value, by the LP audit under the policy's attacker and by every singleton intruder; no interval requirement), as GaussSuppression promises; the screen by bound propagation counts the primary cells left certainly too narrow (summary.json: screen_under_protected)")
	fullAudit := fs.Bool("full-audit", false, "gauss: compute every suppressed cell's exact interval (slower); by default cells already proven safe get a proven sub-interval")
	maxRounds := fs.Int("max-rounds", 30, fmt.Sprintf("gauss: the most audit-and-repair rounds, 1 to %d", pipeline.MaxMaxRounds))
	noCleanup := fs.Bool("no-cleanup", false, "gauss: keep every secondary cell; by default, before the audit, secondary cells the pattern does not need are published again (summary.json: republished)")
	sumsOnly := fs.Bool("sums-only", false, "magnitude tables: publish the sums without the counts; only the values are then protected and audited")
	cost := fs.String("cost", "", "gauss, magnitude tables: the cost order of the secondary suppression on values: value (the default, as in tau-ARGUS), count or unity")
	publishZeros := fs.Bool("publish-zeros", false, "gauss: never withhold a zero count as a secondary cell; the attacker, who knows the policy, then knows every suppressed cell to be at least 1, and more cells are withheld to meet that. By default zeros may be secondary cells (fewer cells withheld; but Gauss keeps every zero in its elimination, which may exceed its memory guard on large tables)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Every option is checked before any work: the flags become a spec,
	// validated as `tabsdc run` validates a spec file.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if of.out == "" {
		return usagef("--out is required")
	}
	if err := in.check(); err != nil {
		return err
	}
	spec := &pipeline.Spec{Method: pipeline.MethodSpec{Name: *secondary}}
	var err error
	if spec.Input, err = in.spec(); err != nil {
		return err
	}
	if spec.Tables, err = tf.spec(); err != nil {
		return err
	}
	if spec.Rules, err = rf.spec(); err != nil {
		return err
	}
	spec.Requirement = rq.spec()
	spec.Outputs = of.spec()
	spec.Outputs.SumsOnly = *sumsOnly
	m := &spec.Method
	m.ExactOnly, m.FullAudit, m.NoCleanup, m.PublishZeros, m.Cost = *exactOnly, *fullAudit, *noCleanup, *publishZeros, *cost
	if set["max-rounds"] || *secondary == "gauss" {
		m.MaxRounds = *maxRounds
		if *maxRounds == 0 {
			return usagef("--max-rounds 0: want 1 to %d", pipeline.MaxMaxRounds)
		}
	}
	if *secondary != "gauss" && *secondary != "none" {
		return usagef("--secondary %q: unknown method (available: gauss, none)", *secondary)
	}
	if err := spec.Validate(); err != nil {
		return flagError(err, "--secondary")
	}
	if err := of.check(true, tf.names(), in.paths(), rf.paths()); err != nil {
		return err
	}
	return runSpec(ctx, spec, "protect", of.quiet, stderr, commandLine("protect", args))
}

// runSpec runs a validated spec and writes its outputs; verb names the
// command in warnings.
func runSpec(ctx context.Context, spec *pipeline.Spec, verb string, quiet bool, stderr io.Writer, command string) error {
	pr := newBar(progress{stderr, quiet})
	res, err := pipeline.Run(ctx, spec, pipeline.Options{
		Command:  command,
		Steps:    pr.step,
		Progress: func(msg string) { pr.printf("%s", msg) },
		// Not silenced by --quiet: the release discloses.
		Warn: func(msg string) { fmt.Fprintf(stderr, "tabsdc %s: warning: %s\n", verb, msg) },
	})
	if errors.Is(err, pipeline.ErrSpec) {
		return usagef("%v", strings.TrimPrefix(err.Error(), pipeline.ErrSpec.Error()+": "))
	}
	if err != nil {
		return err
	}
	if err := res.Write(ctx); err != nil {
		return err
	}
	for _, o := range spec.OutputPaths() {
		if o.Role == "published" {
			pr.printf("wrote %s", o.Path)
		}
	}
	return nil
}
