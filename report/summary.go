package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/sdc"
)

// Summary is the machine-readable account of one protection run.
type Summary struct {
	// Provenance: the tool's version, the run's date (UTC, RFC 3339), the
	// effective spec in full with its SHA-256 (of its JSON form here),
	// and every input file with its SHA-256.
	Tool       string      `json:"tool,omitempty"`
	Date       string      `json:"date,omitempty"`
	Spec       any         `json:"spec,omitempty"`
	SpecSHA256 string      `json:"spec_sha256,omitempty"`
	Inputs     []InputFile `json:"inputs,omitempty"`
	Method     string      `json:"method"`
	// Command is the command line that ran the release, when a CLI did;
	// Policy the rules, method and requirement in words; SeedPolicy how
	// the run's randomness was drawn.
	Command    string          `json:"command,omitempty"`
	Policy     []string        `json:"policy,omitempty"`
	SeedPolicy string          `json:"seed_policy,omitempty"`
	Cells      int             `json:"cells"`
	InnerCells int             `json:"inner_cells"`
	Dimensions []DimensionInfo `json:"dimensions"`
	Status     map[string]int  `json:"status"`
	Rules      []RuleCount     `json:"rules,omitempty"`
	// RulesCounting says how Rules counts: a cell that several rules flag
	// counts once under each of them, so the counts may add up to more
	// than the primary cells.
	RulesCounting string        `json:"rules_counting,omitempty"`
	Levels        []LevelCount  `json:"levels"`
	Audit         *AuditOutcome `json:"audit,omitempty"`
	Attacker      *Attacker     `json:"attacker,omitempty"`
	// Utility is what the release costs its readers (ComputeUtility).
	Utility    *Utility            `json:"utility,omitempty"`
	Extra      map[string]any      `json:"extra,omitempty"`
	Tables     map[string]*Summary `json:"tables,omitempty"`
	Stages     []Stage             `json:"stages"`
	stageStart map[string]time.Time
}

// InputFile is one file a run read.
type InputFile struct {
	Role   string `json:"role"` // "input", "dim geo", "suppress_cells", …
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// DimensionInfo describes one dimension of the table.
type DimensionInfo struct {
	Name   string `json:"name"`
	Nodes  int    `json:"nodes"`
	Leaves int    `json:"leaves"`
	Depth  int    `json:"depth"`
}

// RuleCount is how many cells a primary rule fired on.
type RuleCount struct {
	Rule  string `json:"rule"`
	Cells int    `json:"cells"`
}

// LevelCount counts cells by status at one depth of one dimension: depth 0
// is that dimension's total.
type LevelCount struct {
	Dimension string         `json:"dimension"`
	Depth     int            `json:"depth"`
	Cells     int            `json:"cells"`
	Status    map[string]int `json:"status"`
}

// AuditOutcome is what the attacker's audit found.
type AuditOutcome struct {
	Passed         bool `json:"passed"`
	Audited        int  `json:"audited"`
	Disclosed      int  `json:"disclosed"`
	UnderProtected int  `json:"under_protected"`
	Components     int  `json:"components,omitempty"`
	LargestInnerLP int  `json:"largest_component_unknowns,omitempty"`
	RepairRounds   int  `json:"repair_rounds,omitempty"`
	Audits         int  `json:"audits,omitempty"` // LP audits run; the screen repairs some rounds without one
	// RepairSecondary counts the cells the repair chose (to widen failing
	// cells' intervals) that are still withheld at the end: the cleanup
	// may publish some again, and secondary suppression withholds more
	// cells with them (each round's progress line says how many).
	RepairSecondary int `json:"repair_secondary,omitempty"`
	// Republished counts the secondary cells the cleanup published again
	// because the pattern did not need them (suppress.Protect).
	Republished int `json:"republished,omitempty"`
	// SingletonIntruders counts the withheld inner cells of count 1 whose
	// person the singleton audit took as an intruder; the other two the
	// primary cells one of them could pin or narrow too far.
	SingletonIntruders      int `json:"singleton_intruders,omitempty"`
	SingletonDisclosed      int `json:"singleton_disclosed,omitempty"`
	SingletonUnderProtected int `json:"singleton_under_protected,omitempty"`
	// Screen says the outcome is the screen's by bound propagation
	// (audit.Screen), which found cells that certainly fail: no LP audit ran.
	Screen bool `json:"screen,omitempty"`
	// ScreenUnderProtected counts, for a pattern protected against exact
	// disclosure only, the primary cells the screen shows to be narrower
	// than required (not repaired).
	ScreenUnderProtected int `json:"screen_under_protected,omitempty"`
}

// Stage is the wall time one stage of the run took, and the process's
// peak memory when it ended (Linux; 0 elsewhere).
type Stage struct {
	Name      string  `json:"name"`
	Seconds   float64 `json:"seconds"`
	PeakRSSKB int64   `json:"peak_rss_kb,omitempty"`
}

// Begin starts timing a stage.
func (s *Summary) Begin(name string) {
	if s.stageStart == nil {
		s.stageStart = map[string]time.Time{}
	}
	s.stageStart[name] = time.Now()
}

// End stops timing a stage begun with Begin and records it.
func (s *Summary) End(name string) {
	t0, ok := s.stageStart[name]
	if !ok {
		return
	}
	s.Stages = append(s.Stages, Stage{Name: name, Seconds: time.Since(t0).Seconds(), PeakRSSKB: peakRSS()})
	delete(s.stageStart, name)
}

// Count fills in the counts of cells by status, overall and per level of
// every dimension, from a release.
func (s *Summary) Count(r *sdc.Release) {
	t := r.Table()
	s.Cells, s.InnerCells = t.NumCells(), t.NumInner()
	s.Dimensions = s.Dimensions[:0]
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		s.Dimensions = append(s.Dimensions, DimensionInfo{Name: dim.Name(), Nodes: dim.Len(), Leaves: dim.NumLeaves(), Depth: dim.MaxDepth()})
	}
	s.Status, s.Levels = countStatuses(t, r.Status)
}

