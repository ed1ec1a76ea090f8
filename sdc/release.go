package sdc

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Status says what happens to a publishable cell in a release.
type Status uint8

// The statuses of a cell.
const (
	Published Status = iota // published with its true value
	Primary                 // withheld: a sensitivity rule fired
	Secondary               // withheld to protect primary cells
	Rounded                 // published with a rounded value
	Perturbed               // published with a perturbed (noisy) value
	Hidden                  // not released at all: a cell of no released table (linked tables)
	// Withheld is the one status a published file gives every withheld
	// cell, primary or secondary: telling them apart would tell an
	// attacker which cells a sensitivity rule fired on (a primary count
	// lies in 1..maxN, a secondary one does not). Read from a published
	// file, it is a withheld cell of unknown kind.
	Withheld
)

var statusNames = [...]string{"published", "primary", "secondary", "rounded", "perturbed", "hidden", "suppressed"}

// String returns the status as written in output files.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// Suppressed reports whether the status withholds the cell's value.
func (s Status) Suppressed() bool { return s == Primary || s == Secondary || s == Withheld }

// ParseStatus parses a status as written by String.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q (want one of %s)", s, quoteList(statusNames[:]))
}

// Interval is the range of values an attacker can derive for a cell.
type Interval struct {
	Lower, Upper float64
}

// Width returns Upper − Lower.
func (iv Interval) Width() float64 { return iv.Upper - iv.Lower }

// IntervalKind says how a recorded interval relates to the attacker's
// exact interval of the cell.
type IntervalKind uint8

// The kinds of interval.
const (
	// IntervalExact is the attacker's exact interval (of the LP
	// relaxation, rounded inward to whole numbers).
	IntervalExact IntervalKind = iota + 1
	// IntervalProven is a sub-interval of the attacker's: feasible tables
	// attain both ends, so the attacker's interval is at least this wide.
	// An audit records one for a cell it has proven safe without solving
	// for its exact bounds.
	IntervalProven
	// IntervalOuter is an outer bound: the attacker's interval lies
	// within it (a rounding rule's bounds, or bound propagation).
	IntervalOuter
	// IntervalConfidence is not an attacker's interval but a confidence
	// interval of the true count from a noisy measurement (a
	// differentially private release): it holds the count with the
	// probability the release states.
	IntervalConfidence
)

var kindNames = [...]string{"", "exact", "proven", "outer", "confidence"}

// String returns the kind as written in the internal file: exact,
// proven or outer.
func (k IntervalKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("IntervalKind(%d)", k)
}

// Release is what happens to every publishable cell of a table: its status,
// a reason a person can read when the cell is withheld or changed, the value
// published when it differs from the true one, and the attacker's interval of
// withheld cells once audited. Protection methods fill it in; writers turn it
// into output files.
type Release struct {
	t        *Table
	status   []Status
	reason   []uint32 // index into texts; 0 is no reason
	texts    []string
	textIdx  map[string]uint32
	fixed    map[int32]bool
	value    []int64 // published values, when set
	method   Status  // what the published file says of every published cell when values are set
	interval map[int32]Interval
	kind     map[int32]IntervalKind
	dense    []Interval // intervals of every cell, when set by SetIntervals
	denseK   IntervalKind
	notes    []string
	// upper and lower protection levels of the cells' values (magnitude
	// tables; SetLevels), nil when not set.
	upper, lower []float64
	// valueIv are the attacker's intervals of withheld cells' values, in
	// units of the last decimal place (SetValueInterval).
	valueIv map[int32]Interval
	// sumsOnly: a magnitude release that publishes its sums, not its
	// counts (PublishSumsOnly).
	sumsOnly bool
	// columns are a method's extra columns of the internal file.
	columns []Column
}

// Column is an extra column of the internal file: a method's per-cell
// facts (a noisy measurement, a cell key). Field returns cell c's field.
type Column struct {
	Name  string
	Field func(c int) string
}

// AddColumn adds a column to the internal file (never to a published
// one), after the others.
func (r *Release) AddColumn(col Column) { r.columns = append(r.columns, col) }

// NewRelease returns a release of t in which every cell is published.
func NewRelease(t *Table) *Release {
	return &Release{
		t:       t,
		status:  make([]Status, t.NumCells()),
		reason:  make([]uint32, t.NumCells()),
		texts:   []string{""},
		textIdx: map[string]uint32{"": 0},
	}
}

// Clone returns a copy of r that shares nothing mutable with it: what is
// done to one (statuses, reasons, fixed marks, values, intervals) leaves
// the other as it was. A method can try a pattern on a clone and keep it
// or not.
func (r *Release) Clone() *Release {
	c := &Release{
		t:        r.t,
		status:   slices.Clone(r.status),
		reason:   slices.Clone(r.reason),
		texts:    slices.Clone(r.texts),
		textIdx:  maps.Clone(r.textIdx),
		fixed:    maps.Clone(r.fixed),
		value:    slices.Clone(r.value),
		method:   r.method,
		interval: maps.Clone(r.interval),
		kind:     maps.Clone(r.kind),
		dense:    slices.Clone(r.dense),
		denseK:   r.denseK,
		notes:    slices.Clone(r.notes),
		upper:    slices.Clone(r.upper),
		lower:    slices.Clone(r.lower),
		valueIv:  maps.Clone(r.valueIv),
		sumsOnly: r.sumsOnly,
		columns:  slices.Clone(r.columns),
	}
	return c
}

