package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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
  cannot be protected fails the run and nothing is published.

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

func parseNums(s string, n int, what string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 1 || len(parts) > n {
		return nil, fmt.Errorf("%s %q: want at most %d comma-separated numbers", what, s, n)
	}
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %q is not a number", what, s, p)
		}
		out[i] = v
	}
	return out, nil
}

// rules builds the primary rules and the manual lists the flags name.
func (rf *ruleFlags) rules(t *sdc.Table) ([]suppress.Rule, suppress.PrimaryOptions, error) {
	var rules []suppress.Rule
	var opt suppress.PrimaryOptions
	if rf.maxN < 0 {
		return nil, opt, fmt.Errorf("--max-n %d is negative", rf.maxN)
	}
	if rf.maxN > 0 {
		f, err := suppress.NewFrequency(rf.maxN, rf.protectZeros)
		if err != nil {
			return nil, opt, err
		}
		rules = append(rules, f)
	} else if rf.protectZeros {
		return nil, opt, fmt.Errorf("--protect-zeros needs the frequency rule (--max-n ≥ 1)")
	}
	if rf.minContrib > 0 {
		rules = append(rules, suppress.MinContributors{N: rf.minContrib})
	}
	for _, d := range rf.dominance {
		v, err := parseNums(d, 2, "--dominance")
		if err != nil {
			return nil, opt, err
		}
		if len(v) != 2 || v[0] != float64(int(v[0])) {
			return nil, opt, fmt.Errorf("--dominance %q: want N,K with a whole N, e.g. 1,85", d)
		}
		rules = append(rules, suppress.Dominance{N: int(v[0]), K: v[1]})
	}
	if rf.pPercent != "" {
		v, err := parseNums(rf.pPercent, 2, "--p-percent")
		if err != nil {
			return nil, opt, err
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
			return nil, opt, err
		}
		if len(v) != 2 {
			return nil, opt, fmt.Errorf("--pq %q: want P,Q", rf.pq)
		}
		rules = append(rules, suppress.PQ{P: v[0], Q: v[1]})
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
	if len(rules) == 0 {
		return nil, opt, fmt.Errorf("no primary rule: give --max-n, --min-contributors, --dominance, --p-percent, --pq or --suppress-cells")
	}
	return rules, opt, nil
}

// outputFlags are the output files every verb writes.
type outputFlags struct {
	out, internal, json string
	quiet               bool
}

func (of *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&of.out, "out", "", "published CSV: every publishable cell with its value and status (required)")
	fs.StringVar(&of.internal, "internal", "", "internal CSV for the privacy officer: true values, status, reason, audit interval")
	fs.StringVar(&of.json, "json", "", "JSON summary: counts of cells by status, rule and level, audit outcome, seconds per stage")
	fs.BoolVar(&of.quiet, "quiet", false, "print no progress on standard error")
}

// write writes the outputs all together, or none of them.
func (of *outputFlags) write(rel *sdc.Release, sum *report.Summary, wo sdc.WriteOptions) error {
	files := []sdc.OutputFile{{Path: of.out, Write: func(w io.Writer) error { return sdc.WritePublished(w, rel, wo) }}}
	if of.internal != "" {
		files = append(files, sdc.OutputFile{Path: of.internal, Write: func(w io.Writer) error { return sdc.WriteInternal(w, rel, wo) }})
	}
	if of.json != "" {
		files = append(files, sdc.OutputFile{Path: of.json, Write: sum.WriteJSON})
	}
	return sdc.WriteFilesAtomic(files)
}

