package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/data"
	"github.com/tabsdc/tabsdc/sdc"
)

// ErrorStats measure what a release did to a set of cells: how many it
// withheld, and over the cells it published how far their values are
// from the true counts.
type ErrorStats struct {
	Cells         int     `json:"cells"`
	Withheld      int     `json:"withheld"`
	ShareWithheld float64 `json:"share_withheld"`
	// WithheldCount is the sum of the true counts of the withheld cells,
	// ShareCountWithheld that over the sum of all cells' counts.
	WithheldCount      int64   `json:"withheld_count"`
	ShareCountWithheld float64 `json:"share_count_withheld"`
	// Over the published cells:
	Changed      int     `json:"changed"`
	ShareChanged float64 `json:"share_changed"`
	MeanAbs      float64 `json:"mean_abs_error"`
	RMS          float64 `json:"rms_error"`
	MaxAbs       int64   `json:"max_abs_error"`
	// MeanError is the mean of published − true (bias).
	MeanError float64 `json:"mean_error"`
}

type errAcc struct {
	cells, withheld, changed, published int
	wCount, count                       int64
	sumAbs, sumSq, sum                  float64
	maxAbs                              int64
}

func (a *errAcc) add(truth int64, pub int64, ok bool) {
	a.cells++
	a.count += truth
	if !ok {
		a.withheld++
		a.wCount += truth
		return
	}
	a.published++
	d := pub - truth
	if d != 0 {
		a.changed++
	}
	ad := d
	if ad < 0 {
		ad = -ad
	}
	a.maxAbs = max(a.maxAbs, ad)
	a.sumAbs += float64(ad)
	a.sumSq += float64(d) * float64(d)
	a.sum += float64(d)
}

func (a *errAcc) stats() ErrorStats {
	s := ErrorStats{Cells: a.cells, Withheld: a.withheld, WithheldCount: a.wCount, Changed: a.changed, MaxAbs: a.maxAbs}
	if a.cells > 0 {
		s.ShareWithheld = float64(a.withheld) / float64(a.cells)
	}
	if a.count > 0 {
		s.ShareCountWithheld = float64(a.wCount) / float64(a.count)
	}
	if n := float64(a.published); n > 0 {
		s.ShareChanged = float64(a.changed) / n
		s.MeanAbs = a.sumAbs / n
		s.RMS = math.Sqrt(a.sumSq / n)
		s.MeanError = a.sum / n
	}
	return s
}

// LevelUtility is the utility of the cells at one combination of depths,
// one per dimension, written "geo:2 sex:1 age:0".
type LevelUtility struct {
	Level string `json:"level"`
	ErrorStats
}

// SizeUtility is the utility of the cells of the municipalities of one
// population class (every combination of the other dimensions).
type SizeUtility struct {
	Class          string `json:"class"`
	Municipalities int    `json:"municipalities"`
	ErrorStats
}

// Utility is what a release costs its readers, overall, by hierarchy
// level and by municipality size.
type Utility struct {
	All     ErrorStats     `json:"all"`
	ByLevel []LevelUtility `json:"by_level"`
	// GeoDimension is the dimension whose leaves are the municipalities of
	// the embedded data (the first with most of its leaves among them),
	// "" when there is none; BySize is then empty.
	GeoDimension string        `json:"geo_dimension,omitempty"`
	BySize       []SizeUtility `json:"by_size,omitempty"`
}

// SizeClasses are the municipality population classes of the utility
// figures: [Min, Max) residents.
var SizeClasses = []struct {
	Name     string
	Min, Max int
}{
	{"under 1,000", 0, 1000},
	{"1,000–5,000", 1000, 5000},
	{"5,000–20,000", 5000, 20000},
	{"20,000–100,000", 20000, 100000},
	{"over 100,000", 100000, math.MaxInt},
}

// Population is the number of residents of each municipality, by code:
// what the size classes are drawn from.
type Population map[string]int

// EmbeddedPopulation is the population of Norway's municipalities in
// 2024, from the embedded data (package data).
func EmbeddedPopulation() (Population, error) {
	ms, err := data.Municipalities()
	if err != nil {
		return nil, err
	}
	pop := make(Population, len(ms))
	for _, m := range ms {
		pop[m.Code] = m.Population
	}
	return pop, nil
}

