package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
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
  published again (the cleanup; --no-cleanup keeps them).

  The audit of a large table of three or more dimensions is slow: on T3
  (about 50,800 suppressed cells in one component) the whole run took 9
  minutes on 2 cores, 8.8 of them the audit of the final pattern;
  progress is printed.
  --exact-only protects such tables against exact disclosure in about
  ten seconds.`

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
const maxMaxN = 1_000_000

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

// parse validates the rule options and builds the rules that need no table,
// before any work.
func (rf *ruleFlags) parse() ([]suppress.Rule, error) {
	var rules []suppress.Rule
	switch {
	case rf.maxN < 0:
		return nil, usagef("--max-n %d is negative (0 turns the frequency rule off)", rf.maxN)
	case rf.maxN > maxMaxN:
		return nil, usagef("--max-n %d is more than %d", rf.maxN, maxMaxN)
	case rf.maxN > 0:
		f, err := suppress.NewFrequency(rf.maxN, rf.protectZeros)
		if err != nil {
			return nil, usagef("--max-n: %v", err)
		}
		rules = append(rules, f)
	case rf.protectZeros:
		return nil, usagef("--protect-zeros needs the frequency rule (--max-n ≥ 1)")
	}
	switch {
	case rf.minContrib < 0 || rf.minContrib == 1:
		return nil, usagef("--min-contributors %d: want 0 (off) or 2 or more", rf.minContrib)
	case rf.minContrib > 0:
		rules = append(rules, suppress.MinContributors{N: rf.minContrib})
	}
	for _, d := range rf.dominance {
		v, err := parseNums(d, 2, "--dominance")
		if err != nil {
			return nil, err
		}
		if len(v) != 2 || v[0] != float64(int(v[0])) || v[0] < 1 || v[0] > 100 || v[1] <= 0 || v[1] >= 100 {
			return nil, usagef("--dominance %q: want N,K with a whole N ≥ 1 and 0 < K < 100, e.g. 1,85", d)
		}
		rules = append(rules, suppress.Dominance{N: int(v[0]), K: v[1]})
	}
	if rf.pPercent != "" {
		v, err := parseNums(rf.pPercent, 2, "--p-percent")
		if err != nil {
			return nil, err
		}
		if v[0] <= 0 || v[0] >= 100 || len(v) == 2 && (v[1] != float64(int(v[1])) || v[1] < 1 || v[1] > 100) {
			return nil, usagef("--p-percent %q: want P in (0, 100) and a whole coalition size ≥ 1, e.g. 10 or 10,2", rf.pPercent)
		}
		r := suppress.PPercent{P: v[0]}
		if len(v) == 2 {
			r.Coalition = int(v[1])
		}
		rules = append(rules, r)
	}
	if rf.pq != "" {
		v, err := parseNums(rf.pq, 2, "--pq")
		if err != nil {
			return nil, err
		}
		if len(v) != 2 || v[0] <= 0 || v[1] <= v[0] || v[1] > 100 {
			return nil, usagef("--pq %q: want P,Q with 0 < P < Q ≤ 100, e.g. 10,50", rf.pq)
		}
		rules = append(rules, suppress.PQ{P: v[0], Q: v[1]})
	}
	if len(rules) == 0 && rf.suppressList == "" {
		return nil, usagef("no primary rule: give --max-n, --min-contributors, --dominance, --p-percent, --pq or --suppress-cells")
	}
	return rules, nil
}

// paths lists the input files the rule options name.
func (rf *ruleFlags) paths() []pathArg {
	return []pathArg{{"--suppress-cells", rf.suppressList}, {"--publish-cells", rf.publishList}}
}

// rules builds the primary rules and the manual lists the flags name.
func (rf *ruleFlags) rules(t *sdc.Table) ([]suppress.Rule, suppress.PrimaryOptions, error) {
	var opt suppress.PrimaryOptions
	rules, err := rf.parse()
	if err != nil {
		return nil, opt, err
	}
	if rf.suppressList != "" {
		cells, err := readCellList(rf.suppressList, t)
		if err != nil {
			return nil, opt, err
		}
		rules = append(rules, suppress.NewForced(cells, ""))
	}
	if rf.publishList != "" {
		cells, err := readCellList(rf.publishList, t)
		if err != nil {
			return nil, opt, err
		}
		opt.Publish = cells
	}
	return rules, opt, nil
}

// outputFlags are the output files every verb writes.
type outputFlags struct {
	out, internal, json string
	quiet               bool
}

func (of *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&of.out, "out", "", "published CSV: every publishable cell with its value and status (required; mode 0644 less the umask)")
	fs.StringVar(&of.internal, "internal", "", "internal CSV for the privacy officer: true values, status, reason, audit interval (created 0600)")
	fs.StringVar(&of.json, "json", "", "JSON summary: counts of cells by status, rule and level, audit outcome, seconds per stage (created 0600)")
	fs.BoolVar(&of.quiet, "quiet", false, "print no progress on standard error")
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
			out = append(out, pathArg{p.opt, withSuffix(p.path, name)})
		}
	}
	if of.json != "" {
		out = append(out, pathArg{"--json", of.json})
	}
	return out
}

// write writes the outputs all together, or none of them.
func (of *outputFlags) write(ctx context.Context, rel *sdc.Release, sum *report.Summary, wo sdc.WriteOptions) error {
	files := []sdc.OutputFile{{Path: of.out, Write: func(w io.Writer) error { return sdc.WritePublished(w, rel, wo) }}}
	if of.internal != "" {
		files = append(files, sdc.OutputFile{Path: of.internal, Write: func(w io.Writer) error { return sdc.WriteInternal(w, rel, wo) }, Private: true})
	}
	if of.json != "" {
		files = append(files, sdc.OutputFile{Path: of.json, Write: sum.WriteJSON, Private: true})
	}
	return sdc.WriteFilesAtomicContext(ctx, files)
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

// tableFlags collects repeated --table NAME=DIM,DIM options.
type tableFlags []string

func (tf *tableFlags) String() string { return strings.Join(*tf, " ") }
func (tf *tableFlags) Set(v string) error {
	*tf = append(*tf, v)
	return nil
}

// linkedTable is one of the tables a run releases.
type linkedTable struct {
	name string // "" for the input table itself
	t    *sdc.Table
	rel  *sdc.Release
}

// tables builds the linked tables the --table options name, as marginals of
// the input table; without options the input table is the only one.
func (tf tableFlags) tables(base *sdc.Table) ([]*linkedTable, error) {
	if len(tf) == 0 {
		return []*linkedTable{{t: base}}, nil
	}
	var out []*linkedTable
	names := map[string]bool{}
	for _, spec := range tf {
		name, dims, ok := strings.Cut(spec, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.TrimSpace(dims) == "" {
			return nil, fmt.Errorf("--table %q: want NAME=DIM,DIM,… (e.g. --table demo=geo,sex,age)", spec)
		}
		if names[name] {
			return nil, fmt.Errorf("--table %q: table %q named twice", spec, name)
		}
		names[name] = true
		var ds []string
		for _, d := range strings.Split(dims, ",") {
			ds = append(ds, strings.TrimSpace(d))
		}
		m, err := sdc.Marginal(base, ds...)
		if err != nil {
			return nil, fmt.Errorf("--table %s: %w", name, err)
		}
		out = append(out, &linkedTable{name: name, t: m})
	}
	return out, nil
}

// withSuffix inserts ".name" before a path's extension.
func withSuffix(path, name string) string {
	if name == "" || path == "" {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + name + ext
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

// maxMaxRounds bounds --max-rounds.
const maxMaxRounds = 1000

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
	exactOnly := fs.Bool("exact-only", false, "gauss: protect against exact disclosure only (no interval audit or repair), as GaussSuppression does; the screen by bound propagation still counts the primary cells left certainly too narrow (summary.json: screen_under_protected)")
	fullAudit := fs.Bool("full-audit", false, "gauss: compute every suppressed cell's exact interval (slower); by default cells already proven safe get a proven sub-interval")
	maxRounds := fs.Int("max-rounds", 30, fmt.Sprintf("gauss: the most audit-and-repair rounds, 1 to %d", maxMaxRounds))
	noCleanup := fs.Bool("no-cleanup", false, "gauss: keep every secondary cell; by default, before the audit, secondary cells the pattern does not need are published again (summary.json: republished)")
	publishZeros := fs.Bool("publish-zeros", false, "gauss: never withhold a zero count as a secondary cell; the attacker, who knows the policy, then knows every suppressed cell to be at least 1, and more cells are withheld to meet that. By default zeros may be secondary cells (fewer cells withheld; but Gauss keeps every zero in its elimination, which may exceed its memory guard on large tables)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Every option is checked before any work.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *secondary {
	case "gauss":
		if *maxRounds < 1 || *maxRounds > maxMaxRounds {
			return usagef("--max-rounds %d: want 1 to %d", *maxRounds, maxMaxRounds)
		}
	case "none":
		for _, name := range []string{"exact-only", "full-audit", "max-rounds", "no-cleanup", "secondary-zeros"} {
			if set[name] {
				return usagef("--%s goes with --secondary gauss, not with --secondary none", name)
			}
		}
	default:
		return usagef("--secondary %q: unknown method (available: gauss, none)", *secondary)
	}
	if *exactOnly && *fullAudit {
		return usagef("--exact-only and --full-audit contradict each other (--exact-only runs no interval audit)")
	}
	if len(tf) > 0 && (rf.suppressList != "" || rf.publishList != "") {
		return usagef("--suppress-cells and --publish-cells go with a single table, not with --table")
	}
	if err := in.check(); err != nil {
		return err
	}
	if _, err := rf.parse(); err != nil {
		return err
	}
	req, err := rq.requirement(rf.maxN)
	if err != nil {
		return err
	}
	if err := of.check(true, tf.names(), in.paths(), rf.paths()); err != nil {
		return err
	}
	pr := progress{stderr, of.quiet}
	if *secondary == "none" {
		// Not silenced by --quiet: the release discloses.
		fmt.Fprintln(stderr, "tabsdc protect: warning: --secondary none withholds the primary cells only; their values can be recalculated from the published totals, so the release is NOT protected beyond the primary cells")
	}
	sum := &report.Summary{Method: "suppression (secondary: " + *secondary + ")"}

	sum.Begin("read")
	base, err := in.read()
	if err != nil {
		return err
	}
	sum.End("read")
	pr.printf("read %d inner cells, %d publishable cells", base.NumInner(), base.NumCells())
	tables, err := tf.tables(base)
	if err != nil {
		return err
	}

	sum.Begin("primary")
	for _, lt := range tables {
		rules, popt, err := rf.rules(lt.t)
		if err != nil {
			return err
		}
		var pres suppress.PrimaryResult
		lt.rel, pres, err = suppress.Primary(ctx, lt.t, rules, popt)
		if err != nil {
			return err
		}
		for i, r := range rules {
			name := r.Name()
			if lt.name != "" {
				name = lt.name + ": " + name
			}
			sum.Rules = append(sum.Rules, report.RuleCount{Rule: name, Cells: pres.ByRule[i]})
		}
		pr.printf("primary suppression%s: %d cells", tableNote(lt.name), pres.Cells)
	}
	sum.End("primary")

	if *secondary == "gauss" {
		sum.Begin("secondary+audit")
		rels := make([]*sdc.Release, len(tables))
		for i, lt := range tables {
			rels[i] = lt.rel
		}
		res, err := suppress.ProtectLinked(ctx, base, rels, suppress.ProtectOptions{
			ZerosPublished: *publishZeros,
			Attacker:       audit.Attacker{ZerosWithheld: rf.protectZeros},
			Default:        req,
			ExactOnly:      *exactOnly,
			MaxRounds:      *maxRounds,
			FullAudit:      *fullAudit,
			NoCleanup:      *noCleanup,
			Progress:       func(msg string) { pr.printf("%s", msg) },
		})
		if err != nil {
			return err
		}
		sum.End("secondary+audit")
		if len(res.Unresolved) > 0 {
			// Nothing is written: a published file out of step with the
			// officer's files is worse than none.
			return unresolvedError(base, res.Unresolved)
		}
		out := &report.AuditOutcome{Passed: true, RepairRounds: res.Rounds, Audits: res.Audits, RepairSecondary: len(res.Extra), Republished: len(res.Republished)}
		if a := res.Audit; a != nil {
			out.Audited, out.Disclosed, out.UnderProtected = a.Audited, len(a.Disclosed), len(a.UnderProtected)
			out.Components, out.LargestInnerLP = a.Components, a.Largest
		}
		if res.Screen != nil {
			out.ScreenUnderProtected = len(res.Screen.UnderProtected)
		}
		if sg := res.Singletons; sg != nil {
			out.SingletonIntruders, out.SingletonDisclosed, out.SingletonUnderProtected = sg.Intruders, len(sg.Disclosed), len(sg.UnderProtected)
		}
		sum.Audit = out
		sum.Attacker = report.AttackerOf(res.Attacker)
		for _, lt := range tables {
			lt.rel.SetNotes(sum.Attacker.Notes()...)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	wo := sdc.WriteOptions{Count: in.freq, Value: in.value}
	var files []sdc.OutputFile
	for _, lt := range tables {
		rel := lt.rel
		if len(tables) == 1 {
			sum.Count(rel)
		} else {
			sub := &report.Summary{Method: sum.Method}
			sub.Count(rel)
			sum.AddTable(lt.name, sub)
		}
		files = append(files, sdc.OutputFile{Path: withSuffix(of.out, lt.name), Write: func(w io.Writer) error { return sdc.WritePublished(w, rel, wo) }})
		if of.internal != "" {
			files = append(files, sdc.OutputFile{Path: withSuffix(of.internal, lt.name), Write: func(w io.Writer) error { return sdc.WriteInternal(w, rel, wo) }, Private: true})
		}
	}
	if of.json != "" {
		files = append(files, sdc.OutputFile{Path: of.json, Write: sum.WriteJSON, Private: true})
	}
	if err := sdc.WriteFilesAtomicContext(ctx, files); err != nil {
		return err
	}
	for _, lt := range tables {
		pr.printf("wrote %s", withSuffix(of.out, lt.name))
	}
	return nil
}

func tableNote(name string) string {
	if name == "" {
		return ""
	}
	return " (table " + name + ")"
}

// unresolvedError names the cells that could not be protected.
func unresolvedError(t *sdc.Table, fs []audit.Finding) error {
	msg := fmt.Sprintf("%d cells could not be protected; no output was written or changed", len(fs))
	for i, f := range fs {
		if i == 20 {
			msg += fmt.Sprintf("\n  … and %d more", len(fs)-20)
			break
		}
		msg += fmt.Sprintf("\n  %s: %s", t.Label(f.Cell), f.Why)
	}
	return fmt.Errorf("%s", msg)
}