// SetLevels records each cell's upper and lower protection level: how far
// above and below its value an attacker's interval of the value must
// reach (from the rules of a magnitude table: suppress.ProtectionLevels).
// They go into the internal file, never into a published one.
func (r *Release) SetLevels(upper, lower []float64) error {
	n := r.t.NumCells()
	if len(upper) != n || len(lower) != n {
		return fmt.Errorf("release: %d and %d protection levels for %d cells", len(upper), len(lower), n)
	}
	for c := range upper {
		if !(upper[c] >= 0 && lower[c] >= 0) || math.IsInf(upper[c], 0) || math.IsInf(lower[c], 0) {
			return fmt.Errorf("release: protection levels of %s are not finite and non-negative", r.t.Label(c))
		}
	}
	r.upper, r.lower = slices.Clone(upper), slices.Clone(lower)
	return nil
}

// Levels returns cell c's protection levels, and false when none are set
// or both are 0.
func (r *Release) Levels(c int) (upper, lower float64, ok bool) {
	if r.upper == nil || r.upper[c] == 0 && r.lower[c] == 0 {
		return 0, 0, false
	}
	return r.upper[c], r.lower[c], true
}

// SetValueInterval records the attacker's interval of cell c's value, in
// whole units of the table's last decimal place (Table.Decimals), as an
// audit of ValueTable(t) computes it; the internal file writes it in
// plain decimals (value_lower, value_upper).
func (r *Release) SetValueInterval(c int, iv Interval) {
	if r.valueIv == nil {
		r.valueIv = map[int32]Interval{}
	}
	r.valueIv[int32(c)] = iv
}

// ValueInterval returns cell c's value interval in units (SetValueInterval).
func (r *Release) ValueInterval(c int) (Interval, bool) {
	iv, ok := r.valueIv[int32(c)]
	return iv, ok
}

// PublishSumsOnly makes a magnitude release publish its sums without its
// counts: the published view (Public) shows no count, and a published
// file has no count column. An error for a frequency table, whose counts
// are what it publishes.
func (r *Release) PublishSumsOnly() error {
	if !r.t.HasMagnitude() {
		return fmt.Errorf("release: a frequency table publishes its counts")
	}
	r.sumsOnly = true
	return nil
}

// SumsOnly reports whether the release publishes sums without counts.
func (r *Release) SumsOnly() bool { return r.sumsOnly }

// HasLevels reports whether protection levels are set (SetLevels).
func (r *Release) HasLevels() bool { return r.upper != nil }

// SetNotes sets the lines the internal file starts with, each after
// "# " (WriteInternal): what a reader of that file must know about the
// release, such as what the audit's attacker was taken to know. A line
// break in a note becomes a space.
func (r *Release) SetNotes(notes ...string) {
	r.notes = r.notes[:0]
	for _, n := range notes {
		r.notes = append(r.notes, strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(n))
	}
}

// Notes returns the notes set by SetNotes. Do not modify.
func (r *Release) Notes() []string { return r.notes }

// Table returns the table the release is of.
func (r *Release) Table() *Table { return r.t }

// Status returns the status of cell c.
func (r *Release) Status(c int) Status { return r.status[c] }

// Statuses returns the status of every cell, indexed by cell. Do not modify.
func (r *Release) Statuses() []Status { return r.status }

// Reason returns why cell c is withheld or changed ("" when published as is).
func (r *Release) Reason(c int) string { return r.texts[r.reason[c]] }

// Set gives cell c a status and a reason. Reasons are interned, so many cells
// can share one text cheaply.
func (r *Release) Set(c int, s Status, reason string) {
	r.status[c] = s
	id, ok := r.textIdx[reason]
	if !ok {
		id = uint32(len(r.texts))
		r.texts = append(r.texts, reason)
		r.textIdx[reason] = id
	}
	r.reason[c] = id
}

// Suppressed reports whether cell c is withheld.
func (r *Release) Suppressed(c int) bool { return r.status[c].Suppressed() }

// Count returns the number of cells with status s.
func (r *Release) Count(s Status) int {
	n := 0
	for _, v := range r.status {
		if v == s {
			n++
		}
	}
	return n
}

// Fix marks cell c as one that must be published: secondary suppression never
// chooses it.
func (r *Release) Fix(c int) {
	if r.fixed == nil {
		r.fixed = map[int32]bool{}
	}
	r.fixed[int32(c)] = true
}

// Fixed reports whether cell c was marked by Fix.
func (r *Release) Fixed(c int) bool { return r.fixed[int32(c)] }

