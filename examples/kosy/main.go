// Command kosy runs tabsdc's whole pipeline on the embedded municipality
// data: it generates table T2 (357 municipalities × sex × age group, with
// the hierarchy Norway > county > municipality), applies primary suppression
// (frequency rule, counts 1..4), secondary suppression by Gaussian
// elimination, and the attacker's LP audit with repair until every primary
// cell's interval is at least 5 wide; it writes the published file, the
// officer's internal file (with every suppressed cell's interval) and the
// JSON summary into a folder, and prints a summary.
//
//	go run ./examples/kosy            # writes into ./kosy-out
//	go run ./examples/kosy -out DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

func main() {
	out := flag.String("out", "kosy-out", "folder to write the outputs into")
	table := flag.String("table", "T2", "benchmark table to protect (T1, T2, T3 or T4)")
	maxN := flag.Int("max-n", 4, "frequency rule: counts 1..max-n are primary")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *table, *out, *maxN); err != nil {
		fmt.Fprintln(os.Stderr, "kosy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, table, out string, maxN int) error {
	t, err := benchmarks.Table(table)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// The release, declared as a spec (what `tabsdc run` reads from YAML)
	// and run on the table in memory.
	spec := &pipeline.Spec{
		Rules:  pipeline.Rules{MaxN: maxN},
		Method: pipeline.MethodSpec{Name: "gauss"},
		Outputs: pipeline.Outputs{
			Published: filepath.Join(out, "published.csv"),
			Internal:  filepath.Join(out, "internal.csv"),
			Summary:   filepath.Join(out, "summary.json"),
		},
	}
	res, err := pipeline.RunTable(ctx, t, spec, pipeline.Options{})
	if err != nil {
		return err
	}
	if err := res.Write(ctx); err != nil {
		return err
	}
	printSummary(w, t, res.Tables[0].Release, res.Summary, out)
	return nil
}

// levelNames names the depths of the geographic hierarchy.
var levelNames = []string{"national", "county", "municipality"}

func printSummary(w io.Writer, t *sdc.Table, rel *sdc.Release, sum *report.Summary, out string) {
	fmt.Fprintf(w, "table: %d inner cells, %d publishable cells (%s)\n", t.NumInner(), t.NumCells(), dimsLine(t))
	fmt.Fprintf(w, "primary cells: %d (%.1f%% of publishable cells)\n", rel.Count(sdc.Primary), 100*float64(rel.Count(sdc.Primary))/float64(t.NumCells()))
	fmt.Fprintf(w, "secondary cells: %d (%.1f%%)\n", rel.Count(sdc.Secondary), 100*float64(rel.Count(sdc.Secondary))/float64(t.NumCells()))
	if a := sum.Audit; a != nil && a.Republished > 0 {
		fmt.Fprintf(w, "  after the cleanup, which published %d secondary cells again\n", a.Republished)
	}
	if a := sum.Audit; a != nil {
		fmt.Fprintf(w, "audit: %d suppressed cells, %d disclosed, %d under-protected (after %d repair rounds); passed: %v\n",
			a.Audited, a.Disclosed, a.UnderProtected, a.RepairRounds, a.Passed)
	}
	if at := sum.Attacker; at != nil {
		fmt.Fprintf(w, "the audit's attacker knows: %s\n", strings.Join(at.Knows, "; "))
	}
	for _, r := range sum.Rules {
		fmt.Fprintf(w, "  rule %-12s %6d cells\n", r.Rule, r.Cells)
	}
	fmt.Fprintln(w, "by geographic level:")
	for _, l := range sum.Levels {
		if l.Dimension != benchmarks.DimGeo {
			continue
		}
		name := fmt.Sprintf("depth %d", l.Depth)
		if l.Depth < len(levelNames) {
			name = levelNames[l.Depth]
		}
		fmt.Fprintf(w, "  %-13s %6d cells %6d primary %6d secondary\n", name, l.Cells, l.Status["primary"], l.Status["secondary"])
	}
	for _, s := range sum.Stages {
		fmt.Fprintf(w, "  %-16s %.3fs\n", s.Name, s.Seconds)
	}
	fmt.Fprintf(w, "wrote %s\n", filepath.Join(out, "{published.csv,internal.csv,summary.json}"))
}

func dimsLine(t *sdc.Table) string {
	s := ""
	for d := 0; d < t.NumDims(); d++ {
		if d > 0 {
			s += " × "
		}
		s += fmt.Sprintf("%s %d", t.Dim(d).Name(), t.Dim(d).Len())
	}
	return s
}
