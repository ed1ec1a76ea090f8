package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// genTable writes a benchmark table's cells and hierarchy into dir.
func genTable(t *testing.T, name, dir string) *sdc.Table {
	t.Helper()
	tab, err := benchmarks.Table(name)
	require.NoError(t, err)
	var cells, geo bytes.Buffer
	require.NoError(t, benchmarks.WriteCells(&cells, tab))
	require.NoError(t, benchmarks.WriteHierarchy(&geo, tab.Dim(0)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cells.csv"), cells.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo.csv"), geo.Bytes(), 0o644))
	return tab
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#' // an internal file's notes (the audit's attacker)
	rows, err := r.ReadAll()
	require.NoError(t, err)
	return rows
}

func TestProtectWritesOutputs(t *testing.T) {
	for _, name := range []string{"T2", "T3"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tab := genTable(t, name, dir)
			args := []string{"protect", "--quiet", "--input", filepath.Join(dir, "cells.csv"),
				"--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age"}
			if name == "T3" {
				args = append(args, "--dim", "diag")
			}
			args = append(args, "--max-n", "4", "--secondary", "none",
				"--out", filepath.Join(dir, "published.csv"),
				"--internal", filepath.Join(dir, "internal.csv"),
				"--json", filepath.Join(dir, "summary.json"))
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())

			pub := readCSV(t, filepath.Join(dir, "published.csv"))
			internal := readCSV(t, filepath.Join(dir, "internal.csv"))
			require.Len(t, pub, tab.NumCells()+1)
			require.Len(t, internal, tab.NumCells()+1)
			nd := tab.NumDims()
			assert.Equal(t, "freq", pub[0][nd])
			assert.Equal(t, "status", pub[0][nd+1])
			primary := 0
			for i, row := range pub[1:] {
				in := internal[i+1]
				assert.Equal(t, row[:nd], in[:nd])
				truth, err := strconv.ParseInt(in[nd], 10, 64)
				require.NoError(t, err)
				c, err := tab.CellOf(row[:nd]...)
				require.NoError(t, err)
				require.Equal(t, tab.Freq(c), truth, "internal value of %v", row[:nd])
				isPrimary := truth >= 1 && truth <= 4
				if isPrimary {
					primary++
					assert.Equal(t, "suppressed", row[nd+1], "one public status for every withheld cell")
					assert.Equal(t, "", row[nd], "a suppressed value is published: %v", row)
					assert.Equal(t, "frequency "+in[nd]+" ≤ maxN 4", in[nd+2])
				} else {
					assert.Equal(t, "published", row[nd+1])
					assert.Equal(t, in[nd], row[nd])
				}
			}
			var sum map[string]any
			raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &sum))
			assert.Equal(t, float64(tab.NumCells()), sum["cells"])
			assert.Equal(t, float64(primary), sum["status"].(map[string]any)["primary"])
		})
	}
}

func TestProtectErrors(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T1", dir)
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("geo,sex,age,freq\n1101,M,00-04,3\n9999,F,80+,2\n"), 0o644))
	out := filepath.Join(dir, "out.csv")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown code", []string{"--input", bad, "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age", "--out", out}, 1, `bad.csv: row 3: unknown geo code "9999"`},
		{"no input", []string{"--dim", "sex", "--out", out}, 2, "--input is required"},
		{"no out", []string{"--input", bad, "--dim", "sex"}, 2, "--out is required"},
		{"unknown method", []string{"--input", bad, "--dim", "geo", "--out", out, "--secondary", "magic"}, 2, `--secondary "magic": unknown method`},
		{"missing hierarchy", []string{"--input", bad, "--dim", "geo=" + filepath.Join(dir, "nope.csv"), "--out", out}, 1, "dimension geo: open"},
		{"missing column", []string{"--input", bad, "--dim", "region", "--out", out}, 1, `row 1: missing column "region"`},
		{"same file twice", []string{"--input", bad, "--dim", "geo", "--out", out, "--internal", out}, 2, "are the same file"},
		{"bad flag", []string{"--no-such-flag"}, 2, "flag provided but not defined"},
		{"dominance on counts", []string{"--input", filepath.Join(dir, "cells.csv"), "--dim", "geo", "--dim", "sex", "--dim", "age", "--dominance", "1,85", "--out", out}, 2, "needs a magnitude table"},
		{"bad dominance", []string{"--input", filepath.Join(dir, "cells.csv"), "--dim", "geo", "--dim", "sex", "--dim", "age", "--dominance", "x", "--out", out}, 2, `--dominance "x": "x" is not a number`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"protect", "--quiet"}, tc.args...), &stdout, &stderr)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr.String(), tc.want)
			_, err := os.Stat(out)
			assert.True(t, os.IsNotExist(err), "an output was written on error")
			left, _ := filepath.Glob(filepath.Join(dir, ".out.csv.tmp*"))
			assert.Empty(t, left, "temporary files left behind")
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run([]string{"protect", "--help"}, &stdout, &stderr))
	assert.True(t, strings.Contains(stdout.String(), "Example:"))
	assert.Equal(t, 2, run(nil, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"frobnicate"}, &stdout, &stderr))
}

