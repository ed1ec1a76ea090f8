package suppress

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/tabsdc/tabsdc/sdc"
)

// Rule is a primary sensitivity rule. It is evaluated on every publishable
// cell, totals included.
type Rule interface {
	// Name is a short name for summaries, such as "frequency".
	Name() string
	// Sensitive reports whether cell c of t is sensitive, and why, in words
	// a person can read ("frequency 2 ≤ maxN 4").
	Sensitive(t *sdc.Table, c int) (reason string, sensitive bool)
	// Check validates the rule's parameters against the table (Primary
	// calls it before any cell): a rule that cannot work on t says why.
	Check(t *sdc.Table) error
}

// Frequency is the threshold rule: a count in 1..MaxN is sensitive, and a
// zero count is sensitive when ProtectZeros is set.
type Frequency struct {
	MaxN         int
	ProtectZeros bool
	reasons      []string
}

// NewFrequency returns a frequency rule; maxN must be at least 1.
func NewFrequency(maxN int, protectZeros bool) (*Frequency, error) {
	if maxN < 1 {
		return nil, fmt.Errorf("frequency rule: maxN %d must be at least 1", maxN)
	}
	// Reasons are formatted once for the small counts (every threshold in
	// use); larger ones, if any, when asked for: a huge maxN must not
	// allocate a string per count.
	n := min(maxN, maxPreformatted)
	f := &Frequency{MaxN: maxN, ProtectZeros: protectZeros, reasons: make([]string, n+1)}
	f.reasons[0] = "frequency 0 (zeros protected)"
	for v := 1; v <= n; v++ {
		f.reasons[v] = fmt.Sprintf("frequency %d ≤ maxN %d", v, maxN)
	}
	return f, nil
}

// Name implements Rule.
func (f *Frequency) Name() string { return "frequency" }

// Sensitive implements Rule.
func (f *Frequency) Sensitive(t *sdc.Table, c int) (string, bool) {
	v := t.Freq(c)
	if v > int64(f.MaxN) || (v == 0 && !f.ProtectZeros) {
		return "", false
	}
	if f.reasons == nil { // built as a literal rather than by NewFrequency
		if v == 0 {
			return "frequency 0 (zeros protected)", true
		}
		return fmt.Sprintf("frequency %d ≤ maxN %d", v, f.MaxN), true
	}
	if v < int64(len(f.reasons)) {
		return f.reasons[v], true
	}
	return fmt.Sprintf("frequency %d ≤ maxN %d", v, f.MaxN), true
}

// maxPreformatted is the largest count whose frequency reason NewFrequency
// formats in advance.
const maxPreformatted = 1024

// MinContributors makes a cell sensitive when it has at least one but fewer
// than N distinct contributors (for a magnitude table). N = 2 is the
// "only one contributor" rule; N = 3 guards against a pair of contributors
// who each know their own share.
type MinContributors struct {
	N int
}

// Name implements Rule.
func (m MinContributors) Name() string { return "contributors" }

// Sensitive implements Rule.
func (m MinContributors) Sensitive(t *sdc.Table, c int) (string, bool) {
	n := t.Contributors(c)
	if n < 1 || n >= m.N {
		return "", false
	}
	if n == 1 {
		return fmt.Sprintf("1 contributor < %d", m.N), true
	}
	return fmt.Sprintf("%d contributors < %d", n, m.N), true
}

// Dominance is the (n,k) rule of a magnitude table: a cell is sensitive when
// its N largest contributors hold more than K percent of its value.
type Dominance struct {
	N int
	K float64 // percent, 0 < K < 100
}

// Name implements Rule.
func (d Dominance) Name() string { return fmt.Sprintf("dominance(%d,%s)", d.N, pct(d.K)) }

// Sensitive implements Rule.
func (d Dominance) Sensitive(t *sdc.Table, c int) (string, bool) {
	total := t.Value(c)
	if total <= 0 {
		return "", false
	}
	s := 0.0
	for i := 0; i < d.N; i++ {
		s += t.Top(c, i)
	}
	share := 100 * s / total
	if share <= d.K {
		return "", false
	}
	who := "largest contributor"
	if d.N > 1 {
		who = fmt.Sprintf("%d largest contributors", d.N)
	}
	return fmt.Sprintf("%s %s%% > k %s%%", who, pct(math.Floor(share*10)/10), pct(d.K)), true
}