// countStatuses counts the cells of t by status (as status gives it: the
// release's own statuses, or its public ones), overall and per depth of
// every dimension: depth 0 is that dimension's total.
func countStatuses(t *sdc.Table, status func(c int) sdc.Status) (map[string]int, []LevelCount) {
	type key struct{ d, depth int }
	idx := map[key]int{}
	var levels []LevelCount
	for d := 0; d < t.NumDims(); d++ {
		for depth := 0; depth <= t.Dim(d).MaxDepth(); depth++ {
			idx[key{d, depth}] = len(levels)
			levels = append(levels, LevelCount{Dimension: t.Dim(d).Name(), Depth: depth, Status: map[string]int{}})
		}
	}
	// Count per (dimension, node) first: one pass over the cells.
	nd := t.NumDims()
	per := make([][][]int, nd) // per[d][node][status]
	for d := 0; d < nd; d++ {
		per[d] = make([][]int, t.Dim(d).Len())
		for n := range per[d] {
			per[d][n] = make([]int, 8)
		}
	}
	total := make([]int, 8)
	for c := 0; c < t.NumCells(); c++ {
		v := status(c)
		total[v]++
		for d := 0; d < nd; d++ {
			per[d][t.Node(c, d)][v]++
		}
	}
	byStatus := map[string]int{}
	for v, n := range total {
		if n > 0 {
			byStatus[sdc.Status(v).String()] = n
		}
	}
	for d := 0; d < nd; d++ {
		dim := t.Dim(d)
		for n := 0; n < dim.Len(); n++ {
			lc := &levels[idx[key{d, dim.Depth(n)}]]
			for v, k := range per[d][n] {
				lc.Cells += k
				if k > 0 {
					lc.Status[sdc.Status(v).String()] += k
				}
			}
		}
	}
	return byStatus, levels
}

// WriteJSON writes the summary as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	return nil
}

// AddTable adds the counts of one of several linked tables: the summary's
// own counts become the sums over its tables, and the table's summary is
// kept under its name.
func (s *Summary) AddTable(name string, t *Summary) {
	if s.Tables == nil {
		s.Tables = map[string]*Summary{}
	}
	s.Tables[name] = t
	s.Cells += t.Cells
	s.InnerCells += t.InnerCells
	if s.Status == nil {
		s.Status = map[string]int{}
	}
	for k, v := range t.Status {
		s.Status[k] += v
	}
}

// Attacker is what the audit's attacker was taken to know (audit.Attacker).
type Attacker struct {
	// WithheldAtLeast is the least value a withheld cell is known to
	// have: 1 where the policy never withholds a zero, else 0.
	WithheldAtLeast float64 `json:"withheld_at_least"`
	// Knows lists the attacker's knowledge in words.
	Knows []string `json:"knows"`
}

// AttackerOf describes a for the summary.
func AttackerOf(a audit.Attacker) *Attacker {
	return &Attacker{WithheldAtLeast: a.MinWithheld(), Knows: a.Knowledge()}
}

// Notes are the lines that say the attacker in an internal file
// (sdc.Release.SetNotes).
func (a *Attacker) Notes() []string {
	notes := []string{"the audit's attacker knows:"}
	for _, k := range a.Knows {
		notes = append(notes, "- "+k)
	}
	return notes
}

// OutcomeOf is the summary's account of an audit (a, or a screen with
// screen set) and, when run, the singleton check sg: passed when neither
// found a cell failing.
func OutcomeOf(a *audit.Result, sg *audit.SingletonResult, screen bool) *AuditOutcome {
	o := &AuditOutcome{Passed: true, Screen: screen}
	if a != nil {
		o.Passed = a.Passed()
		o.Audited, o.Disclosed, o.UnderProtected = a.Audited, len(a.Disclosed), len(a.UnderProtected)
		o.Components, o.LargestInnerLP = a.Components, a.Largest
	}
	if sg != nil {
		o.SingletonIntruders, o.SingletonDisclosed, o.SingletonUnderProtected = sg.Intruders, len(sg.Disclosed), len(sg.UnderProtected)
		o.Passed = o.Passed && sg.Passed()
	}
	return o
}

// peakRSS reads the process's peak resident memory (VmHWM) in kB, 0 when
// it cannot.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
