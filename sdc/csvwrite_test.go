package sdc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sentinel = 987654

// sentinelTable is smallGeo × sex × age with distinct inner counts drawn from
// [100000, 200000), except 1151×F×old, which is the sentinel 987654.
func sentinelTable(t testing.TB, rng *rand.Rand) *Table {
	geo := smallGeo(t)
	sex, age := mustFlat(t, "sex", "M", "F"), mustFlat(t, "age", "young", "old")
	b, err := NewBuilder(geo, sex, age)
	require.NoError(t, err)
	used := map[int64]bool{}
	for g := 0; g < geo.NumLeaves(); g++ {
		for s := 1; s <= 2; s++ {
			for a := 1; a <= 2; a++ {
				v := int64(100000 + rng.IntN(100000))
				for used[v] {
					v++
				}
				used[v] = true
				if geo.Code(geo.Leaf(g)) == "1151" && s == 2 && a == 2 {
					v = sentinel
				}
				require.NoError(t, b.AddInner([]int{geo.Leaf(g), s, a}, v))
			}
		}
	}
	tab, err := b.Build()
	require.NoError(t, err)
	return tab
}

// twin returns the cells that always hold the same value as c (c included):
// those that differ from it only by nodes of one single-child chain.
func twins(tab *Table, c int) []int {
	set := map[int]bool{c: true}
	for changed := true; changed; {
		changed = false
		for x := range set {
			for d := 0; d < tab.NumDims(); d++ {
				dim := tab.Dim(d)
				n := tab.Node(x, d)
				for _, m := range []int{dim.Same(n), dim.Parent(n)} {
					if m < 0 || dim.Same(m) != dim.Same(n) {
						continue
					}
					y := x + (m-n)*tab.Stride(d)
					if !set[y] {
						set[y], changed = true, true
					}
				}
			}
		}
	}
	out := make([]int, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	return out
}

func readCSV(t testing.TB, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	require.NoError(t, err)
	return rows
}

func TestWritePublishedHoldsNoSuppressedValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	for iter := 0; iter < 40; iter++ {
		tab := sentinelTable(t, rng)
		r := NewRelease(tab)
		// The sentinel's cell is always suppressed (with its twins); other
		// cells at random.
		sc, err := tab.CellOf("1151", "F", "old")
		require.NoError(t, err)
		cells := []int{sc}
		for c := 0; c < tab.NumCells(); c++ {
			if rng.IntN(4) == 0 {
				cells = append(cells, c)
			}
		}
		for _, c := range cells {
			for _, x := range twins(tab, c) {
				st := Primary
				if rng.IntN(2) == 0 {
					st = Secondary
				}
				r.Set(x, st, "test")
			}
		}
		require.True(t, r.Suppressed(sc))

		var buf bytes.Buffer
		require.NoError(t, WritePublished(&buf, r, WriteOptions{}))
		out := buf.String()
		rows := readCSV(t, out)
		require.Equal(t, []string{"geo", "sex", "age", "freq", "status"}, rows[0])
		require.Len(t, rows, tab.NumCells()+1)

		published := map[string]bool{}
		for c := 0; c < tab.NumCells(); c++ {
			row := rows[c+1]
			require.Equal(t, tab.Codes(c), row[:3])
			if r.Suppressed(c) {
				require.Equal(t, "suppressed", row[4], "primary and secondary cells share one public status")
				require.Empty(t, row[3], "suppressed cell %s", tab.Label(c))
			} else {
				require.Equal(t, "published", row[4])
				require.Equal(t, strconv.FormatInt(tab.Freq(c), 10), row[3])
				published[row[3]] = true
			}
		}
		// Every suppressed value is unique to its cell and its twins, so it
		// must not occur anywhere in the file (checked as a substring, after
		// making sure no published number contains it by chance).
		for c := 0; c < tab.NumCells(); c++ {
			if !r.Suppressed(c) {
				continue
			}
			s := strconv.FormatInt(tab.Freq(c), 10)
			require.False(t, published[s], "test setup: %s shares its value with a published cell", tab.Label(c))
			clash := false
			for p := range published {
				clash = clash || strings.Contains(p, s)
			}
			if !clash {
				require.NotContains(t, out, s, "suppressed value of %s leaked", tab.Label(c))
			}
		}
		require.NotContains(t, out, strconv.Itoa(sentinel))
	}
}

