package benchmarks

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/tabsdc/tabsdc/data"
	"github.com/tabsdc/tabsdc/sdc"
)

// Names lists the tables Generate knows.
var Names = []string{"T1", "T2", "T3", "T4", "M"}

// T1County is the county of table T1: Rogaland, with 23 municipalities,
// Utsira (215 residents, the smallest in Norway) among them.
const T1County = "11"

// Sexes and AgeGroups are the categories of the sex and age dimensions.
var (
	Sexes     = []string{"M", "F"}
	AgeGroups = []string{"00-04", "05-14", "15-24", "25-44", "45-64", "65-79", "80+"}
)

// Shares of the population by sex and age group (approximately Norway's).
var (
	sexShare = []float64{0.504, 0.496}
	ageShare = []float64{0.053, 0.115, 0.125, 0.270, 0.255, 0.135, 0.047}
	// ageRate scales a diagnosis' rate by age group.
	ageRate = []float64{0.8, 0.6, 0.7, 0.8, 1.0, 1.6, 2.4}
)

// Rate parameters: a yearly rate per resident for T1 and T2, and for T3 the
// first diagnosis' rate, falling by diagQ from one diagnosis to the next.
const (
	baseRate = 0.03
	diagRate = 0.01
	diagQ    = 0.7
	nDiag    = 20
	nWeeks   = 52
	seed     = 20240101
)

// Dimension names of the generated tables.
const (
	DimGeo     = "geo"
	DimSex     = "sex"
	DimAge     = "age"
	DimDiag    = "diag"
	DimWeek    = "week"
	DimService = "service"
)

// Services are the categories of the magnitude table's service dimension.
var Services = []string{"consultation", "home-visit", "lab", "imaging", "physio", "psychology", "dental", "pharmacy"}

// DiagCodes returns the diagnosis codes of T3 and T4: D01..D20.
func DiagCodes() []string {
	out := make([]string, nDiag)
	for i := range out {
		out[i] = fmt.Sprintf("D%02d", i+1)
	}
	return out
}

// WeekCodes returns the week codes of T4: 2024W01..2024W52 (ISO weeks).
func WeekCodes() []string {
	out := make([]string, nWeeks)
	for i := range out {
		out[i] = fmt.Sprintf("2024W%02d", i+1)
	}
	return out
}

// Dimensions returns the dimensions of a generated table.
func Dimensions(name string) ([]*sdc.Dimension, error) {
	county := ""
	switch name {
	case "T1":
		county = T1County
	case "T2", "T3", "T4", "M":
	default:
		return nil, fmt.Errorf("unknown table %q (want one of %v)", name, Names)
	}
	geo, err := data.Geo(DimGeo, county)
	if err != nil {
		return nil, err
	}
	flat := func(n string, codes []string) *sdc.Dimension {
		d, err2 := sdc.NewFlat(n, codes)
		if err2 != nil {
			err = err2
		}
		return d
	}
	var dims []*sdc.Dimension
	switch name {
	case "T1", "T2":
		dims = []*sdc.Dimension{geo, flat(DimSex, Sexes), flat(DimAge, AgeGroups)}
	case "T3":
		dims = []*sdc.Dimension{geo, flat(DimSex, Sexes), flat(DimAge, AgeGroups), flat(DimDiag, DiagCodes())}
	case "T4":
		dims = []*sdc.Dimension{geo, flat(DimSex, Sexes), flat(DimAge, AgeGroups), flat(DimDiag, DiagCodes()), flat(DimWeek, WeekCodes())}
	case "M":
		dims = []*sdc.Dimension{geo, flat(DimService, Services)}
	}
	return dims, err
}

// Table generates a benchmark table in memory.
func Table(name string) (*sdc.Table, error) {
	dims, err := Dimensions(name)
	if err != nil {
		return nil, err
	}
	if name == "M" {
		return magnitudeTable(dims)
	}
	b, err := sdc.NewBuilder(dims...)
	if err != nil {
		return nil, err
	}
	pops, err := populations(dims[0])
	if err != nil {
		return nil, err
	}
	err = forEachCount(name, dims, pops, func(c int, v int64) error { return b.AddInnerCell(c, v) }, b.Shape())
	if err != nil {
		return nil, err
	}
	return b.Build()
}

// populations maps each leaf of the geo dimension to its population.
func populations(geo *sdc.Dimension) ([]float64, error) {
	ms, err := data.Municipalities()
	if err != nil {
		return nil, err
	}
	pop := make([]float64, geo.NumLeaves())
	for _, m := range ms {
		if n, ok := geo.Index(m.Code); ok {
			pop[geo.LeafOrdinal(n)] = float64(m.Population)
		}
	}
	return pop, nil
}

