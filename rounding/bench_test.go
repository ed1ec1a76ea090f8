package rounding_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

var (
	tablesMu sync.Mutex
	tables   = map[string]*sdc.Table{}
)

// benchTable generates (once) a benchmark table.
func benchTable(tb testing.TB, name string) *sdc.Table {
	tb.Helper()
	tablesMu.Lock()
	defer tablesMu.Unlock()
	if t, ok := tables[name]; ok {
		return t
	}
	t, err := benchmarks.Table(name)
	require.NoError(tb, err)
	tables[name] = t
	return t
}

// TestSmallCountBenchmarkTargets holds SmallCount to the errors of the R
// package on the benchmark tables with base 5 (T2: max 8, RMS 1.32; T3: max
// 13, RMS 1.65) and checks its promises there.
func TestSmallCountBenchmarkTargets(t *testing.T) {
	for _, tc := range []struct {
		name   string
		maxAbs int64
		rms    float64
	}{
		{"T2", 8, 1.32},
		{"T3", 13, 1.65},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := benchTable(t, tc.name)
			opt := rounding.SmallCountOptions{Base: 5}
			res, err := rounding.SmallCount(context.Background(), tb, opt)
			require.NoError(t, err)
			m := res.Metrics.All
			t.Logf("%s: %v", tc.name, m)
			assert.LessOrEqual(t, m.MaxAbs, tc.maxAbs)
			assert.LessOrEqual(t, m.RMS, tc.rms)
			checkSmallCount(t, tb, res.Values, opt)
		})
	}
}

func benchSmallCount(b *testing.B, name string, opt rounding.SmallCountOptions) {
	tb := benchTable(b, name)
	b.ReportAllocs()
	b.ResetTimer()
	var res *rounding.Result
	for b.Loop() {
		var err error
		res, err = rounding.SmallCount(context.Background(), tb, opt)
		if err != nil {
			b.Fatal(err)
		}
	}
	m := res.Metrics.All
	b.ReportMetric(float64(m.MaxAbs), "max-abs")
	b.ReportMetric(m.MeanAbs, "mean-abs")
	b.ReportMetric(m.RMS, "rms")
}

// BenchmarkSmallCount rounds the benchmark tables with base 5 (T4, about 10
// million publishable cells, takes seconds per iteration).
func BenchmarkSmallCount(b *testing.B) {
	names := []string{"T2", "T3", "T4"}
	if testing.Short() {
		names = names[:1] // small tables only (CI)
	}
	for _, name := range names {
		b.Run(name, func(b *testing.B) { benchSmallCount(b, name, rounding.SmallCountOptions{Base: 5}) })
	}
}

// BenchmarkControlled rounds the magnitude table's counts (municipality
// hierarchy × service), a network.
func BenchmarkControlled(b *testing.B) {
	tb := benchTable(b, "M")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := rounding.Controlled(context.Background(), tb, rounding.ControlledOptions{Base: 5}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRandom rounds T3 cell by cell from crypto/rand.
func BenchmarkRandom(b *testing.B) {
	if testing.Short() {
		b.Skip("T3 is not a small table (-short)")
	}
	tb := benchTable(b, "T3")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := rounding.Random(context.Background(), tb, rounding.RandomOptions{Base: 5}); err != nil {
			b.Fatal(err)
		}
	}
}