func TestWritePublishedRoundedAndMagnitude(t *testing.T) {
	specs := []DimSpec{{Name: "geo", Dim: smallGeo(t)}, {Name: "service"}}
	// Amounts with distinctive decimals, so that sums are recognisable.
	in := "geo,service,provider,amount\n" +
		"0301,lab,P1,1000.37\n" +
		"0301,xray,P2,2000.41\n" +
		"1101,lab,P3,3000.43\n" +
		"1151,lab,P4,4000.47\n" +
		"1151,xray,P4,5000.53\n"
	tab, err := ReadRecords(strings.NewReader(in), specs, RecordsOptions{Value: "amount", Contributor: "provider"})
	require.NoError(t, err)
	r := NewRelease(tab)
	// (1101×Total equals 1101×lab, since 1101×xray is 0: both are withheld.)
	suppress := [][2]string{{"1151", "lab"}, {"1101", "lab"}, {"1101", "Total"}, {"1151", "Total"}}
	for _, s := range suppress {
		c, err := tab.CellOf(s[0], s[1])
		require.NoError(t, err)
		r.Set(c, Primary, "dominance")
	}
	var buf bytes.Buffer
	require.NoError(t, WritePublished(&buf, r, WriteOptions{Count: "claims", Value: "amount"}))
	rows := readCSV(t, buf.String())
	require.Equal(t, []string{"geo", "service", "claims", "amount", "status"}, rows[0])
	for c := 0; c < tab.NumCells(); c++ {
		row := rows[c+1]
		if r.Suppressed(c) {
			assert.Equal(t, []string{"", "", "suppressed"}, row[2:], tab.Label(c))
			assert.NotContains(t, buf.String(), strconv.FormatFloat(tab.Value(c), 'g', -1, 64))
		} else {
			assert.Equal(t, strconv.FormatInt(tab.Freq(c), 10), row[2])
			v, err := strconv.ParseFloat(row[3], 64)
			require.NoError(t, err)
			assert.Equal(t, tab.Value(c), v)
		}
	}

	// With rounded values the magnitude is left out, and a suppressed cell's
	// rounded value is not published either.
	vals := make([]int64, tab.NumCells())
	for c := range vals {
		vals[c] = 555000 + int64(c)
	}
	require.NoError(t, r.SetValues(vals, Rounded))
	c0, _ := tab.CellOf("0301", "lab")
	r.Set(c0, Rounded, "rounded to base 5")
	buf.Reset()
	require.NoError(t, WritePublished(&buf, r, WriteOptions{}))
	rows = readCSV(t, buf.String())
	require.Equal(t, []string{"geo", "service", "freq", "value", "status"}, rows[0])
	for c := 0; c < tab.NumCells(); c++ {
		row := rows[c+1]
		assert.Empty(t, row[3], "no magnitude with changed values")
		if r.Suppressed(c) {
			assert.Empty(t, row[2])
			assert.NotContains(t, buf.String(), strconv.FormatInt(vals[c], 10))
		} else {
			assert.Equal(t, strconv.FormatInt(vals[c], 10), row[2])
			// Changed and unchanged cells look alike in the published file.
			assert.Equal(t, "rounded", row[4], tab.Label(c))
		}
	}
	assert.Equal(t, []string{"0301", "lab", strconv.FormatInt(vals[c0], 10), "", "rounded"}, rows[c0+1])
	assert.EqualError(t, r.SetValues(vals, Primary), "release: values are published as rounded or perturbed, not primary")
}

