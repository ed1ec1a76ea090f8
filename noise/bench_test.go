package noise_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/noise"
)

// BenchmarkDP times a differentially private release of a benchmark
// table's event records (bounding, noise, post-processing, the release);
// T3 is skipped with -short. T4 is measured by benchmarks/cmd/measure.
func BenchmarkDP(b *testing.B) {
	for _, name := range []string{"T2", "T3"} {
		b.Run(name, func(b *testing.B) {
			if name == "T3" && testing.Short() {
				b.Skip("T3 with -short")
			}
			ev, err := benchmarks.EventRecords(name)
			require.NoError(b, err)
			persons := ev.PersonIDs()
			p := noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: noise.Bounds{L0: 1, LInf: 3}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				counts, _, err := noise.Bound(ev.Inner, persons, ev.Table.NumInner(), p.Bounds, nil)
				require.NoError(b, err)
				_, err = noise.DP(context.Background(), ev.Table, counts, p)
				require.NoError(b, err)
			}
		})
	}
}

// BenchmarkPostProcess times the deterministic part alone: least squares
// and the top-down pass, from given measurements.
func BenchmarkPostProcess(b *testing.B) {
	for _, name := range []string{"T2", "T3"} {
		b.Run(name, func(b *testing.B) {
			if name == "T3" && testing.Short() {
				b.Skip("T3 with -short")
			}
			tb, err := benchmarks.Table(name)
			require.NoError(b, err)
			ms, err := noise.Plan(tb, noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: noise.Bounds{L0: 1, LInf: 1}})
			require.NoError(b, err)
			require.NoError(b, noise.Measure(context.Background(), ms, noise.Laplace, innerCounts(tb), 0))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_, _, err := noise.PostProcess(context.Background(), tb, ms, noise.TopDim(tb))
				require.NoError(b, err)
			}
		})
	}
}

// BenchmarkCellKey times the cell key method on a benchmark table's event
// records: HMAC record keys, cell keys and the perturbation.
func BenchmarkCellKey(b *testing.B) {
	pt, err := noise.BuildPTable(noise.PTableOptions{D: 2, V: 1})
	require.NoError(b, err)
	for _, name := range []string{"T2", "T3"} {
		b.Run(name, func(b *testing.B) {
			if name == "T3" && testing.Short() {
				b.Skip("T3 with -short")
			}
			ev, err := benchmarks.EventRecords(name)
			require.NoError(b, err)
			ids := ev.EventIDs()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				keys, err := noise.RecordKeysHMAC([]byte("benchmark secret, 32 bytes long!"), ids)
				require.NoError(b, err)
				_, err = noise.CellKey(ev.Table, ev.Inner, keys, pt)
				require.NoError(b, err)
			}
		})
	}
}
