package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

// A Method protects the tables of one run. It is the pipeline's extension
// point: a method registered under a name (Register) is run by a spec
// whose method.name is that name, and its release is audited, counted and
// written like the built-in ones'.
type Method interface {
	// Protect returns the protected releases, one per job table in order.
	// It may change the statuses of job.Tables' releases in place.
	Protect(ctx context.Context, job *Job) (*Outcome, error)
}

// A Job is what a method is given: the tables of the run, each with its
// primary suppression done, and the policy.
type Job struct {
	// Base is the input table; Tables the released ones (Base itself
	// when the spec names no linked tables), with their releases after
	// the primary rules.
	Base   *sdc.Table
	Tables []Table
	// Spec is the method's part of the spec.
	Spec MethodSpec
	// Requirement is every primary cell's requirement for the attacker;
	// Attacker what the rules tell the attacker before the method's own
	// policy (Rules.ProtectZeros: zeros may be withheld).
	Requirement audit.Requirement
	Attacker    audit.Attacker
	// SumsOnly: the release publishes a magnitude table's sums without
	// its counts (outputs.sums_only): only the values need protecting.
	SumsOnly bool
	// Records are the input's records, one by one, with the columns the
	// spec names for methods that need them (input.person, record_key,
	// record_id, in that order), when the input is records and a method
	// needs them; Base is then their table.
	Records *sdc.UnitRecords
	// inputs records the files a method reads (hashed into the summary).
	inputs *inputLog
	// Progress receives a line of progress (never nil); Warn a warning
	// the run must not keep quiet (never nil).
	Progress func(msg string)
	Warn     func(msg string)
	// Steps, when set, is told how far a long stage is (Options.Steps).
	Steps func(stage string, done, total int)
}

// Table is one released table of a run.
type Table struct {
	Name    string // "" for the input table itself
	Release *sdc.Release
}

// Kind says how a release must be audited.
type Kind int

const (
	// Withheld: cells are published with their true value or withheld;
	// the audit is the attacker's LP (audit.Audit) and the singleton
	// intruder (audit.Singletons).
	Withheld Kind = iota
	// Changed: every cell is published with a changed value (rounding);
	// the audit checks additivity and derives each cell's interval.
	Changed
	// Unprotected: primary suppression only (method none); nothing to
	// audit, and the run warns.
	Unprotected
	// Perturbed: every cell is published with a noisy value (dp,
	// cellkey). The pipeline checks that every value is a count (not
	// negative) and, when the method promises it (Additive), that the
	// table adds up; the guarantee is the method's (differential privacy,
	// or the perturbation table), and its intervals are the method's.
	Perturbed
)

// Outcome is what a method returns.
type Outcome struct {
	Releases []*sdc.Release
	Kind     Kind
	// Attacker is the policy the method followed: whether it withholds
	// zeros (the pipeline's audit then knows a withheld cell only to be
	// at least 0). The pipeline's attacker always has the singleton
	// intruder, whatever this says.
	Attacker audit.Attacker
	// Unresolved lists cells the method could not protect: nothing is
	// published.
	Unresolved []audit.Finding
	// Evidence is what the method's own audits of its final pattern
	// found, if it ran any (Withheld): its repair-loop counts go into the
	// summary, and its audit may seed the pipeline's (Options.Prior) when
	// it fits the final release. The verdict is always the pipeline's own
	// audit.
	Evidence *Evidence
	// Additive: a Changed release the method promises is additive (the
	// pipeline checks it). Rounding is, for Changed, what an attacker may
	// assume about the published values; the pipeline derives each
	// cell's interval from it.
	Additive bool
	Rounding *rounding.Rule
	// Summary holds method-specific facts for the summary's "extra".
	Summary map[string]any
	// Method is the name the summary gives the method.
	Method string
	// Commit, when set, is an account the release must be entered in (a
	// privacy budget ledger), written with the outputs: after them, in the
	// same all-or-nothing write.
	Commit Commit
}

// A Commit is an account a release is entered in (noise's budget
// ledger): the method enters the release before it draws noise; Prepare
// is called just before the outputs are written, with the run's summary
// and the output paths, takes what lock it needs and returns the
// account's new file, written after every output in the same write, and a
// function that releases the lock once the files are written or not.
// Cancel takes the entry back when nothing of the release was published
// or returned (the run failed, or its write failed before any file was
// written); after a write that left some files, the entry stays.
type Commit interface {
	Prepare(sum *report.Summary, outputs []string) (sdc.OutputFile, func(), error)
	Cancel() error
}

// Evidence is a method's audit of its final pattern.
type Evidence struct {
	Audit      *audit.Result
	Screen     *audit.Result
	Singletons *audit.SingletonResult
	// Rounds, Audits, Extra and Republished describe a repair loop.
	Rounds, Audits, Extra, Republished int
}

// A Factory makes a method from its spec (already validated).
type Factory func(MethodSpec) (Method, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register adds a method under name, for specs whose method.name is name.
// Registering a name twice, or a built-in name, panics (as
// database/sql.Register does): it is a programming error.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, ok := registry[name]; ok || name == "" || f == nil {
		panic(fmt.Sprintf("pipeline: Register %q twice, empty or nil", name))
	}
	registry[name] = f
}

func lookup(name string) (Factory, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	f, ok := registry[name]
	return f, ok
}

// Methods lists the registered method names, sorted.
func Methods() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var out []string
	for name := range registry {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
