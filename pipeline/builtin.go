package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/tabsdc/tabsdc/audit"

	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// The built-in methods: suppression (gauss, none) and rounding
// (small-count, controlled, random).
func init() {
	Register("gauss", func(m MethodSpec) (Method, error) { return gauss{m}, nil })
	Register("none", func(MethodSpec) (Method, error) { return none{}, nil })
	for _, name := range []string{"small-count", "controlled", "random"} {
		Register(name, func(m MethodSpec) (Method, error) { return round{m}, nil })
	}
}

// gauss is secondary suppression by Gaussian elimination with the audit
// and repair loop of suppress.ProtectLinked.
type gauss struct{ spec MethodSpec }

func (g gauss) Protect(ctx context.Context, job *Job) (*Outcome, error) {
	rels := make([]*sdc.Release, len(job.Tables))
	for i, t := range job.Tables {
		rels[i] = t.Release
	}
	m := g.spec
	// A magnitude table is protected on its values first (to the rules'
	// protection levels, a primary cell without levels against disclosure);
	// the cells that takes stay withheld when the counts are.
	var gopt suppress.GaussOptions
	if len(rels) == 1 && rels[0].Table().ExactValues() && !m.ExactOnly {
		extra, unresolved, err := protectValues(ctx, rels[0], m, job.Progress)
		if err != nil {
			return nil, err
		}
		if len(unresolved) > 0 {
			return &Outcome{Releases: rels, Kind: Withheld, Unresolved: unresolved}, nil
		}
		if job.SumsOnly {
			// The counts are not published: the value pattern is the release.
			for _, x := range extra {
				rels[0].Set(x.Cell, sdc.Secondary, "protects a value")
			}
			return &Outcome{Releases: rels, Kind: Withheld, Attacker: audit.Attacker{ZerosWithheld: true}, Method: "suppression of sums (secondary: gauss on values)"}, nil
		}
		gopt.Extra, gopt.ExtraReason = extra, "protects a value"
	}
	res, err := suppress.ProtectLinked(ctx, job.Base, rels, suppress.ProtectOptions{
		Gauss:          gopt,
		ZerosPublished: m.PublishZeros,
		Attacker:       job.Attacker,
		Default:        job.Requirement,
		ExactOnly:      m.ExactOnly,
		MaxRounds:      m.MaxRounds,
		FullAudit:      m.FullAudit,
		NoCleanup:      m.NoCleanup,
		Progress:       job.Progress,
		Steps:          job.Steps,
	})
	if err != nil {
		return nil, err
	}
	return &Outcome{
		Releases:   rels,
		Kind:       Withheld,
		Attacker:   res.Attacker,
		Unresolved: res.Unresolved,
		Method:     "suppression (secondary: gauss)",
		Evidence: &Evidence{
			Audit: res.Audit, Screen: res.Screen, Singletons: res.Singletons,
			Rounds: res.Rounds, Audits: res.Audits, Extra: len(res.Extra), Republished: len(res.Republished),
		},
	}, nil
}

// none is primary suppression only.
type none struct{}

func (none) Protect(_ context.Context, job *Job) (*Outcome, error) {
	rels := make([]*sdc.Release, len(job.Tables))
	for i, t := range job.Tables {
		rels[i] = t.Release
	}
	return &Outcome{Releases: rels, Kind: Unprotected, Attacker: job.Attacker, Method: "suppression (secondary: none)"}, nil
}

// round is rounding of every count: small-count, controlled or random.
type round struct{ spec MethodSpec }

// roundOutcome is the rounding part of the JSON summary.
type roundOutcome struct {
	Method   string           `json:"method"`
	Base     int64            `json:"base"`
	MaxRound int64            `json:"max_round,omitempty"`
	Additive bool             `json:"additive"`
	Metrics  rounding.Metrics `json:"metrics"`
}