func (of *outputFlags) check() error {
	if of.out == "" {
		return fmt.Errorf("--out is required")
	}
	seen := map[string]string{}
	for _, p := range [][2]string{{"--out", of.out}, {"--internal", of.internal}, {"--json", of.json}} {
		if p[1] == "" {
			continue
		}
		if prev, ok := seen[p[1]]; ok {
			return fmt.Errorf("%s and %s name the same file %q", prev, p[0], p[1])
		}
		seen[p[1]] = p[0]
	}
	return nil
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

func runProtect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("protect", protectExample, stderr)
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
	secondary := fs.String("secondary", "gauss", "secondary suppression method: gauss (Gaussian elimination, then an LP audit and repair) or none (primary suppression only)")
	exactOnly := fs.Bool("exact-only", false, "gauss: protect against exact disclosure only (no interval audit or repair), as GaussSuppression does; the screen by bound propagation still counts the primary cells left certainly too narrow (summary.json: screen_under_protected)")
	fullAudit := fs.Bool("full-audit", false, "gauss: compute every suppressed cell's exact interval (slower); by default cells already proven safe get a proven sub-interval")
	maxRounds := fs.Int("max-rounds", 30, "gauss: the most audit-and-repair rounds")
	noCleanup := fs.Bool("no-cleanup", false, "gauss: keep every secondary cell; by default, before the audit, secondary cells the pattern does not need are published again (summary.json: republished)")
	publishZeros := fs.Bool("publish-zeros", false, "gauss: never withhold a zero count as a secondary cell; the attacker, who knows the policy, then knows every suppressed cell to be at least 1, and more cells are withheld to meet that. By default zeros may be secondary cells (fewer cells withheld; but Gauss keeps every zero in its elimination, which may exceed its memory guard on large tables)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := of.check(); err != nil {
		return err
	}
	switch *secondary {
	case "none", "gauss":
	default:
		return fmt.Errorf("--secondary %q: unknown method (available: gauss, none)", *secondary)
	}
	if len(tf) > 0 && (rf.suppressList != "" || rf.publishList != "") {
		return fmt.Errorf("--suppress-cells and --publish-cells go with a single table, not with --table")
	}
	req, err := rq.requirement(rf.maxN)
	if err != nil {
		return err
	}
	ctx := context.Background()
	pr := progress{stderr, of.quiet}
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

	var failure error
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
		out := &report.AuditOutcome{Passed: len(res.Unresolved) == 0, RepairRounds: res.Rounds, Audits: res.Audits, RepairSecondary: len(res.Extra), Republished: len(res.Republished)}
		if a := res.Audit; a != nil {
			out.Audited, out.Disclosed, out.UnderProtected = a.Audited, len(a.Disclosed), len(a.UnderProtected)
			out.Components, out.LargestInnerLP = a.Components, a.Largest
		} else {
			out.Audited, out.Disclosed = res.Gauss.Primary+res.Gauss.Secondary, len(res.Exact)
			if res.Screen != nil {
				out.ScreenUnderProtected = len(res.Screen.UnderProtected)
			}
		}
		if sg := res.Singletons; sg != nil {
			out.SingletonIntruders, out.SingletonDisclosed, out.SingletonUnderProtected = sg.Intruders, len(sg.Disclosed), len(sg.UnderProtected)
		}
		sum.Audit = out
		sum.Attacker = report.AttackerOf(res.Attacker)
		if len(res.Unresolved) > 0 {
			failure = unresolvedError(base, res.Unresolved)
		}
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
		if failure == nil {
			files = append(files, sdc.OutputFile{Path: withSuffix(of.out, lt.name), Write: func(w io.Writer) error { return sdc.WritePublished(w, rel, wo) }})
		}
		if of.internal != "" {
			files = append(files, sdc.OutputFile{Path: withSuffix(of.internal, lt.name), Write: func(w io.Writer) error { return sdc.WriteInternal(w, rel, wo) }})
		}
	}
	if of.json != "" {
		files = append(files, sdc.OutputFile{Path: of.json, Write: sum.WriteJSON})
	}
	// When a cell could not be protected nothing is published; the
	// officer's files are still written, to show why.
	if err := sdc.WriteFilesAtomic(files); err != nil {
		return err
	}
	if failure != nil {
		return failure
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
	msg := fmt.Sprintf("%d cells could not be protected; %s was not written", len(fs), "the published file")
	for i, f := range fs {
		if i == 5 {
			msg += fmt.Sprintf("\n  … and %d more (see the internal file)", len(fs)-5)
			break
		}
		msg += fmt.Sprintf("\n  %s: %s", t.Label(f.Cell), f.Why)
	}
	return fmt.Errorf("%s", msg)
}
