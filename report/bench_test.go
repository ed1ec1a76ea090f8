package report_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// BenchmarkReportT3 builds and renders the officer's report (HTML and
// JSON) of T3 (187,992 cells): with the primary cells withheld (every
// withheld cell listed) and rounded by small-count rounding (errors by
// level and size). Skipped with -short.
func BenchmarkReportT3(b *testing.B) {
	if testing.Short() {
		b.Skip("T3 with -short")
	}
	t, err := benchmarks.Table("T3")
	require.NoError(b, err)
	f, err := suppress.NewFrequency(4, false)
	require.NoError(b, err)
	primary, _, err := suppress.Primary(context.Background(), t, []suppress.Rule{f}, suppress.PrimaryOptions{})
	require.NoError(b, err)
	rounded, err := rounding.SmallCount(context.Background(), t, rounding.SmallCountOptions{Base: 3})
	require.NoError(b, err)
	for name, rel := range map[string]*sdc.Release{"withheld": primary, "rounded": rounded.Release} {
		b.Run(name, func(b *testing.B) {
			sum := &report.Summary{Method: name}
			sum.Count(rel)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p, err := report.BuildPage(sum, rel, false)
				require.NoError(b, err)
				require.NoError(b, p.WriteHTML(io.Discard))
				require.NoError(b, p.WriteJSON(io.Discard))
			}
		})
	}
}
