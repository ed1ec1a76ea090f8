package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/tabsdc/tabsdc/data"
	"github.com/tabsdc/tabsdc/sdc"
)

// Page is a report's content: the same for its HTML and its JSON. A
// public page (Public) shows what may be published next to the data: no
// true value of a withheld cell, no reason or status that tells a primary
// cell from a secondary one, no figure computed from true values (errors,
// shares of the count withheld).
type Page struct {
	Public bool `json:"public"`
	// Changed: the release publishes changed values (rounding, noise):
	// errors are shown.
	Changed    bool           `json:"changed_values"`
	Title      string         `json:"title"`
	Provenance Provenance     `json:"provenance"`
	Policy     []string       `json:"policy"`
	Method     string         `json:"method"`
	Cells      int            `json:"cells"`
	InnerCells int            `json:"inner_cells"`
	Status     map[string]int `json:"status"`
	Rules      []RuleCount    `json:"rules,omitempty"`
	Levels     []LevelCount   `json:"levels"`
	// BySize and ByCounty are the cells withheld (and, internal only, the
	// share of the count withheld and the errors) by municipality size
	// class and by county.
	BySize   []SizeUtility  `json:"by_size,omitempty"`
	ByCounty []AreaCount    `json:"by_county,omitempty"`
	ByLevel  []LevelUtility `json:"by_level,omitempty"` // internal only
	Audit    *AuditOutcome  `json:"audit,omitempty"`
	Attacker *Attacker      `json:"attacker,omitempty"`
	// Widths is the distribution of the attacker's interval widths over
	// the withheld cells.
	Widths []Bin `json:"interval_widths,omitempty"`
	// Smallest are Utsira and the ten smallest municipalities of the
	// table, with their withheld cells.
	Smallest []Municipality `json:"smallest,omitempty"`
	// Withheld lists every withheld cell (internal only).
	Withheld []WithheldCell `json:"withheld,omitempty"`
	Stages   []Stage        `json:"stages"`
	Extra    map[string]any `json:"extra,omitempty"`
}

// Provenance says where a release comes from.
type Provenance struct {
	Tool       string      `json:"tool"`
	Date       string      `json:"date"`
	Command    string      `json:"command,omitempty"`
	SpecSHA256 string      `json:"spec_sha256,omitempty"`
	Spec       any         `json:"spec,omitempty"`
	Inputs     []InputFile `json:"inputs,omitempty"`
	SeedPolicy string      `json:"seed_policy,omitempty"`
}

// AreaCount is the cells withheld in an area (a county and everything in
// it, for every combination of the other dimensions).
type AreaCount struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Cells         int     `json:"cells"`
	Withheld      int     `json:"withheld"`
	ShareWithheld float64 `json:"share_withheld"`
}

// Bin is one bar of a histogram: the cells with a value in [Lo, Hi)
// (Hi −1: no upper end).
type Bin struct {
	Label string  `json:"label"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Cells int     `json:"cells"`
}

// Municipality is one small municipality and what was withheld there.
type Municipality struct {
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	Population int            `json:"population"`
	Cells      int            `json:"cells"`
	Withheld   []WithheldCell `json:"withheld"`
}

// WithheldCell is a withheld cell: its codes, and in the internal page
// its true value, status, reason and the attacker's interval.
type WithheldCell struct {
	Label    string `json:"cell"`
	Value    string `json:"value,omitempty"`
	Status   string `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Interval string `json:"interval,omitempty"`
}

// BuildPage makes the page of a run from its summary and its release (one
// table), with the size classes of the embedded population.
func BuildPage(sum *Summary, rel *sdc.Release, public bool) (*Page, error) {
	pop, err := EmbeddedPopulation()
	if err != nil {
		return nil, err
	}
	return BuildPageWith(sum, rel, public, pop)
}

// BuildPageWith is BuildPage with the size classes of pop. The summary's
// utility, when set, must be the release's (a run's summary is).
func BuildPageWith(sum *Summary, rel *sdc.Release, public bool, pop Population) (*Page, error) {
	t := rel.Table()
	p := &Page{
		Public: public, Method: sum.Method, Cells: t.NumCells(), InnerCells: t.NumInner(), Policy: sum.Policy,
		Provenance: Provenance{Tool: sum.Tool, Date: sum.Date, Command: sum.Command, SpecSHA256: sum.SpecSHA256, Inputs: sum.Inputs, SeedPolicy: sum.SeedPolicy},
		Audit:      sum.Audit, Attacker: sum.Attacker, Stages: sum.Stages,
	}
	p.Title = "Release report"
	if public {
		p.Title = "Release report (public)"
	} else {
		p.Provenance.Spec = sum.Spec
		p.Rules, p.Extra = sum.Rules, sum.Extra
	}
	// Statuses as the page may show them.
	status := rel.Status
	if public {
		status = rel.PublicStatus
	}
	p.Status, p.Levels = countStatuses(t, status)
	// The run's utility, when the summary has it (it is of this release);
	// else computed here.
	u := sum.Utility
	if u == nil && rel.Public().HasCounts() {
		var err error
		if u, err = ComputeUtilityWith(rel, pop); err != nil {
			return nil, err
		}
	}
	if u != nil {
		for _, s := range u.BySize {
			if public {
				s.ErrorStats = ErrorStats{Cells: s.Cells, Withheld: s.Withheld, ShareWithheld: s.ShareWithheld}
			}
			p.BySize = append(p.BySize, s)
		}
		if !public && (rel.HasValues()) {
			p.ByLevel = u.ByLevel
		}
	}
	geo, _, err := geoClasses(t, pop)
	if err != nil {
		return nil, err
	}
	if geo >= 0 {
		p.ByCounty = byCounty(rel, geo)
		p.Smallest = smallest(rel, geo, public, pop)
	}
	p.Widths = widths(rel)
	if !public {
		for c := 0; c < t.NumCells(); c++ {
			if rel.Suppressed(c) {
				p.Withheld = append(p.Withheld, withheldCell(rel, c, false))
			}
		}
	}
	return p, nil
}

