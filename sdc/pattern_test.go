package sdc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func patternTable(t *testing.T) *Table {
	t.Helper()
	geo, err := NewDimension("geo", []string{"NO", "03", "0301", "11", "1101", "1151"}, []string{"", "NO", "03", "NO", "11", "11"})
	require.NoError(t, err)
	sex, err := NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	b, err := NewBuilder(geo, sex)
	require.NoError(t, err)
	for k := 0; k < b.Shape().NumInner(); k++ {
		require.NoError(t, b.AddInnerCell(b.Shape().InnerCell(k), int64(k+1)))
	}
	tab, err := b.Build()
	require.NoError(t, err)
	return tab
}

func TestReadPatternRoundTrip(t *testing.T) {
	tab := patternTable(t)
	rel := NewRelease(tab)
	c1, _ := tab.CellOf("1151", "M")
	c2, _ := tab.CellOf("11", "Total")
	rel.Set(c1, Primary, "frequency 2 ≤ maxN 4")
	rel.Set(c2, Secondary, "protects 1151×M in the geo total")
	var buf bytes.Buffer
	require.NoError(t, WriteInternal(&buf, rel, WriteOptions{}))
	got, err := ReadPattern(&buf, tab)
	require.NoError(t, err)
	for c := 0; c < tab.NumCells(); c++ {
		assert.Equal(t, rel.Status(c), got.Status(c), tab.Label(c))
		assert.Equal(t, rel.Reason(c), got.Reason(c), tab.Label(c))
	}
}