// PPercent is the p% rule of a magnitude table: a cell is sensitive when the
// largest contributor's value can be estimated to within P percent by a
// coalition of the next Coalition largest contributors, that is, when
// value − x1 − x2 − … − x(Coalition+1) < P/100 · x1.
type PPercent struct {
	P         float64 // percent
	Coalition int     // the number of intruding contributors; 0 means 1
}

// Name implements Rule.
func (p PPercent) Name() string { return fmt.Sprintf("p%%(%s)", pct(p.P)) }

// Sensitive implements Rule.
func (p PPercent) Sensitive(t *sdc.Table, c int) (string, bool) {
	return pqSensitive(t, c, p.P, 100, p.Coalition, "p")
}

// PQ is the pq rule: with prior knowledge of every contribution to within Q
// percent, a cell is sensitive when the largest contribution can be
// estimated to within P percent: (value − x1 − x2) · Q < P · x1 (coalition
// of one; Coalition widens it as for PPercent).
type PQ struct {
	P, Q      float64 // percent, P < Q ≤ 100
	Coalition int
}

// Name implements Rule.
func (p PQ) Name() string { return fmt.Sprintf("pq(%s,%s)", pct(p.P), pct(p.Q)) }

// Sensitive implements Rule.
func (p PQ) Sensitive(t *sdc.Table, c int) (string, bool) {
	return pqSensitive(t, c, p.P, p.Q, p.Coalition, "p/q")
}

func pqSensitive(t *sdc.Table, c int, p, q float64, coalition int, label string) (string, bool) {
	if coalition < 1 {
		coalition = 1
	}
	total := t.Value(c)
	x1 := t.Top(c, 0)
	if total <= 0 || x1 <= 0 {
		return "", false
	}
	rest := total
	for i := 0; i <= coalition; i++ {
		rest -= t.Top(c, i)
	}
	rest = math.Max(rest, 0)
	if rest*q >= p*x1 {
		return "", false
	}
	margin := 100 * rest / x1
	if label == "p" {
		return fmt.Sprintf("remainder %s%% of the largest contribution < p %s%%", pct(math.Floor(margin*10)/10), pct(p)), true
	}
	return fmt.Sprintf("remainder %s%% of the largest contribution < p/q %s%%/%s%%", pct(math.Floor(margin*10)/10), pct(p), pct(q)), true
}

// Forced makes a fixed list of cells sensitive: the officer's manual
// suppressions.
type Forced struct {
	cells  map[int]bool
	Reason string
}

// NewForced returns a rule that suppresses the given cells with the given
// reason ("" means "suppressed by hand").
func NewForced(cells []int, reason string) *Forced {
	f := &Forced{cells: make(map[int]bool, len(cells)), Reason: reason}
	if f.Reason == "" {
		f.Reason = "suppressed by hand"
	}
	for _, c := range cells {
		f.cells[c] = true
	}
	return f
}

// Name implements Rule.
func (f *Forced) Name() string { return "manual" }

// Sensitive implements Rule.
func (f *Forced) Sensitive(t *sdc.Table, c int) (string, bool) {
	if f.cells[c] {
		return f.Reason, true
	}
	return "", false
}