func TestWriteInternal(t *testing.T) {
	// Codes that need quoting survive the round trip.
	geo := mustDim(t, "geo", "all:", "a,b:all", `say "hi":all`, " pad :all")
	b, err := NewBuilder(geo)
	require.NoError(t, err)
	for i, v := range []int64{3, 4, 5} {
		require.NoError(t, b.AddInner([]int{geo.Leaf(i)}, v))
	}
	tab, err := b.Build()
	require.NoError(t, err)
	r := NewRelease(tab)
	r.Set(1, Primary, "frequency 3 < 5, and more")
	r.Set(2, Secondary, "protects a,b")
	r.SetInterval(1, Interval{0, 7.123456789012345}, IntervalExact)
	r.SetInterval(2, Interval{1.5, Unbounded}, IntervalProven)

	var buf bytes.Buffer
	require.NoError(t, WriteInternal(&buf, r, WriteOptions{}))
	rows := readCSV(t, buf.String())
	assert.Equal(t, [][]string{
		{"geo", "freq", "status", "reason", "lower", "upper", "interval"},
		{"all", "12", "published", "", "", "", ""},
		{"a,b", "3", "primary", "frequency 3 < 5, and more", "0", "7.12345678901", "exact"},
		{`say "hi"`, "4", "secondary", "protects a,b", "1.5", "Inf", "proven"},
		{" pad ", "5", "published", "", "", "", ""},
	}, rows)

	// Published values add the published and difference columns.
	require.NoError(t, r.SetValues([]int64{10, 5, 5, 0}, Rounded))
	r.Set(3, Rounded, "base 5")
	buf.Reset()
	require.NoError(t, WriteInternal(&buf, r, WriteOptions{Count: "n"}))
	rows = readCSV(t, buf.String())
	assert.Equal(t, [][]string{
		{"geo", "n", "status", "reason", "published", "difference", "lower", "upper", "interval"},
		{"all", "12", "published", "", "10", "-2", "", "", ""},
		{"a,b", "3", "primary", "frequency 3 < 5, and more", "", "", "0", "7.12345678901", "exact"},
		{`say "hi"`, "4", "secondary", "protects a,b", "", "", "1.5", "Inf", "proven"},
		{" pad ", "5", "rounded", "base 5", "0", "-5", "", "", ""},
	}, rows)

	// A magnitude table adds its sum and contributors.
	specs := []DimSpec{{Name: "geo", Dim: smallGeo(t)}, {Name: "service"}}
	mt, err := ReadRecords(strings.NewReader(recordsIn), specs, RecordsOptions{Value: "amount", Contributor: "provider"})
	require.NoError(t, err)
	mr := NewRelease(mt)
	c, _ := mt.CellOf("0301", "lab")
	mr.Set(c, Primary, "dominance (1, 85%)")
	buf.Reset()
	require.NoError(t, WriteInternal(&buf, mr, WriteOptions{Value: "amount"}))
	rows = readCSV(t, buf.String())
	assert.Equal(t, []string{"geo", "service", "freq", "amount", "contributors", "status", "reason", "lower", "upper", "interval"}, rows[0])
	assert.Equal(t, []string{"0301", "lab", "3", "270", "2", "primary", "dominance (1, 85%)", "", "", ""}, rows[c+1])
	require.Len(t, rows, mt.NumCells()+1)
}

func TestCSVLineWriterQuoting(t *testing.T) {
	fields := []string{"", "plain", "a,b", `q"q`, "line\nbreak", " lead", "trail ", "ø×"}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	cw := newCSVLineWriter(bw)
	cw.write(fields...)
	cw.write("x", "", "", "", "", "", "", "")
	require.NoError(t, cw.err)
	require.NoError(t, bw.Flush())
	rows := readCSV(t, buf.String())
	assert.Equal(t, [][]string{fields, {"x", "", "", "", "", "", "", ""}}, rows)
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestWritersReportWriteErrors(t *testing.T) {
	tab, err := ReadCells(strings.NewReader("geo,sex,freq\n0301,M,1\n"), cellSpecs(t), CellsOptions{})
	require.NoError(t, err)
	r := NewRelease(tab)
	assert.EqualError(t, WritePublished(&failWriter{}, r, WriteOptions{}), "disk full")
	assert.EqualError(t, WriteInternal(&failWriter{}, r, WriteOptions{}), "disk full")
}

// listDir returns the names in dir.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "published.csv")

	// A failing writer leaves nothing, not even after writing half the file.
	err := WriteFileAtomic(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "geo,freq\n0301,")
		return errors.New("boom")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")
	assert.Contains(t, err.Error(), path)
	assert.Empty(t, listDir(t, dir), "no file and no temporary file")

	// Success writes the file, readable by others, and nothing else.
	require.NoError(t, WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "v1\n")
		return err
	}))
	assert.Equal(t, []string{"published.csv"}, listDir(t, dir))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "v1\n", string(got))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())

	// A failure over an existing file keeps the old one.
	err = WriteFileAtomic(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, strings.Repeat("partial\n", 20000))
		return errors.New("boom")
	})
	require.Error(t, err)
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "v1\n", string(got))
	assert.Equal(t, []string{"published.csv"}, listDir(t, dir))

	// A missing folder is an error, and creates nothing.
	err = WriteFileAtomic(filepath.Join(dir, "nope", "x.csv"), func(w io.Writer) error { return nil })
	require.Error(t, err)
	assert.Equal(t, []string{"published.csv"}, listDir(t, dir))
}