func (r round) Protect(ctx context.Context, job *Job) (*Outcome, error) {
	if len(job.Tables) != 1 {
		return nil, errors.New("rounding releases one table")
	}
	t := job.Tables[0].Release.Table()
	m := r.spec
	var res *rounding.Result
	var err error
	switch m.Name {
	case "small-count":
		res, err = rounding.SmallCount(ctx, t, rounding.SmallCountOptions{Base: m.Base, MaxRound: m.MaxRound, UpFromZero: m.UpFromZero, Seed: m.Seed})
	case "controlled":
		res, err = rounding.Controlled(ctx, t, rounding.ControlledOptions{Base: m.Base, Deterministic: m.Deterministic})
	default:
		res, err = rounding.Random(ctx, t, rounding.RandomOptions{Base: m.Base})
	}
	if err != nil {
		return nil, err
	}
	rule := res.Rule
	additive := m.Name != "random"
	return &Outcome{
		Releases: []*sdc.Release{res.Release},
		Kind:     Changed,
		Additive: additive,
		Rounding: &rule,
		Method:   "rounding (" + m.Name + ")",
		Summary: map[string]any{"rounding": roundOutcome{
			Method: m.Name, Base: rule.Base, MaxRound: rule.MaxRound, Additive: additive, Metrics: res.Metrics,
		}},
	}, nil
}

// protectValues protects a magnitude release on its values: Gauss and the
// audit-and-repair loop on the table of its sums (sdc.ValueTable: whole
// units, so Gauss's cost order is the value, as in tau-ARGUS), each
// sensitive cell against its protection levels, for the outside attacker
// and for every contributor alone in a withheld cell (who knows its
// value). It returns the cells the
// value pattern withholds besides the primary ones, for the counts' run
// to keep withheld, and the cells it could not protect.
func protectValues(ctx context.Context, rel *sdc.Release, m MethodSpec, progress func(string)) ([]suppress.GaussCell, []audit.Finding, error) {
	t := rel.Table()
	vt, err := sdc.ValueTable(t)
	if err != nil {
		return nil, nil, err
	}
	vrel := sdc.NewRelease(vt)
	for c := 0; c < t.NumCells(); c++ {
		if rel.Status(c) == sdc.Primary {
			vrel.Set(c, sdc.Primary, rel.Reason(c))
		}
		if rel.Fixed(c) {
			vrel.Fix(c)
		}
	}
	unit := math.Pow(10, float64(t.Decimals()))
	say := func(msg string) {
		if progress != nil {
			progress("values: " + msg)
		}
	}
	var gopt suppress.GaussOptions // cost: the value (the value table's count)
	switch m.Cost {
	case "count":
		gopt.Cost = func(_ *sdc.Table, c int) float64 { return float64(t.Freq(c)) }
	case "unity":
		gopt.Cost = func(*sdc.Table, int) float64 { return 1 }
	}
	res, err := suppress.ProtectLinked(ctx, vt, []*sdc.Release{vrel}, suppress.ProtectOptions{
		Gauss: gopt,
		Requirement: func(c int) audit.Requirement {
			u, l, ok := rel.Levels(c)
			if !ok {
				return audit.Requirement{}
			}
			return audit.Requirement{Upper: math.Ceil(u*unit - 1e-6), Lower: math.Ceil(l*unit - 1e-6)}
		},
		// A withheld value may be 0; a contributor alone in a withheld
		// cell knows its value, alone or with one other such.
		Attacker:  audit.Attacker{ZerosWithheld: true},
		Intruder:  func(c int) bool { return t.Contributors(c) == 1 },
		MaxRounds: m.MaxRounds,
		NoCleanup: m.NoCleanup,
		Progress:  say,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("protecting the values: %w", err)
	}
	if len(res.Unresolved) > 0 {
		return nil, res.Unresolved, nil
	}
	var extra []suppress.GaussCell
	for c := 0; c < t.NumCells(); c++ {
		if vrel.Suppressed(c) && rel.Status(c) != sdc.Primary {
			extra = append(extra, suppress.GaussCell{Cell: c})
		}
	}
	return extra, nil, nil
}
