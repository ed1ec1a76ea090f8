package benchmarks

import (
	"bytes"
	"encoding/csv"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

// genUnder reports whether node n of dim is a or lies below it, by walking
// up the parents (independently of the dimension's index ranges).
func genUnder(dim *sdc.Dimension, n, a int) bool {
	for ; n >= 0; n = dim.Parent(n) {
		if n == a {
			return true
		}
	}
	return false
}

// genInnerCells lists the cells all of whose nodes have no children.
func genInnerCells(tab *sdc.Table) []int {
	var out []int
	for c := 0; c < tab.NumCells(); c++ {
		inner := true
		for d := 0; d < tab.NumDims(); d++ {
			inner = inner && tab.Dim(d).NumChildren(tab.Node(c, d)) == 0
		}
		if inner {
			out = append(out, c)
		}
	}
	return out
}

func TestT1TotalsBruteForce(t *testing.T) {
	tab, err := Table("T1")
	require.NoError(t, err)
	require.Equal(t, 3, tab.NumDims())
	assert.Equal(t, []string{DimGeo, DimSex, DimAge}, []string{tab.Dim(0).Name(), tab.Dim(1).Name(), tab.Dim(2).Name()})
	assert.Equal(t, T1County, tab.Dim(0).Code(0))
	assert.Equal(t, 23, tab.Dim(0).NumLeaves())
	assert.Equal(t, 24*3*8, tab.NumCells())
	inner := genInnerCells(tab)
	require.Len(t, inner, 23*2*7)
	require.Equal(t, tab.NumInner(), len(inner))

	zeros, nonzero := 0, 0
	for _, ic := range inner {
		if tab.Freq(ic) == 0 {
			zeros++
		} else {
			nonzero++
		}
	}
	assert.Positive(t, zeros, "small municipalities give zero cells")
	assert.Positive(t, nonzero)

	for c := 0; c < tab.NumCells(); c++ {
		var sum int64
		for _, ic := range inner {
			under := true
			for d := 0; d < tab.NumDims() && under; d++ {
				under = genUnder(tab.Dim(d), tab.Node(ic, d), tab.Node(c, d))
			}
			if under {
				sum += tab.Freq(ic)
			}
		}
		require.Equal(t, sum, tab.Freq(c), "cell %s", tab.Label(c))
	}
}

func TestT2TotalsBruteForce(t *testing.T) {
	tab, err := Table("T2")
	require.NoError(t, err)
	assert.Equal(t, 4998, tab.NumInner())
	assert.Equal(t, 373*3*8, tab.NumCells())
	// Push every inner cell into every cell above it.
	want := make([]int64, tab.NumCells())
	nd := tab.NumDims()
	for _, ic := range genInnerCells(tab) {
		var anc [][]int
		for d := 0; d < nd; d++ {
			var a []int
			for n := tab.Node(ic, d); n >= 0; n = tab.Dim(d).Parent(n) {
				a = append(a, n)
			}
			anc = append(anc, a)
		}
		for _, g := range anc[0] {
			for _, s := range anc[1] {
				for _, a := range anc[2] {
					want[tab.Cell(g, s, a)] += tab.Freq(ic)
				}
			}
		}
	}
	require.Equal(t, want, tab.Freqs())
}

func TestTablesAreDeterministic(t *testing.T) {
	for _, name := range []string{"T1", "T2"} {
		a, err := Table(name)
		require.NoError(t, err)
		b, err := Table(name)
		require.NoError(t, err)
		assert.Equal(t, a.Freqs(), b.Freqs(), name)
	}
}

func TestShapes(t *testing.T) {
	type shape struct{ dims, inner, cells int }
	want := map[string]shape{
		"T1": {3, 23 * 2 * 7, 24 * 3 * 8},
		"T2": {3, 4998, 373 * 3 * 8},
		"T3": {4, 99960, 373 * 3 * 8 * 21},
		"T4": {5, 99960 * 52, 373 * 3 * 8 * 21 * 53},
		"M":  {2, 357 * 8, 373 * 9},
	}
	for _, name := range Names {
		dims, err := Dimensions(name)
		require.NoError(t, err, name)
		inner, cells := 1, 1
		for _, d := range dims {
			inner *= d.NumLeaves()
			cells *= d.Len()
		}
		assert.Equal(t, want[name], shape{len(dims), inner, cells}, name)
	}
	_, err := Dimensions("T9")
	assert.EqualError(t, err, `unknown table "T9" (want one of [T1 T2 T3 T4 M])`)
	_, err = Table("T9")
	assert.Error(t, err)

	assert.Equal(t, "D01", DiagCodes()[0])
	assert.Equal(t, "D20", DiagCodes()[19])
	assert.Len(t, WeekCodes(), 52)
	assert.Equal(t, "2024W52", WeekCodes()[51])
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, name := range []string{"T1", "T2"} {
		t.Run(name, func(t *testing.T) {
			tab, err := Table(name)
			require.NoError(t, err)

			var hier, cells bytes.Buffer
			require.NoError(t, WriteHierarchy(&hier, tab.Dim(0)))
			require.NoError(t, WriteCells(&cells, tab))
			rows, err := csv.NewReader(bytes.NewReader(cells.Bytes())).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, []string{DimGeo, DimSex, DimAge, "freq"}, rows[0])
			for _, r := range rows[1:] {
				require.NotEqual(t, "0", r[3], "zeros are left out")
			}

			geo, err := sdc.ReadHierarchy(DimGeo, &hier)
			require.NoError(t, err)
			require.Equal(t, tab.Dim(0).Len(), geo.Len())
			for i := 0; i < geo.Len(); i++ {
				require.Equal(t, tab.Dim(0).Code(i), geo.Code(i))
				require.Equal(t, tab.Dim(0).Parent(i), geo.Parent(i))
			}

			// With the flat dimensions given, the table is identical.
			specs := []sdc.DimSpec{{Name: DimGeo, Dim: geo}, {Name: DimSex, Dim: tab.Dim(1)}, {Name: DimAge, Dim: tab.Dim(2)}}
			got, err := sdc.ReadCells(bytes.NewReader(cells.Bytes()), specs, sdc.CellsOptions{})
			require.NoError(t, err)
			require.Equal(t, tab.Freqs(), got.Freqs())

			// With the flat dimensions discovered from the data, the codes
			// may come in another order, but every cell is the same.
			got, err = sdc.ReadCells(bytes.NewReader(cells.Bytes()), []sdc.DimSpec{{Name: DimGeo, Dim: geo}, {Name: DimSex}, {Name: DimAge}}, sdc.CellsOptions{})
			require.NoError(t, err)
			require.Equal(t, tab.NumCells(), got.NumCells())
			for c := 0; c < tab.NumCells(); c++ {
				gc, err := got.CellOf(tab.Codes(c)...)
				require.NoError(t, err)
				require.Equal(t, tab.Freq(c), got.Freq(gc), tab.Label(c))
			}
		})
	}
}

