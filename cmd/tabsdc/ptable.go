package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/sdc"
)

const ptableExample = `  tabsdc ptable --d 2 --v 1 --js 0 --out ptable.txt

  Builds a perturbation table for the cell key method by maximum entropy
  (the method of the R package ptable: for each count i the distribution of
  deviations −D … D of greatest entropy with mean 0 and variance at most V,
  no count published in 1..js) and writes it in the layout ptable exports
  for tau-ARGUS (i;j;p;v;p_int_ub; --sas adds p_int_lb). tau-ARGUS, the R
  package cellKey and 'tabsdc noise --mechanism cellkey --ptable FILE' read
  it. --in FILE reads a table instead (to check one another tool wrote).`

func runPTable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ptable", ptableExample, stdout, stderr)
	d := fs.Int("d", 0, "largest deviation D (required unless --in)")
	v := fs.Float64("v", 0, "variance V (required unless --in)")
	js := fs.Int("js", 0, "no count is published in 1..js")
	in := fs.String("in", "", "read a perturbation table from this file instead of building one")
	out := fs.String("out", "", "file to write (required; - for standard output)")
	sas := fs.Bool("sas", false, "write p_int_lb too (ptable's SAS layout)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	var pt *noise.PTable
	var err error
	if *in != "" {
		if *d != 0 || *v != 0 || *js != 0 {
			return usagef("--in contradicts --d, --v and --js: give one")
		}
		if err := checkPaths([]pathArg{{"--in", *in}}, outPath(*out)); err != nil {
			return err
		}
		pt, err = readPTableFile(*in)
	} else {
		if *d == 0 || *v == 0 {
			return usagef("give --d and --v (or --in FILE)")
		}
		if err := checkPaths(nil, outPath(*out)); err != nil {
			return err
		}
		pt, err = noise.BuildPTable(noise.PTableOptions{D: *d, V: *v, JS: *js})
		if err != nil {
			return usagef("%v", err)
		}
	}
	if err != nil {
		return err
	}
	if *out == "-" {
		return noise.WritePTable(stdout, pt, *sas)
	}
	return sdc.WriteFileAtomic(*out, func(w io.Writer) error { return noise.WritePTable(w, pt, *sas) })
}

func outPath(p string) []pathArg {
	if p == "-" {
		return nil
	}
	return []pathArg{{"--out", p}}
}

func readPTableFile(path string) (*noise.PTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pt, err := noise.ReadPTable(f)
	if err != nil {
		var pe *sdc.ParseError
		if errors.As(err, &pe) {
			pe.File = path
			return nil, pe
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pt, nil
}
