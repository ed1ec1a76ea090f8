package pipeline

import (
	"fmt"
	"strings"
)

// Describe says the spec's rules, method and requirement in words a
// person who does not program reads, one sentence each.
func (s *Spec) Describe() []string {
	var out []string
	r := s.Rules
	if r.MaxN > 0 {
		zero := ""
		if r.ProtectZeros {
			zero = ", and so are zeros"
		}
		out = append(out, fmt.Sprintf("Counts from 1 to %d are withheld%s (the frequency rule).", r.MaxN, zero))
	}
	if r.MinContributors > 0 {
		out = append(out, fmt.Sprintf("A cell with fewer than %d contributors is withheld.", r.MinContributors))
	}
	for _, d := range r.Dominance {
		out = append(out, fmt.Sprintf("A cell whose %d largest contributors hold more than %g %% of its value is withheld (dominance rule).", d.N, d.K))
	}
	if p := r.PPercent; p != nil {
		out = append(out, fmt.Sprintf("A cell from which a contributor could estimate another's value to within %g %% is withheld (p%% rule).", p.P))
	}
	if q := r.PQ; q != nil {
		out = append(out, fmt.Sprintf("The pq rule (p %g, q %g) withholds cells whose contributors could estimate each other too closely.", q.P, q.Q))
	}
	if r.SuppressCells != "" {
		out = append(out, "Cells listed by hand ("+r.SuppressCells+") are withheld.")
	}
	if r.PublishCells != "" {
		out = append(out, "Cells listed by hand ("+r.PublishCells+") stay published.")
	}
	m := s.Method
	switch m.Name {
	case "gauss":
		out = append(out, "More cells are withheld (secondary suppression by Gaussian elimination) until no withheld value can be worked out from the published ones.")
		switch {
		case m.ExactOnly:
			out = append(out, "The audit checks that no withheld value can be worked out exactly.")
		case s.Requirement == (Requirement{}) && r.MaxN > 0:
			out = append(out, fmt.Sprintf("An attacker's linear-programming audit shows every withheld count to lie in an interval at least %d wide.", r.MaxN+1))
		default:
			out = append(out, "An attacker's linear-programming audit checks every withheld cell against the requirement: "+s.Requirement.words()+".")
		}
		if m.PublishZeros {
			out = append(out, "Zeros are never withheld, and readers are told so.")
		} else {
			out = append(out, "Zeros may be withheld like any other count.")
		}
	case "none":
		out = append(out, "Only the cells the rules flag are withheld: their values can be recalculated from the totals. This release is NOT protected.")
	case "small-count":
		out = append(out, fmt.Sprintf("Counts from 1 to %d are rounded to 0 or %d (small-count rounding); every total is the sum of its rounded cells, so the table adds up.", max(m.MaxRound, m.Base-1), m.Base))
	case "controlled":
		out = append(out, fmt.Sprintf("Every cell is rounded to a multiple of %d next to it (controlled rounding); the table adds up.", m.Base))
	case "random":
		out = append(out, fmt.Sprintf("Every cell is rounded on its own to a multiple of %d next to it (random rounding); the table does not add up.", m.Base))
	case "dp":
		out = append(out, fmt.Sprintf("Every count is published with %s noise from Google's differential-privacy library: the release is differentially private with ε = %g, δ = %g.", m.Mechanism, m.Epsilon, m.Delta))
		if s.Input.EachPersonOnce {
			out = append(out, "Each person counts once, in one cell.")
		} else {
			out = append(out, fmt.Sprintf("Each person's records count in at most %d cells, at most %d in each.", m.L0, m.LInf))
		}
		out = append(out, "The noisy counts are combined into one table of whole, non-negative numbers that adds up.")
	case "cellkey":
		out = append(out, "Every cell, totals included, is perturbed by the cell key method: the same cell gets the same value in every table; the table does not add up.")
	default:
		out = append(out, "Method "+m.Name+".")
	}
	return out
}

func (rq Requirement) words() string {
	var parts []string
	if rq.RangeMin > 0 {
		parts = append(parts, fmt.Sprintf("an interval at least %g wide", rq.RangeMin))
	}
	if rq.RangePercent > 0 {
		parts = append(parts, fmt.Sprintf("an interval at least %g %% of the value wide", rq.RangePercent))
	}
	if rq.UpperLevel > 0 || rq.LowerLevel > 0 {
		parts = append(parts, fmt.Sprintf("reaching %g above and %g below the value", rq.UpperLevel, rq.LowerLevel))
	}
	if len(parts) == 0 {
		return "the rules' protection levels"
	}
	return strings.Join(parts, "; ")
}

// seedPolicy says where a run's randomness comes from.
func (s *Spec) seedPolicy() string {
	m := s.Method
	switch m.Name {
	case "gauss", "none":
		return "none: the same input and spec give the same release"
	case "small-count":
		return fmt.Sprintf("seed %d: the same seed gives the same release", m.Seed)
	case "controlled":
		if m.Deterministic {
			return "none: deterministic"
		}
		return "crypto/rand: an unbiased draw, different in every run"
	case "random":
		return "crypto/rand: different in every run"
	case "dp":
		return "crypto/rand through the differential-privacy library's samplers: cannot be seeded; every run draws new noise (and spends budget)"
	case "cellkey":
		return "none beyond the record keys: the same secret and records give the same release"
	}
	return ""
}
