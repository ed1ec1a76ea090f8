package pipeline_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/pipeline"
)

const head = "input:\n  cells: c.csv\n  dims:\n    - name: geo\n      file: g.csv\n    - name: sex\n"

func TestParseSpec(t *testing.T) {
	cases := []struct {
		name, spec string
		line       int
		key, msg   string
	}{
		{"misspelt top key", head + "rule:\n  max_n: 4\noutputs: {published: p.csv}\n", 7, "", `unknown key "rule"`},
		{"misspelt nested key", head + "rules:\n  max_n: 4\noutputs:\n  publishd: p.csv\n", 10, "", `unknown key "publishd"`},
		{"wrong type", head + "rules:\n  max_n: four\noutputs: {published: p.csv}\n", 8, "", "four"},
		{"negative max_n", head + "rules:\n  max_n: -1\noutputs: {published: p.csv}\n", 8, "rules.max_n", "negative"},
		{"no output", head + "rules: {max_n: 4}\n", 0, "outputs.published", "required"},
		{"cells and records", "input: {cells: c.csv, records: r.csv, dims: [{name: a}]}\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 1, "input", "contradict"},
		{"dimension twice", "input:\n  cells: c.csv\n  dims:\n    - name: a\n    - name: a\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 5, "input.dims[1].name", "twice"},
		{"table over an unknown dimension", head + "tables:\n  - name: x\n    dims: [geo, age]\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 9, "tables[0].dims", `"age"`},
		{"unknown method", head + "rules: {max_n: 4}\nmethod: {name: cell-key}\noutputs: {published: p.csv}\n", 8, "method.name", "unknown method"},
		{"rounding with rules", head + "rules: {max_n: 4}\nmethod: {name: small-count}\noutputs: {published: p.csv}\n", 7, "rules", "no primary rules"},
		{"no rule", head + "outputs: {published: p.csv}\n", 0, "rules", "no primary rule"},
		{"no requirement", "input: {records: r.csv, contributor: who, dims: [{name: a}]}\nrules: {min_contributors: 3}\noutputs: {published: p.csv}\n", 0, "requirement", "none given"},
		{"decimal base", head + "method: {name: small-count, base: 2.9}\noutputs: {published: p.csv}\n", 7, "base", "not a whole number"},
		{"decimal max_n", head + "rules:\n  max_n: 4.5\noutputs: {published: p.csv}\n", 8, "max_n", "not a whole number"},
		{"count column is a dimension", "input:\n  cells: c.csv\n  count: geo\n  dims: [{name: geo}]\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 3, "input.count", "also input.dims[0].name"},
		{"dimension named freq", "input:\n  records: r.csv\n  dims: [{name: freq}]\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 1, "input.count", "every column needs its own name"},
		{"dimension named status", "input:\n  cells: c.csv\n  dims:\n    - name: status\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 4, "input.dims[0].name", "column of the output files"},
		{"table over one dimension twice", head + "tables: [{name: a, dims: [geo, geo]}]\nrules: {max_n: 4}\noutputs: {published: p.csv}\n", 7, "tables[0].dims", "twice"},
		{"none with a requirement", head + "rules: {max_n: 4}\nmethod: {name: none}\nrequirement: {range_min: 3}\noutputs: {published: p.csv}\n", 9, "requirement", "none audits nothing"},
		{"dominance on counts", head + "rules:\n  dominance: [{n: 1, k: 85}]\n  max_n: 3\noutputs: {published: p.csv}\n", 8, "rules.dominance", "needs a magnitude table"},
		{"unknown cost", head + "rules: {max_n: 4}\nmethod: {name: gauss, cost: price}\noutputs: {published: p.csv}\n", 8, "method.cost", "want value, count or unity"},
		{"two documents", head + "rules: {max_n: 4}\noutputs: {published: p.csv}\n---\nrules: {}\n", 0, "", "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pipeline.ParseSpec(strings.NewReader(tc.spec), "s.yaml")
			require.Error(t, err)
			var se *pipeline.SpecError
			require.True(t, errors.As(err, &se), "%v", err)
			assert.Equal(t, "s.yaml", se.File)
			assert.Equal(t, tc.line, se.Line, "%v", err)
			assert.Equal(t, tc.key, se.Key, "%v", err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}

	s, err := pipeline.ParseSpec(strings.NewReader(head+"rules: {max_n: 4}\noutputs: {published: p.csv}\n"), "s.yaml")
	require.NoError(t, err)
	assert.Equal(t, "gauss", s.Method.Name, "the default method")
	assert.Equal(t, 30, s.Method.MaxRounds)
	assert.Equal(t, "freq", s.Input.Count)

	_, err = pipeline.ParseSpec(strings.NewReader(head+"rules: {max_n: 4}\noutputs: {published: p.csv}\n---\n"), "s.yaml")
	assert.NoError(t, err, "a spec may end with ---")
}
