package sdc

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzGeo is a skewed hierarchy: leaves at depths 1, 2 and 3, and a
// single-child chain (03 > 0301).
func fuzzGeo(t testing.TB) *Dimension {
	return mustDim(t, "geo", "NO:", "03:NO", "0301:03", "11:NO", "1101:11", "1151:11",
		"50:NO", "5001:50", "5001a:5001", "5001b:5001", "X:NO")
}

var cellsErrRE = regexp.MustCompile(`^(row \d+(, column \d+)?: \S|empty file$|no data rows$|table: |\d+ given totals do not add up:\n)`)

func FuzzReadCells(f *testing.F) {
	seeds := []string{
		"geo,sex,freq\n0301,M,1\n1101,F,2\n5001a,M,0\nX,F,7\n",
		"\uFEFFgeo,sex,freq\r\n\"0301\",\"M\",\" 3 \"\r\n1151,F,4\r\n",
		"sex,geo,freq,note\nF,5001b,1,\"a,b\"\nM,X,2,\"multi\nline\"\n",
		"geo,sex,freq\nNO,Total,3\n0301,M,1\n1101,F,2\n11,Total,2\n03,M,1\n",
		"geo,sex,freq\nNO,Total,4\n0301,M,1\n",
		"geo,sex,freq\n0301,Total,1\n",
		"geo,sex,freq\n",
		"",
		"geo,sex,freq\n0301,M,-1\n",
		"geo,sex,freq\n0301,M,1.5\n",
		"geo,sex,freq\n0301,M,9223372036854775807\n1101,M,1\n",
		"geo,sex,freq\n0301,M,1\n0301,M,2\n",
		"geo,sex,freq\n9999,M,1\n",
		"geo,sex,freq\n0301,M\n",
		"geo,sex,freq\n0301,,1\n",
		"geo,sex,freq\n\"0301,M,1\n",
		"geo,freq\n0301,1\n",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	geo := fuzzGeo(f)
	f.Fuzz(func(t *testing.T, in string, totals bool) {
		specs := []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}
		tab, err := ReadCells(strings.NewReader(in), specs, CellsOptions{Totals: totals})
		if err != nil {
			if tab != nil {
				t.Fatalf("table and error %v", err)
			}
			if !cellsErrRE.MatchString(err.Error()) {
				t.Fatalf("error without a row: %q", err)
			}
			return
		}
		checkTableInvariants(t, tab)
		sex := tab.Dim(1)
		seen := map[string]bool{}
		for i := 1; i < sex.Len(); i++ {
			c := sex.Code(i)
			if c == "" || c != strings.TrimSpace(c) || c == TotalCode || seen[c] {
				t.Fatalf("bad flat code %q", c)
			}
			seen[c] = true
		}

		// Writing the inner cells out and reading them again gives the
		// same table.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"geo", "sex", "freq"})
		for k := 0; k < tab.NumInner(); k++ {
			c := tab.InnerCell(k)
			if tab.Freq(c) != 0 {
				_ = w.Write([]string{tab.Dim(0).Code(tab.Node(c, 0)), sex.Code(tab.Node(c, 1)), strconv.FormatInt(tab.Freq(c), 10)})
			}
		}
		w.Flush()
		again, err := ReadCells(&buf, []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex", Dim: sex}}, CellsOptions{})
		if tab.Freq(0) == 0 {
			if err == nil || err.Error() != "no data rows" {
				t.Fatalf("empty table read back: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("reading back: %v\n%q", err, buf.String())
		}
		if !slices.Equal(tab.Freqs(), again.Freqs()) {
			t.Fatalf("round trip changed the table")
		}
	})
}

var hierErrRE = regexp.MustCompile(`^(hierarchy "g": (empty file$|row \d+: \S)|dimension "g": \S|row \d+(, column \d+)?: \S)`)

func FuzzReadHierarchy(f *testing.F) {
	seeds := []string{
		"code,parent\nNO,\n03,NO\n0301,03\n11,NO\n1101,11\n1151,11\n",
		"\uFEFFparent,code,name\r\n,T,all\r\nT,a,\"x, y\"\r\nT,b,\r\nb,b1,\r\nb1,b2,\r\n",
		"code,parent\nA,\nB,A\nC,B\nD,C\nE,D\nF,A\n",
		"code,parent\nR,\n",
		"code,parent\n",
		"",
		"code,parent\nA,B\nB,A\n",
		"code,parent\nR,\nA,B\nB,A\n",
		"code,parent\nR,\nT,A\nA,B\nB,A\n",
		"code,parent\nR,\nA,A\n",
		"code,parent\nR,\nS,\n",
		"code,parent\nR,\nA,X\n",
		"code,parent\nR,\nA,R\nA,R\n",
		"code,parent\nR,\n ,R\n",
		"code,parent\nR,\nA,R,x\n",
		"code,name\nR,\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ReadHierarchy("g", strings.NewReader(in))
		if err != nil {
			if d != nil {
				t.Fatalf("dimension and error %v", err)
			}
			if !hierErrRE.MatchString(err.Error()) {
				t.Fatalf("unexpected error form: %q", err)
			}
			return
		}
		checkDimension(t, d)

		// Writing the hierarchy out and reading it again gives the same
		// dimension.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"code", "parent"})
		for i := 0; i < d.Len(); i++ {
			p := ""
			if i > 0 {
				p = d.Code(d.Parent(i))
			}
			_ = w.Write([]string{d.Code(i), p})
		}
		w.Flush()
		again, err := ReadHierarchy("g", &buf)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if !slices.Equal(d.codes, again.codes) || !slices.Equal(d.parent, again.parent) {
			t.Fatalf("round trip changed the hierarchy")
		}

		// A table over it: every total equals the sum of its inner cells.
		if d.Len() > 2000 {
			return
		}
		sex := mustFlat(t, "sex", "M", "F")
		b, err := NewBuilder(d, sex)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < d.NumLeaves(); k++ {
			for s := 1; s <= 2; s++ {
				if err := b.AddInner([]int{d.Leaf(k), s}, int64((k*7+s*3)%5)); err != nil {
					t.Fatal(err)
				}
			}
		}
		tab, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		checkTableInvariants(t, tab)
	})
}

// checkDimension checks the invariants of a dimension's numbering.
func checkDimension(t *testing.T, d *Dimension) {
	t.Helper()
	n := d.Len()
	if n == 0 || d.Parent(0) != -1 || d.Depth(0) != 0 || d.SubtreeSize(0) != n {
		t.Fatalf("bad root")
	}
	// pre[i] counts the leaves before node i, by IsLeaf alone.
	pre := make([]int, n+1)
	for i := 0; i < n; i++ {
		pre[i+1] = pre[i]
		if d.IsLeaf(i) {
			pre[i+1]++
		}
	}
	leaves := 0
	for i := 0; i < n; i++ {
		if j, ok := d.Index(d.Code(i)); !ok || j != i {
			t.Fatalf("Index(Code(%d)) = %d", i, j)
		}
		if d.Code(i) == "" || d.Code(i) != strings.TrimSpace(d.Code(i)) {
			t.Fatalf("bad code %q", d.Code(i))
		}
		size := 1
		for _, k := range d.Children(i) {
			if d.Parent(k) != i || d.Depth(k) != d.Depth(i)+1 || k <= i || k >= i+d.SubtreeSize(i) {
				t.Fatalf("child %d of %d misplaced", k, i)
			}
			size += d.SubtreeSize(k)
		}
		if size != d.SubtreeSize(i) {
			t.Fatalf("subtree of %d: %d, children add to %d", i, d.SubtreeSize(i), size)
		}
		if i > 0 && d.Parent(i) >= i {
			t.Fatalf("parent of %d after it", i)
		}
		lo, hi := d.LeafRange(i)
		if d.IsLeaf(i) {
			if d.LeafOrdinal(i) != leaves || d.Leaf(leaves) != i || lo != leaves || hi != leaves+1 {
				t.Fatalf("leaf %d numbered wrong", i)
			}
			leaves++
		} else if d.LeafOrdinal(i) != -1 || d.NumChildren(i) == 0 {
			t.Fatalf("internal node %d", i)
		}
		if lo != pre[i] || hi != pre[i+d.SubtreeSize(i)] {
			t.Fatalf("leaf range of %d", i)
		}
	}
	// Same follows single children down; children come after their parent.
	same := make([]int, n)
	for i := n - 1; i >= 0; i-- {
		same[i] = i
		if d.NumChildren(i) == 1 {
			same[i] = same[d.Child(i, 0)]
		}
		if n <= 2000 && d.Same(i) != same[i] { // Same walks the chain: quadratic on long ones
			t.Fatalf("Same(%d)", i)
		}
	}
	if leaves != d.NumLeaves() {
		t.Fatalf("NumLeaves")
	}
}

// checkTableInvariants checks that every total is the sum of its children
// along every dimension, and that the grand total is the sum of the inner
// cells.
func checkTableInvariants(t *testing.T, tab *Table) {
	t.Helper()
	for c := 0; c < tab.NumCells(); c++ {
		if tab.Freq(c) < 0 {
			t.Fatalf("negative cell %s", tab.Label(c))
		}
		for d := 0; d < tab.NumDims(); d++ {
			kids := tab.Children(c, d)
			if len(kids) == 0 {
				continue
			}
			var s int64
			for _, k := range kids {
				s += tab.Freq(k)
			}
			if s != tab.Freq(c) {
				t.Fatalf("cell %s is %d but its children along %s add to %d", tab.Label(c), tab.Freq(c), tab.Dim(d).Name(), s)
			}
		}
	}
	var sum int64
	for k := 0; k < tab.NumInner(); k++ {
		sum += tab.Freq(tab.InnerCell(k))
	}
	if sum != tab.Freq(0) {
		t.Fatalf("grand total %d, inner cells add to %d", tab.Freq(0), sum)
	}
}

var recordsErrRE = regexp.MustCompile(`^(row \d+(, column \d+)?: \S|empty file$|no data rows$|table: )`)

// FuzzReadRecords: every error names its row; a table read has every
// invariant, finite non-negative sums, valid flat codes, and as many units
// as records.
func FuzzReadRecords(f *testing.F) {
	seeds := []string{
		"geo,sex,provider,amount\n0301,M,P1,100\n1101,F,P2,2.5\n1101,F,P2,1\nX,M,P3,0\n",
		"\uFEFFsex,geo,amount,provider\r\nF,5001a,1e3,\"P, 1\"\r\nM,1151,0,P2\r\n",
		"geo,sex,provider,amount\n0301,M,P1,1e308\n1101,F,P2,1e308\n",
		"geo,sex,provider,amount\n0301,M,P1,Inf\n",
		"geo,sex,provider,amount\n0301,M,P1,NaN\n",
		"geo,sex,provider,amount\n0301,M,P1,-1\n",
		"geo,sex,provider,amount\n0301,M,,1\n",
		"geo,sex,provider,amount\n0301,M\x00,P1,1\n",
		"geo,sex,provider,amount\n0301,\xff,P1,1\n",
		"geo,sex,provider,amount\n9999,M,P1,1\n",
		"geo,sex,provider,amount\n03,M,P1,1\n",
		"geo,sex,provider,amount\n0301,Total,P1,1\n",
		"geo,sex,provider,amount\n",
		"",
		"geo,sex\n0301,M\n1101,F\n",
	}
	for _, s := range seeds {
		f.Add(s, true, true)
		f.Add(s, true, false)
		f.Add(s, false, false)
	}
	geo := fuzzGeo(f)
	f.Fuzz(func(t *testing.T, in string, value, contributor bool) {
		opt := RecordsOptions{}
		if value {
			opt.Value = "amount"
		}
		if contributor {
			opt.Contributor = "provider"
		}
		specs := []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}
		tab, err := ReadRecords(strings.NewReader(in), specs, opt)
		if err != nil {
			if tab != nil {
				t.Fatalf("table and error %v", err)
			}
			if !recordsErrRE.MatchString(err.Error()) {
				t.Fatalf("error without a row: %q", err)
			}
			return
		}
		checkTableInvariants(t, tab)
		sex := tab.Dim(1)
		for i := 1; i < sex.Len(); i++ {
			if err := CheckCode(sex.Code(i)); err != nil || sex.Code(i) == TotalCode {
				t.Fatalf("bad flat code %q: %v", sex.Code(i), err)
			}
		}
		if tab.HasMagnitude() {
			for c := 0; c < tab.NumCells(); c++ {
				if v := tab.Value(c); math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("cell %s: value %v", tab.Label(c), v)
				}
			}
		}
		// Every record is one unit: the grand total counts the data rows.
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(in, "\uFEFF"))).ReadAll()
		if err == nil && int64(len(rows)-1) != tab.Freq(0) {
			t.Fatalf("%d records, grand total %d", len(rows)-1, tab.Freq(0))
		}
	})
}