func TestWriteFilesAtomic(t *testing.T) {
	dir := t.TempDir()
	ok := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	fail := func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return errors.New("boom") }
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")

	// When the second file fails, the first is not written either.
	err := WriteFilesAtomic([]OutputFile{{Path: a, Write: ok("A")}, {Path: b, Write: fail}})
	require.Error(t, err)
	assert.Empty(t, listDir(t, dir))

	require.NoError(t, WriteFilesAtomic([]OutputFile{{Path: a, Write: ok("A")}, {Path: b, Write: ok("B")}}))
	assert.Equal(t, []string{"a.csv", "b.csv"}, listDir(t, dir))
	got, _ := os.ReadFile(b)
	assert.Equal(t, "B", string(got))
}

// Issue 14: internal files were always 0644 (an existing 0600 file became
// 0644); a folder named as an output wrote the files before it; a
// cancelled run must change nothing.
func TestWriteFilesAtomicModesFoldersCancel(t *testing.T) {
	ok := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	perm := func(t *testing.T, path string) os.FileMode {
		t.Helper()
		st, err := os.Stat(path)
		require.NoError(t, err)
		return st.Mode().Perm()
	}
	t.Run("private files are 0600 and stay so", func(t *testing.T) {
		dir := t.TempDir()
		internal, pub := filepath.Join(dir, "internal.csv"), filepath.Join(dir, "published.csv")
		require.NoError(t, WriteFilesAtomic([]OutputFile{{Path: pub, Write: ok("p")}, {Path: internal, Write: ok("i"), Private: true}}))
		assert.Equal(t, os.FileMode(0o600), perm(t, internal))
		assert.Zero(t, perm(t, pub)&0o077&^0o044, "published: at most 0644")
		// An existing private file that is narrower stays narrower; one
		// that is wider (written by an older version) is narrowed.
		require.NoError(t, os.Chmod(internal, 0o400))
		require.NoError(t, WriteFilesAtomic([]OutputFile{{Path: internal, Write: ok("i2"), Private: true}}))
		assert.Equal(t, os.FileMode(0o400), perm(t, internal))
		require.NoError(t, os.Chmod(internal, 0o644))
		require.NoError(t, WriteFilesAtomic([]OutputFile{{Path: internal, Write: ok("i3"), Private: true}}))
		assert.Equal(t, os.FileMode(0o600), perm(t, internal))
		// A published file keeps the mode of the file it replaces.
		require.NoError(t, os.Chmod(pub, 0o600))
		require.NoError(t, WriteFilesAtomic([]OutputFile{{Path: pub, Write: ok("p2")}}))
		assert.Equal(t, os.FileMode(0o600), perm(t, pub))
		assert.ElementsMatch(t, []string{"internal.csv", "published.csv"}, listDir(t, dir))
	})
	cases := []struct {
		name  string
		files func(dir string) []OutputFile
		want  string
	}{
		{"a folder as the second output", func(dir string) []OutputFile {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
			return []OutputFile{{Path: filepath.Join(dir, "a.csv"), Write: ok("new")}, {Path: filepath.Join(dir, "sub"), Write: ok("x")}}
		}, "is a folder"},
		{"a missing folder", func(dir string) []OutputFile {
			return []OutputFile{{Path: filepath.Join(dir, "a.csv"), Write: ok("new")}, {Path: filepath.Join(dir, "nope", "b.csv"), Write: ok("x")}}
		}, "nope"},
		{"one path twice", func(dir string) []OutputFile {
			return []OutputFile{{Path: filepath.Join(dir, "a.csv"), Write: ok("new")}, {Path: filepath.Join(dir, ".", "a.csv"), Write: ok("x")}}
		}, "same output file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a := filepath.Join(dir, "a.csv")
			require.NoError(t, os.WriteFile(a, []byte("old"), 0o644))
			files := tc.files(dir)
			before := listDir(t, dir)
			err := WriteFilesAtomic(files)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			got, _ := os.ReadFile(a)
			assert.Equal(t, "old", string(got))
			assert.Equal(t, before, listDir(t, dir))
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		dir := t.TempDir()
		a := filepath.Join(dir, "a.csv")
		require.NoError(t, os.WriteFile(a, []byte("old"), 0o644))
		ctx, cancel := context.WithCancel(context.Background())
		err := WriteFilesAtomicContext(ctx, []OutputFile{
			{Path: a, Write: ok("new")},
			{Path: filepath.Join(dir, "b.csv"), Write: func(w io.Writer) error { cancel(); _, err := io.WriteString(w, "b"); return err }},
		})
		require.ErrorIs(t, err, context.Canceled)
		got, _ := os.ReadFile(a)
		assert.Equal(t, "old", string(got))
		assert.Equal(t, []string{"a.csv"}, listDir(t, dir))
	})
}
