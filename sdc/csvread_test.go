package sdc

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cellSpecs is geo (smallGeo) with flat sex discovered from the data.
func cellSpecs(t testing.TB) []DimSpec {
	return []DimSpec{{Name: "geo", Dim: smallGeo(t)}, {Name: "sex"}}
}

// freqOf returns the count of the cell with the given codes.
func freqOf(t testing.TB, tab *Table, codes ...string) int64 {
	t.Helper()
	c, err := tab.CellOf(codes...)
	require.NoError(t, err)
	return tab.Freq(c)
}

func TestReadCells(t *testing.T) {
	// BOM, CRLF, quoted fields, spaces around codes and counts, an extra
	// column, columns in another order, a blank line, explicit zeros.
	in := "\uFEFFnote,sex,freq,geo\r\n" +
		"\"a, b\",F,3,0301\r\n" +
		"\"x\",\"M\",\" 4 \",\" 1101\"\r\n" +
		"\r\n" +
		"\"multi\nline\",M,0,1151\r\n" +
		",F,+2,1151\r\n"
	tab, err := ReadCells(strings.NewReader(in), cellSpecs(t), CellsOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, tab.NumDims())
	// Flat dimensions list their codes sorted, whatever the rows' order.
	assert.Equal(t, []string{TotalCode, "F", "M"}, tab.Dim(1).codes)
	assert.Equal(t, int64(3), freqOf(t, tab, "0301", "F"))
	assert.Equal(t, int64(0), freqOf(t, tab, "0301", "M"), "absent cells are zero")
	assert.Equal(t, int64(4), freqOf(t, tab, "1101", "M"))
	assert.Equal(t, int64(2), freqOf(t, tab, "1151", "F"))
	assert.Equal(t, int64(6), freqOf(t, tab, "11", TotalCode))
	assert.Equal(t, int64(3), freqOf(t, tab, "03", TotalCode))
	assert.Equal(t, int64(9), freqOf(t, tab, "NO", TotalCode))
	assert.Equal(t, int64(5), freqOf(t, tab, "NO", "F"))

	// A named count column.
	tab, err = ReadCells(strings.NewReader("geo,sex,n\n0301,M,1\n"), cellSpecs(t), CellsOptions{Count: "n"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), freqOf(t, tab, "NO", TotalCode))

	// Several flat dimensions, their codes sorted byte-wise, not in order of
	// first appearance ("10" before "9").
	tab, err = ReadCells(strings.NewReader("b,a,freq\nz,2,1\ny,1,1\nz,1,1\nx,9,1\nx,10,1\n"),
		[]DimSpec{{Name: "a"}, {Name: "b"}}, CellsOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{TotalCode, "1", "10", "2", "9"}, tab.Dim(0).codes)
	assert.Equal(t, []string{TotalCode, "x", "y", "z"}, tab.Dim(1).codes)
	assert.Equal(t, "a", tab.Dim(0).Name())
	assert.Equal(t, int64(2), freqOf(t, tab, "1", TotalCode))
	assert.Equal(t, int64(5), freqOf(t, tab, TotalCode, TotalCode))
}

func TestReadCellsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opt      CellsOptions
		want     string
	}{
		{"empty file", "", CellsOptions{}, "empty file"},
		{"only blank lines", "\n\n", CellsOptions{}, "empty file"},
		{"header only", "geo,sex,freq\n", CellsOptions{}, "no data rows"},
		{"header only CRLF with BOM", "\uFEFFgeo,sex,freq\r\n", CellsOptions{}, "no data rows"},
		{"missing count column", "geo,sex,count\n0301,M,1\n", CellsOptions{},
			`row 1: missing column "freq" (header has "geo", "sex", "count")`},
		{"missing named count column", "geo,sex,freq\n0301,M,1\n", CellsOptions{Count: "n"},
			`row 1: missing column "n" (header has "geo", "sex", "freq")`},
		{"missing dimension column", "geo,freq\n0301,1\n", CellsOptions{},
			`row 1: missing column "sex" (header has "geo", "freq")`},
		{"duplicate column", "geo,sex,geo,freq\n0301,M,0301,1\n", CellsOptions{},
			`row 1: column "geo" appears twice in the header`},
		{"unknown code", "geo,sex,freq\n0301,M,1\n9999,F,2\n", CellsOptions{}, `row 3: unknown geo code "9999"`},
		{"unknown code at its first row", "geo,sex,freq\n0301,M,1\n0399,F,1\n0302,M,1\n0399,M,1\n", CellsOptions{},
			`row 3: unknown geo code "0399"`},
		{"not a leaf", "geo,sex,freq\n0301,M,1\n11,F,2\n", CellsOptions{},
			`row 3: geo code "11" is a total, not a leaf (rows must be inner cells unless totals are allowed)`},
		{"root", "geo,sex,freq\nNO,F,2\n", CellsOptions{},
			`row 2: geo code "NO" is a total, not a leaf (rows must be inner cells unless totals are allowed)`},
		{"flat total", "geo,sex,freq\n0301,M,1\n1101,Total,2\n", CellsOptions{},
			`row 3: sex code "Total" is a total, not a leaf (rows must be inner cells unless totals are allowed)`},
		{"duplicate inner cell", "geo,sex,freq\n0301,M,1\n1101,F,2\n\"0301\", M ,3\n", CellsOptions{},
			`row 4: duplicate cell 0301×M (first at row 2)`},
		{"duplicate total", "geo,sex,freq\n0301,M,1\n11,Total,0\n11,Total,0\n", CellsOptions{Totals: true},
			`row 4: duplicate cell 11×Total (first at row 3)`},
		{"negative count", "geo,sex,freq\n0301,M,-1\n", CellsOptions{}, `row 2: count "-1" is negative`},
		{"fractional count", "geo,sex,freq\n0301,M,1.5\n", CellsOptions{}, `row 2: count "1.5" is not an integer`},
		{"exponent count", "geo,sex,freq\n0301,M,1e3\n", CellsOptions{}, `row 2: count "1e3" is not an integer`},
		{"word count", "geo,sex,freq\n0301,M,1\n1101,M,many\n", CellsOptions{}, `row 3: count "many" is not an integer`},
		{"overflowing count", "geo,sex,freq\n0301,M,9223372036854775808\n", CellsOptions{},
			`row 2: count "9223372036854775808" overflows a 64-bit integer`},
		{"overflowing grand total", "geo,sex,freq\n0301,M,9223372036854775807\n1101,M,1\n", CellsOptions{},
			`table: the grand total overflows int64`},
		{"empty count", "geo,sex,freq\n0301,M,1\n1101,M, \n", CellsOptions{}, `row 3: empty count`},
		{"empty code", "geo,sex,freq\n0301,,1\n", CellsOptions{}, `row 2, column 2: empty sex code`},
		{"ragged row", "geo,sex,freq\n0301,M,1\n1101,M\n", CellsOptions{}, `row 3: wrong number of fields (ragged row)`},
		{"long row", "geo,sex,freq\n0301,M,1,9\n", CellsOptions{}, `row 2: wrong number of fields (ragged row)`},
		{"bad quote", "geo,sex,freq\n0301,M,1\n\"1101,M,1\n", CellsOptions{}, `row 3: extraneous or missing " in quoted-field`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ReadCells(strings.NewReader(tc.in), cellSpecs(t), tc.opt)
			require.Error(t, err)
			assert.Nil(t, tab)
			assert.Equal(t, tc.want, err.Error())
		})
	}

	// The first unknown code is reported, whichever dimension it is in.
	two := []DimSpec{{Name: "geo", Dim: smallGeo(t)}, {Name: "age", Dim: mustDim(t, "age", "all:", "young:all", "old:all")}}
	_, err := ReadCells(strings.NewReader("geo,age,freq\n0301,young,1\n0301,mid,1\n0302,old,1\n"), two, CellsOptions{})
	assert.EqualError(t, err, `row 3: unknown age code "mid"`)
	_, err = ReadCells(strings.NewReader("geo,age,freq\n0301,young,1\n0302,old,1\n0301,mid,1\n"), two, CellsOptions{})
	assert.EqualError(t, err, `row 3: unknown geo code "0302"`)

	_, err = ReadCells(strings.NewReader("freq\n1\n"), nil, CellsOptions{})
	assert.EqualError(t, err, "no dimensions")

	// Too many publishable cells for three flat dimensions of 1,300 codes.
	var sb strings.Builder
	sb.WriteString("a,b,c,freq\n")
	for i := 0; i < 1300; i++ {
		fmt.Fprintf(&sb, "a%d,b%d,c%d,1\n", i, i, i)
	}
	_, err = ReadCells(strings.NewReader(sb.String()), []DimSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}}, CellsOptions{})
	assert.EqualError(t, err, "table: more than 2147483647 publishable cells")
}