var patternErrRE = regexp.MustCompile(`^pattern: (empty file$|row \d+: \S)`)

// FuzzReadPattern: every error names its row; a pattern read, written in
// the internal layout and read again gives the same statuses.
func FuzzReadPattern(f *testing.F) {
	seeds := []string{
		"geo,sex,status\n0301,M,primary\n1101,F,secondary\nNO,Total,published\n",
		"\uFEFFsex,geo,status,reason\r\nF,5001a,primary,\"a, b\"\r\nTotal,50,secondary,x\r\n",
		"geo,sex,status\n0301,M,primary\n0301,M,secondary\n",
		"geo,sex,status\n0301,M,secret\n",
		"geo,sex,status\n9999,M,primary\n",
		"geo,sex,status\n0301,M\x00,primary\n",
		"geo,sex\n0301,M\n",
		"geo,sex,status\n0301,M\n",
		"geo,sex,status\n",
		"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	geo := fuzzGeo(f)
	sex := mustFlat(f, "sex", "M", "F")
	b, err := NewBuilder(geo, sex)
	if err != nil {
		f.Fatal(err)
	}
	for k := 0; k < geo.NumLeaves(); k++ {
		for s := 1; s <= 2; s++ {
			if err := b.AddInner([]int{geo.Leaf(k), s}, int64(k*3+s)); err != nil {
				f.Fatal(err)
			}
		}
	}
	tab, err := b.Build()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rel, err := ReadPattern(strings.NewReader(in), tab)
		if err != nil {
			if rel != nil {
				t.Fatalf("release and error %v", err)
			}
			var missing *MissingCellsError
			if !patternErrRE.MatchString(err.Error()) && !errors.As(err, &missing) {
				t.Fatalf("error without a row: %q", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteInternal(&buf, rel, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		again, err := ReadPattern(&buf, tab)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if !slices.Equal(rel.Statuses(), again.Statuses()) {
			t.Fatalf("round trip changed the statuses")
		}
	})
}

// FuzzReadUnitRecords: every error names its row; every record read is
// in the table once, in the inner cell of its codes, with its fields.
func FuzzReadUnitRecords(f *testing.F) {
	seeds := []string{
		"geo,sex,person\n0301,M,p1\n1101,F,p2\n1101,F,p1\nX,M,p3\n",
		"\uFEFFsex,geo,person,extra\r\nF,5001a,\"p, 1\",x\r\nM,1151,p2,y\r\n",
		"geo,sex,person\n0301,M,\n",
		"geo,sex,person\n0301,M\x00,p1\n",
		"geo,sex,person\n9999,M,p1\n",
		"geo,sex,person\n03,M,p1\n",
		"geo,sex,person\n0301,Total,p1\n",
		"geo,sex,person\n",
		"geo,sex\n0301,M\n",
		"",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	geo := fuzzGeo(f)
	sex, err := NewFlat("sex", []string{"M", "F"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string, declared bool) {
		specs := []DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}
		if declared {
			specs[1].Dim = sex
		}
		u, err := ReadUnitRecords(strings.NewReader(in), specs, UnitOptions{Columns: []string{"person"}, DeclaredDims: declared})
		if err != nil {
			if u != nil {
				t.Fatalf("records and error %v", err)
			}
			if !recordsErrRE.MatchString(err.Error()) {
				t.Fatalf("error without a row: %q", err)
			}
			return
		}
		checkTableInvariants(t, u.Table)
		if len(u.Inner) != len(u.Fields[0]) || len(u.Inner) != len(u.Lines) || int64(len(u.Inner)) != u.Table.Freq(0) {
			t.Fatalf("%d records, %d persons, %d lines, grand total %d", len(u.Inner), len(u.Fields[0]), len(u.Lines), u.Table.Freq(0))
		}
		counts := make([]int64, u.Table.NumInner())
		for i, k := range u.Inner {
			counts[k]++
			if u.Fields[0][i] == "" {
				t.Fatalf("record %d has an empty person", i)
			}
		}
		for k, n := range counts {
			if got := u.Table.Freq(u.Table.InnerCell(k)); got != n {
				t.Fatalf("inner cell %d: %d records, count %d", k, n, got)
			}
		}
	})
}