// forEachCount draws the count of every inner cell, in a fixed order, and
// passes the non-zero ones to fn with their cell index in shape.
func forEachCount(name string, dims []*sdc.Dimension, pops []float64, fn func(c int, v int64) error, shape *sdc.Table) error {
	src := rand.NewPCG(seed, uint64(len(name))<<32|uint64(name[len(name)-1]))
	pois := distuv.Poisson{Src: src}
	nd := len(dims)
	leaves := make([]int, nd)
	var walk func(d int, mean float64) error
	nodes := make([]int, nd)
	for d := range dims {
		leaves[d] = dims[d].NumLeaves()
	}
	walk = func(d int, mean float64) error {
		if d == nd {
			if mean <= 0 {
				return nil
			}
			pois.Lambda = mean
			v := int64(pois.Rand())
			if v == 0 {
				return nil
			}
			return fn(shape.Cell(nodes...), v)
		}
		for k := 0; k < leaves[d]; k++ {
			nodes[d] = dims[d].Leaf(k)
			m := mean
			switch dims[d].Name() {
			case DimGeo:
				m *= pops[k]
			case DimSex:
				m *= sexShare[k]
			case DimAge:
				m *= ageShare[k] * ageRate[k]
			case DimDiag:
				m *= math.Pow(diagQ, float64(k))
			case DimWeek:
				m /= nWeeks
			}
			if err := walk(d+1, m); err != nil {
				return err
			}
		}
		return nil
	}
	rate := baseRate
	if nd > 3 {
		rate = diagRate
	}
	return walk(0, rate)
}

// WriteCells writes a generated table's inner cells as CSV (a column per
// dimension, then freq), leaving out zeros, in the layout ReadCells reads.
func WriteCells(w io.Writer, t *sdc.Table) error {
	bw := newLineWriter(w)
	for d := 0; d < t.NumDims(); d++ {
		bw.field(t.Dim(d).Name())
	}
	bw.field("freq")
	bw.end()
	for k := 0; k < t.NumInner(); k++ {
		c := t.InnerCell(k)
		v := t.Freq(c)
		if v == 0 {
			continue
		}
		for _, code := range t.Codes(c) {
			bw.field(code)
		}
		bw.field(strconv.FormatInt(v, 10))
		bw.end()
	}
	return bw.flush()
}

// WriteHierarchy writes a dimension as code,parent CSV, in pre-order.
func WriteHierarchy(w io.Writer, d *sdc.Dimension) error {
	bw := newLineWriter(w)
	bw.field("code")
	bw.field("parent")
	bw.end()
	for i := 0; i < d.Len(); i++ {
		bw.field(d.Code(i))
		if p := d.Parent(i); p >= 0 {
			bw.field(d.Code(p))
		} else {
			bw.field("")
		}
		bw.end()
	}
	return bw.flush()
}

// Record is one claim of the magnitude table: a provider's amount for one
// service in one municipality.
type Record struct {
	Municipality string
	Service      string
	Provider     string
	Amount       float64
}

// MagnitudeRecords generates the records behind table M. Providers are drawn
// per municipality (about one per 1,500 residents, at least one); their sizes
// are heavy-tailed, so one provider often dominates a small municipality's
// cell; about one provider in ten also serves the next municipality of its
// county.
func MagnitudeRecords() ([]Record, error) {
	ms, err := data.Municipalities()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 77))
	pareto := distuv.Pareto{Xm: 1, Alpha: 1.5, Src: rng}
	var recs []Record
	for i, m := range ms {
		np := 1 + int(float64(m.Population)/1500*rng.Float64()*2)
		for p := 0; p < np; p++ {
			id := fmt.Sprintf("P%s-%03d", m.Code, p)
			size := pareto.Rand()
			munis := []string{m.Code}
			if rng.IntN(10) == 0 && i+1 < len(ms) && ms[i+1].County == m.County {
				munis = append(munis, ms[i+1].Code)
			}
			for _, mc := range munis {
				for _, s := range Services {
					if rng.Float64() < 0.35 {
						continue
					}
					amount := math.Round(size*1000*(0.5+rng.Float64())*100) / 100
					recs = append(recs, Record{Municipality: mc, Service: s, Provider: id, Amount: amount})
				}
			}
		}
	}
	sort.SliceStable(recs, func(a, b int) bool {
		if recs[a].Municipality != recs[b].Municipality {
			return recs[a].Municipality < recs[b].Municipality
		}
		return recs[a].Service < recs[b].Service
	})
	return recs, nil
}

func magnitudeTable(dims []*sdc.Dimension) (*sdc.Table, error) {
	recs, err := MagnitudeRecords()
	if err != nil {
		return nil, err
	}
	b, err := sdc.NewBuilder(dims...)
	if err != nil {
		return nil, err
	}
	nodes := make([]int, 2)
	for i, r := range recs {
		g, _ := dims[0].Index(r.Municipality)
		s, _ := dims[1].Index(r.Service)
		nodes[0], nodes[1] = g, s
		if err := b.AddRecord(nodes, r.Provider, r.Amount); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	return b.Build()
}

// WriteRecords writes the records of table M as CSV with the columns geo,
// service, provider, amount.
func WriteRecords(w io.Writer, recs []Record) error {
	bw := newLineWriter(w)
	for _, h := range []string{DimGeo, DimService, "provider", "amount"} {
		bw.field(h)
	}
	bw.end()
	for _, r := range recs {
		bw.field(r.Municipality)
		bw.field(r.Service)
		bw.field(r.Provider)
		bw.field(strconv.FormatFloat(r.Amount, 'f', 2, 64))
		bw.end()
	}
	return bw.flush()
}
