package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// benchTables are the tables every stage is measured on; with -short only
// the small ones run (as in CI).
func benchTables(b *testing.B) []string {
	if testing.Short() {
		return []string{"T1", "T2"}
	}
	return []string{"T1", "T2", "T3", "T4"}
}

// cache keeps generated tables across benchmarks of one run.
var cache = map[string]*sdc.Table{}

func table(b *testing.B, name string) *sdc.Table {
	b.Helper()
	if t, ok := cache[name]; ok {
		return t
	}
	t, err := Table(name)
	if err != nil {
		b.Fatal(err)
	}
	cache[name] = t
	return t
}

// BenchmarkBuild measures generating a table and building all its totals.
func BenchmarkBuild(b *testing.B) {
	for _, name := range benchTables(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t, err := Table(name)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(t.NumCells()), "cells")
			}
		})
	}
}

// BenchmarkBuildAndPrimary measures what issue 2 sets a target for: building
// a table from the generator and applying the frequency rule (maxN 4).
func BenchmarkBuildAndPrimary(b *testing.B) {
	for _, name := range benchTables(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t, err := Table(name)
				if err != nil {
					b.Fatal(err)
				}
				f, _ := suppress.NewFrequency(4, false)
				_, res, err := suppress.Primary(context.Background(), t, []suppress.Rule{f}, suppress.PrimaryOptions{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.Cells), "primary")
			}
		})
	}
}

// BenchmarkPrimary measures the frequency rule alone on a built table.
func BenchmarkPrimary(b *testing.B) {
	for _, name := range benchTables(b) {
		t := table(b, name)
		f, _ := suppress.NewFrequency(4, false)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := suppress.Primary(context.Background(), t, []suppress.Rule{f}, suppress.PrimaryOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPrimaryMagnitude measures dominance and p% on the magnitude table.
func BenchmarkPrimaryMagnitude(b *testing.B) {
	t := table(b, "M")
	rules := []suppress.Rule{suppress.MinContributors{N: 3}, suppress.Dominance{N: 1, K: 85}, suppress.Dominance{N: 2, K: 90}, suppress.PPercent{P: 10}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, res, err := suppress.Primary(context.Background(), t, rules, suppress.PrimaryOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Cells), "primary")
	}
}

// BenchmarkReadCSV measures reading a table's inner cells from CSV (the
// bytes are prepared outside the timer).
func BenchmarkReadCSV(b *testing.B) {
	for _, name := range benchTables(b) {
		t := table(b, name)
		var buf bytes.Buffer
		if err := WriteCells(&buf, t); err != nil {
			b.Fatal(err)
		}
		specs := make([]sdc.DimSpec, t.NumDims())
		for d := range specs {
			specs[d] = sdc.DimSpec{Name: t.Dim(d).Name()}
		}
		specs[0].Dim = t.Dim(0)
		b.Run(fmt.Sprintf("%s/%dMB", name, buf.Len()>>20), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(buf.Len()))
			for i := 0; i < b.N; i++ {
				if _, err := sdc.ReadCells(bytes.NewReader(buf.Bytes()), specs, sdc.CellsOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// primaryRelease marks counts 1..4 primary.
func primaryRelease(b *testing.B, t *sdc.Table) *sdc.Release {
	f, _ := suppress.NewFrequency(4, false)
	rel, _, err := suppress.Primary(context.Background(), t, []suppress.Rule{f}, suppress.PrimaryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return rel
}

// gaussRelease is t's primary release protected by Gauss.
func gaussRelease(b *testing.B, t *sdc.Table) *sdc.Release {
	b.Helper()
	rel := primaryRelease(b, t)
	if _, err := suppress.Gauss(context.Background(), rel, suppress.GaussOptions{}); err != nil {
		b.Fatal(err)
	}
	return rel
}

// secondaryTables are the tables Gauss is measured on (T4 exceeds its
// memory guard; see the README).
func secondaryTables() []string {
	if testing.Short() {
		return []string{"T1", "T2"}
	}
	return []string{"T1", "T2", "T3"}
}

// BenchmarkSecondary measures Gauss secondary suppression alone.
func BenchmarkSecondary(b *testing.B) {
	for _, name := range secondaryTables() {
		t := table(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				rel := primaryRelease(b, t)
				b.StartTimer()
				res, err := suppress.Gauss(context.Background(), rel, suppress.GaussOptions{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.Primary), "primary")
				b.ReportMetric(float64(res.Secondary), "secondary")
			}
		})
	}
}

// BenchmarkAudit measures the LP audit of a Gauss pattern (before repair).
// T3 runs only with TABSDC_BENCH_T3_AUDIT=1: it is slow (see the README).
func BenchmarkAudit(b *testing.B) {
	names := []string{"T1", "T2"}
	if os.Getenv("TABSDC_BENCH_T3_AUDIT") == "1" {
		names = append(names, "T3")
	}
	for _, name := range names {
		t := table(b, name)
		rel := gaussRelease(b, t)
		for _, full := range []bool{false, true} {
			mode := "proven"
			if full {
				mode = "full"
			}
			b.Run(name+"/"+mode, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					res, err := audit.Audit(context.Background(), rel, audit.Options{Default: audit.FrequencyRequirement(4), Full: full})
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(res.Audited), "cells")
					b.ReportMetric(float64(len(res.UnderProtected)), "under")
					b.ReportMetric(float64(res.Components), "components")
					b.ReportMetric(float64(res.Largest), "largest")
					b.ReportMetric(float64(res.LPSolves), "solves")
				}
			})
		}
	}
}

// BenchmarkScreen measures the screen by bound propagation of a Gauss
// pattern (audit.Screen), the check Protect runs before each audit.
func BenchmarkScreen(b *testing.B) {
	for _, name := range secondaryTables() {
		t := table(b, name)
		rel := gaussRelease(b, t)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := audit.Screen(context.Background(), rel, audit.Options{Default: audit.FrequencyRequirement(4)})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.Audited), "cells")
				b.ReportMetric(float64(len(res.UnderProtected)), "under")
			}
		})
	}
}