// SetValues sets the published values of all cells (rounded or perturbed);
// values has one entry per cell. Without it the published values are the
// true counts.
//
// method (Rounded or Perturbed) is the status the published file gives
// every published cell, changed or not: telling changed cells from unchanged
// ones would give true values away (a published 0 that was "changed" was a
// small count). Per-cell statuses stay for the internal file.
func (r *Release) SetValues(values []int64, method Status) error {
	if len(values) != r.t.NumCells() {
		return fmt.Errorf("release: %d values for %d cells", len(values), r.t.NumCells())
	}
	if method != Rounded && method != Perturbed {
		return fmt.Errorf("release: values are published as rounded or perturbed, not %s", method)
	}
	r.value, r.method = values, method
	return nil
}

// PublicStatus returns the status the published file shows for cell c:
// Withheld ("suppressed") for every withheld cell, primary or secondary
// alike, Hidden for a cell of no released table, the method's status
// (SetValues) for every other cell of a release that changes values, and
// Published otherwise.
func (r *Release) PublicStatus(c int) Status {
	switch {
	case r.status[c].Suppressed():
		return Withheld
	case r.status[c] == Hidden:
		return r.status[c]
	case r.value != nil:
		return r.method
	}
	return Published
}

// Value returns the value published for cell c, and false when the cell is
// withheld or hidden.
func (r *Release) Value(c int) (int64, bool) {
	if r.status[c].Suppressed() || r.status[c] == Hidden {
		return 0, false
	}
	if r.value != nil {
		return r.value[c], true
	}
	return r.t.Freq(c), true
}

// HasValues reports whether the release publishes values other than the true
// counts (set by SetValues).
func (r *Release) HasValues() bool { return r.value != nil }

// SetInterval records an interval for cell c and how it relates to the
// attacker's exact one.
func (r *Release) SetInterval(c int, iv Interval, kind IntervalKind) {
	if r.interval == nil {
		r.interval = map[int32]Interval{}
		r.kind = map[int32]IntervalKind{}
	}
	r.interval[int32(c)] = iv
	r.kind[int32(c)] = kind
}

// SetIntervals records an interval for every cell at once (one per cell),
// all of one kind, as a rounding method derives them. A cell whose bounds
// are NaN has none.
func (r *Release) SetIntervals(iv []Interval, kind IntervalKind) error {
	if len(iv) != r.t.NumCells() {
		return fmt.Errorf("release: %d intervals for %d cells", len(iv), r.t.NumCells())
	}
	r.dense, r.denseK = iv, kind
	return nil
}

// Interval returns the interval recorded for cell c, if any.
func (r *Release) Interval(c int) (Interval, bool) {
	if iv, ok := r.interval[int32(c)]; ok {
		return iv, true
	}
	if r.dense != nil && !math.IsNaN(r.dense[c].Lower) {
		return r.dense[c], true
	}
	return Interval{}, false
}

// IntervalKind returns how the interval recorded for cell c relates to
// the attacker's exact one (0 when none is recorded).
func (r *Release) IntervalKind(c int) IntervalKind {
	if k, ok := r.kind[int32(c)]; ok {
		return k
	}
	if r.dense != nil && !math.IsNaN(r.dense[c].Lower) {
		return r.denseK
	}
	return 0
}

// Unbounded is the upper end of an interval that has none.
var Unbounded = math.Inf(1)

// PublicView is the published view of a release: what any published
// output (CSV, DHIS2, a report) may show of each cell, and nothing else.
// Every writer of a published output reads the release through it, so
// the rules live here once: one public status for withheld cells, values
// only of published cells, one status for every cell of a release of
// changed values, and a magnitude sum only beside an unchanged count.
type PublicView struct{ r *Release }

// Public returns the release's published view.
func (r *Release) Public() PublicView { return PublicView{r} }

// Table is the released table (its codes and dimensions are public).
func (p PublicView) Table() *Table { return p.r.t }

// Count is the count published for cell c, and false when c is withheld
// or hidden, or the release publishes sums only.
func (p PublicView) Count(c int) (int64, bool) {
	if p.r.sumsOnly {
		return 0, false
	}
	return p.r.Value(c)
}

// HasCounts reports whether the published view shows counts at all.
func (p PublicView) HasCounts() bool { return !p.r.sumsOnly }

// Sum is the magnitude published for cell c: for a magnitude table, the
// true sum of a cell whose count is published unchanged; false otherwise
// (a withheld cell, a frequency table, or a release of changed values,
// whose changed counts say nothing about the sums).
func (p PublicView) Sum(c int) (float64, bool) {
	if _, ok := p.r.Value(c); !ok || !p.r.t.HasMagnitude() || p.r.value != nil {
		return 0, false
	}
	return p.r.t.Value(c), true
}

// SumText is Sum in plain decimal notation, digit for digit when the
// table's sums are exact (Table.ValueText).
func (p PublicView) SumText(c int) (string, bool) {
	if _, ok := p.Sum(c); !ok {
		return "", false
	}
	return p.r.t.ValueText(c), true
}

// Status is cell c's public status (Release.PublicStatus): never which
// rule withheld it, nor primary from secondary.
func (p PublicView) Status(c int) Status { return p.r.PublicStatus(c) }