// ReadPopulation reads a population file: CSV with a header, a column
// "code" (the geography's leaf codes) and a column "population" (whole
// numbers, not negative). Errors are *sdc.ParseError with their row.
func ReadPopulation(r io.Reader) (Population, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, &sdc.ParseError{Row: 1, Err: fmt.Errorf("no header (want code,population): %w", err)}
	}
	ci, pi := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")) {
		case "code":
			ci = i
		case "population":
			pi = i
		}
	}
	if ci < 0 || pi < 0 {
		return nil, &sdc.ParseError{Row: 1, Err: errors.New(`want the columns "code" and "population"`)}
	}
	pop := Population{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			row := 0
			var ce *csv.ParseError
			if errors.As(err, &ce) {
				row = ce.StartLine
			}
			return nil, &sdc.ParseError{Row: row, Err: err}
		}
		line, _ := cr.FieldPos(0)
		code := strings.TrimSpace(rec[ci])
		n, err := strconv.Atoi(strings.TrimSpace(rec[pi]))
		if err != nil || n < 0 {
			return nil, &sdc.ParseError{Row: line, Column: pi + 1, Err: fmt.Errorf("population %q is not a whole number", rec[pi])}
		}
		if _, dup := pop[code]; dup {
			return nil, &sdc.ParseError{Row: line, Column: ci + 1, Err: fmt.Errorf("code %q twice", code)}
		}
		pop[code] = n
	}
	if len(pop) == 0 {
		return nil, &sdc.ParseError{Row: 1, Err: errors.New("no rows")}
	}
	return pop, nil
}

// ComputeUtility measures a release against its table's true counts,
// with the size classes of the embedded population.
func ComputeUtility(rel *sdc.Release) (*Utility, error) {
	pop, err := EmbeddedPopulation()
	if err != nil {
		return nil, err
	}
	return ComputeUtilityWith(rel, pop)
}

// ComputeUtilityWith is ComputeUtility with the size classes of pop.
func ComputeUtilityWith(rel *sdc.Release, pop Population) (*Utility, error) {
	t := rel.Table()
	nd := t.NumDims()
	radix := make([]int, nd)
	nlev := 1
	for d := 0; d < nd; d++ {
		radix[d] = t.Dim(d).MaxDepth() + 1
		nlev *= radix[d]
	}
	levels := make([]errAcc, nlev)
	var all errAcc
	geo, class, err := geoClasses(t, pop)
	if err != nil {
		return nil, err
	}
	sizes := make([]errAcc, len(SizeClasses))
	p := rel.Public()
	nodes := make([]int, nd)
	for c := 0; c < t.NumCells(); c++ {
		nodes = t.Nodes(c, nodes)
		l := 0
		for d, n := range nodes {
			l = l*radix[d] + t.Dim(d).Depth(n)
		}
		v, ok := p.Count(c)
		truth := t.Freq(c)
		levels[l].add(truth, v, ok)
		all.add(truth, v, ok)
		if geo >= 0 {
			if k := class[nodes[geo]]; k >= 0 {
				sizes[k].add(truth, v, ok)
			}
		}
	}
	u := &Utility{All: all.stats()}
	depths := make([]int, nd)
	for l, a := range levels {
		if a.cells == 0 {
			continue
		}
		r := l
		for d := nd - 1; d >= 0; d-- {
			depths[d] = r % radix[d]
			r /= radix[d]
		}
		parts := make([]string, nd)
		for d := range parts {
			parts[d] = t.Dim(d).Name() + ":" + strconv.Itoa(depths[d])
		}
		u.ByLevel = append(u.ByLevel, LevelUtility{Level: strings.Join(parts, " "), ErrorStats: a.stats()})
	}
	if geo >= 0 {
		u.GeoDimension = t.Dim(geo).Name()
		count := make([]int, len(SizeClasses))
		for _, k := range class {
			if k >= 0 {
				count[k]++
			}
		}
		for k, sc := range SizeClasses {
			u.BySize = append(u.BySize, SizeUtility{Class: sc.Name, Municipalities: count[k], ErrorStats: sizes[k].stats()})
		}
	}
	return u, nil
}

// geoClasses finds the dimension of municipalities (the first with most
// of its leaves in pop) and each of its nodes' size class (-1 for a node
// that is not a known municipality).
func geoClasses(t *sdc.Table, pop Population) (int, []int, error) {
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		known := 0
		for o := 0; o < dim.NumLeaves(); o++ {
			if _, ok := pop[dim.Code(dim.Leaf(o))]; ok {
				known++
			}
		}
		if known == 0 || 2*known < dim.NumLeaves() {
			continue
		}
		class := make([]int, dim.Len())
		for n := range class {
			class[n] = -1
			if !dim.IsLeaf(n) {
				continue
			}
			if p, ok := pop[dim.Code(n)]; ok {
				for k, sc := range SizeClasses {
					if p >= sc.Min && p < sc.Max {
						class[n] = k
					}
				}
			}
		}
		return d, class, nil
	}
	return -1, nil, nil
}

// String formats the size classes as a table for a terminal.
func (u *Utility) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %6s %9s %9s %8s %8s %6s\n", "size class", "munis", "cells", "withheld", "MAE", "RMS", "max")
	for _, s := range u.BySize {
		fmt.Fprintf(&b, "%-16s %6d %9d %8.2f%% %8.3f %8.3f %6d\n", s.Class, s.Municipalities, s.Cells, 100*s.ShareWithheld, s.MeanAbs, s.RMS, s.MaxAbs)
	}
	s := u.All
	fmt.Fprintf(&b, "%-16s %6s %9d %8.2f%% %8.3f %8.3f %6d\n", "all cells", "", s.Cells, 100*s.ShareWithheld, s.MeanAbs, s.RMS, s.MaxAbs)
	return b.String()
}
