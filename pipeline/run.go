package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/dhis2"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// Options configures Run.
type Options struct {
	// Progress receives a line of progress; nil prints nothing.
	Progress func(msg string)
	// Warn receives warnings a run must not keep quiet (a release that is
	// not protected beyond its primary cells); nil drops them, so a
	// caller should set it.
	Warn func(msg string)
	// Now is the run's date for the summary; zero means time.Now.
	Now time.Time
	// Command is the command line that ran the release, for the summary
	// and the report ("" when not run from a command line).
	Command string
	// Steps, when set, is told how far a long stage is (done of total),
	// often: a terminal draws a progress bar from it.
	Steps func(stage string, done, total int)
}

// Result is a run's outcome: the released tables and the summary. Nothing
// is written until Write.
type Result struct {
	Spec    *Spec
	Tables  []Table
	Summary *report.Summary
	// Kind is how the releases were audited.
	Kind Kind
	// commit is the method's account of the release (Outcome.Commit).
	commit Commit
	// dhis2 writes the published file as a dataValueSet (input format
	// dhis2).
	dhis2 *dhis2Output
	// pop is the population of the size classes.
	pop report.Population
}

// dhis2Output is how a release is written as a dataValueSet.
type dhis2Output struct {
	layout *dhis2.Layout
	opt    dhis2.WriteOptions
}

// UnresolvedError is returned by Run when a method leaves cells it could
// not protect, or the pipeline's audit finds cells failing: nothing may be
// published.
type UnresolvedError struct {
	Table    *sdc.Table
	Findings []audit.Finding
}

func (e *UnresolvedError) Error() string {
	msg := fmt.Sprintf("%d cells could not be protected; no output was written or changed", len(e.Findings))
	for i, f := range e.Findings {
		if i == 20 {
			msg += fmt.Sprintf("\n  … and %d more", len(e.Findings)-20)
			break
		}
		msg += fmt.Sprintf("\n  %s: %s", e.Table.Label(f.Cell), f.Why)
	}
	return msg
}

// ErrSpec marks errors that are the spec's (a setting that cannot work
// with the data read, such as a rounding base above the grand total).
var ErrSpec = errors.New("spec")

// Version is the tool's version from the build information: the module
// version, or the VCS revision of a development build.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "tabsdc (no build information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(unknown version)"
	}
	line := "tabsdc " + v
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			line += " revision " + s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			line += " (modified)"
		}
	}
	return line
}

// Run runs the release a spec declares: it checks the files it names
// (CheckPaths: no output is an input, …), reads the input, builds the
// tables, applies the primary rules, protects with the spec's method and
// audits the result. Which audit runs is the pipeline's choice, by the
// kind of release the method returns (Kind):
//   - Withheld: the attacker's LP audit of the tables' joint view and the
//     singleton intruder under the policy's attacker (audit.Audit,
//     audit.Singletons), seeded by the audit a method ran on its final
//     pattern (Evidence) but never decided by it; for a magnitude table
//     with exact values, the same on its published sums (auditValues);
//   - Changed: the table is checked to add up (rounding.CheckAdditive,
//     when the method promises it) and each cell gets the interval the
//     rounding rule leaves an attacker (rounding.Intervals);
//   - Unprotected: none, and Options.Warn says so.
//
// Cells failing the audit, or that the method could not protect, make an
// *UnresolvedError: no result to write.
func Run(ctx context.Context, spec *Spec, opt Options) (*Result, error) {
	return run(ctx, nil, spec, opt)
}

// RunTable is Run on a table already in memory (a notebook's, an
// example's): the spec names no input; everything else is as in Run.
func RunTable(ctx context.Context, t *sdc.Table, spec *Spec, opt Options) (*Result, error) {
	if t == nil {
		return nil, errors.New("pipeline: RunTable without a table")
	}
	return run(ctx, t, spec, opt)
}