func TestMagnitudeTable(t *testing.T) {
	recs, err := MagnitudeRecords()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	tab, err := Table("M")
	require.NoError(t, err)
	require.True(t, tab.HasMagnitude())
	k := tab.TopK()
	require.Equal(t, sdc.DefaultTopK, k)

	// Brute force: per cell, the sum, the records, and each provider's
	// total, from every record pushed into the cells above it.
	geo, svc := tab.Dim(0), tab.Dim(1)
	n := tab.NumCells()
	sum := make([]float64, n)
	cnt := make([]int64, n)
	per := make([]map[string]float64, n)
	crossing := 0
	home := map[string]string{}
	for _, r := range recs {
		if h, ok := home[r.Provider]; ok && h != r.Municipality {
			crossing++
		}
		home[r.Provider] = r.Municipality
		g, ok := geo.Index(r.Municipality)
		require.True(t, ok)
		s, ok := svc.Index(r.Service)
		require.True(t, ok)
		for a := g; a >= 0; a = geo.Parent(a) {
			for b := s; b >= 0; b = svc.Parent(b) {
				c := tab.Cell(a, b)
				sum[c] += r.Amount
				cnt[c]++
				if per[c] == nil {
					per[c] = map[string]float64{}
				}
				per[c][r.Provider] += r.Amount
			}
		}
	}
	assert.Positive(t, crossing, "some providers serve two municipalities")
	for c := 0; c < n; c++ {
		require.Equal(t, cnt[c], tab.Freq(c), tab.Label(c))
		require.InDelta(t, sum[c], tab.Value(c), 1e-9*math.Max(1, sum[c]), tab.Label(c))
		require.Equal(t, len(per[c]), tab.Contributors(c), tab.Label(c))
		var top []float64
		for _, v := range per[c] {
			top = append(top, v)
		}
		sort.Sort(sort.Reverse(sort.Float64Slice(top)))
		for len(top) < k {
			top = append(top, 0)
		}
		for i := 0; i < k; i++ {
			require.InDelta(t, top[i], tab.Top(c, i), 1e-9*math.Max(1, top[i]), "%s top %d", tab.Label(c), i)
		}
	}

	// The records written as CSV and read back give the same table.
	var buf bytes.Buffer
	require.NoError(t, WriteRecords(&buf, recs))
	assert.True(t, strings.HasPrefix(buf.String(), "geo,service,provider,amount\n"))
	dims, err := Dimensions("M")
	require.NoError(t, err)
	got, err := sdc.ReadRecords(&buf, []sdc.DimSpec{{Name: DimGeo, Dim: dims[0]}, {Name: DimService, Dim: dims[1]}},
		sdc.RecordsOptions{Value: "amount", Contributor: "provider"})
	require.NoError(t, err)
	require.Equal(t, tab.Freqs(), got.Freqs())
	for c := 0; c < n; c++ {
		require.Equal(t, tab.Contributors(c), got.Contributors(c))
		require.InDelta(t, tab.Value(c), got.Value(c), 1e-9*math.Max(1, tab.Value(c)))
	}
	again, err := MagnitudeRecords()
	require.NoError(t, err)
	assert.True(t, slices.Equal(recs, again), "records are deterministic")
}
