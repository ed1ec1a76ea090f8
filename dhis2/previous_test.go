package dhis2_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/dhis2"
	"github.com/tabsdc/tabsdc/pipeline"
)

// TestPreviousGetsDeletes: a rounded release (every inner cell) followed
// by a suppressed one: every inner value the second withholds gets an
// explicit delete (no value), nothing else does, in JSON and CSV.
func TestPreviousGetsDeletes(t *testing.T) {
	meta, err := os.ReadFile(filepath.Join("..", "examples", "dhis2", "metadata.json"))
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join("..", "examples", "dhis2", "datavalues.json"))
	require.NoError(t, err)
	m, vals := readExample(t)
	for _, f := range []dhis2.Format{dhis2.JSON, dhis2.CSV} {
		dir := t.TempDir()
		data := raw
		if f == dhis2.CSV {
			data = valuesFile(t, vals, dhis2.CSV)
		}
		_, first := release(t, dir, meta, data, f, pipeline.MethodSpec{Name: "small-count", Base: 3}, pipeline.Rules{}, nil)
		ext := map[dhis2.Format]string{dhis2.JSON: ".json", dhis2.CSV: ".csv"}[f]
		prev := filepath.Join(dir, "first"+ext)
		require.NoError(t, os.Rename(filepath.Join(dir, "out"+ext), prev))
		res, second := release(t, dir, meta, data, f, pipeline.MethodSpec{Name: "gauss"}, pipeline.Rules{MaxN: 4}, &pipeline.DHIS2Output{Previous: prev})
		rel := res.Tables[0].Release
		tb := rel.Table()
		deletes := map[int]bool{}
		for _, v := range second {
			if !v.HasValue {
				c := cellOf(t, m, tb, v)
				assert.True(t, rel.Suppressed(c), "%s deleted but published", tb.Label(c))
				deletes[c] = true
			}
		}
		want := 0
		for _, v := range first {
			if c := cellOf(t, m, tb, v); rel.Suppressed(c) {
				want++
				assert.True(t, deletes[c], "%s: published before, withheld now, not deleted", tb.Label(c))
			}
		}
		assert.Equal(t, want, len(deletes))
		assert.Positive(t, want)
	}
}

// BenchmarkReadT3 reads the example's metadata (357 municipalities) and a
// T3-sized dataValueSet: T3's 99,960 inner cells as 20 weeks of T2's
// option combos (about 100,000 values), in JSON and CSV, into a table.
func BenchmarkReadT3(b *testing.B) {
	meta, err := os.ReadFile(filepath.Join("..", "examples", "dhis2", "metadata.json"))
	require.NoError(b, err)
	_, vals := readExample(b)
	var big []dhis2.DataValue
	for w := 1; w <= 20; w++ {
		for _, v := range vals {
			v.Period = fmt.Sprintf("2024W%02d", w)
			big = append(big, v)
		}
	}
	for _, f := range []dhis2.Format{dhis2.JSON, dhis2.CSV} {
		data := valuesFile(b, big, f)
		b.Run(map[dhis2.Format]string{dhis2.JSON: "json", dhis2.CSV: "csv"}[f], func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				m, err := dhis2.ReadMetadata(bytes.NewReader(meta), "metadata.json")
				require.NoError(b, err)
				vs, err := dhis2.ReadDataValueSet(bytes.NewReader(data), f, "values")
				require.NoError(b, err)
				in, err := m.Load(vs, "", dhis2.Code, f, "values")
				require.NoError(b, err)
				b.ReportMetric(float64(len(vs)), "values")
				b.ReportMetric(float64(in.Table.NumCells()), "cells")
			}
		})
	}
}
