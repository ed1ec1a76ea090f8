package suppress

import (
	"context"
	"testing"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/sdc"
)

// gaussFreqRelease marks the frequency rule inline (counts 1..maxN primary,
// zeros not), independent of the primary rules package.
func gaussFreqRelease(t *sdc.Table, maxN int64) *sdc.Release {
	rel := sdc.NewRelease(t)
	for c, f := range t.Freqs() {
		if f >= 1 && f <= maxN {
			rel.Set(c, sdc.Primary, "frequency rule")
		}
	}
	return rel
}

func benchGauss(b *testing.B, name string) {
	t, err := benchmarks.Table(name)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var res GaussResult
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rel := gaussFreqRelease(t, 4)
		b.StartTimer()
		res, err = Gauss(context.Background(), rel, GaussOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Primary), "primary")
	b.ReportMetric(float64(res.Secondary), "secondary")
	b.ReportMetric(100*float64(res.Secondary)/float64(res.Cells-res.Primary), "%secondary")
}

func BenchmarkGaussT1(b *testing.B) { benchGauss(b, "T1") }
func BenchmarkGaussT2(b *testing.B) { benchGauss(b, "T2") }
func BenchmarkGaussT3(b *testing.B) {
	if testing.Short() {
		b.Skip("T3 is not a small table (-short)")
	}
	benchGauss(b, "T3")
}