func TestRoundSmallCount(t *testing.T) {
	dir := t.TempDir()
	tab := genTable(t, "T2", dir)
	var stdout, stderr bytes.Buffer
	args := []string{"round", "--quiet", "--input", filepath.Join(dir, "cells.csv"),
		"--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age",
		"--method", "small-count", "--base", "5",
		"--out", filepath.Join(dir, "published.csv"), "--internal", filepath.Join(dir, "internal.csv"), "--json", filepath.Join(dir, "summary.json")}
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	pub := readCSV(t, filepath.Join(dir, "published.csv"))
	require.Len(t, pub, tab.NumCells()+1)
	vals := make([]int64, tab.NumCells())
	for _, row := range pub[1:] {
		c, err := tab.CellOf(row[:3]...)
		require.NoError(t, err)
		v, err := strconv.ParseInt(row[3], 10, 64)
		require.NoError(t, err)
		vals[c] = v
		assert.False(t, v >= 1 && v <= 4, "small count %d published for %v", v, row[:3])
		assert.Equal(t, "rounded", row[4])
	}
	// Additive: every cell is the sum of the published inner cells under it,
	// checked by brute force over the inner cells.
	for c := 0; c < tab.NumCells(); c++ {
		if c%97 != 0 && (tab.IsInner(c) || c%7 != 0) {
			continue // a sample: the full check is quadratic
		}
		var s int64
		attack.Brute(tab, c, func(k int) { s += vals[tab.InnerCell(k)] })
		assert.Equal(t, s, vals[c], tab.Label(c))
	}
	internal := readCSV(t, filepath.Join(dir, "internal.csv"))
	assert.Equal(t, []string{"geo", "sex", "age", "freq", "status", "reason", "published", "difference", "lower", "upper", "interval"}, internal[0])

	var stderr2 bytes.Buffer
	args[len(args)-9] = "magic" // --method
	assert.Equal(t, 2, run(args, &stdout, &stderr2))
	assert.Contains(t, stderr2.String(), `--method "magic": unknown method`)
}