func TestReadCellsTotals(t *testing.T) {
	// Totals that add up are accepted, for hierarchical and flat dimensions,
	// and the flat dimension's total is not taken for a leaf.
	in := "geo,sex,freq\n" +
		"NO,Total,10\n" +
		"0301,M,1\n" +
		"0301,F,2\n" +
		"03,Total,3\n" +
		"1101,M,3\n" +
		"1151,F,4\n" +
		"11,M,3\n" +
		"11,Total,7\n" +
		"NO,F,6\n"
	tab, err := ReadCells(strings.NewReader(in), cellSpecs(t), CellsOptions{Totals: true})
	require.NoError(t, err)
	assert.Equal(t, []string{TotalCode, "F", "M"}, tab.Dim(1).codes)
	assert.Equal(t, int64(10), freqOf(t, tab, "NO", TotalCode))
	assert.Equal(t, int64(4), freqOf(t, tab, "NO", "M"))
	assert.Equal(t, int64(4), freqOf(t, tab, "11", "F"))

	// A given total whose inner cells are absent must be 0.
	_, err = ReadCells(strings.NewReader("geo,sex,freq\n0301,M,1\n11,Total,0\n"), cellSpecs(t), CellsOptions{Totals: true})
	require.NoError(t, err)

	// Mismatches are reported with both numbers, the first five of them.
	in = "geo,sex,freq\n" +
		"0301,M,1\n" +
		"1101,F,2\n" +
		"NO,Total,4\n" + // 3
		"03,Total,1\n" + // ok
		"03,M,2\n" + // 1
		"11,Total,3\n" + // 2
		"11,F,0\n" + // 2
		"NO,M,1\n" + // ok
		"0301,Total,9\n" + // 1
		"NO,F,1\n" + // 2
		"1151,Total,1\n" // 0
	_, err = ReadCells(strings.NewReader(in), cellSpecs(t), CellsOptions{Totals: true})
	assert.EqualError(t, err, "7 given totals do not add up:\n"+
		"row 4: total NO×Total is 4 but its inner cells add up to 3\n"+
		"row 6: total 03×M is 2 but its inner cells add up to 1\n"+
		"row 7: total 11×Total is 3 but its inner cells add up to 2\n"+
		"row 8: total 11×F is 0 but its inner cells add up to 2\n"+
		"row 10: total 0301×Total is 9 but its inner cells add up to 1")
}

// recordsIn is a small set of claims: P1 has two records in one cell, P3 and
// P4 serve two municipalities of county 11, and P5 contributes 0.
const recordsIn = "geo,service,provider,amount\n" +
	"0301,lab,P1,100\n" +
	"0301,lab,P1,50\n" +
	"0301,lab,P2,120\n" +
	"1101,lab,P3,10\n" +
	"1101,lab,P4,40\n" +
	"1151,lab,P3,35\n" +
	"1151,xray,P4,1\n" +
	"1151,xray,P5,0\n"

