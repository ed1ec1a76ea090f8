// Command gen writes one of tabsdc's benchmark tables as CSV files: the inner
// cells (cells.csv) and the geographic hierarchy (geo.csv), or for the
// magnitude table M the records (records.csv) and the hierarchy; with
// -events also the event records behind a count table (events.csv).
//
//	go run ./benchmarks/cmd/gen -table T3 -out /tmp/t3
//
// The files are the input of `tabsdc protect`:
//
//	tabsdc protect --input /tmp/t3/cells.csv --dim geo=/tmp/t3/geo.csv --dim sex --dim age --dim diag ...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/sdc"
)

func main() {
	table := flag.String("table", "T2", "table to write: T1, T2, T3, T4 or M")
	out := flag.String("out", "", "folder to write into (created if needed)")
	events := flag.Bool("events", false, "T1 … T4: also write the event records behind the table (events.csv: the dimensions, person, event)")
	dhis2 := flag.Bool("dhis2", false, "write the DHIS2 example instead: metadata.json (Norway's org units, a sex × age combo) and datavalues.json (T2's counts for one week)")
	flag.Parse()
	if *dhis2 {
		if err := writeDHIS2(*out); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*table, *out, *events); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(table, out string, events bool) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	dims, err := benchmarks.Dimensions(table)
	if err != nil {
		return err
	}
	if err := sdc.WriteFileAtomic(filepath.Join(out, "geo.csv"), func(w io.Writer) error {
		return benchmarks.WriteHierarchy(w, dims[0])
	}); err != nil {
		return err
	}
	if table == "M" {
		recs, err := benchmarks.MagnitudeRecords()
		if err != nil {
			return err
		}
		return sdc.WriteFileAtomic(filepath.Join(out, "records.csv"), func(w io.Writer) error {
			return benchmarks.WriteRecords(w, recs)
		})
	}
	t, err := benchmarks.Table(table)
	if err != nil {
		return err
	}
	if events {
		ev, err := benchmarks.EventRecords(table)
		if err != nil {
			return err
		}
		if err := sdc.WriteFileAtomic(filepath.Join(out, "events.csv"), func(w io.Writer) error {
			return benchmarks.WriteEvents(w, ev)
		}); err != nil {
			return err
		}
	}
	return sdc.WriteFileAtomic(filepath.Join(out, "cells.csv"), func(w io.Writer) error {
		return benchmarks.WriteCells(w, t)
	})
}

func writeDHIS2(out string) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var meta, values bytes.Buffer
	if err := benchmarks.WriteDHIS2Example(&meta, &values); err != nil {
		return err
	}
	return sdc.WriteFilesAtomic([]sdc.OutputFile{
		{Path: filepath.Join(out, "metadata.json"), Write: func(w io.Writer) error { _, err := w.Write(meta.Bytes()); return err }},
		{Path: filepath.Join(out, "datavalues.json"), Write: func(w io.Writer) error { _, err := w.Write(values.Bytes()); return err }},
	})
}
