package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// dimFlags collects repeated --dim NAME[=FILE] options.
type dimFlags []string

func (d *dimFlags) String() string { return strings.Join(*d, " ") }

func (d *dimFlags) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty dimension")
	}
	*d = append(*d, v)
	return nil
}

// inputFlags are the options every verb shares for reading the table.
type inputFlags struct {
	input       string
	dims        dimFlags
	freq        string
	totals      bool
	records     bool
	value       string
	contributor string
}

func (in *inputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&in.input, "input", "", "CSV file of inner cells (a column per dimension and a count column), or of records with --records (required)")
	fs.Var(&in.dims, "dim", "a dimension: NAME for a flat one (codes from the data, total \"Total\"), or NAME=FILE with a code,parent hierarchy; repeat in order")
	fs.StringVar(&in.freq, "freq", "freq", "name of the count column")
	fs.BoolVar(&in.totals, "totals", false, "the input may also hold totals; they are checked against the sums of the inner cells")
	fs.BoolVar(&in.records, "records", false, "the input holds one row per record (unit) instead of one per inner cell")
	fs.StringVar(&in.value, "value", "", "with --records: the column of each record's value (a magnitude table)")
	fs.StringVar(&in.contributor, "contributor", "", "with --records: the column of the contributor id (for contributor, dominance and p% rules)")
}

// specs parses the --dim options, reading hierarchy files.
func (in *inputFlags) specs() ([]sdc.DimSpec, error) {
	if len(in.dims) == 0 {
		return nil, fmt.Errorf("no --dim given: name every dimension column of the input")
	}
	specs := make([]sdc.DimSpec, 0, len(in.dims))
	for _, arg := range in.dims {
		name, file, hasFile := strings.Cut(arg, "=")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("--dim %q: empty name", arg)
		}
		spec := sdc.DimSpec{Name: name}
		if hasFile {
			f, err := os.Open(file)
			if err != nil {
				return nil, fmt.Errorf("--dim %s: %w", name, err)
			}
			spec.Dim, err = sdc.ReadHierarchy(name, f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// read reads the table the flags describe.
func (in *inputFlags) read() (*sdc.Table, error) {
	if in.input == "" {
		return nil, fmt.Errorf("--input is required")
	}
	if !in.records && (in.value != "" || in.contributor != "") {
		return nil, fmt.Errorf("--value and --contributor go with --records")
	}
	specs, err := in.specs()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(in.input)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var t *sdc.Table
	if in.records {
		t, err = sdc.ReadRecords(f, specs, sdc.RecordsOptions{Value: in.value, Contributor: in.contributor})
	} else {
		t, err = sdc.ReadCells(f, specs, sdc.CellsOptions{Count: in.freq, Totals: in.totals})
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.input, err)
	}
	return t, nil
}

// readCellList reads a CSV list of cells, a column per dimension of t (codes
// of leaves or totals), as used for manual suppression and publication.
func readCellList(path string, t *sdc.Table) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := make([]int, t.NumDims())
	for d := range col {
		col[d] = -1
		for i, h := range header {
			if strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")) == t.Dim(d).Name() {
				col[d] = i
			}
		}
		if col[d] < 0 {
			return nil, fmt.Errorf("%s: row 1: missing column %q", path, t.Dim(d).Name())
		}
	}
	var cells []int
	codes := make([]string, t.NumDims())
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return cells, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		for d, i := range col {
			codes[d] = strings.TrimSpace(rec[i])
		}
		c, err := t.CellOf(codes...)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, line, err)
		}
		cells = append(cells, c)
	}
}