func TestReadRecords(t *testing.T) {
	specs := []DimSpec{{Name: "geo", Dim: smallGeo(t)}, {Name: "service"}}
	tab, err := ReadRecords(strings.NewReader(recordsIn), specs, RecordsOptions{Value: "amount", Contributor: "provider"})
	require.NoError(t, err)
	require.True(t, tab.HasMagnitude())
	assert.Equal(t, DefaultTopK, tab.TopK())
	tops := func(c int) []float64 {
		var out []float64
		for i := 0; i < tab.TopK(); i++ {
			out = append(out, tab.Top(c, i))
		}
		return out
	}
	type cell struct {
		freq    int64
		value   float64
		contrib int
		top     []float64
	}
	want := map[[2]string]cell{
		// A contributor with several records in a cell is counted once, with
		// the sum of its records.
		{"0301", "lab"}: {3, 270, 2, []float64{150, 120, 0}},
		// P3's records in 1101 and 1151 add up in the county total.
		{"11", "lab"}:    {3, 85, 2, []float64{45, 40, 0}},
		{"11", "Total"}:  {5, 86, 3, []float64{45, 41, 0}},
		{"NO", "Total"}:  {8, 356, 5, []float64{150, 120, 45}},
		{"1151", "xray"}: {2, 1, 2, []float64{1, 0, 0}},
	}
	for k, w := range want {
		c, err := tab.CellOf(k[0], k[1])
		require.NoError(t, err)
		assert.Equal(t, w.freq, tab.Freq(c), "freq %v", k)
		assert.Equal(t, w.value, tab.Value(c), "value %v", k)
		assert.Equal(t, w.contrib, tab.Contributors(c), "contributors %v", k)
		assert.Equal(t, w.top, tops(c), "top %v", k)
	}

	// TopK option.
	tab, err = ReadRecords(strings.NewReader(recordsIn), specs, RecordsOptions{Value: "amount", Contributor: "provider", TopK: 5})
	require.NoError(t, err)
	c, _ := tab.CellOf("NO", "Total")
	assert.Equal(t, []float64{150, 120, 45, 41, 0}, tops(c))

	// Without a value column each record counts 1, per contributor.
	tab, err = ReadRecords(strings.NewReader(recordsIn), specs, RecordsOptions{Contributor: "provider"})
	require.NoError(t, err)
	require.True(t, tab.HasMagnitude())
	c, _ = tab.CellOf("NO", "Total")
	assert.Equal(t, 8.0, tab.Value(c))
	assert.Equal(t, []float64{2, 2, 2}, tops(c)) // P1, P3 and P4 have two records each
	assert.Equal(t, 5, tab.Contributors(c))

	// Without a contributor column each record is its own contributor.
	tab, err = ReadRecords(strings.NewReader(recordsIn), specs, RecordsOptions{Value: "amount"})
	require.NoError(t, err)
	c, _ = tab.CellOf("NO", "Total")
	assert.Equal(t, 8, tab.Contributors(c))
	assert.Equal(t, []float64{120, 100, 50}, tops(c))
	c, _ = tab.CellOf("0301", "lab")
	assert.Equal(t, 3, tab.Contributors(c))

	// Neither: a frequency table of record counts.
	tab, err = ReadRecords(strings.NewReader(recordsIn), specs, RecordsOptions{})
	require.NoError(t, err)
	assert.False(t, tab.HasMagnitude())
	assert.Equal(t, int64(8), freqOf(t, tab, "NO", TotalCode))
	assert.Equal(t, int64(3), freqOf(t, tab, "0301", "lab"))
	assert.Equal(t, []string{TotalCode, "lab", "xray"}, tab.Dim(1).codes)
}

