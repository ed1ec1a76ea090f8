package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
)

// The two front doors cannot drift: a verb run with flags and `tabsdc run`
// with the equivalent spec (the shipped examples/spec files) write the
// same published and internal files, byte for byte, and the same summary
// (but for its date, its outputs' paths and the times).
func TestRunSpecMatchesFlags(t *testing.T) {
	specs, err := filepath.Abs("../../examples/spec")
	require.NoError(t, err)
	cases := []struct {
		name, table, folder, spec string
		flags                     []string
		outputs                   []string
	}{
		{"T2 gauss", "T2", "t2", "t2.yaml",
			[]string{"protect", "--input", "t2/cells.csv", "--dim", "geo=t2/geo.csv", "--dim", "sex", "--dim", "age", "--max-n", "4"},
			[]string{"published.csv", "internal.csv", "summary.json"}},
		{"T2 small-count", "T2", "t2", "smallcount.yaml",
			[]string{"round", "--input", "t2/cells.csv", "--dim", "geo=t2/geo.csv", "--dim", "sex", "--dim", "age", "--method", "small-count", "--base", "3", "--seed", "1"},
			[]string{"rounded.csv", "rounded-internal.csv", "rounded-summary.json"}},
		{"T2 cell key", "T2", "t2", "cellkey.yaml",
			[]string{"noise", "--mechanism", "cellkey", "--records", "--input", "t2/events.csv", "--record-id", "event", "--key-secret-file", "t2/secret.key",
				"--dim", "geo=t2/geo.csv", "--dim", "sex", "--dim", "age", "--ptable-d", "2", "--ptable-v", "1"},
			[]string{"cellkey.csv", "cellkey-internal.csv", "cellkey-summary.json"}},
		{"T1 linked tables", "T1", "t1", "linked.yaml",
			[]string{"protect", "--input", "t1/cells.csv", "--dim", "geo=t1/geo.csv", "--dim", "sex", "--dim", "age", "--table", "sex=geo,sex", "--table", "age=geo,age"},
			[]string{"published.sex.csv", "published.age.csv", "internal.sex.csv", "internal.age.csv", "summary.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			require.NoError(t, os.Mkdir(tc.folder, 0o755))
			genTable(t, tc.table, tc.folder)
			writeEvents(t, tc.table, tc.folder)

			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run([]string{"run", filepath.Join(specs, tc.spec), "--quiet"}, &stdout, &stderr), stderr.String())
			byFlags := filepath.Join(dir, "flags")
			require.NoError(t, os.Mkdir(byFlags, 0o755))
			outs := map[string]string{"protect": "published.csv", "round": "rounded.csv", "noise": "cellkey.csv"}
			args := append(append([]string{}, tc.flags...), "--quiet",
				"--out", filepath.Join(byFlags, outs[tc.flags[0]]),
				"--internal", filepath.Join(byFlags, map[string]string{"protect": "internal.csv", "round": "rounded-internal.csv", "noise": "cellkey-internal.csv"}[tc.flags[0]]),
				"--json", filepath.Join(byFlags, map[string]string{"protect": "summary.json", "round": "rounded-summary.json", "noise": "cellkey-summary.json"}[tc.flags[0]]))
			require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())

			for _, name := range tc.outputs {
				a, err := os.ReadFile(filepath.Join(tc.folder, name))
				require.NoError(t, err)
				b, err := os.ReadFile(filepath.Join(byFlags, name))
				require.NoError(t, err)
				if filepath.Ext(name) == ".json" {
					assert.Equal(t, comparable(t, a), comparable(t, b), name)
					continue
				}
				assert.Equal(t, string(a), string(b), name)
			}
		})
	}
}

// writeEvents writes the event records behind a benchmark table
// (events.csv) and a key secret (secret.key, 0600) into dir.
func writeEvents(t *testing.T, name, dir string) {
	ev, err := benchmarks.EventRecords(name)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, benchmarks.WriteEvents(&buf, ev))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "events.csv"), buf.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.key"), []byte("a test secret, thirty-two bytes!"), 0o600))
}

// TestDPSpecExample: examples/spec/dp.yaml runs as documented, enters the
// release in its ledger and is refused once the ledger's budget is spent.
func TestDPSpecExample(t *testing.T) {
	specs, err := filepath.Abs("../../examples/spec")
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.Mkdir("t2", 0o755))
	genTable(t, "T2", "t2")
	writeEvents(t, "T2", "t2")
	var stdout, stderr bytes.Buffer
	for i := 0; i < 10; i++ {
		require.Equal(t, 0, run([]string{"run", filepath.Join(specs, "dp.yaml"), "--quiet"}, &stdout, &stderr), stderr.String())
	}
	pub := readCSV(t, "t2/dp.csv")
	assert.Len(t, pub, 8952+1)
	require.NoError(t, os.Remove("t2/dp.csv"))
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"run", filepath.Join(specs, "dp.yaml"), "--quiet"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "privacy budget exceeded")
	assert.NoFileExists(t, "t2/dp.csv")
	var sum map[string]any
	raw, err := os.ReadFile("t2/dp-summary.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &sum))
	assert.NotNil(t, sum["utility"])
}

