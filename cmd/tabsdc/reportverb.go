package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

const reportExample = `  tabsdc report --internal internal.csv --json summary.json --report report.html \
      --public-report public.html

  Rebuilds the reports of an earlier run from its internal file and its
  summary. The run's input files are read again (they must be the files the
  run read: their SHA-256 is checked against the summary's). report.html
  (0600) is the privacy officer's page, with report.json beside it;
  public.html is the variant to publish next to the data.`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", reportExample, stdout, stderr)
	internal := fs.String("internal", "", "the run's internal CSV (required)")
	summary := fs.String("json", "", "the run's JSON summary (required)")
	var of outputFlags
	of.registerReports(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *internal == "" || *summary == "":
		return usagef("--internal and --json are required")
	case of.report == "" && of.publicReport == "":
		return usagef("give --report or --public-report (or both)")
	}
	for _, r := range []string{of.report, of.publicReport} {
		if r != "" && !strings.EqualFold(filepath.Ext(r), ".html") {
			return usagef("%q: a report is an .html file", r)
		}
	}
	if err := checkPaths([]pathArg{{"--internal", *internal}, {"--json", *summary}}, of.files(nil)); err != nil {
		return err
	}
	sum, rel, pop, err := pipeline.Rebuild(*summary, *internal)
	if err != nil {
		return err
	}
	var files []sdc.OutputFile
	for _, rp := range []struct {
		path   string
		public bool
	}{{of.report, false}, {of.publicReport, true}} {
		if rp.path == "" {
			continue
		}
		page, err := report.BuildPageWith(sum, rel, rp.public, pop)
		if err != nil {
			return err
		}
		files = append(files,
			sdc.OutputFile{Path: rp.path, Write: page.WriteHTML, Private: !rp.public},
			sdc.OutputFile{Path: strings.TrimSuffix(rp.path, filepath.Ext(rp.path)) + ".json", Write: page.WriteJSON, Private: !rp.public})
	}
	return sdc.WriteFilesAtomicContext(ctx, files)
}
