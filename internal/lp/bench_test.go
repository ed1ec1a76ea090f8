package lp

import (
	"context"
	"testing"
	"time"
)

// benchmarkAudit measures a complete audit: phase 1, then the minimum and
// the maximum of every unknown cell (at most maxObj cells when maxObj > 0),
// each warm-started from the previous optimum.
func benchmarkAudit(b *testing.B, dims []int, frac float64, maxObj int) {
	p := newAuditProblem(newRand(42), dims, frac)
	nobj := len(p.cells)
	if maxObj > 0 && nobj > maxObj {
		nobj = maxObj
	}
	ctx := context.Background()
	idx := []int{0}
	var st Stats
	var phase1 time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		start := time.Now()
		s, err := NewSolver(p.a, p.b, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		phase1 += time.Since(start)
		for j := 0; j < nobj; j++ {
			idx[0] = j
			if _, err := s.MinimizeSparse(ctx, idx, nil); err != nil {
				b.Fatal(err)
			}
			if _, err := s.MaximizeSparse(ctx, idx, nil); err != nil {
				b.Fatal(err)
			}
		}
		st = s.Stats()
	}
	b.ReportMetric(float64(len(p.b)), "rows")
	b.ReportMetric(float64(len(p.cells)), "cols")
	b.ReportMetric(float64(st.Solves), "solves/op")
	b.ReportMetric(float64(st.Iterations), "iters/op")
	b.ReportMetric(float64(st.Phase1Iterations), "phase1-iters/op")
	b.ReportMetric(float64(phase1.Milliseconds())/float64(b.N), "phase1-ms/op")
	b.ReportMetric(float64(st.Refactorizations), "refactors/op")
}

// BenchmarkAudit2D audits a 300×20 table with row, column and grand totals
// and 10% of the inner cells unknown (plus the cells needed so that no
// total has a single unknown cell): about 620 variables and 290 rows, all
// 1,240 minima and maxima.
func BenchmarkAudit2D(b *testing.B) { benchmarkAudit(b, []int{300, 20}, 0.10, 0) }

// BenchmarkAudit2DDense is the same table with 40% of the cells unknown.
func BenchmarkAudit2DDense(b *testing.B) { benchmarkAudit(b, []int{300, 20}, 0.40, 0) }

// BenchmarkAudit3D audits a 30×12×6 table with all its marginal totals and
// 30% of the inner cells unknown, all minima and maxima.
func BenchmarkAudit3D(b *testing.B) { benchmarkAudit(b, []int{30, 12, 6}, 0.30, 0) }

// BenchmarkAudit2DLarge solves the first 200 cells (400 solves) of a
// 3000×200 table with 5% of the cells unknown: about 30,000 variables and
// 3,200 rows. Skipped with -short.
func BenchmarkAudit2DLarge(b *testing.B) {
	if testing.Short() {
		b.Skip("large benchmark skipped with -short")
	}
	benchmarkAudit(b, []int{3000, 200}, 0.05, 200)
}

// BenchmarkAudit3DLarge solves the first 25 cells (50 solves) of a
// 100×50×10 table with 10% of the cells unknown: about 7,100 variables and
// 5,000 rows, whose bases have dense inverses. Skipped with -short.
func BenchmarkAudit3DLarge(b *testing.B) {
	if testing.Short() {
		b.Skip("large benchmark skipped with -short")
	}
	benchmarkAudit(b, []int{100, 50, 10}, 0.10, 25)
}