// comparable is a summary without what differs between two runs of one
// release: the date, the outputs' paths (and so the spec's hash) and the
// seconds of each stage.
func comparable(t *testing.T, raw []byte) map[string]any {
	var sum map[string]any
	require.NoError(t, json.Unmarshal(raw, &sum))
	require.NotEmpty(t, sum["date"])
	require.NotEmpty(t, sum["tool"])
	require.Len(t, sum["spec_sha256"], 64)
	delete(sum, "date")
	delete(sum, "command")
	delete(sum, "spec_sha256")
	delete(sum["spec"].(map[string]any), "outputs")
	for _, st := range sum["stages"].([]any) {
		delete(st.(map[string]any), "seconds")
		delete(st.(map[string]any), "peak_rss_kb")
	}
	return sum
}

// A spec is checked before any work: a misspelt key is named with its
// line, a contradiction with its key; both are usage errors.
func TestRunSpecErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cases := []struct{ name, spec, stderr string }{
		{"misspelt key", "input:\n  cells: c.csv\n  dims: [{name: sex}]\nrules:\n  maxn: 4\noutputs: {published: p.csv}\n", `spec.yaml:5: unknown key "maxn"`},
		{"contradiction", "input:\n  cells: c.csv\n  dims: [{name: sex}]\nrules: {max_n: 4}\nmethod:\n  name: gauss\n  exact_only: true\n  full_audit: true\noutputs: {published: p.csv}\n", "spec.yaml:8: method.full_audit: contradicts exact_only"},
		{"option of another method", "input:\n  cells: c.csv\n  dims: [{name: sex}]\nrules: {max_n: 4}\nmethod: {name: gauss, base: 3}\noutputs: {published: p.csv}\n", "method.base: does not go with method gauss"},
		{"output is the input", "input:\n  cells: c.csv\n  dims: [{name: sex}]\nrules: {max_n: 4}\noutputs: {published: c.csv}\n", "c.csv"},
		{"no file", "", "spec.yaml: empty spec"},
	}
	require.NoError(t, os.WriteFile("c.csv", []byte("sex,freq\nM,3\nF,4\n"), 0o644))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile("spec.yaml", []byte(tc.spec), 0o644))
			var stdout, stderr bytes.Buffer
			assert.Equal(t, 2, run([]string{"run", "spec.yaml"}, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.stderr)
			_, err := os.Stat("p.csv")
			assert.True(t, os.IsNotExist(err), "an output was written")
		})
	}
}

// The README's magnitude example runs as documented: Utsira's
// physiotherapy claims (one provider) and GP claims (two) are withheld,
// with their levels and value intervals in the internal file, and the
// published sums are exact.
func TestMagnitudeExample(t *testing.T) {
	src, err := filepath.Abs("../../examples/magnitude")
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.MkdirAll("examples/magnitude", 0o755))
	for _, name := range []string{"records.csv", "geo.csv", "spec.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("examples/magnitude", name), b, 0o644))
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"run", "examples/magnitude/spec.yaml", "--quiet"}, &stdout, &stderr), stderr.String())
	pub := readCSV(t, "claims-published.csv")
	in := readCSV(t, "claims-internal.csv")
	col := map[string]int{}
	for i, h := range in[0] {
		col[h] = i
	}
	rows := map[string][]string{}
	for _, r := range in[1:] {
		rows[r[0]+"×"+r[1]] = r
	}
	for _, key := range []string{"1151×physio", "1151×gp"} {
		r := rows[key]
		assert.Equal(t, "primary", r[col["status"]], key)
		assert.NotEmpty(t, r[col["upper_level"]], key)
		assert.NotEmpty(t, r[col["value_upper"]], key)
	}
	assert.Equal(t, "24500.50", rows["1151×physio"][col["amount"]])
	for _, r := range pub[1:] {
		if r[0] == "1151" && r[1] == "physio" {
			assert.Equal(t, []string{"", "", "suppressed"}, r[2:])
		}
		assert.NotContains(t, r[3], "e")
	}
}

// TestDHIS2SpecExample: examples/dhis2/spec.yaml runs as documented and
// writes an importable dataValueSet: the data element and org units by
// code, option combos of the metadata, canonical periods, withheld cells
// flagged, not written.
func TestDHIS2SpecExample(t *testing.T) {
	src, err := filepath.Abs("../../examples/dhis2")
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.MkdirAll("examples/dhis2", 0o755))
	require.NoError(t, os.Mkdir("kosy-dhis2", 0o755))
	for _, name := range []string{"metadata.json", "datavalues.json", "spec.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("examples/dhis2", name), b, 0o644))
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"run", "examples/dhis2/spec.yaml", "--quiet"}, &stdout, &stderr), stderr.String())
	var meta struct {
		COCs []struct {
			ID string `json:"id"`
		} `json:"categoryOptionCombos"`
	}
	raw, err := os.ReadFile("examples/dhis2/metadata.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &meta))
	cocs := map[string]bool{}
	for _, c := range meta.COCs {
		cocs[c.ID] = true
	}
	var out struct {
		DataValues []map[string]string `json:"dataValues"`
	}
	raw, err = os.ReadFile("kosy-dhis2/published.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &out))
	flags, values := 0, 0
	for _, v := range out.DataValues {
		assert.True(t, cocs[v["categoryOptionCombo"]], v["categoryOptionCombo"])
		assert.Equal(t, "2024W5", v["period"])
		assert.NotEmpty(t, v["value"])
		switch v["dataElement"] {
		case "KOSY_CONSULT":
			values++
		case "KOSY_WITHHELD":
			flags++
			assert.Equal(t, "true", v["value"])
		default:
			t.Fatalf("data element %q", v["dataElement"])
		}
	}
	assert.Equal(t, 3352, values, "the published cells of T2 with leaf options at every level")
	assert.Equal(t, 1870, flags)
}
