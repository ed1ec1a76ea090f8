package pipeline

import (
	"context"
	"errors"

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
	res, err := suppress.ProtectLinked(ctx, job.Base, rels, suppress.ProtectOptions{
		ZerosPublished: m.PublishZeros,
		Attacker:       job.Attacker,
		Default:        job.Requirement,
		ExactOnly:      m.ExactOnly,
		MaxRounds:      m.MaxRounds,
		FullAudit:      m.FullAudit,
		NoCleanup:      m.NoCleanup,
		Progress:       job.Progress,
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