func TestProtectGaussThenAudit(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T1", dir)
	in := []string{"--input", filepath.Join(dir, "cells.csv"), "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age"}
	internal := filepath.Join(dir, "internal.csv")
	var stdout, stderr bytes.Buffer
	// With zeros published (the ≥ 1 policy) the cleanup has cells to
	// publish again on T1.
	args := append(append([]string{"protect", "--quiet", "--publish-zeros"}, in...), "--secondary", "gauss", "--max-n", "4",
		"--out", filepath.Join(dir, "published.csv"), "--internal", internal, "--json", filepath.Join(dir, "summary.json"))
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())

	rows := readCSV(t, internal)
	pub := readCSV(t, filepath.Join(dir, "published.csv"))
	require.Equal(t, []string{"geo", "sex", "age", "freq", "status", "reason", "lower", "upper", "interval"}, rows[0])
	secondary := 0
	for i, row := range rows[1:] {
		switch row[4] {
		case "primary", "secondary":
			assert.Equal(t, "", pub[i+1][3], "suppressed value published: %v", pub[i+1])
			lo, err := strconv.ParseFloat(row[6], 64)
			require.NoError(t, err, "interval of %v", row)
			hi, err := strconv.ParseFloat(row[7], 64)
			require.NoError(t, err)
			if row[4] == "primary" {
				assert.GreaterOrEqual(t, hi-lo, 5.0, "primary %v", row)
			} else {
				secondary++
				assert.NotEmpty(t, row[5])
			}
		default:
			assert.Equal(t, row[3], pub[i+1][3])
		}
	}
	assert.Greater(t, secondary, 0)
	var sum map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &sum))
	assert.Equal(t, true, sum["audit"].(map[string]any)["passed"])
	republished := sum["audit"].(map[string]any)["republished"].(float64)
	assert.Greater(t, republished, 0.0, "the cleanup publishes cells again on T1")

	// --no-cleanup keeps them withheld: more secondary cells, none
	// republished.
	noClean := filepath.Join(dir, "noclean.json")
	require.Equal(t, 0, run(append(append([]string{"protect", "--quiet", "--publish-zeros", "--no-cleanup"}, in...), "--max-n", "4",
		"--out", filepath.Join(dir, "nc.csv"), "--json", noClean), &stdout, &stderr), stderr.String())
	raw, err = os.ReadFile(noClean)
	require.NoError(t, err)
	var nc map[string]any
	require.NoError(t, json.Unmarshal(raw, &nc))
	assert.NotContains(t, nc["audit"].(map[string]any), "republished")
	assert.Greater(t, nc["status"].(map[string]any)["secondary"], sum["status"].(map[string]any)["secondary"])

	// The audit verb agrees, reading the pattern back.
	stdout.Reset()
	stderr.Reset()
	auditArgs := append(append([]string{"audit", "--quiet", "--publish-zeros"}, in...), "--pattern", internal, "--max-n", "4")
	assert.Equal(t, 0, run(auditArgs, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "audit passed")

	// A pattern of primary cells alone fails the audit, with the cells named.
	primaryOnly := filepath.Join(dir, "primary.csv")
	require.Equal(t, 0, run(append(append([]string{"protect", "--quiet"}, in...), "--secondary", "none",
		"--out", filepath.Join(dir, "p.csv"), "--internal", primaryOnly), &stdout, &stderr))
	stderr.Reset()
	auditArgs[len(auditArgs)-3] = primaryOnly
	assert.Equal(t, 1, run(auditArgs, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "audit failed")
	assert.Contains(t, stderr.String(), "disclosed: interval")

	// --screen fails the same pattern without the LP audit, and says so in
	// the summary; it passes the protected pattern on to the audit.
	stderr.Reset()
	screenJSON := filepath.Join(dir, "screen.json")
	screenArgs := append(append([]string{"audit", "--quiet", "--screen", "--json", screenJSON}, in...), "--pattern", primaryOnly, "--max-n", "4")
	assert.Equal(t, 1, run(screenArgs, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "screen failed")
	assert.Contains(t, stderr.String(), "disclosed: interval")
	raw, err = os.ReadFile(screenJSON)
	require.NoError(t, err)
	sum = nil
	require.NoError(t, json.Unmarshal(raw, &sum))
	assert.Equal(t, true, sum["audit"].(map[string]any)["screen"])
	assert.Equal(t, false, sum["audit"].(map[string]any)["passed"])
	stdout.Reset()
	screenArgs[len(screenArgs)-3] = internal
	assert.Equal(t, 0, run(screenArgs, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "audit passed")
}

func TestProtectLinkedTables(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T1", dir)
	var stdout, stderr bytes.Buffer
	args := []string{"protect", "--quiet", "--input", filepath.Join(dir, "cells.csv"),
		"--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age",
		"--table", "sex=geo,sex", "--table", "age=geo,age",
		"--out", filepath.Join(dir, "published.csv"), "--internal", filepath.Join(dir, "internal.csv"), "--json", filepath.Join(dir, "summary.json")}
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	sexPub := readCSV(t, filepath.Join(dir, "published.sex.csv"))
	agePub := readCSV(t, filepath.Join(dir, "published.age.csv"))
	assert.Equal(t, []string{"geo", "sex", "freq", "status"}, sexPub[0])
	assert.Equal(t, []string{"geo", "age", "freq", "status"}, agePub[0])
	// The cells both tables hold (geo × Total) have one status and value.
	bySex := map[string][]string{}
	for _, row := range sexPub[1:] {
		if row[1] == "Total" {
			bySex[row[0]] = row[2:]
		}
	}
	n := 0
	for _, row := range agePub[1:] {
		if row[1] == "Total" {
			assert.Equal(t, bySex[row[0]], row[2:], "geo %s", row[0])
			n++
		}
	}
	assert.Equal(t, 24, n) // Rogaland and its 23 municipalities
	_, err := os.Stat(filepath.Join(dir, "internal.age.csv"))
	assert.NoError(t, err)

	stderr.Reset()
	bad := append(append([]string(nil), args[:len(args)-6]...), "--table", "x=geo,region", "--out", filepath.Join(dir, "p.csv"))
	assert.Equal(t, 2, run(bad, &stdout, &stderr)) // a usage error, found before any work
	assert.Contains(t, stderr.String(), `--table: "region" is not a dimension of the input`)
}

// shuffleLines writes src to dst with its lines after the header in a
// random order.
func shuffleLines(t *testing.T, rng *rand.Rand, src, dst string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	body := lines[1:]
	rng.Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
	require.NoError(t, os.WriteFile(dst, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	require.NotEqual(t, raw, []byte(strings.Join(lines, "\n")+"\n"), "the shuffle changed nothing")
}

// TestProtectOrderIndependent protects T2 from its generated files and from
// the same files with their rows shuffled (a weekly export in another
// order): the outputs must be byte-identical, and the summaries equal but
// for the seconds.
func TestProtectOrderIndependent(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T2", dir)
	shuf := t.TempDir()
	rng := rand.New(rand.NewPCG(2024, 13))
	shuffleLines(t, rng, filepath.Join(dir, "cells.csv"), filepath.Join(shuf, "cells.csv"))
	shuffleLines(t, rng, filepath.Join(dir, "geo.csv"), filepath.Join(shuf, "geo.csv"))
	protect := func(in string) {
		args := []string{"protect", "--quiet", "--input", filepath.Join(in, "cells.csv"),
			"--dim", "geo=" + filepath.Join(in, "geo.csv"), "--dim", "sex", "--dim", "age",
			"--max-n", "4", "--secondary", "gauss",
			"--out", filepath.Join(in, "published.csv"), "--internal", filepath.Join(in, "internal.csv"),
			"--json", filepath.Join(in, "summary.json")}
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	}
	protect(dir)
	protect(shuf)
	for _, name := range []string{"published.csv", "internal.csv"} {
		a, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(shuf, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s differs when the input rows are shuffled", name)
	}
	summary := func(in string) map[string]any {
		raw, err := os.ReadFile(filepath.Join(in, "summary.json"))
		require.NoError(t, err)
		var sum map[string]any
		require.NoError(t, json.Unmarshal(raw, &sum))
		for _, k := range []string{"date", "spec", "spec_sha256", "inputs", "command"} {
			delete(sum, k) // the run's own: its date, paths and their hashes
		}
		for _, st := range sum["stages"].([]any) {
			delete(st.(map[string]any), "seconds")
			delete(st.(map[string]any), "peak_rss_kb")
		}
		return sum
	}
	assert.Equal(t, summary(dir), summary(shuf))
}

// TestAuditChecksPattern audits T1's protected pattern in every form the
// audit verb may be given, and patterns it must refuse.
func TestAuditChecksPattern(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T1", dir)
	in := []string{"--input", filepath.Join(dir, "cells.csv"), "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age"}
	file := func(name string) string { return filepath.Join(dir, name) }
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(append(append([]string{"protect", "--quiet"}, in...), "--max-n", "4",
		"--out", file("published.csv"), "--internal", file("internal.csv"), "--json", file("protect.json")), &stdout, &stderr), stderr.String())
	require.Equal(t, 0, run(append(append([]string{"protect", "--quiet", "--secondary", "none"}, in...), "--max-n", "4",
		"--out", file("primary-published.csv")), &stdout, &stderr), stderr.String())
	require.Equal(t, 0, run(append(append([]string{"round", "--quiet"}, in...), "--method", "small-count", "--base", "5",
		"--out", file("rounded.csv")), &stdout, &stderr), stderr.String())

	pub := readCSV(t, file("published.csv"))
	require.Equal(t, []string{"geo", "sex", "age", "freq", "status"}, pub[0])
	// write writes rows as a CSV file, changed by fn (nil: unchanged).
	write := func(name string, rows [][]string, fn func(rows [][]string) [][]string) string {
		rows = append([][]string(nil), rows...)
		for i := range rows {
			rows[i] = append([]string(nil), rows[i]...)
		}
		if fn != nil {
			rows = fn(rows)
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		require.NoError(t, w.WriteAll(rows))
		require.NoError(t, os.WriteFile(file(name), b.Bytes(), 0o644))
		return file(name)
	}
	firstRow := func(rows [][]string, status string) int {
		for i, r := range rows {
			if r[len(r)-1] == status && (status != "published" || r[3] != "0") {
				return i
			}
		}
		t.Fatalf("no %s row", status)
		return 0
	}
	pubRow, supRow := firstRow(pub, "published"), firstRow(pub, "suppressed")
	internal := readCSV(t, file("internal.csv"))

	cases := []struct {
		name    string
		pattern string
		extra   []string
		code    int
		want    []string
	}{
		{"internal file", file("internal.csv"), nil, 0, []string{"audit passed"}},
		{"published file", file("published.csv"), nil, 0, []string{"audit passed"}},
		{"published file of primary cells only", file("primary-published.csv"), nil, 1, []string{"audit failed", "disclosed: interval"}},
		{"published file, a stricter rule", file("published.csv"), []string{"--max-n", "5"}, 1, []string{"published.csv: ", "primary cells are published: primary cell "}},
		{"header only", write("header.csv", pub[:1], nil), nil, 1,
			[]string{"header.csv: " + strconv.Itoa(len(pub)-1) + " of the table's " + strconv.Itoa(len(pub)-1) + " publishable cells are missing", "11×Total×Total"}},
		{"missing cell", write("missing.csv", pub, func(r [][]string) [][]string { return append(r[:pubRow], r[pubRow+1:]...) }), nil, 1,
			[]string{"missing.csv: 1 of the table's", strings.Join(pub[pubRow][:3], "×")}},
		{"wrong value", write("wrong.csv", pub, func(r [][]string) [][]string {
			v, err := strconv.Atoi(r[pubRow][3])
			require.NoError(t, err)
			r[pubRow][3] = strconv.Itoa(v + 1000)
			return r
		}), nil, 1, []string{"wrong.csv: 1 values differ", "row " + strconv.Itoa(pubRow+1) + ": " + strings.Join(pub[pubRow][:3], "×") + " has the value"}},
		{"suppressed with its value", write("leak.csv", pub, func(r [][]string) [][]string {
			r[supRow][3] = internal[supRow][3]
			return r
		}), nil, 1, []string{"leak.csv: 0 values differ from the table's counts, 1 suppressed cells have a value", "row " + strconv.Itoa(supRow+1)}},
		{"rounded published file", file("rounded.csv"), nil, 1, []string{`rounded.csv: row 2: status "rounded"`, "cannot be audited as a suppression pattern", "tabsdc round"}},
		{"hidden status", write("hidden.csv", internal, func(r [][]string) [][]string {
			r[supRow][4] = "hidden"
			return r
		}), nil, 1, []string{`hidden.csv: row ` + strconv.Itoa(supRow+1) + `: status "hidden"`, "not a suppression pattern"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"audit", "--quiet"}, in...), "--pattern", tc.pattern, "--json", file("audit.json"))
			code := run(append(args, tc.extra...), &stdout, &stderr)
			require.Equal(t, tc.code, code, stderr.String())
			for _, w := range tc.want {
				assert.Contains(t, stdout.String()+stderr.String(), w)
			}
		})
	}

	// The published file, audited against --max-n 4, has the primary cells
	// the protection had: the rule found them again among the suppressed.
	stdout.Reset()
	require.Equal(t, 0, run(append(append([]string{"audit", "--quiet"}, in...), "--pattern", file("published.csv"),
		"--max-n", "4", "--json", file("audit.json")), &stdout, &stderr), stderr.String())
	status := func(name string) map[string]any {
		raw, err := os.ReadFile(file(name))
		require.NoError(t, err)
		var sum map[string]any
		require.NoError(t, json.Unmarshal(raw, &sum))
		return sum["status"].(map[string]any)
	}
	prot, aud := status("protect.json"), status("audit.json")
	assert.Greater(t, prot["primary"], 0.0)
	assert.Equal(t, prot["primary"], aud["primary"])
	assert.Equal(t, prot["secondary"], aud["suppressed"], "the other withheld cells stay of unknown kind")
}

// TestPTableVerb: the table built for D=2, V=1 is, byte for byte, the one
// the R package ptable exports for tau-ARGUS (noise/testdata).
func TestPTableVerb(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "pt.txt")
	require.Equal(t, 0, run([]string{"ptable", "--d", "2", "--v", "1", "--out", out}, &stdout, &stderr), stderr.String())
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("..", "..", "noise", "testdata", "ptable_D2V1_tauargus.txt"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	// Read back and written in the SAS layout.
	stdout.Reset()
	require.Equal(t, 0, run([]string{"ptable", "--in", out, "--sas", "--out", "-"}, &stdout, &stderr), stderr.String())
	sas, err := os.ReadFile(filepath.Join("..", "..", "noise", "testdata", "ptable_D2V1_sas.txt"))
	require.NoError(t, err)
	assert.Equal(t, string(sas), stdout.String())
	assert.Equal(t, 2, run([]string{"ptable", "--d", "2", "--out", out}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"ptable", "--d", "2", "--v", "1", "--in", out, "--out", "-"}, &stdout, &stderr))
}

// TestNoiseVerb: a DP release of T2's events publishes every cell as
// perturbed, non-negative and additive; the cell key release of the same
// events differs from the true table in the cells it perturbs only.
func TestNoiseVerb(t *testing.T) {
	dir := t.TempDir()
	ev, err := benchmarks.EventRecords("T2")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, benchmarks.WriteEvents(&buf, ev))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "events.csv"), buf.Bytes(), 0o644))
	buf.Reset()
	require.NoError(t, benchmarks.WriteHierarchy(&buf, ev.Table.Dim(0)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo.csv"), buf.Bytes(), 0o644))
	dims := []string{"--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex:" + strings.Join(benchmarks.Sexes, ","), "--dim", "age:" + strings.Join(benchmarks.AgeGroups, ",")}
	var stdout, stderr bytes.Buffer
	args := append([]string{"noise", "--quiet", "--mechanism", "laplace", "--epsilon", "1", "--linf", "3", "--records", "--input", filepath.Join(dir, "events.csv"), "--person", "person",
		"--out", filepath.Join(dir, "dp.csv"), "--internal", filepath.Join(dir, "dp-internal.csv"), "--json", filepath.Join(dir, "dp.json")}, dims...)
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	tab := ev.Table
	vals := make([]int64, tab.NumCells())
	pub := readCSV(t, filepath.Join(dir, "dp.csv"))
	require.Len(t, pub, tab.NumCells()+1)
	for _, row := range pub[1:] {
		c, err := tab.CellOf(row[:3]...)
		require.NoError(t, err)
		vals[c], err = strconv.ParseInt(row[3], 10, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, vals[c], int64(0))
		require.Equal(t, "perturbed", row[4])
	}
	for c := 0; c < tab.NumCells(); c += 37 {
		var s int64
		attack.Brute(tab, c, func(k int) { s += vals[tab.InnerCell(k)] })
		require.Equal(t, s, vals[c], tab.Label(c))
	}
	fi, err := os.Stat(filepath.Join(dir, "dp-internal.csv"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	secret := filepath.Join(dir, "secret.key")
	require.NoError(t, os.WriteFile(secret, []byte("thirty-two bytes of secret here!"), 0o600))
	args = append([]string{"noise", "--quiet", "--mechanism", "cellkey", "--ptable-d", "2", "--ptable-v", "1", "--records", "--input", filepath.Join(dir, "events.csv"),
		"--record-id", "event", "--key-secret-file", secret, "--out", filepath.Join(dir, "ck.csv")}, dims...)
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	changed := 0
	for _, row := range readCSV(t, filepath.Join(dir, "ck.csv"))[1:] {
		c, err := tab.CellOf(row[:3]...)
		require.NoError(t, err)
		v, err := strconv.ParseInt(row[3], 10, 64)
		require.NoError(t, err)
		d := v - tab.Freq(c)
		require.LessOrEqual(t, d*d, int64(4), "D = 2")
		if tab.Freq(c) == 0 {
			require.Zero(t, v, "zeros stay")
		}
		if d != 0 {
			changed++
		}
	}
	assert.Greater(t, changed, tab.NumCells()/3)
}