// BenchmarkScreener measures the incremental screen the cleanup asks
// about each secondary cell (audit.Screener): set up on a Gauss pattern,
// then a trial publication of every secondary cell in turn, with the
// singleton view.
func BenchmarkScreener(b *testing.B) {
	for _, name := range secondaryTables() {
		t := table(b, name)
		rel := gaussRelease(b, t)
		var sec []int
		for c := 0; c < t.NumCells(); c++ {
			if rel.Status(c) == sdc.Secondary {
				sec = append(sec, c)
			}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sc, _, err := audit.NewScreener(context.Background(), rel, audit.ScreenerOptions{Options: audit.Options{Default: audit.FrequencyRequirement(4)}, Singletons: true})
				if err != nil {
					b.Fatal(err)
				}
				accepted := 0
				for _, c := range sec {
					ok, _, err := sc.TryPublish(c)
					if err != nil {
						b.Fatal(err)
					}
					if ok {
						accepted++
					}
				}
				b.ReportMetric(float64(len(sec)), "trials")
				b.ReportMetric(float64(accepted), "accepted")
			}
		})
	}
}

// BenchmarkProtect measures the whole protection: Gauss, audit and repair
// until every primary cell's interval is at least 5 wide.
func BenchmarkProtect(b *testing.B) {
	for _, name := range []string{"T1", "T2"} {
		t := table(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				rel := primaryRelease(b, t)
				b.StartTimer()
				res, err := suppress.Protect(context.Background(), rel, suppress.ProtectOptions{Default: audit.FrequencyRequirement(4)})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Unresolved) > 0 {
					b.Fatalf("%d cells unresolved", len(res.Unresolved))
				}
				sec := rel.Count(sdc.Secondary)
				b.ReportMetric(float64(sec), "secondary")
				b.ReportMetric(100*float64(sec)/float64(t.NumCells()), "%secondary")
				b.ReportMetric(float64(res.Rounds), "rounds")
				b.ReportMetric(float64(len(res.Republished)), "republished")
			}
		})
	}
}
