package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// AuditOptions configures AuditPattern.
type AuditOptions struct {
	// Pattern is the CSV listing every publishable cell once with its
	// status: protect's internal or published file, or another tool's
	// pattern in that layout (sdc.ReadPatternOptions).
	Pattern string
	// Screen runs the screen by bound propagation first: when it finds
	// cells that certainly fail, no LP audit runs.
	Screen bool
	// PublishZeros: the pattern's policy never withholds a zero count (the
	// attacker knows every withheld cell to be at least 1).
	PublishZeros bool
	// NoSingletons leaves out the singleton intruder.
	NoSingletons bool
	// Command is the command line, for the summary and the report.
	Command string
	// FullAudit computes every withheld cell's exact interval.
	FullAudit bool
	// Progress receives a line of progress; nil prints nothing.
	Progress func(msg string)
	// Now is the date for the summary; zero means time.Now.
	Now time.Time
}

// AuditResult is the audit of a given pattern. Unlike Run, a failed audit
// is a result, not an error: its summary and (unless the screen failed)
// the pattern with each withheld cell's interval are written by Write for
// the officer to read.
type AuditResult struct {
	Spec    *Spec
	Release *sdc.Release
	Summary *report.Summary
	// Failing lists the primary cells disclosed or narrower than their
	// requirement (by the audit, the singleton check, or the screen when
	// Screened).
	Failing []audit.Finding
	// Screened: the screen found cells failing and no LP audit ran.
	Screened bool
	// NoPrimary: the spec names no rule, so no withheld cell is audited as
	// primary (disclosure only is checked).
	NoPrimary bool
	log       *inputLog
}

// Passed reports whether no cell fails.
func (r *AuditResult) Passed() bool { return len(r.Failing) == 0 }

// validateAudit checks a spec for AuditPattern: an input, rules (optional:
// without one only disclosure is checked), a requirement; no linked
// tables, no method, no published output.
func (s *Spec) validateAudit() error {
	if err := s.Input.validate(); err != nil {
		return err
	}
	switch {
	case len(s.Tables) > 0:
		return specErr("tables", "an audit reads one pattern of one table")
	case !reflect.DeepEqual(s.Method, MethodSpec{}):
		return specErr("method", "an audit runs no method: it reads a given pattern")
	case s.Outputs.Published != "":
		return specErr("outputs.published", "an audit publishes nothing: give internal, summary or reports")
	}
	if err := s.Rules.Validate(); err != nil {
		return err
	}
	return s.Requirement.validate()
}