// pct formats a percentage without trailing zeros.
func pct(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// PrimaryOptions configures Primary.
type PrimaryOptions struct {
	// Publish lists cells that must be published whatever the rules say
	// (the officer's decision); they are marked Fixed on the release, so
	// secondary suppression never picks them either.
	Publish []int
}

// PrimaryResult counts what the primary rules did.
type PrimaryResult struct {
	// Cells is the number of primary cells.
	Cells int
	// ByRule gives, for each rule in order, the number of cells where it
	// fired (a cell where several rules fire counts for each).
	ByRule []int
	// Overridden is the number of cells a rule fired on but that were
	// published because the options said so.
	Overridden int
}

// Primary evaluates every rule on every publishable cell of t and returns a
// release in which each sensitive cell is Primary, with the reason of the
// first rule that fired. It stops early when ctx is cancelled.
func Primary(ctx context.Context, t *sdc.Table, rules []Rule, opt PrimaryOptions) (*sdc.Release, PrimaryResult, error) {
	res := PrimaryResult{ByRule: make([]int, len(rules))}
	if len(rules) == 0 {
		return nil, res, fmt.Errorf("primary suppression: no rules")
	}
	for i, r := range rules {
		if r == nil {
			return nil, res, fmt.Errorf("primary suppression: rule %d is nil", i+1)
		}
		if err := r.Check(t); err != nil {
			return nil, res, fmt.Errorf("primary suppression: rule %s: %w", r.Name(), err)
		}
	}
	rel := sdc.NewRelease(t)
	for _, c := range opt.Publish {
		if c < 0 || c >= t.NumCells() {
			return nil, res, fmt.Errorf("primary suppression: cell %d to publish is out of range", c)
		}
		rel.Fix(c)
	}
	for c := 0; c < t.NumCells(); c++ {
		if c&0xffff == 0 && ctx.Err() != nil {
			return nil, res, ctx.Err()
		}
		first := ""
		fired := false
		for i, r := range rules {
			if why, ok := r.Sensitive(t, c); ok {
				res.ByRule[i]++
				if !fired {
					first, fired = why, true
				}
			}
		}
		if !fired {
			continue
		}
		if rel.Fixed(c) {
			res.Overridden++
			continue
		}
		rel.Set(c, sdc.Primary, first)
		res.Cells++
	}
	return rel, res, nil
}

// needMagnitude says why a rule of contributions cannot run on t.
func needMagnitude(t *sdc.Table) error {
	if !t.HasMagnitude() {
		return fmt.Errorf("needs a magnitude table (records with contributors)")
	}
	return nil
}

// needTop says why a rule needing the n largest contributions cannot run
// on t.
func needTop(t *sdc.Table, n int, what string) error {
	if err := needMagnitude(t); err != nil {
		return err
	}
	if n > t.TopK() {
		return fmt.Errorf("%s needs %d largest contributions, the table keeps %d", what, n, t.TopK())
	}
	return nil
}

// Check implements Rule.
func (f *Frequency) Check(*sdc.Table) error {
	if f.MaxN < 1 {
		return fmt.Errorf("maxN %d must be at least 1", f.MaxN)
	}
	return nil
}

// Check implements Rule.
func (r MinContributors) Check(t *sdc.Table) error {
	if r.N < 2 {
		return fmt.Errorf("n %d must be at least 2", r.N)
	}
	return needMagnitude(t)
}

// Check implements Rule.
func (r Dominance) Check(t *sdc.Table) error {
	if r.N < 1 || !(r.K > 0 && r.K < 100) {
		return fmt.Errorf("want n ≥ 1 and 0 < k < 100, have n %d, k %v", r.N, r.K)
	}
	if err := needMagnitude(t); err != nil {
		return err
	}
	if r.N > t.TopK() {
		return fmt.Errorf("n %d exceeds the %d largest contributions the table keeps", r.N, t.TopK())
	}
	return nil
}

// Check implements Rule.
func (r PPercent) Check(t *sdc.Table) error {
	if !(r.P > 0 && r.P < 100) {
		return fmt.Errorf("p %v must be in (0, 100)", r.P)
	}
	if r.Coalition < 0 {
		return fmt.Errorf("coalition %d is negative", r.Coalition)
	}
	return needTop(t, max(r.Coalition, 1)+1, fmt.Sprintf("a coalition of %d", r.Coalition))
}

// Check implements Rule.
func (r PQ) Check(t *sdc.Table) error {
	if !(r.P > 0 && r.Q > r.P && r.Q <= 100) {
		return fmt.Errorf("want 0 < p < q ≤ 100, have p %v, q %v", r.P, r.Q)
	}
	if r.Coalition < 0 {
		return fmt.Errorf("coalition %d is negative", r.Coalition)
	}
	return needTop(t, max(r.Coalition, 1)+1, fmt.Sprintf("a coalition of %d", r.Coalition))
}

// Check implements Rule.
func (f *Forced) Check(t *sdc.Table) error {
	for c := range f.cells {
		if c < 0 || c >= t.NumCells() {
			return fmt.Errorf("cell %d is out of range", c)
		}
	}
	return nil
}