func run(ctx context.Context, given *sdc.Table, spec *Spec, opt Options) (_ *Result, err error) {
	s := *spec
	if err := s.validate(given); err != nil {
		return nil, err
	}
	var inputs []report.InputFile
	if given == nil {
		inputs = s.InputPaths()
	}
	if err := CheckPaths(inputs, s.OutputPaths()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	say, now := progressOr(opt.Progress), nowOr(opt.Now)
	factory, ok := lookup(s.Method.Name)
	if !ok {
		return nil, specErr("method.name", "%q: unknown method", s.Method.Name)
	}
	method, err := factory(s.Method)
	if err != nil {
		return nil, &SpecError{Key: "method", Err: err}
	}

	sum := &report.Summary{Tool: Version(), Date: now.UTC().Format(time.RFC3339), Command: opt.Command, Policy: s.Describe(), SeedPolicy: s.seedPolicy()}
	log := &inputLog{}
	base := given
	var units *sdc.UnitRecords
	var dh *dhis2Output
	if base == nil {
		sum.Begin("read")
		if s.Input.Format == "dhis2" {
			in, err := s.readDHIS2(log)
			if err != nil {
				return nil, err
			}
			base = in.Table
			dh = &dhis2Output{layout: in.Layout}
			if in.Skipped > 0 || in.Deleted > 0 {
				say(fmt.Sprintf("dataValueSet: %d values of other data elements and %d marked deleted are not in the table", in.Skipped, in.Deleted))
			}
			if o := s.Outputs.DHIS2; o != nil {
				dh.opt.FlagElement, dh.opt.Comment = o.FlagElement, o.Comment
				if o.Previous != "" {
					if dh.opt.Previous, _, err = readValues(log, "dhis2 previous", o.Previous); err != nil {
						return nil, err
					}
					dh.opt.PreviousFile = o.Previous
				}
			}
			dh.opt.Format, _ = dhis2.FormatOf(s.Input.DataValues)
		} else if cols := s.Input.unitColumns(); len(cols) > 0 {
			if units, err = s.readUnits(log, cols); err != nil {
				return nil, err
			}
			base = units.Table
		} else if base, err = s.readTable(log); err != nil {
			return nil, err
		}
		sum.End("read")
	}
	say(fmt.Sprintf("read %d inner cells, %d publishable cells", base.NumInner(), base.NumCells()))
	if s.Method.Base > 0 {
		if total := base.Freq(0); s.Method.Base > total {
			return nil, fmt.Errorf("%w: method.base %d is larger than the grand total %d: every cell would be published as 0", ErrSpec, s.Method.Base, total)
		}
	}
	tables := []Table{{Release: sdc.NewRelease(base)}}
	if len(s.Tables) > 0 {
		tables = tables[:0]
		for _, ts := range s.Tables {
			m, err := sdc.Marginal(base, ts.Dims...)
			if err != nil {
				return nil, fmt.Errorf("table %s: %w", ts.Name, err)
			}
			tables = append(tables, Table{Name: ts.Name, Release: sdc.NewRelease(m)})
		}
	}

	req := s.requirement()
	warn := opt.Warn
	if warn == nil {
		warn = func(string) {}
	}
	job := &Job{Base: base, Spec: s.Method, Requirement: req, Attacker: audit.Attacker{ZerosWithheld: s.Rules.ProtectZeros}, SumsOnly: s.Outputs.SumsOnly, Progress: say, Steps: opt.Steps, Warn: warn, Records: units, inputs: log}
	if !isRounding(s.Method.Name) {
		sum.Begin("rules")
		for i := range tables {
			t := tables[i].Release.Table()
			rules, popt, err := s.Rules.build(t, log)
			if err != nil {
				return nil, err
			}
			rel, pres, err := suppress.Primary(ctx, t, rules, popt)
			if err != nil {
				return nil, err
			}
			if t.HasMagnitude() {
				// The protection levels the rules give (internal file).
				up, lo := suppress.ProtectionLevels(t, rules)
				if slices.ContainsFunc(up, func(v float64) bool { return v > 0 }) {
					if err := rel.SetLevels(up, lo); err != nil {
						return nil, err
					}
				}
			}
			if s.Outputs.SumsOnly {
				if err := rel.PublishSumsOnly(); err != nil {
					return nil, err
				}
			}
			tables[i].Release = rel
			for k, r := range rules {
				name := r.Name()
				if tables[i].Name != "" {
					name = tables[i].Name + ": " + name
				}
				sum.Rules = append(sum.Rules, report.RuleCount{Rule: name, Cells: pres.ByRule[k]})
			}
			say(fmt.Sprintf("primary suppression%s: %d cells", tableNote(tables[i].Name), pres.Cells))
		}
		sum.End("rules")
		if len(sum.Rules) > 0 {
			sum.RulesCounting = "a cell several rules flag counts once under each of them: the counts may add up to more than the primary cells (status.primary)"
		}
	}
	// What the method may not undo, taken before it runs (it may change
	// the releases it is given in place): each table and its primary cells.
	job.Tables = slices.Clone(tables)
	tabs := make([]*sdc.Table, len(tables))
	primaries := make([][]int, len(tables))
	for i, tb := range tables {
		tabs[i] = tb.Release.Table()
		for c := 0; c < tabs[i].NumCells(); c++ {
			if tb.Release.Status(c) == sdc.Primary {
				primaries[i] = append(primaries[i], c)
			}
		}
	}

	stage := "protect"
	switch {
	case isNoise(s.Method.Name):
		stage = "noise"
	case isRounding(s.Method.Name):
		stage = "round"
	}
	sum.Begin(stage)
	out, err := method.Protect(ctx, job)
	if err != nil {
		return nil, err
	}
	if out != nil && out.Commit != nil {
		// The release is entered in its account: taken back if the run
		// fails from here (nothing is returned or written).
		defer func() {
			if err != nil {
				if cerr := out.Commit.Cancel(); cerr != nil {
					err = fmt.Errorf("%w; and taking the release back from its account failed: %v", err, cerr)
				}
			}
		}()
	}
	sum.End(stage)
	if out == nil || len(out.Releases) != len(tables) {
		return nil, fmt.Errorf("method %s returned no release for each of the %d tables", s.Method.Name, len(tables))
	}
	if out.Kind != Withheld && out.Kind != Changed && out.Kind != Unprotected && out.Kind != Perturbed {
		return nil, fmt.Errorf("method %s returned a release of unknown kind %d", s.Method.Name, out.Kind)
	}
	if len(out.Unresolved) > 0 {
		return nil, &UnresolvedError{Table: base, Findings: out.Unresolved}
	}
	for i := range tables {
		rel := out.Releases[i]
		if rel == nil || rel.Table() != tabs[i] {
			return nil, fmt.Errorf("method %s returned a release of another table", s.Method.Name)
		}
		// A method may add withheld cells, never publish a primary one
		// (a release of changed values publishes every cell, changed).
		if out.Kind != Changed && out.Kind != Perturbed {
			if err := keepsPrimary(tabs[i], primaries[i], rel, s.Method.Name); err != nil {
				return nil, err
			}
		}
		tables[i].Release = rel
	}
	if out.Kind == Unprotected && opt.Warn != nil {
		opt.Warn(fmt.Sprintf("method %s withholds the primary cells only; their values can be recalculated from the published totals, so the release is NOT protected beyond the primary cells", s.Method.Name))
	}
	sum.Method = out.Method
	if sum.Method == "" {
		sum.Method = s.Method.Name
	}
	if out.Summary != nil {
		sum.Extra = out.Summary
	}

	switch out.Kind {
	case Withheld:
		if s.Outputs.SumsOnly {
			// No count is published: the values are what an attacker reads.
			att := audit.Attacker{ZerosWithheld: true}
			sum.Attacker = report.AttackerOf(att)
			tables[0].Release.SetNotes(append(sum.Attacker.Notes(), "the published file shows sums, not counts: the audit is on the values (extra.value_audit)")...)
		} else if err := auditWithheld(ctx, base, tables, out, job, sum, say, s.Method.FullAudit); err != nil {
			return nil, err
		}
		if len(tables) == 1 {
			if err := auditValues(ctx, tables[0].Release, sum, say, s.Method.ExactOnly); err != nil {
				return nil, err
			}
			if o, ok := sum.Extra["value_audit"].(*report.AuditOutcome); ok && s.Outputs.SumsOnly {
				sum.Audit = o // the only audit: no count is published
			}
		}
	case Changed:
		sum.Begin("audit")
		for _, tb := range tables {
			if err := auditChanged(tb.Release, out); err != nil {
				return nil, err
			}
		}
		sum.End("audit")
	case Perturbed:
		sum.Begin("audit")
		for _, tb := range tables {
			if err := auditPerturbed(tb.Release, out); err != nil {
				return nil, err
			}
		}
		sum.End("audit")
	}
	pop, err := s.readPopulation(log)
	if err != nil {
		return nil, err
	}
	if len(tables) == 1 && tables[0].Release.Public().HasCounts() {
		u, err := report.ComputeUtilityWith(tables[0].Release, pop)
		if err != nil {
			return nil, err
		}
		sum.Utility = u
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if len(tables) == 1 {
		sum.Count(tables[0].Release)
	} else {
		for _, tb := range tables {
			sub := &report.Summary{Method: sum.Method}
			sub.Count(tb.Release)
			sum.AddTable(tb.Name, sub)
		}
	}
	sum.Spec = &s
	js, err := json.Marshal(&s)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(js)
	sum.SpecSHA256 = hex.EncodeToString(h[:])
	sum.Inputs = log.files
	res := &Result{Spec: &s, Tables: tables, Summary: sum, Kind: out.Kind, commit: out.Commit, pop: pop}
	if dh != nil {
		if err := dh.prepare(tables[0].Release, out, sum, opt.Warn); err != nil {
			return nil, err
		}
		res.dhis2 = dh
	}
	return res, nil
}

// keepsPrimary checks that after withholds every one of the primary
// cells of t.
func keepsPrimary(t *sdc.Table, primary []int, after *sdc.Release, method string) error {
	var published []string
	for _, c := range primary {
		if !after.Suppressed(c) {
			published = append(published, t.Label(c))
		}
	}
	if len(published) > 0 {
		return fmt.Errorf("method %s published %d primary cells (first: %s): refused, nothing written", method, len(published), published[0])
	}
	return nil
}

// progressOr is f, or a function that prints nothing.
func progressOr(f func(string)) func(string) {
	if f == nil {
		return func(string) {}
	}
	return f
}

// nowOr is t, or the time now when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func tableNote(name string) string {
	if name == "" {
		return ""
	}
	return " (table " + name + ")"
}

// requirement is the spec's requirement, or the frequency requirement of
// max_n when none is given.
func (s *Spec) requirement() audit.Requirement {
	rq := s.Requirement
	r := audit.Requirement{RangeMin: rq.RangeMin, RangePercent: rq.RangePercent, Upper: rq.UpperLevel, Lower: rq.LowerLevel}
	if r == (audit.Requirement{}) && s.Rules.MaxN > 0 {
		r = audit.FrequencyRequirement(s.Rules.MaxN)
	}
	return r
}

// Build makes the primary rules and reads the manual lists for table t
// (the rules must be valid: Validate).
func (r Rules) Build(t *sdc.Table) ([]suppress.Rule, suppress.PrimaryOptions, error) {
	return r.build(t, nil)
}

func (r Rules) build(t *sdc.Table, log *inputLog) ([]suppress.Rule, suppress.PrimaryOptions, error) {
	var opt suppress.PrimaryOptions
	var rules []suppress.Rule
	if r.MaxN > 0 {
		f, err := suppress.NewFrequency(r.MaxN, r.ProtectZeros)
		if err != nil {
			return nil, opt, &SpecError{Key: "rules.max_n", Err: err}
		}
		rules = append(rules, f)
	}
	if r.MinContributors > 0 {
		rules = append(rules, suppress.MinContributors{N: r.MinContributors})
	}
	for _, d := range r.Dominance {
		rules = append(rules, suppress.Dominance{N: d.N, K: d.K})
	}
	if p := r.PPercent; p != nil {
		rules = append(rules, suppress.PPercent{P: p.P, Coalition: p.Coalition})
	}
	if q := r.PQ; q != nil {
		rules = append(rules, suppress.PQ{P: q.P, Q: q.Q})
	}
	if r.SuppressCells != "" {
		cells, err := readCellList(log, "suppress_cells", r.SuppressCells, t)
		if err != nil {
			return nil, opt, err
		}
		rules = append(rules, suppress.NewForced(cells, ""))
	}
	if r.PublishCells != "" {
		cells, err := readCellList(log, "publish_cells", r.PublishCells, t)
		if err != nil {
			return nil, opt, err
		}
		opt.Publish = cells
	}
	return rules, opt, nil
}

// auditWithheld is the pipeline's audit of a Withheld release, whatever
// the method: the attacker's LP audit of the joint view of the tables and
// the singleton intruder, under the policy's attacker (zeros withheld when
// the rules or the method withhold them; the singleton intruder always).
// A method's own audit of its final pattern (Evidence.Audit) only seeds
// it with the feasible tables it found, when it is an audit of this
// pattern's table withholding no cell the release publishes; the verdict
// is this audit's.
func auditWithheld(ctx context.Context, base *sdc.Table, tables []Table, out *Outcome, job *Job, sum *report.Summary, say func(string), full bool) error {
	rels := make([]*sdc.Release, len(tables))
	for i, tb := range tables {
		rels[i] = tb.Release
	}
	joint, err := sdc.JointRelease(base, rels)
	if err != nil {
		return err
	}
	att := audit.Attacker{ZerosWithheld: job.Attacker.ZerosWithheld || out.Attacker.ZerosWithheld}
	req := job.Requirement
	if job.Spec.ExactOnly {
		// What exact_only promises: no withheld cell pinned to one value.
		req = audit.FrequencyRequirement(0)
	}
	opt := audit.Options{Default: req, Attacker: att, Full: full}
	ev := out.Evidence
	if ev == nil {
		ev = &Evidence{}
	}
	if ev.Audit != nil && ev.Audit.CanSeed(joint) == nil {
		opt.Prior = ev.Audit
	}
	sum.Begin("audit")
	a, err := audit.Audit(ctx, joint, opt)
	if err != nil {
		return err
	}
	var sg *audit.SingletonResult
	if a.Passed() {
		if sg, err = audit.Singletons(ctx, joint, opt); err != nil {
			return err
		}
	}
	sum.End("audit")
	say(fmt.Sprintf("audit: %d cells, %d disclosed, %d under-protected", a.Audited, len(a.Disclosed), len(a.UnderProtected)))
	failing := append(append([]audit.Finding{}, a.Disclosed...), a.UnderProtected...)
	if sg != nil {
		failing = append(append(failing, sg.Disclosed...), sg.UnderProtected...)
	}
	if len(failing) > 0 {
		return &UnresolvedError{Table: base, Findings: failing}
	}
	o := report.OutcomeOf(a, sg, false)
	o.RepairRounds, o.Audits, o.RepairSecondary, o.Republished = ev.Rounds, ev.Audits, ev.Extra, ev.Republished
	if ev.Screen != nil {
		o.ScreenUnderProtected = len(ev.Screen.UnderProtected)
	}
	sum.Audit = o
	sum.Attacker = report.AttackerOf(att)
	for _, tb := range tables {
		tb.Release.SetNotes(sum.Attacker.Notes()...)
	}
	return nil
}

// auditValues is the attacker's audit of a magnitude release's published
// sums: the LP over the cells' values (sdc.ValueTable: whole units of
// the last decimal place, non-negative), each sensitive cell checked
// against its protection levels (Release.Levels; a primary cell without
// levels against disclosure only), or, with exact_only,
// against exact disclosure only; then the same for each contributor alone
// in a withheld cell, who knows its value (audit.Singletons with those
// cells as intruders). Any cell failing fails the run, as on the counts.
func auditValues(ctx context.Context, rel *sdc.Release, sum *report.Summary, say func(string), exactOnly bool) error {
	t := rel.Table()
	if !t.ExactValues() {
		return nil // no sums are published (validate refuses inexact ones)
	}
	vt, err := sdc.ValueTable(t)
	if err != nil {
		return err
	}
	vrel := sdc.NewRelease(vt)
	for c := 0; c < t.NumCells(); c++ {
		if rel.Suppressed(c) {
			vrel.Set(c, rel.Status(c), rel.Reason(c))
		}
	}
	unit := math.Pow(10, float64(t.Decimals()))
	req := func(c int) audit.Requirement {
		u, l, ok := rel.Levels(c)
		switch {
		case exactOnly:
			return audit.FrequencyRequirement(0) // not pinned to one value
		case !ok:
			return audit.Requirement{}
		}
		return audit.Requirement{Upper: math.Ceil(u*unit - 1e-6), Lower: math.Ceil(l*unit - 1e-6)}
	}
	sum.Begin("value audit")
	aopt := audit.Options{Requirement: req, Attacker: audit.Attacker{ZerosWithheld: true},
		Intruder: func(c int) bool { return t.Contributors(c) == 1 }}
	a, err := audit.Audit(ctx, vrel, aopt)
	if err != nil {
		return err
	}
	var sg *audit.SingletonResult
	if a.Passed() {
		// A contributor alone in a withheld cell knows its value.
		if sg, err = audit.Singletons(ctx, vrel, aopt); err != nil {
			return err
		}
	}
	sum.End("value audit")
	say(fmt.Sprintf("value audit: %d cells, %d disclosed, %d under their protection levels", a.Audited, len(a.Disclosed), len(a.UnderProtected)))
	failing := append(append([]audit.Finding{}, a.Disclosed...), a.UnderProtected...)
	if sg != nil {
		say(fmt.Sprintf("value audit: %d lone contributors; %d cells disclosed to one, %d under their levels", sg.Intruders, len(sg.Disclosed), len(sg.UnderProtected)))
		failing = append(append(failing, sg.Disclosed...), sg.UnderProtected...)
	}
	if len(failing) > 0 {
		for i := range failing {
			if d := t.Decimals(); d > 0 {
				failing[i].Why += fmt.Sprintf(" (the value in units of %s)", strconv.FormatFloat(1/unit, 'f', d, 64))
			}
		}
		return &UnresolvedError{Table: t, Findings: failing}
	}
	for c := 0; c < t.NumCells(); c++ {
		if iv, ok := vrel.Interval(c); ok {
			rel.SetValueInterval(c, iv)
		}
	}
	if sum.Extra == nil {
		sum.Extra = map[string]any{}
	}
	sum.Extra["value_audit"] = report.OutcomeOf(a, sg, false)
	return nil
}

// auditChanged checks a release of changed values: additive when the
// method says so, and every cell's interval for the attacker who knows the
// rounding rule.
func auditChanged(rel *sdc.Release, out *Outcome) error {
	t := rel.Table()
	values, err := changedValues(rel, out)
	if err != nil {
		return err
	}
	if out.Rounding == nil {
		return fmt.Errorf("a method of changed values must say what an attacker may assume (Outcome.Rounding)")
	}
	ivs, err := rounding.Intervals(t, values, *out.Rounding)
	if err != nil {
		return err
	}
	return rel.SetIntervals(ivs, sdc.IntervalOuter)
}

// prepare chooses how the release is written for DHIS2 analytics, checks
// that it can be (a dry run of the writer), and says so in the summary:
// a release that adds up is written as its inner cells (analytics makes
// every total), any other at every level (analytics must use each level's
// own values); the warnings name metadata settings that would make
// dashboards wrong.
func (d *dhis2Output) prepare(rel *sdc.Release, out *Outcome, sum *report.Summary, warn func(string)) error {
	if warn == nil {
		warn = func(string) {}
	}
	d.opt.Mode = dhis2.AllLevels
	if (out.Kind == Changed || out.Kind == Perturbed) && out.Additive {
		d.opt.Mode = dhis2.InnerOnly
	}
	res, err := d.layout.Write(io.Discard, rel, d.opt)
	if err != nil {
		return err
	}
	de := d.layout.DataElement()
	mode := "inner cells only: the release adds up, so DHIS2 analytics adds them into every total (the data element must have no aggregation levels)"
	if d.opt.Mode == dhis2.AllLevels {
		mode = "every published cell at every org-unit level: the release does not add up, so the data element needs aggregation levels at every org-unit level (analytics then shows each level's own values instead of adding children into parents)"
		if len(de.AggregationLevels) == 0 {
			warn(fmt.Sprintf("data element %s has no aggregation levels: DHIS2 analytics will add the municipalities' values into the counties' own, counting them twice; set aggregationLevels to every org-unit level (see README, DHIS2)", de.ID))
		}
	} else if len(de.AggregationLevels) > 0 {
		warn(fmt.Sprintf("data element %s has aggregation levels %v: analytics will not add the inner cells written into the totals; remove them for a release of inner cells", de.ID, de.AggregationLevels))
	}
	if !de.ZeroIsSignificant {
		warn(fmt.Sprintf("data element %s does not store zeros (zeroIsSignificant false): the published zeros will show as missing, like withheld cells; switch on \"Store zero data values\"", de.ID))
	}
	if sum.Extra == nil {
		sum.Extra = map[string]any{}
	}
	sum.Extra["dhis2"] = map[string]any{
		"data_element": de.ID, "data_element_code": de.Code, "periods": d.layout.Periods(), "mode": mode,
		"values": res.Values, "withheld_flags": res.Flags, "deletes": res.Deletes,
		"import": "POST /api/dataValueSets?dataElementIdScheme=code&orgUnitIdScheme=code&dryRun=true first (id scheme code; uid needs none), then without dryRun",
	}
	return nil
}

// auditPerturbed checks a release of noisy values: every cell published
// with a count (not negative), and additive when the method says so.
func auditPerturbed(rel *sdc.Release, out *Outcome) error {
	_, err := changedValues(rel, out)
	return err
}

// changedValues returns the values a release of changed values (rounding,
// noise) publishes: every cell's, none negative, adding up when the
// method promises it (checked here, independently of how the method got
// there).
func changedValues(rel *sdc.Release, out *Outcome) ([]int64, error) {
	t := rel.Table()
	values := make([]int64, t.NumCells())
	for c := range values {
		v, ok := rel.Value(c)
		if !ok {
			return nil, fmt.Errorf("the release of changed values withholds %s", t.Label(c))
		}
		if v < 0 {
			return nil, fmt.Errorf("the release publishes %s as %d, a negative count", t.Label(c), v)
		}
		values[c] = v
	}
	if out.Additive {
		if err := rounding.CheckAdditive(t, values); err != nil {
			return nil, fmt.Errorf("the released table is not additive: %w", err)
		}
	}
	return values, nil
}

// Write writes the run's outputs all together, or none of them: per table
// the published CSV (the published view only) and the internal CSV
// (owner-only), then the summary (owner-only), then the method's account
// of the release (a budget ledger), if any.
func (r *Result) Write(ctx context.Context) error {
	o := r.Spec.Outputs
	wo := sdc.WriteOptions{Count: r.Spec.Input.Count, Value: r.Spec.Input.Value}
	if wo.Count == "" {
		wo.Count = "freq"
	}
	var files []sdc.OutputFile
	for _, tb := range r.Tables {
		rel := tb.Release
		pub := func(w io.Writer) error { return sdc.WritePublished(w, rel, wo) }
		if r.dhis2 != nil {
			pub = func(w io.Writer) error {
				_, err := r.dhis2.layout.Write(w, rel, r.dhis2.opt)
				return err
			}
		}
		files = append(files, sdc.OutputFile{Path: WithSuffix(o.Published, tb.Name), Write: pub})
		if o.Internal != "" {
			files = append(files, sdc.OutputFile{Path: WithSuffix(o.Internal, tb.Name), Write: func(w io.Writer) error { return sdc.WriteInternal(w, rel, wo) }, Private: true})
		}
	}
	if o.Summary != "" {
		files = append(files, sdc.OutputFile{Path: o.Summary, Write: r.Summary.WriteJSON, Private: true})
	}
	rfiles, err := reportFiles(o, r.Summary, r.Tables, r.pop)
	if err != nil {
		return err
	}
	files = append(files, rfiles...)
	if r.commit == nil {
		return sdc.WriteFilesAtomicContext(ctx, files)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	file, unlock, err := r.commit.Prepare(r.Summary, paths)
	if err != nil {
		return err
	}
	files = append(files, file)
	err = sdc.WriteFilesAtomicContext(ctx, files)
	unlock()
	if err == nil {
		return nil
	}
	var pe *sdc.PartialWriteError
	if errors.As(err, &pe) && len(pe.Written) > 0 {
		// Some outputs are out: the release stays in its account.
		return fmt.Errorf("%w; the release stays entered in %s as reserved (budget spent)", err, file.Path)
	}
	if cerr := r.commit.Cancel(); cerr != nil {
		return fmt.Errorf("%w; and taking the release back from its account failed: %v", err, cerr)
	}
	return err
}

// reportFiles are the report outputs of a run: the officer's HTML report
// and its JSON (0600), the public variant and its JSON, per table.
func reportFiles(o Outputs, sum *report.Summary, tables []Table, pop report.Population) ([]sdc.OutputFile, error) {
	var files []sdc.OutputFile
	for _, rp := range []struct {
		path   string
		public bool
	}{{o.Report, false}, {o.PublicReport, true}} {
		if rp.path == "" {
			continue
		}
		for _, tb := range tables {
			page, err := report.BuildPageWith(sum, tb.Release, rp.public, pop)
			if err != nil {
				return nil, err
			}
			files = append(files,
				sdc.OutputFile{Path: WithSuffix(rp.path, tb.Name), Write: page.WriteHTML, Private: !rp.public},
				sdc.OutputFile{Path: WithSuffix(jsonBeside(rp.path), tb.Name), Write: page.WriteJSON, Private: !rp.public})
		}
	}
	return files, nil
}