// AuditPattern audits a given pattern of the table a spec's input
// describes, against the attacker the options' policy states: the
// pattern's primary cells are those of the spec's rules (a published file
// does not tell them apart, and an internal file from other rules must
// not pass for these), each with the spec's requirement (the frequency
// requirement of rules.max_n when none is given).
func AuditPattern(ctx context.Context, spec *Spec, opt AuditOptions) (*AuditResult, error) {
	s := *spec
	if err := s.validateAudit(); err != nil {
		return nil, err
	}
	if opt.Pattern == "" {
		return nil, errors.New("pipeline: AuditPattern without a pattern")
	}
	outs := []report.InputFile{{Role: "outputs.internal", Path: s.Outputs.Internal}, {Role: "outputs.summary", Path: s.Outputs.Summary}}
	for _, p := range s.OutputPaths() {
		if strings.Contains(p.Role, "report") {
			outs = append(outs, p)
		}
	}
	if err := CheckPaths(append(s.InputPaths(), report.InputFile{Role: "pattern", Path: opt.Pattern}), outs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	say, now := progressOr(opt.Progress), nowOr(opt.Now)
	req := s.requirement()
	att := audit.Attacker{ZerosWithheld: !opt.PublishZeros || s.Rules.ProtectZeros, IgnoreSingletons: opt.NoSingletons}
	aopt := audit.Options{Default: req, Full: opt.FullAudit, Attacker: att}
	sum := &report.Summary{Tool: Version(), Date: now.UTC().Format(time.RFC3339), Method: "audit of a given pattern", Attacker: report.AttackerOf(att), Command: opt.Command, Policy: s.Describe()}

	sum.Begin("read")
	log := &inputLog{}
	t, err := s.readTable(log)
	if err != nil {
		return nil, err
	}
	f, err := log.open("pattern", opt.Pattern)
	if err != nil {
		return nil, err
	}
	rel, err := sdc.ReadPatternOptions(f, t, sdc.PatternOptions{Name: opt.Pattern, Count: s.Input.Count})
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", opt.Pattern, cerr)
	}
	if err != nil {
		return nil, err // ReadPatternOptions names the file
	}
	sum.End("read")
	res := &AuditResult{Spec: &s, Release: rel, Summary: sum, log: log}
	if s.Rules.any() || s.Rules.SuppressCells != "" || s.Rules.PublishCells != "" {
		rules, popt, err := s.Rules.build(t, log)
		if err != nil {
			return nil, err
		}
		prim, _, err := suppress.Primary(ctx, t, rules, popt)
		if err != nil {
			return nil, err
		}
		if err := sdc.ApplyPrimary(rel, prim); err != nil {
			return nil, fmt.Errorf("%s: %w", opt.Pattern, err)
		}
	} else if n := rel.Count(sdc.Withheld); n > 0 {
		res.NoPrimary = true
		say(fmt.Sprintf("audit: no primary rule, so none of the %d suppressed cells is audited as primary (only disclosure is checked)", n))
	}
	rel.SetNotes(sum.Attacker.Notes()...)
	if opt.Screen {
		sum.Begin("screen")
		sc, err := audit.Screen(ctx, rel, aopt)
		if err != nil {
			return nil, err
		}
		sum.End("screen")
		say(fmt.Sprintf("screen: %d cells, %d disclosed, %d under-protected", sc.Audited, len(sc.Disclosed), len(sc.UnderProtected)))
		if !sc.Passed() {
			sum.Audit = report.OutcomeOf(sc, nil, true)
			sum.Count(rel)
			res.Failing, res.Screened = failing(sc, nil), true
			return res.finish(&s)
		}
	}
	sum.Begin("audit")
	last := 0
	aopt.Progress = func(done, total int) {
		// Every tenth of the way on long audits.
		if total > 5000 && done < total && 10*done/total > last {
			last = 10 * done / total
			say(fmt.Sprintf("audit: %d of %d cells", done, total))
		}
	}
	a, err := audit.Audit(ctx, rel, aopt)
	if err != nil {
		return nil, err
	}
	sum.End("audit")
	say(fmt.Sprintf("audit: %d cells, %d disclosed, %d under-protected (%d components, largest %d unknowns)",
		a.Audited, len(a.Disclosed), len(a.UnderProtected), a.Components, a.Largest))
	var sg *audit.SingletonResult
	if a.Passed() && !att.IgnoreSingletons {
		// The singleton intruder, on the pattern the audit passed.
		if sg, err = audit.Singletons(ctx, rel, aopt); err != nil {
			return nil, err
		}
		say(fmt.Sprintf("singletons: %d intruders, %d pairs; %d primary cells disclosed to one, %d under-protected", sg.Intruders, sg.Pairs, len(sg.Disclosed), len(sg.UnderProtected)))
	}
	sum.Audit = report.OutcomeOf(a, sg, false)
	sum.Count(rel)
	res.Failing = failing(a, sg)
	return res.finish(&s)
}

// finish records the spec and the input files in the summary.
func (r *AuditResult) finish(s *Spec) (*AuditResult, error) {
	r.Summary.Spec = s
	r.Summary.Inputs = r.log.files
	return r, nil
}

func failing(a *audit.Result, sg *audit.SingletonResult) []audit.Finding {
	out := append(append([]audit.Finding(nil), a.Disclosed...), a.UnderProtected...)
	if sg != nil {
		out = append(append(out, sg.Disclosed...), sg.UnderProtected...)
	}
	return out
}

// Write writes the audit's outputs all together, or none of them: the
// pattern with each withheld cell's interval (outputs.internal; not when
// the screen failed, since no interval was computed) and the summary.
func (r *AuditResult) Write(ctx context.Context) error {
	o := r.Spec.Outputs
	wo := sdc.WriteOptions{Count: r.Spec.Input.Count, Value: r.Spec.Input.Value}
	var files []sdc.OutputFile
	if o.Internal != "" && !r.Screened {
		files = append(files, sdc.OutputFile{Path: o.Internal, Write: func(w io.Writer) error { return sdc.WriteInternal(w, r.Release, wo) }, Private: true})
	}
	if o.Summary != "" {
		files = append(files, sdc.OutputFile{Path: o.Summary, Write: r.Summary.WriteJSON, Private: true})
	}
	if !r.Screened {
		pop, err := r.Spec.readPopulation(nil)
		if err != nil {
			return err
		}
		rfiles, err := reportFiles(o, r.Summary, []Table{{Release: r.Release}}, pop)
		if err != nil {
			return err
		}
		files = append(files, rfiles...)
	}
	return sdc.WriteFilesAtomicContext(ctx, files)
}