// byCounty counts the withheld cells under each child of the geography's
// root.
func byCounty(rel *sdc.Release, geo int) []AreaCount {
	t := rel.Table()
	dim := t.Dim(geo)
	names := map[string]string{}
	if ms, err := data.Municipalities(); err == nil {
		for _, m := range ms {
			names[m.County] = m.CountyName
			names[m.Code] = m.Name
		}
	}
	root := 0
	for n := 0; n < dim.Len(); n++ {
		if dim.Parent(n) < 0 {
			root = n
		}
	}
	areaOf := make([]int, dim.Len()) // node → position in out, −1 for the root
	var out []AreaCount
	for _, ch := range dim.Children(root) {
		areaOf[ch] = len(out)
		out = append(out, AreaCount{Code: dim.Code(ch), Name: names[dim.Code(ch)]})
	}
	areaOf[root] = -1
	for n := 0; n < dim.Len(); n++ {
		if n == root || dim.Parent(n) == root {
			continue
		}
		a := n
		for dim.Parent(a) != root {
			a = dim.Parent(a)
		}
		areaOf[n] = areaOf[a]
	}
	for c := 0; c < t.NumCells(); c++ {
		a := areaOf[t.Node(c, geo)]
		if a < 0 {
			continue
		}
		out[a].Cells++
		if rel.Suppressed(c) {
			out[a].Withheld++
		}
	}
	for i := range out {
		if out[i].Cells > 0 {
			out[i].ShareWithheld = float64(out[i].Withheld) / float64(out[i].Cells)
		}
	}
	return out
}

// smallest lists Utsira and the ten smallest municipalities of the table
// (by pop; names from the embedded data where it knows the code).
func smallest(rel *sdc.Release, geo int, public bool, pop Population) []Municipality {
	names := map[string]string{}
	if ms, err := data.Municipalities(); err == nil {
		for _, m := range ms {
			names[m.Code] = m.Name
		}
	}
	codes := make([]string, 0, len(pop))
	for c := range pop {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(a, b int) bool {
		if pop[codes[a]] != pop[codes[b]] {
			return pop[codes[a]] < pop[codes[b]]
		}
		return codes[a] < codes[b]
	})
	t := rel.Table()
	dim := t.Dim(geo)
	var out []Municipality
	for _, code := range codes {
		n, ok := dim.Index(code)
		if !ok || !dim.IsLeaf(n) {
			continue
		}
		if len(out) >= 10 && code != "1151" {
			continue
		}
		mu := Municipality{Code: code, Name: names[code], Population: pop[code]}
		for c := 0; c < t.NumCells(); c++ {
			if t.Node(c, geo) != n {
				continue
			}
			mu.Cells++
			if rel.Suppressed(c) {
				mu.Withheld = append(mu.Withheld, withheldCell(rel, c, public))
			}
		}
		out = append(out, mu)
		if len(out) >= 11 {
			break
		}
	}
	return out
}

// withheldCell describes a withheld cell for the page.
func withheldCell(rel *sdc.Release, c int, public bool) WithheldCell {
	t := rel.Table()
	w := WithheldCell{Label: t.Label(c)}
	if public {
		return w
	}
	w.Value = strconv.FormatInt(t.Freq(c), 10)
	w.Status, w.Reason = rel.Status(c).String(), rel.Reason(c)
	if iv, ok := rel.Interval(c); ok {
		w.Interval = fmt.Sprintf("[%s, %s] %s", bound(iv.Lower), bound(iv.Upper), rel.IntervalKind(c))
	}
	return w
}

func bound(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// widthEdges are the histogram's bins of interval widths.
var widthEdges = []float64{0, 1, 2, 3, 4, 5, 10, 20, 50, 100, 1000, math.Inf(1)}

// widths is the histogram of the attacker's interval widths over the
// withheld cells that have one.
func widths(rel *sdc.Release) []Bin {
	t := rel.Table()
	bins := make([]Bin, len(widthEdges)-1)
	for i := range bins {
		lo, hi := widthEdges[i], widthEdges[i+1]
		bins[i] = Bin{Lo: lo, Hi: hi, Label: fmt.Sprintf("%g–%g", lo, hi)}
		if math.IsInf(hi, 1) {
			bins[i].Label, bins[i].Hi = fmt.Sprintf("≥ %g", lo), -1
		}
	}
	any := false
	for c := 0; c < t.NumCells(); c++ {
		if !rel.Suppressed(c) {
			continue
		}
		iv, ok := rel.Interval(c)
		if !ok {
			continue
		}
		w := iv.Width()
		for i := range bins {
			if w >= bins[i].Lo && (bins[i].Hi < 0 || w < bins[i].Hi) {
				bins[i].Cells++
				any = true
			}
		}
	}
	if !any {
		return nil
	}
	return bins
}

// WriteJSON writes the page as indented JSON.
func (p *Page) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
