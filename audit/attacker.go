package audit

import (
	"errors"
	"fmt"
	"math"

	"github.com/tabsdc/tabsdc/sdc"
)

// ErrPolicy is wrapped by the error of an audit whose release contradicts
// the policy its attacker is told (Attacker).
var ErrPolicy = errors.New("audit: the release contradicts the attacker's policy")

// Attacker is what the audit's attacker knows besides the published
// values: the publisher's policy, as the documentation, the options and
// the published files tell it. The audit computes every interval under
// this knowledge, so a release that passes survives an attacker who has
// read everything the publisher has written.
//
// The zero value is the strongest attacker the default policy allows,
// and the safe choice: a field is set to tell the audit that the policy
// gives the attacker less to work with.
//
// Always known, whatever the fields say: counts are non-negative
// integers, every published value, how the cells add up (the
// hierarchies), and which cells are withheld. A published file gives
// every withheld cell one status (sdc.Withheld), so the labels tell
// nothing more: which rule fired, and whether a cell is primary or
// secondary, stay in the internal file.
type Attacker struct {
	// ZerosWithheld says that the policy may withhold a cell whose count
	// is 0 (a frequency rule that protects zeros, or secondary
	// suppression that may choose zeros). Without it the policy never
	// withholds a zero, and the attacker knows that every withheld cell
	// is at least 1; the audit then refuses a release that withholds a
	// zero (the policy would not be the one the attacker is told).
	ZerosWithheld bool
	// IgnoreSingletons leaves out the singleton intruder: a person
	// counted alone in a withheld inner cell (count 1) knows that cell's
	// value, alone or with another such person of one relation
	// (Singletons). Without it, Protect meets that intruder too.
	IgnoreSingletons bool
}

// MinWithheld is the least value the attacker knows a withheld cell to
// have: 1 when the policy never withholds a zero, else 0.
func (a Attacker) MinWithheld() float64 {
	if a.ZerosWithheld {
		return 0
	}
	return 1
}

// Knowledge lists what the attacker knows, one sentence each, for the
// summary and the internal file's header.
func (a Attacker) Knowledge() []string {
	k := []string{
		"every published value and how cells add up along each hierarchy",
		"counts are non-negative integers",
		"which cells are withheld (one public status, suppressed: not which rule fired, nor primary from secondary)",
	}
	if a.ZerosWithheld {
		k = append(k, "a withheld cell may be 0 (the policy may withhold zeros)")
	} else {
		k = append(k, "every withheld cell is at least 1 (the policy never withholds a zero)")
	}
	if !a.IgnoreSingletons {
		k = append(k, "a person counted alone in a withheld cell knows it is 1, alone or with one other such person of the same total")
	}
	return k
}

// String is the knowledge in one line.
func (a Attacker) String() string {
	s := ""
	for i, k := range a.Knowledge() {
		if i > 0 {
			s += "; "
		}
		s += k
	}
	return s
}

// check returns an error when rel contradicts the policy the attacker is
// told: a withheld cell of count 0 where the policy never withholds one.
func (a Attacker) check(rel *sdc.Release) error {
	if a.ZerosWithheld {
		return nil
	}
	t := rel.Table()
	for c, st := range rel.Statuses() {
		if st.Suppressed() && t.Freq(c) == 0 {
			return fmt.Errorf("%w: %s is withheld with a count of 0, but the policy never withholds a zero (every withheld cell is known to be at least 1); publish it, or declare that zeros may be withheld (Attacker.ZerosWithheld)", ErrPolicy, t.Label(c))
		}
	}
	return nil
}

// cellLower is the attacker's lower bound of cell c before any
// propagation: MinWithheld for a withheld cell, 0 for a hidden one.
func (a Attacker) cellLower(rel *sdc.Release, c int) float64 {
	if rel.Suppressed(c) {
		return a.MinWithheld()
	}
	return 0
}

// bounds returns the attacker's bounds of each withheld or hidden cell
// before propagation, for propagateCellsFrom.
func (a Attacker) bounds(rel *sdc.Release) func(c int) (lo, hi float64) {
	return func(c int) (float64, float64) { return a.cellLower(rel, c), math.Inf(1) }
}