func TestReadPatternErrors(t *testing.T) {
	tab := patternTable(t)
	cases := []struct{ name, in, want string }{
		{"empty", "", "pattern: empty file"},
		{"missing status", "geo,sex\nNO,M\n", `pattern: row 1: missing column "status"`},
		{"unknown code", "geo,sex,status\n9999,M,primary\n", `pattern: row 2: unknown geo code "9999"`},
		{"duplicate", "geo,sex,status\n1151,M,primary\n1101,F,published\n1151,M,secondary\n", "pattern: row 4: duplicate cell 1151×M (first at row 2)"},
		{"bad status", "geo,sex,status\n1151,M,concealed\n", `pattern: row 2: unknown status "concealed"`},
		{"ragged", "geo,sex,status\n1151,M\n", "pattern: row 2: wrong number of fields (ragged row)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPattern(strings.NewReader(tc.in), tab)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A cell that is not listed is an error, not a published cell.
	_, err := ReadPattern(strings.NewReader("geo,sex,status\n1151,M,primary\n"), tab)
	var me *MissingCellsError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, tab.NumCells()-1, me.Missing)
}

// patternFiles returns patternTable with a release of it (1151×M primary,
// 1101×M and 11×M secondary) and that release as an internal and as a
// published file, one line per cell after the header.
func patternFiles(t *testing.T) (*Table, *Release, []string, []string) {
	t.Helper()
	tab := patternTable(t)
	rel := NewRelease(tab)
	for _, s := range []struct {
		geo string
		st  Status
	}{{"1151", Primary}, {"1101", Secondary}, {"11", Secondary}} {
		c, err := tab.CellOf(s.geo, "M")
		require.NoError(t, err)
		rel.Set(c, s.st, "test")
	}
	var in, pub bytes.Buffer
	require.NoError(t, WriteInternal(&in, rel, WriteOptions{}))
	require.NoError(t, WritePublished(&pub, rel, WriteOptions{}))
	lines := func(b bytes.Buffer) []string { return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") }
	return tab, rel, lines(in), lines(pub)
}

// edit returns lines joined as a file, with line i (0 is the header)
// replaced by repl, or left out when repl is "-".
func edit(lines []string, i int, repl string) string {
	out := append([]string(nil), lines...)
	if repl == "-" {
		out = append(out[:i], out[i+1:]...)
	} else {
		out[i] = repl
	}
	return strings.Join(out, "\n") + "\n"
}

func TestReadPatternChecks(t *testing.T) {
	tab, _, internal, published := patternFiles(t)
	// Lines of published.csv (geo,sex,freq,status); cells in index order:
	// NO×Total, NO×M, NO×F, 03×Total, … 11×M is line 11, 1101×M line 14,
	// 1151×M line 17, 1151×F line 18.
	require.Equal(t, "11,M,,suppressed", published[11])
	require.Equal(t, "1151,F,6,published", published[18])
	require.Equal(t, "1151,M,5,primary,test,,,", internal[17])
	whole := func(lines []string) string { return strings.Join(lines, "\n") + "\n" }
	rounded := NewRelease(tab)
	vals := append([]int64(nil), tab.Freqs()...)
	require.NoError(t, rounded.SetValues(vals, Rounded))
	var roundedPub bytes.Buffer
	require.NoError(t, WritePublished(&roundedPub, rounded, WriteOptions{}))

	cases := []struct {
		name, in string
		opt      PatternOptions
		missing  int      // *MissingCellsError with this many cells
		values   [2]int   // *ValueError with these mismatches and leaks
		sentinel error    // an error wrapping this
		want     []string // substrings of the error
	}{
		{name: "internal file", in: whole(internal)},
		{name: "published file", in: whole(published)},
		{name: "no count column", in: "geo,sex,status\n" + strings.Join(func() []string {
			var out []string
			for c := 0; c < tab.NumCells(); c++ {
				out = append(out, strings.Join(tab.Codes(c), ",")+",published")
			}
			return out
		}(), "\n") + "\n"},
		{name: "header only", in: "geo,sex,freq,status\n", missing: 18,
			want: []string{"pattern: 18 of the table's 18 publishable cells are missing", "NO×Total, NO×M, NO×F, 03×Total, 03×M, … and 13 more"}},
		{name: "missing cell", in: edit(published, 18, "-"), opt: PatternOptions{Name: "published.csv"}, missing: 1,
			want: []string{"published.csv: 1 of the table's 18 publishable cells are missing", ": 1151×F"}},
		{name: "wrong value", in: edit(published, 18, "1151,F,1006,published"), values: [2]int{1, 0},
			want: []string{`row 19: 1151×F has the value "1006" but the table has 6`}},
		{name: "published without value", in: edit(published, 18, "1151,F,,published"), values: [2]int{1, 0},
			want: []string{"row 19: 1151×F is published with no value (the table has 6)"}},
		{name: "not a number", in: edit(published, 18, "1151,F,six,published"), values: [2]int{1, 0},
			want: []string{`row 19: 1151×F has the value "six"`}},
		{name: "suppressed with a value", in: edit(published, 11, "11,M,9,suppressed"), values: [2]int{0, 1},
			want: []string{`row 12: 11×M is suppressed but has the value "9"`}},
		{name: "internal file with a wrong true value", in: edit(internal, 17, "1151,M,4,primary,test,,,"), values: [2]int{1, 0},
			want: []string{`row 18: 1151×M has the value "4" but the table has 5`}},
		{name: "other count column", in: strings.Replace(edit(published, 18, "1151,F,7,published"), "freq", "n", 1),
			opt: PatternOptions{Count: "n"}, values: [2]int{1, 0}},
		{name: "other count column, not given", in: strings.Replace(edit(published, 18, "1151,F,7,published"), "freq", "n", 1)},
		{name: "missing and wrong", in: edit(published[:18], 17, "1151,M,2,suppressed"),
			missing: 1, values: [2]int{0, 1}},
		{name: "rounded release", in: roundedPub.String(), sentinel: ErrNotSuppressionPattern,
			want: []string{`pattern: row 2: status "rounded"`, "tabsdc round"}},
		{name: "perturbed", in: edit(published, 1, "NO,Total,21,perturbed"), sentinel: ErrNotSuppressionPattern, want: []string{`status "perturbed"`}},
		{name: "hidden", in: edit(published, 1, "NO,Total,,hidden"), sentinel: ErrNotSuppressionPattern, want: []string{`row 2: status "hidden"`, "linked tables"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rel, err := ReadPatternOptions(strings.NewReader(tc.in), tab, tc.opt)
			if tc.missing == 0 && tc.values == [2]int{} && tc.sentinel == nil {
				require.NoError(t, err)
				require.NotNil(t, rel)
				return
			}
			require.Error(t, err)
			assert.Nil(t, rel)
			var me *MissingCellsError
			if assert.Equal(t, tc.missing > 0, errors.As(err, &me), "missing cells") && me != nil {
				assert.Equal(t, tc.missing, me.Missing)
				assert.Equal(t, tab.NumCells(), me.Cells)
			}
			var ve *ValueError
			if assert.Equal(t, tc.values != [2]int{}, errors.As(err, &ve), "values") && ve != nil {
				assert.Equal(t, tc.values, [2]int{ve.Mismatches, ve.Leaks})
			}
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
			}
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestReadPatternStatuses(t *testing.T) {
	tab, rel, internal, published := patternFiles(t)
	in, err := ReadPattern(strings.NewReader(strings.Join(internal, "\n")), tab)
	require.NoError(t, err)
	pub, err := ReadPatternOptions(strings.NewReader(strings.Join(published, "\n")), tab, PatternOptions{Name: "published.csv"})
	require.NoError(t, err)
	for c := 0; c < tab.NumCells(); c++ {
		assert.Equal(t, rel.Status(c), in.Status(c), tab.Label(c))
		want := Published
		if rel.Suppressed(c) {
			want = Withheld // a published file does not tell primary from secondary
		}
		assert.Equal(t, want, pub.Status(c), tab.Label(c))
	}
}

func TestApplyPrimary(t *testing.T) {
	tab, _, _, published := patternFiles(t)
	read := func() *Release {
		r, err := ReadPattern(strings.NewReader(strings.Join(published, "\n")), tab)
		require.NoError(t, err)
		return r
	}
	cell := func(codes ...string) int {
		c, err := tab.CellOf(codes...)
		require.NoError(t, err)
		return c
	}
	// The rules mark 1151×M and 11×M primary: both withheld, both become
	// primary; 1101×M stays suppressed, of unknown kind.
	rules := NewRelease(tab)
	rules.Set(cell("1151", "M"), Primary, "frequency 5 ≤ maxN 5")
	rules.Set(cell("11", "M"), Primary, "frequency 7 ≤ maxN 7")
	pat := read()
	require.NoError(t, ApplyPrimary(pat, rules))
	assert.Equal(t, Primary, pat.Status(cell("1151", "M")))
	assert.Equal(t, "frequency 5 ≤ maxN 5", pat.Reason(cell("1151", "M")))
	assert.Equal(t, Primary, pat.Status(cell("11", "M")))
	assert.Equal(t, Withheld, pat.Status(cell("1101", "M")))
	assert.Equal(t, 2, pat.Count(Primary))

	// A primary cell the pattern publishes is an error, and the pattern is
	// left as it was.
	rules.Set(cell("1151", "F"), Primary, "frequency 6 ≤ maxN 6")
	rules.Set(cell("0301", "F"), Primary, "frequency 2 ≤ maxN 6")
	pat = read()
	err := ApplyPrimary(pat, rules)
	var pe *PrimaryPublishedError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []int{cell("0301", "F"), cell("1151", "F")}, pe.Cells)
	assert.Contains(t, err.Error(), "primary cell 0301×F is published")
	assert.Equal(t, 0, pat.Count(Primary))

	_, err = ReadPattern(strings.NewReader(""), tab)
	require.Error(t, err)
	require.Error(t, ApplyPrimary(pat, NewRelease(patternTable(t))), "releases of different tables")
}
