// Command report regenerates the project's benchmark report: tabsdc's
// methods side by side on the benchmark tables T1 and T2 (tabsdc compare
// on files generated into a temporary folder), written under docs/.
//
//	go run ./benchmarks/cmd/report -out docs
//
// It writes docs/benchmark-report-T1.html and docs/benchmark-report-T2.html
// with their JSON beside them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/sdc"
)

func main() {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	out := fs.String("out", "docs", "folder to write the reports into")
	_ = fs.Parse(os.Args[1:])
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	tmp, err := os.MkdirTemp("", "tabsdc-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, name := range []string{"T1", "T2"} {
		t, err := benchmarks.Table(name)
		if err != nil {
			return err
		}
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		cells, geo := filepath.Join(dir, "cells.csv"), filepath.Join(dir, "geo.csv")
		if err := sdc.WriteFilesAtomic([]sdc.OutputFile{
			{Path: cells, Write: func(w io.Writer) error { return benchmarks.WriteCells(w, t) }},
			{Path: geo, Write: func(w io.Writer) error { return benchmarks.WriteHierarchy(w, t.Dim(0)) }},
		}); err != nil {
			return err
		}
		spec := &pipeline.Spec{Input: pipeline.Input{Cells: cells, Dims: []pipeline.Dim{{Name: "geo", File: geo}, {Name: "sex"}, {Name: "age"}}}}
		t0 := time.Now()
		c, err := pipeline.Compare(context.Background(), spec, pipeline.CompareOptions{
			Methods: []string{"gauss", "exact-only", "small-count", "controlled", "random", "dp", "none"},
			Progress: func(msg string) {
				fmt.Fprintf(os.Stderr, "%s %s: %s\n", name, time.Since(t0).Round(time.Millisecond), msg)
			},
			Command: "go run ./benchmarks/cmd/report -out " + out,
		})
		if err != nil {
			return err
		}
		c.Title = "Methods compared on benchmark table " + name
		// The inputs lived in a temporary folder: name them by table.
		for i := range c.Inputs {
			c.Inputs[i].Path = name + "/" + filepath.Base(c.Inputs[i].Path)
		}
		base := filepath.Join(out, "benchmark-report-"+name)
		if err := sdc.WriteFilesAtomic([]sdc.OutputFile{{Path: base + ".html", Write: c.WriteHTML}, {Path: base + ".json", Write: c.WriteJSON}}); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s.html\n", base)
	}
	return nil
}