func TestReadRecordsErrors(t *testing.T) {
	opt := RecordsOptions{Value: "amount", Contributor: "provider"}
	head := "geo,service,provider,amount\n"
	tests := []struct {
		name, in string
		opt      RecordsOptions
		want     string
	}{
		{"empty file", "", opt, "empty file"},
		{"header only", head, opt, "no data rows"},
		{"missing value column", "geo,service,provider\n0301,lab,P1\n", opt,
			`row 1: missing column "amount" (header has "geo", "service", "provider")`},
		{"missing contributor column", "geo,service,amount\n0301,lab,1\n", opt,
			`row 1: missing column "provider" (header has "geo", "service", "amount")`},
		{"value not a number", head + "0301,lab,P1,1\n0301,lab,P1,abc\n", opt, `row 3, column 4: value "abc" is not a plain decimal number (digits and one optional point; no exponent)`},
		{"empty value", head + "0301,lab,P1,\n", opt, `row 2, column 4: value "" is not a number`},
		{"NaN value", head + "0301,lab,P1,NaN\n", opt, `row 2, column 4: value "NaN" is not a plain decimal number (digits and one optional point; no exponent)`},
		{"infinite value", head + "0301,lab,P1,-Inf\n", opt, `row 2, column 4: value "-Inf" is negative`},
		{"exponent", head + "0301,lab,P1,1e400\n", opt, `row 2, column 4: value "1e400" is not a plain decimal number (digits and one optional point; no exponent)`},
		{"overflowing value", head + "0301,lab,P1,99999999999999999999\n", opt, `row 2, column 4: value 99999999999999999999 is too large for an exact value (at most 9223372036854775807 units of the last decimal place)`},
		{"more decimals than declared", head + "0301,lab,P1,1.005\n", RecordsOptions{Value: "amount", Contributor: "provider", Decimals: 2}, `row 2, column 4: value "1.005" has more than the 2 decimal places declared`},
		{"negative value", head + "0301,lab,P1,-2.5\n", opt, `row 2, column 4: value "-2.5" is negative`},
		{"empty contributor", head + "0301,lab, ,1\n", opt, `row 2: empty contributor`},
		{"unknown code", head + "0301,lab,P1,1\n0399,lab,P1,1\n", opt, `row 3: unknown geo code "0399"`},
		{"total code", head + "0301,lab,P1,1\n03,lab,P1,1\n", opt, `row 3: geo code "03" is a total, not a leaf`},
		{"flat total code", head + "0301,Total,P1,1\n", opt,
			`row 2: service code "Total" is a total, not a leaf (rows must be inner cells unless totals are allowed)`},
		{"ragged row", head + "0301,lab,P1\n", opt, `row 2: wrong number of fields (ragged row)`},
		{"top-k out of range", head + "0301,lab,P1,1\n", RecordsOptions{Value: "amount", Contributor: "provider", TopK: 17},
			"builder: top-k 17 out of range 1..16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			specs := []DimSpec{{Name: "geo", Dim: smallGeo(t)}, {Name: "service"}}
			tab, err := ReadRecords(strings.NewReader(tc.in), specs, tc.opt)
			require.Error(t, err)
			assert.Nil(t, tab)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

// TestReadOrderIndependent reads one hierarchy and one table with their rows
// shuffled: the dimensions (codes, parents, numbering) and the table (every
// cell, by index) must come out the same every time.
func TestReadOrderIndependent(t *testing.T) {
	hier := [][2]string{{"NO", ""}, {"03", "NO"}, {"0301", "03"}, {"11", "NO"}, {"1151", "11"}, {"1101", "11"},
		{"1103", "11"}, {"15", "NO"}, {"1505", "15"}, {"1506", "15"}}
	cells := []string{"1101,M,00-04,3", "1101,F,05-14,1", "1151,F,80+,2", "0301,M,80+,40",
		"0301,F,00-04,37", "1103,M,05-14,12", "1505,F,05-14,7", "1506,M,00-04,1", "1506,X,80+,1"}
	rng := rand.New(rand.NewPCG(13, 4))
	read := func() *Table {
		var hb strings.Builder
		hb.WriteString("code,parent\n")
		for _, i := range rng.Perm(len(hier)) {
			fmt.Fprintf(&hb, "%s,%s\n", hier[i][0], hier[i][1])
		}
		geo, err := ReadHierarchy("geo", strings.NewReader(hb.String()))
		require.NoError(t, err)
		var cb strings.Builder
		cb.WriteString("geo,sex,age,freq\n")
		for _, i := range rng.Perm(len(cells)) {
			cb.WriteString(cells[i] + "\n")
		}
		tab, err := ReadCells(strings.NewReader(cb.String()), []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}, {Name: "age"}}, CellsOptions{})
		require.NoError(t, err)
		return tab
	}
	first := read()
	// Canonical: children and flat codes sorted byte-wise, pre-order.
	assert.Equal(t, []string{"NO", "03", "0301", "11", "1101", "1103", "1151", "15", "1505", "1506"}, first.Dim(0).codes)
	assert.Equal(t, []string{TotalCode, "F", "M", "X"}, first.Dim(1).codes)
	assert.Equal(t, []string{TotalCode, "00-04", "05-14", "80+"}, first.Dim(2).codes)
	for range 20 {
		again := read()
		for d := 0; d < first.NumDims(); d++ {
			require.Equal(t, first.Dim(d).codes, again.Dim(d).codes)
			require.Equal(t, first.Dim(d).parent, again.Dim(d).parent)
		}
		require.Equal(t, first.Freqs(), again.Freqs())
	}

	// Records too: flat codes sorted, not in order of first appearance.
	recs, err := ReadRecords(strings.NewReader("kind,v\nxray,1\nlab,2\nct,3\n"), []DimSpec{{Name: "kind"}}, RecordsOptions{Value: "v"})
	require.NoError(t, err)
	assert.Equal(t, []string{TotalCode, "ct", "lab", "xray"}, recs.Dim(0).codes)
}

// Issue 14: a NUL byte or invalid UTF-8 in a flat code added a category;
// record values 1e308 + 1e308 gave a sum of +Inf. Every row error of the
// cell and record readers is a *ParseError with its row (and its column
// where one field is at fault).
func TestReadHostileValues(t *testing.T) {
	cases := []struct {
		name, in string
		records  bool
		row, col int
		is       error
		want     string
	}{
		{"NUL in a flat code", "geo,sex,freq\n1101,M,1\n1101,F\x00,2\n", false, 3, 2, ErrBadCode, `sex: invalid code "F\x00": control character U+0000`},
		{"invalid UTF-8", "geo,sex,freq\n1101,M,1\n1101,\xff,2\n", false, 3, 2, ErrBadCode, "not valid UTF-8"},
		{"tab in a code", "sex,geo,freq\nM\tF,1101,1\n", false, 2, 1, ErrBadCode, "U+0009"},
		{"record code with a control character", "geo,sex,provider,amount\n1101,M\x01,P1,3\n", true, 2, 2, ErrBadCode, "U+0001"},
		{"sum overflows", "geo,sex,provider,amount\n1101,M,P1,9000000000000000000\n1151,F,P2,9000000000000000000\n", true, 3, 4, ErrNotFinite, "overflow"},
		{"infinite value", "geo,sex,provider,amount\n1101,M,P1,Inf\n", true, 2, 4, ErrNotFinite, "not a plain decimal number"},
		// Every other row error is a *ParseError too.
		{"unknown code", "geo,sex,freq\n1101,M,1\n9999,F,2\n", false, 3, 0, ErrUnknownCode, `unknown geo code "9999"`},
		{"total as a leaf", "geo,sex,freq\n11,M,1\n", false, 2, 0, nil, "is a total, not a leaf"},
		{"duplicate cell", "geo,sex,freq\n1101,M,1\n1101,M,2\n", false, 3, 0, nil, "duplicate cell"},
		{"empty code", "geo,sex,freq\n1101,,1\n", false, 2, 2, nil, "empty sex code"},
		{"bad count", "geo,sex,freq\n1101,M,x\n", false, 2, 0, nil, `"x"`},
		{"negative value", "geo,sex,provider,amount\n1101,M,P1,-3\n", true, 2, 4, nil, "negative"},
		{"empty contributor", "geo,sex,provider,amount\n1101,M,,3\n", true, 2, 0, nil, "empty contributor"},
	}
	geo := mustDim(t, "geo", "NO:", "11:NO", "1101:11", "1151:11")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specs := []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}
			var err error
			if tc.records {
				_, err = ReadRecords(strings.NewReader(tc.in), specs, RecordsOptions{Value: "amount", Contributor: "provider"})
			} else {
				_, err = ReadCells(strings.NewReader(tc.in), specs, CellsOptions{})
			}
			require.Error(t, err)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.row, pe.Row)
			assert.Equal(t, tc.col, pe.Column)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A declared code list makes a typo an error, not a category.
	sex, err := NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	_, err = ReadCells(strings.NewReader("geo,sex,freq\n1101,M,1\n1101,X,2\n"), []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex", Dim: sex}}, CellsOptions{})
	require.EqualError(t, err, `row 3: unknown sex code "X"`)
}
